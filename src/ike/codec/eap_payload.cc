#include "ike/codec/eap_payload.h"

#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {

// EAP payload (RFC 7296 3.16):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                       EAP Message                             ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<EapPayload> EapPayload::Parse(Reader& body) {
  if (body.empty()) return internal::Malformed("EAP payload", body.offset(), "empty");
  return EapPayload{.message = body.CopyRest()};
}

absl::Status EapPayload::Serialize(Writer& w) const {
  if (message.empty()) return internal::SerializeError("EAP payload", "empty");
  w.Bytes(message);
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike
