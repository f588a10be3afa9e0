// File: tunnelisa/pki/verify.h
//
// ChainVerifier: checks a peer's certificate and the intermediates it sent (IKEv2 CERT
// payloads, DER) up to a configured trust anchor (a ca-profile), as the guide says: "the
// expecting CA ... should be present in the certificate chain before reaching the root or
// the self signed certificate". The chain is built and checked by OpenSSL's X509_STORE_CTX:
// signatures, validity at the wall-clock time the caller passes (never the system clock),
// basicConstraints / keyCertSign of the CAs, revocation through every ca-profile's CRL; then
// the end entity's keyUsage (digitalSignature or nonRepudiation, RFC 4945 section 5.1.3.2).
//
// Threads: Create on the control thread; Verify is const and may run on several threads.
// Control path (milliseconds).
//
// Example:
//   auto verifier = ChainVerifier::Create(profiles);   // after every (re)configuration
//   VerifyResult r = verifier->Verify({.peer_cert = cert_der, .intermediates = sent,
//                                      .trust_anchor = "corp-ca", .now = host_wall_now});
//   if (!r.ok()) Log(VerifyFailureName(r.failure), r.detail);
#ifndef TUNNELISA_PKI_VERIFY_H_
#define TUNNELISA_PKI_VERIFY_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/pki/ca_profile.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/time.h"

namespace tunnelisa::pki {

// VerifyFailure: why a chain was refused (IKE reports it with the auth-failure event).
enum class VerifyFailure : uint8_t {
  kNone,
  kMalformed,          // a certificate does not parse
  kExpired,            // a certificate's notAfter is before `now`
  kNotYetValid,        // a certificate's notBefore is after `now`
  kRevoked,            // listed in its CA's CRL
  kUnknownCa,          // no chain to any configured, enabled ca-profile
  kTrustAnchorAbsent,  // chains to a known CA, but not through the expected trust anchor
  kTrustAnchorDown,    // the trust anchor is unknown or shut (configuration)
  kBadKeyUsage,        // end entity without digitalSignature, or a CA without keyCertSign
  kBadSignature,       // a certificate's signature does not verify
  kCrlUnavailable,     // no CRL for a certificate's issuer, or it is expired / not yet valid
  kOther,              // anything else OpenSSL refuses (detail says what)
};
std::string_view VerifyFailureName(VerifyFailure failure);

// VerifyResult: the outcome; on success `chain` runs from the peer's certificate up to the
// trust anchor's certificate.
struct VerifyResult {
  VerifyFailure failure = VerifyFailure::kOther;
  std::string detail;  // a sentence for logs: which certificate (depth, subject) and why
  int depth = -1;      // the failing certificate's place in the chain (0 = peer), or -1
  std::vector<Certificate> chain;
  bool ok() const { return failure == VerifyFailure::kNone; }
};

// VerifyRequest: one verification. The spans are only read during Verify.
struct VerifyRequest {
  std::span<const uint8_t> peer_cert;  // DER
  // peer_parsed: `peer_cert` already parsed by the caller (optional; saves parsing it again,
  // which OpenSSL 3 makes costly: the key is decoded through its provider decoders).
  const Certificate* peer_parsed = nullptr;
  std::span<const std::span<const uint8_t>> intermediates;  // DER, any order
  std::string_view trust_anchor;                            // a ca-profile's name
  WallTime now;
  // require_digital_signature: the end entity's keyUsage, if present, must allow signing
  // (IKE authentication); turn off for other uses.
  bool require_digital_signature = true;
  // allow_missing_crl: accept a certificate whose issuer has no CRL among the ca-profiles
  // (an intermediate CA the peer sent, with no ca-profile of its own). Off by default: every
  // certificate below the trust anchor is checked against its issuer's CRL. An expired CRL
  // is refused either way. The trust anchor's own revocation is never checked (it is
  // trusted by configuration).
  bool allow_missing_crl = false;
};

class ChainVerifier {
 public:
  // Create: a verifier over `profiles` (their certificates and CRLs are copied in). Shut
  // profiles are left out: they neither anchor nor count as known CAs, but their CRLs
  // still apply. InvalidArgument on two profiles with one name.
  static absl::StatusOr<std::unique_ptr<ChainVerifier>> Create(std::span<const CaProfile> profiles);
  ~ChainVerifier();
  ChainVerifier(const ChainVerifier&) = delete;
  ChainVerifier& operator=(const ChainVerifier&) = delete;

  VerifyResult Verify(const VerifyRequest& request) const;

  struct State;  // OpenSSL stores; defined in verify.cc

 private:
  explicit ChainVerifier(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace tunnelisa::pki

#endif  // TUNNELISA_PKI_VERIFY_H_
