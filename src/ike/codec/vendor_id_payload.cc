#include "ike/codec/vendor_id_payload.h"

#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {

// Vendor ID payload (RFC 7296 3.12):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                        Vendor ID (VID)                        ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<VendorIdPayload> VendorIdPayload::Parse(Reader& body) {
  if (body.empty()) return internal::Malformed("Vendor ID payload", body.offset(), "empty");
  return VendorIdPayload{.id = body.CopyRest()};
}

absl::Status VendorIdPayload::Serialize(Writer& w) const {
  if (id.empty()) return internal::SerializeError("Vendor ID payload", "empty");
  w.Bytes(id);
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike
