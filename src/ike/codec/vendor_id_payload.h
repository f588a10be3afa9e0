// File: ike/codec/vendor_id_payload.h
//
// VendorIdPayload: the Vendor ID payload (RFC 7296 3.12): an opaque constant a peer may
// recognise. Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_VENDOR_ID_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_VENDOR_ID_PAYLOAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

struct VendorIdPayload {
  std::vector<uint8_t> id;

  // Parse: fails (INVALID_SYNTAX) on an empty Vendor ID.
  static absl::StatusOr<VendorIdPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const VendorIdPayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_VENDOR_ID_PAYLOAD_H_
