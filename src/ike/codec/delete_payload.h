// File: ike/codec/delete_payload.h
//
// DeletePayload: the Delete payload (RFC 7296 3.11): deletes the IKE SA (no SPIs; the SPIs are
// in the header) or Child SAs of one protocol (4-octet inbound SPIs of the sender).
// Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_DELETE_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_DELETE_PAYLOAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/constants.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

struct DeletePayload {
  ProtocolId protocol = ProtocolId::kEsp;
  std::vector<uint32_t> spis;  // empty for the IKE SA

  // Parse: fails (INVALID_SYNTAX) on a body under 4 octets, a protocol other than IKE/AH/ESP,
  // an SPI size other than 0 (IKE) or 4 (AH/ESP), or Num of SPIs disagreeing with the octets
  // present.
  static absl::StatusOr<DeletePayload> Parse(Reader& body);
  // Serialize: fails (no notify) on SPIs for the IKE SA or over 65535 SPIs.
  absl::Status Serialize(Writer& w) const;
  bool operator==(const DeletePayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_DELETE_PAYLOAD_H_
