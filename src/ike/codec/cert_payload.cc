#include "ike/codec/cert_payload.h"

#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {

// Certificate payload (RFC 7296 3.6); the Certificate Request payload (3.7) is the same with
// "Certification Authority" in place of "Certificate Data":
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Cert Encoding |                                               |
//   +-+-+-+-+-+-+-+-+                                               |
//   ~                       Certificate Data                        ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<CertPayload> CertPayload::Parse(Reader& body) {
  CertPayload cert;
  if (body.remaining() < 1 || !body.U8(cert.encoding))
    return internal::Truncated("CERT payload", body, 1);
  cert.data = body.CopyRest();
  return cert;
}

absl::Status CertPayload::Serialize(Writer& w) const {
  w.U8(encoding);
  w.Bytes(data);
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike
