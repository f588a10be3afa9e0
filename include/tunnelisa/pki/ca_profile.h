// File: tunnelisa/pki/ca_profile.h
//
// CaProfile: the guide's ca-profile (name, the CA's certificate, its CRLv2, admin state),
// checked when it is loaded so that a bad profile is refused at configuration time, not at
// the first IKE_AUTH. Immutable; copies share the certificate and CRL. Threads: any.
#ifndef TUNNELISA_PKI_CA_PROFILE_H_
#define TUNNELISA_PKI_CA_PROFILE_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/store.h"

namespace tunnelisa::pki {

// CaProfileConfig: what `config system security pki ca-profile NAME` says.
struct CaProfileConfig {
  std::string name;
  std::string cert_file;  // a name in the PKI directory
  std::string crl_file;   // a name in the PKI directory
  bool shutdown = false;  // admin state: a shut profile cannot be a trust anchor
};

class CaProfile {
 public:
  // Load: the profile's files from the store. FailedPrecondition / NotFound /
  // InvalidArgument, each message starting with `ca-profile "<name>":`, when a file name is
  // empty, a file is missing or unparsable, the certificate is not a CA certificate, the
  // CRL is not v2, or the CRL is not signed by the CA.
  static absl::StatusOr<CaProfile> Load(const PkiStore& store, const CaProfileConfig& config);
  // Create: the same checks on objects already in memory (tests, hosts without a store).
  static absl::StatusOr<CaProfile> Create(std::string name, Certificate ca_cert, Crl crl,
                                          bool shutdown = false);

  const std::string& name() const { return name_; }
  const Certificate& certificate() const { return cert_; }
  const Crl& crl() const { return crl_; }
  bool shutdown() const { return shutdown_; }
  // CertReqHash: SHA-1 of the CA's SubjectPublicKeyInfo, what IKEv2's CERTREQ lists.
  std::array<uint8_t, 20> CertReqHash() const { return cert_.SpkiSha1(); }

 private:
  CaProfile(std::string name, Certificate cert, Crl crl, bool shutdown)
      : name_(std::move(name)), cert_(std::move(cert)), crl_(std::move(crl)), shutdown_(shutdown) {}

  std::string name_;
  Certificate cert_;
  Crl crl_;
  bool shutdown_ = false;
};

}  // namespace tunnelisa::pki

#endif  // TUNNELISA_PKI_CA_PROFILE_H_
