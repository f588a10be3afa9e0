// File: tunnelisa/pki/enroll.h
//
// Enrollment (the guide's "Certificate Enrollment"): a PKCS#10 request from a generated or
// imported key, to send to a CA out of band. Threads: any; control path.
//
// Example:
//   auto req = tunnelisa::pki::CreateCertificateRequest(
//       key, {.subject_dn = "C=US,O=Example,CN=gw1", .dns = {"gw1.example.com"}});
//   std::string pem = req->Pem();
#ifndef TUNNELISA_PKI_ENROLL_H_
#define TUNNELISA_PKI_ENROLL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/key.h"

namespace tunnelisa::pki {

// RequestOptions: what the request asks for.
struct RequestOptions {
  std::string subject_dn;          // "C=US,O=Example,CN=gw1" (see certificate.h)
  std::vector<std::string> dns;    // subjectAltName dNSName
  std::vector<std::string> ip;     // subjectAltName iPAddress, "192.0.2.1" or "2001:db8::1"
  std::vector<std::string> email;  // subjectAltName rfc822Name
  // hash: the request's signature hash; ignored for Ed25519 (which has none).
  HashAlgorithm hash = HashAlgorithm::kSha256;
};

// CreateCertificateRequest: a request for `key`'s public key, signed with `key`.
// InvalidArgument for a bad DN, an unparsable IP address, or an empty / non-ASCII DNS name or
// email; the message names the bad value.
absl::StatusOr<CertificateRequest> CreateCertificateRequest(const PrivateKey& key,
                                                            const RequestOptions& options);

}  // namespace tunnelisa::pki

#endif  // TUNNELISA_PKI_ENROLL_H_
