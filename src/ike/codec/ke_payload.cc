#include "ike/codec/ke_payload.h"

#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {

// Key Exchange payload (RFC 7296 3.4):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   Diffie-Hellman Group Num    |           RESERVED            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                       Key Exchange Data                       ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<KePayload> KePayload::Parse(Reader& body) {
  KePayload ke;
  if (body.remaining() < 4 || !body.U16(ke.dh_group) || !body.Skip(2))
    return internal::Truncated("KE payload", body, 4);
  if (body.empty()) return internal::Malformed("KE payload", body.offset(), "no key exchange data");
  ke.data = body.CopyRest();
  return ke;
}

absl::Status KePayload::Serialize(Writer& w) const {
  if (data.empty()) return internal::SerializeError("KE payload", "no key exchange data");
  w.U16(dh_group);
  w.U16(0);
  w.Bytes(data);
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike
