// File: ike/codec/v1/v1_message.h
//
// V1Message: an IKEv1 (ISAKMP) message: the header plus its payloads. Plaintext messages
// (Main Mode 1-4, Aggressive Mode, unencrypted informational) parse in one step with
// ParseV1Message. Encrypted ones (E flag: Main Mode 5/6, Quick Mode, informational and
// transaction exchanges after phase 1) are split with SplitV1Datagram, decrypted by the
// phase-1 cipher (ike/v1/crypto/v1_cipher.h: V1Protector::Open does all three steps), and the
// plaintext parsed with ParseV1Payloads (padding allowed).
//
// Example (receive):
//   absl::StatusOr<V1Datagram> d = SplitV1Datagram(datagram);   // header checks
//   if (!d.ok()) { count; drop; }
//   if (!d->header.encrypted()) { absl::StatusOr<V1Message> m = ParseV1Message(datagram); ... }
//
// Value types; any thread. Not on the packet fast path (allocates).
#ifndef TUNNELISA_SRC_IKE_CODEC_V1_V1_MESSAGE_H_
#define TUNNELISA_SRC_IKE_CODEC_V1_V1_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "ike/codec/v1/v1_header.h"
#include "ike/codec/v1/v1_payload.h"

namespace tunnelisa::ike::v1 {

struct V1Message {
  V1Header header;
  std::vector<V1Payload> payloads;

  // Serialize: the plaintext datagram: header.next_payload and header.length are computed, the
  // E flag must be clear (encrypt with V1Protector::Seal); other fields are written as stored.
  // Errors (no notify): see SerializeV1Payloads; E flag set; over kV1MaxMessageSize.
  absl::StatusOr<std::vector<uint8_t>> Serialize() const;

  // Find: the first payload of `type`, or nullptr. Count: how many there are.
  const V1Payload* Find(V1PayloadType type) const;
  size_t Count(V1PayloadType type) const;
  // FindNotify: the first Notify of `type`, or nullptr.
  const V1NotifyPayload* FindNotify(V1NotifyType type) const;

  bool operator==(const V1Message&) const = default;
};

// V1Datagram: a checked header and the octets after it: the payload chain, or the ciphertext
// when header.encrypted(). `body` points into the datagram passed to SplitV1Datagram.
struct V1Datagram {
  V1Header header;
  std::span<const uint8_t> body;
};

// SplitV1Datagram: V1Header::Parse + ValidateV1Header (version, Length == datagram size, size
// bounds, cookie), nothing else. Errors carry the notify ValidateV1Header names.
absl::StatusOr<V1Datagram> SplitV1Datagram(std::span<const uint8_t> datagram);

// ParseV1Message: SplitV1Datagram, then the payload chain (no padding allowed). Errors: those
// of SplitV1Datagram and ParseV1Payloads; FailedPrecondition (no notify) when the E flag is
// set: the body is ciphertext.
absl::StatusOr<V1Message> ParseV1Message(std::span<const uint8_t> datagram);

// SerializeV1Message: the datagram of `header` with `payloads` (see V1Message::Serialize).
absl::StatusOr<std::vector<uint8_t>> SerializeV1Message(const V1Header& header,
                                                        std::span<const V1Payload> payloads);

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_CODEC_V1_V1_MESSAGE_H_
