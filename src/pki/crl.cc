// Crl and CertificateRequest: accessors over OpenSSL's X509_CRL and X509_REQ.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/str_cat.h"
#include "pki/ossl.h"
#include "tunnelisa/pki/certificate.h"

namespace tunnelisa::pki {

// --- Crl ---

absl::StatusOr<Crl> Crl::FromDer(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  ossl::ClearErrors();
  ossl::CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl) return ossl::Fail("malformed CRL");
  if (p != der.data() + der.size()) {
    return absl::InvalidArgumentError("malformed CRL: bytes after the CRL");
  }
  return Crl(ossl::ShareCrl(std::move(crl)));
}

std::vector<uint8_t> Crl::Der() const {
  if (!crl_) return {};
  unsigned char* der = nullptr;
  int len = i2d_X509_CRL(crl_.get(), &der);
  if (len <= 0) return {};
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

int Crl::version() const {
  return crl_ ? static_cast<int>(X509_CRL_get_version(crl_.get())) + 1 : 0;
}
std::string Crl::IssuerText() const {
  return crl_ ? ossl::NameText(X509_CRL_get_issuer(crl_.get())) : "";
}
std::vector<uint8_t> Crl::IssuerDer() const {
  return crl_ ? ossl::NameDer(X509_CRL_get_issuer(crl_.get())) : std::vector<uint8_t>{};
}
WallTime Crl::last_update() const {
  return {crl_ ? ossl::AsnTimeToUnix(X509_CRL_get0_lastUpdate(crl_.get())) : 0};
}
WallTime Crl::next_update() const {
  const ASN1_TIME* t = crl_ ? X509_CRL_get0_nextUpdate(crl_.get()) : nullptr;
  if (t == nullptr) return {INT64_MAX};
  return {ossl::AsnTimeToUnix(t)};
}
size_t Crl::revoked_count() const {
  STACK_OF(X509_REVOKED)* revoked = crl_ ? X509_CRL_get_REVOKED(crl_.get()) : nullptr;
  return revoked == nullptr ? 0 : static_cast<size_t>(sk_X509_REVOKED_num(revoked));
}

bool Crl::IsRevoked(const Certificate& cert) const {
  if (!crl_ || cert.empty()) return false;
  X509_REVOKED* entry = nullptr;
  return X509_CRL_get0_by_serial(crl_.get(), &entry, X509_get0_serialNumber(cert.native())) == 1;
}

std::vector<Crl::RevokedEntry> Crl::revoked() const {
  std::vector<RevokedEntry> out;
  STACK_OF(X509_REVOKED)* list = crl_ ? X509_CRL_get_REVOKED(crl_.get()) : nullptr;
  int n = list == nullptr ? 0 : sk_X509_REVOKED_num(list);
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const X509_REVOKED* entry = sk_X509_REVOKED_value(list, i);
    const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(entry);
    std::span<const uint8_t> bytes(ASN1_STRING_get0_data(serial),
                                   static_cast<size_t>(ASN1_STRING_length(serial)));
    out.push_back(
        {.serial_hex = ossl::ColonHex(bytes),
         .revocation_date = {ossl::AsnTimeToUnix(X509_REVOKED_get0_revocationDate(entry))}});
  }
  return out;
}

absl::Status Crl::SignedBy(const Certificate& issuer) const {
  if (!crl_ || issuer.empty()) return absl::FailedPreconditionError("no CRL or no issuer");
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl_.get()), X509_get_subject_name(issuer.native())) != 0) {
    return absl::FailedPreconditionError(StrCat("the CRL's issuer \"", IssuerText(),
                                                "\" is not the CA \"", issuer.SubjectText(), "\""));
  }
  PublicKey key = issuer.public_key();
  ossl::ClearErrors();
  if (key.empty() || X509_CRL_verify(crl_.get(), key.native()) != 1) {
    ossl::ErrorText();
    return absl::FailedPreconditionError(StrCat(
        "the CRL's signature does not verify with the key of \"", issuer.SubjectText(), "\""));
  }
  return absl::OkStatus();
}

std::string Crl::Summary() const {
  if (!crl_) return "(no CRL)\n";
  WallTime next = next_update();
  std::string text =
      StrCat("CRL (v", version(), ")\n  Issuer:      ", IssuerText(),
             "\n  Last update: ", ossl::FormatUnix(last_update().unix_seconds), "\n  Next update: ",
             next.unix_seconds == INT64_MAX ? "(none)" : ossl::FormatUnix(next.unix_seconds),
             "\n  Revoked:     ", revoked_count(), " certificate(s)\n");
  std::vector<RevokedEntry> entries = revoked();
  for (size_t i = 0; i < entries.size() && i < kSummaryMaxRevoked; ++i) {
    absl::StrAppend(&text, "    Serial ", entries[i].serial_hex, "  revoked ",
                    ossl::FormatUnix(entries[i].revocation_date.unix_seconds), "\n");
  }
  if (entries.size() > kSummaryMaxRevoked) {
    absl::StrAppend(&text, "    ... and ", entries.size() - kSummaryMaxRevoked, " more\n");
  }
  return text;
}

// --- CertificateRequest ---

absl::StatusOr<CertificateRequest> CertificateRequest::FromDer(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  ossl::ClearErrors();
  ossl::ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) return ossl::Fail("malformed certificate request");
  if (p != der.data() + der.size()) {
    return absl::InvalidArgumentError("malformed certificate request: bytes after it");
  }
  return CertificateRequest(ossl::ShareReq(std::move(req)));
}

std::vector<uint8_t> CertificateRequest::Der() const {
  if (!req_) return {};
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req_.get(), &der);
  if (len <= 0) return {};
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::string CertificateRequest::Pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!req_ || !bio || PEM_write_bio_X509_REQ(bio.get(), req_.get()) != 1) return {};
  std::vector<uint8_t> bytes = ossl::BioBytes(bio.get());
  return std::string(bytes.begin(), bytes.end());
}

std::string CertificateRequest::SubjectText() const {
  return req_ ? ossl::NameText(X509_REQ_get_subject_name(req_.get())) : "";
}
std::vector<uint8_t> CertificateRequest::SubjectDer() const {
  return req_ ? ossl::NameDer(X509_REQ_get_subject_name(req_.get())) : std::vector<uint8_t>{};
}

SubjectAltNames CertificateRequest::subject_alt_names() const {
  if (!req_) return {};
  ossl::ExtStackPtr exts(X509_REQ_get_extensions(req_.get()));
  auto* names = static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(exts.get(), NID_subject_alt_name, nullptr, nullptr));
  SubjectAltNames out = ossl::SansFrom(names);
  GENERAL_NAMES_free(names);
  ERR_clear_error();
  return out;
}

PublicKey CertificateRequest::public_key() const {
  if (!req_) return PublicKey();
  EVP_PKEY* key = X509_REQ_get_pubkey(req_.get());  // a new reference
  if (key == nullptr) {
    ERR_clear_error();
    return PublicKey();
  }
  return PublicKey(ossl::SharePkey(ossl::PkeyPtr(key)));
}

absl::Status CertificateRequest::VerifySignature() const {
  PublicKey key = public_key();
  ossl::ClearErrors();
  if (key.empty() || X509_REQ_verify(req_.get(), key.native()) != 1) {
    return ossl::Fail("the request's signature does not verify with its own key");
  }
  return absl::OkStatus();
}

std::string CertificateRequest::Summary() const {
  if (!req_) return "(no request)\n";
  PublicKey key = public_key();
  SubjectAltNames sans = subject_alt_names();
  std::vector<std::string> parts;
  for (const auto& d : sans.dns) parts.push_back(StrCat("DNS:", d));
  for (const auto& a : sans.ip) parts.push_back(StrCat("IP:", a.ToString()));
  for (const auto& e : sans.email) parts.push_back(StrCat("email:", e));
  return StrCat("Certificate request (PKCS#10)\n  Subject:   ", SubjectText(),
                "\n  Key:       ", KeyTypeName(key.type()), " ", key.bits(),
                " bits\n  Alt names: ", parts.empty() ? "(none)" : absl::StrJoin(parts, ", "),
                "\n  Signature: ", VerifySignature().ok() ? "valid" : "INVALID", "\n");
}

}  // namespace tunnelisa::pki
