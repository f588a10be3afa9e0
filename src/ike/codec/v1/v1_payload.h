// File: ike/codec/v1/v1_payload.h
//
// V1Payload: one IKEv1 payload (its type and typed body, plus the exact bytes it arrived as),
// and the payload chain (RFC 2408 3.2) in both directions.
//
// Generic payload header (RFC 2408 3.2):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ! Next Payload  !   RESERVED    !         Payload Length        !
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Raw bytes: IKEv1's hashes cover payloads exactly as sent: HASH_I / HASH_R the SA and ID
// payload bodies (SAi_b, IDii_b), Quick Mode's HASH(1)/(2) and the informational / transaction
// HASH(1) everything after the HASH payload, generic headers included. A parsed payload keeps
// its wire bytes in `raw` (generic header included); V1PayloadBodyBytes and V1ChainBytes give
// the bytes a hash needs, for received payloads (from `raw`) and for payloads we built (by
// serializing) alike.
//
// Unknown payload types are refused, not kept: RFC 2408 has no critical bit, and 5.2 says
//= https://www.rfc-editor.org/rfc/rfc2408#section-5.2
//# If the Next Payload field value is not valid, then this error
//# (INVALID PAYLOAD TYPE) MAY be logged in the appropriate system audit file by the
//# receiving entity and a Notification payload with the type, INVALID-PAYLOAD-TYPE, MAY be
//# sent to the transmitting entity.
// (and the message is discarded). Private-use types (128-255: Cisco fragmentation, the NAT-T
// drafts' 130/131) are only sent to peers that announced them by Vendor ID, which we never do.
//
// Value types and pure functions; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_V1_V1_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_V1_V1_PAYLOAD_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/v1/v1_constants.h"
#include "ike/codec/v1/v1_payloads.h"
#include "ike/codec/v1/v1_sa_payload.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike::v1 {

using V1PayloadBody =
    std::variant<V1SaPayload, V1KePayload, V1IdPayload, V1CertPayload, V1CertReqPayload,
                 V1HashPayload, V1SigPayload, V1NoncePayload, V1NotifyPayload, V1DeletePayload,
                 V1VendorIdPayload, V1AttributePayload, V1NatDPayload, V1NatOaPayload>;

struct V1Payload {
  V1PayloadType type = V1PayloadType::kNone;  // picks the body alternative (one per type)
  V1PayloadBody body;
  // raw: the whole payload as received (generic header included); empty for a payload built
  // locally. Not compared by operator==.
  std::vector<uint8_t> raw;

  // Make: a locally built payload of `type` (raw empty).
  static V1Payload Make(V1PayloadType type, V1PayloadBody body) {
    return {type, std::move(body), {}};
  }
  // As: the body as T, or nullptr if it holds another alternative.
  template <typename T>
  const T* As() const {
    return std::get_if<T>(&body);
  }
  // raw_body: `raw` without its generic header (empty for a built payload).
  std::span<const uint8_t> raw_body() const {
    return raw.size() < kV1GenericHeaderSize ? std::span<const uint8_t>()
                                             : std::span<const uint8_t>(raw).subspan(4);
  }
  // operator==: type and body (what the payload says), not `raw`.
  bool operator==(const V1Payload& o) const { return type == o.type && body == o.body; }
};

// V1BodyMatchesType: whether `body`'s alternative is the one `type` uses.
bool V1BodyMatchesType(V1PayloadType type, const V1PayloadBody& body);

// V1ChainOptions: where a chain sits and what may follow it.
struct V1ChainOptions {
  size_t base_offset = kV1HeaderSize;  // absolute offset of the chain's first octet (errors)
  // allow_padding: octets after the last payload (Next Payload 0) are accepted and ignored.
  // True for a decrypted body, whose encryption padding follows the payloads (RFC 2409
  // Appendix B pads to the cipher's block size); ParseV1Message sets it false for plaintext
  // messages, where such octets are UNEQUAL-PAYLOAD-LENGTHS.
  bool allow_padding = true;
  size_t max_payloads = kV1MaxPayloads;
};

// ParseV1Payloads: parses `body` as payloads starting with type `first` and following the Next
// Payload fields; every payload keeps its `raw` bytes. Errors:
//  - INVALID-PAYLOAD-TYPE (data: the type octet) for a type IsKnownV1PayloadType rejects,
//    including P / T outside an SA payload;
//  - PAYLOAD-MALFORMED for a Payload Length below 4 or past the end, more than
//    `options.max_payloads` payloads, or a body its parser rejects (which may attach a more
//    specific notify: BAD-PROPOSAL-SYNTAX, INVALID-ID-INFORMATION, ...);
//  - UNEQUAL-PAYLOAD-LENGTHS for octets after the last payload unless allow_padding;
//  - PAYLOAD-MALFORMED for an empty chain (`first` == kNone) with octets in `body` and
//    allow_padding false.
// Messages name the payload and offset.
absl::StatusOr<std::vector<V1Payload>> ParseV1Payloads(V1PayloadType first,
                                                       std::span<const uint8_t> body,
                                                       const V1ChainOptions& options = {});

// SerializeV1Payloads: appends the payloads with generic headers (each Next Payload naming the
// following payload, the last one 0), serializing each typed body (never `raw`). The first
// payload's type is what the ISAKMP header's Next Payload must name. Errors (no notify): a body
// that does not match its type, a payload over 65535 octets, a body's own Serialize failure.
absl::Status SerializeV1Payloads(std::span<const V1Payload> payloads, Writer& w);
absl::StatusOr<std::vector<uint8_t>> SerializeV1Payloads(std::span<const V1Payload> payloads);

// V1PayloadBodyBytes: the payload's body as on the wire: raw_body() for a received payload,
// the serialized body for a built one. For SAi_b and IDii_b / IDir_b of phase 1's hashes.
absl::StatusOr<std::vector<uint8_t>> V1PayloadBodyBytes(const V1Payload& payload);

// V1ChainBytes: `payloads` as the chain on the wire, generic headers included: each received
// payload's `raw` as it arrived, each built one serialized (its Next Payload naming the
// following payload). For Quick Mode / informational / transaction hashes: pass the payloads
// after the HASH payload (a received chain's tail reproduces the received octets exactly,
// without the encryption padding). Errors: as SerializeV1Payloads.
absl::StatusOr<std::vector<uint8_t>> V1ChainBytes(std::span<const V1Payload> payloads);

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_CODEC_V1_V1_PAYLOAD_H_
