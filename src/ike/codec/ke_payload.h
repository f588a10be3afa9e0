// File: ike/codec/ke_payload.h
//
// KePayload: the Key Exchange payload (RFC 7296 3.4): a Diffie-Hellman group number and the
// public value. Value type; any thread. Parse takes the payload body.
#ifndef TUNNELISA_SRC_IKE_CODEC_KE_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_KE_PAYLOAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

struct KePayload {
  uint16_t dh_group = 0;
  std::vector<uint8_t> data;  // the public value, format per group

  // Parse: fails (INVALID_SYNTAX) when the body is shorter than its 4-octet fixed part or the
  // key exchange data is empty. Whether the size fits the group is the key exchange's check.
  static absl::StatusOr<KePayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const KePayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_KE_PAYLOAD_H_
