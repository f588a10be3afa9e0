// File: ike/codec/nonce_payload.h
//
// NoncePayload: the Nonce payload (RFC 7296 3.9), 16 to 256 octets of random data.
// Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_NONCE_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_NONCE_PAYLOAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

struct NoncePayload {
  std::vector<uint8_t> nonce;

  // Parse: fails (INVALID_SYNTAX) unless the nonce is 16..256 octets.
  static absl::StatusOr<NoncePayload> Parse(Reader& body);
  // Serialize: fails (no notify) unless the nonce is 16..256 octets.
  absl::Status Serialize(Writer& w) const;
  bool operator==(const NoncePayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_NONCE_PAYLOAD_H_
