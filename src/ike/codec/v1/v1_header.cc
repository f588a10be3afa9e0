#include "ike/codec/v1/v1_header.h"

#include "absl/strings/str_format.h"
#include "ike/codec/v1/v1_util.h"

namespace tunnelisa::ike::v1 {

using internal::V1Malformed;
using internal::V1Truncated;

absl::StatusOr<V1Header> V1Header::Parse(Reader& r) {
  if (r.remaining() < kV1HeaderSize) return V1Truncated("ISAKMP header", r, kV1HeaderSize);
  V1Header h;
  uint8_t next = 0;
  uint8_t exchange = 0;
  // Cannot fail: 28 octets are there.
  (void)(r.U64(h.icookie) && r.U64(h.rcookie) && r.U8(next) && r.U8(h.version) && r.U8(exchange) &&
         r.U8(h.flags) && r.U32(h.message_id) && r.U32(h.length));
  h.next_payload = static_cast<V1PayloadType>(next);
  h.exchange = static_cast<V1Exchange>(exchange);
  return h;
}

void V1Header::Serialize(Writer& w) const {
  w.U64(icookie);
  w.U64(rcookie);
  w.U8(static_cast<uint8_t>(next_payload));
  w.U8(version);
  w.U8(static_cast<uint8_t>(exchange));
  w.U8(flags);
  w.U32(message_id);
  w.U32(length);
}

absl::Status ValidateV1Header(const V1Header& header, size_t datagram_size) {
  if (datagram_size < kV1HeaderSize || datagram_size > kV1MaxMessageSize) {
    return V1Malformed("ISAKMP message", 0,
                       absl::StrFormat("%d octets (allowed: %d to %d)", datagram_size,
                                       kV1HeaderSize, kV1MaxMessageSize));
  }
  // RFC 2408 5.2: an invalid major version is INVALID-MAJOR-VERSION (an IKEv2 message among
  // them: the IKEv2 codec takes those before this one is asked).
  if (header.major_version() != kV1MajorVersion) {
    return V1Malformed("ISAKMP header", 17,
                       absl::StrFormat("major version %d is not 1", header.major_version()),
                       V1NotifyType::kInvalidMajorVersion);
  }
  //= https://www.rfc-editor.org/rfc/rfc2408#section-5.1
  //# All processing SHOULD include packet length checks to insure the packet received is at
  //# least as long as the length given in the ISAKMP Header.  If the ISAKMP message length
  //# and the value in the Payload Length field of the ISAKMP Header are not the same, then
  //# the ISAKMP message MUST be rejected.
  if (header.length != datagram_size) {
    return V1Malformed(
        "ISAKMP header", 24,
        absl::StrFormat("Length %d but the datagram has %d octets", header.length, datagram_size),
        V1NotifyType::kUnequalPayloadLengths);
  }
  if (header.icookie == 0) {
    return V1Malformed("ISAKMP header", 0, "initiator cookie is zero",
                       V1NotifyType::kInvalidCookie);
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike::v1
