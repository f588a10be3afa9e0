// File: ike/codec/cert_payload.h
//
// CertPayload: the Certificate (CERT, RFC 7296 3.6) and Certificate Request (CERTREQ, 3.7)
// payloads, which share one layout: an encoding octet and opaque data (a certificate, or a list
// of CA key hashes). Payload::type tells which. Value type; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_CERT_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_CERT_PAYLOAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

// Certificate encodings (RFC 7296 3.6).
inline constexpr uint8_t kCertX509Signature = 4;
inline constexpr uint8_t kCertHashAndUrlX509 = 12;

struct CertPayload {
  uint8_t encoding = kCertX509Signature;
  std::vector<uint8_t> data;

  // Parse: fails (INVALID_SYNTAX) only on an empty body (no encoding octet).
  static absl::StatusOr<CertPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const CertPayload&) const = default;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_CERT_PAYLOAD_H_
