// File: ike/codec/eap_payload.h
//
// EapPayload: the EAP payload (RFC 7296 3.16): one EAP message (RFC 3748), opaque to the codec;
// the EAP method layer interprets it. Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_EAP_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_EAP_PAYLOAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

struct EapPayload {
  std::vector<uint8_t> message;

  // Parse: fails (INVALID_SYNTAX) on an empty body.
  static absl::StatusOr<EapPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const EapPayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_EAP_PAYLOAD_H_
