// CaProfile: loads and checks the guide's ca-profile. Checks run once here, so a profile
// that would make every IKE_AUTH fail is refused when it is configured.
#include "tunnelisa/pki/ca_profile.h"

#include "absl/strings/str_cat.h"
#include "common/str_cat.h"

namespace tunnelisa::pki {
namespace {

absl::Status Prefix(std::string_view name, const absl::Status& s) {
  return absl::Status(s.code(), StrCat("ca-profile \"", name, "\": ", s.message()));
}

}  // namespace

absl::StatusOr<CaProfile> CaProfile::Create(std::string name, Certificate ca_cert, Crl crl,
                                            bool shutdown) {
  if (name.empty()) return absl::InvalidArgumentError("ca-profile without a name");
  if (ca_cert.empty()) {
    return Prefix(name, absl::FailedPreconditionError("no CA certificate"));
  }
  if (!ca_cert.is_ca()) {
    return Prefix(name, absl::FailedPreconditionError(
                            StrCat("\"", ca_cert.SubjectText(), "\" is not a CA certificate")));
  }
  if (crl.empty()) return Prefix(name, absl::FailedPreconditionError("no CRL"));
  if (crl.version() != 2) {
    return Prefix(name, absl::FailedPreconditionError(
                            StrCat("the CRL is version ", crl.version(), ", not v2")));
  }
  if (absl::Status s = crl.SignedBy(ca_cert); !s.ok()) return Prefix(name, s);
  return CaProfile(std::move(name), std::move(ca_cert), std::move(crl), shutdown);
}

absl::StatusOr<CaProfile> CaProfile::Load(const PkiStore& store, const CaProfileConfig& config) {
  if (config.cert_file.empty()) {
    return Prefix(config.name, absl::FailedPreconditionError("no cert-file"));
  }
  if (config.crl_file.empty()) {
    return Prefix(config.name, absl::FailedPreconditionError("no crl-file"));
  }
  auto cert = store.LoadCertificate(config.cert_file);
  if (!cert.ok()) return Prefix(config.name, cert.status());
  auto crl = store.LoadCrl(config.crl_file);
  if (!crl.ok()) return Prefix(config.name, crl.status());
  return Create(config.name, std::move(*cert), std::move(*crl), config.shutdown);
}

}  // namespace tunnelisa::pki
