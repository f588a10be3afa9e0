// File: ike/codec/message.h
//
// Message: an IKEv2 message as the codec sees it: the header plus the ordered list of payloads
// outside encryption (an SK or SKF payload, if any, is the last one and holds ciphertext).
// Message::Parse validates a whole datagram; Message::Serialize produces one, computing the
// header's Next Payload and Length.
//
// Example (receive):
//   absl::StatusOr<Message> m = Message::Parse(datagram);  // non-ESP marker already removed
//   if (!m.ok()) { maybe reply with GetNotifyToSend(m.status()); count; return; }
//   ... decrypt SK (encrypted_payload.h), ParsePayloadChain the plaintext ...
//   absl::Status rules = CheckRules(*m, inner);  // rules.h, before any task runs
//
// Value type; any thread. Not on the packet fast path (allocates).
#ifndef TUNNELISA_SRC_IKE_CODEC_MESSAGE_H_
#define TUNNELISA_SRC_IKE_CODEC_MESSAGE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "ike/codec/constants.h"
#include "ike/codec/header.h"
#include "ike/codec/payload.h"

namespace tunnelisa::ike {

struct Message {
  Header header;
  std::vector<Payload> payloads;

  // Parse: header (ValidateIkev2Header: version, exchange, length == datagram size, SPIs),
  // then the payload chain (ParsePayloadChain: lengths, critical bit, no trailing octets, at
  // most kMaxPayloadsPerChain payloads, each body valid). Errors name the payload and offset
  // and carry the notify to send (errors.h).
  static absl::StatusOr<Message> Parse(std::span<const uint8_t> datagram);

  // Serialize: the datagram (without a non-ESP marker). header.next_payload and header.length
  // are computed; the other header fields are written as stored. Errors (no notify): see
  // SerializePayloadChain, or a message over 2^32 - 1 octets.
  absl::StatusOr<std::vector<uint8_t>> Serialize() const;

  // Find: the first payload of `type`, or nullptr. Count: how many there are.
  const Payload* Find(PayloadType type) const;
  size_t Count(PayloadType type) const;
  // FindNotify: the first Notify of `type`, or nullptr.
  const NotifyPayload* FindNotify(NotifyType type) const;

  bool operator==(const Message&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_MESSAGE_H_
