#include "ike/codec/auth_payload.h"

#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {

// Authentication payload (RFC 7296 3.8):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Auth Method   |                RESERVED                       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                      Authentication Data                      ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<AuthPayload> AuthPayload::Parse(Reader& body) {
  AuthPayload auth;
  uint8_t method = 0;
  if (body.remaining() < 4 || !body.U8(method) || !body.Skip(3))
    return internal::Truncated("AUTH payload", body, 4);
  auth.method = static_cast<AuthMethod>(method);
  if (body.empty()) {
    return internal::Malformed("AUTH payload", body.offset(), "no authentication data");
  }
  auth.data = body.CopyRest();
  return auth;
}

absl::Status AuthPayload::Serialize(Writer& w) const {
  if (data.empty()) return internal::SerializeError("AUTH payload", "no authentication data");
  w.U8(static_cast<uint8_t>(method));
  w.Zeros(3);
  w.Bytes(data);
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike
