// File: ike/codec/auth_payload.h
//
// AuthPayload: the Authentication payload (RFC 7296 3.8): the method and the authentication
// data (signature or MAC). Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_AUTH_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_AUTH_PAYLOAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/constants.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

struct AuthPayload {
  AuthMethod method = AuthMethod::kSharedKeyMic;  // raw value kept if unknown
  std::vector<uint8_t> data;

  // Parse: fails (INVALID_SYNTAX) on a body under 4 octets or empty authentication data.
  static absl::StatusOr<AuthPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const AuthPayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_AUTH_PAYLOAD_H_
