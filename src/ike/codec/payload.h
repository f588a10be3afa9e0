// File: ike/codec/payload.h
//
// Payload: one IKEv2 payload, i.e. the generic payload header's type and critical bit plus a
// typed body; and the payload chain (RFC 7296 3.2) in both directions. Payloads the codec does
// not know are kept as UnknownPayload (so a message re-serializes faithfully) unless their
// critical bit is set, which fails the whole chain with UNSUPPORTED_CRITICAL_PAYLOAD.
//
// Generic payload header (RFC 7296 3.2):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Value types and pure functions; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_PAYLOAD_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/auth_payload.h"
#include "ike/codec/cert_payload.h"
#include "ike/codec/constants.h"
#include "ike/codec/cp_payload.h"
#include "ike/codec/delete_payload.h"
#include "ike/codec/eap_payload.h"
#include "ike/codec/encrypted_payload.h"
#include "ike/codec/id_payload.h"
#include "ike/codec/ke_payload.h"
#include "ike/codec/nonce_payload.h"
#include "ike/codec/notify_payload.h"
#include "ike/codec/reader.h"
#include "ike/codec/sa_payload.h"
#include "ike/codec/ts_payload.h"
#include "ike/codec/vendor_id_payload.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

// UnknownPayload: a payload of a type this codec does not parse, without the critical bit.
struct UnknownPayload {
  std::vector<uint8_t> body;
  bool operator==(const UnknownPayload&) const = default;
};

using PayloadBody =
    std::variant<SaPayload, KePayload, IdPayload, CertPayload, AuthPayload, NoncePayload,
                 NotifyPayload, DeletePayload, VendorIdPayload, TsPayload, EncryptedPayload,
                 EncryptedFragmentPayload, CpPayload, EapPayload, UnknownPayload>;

struct Payload {
  // type: the payload type; it picks the body alternative (IDi and IDr both hold an IdPayload,
  // TSi/TSr a TsPayload, CERT/CERTREQ a CertPayload, anything unknown an UnknownPayload).
  PayloadType type = PayloadType::kNone;
  // critical: the C bit as received; sent as stored (RFC 7296: zero for the types it defines).
  bool critical = false;
  PayloadBody body;

  // Make: a payload of `type` with `body`, critical bit clear.
  static Payload Make(PayloadType type, PayloadBody body) { return {type, false, std::move(body)}; }

  // As: the body as T, or nullptr if it holds another alternative.
  template <typename T>
  const T* As() const {
    return std::get_if<T>(&body);
  }
  bool operator==(const Payload&) const = default;
};

// BodyMatchesType: whether `body`'s alternative is the one `type` uses.
bool BodyMatchesType(PayloadType type, const PayloadBody& body);

// ChainOptions: where a chain sits, for offsets in errors and what it may contain.
struct ChainOptions {
  size_t base_offset = 0;  // absolute offset of the chain's first octet
  bool inside_sk = false;  // an SK/SKF payload here is an error
  size_t max_payloads = kMaxPayloadsPerChain;
};

// ParsePayloadChain: parses `bytes` as payloads starting with type `first_type` and following
// the Next Payload fields. Used for a message's payloads (Message::Parse) and for the
// decrypted contents of an SK payload. Errors carry a NotifyToSend:
//  - UNSUPPORTED_CRITICAL_PAYLOAD (data: the type octet) for an unknown type with C set;
//  - INVALID_SYNTAX for a Payload Length below 4 or past the end, octets after the last
//    payload, more than `max_payloads` payloads, an SK/SKF that is not last (or inside SK),
//    or any payload body its parser rejects. Messages name the payload and offset.
absl::StatusOr<std::vector<Payload>> ParsePayloadChain(uint8_t first_type,
                                                       std::span<const uint8_t> bytes,
                                                       const ChainOptions& options = {});

// SerializePayloadChain: appends the payloads with their generic headers (each Next Payload
// naming the following payload; an SK/SKF's naming its first inner payload) and returns the
// type of the first payload, for the header or the enclosing SK (kNone if `payloads` is
// empty). Errors (no notify): a body that does not match its type, an SK/SKF that is not last,
// a payload over 65535 octets, or a body's own Serialize failure.
absl::StatusOr<uint8_t> SerializePayloadChain(std::span<const Payload> payloads, Writer& w);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_PAYLOAD_H_
