// Certificate: accessors over OpenSSL's X509, and the operator's summary.
#include "tunnelisa/pki/certificate.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/str_cat.h"
#include "pki/ossl.h"

namespace tunnelisa::pki {

namespace ossl {

SubjectAltNames SansFrom(const GENERAL_NAMES* names) {
  SubjectAltNames out;
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    int type = 0;
    const ASN1_STRING* s = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(gn, &type));
    if (s == nullptr) continue;
    const auto* data = ASN1_STRING_get0_data(s);
    int len = ASN1_STRING_length(s);
    if (type == GEN_DNS) {
      out.dns.emplace_back(reinterpret_cast<const char*>(data), len);
    } else if (type == GEN_EMAIL) {
      out.email.emplace_back(reinterpret_cast<const char*>(data), len);
    } else if (type == GEN_IPADD && len == 4) {
      out.ip.push_back(IpAddress::V4Bytes(data));
    } else if (type == GEN_IPADD && len == 16) {
      out.ip.push_back(IpAddress::V6Bytes(data));
    }
  }
  return out;
}

}  // namespace ossl

absl::StatusOr<Certificate> Certificate::FromDer(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  ossl::ClearErrors();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return ossl::Fail("malformed certificate");
  if (p != der.data() + der.size()) {
    return absl::InvalidArgumentError("malformed certificate: bytes after the certificate");
  }
  return Certificate(ossl::ShareX509(std::move(cert)));
}

std::vector<uint8_t> Certificate::Der() const {
  if (!cert_) return {};
  unsigned char* der = nullptr;
  int len = i2d_X509(cert_.get(), &der);
  if (len <= 0) return {};
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::string Certificate::SubjectText() const {
  return cert_ ? ossl::NameText(X509_get_subject_name(cert_.get())) : "";
}
std::vector<uint8_t> Certificate::SubjectDer() const {
  return cert_ ? ossl::NameDer(X509_get_subject_name(cert_.get())) : std::vector<uint8_t>{};
}
std::string Certificate::IssuerText() const {
  return cert_ ? ossl::NameText(X509_get_issuer_name(cert_.get())) : "";
}
std::vector<uint8_t> Certificate::IssuerDer() const {
  return cert_ ? ossl::NameDer(X509_get_issuer_name(cert_.get())) : std::vector<uint8_t>{};
}

std::string Certificate::SerialHex() const {
  if (!cert_) return {};
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert_.get());
  std::vector<uint8_t> bytes(ASN1_STRING_get0_data(serial),
                             ASN1_STRING_get0_data(serial) + ASN1_STRING_length(serial));
  return ossl::ColonHex(bytes);
}

WallTime Certificate::not_before() const {
  return {cert_ ? ossl::AsnTimeToUnix(X509_get0_notBefore(cert_.get())) : 0};
}
WallTime Certificate::not_after() const {
  return {cert_ ? ossl::AsnTimeToUnix(X509_get0_notAfter(cert_.get())) : 0};
}

SubjectAltNames Certificate::subject_alt_names() const {
  if (!cert_) return {};
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert_.get(), NID_subject_alt_name, nullptr, nullptr));
  SubjectAltNames out = ossl::SansFrom(names);
  GENERAL_NAMES_free(names);
  return out;
}

KeyUsage Certificate::key_usage() const {
  KeyUsage ku;
  if (!cert_) return ku;
  // X509_get_extension_flags caches the extensions (and the key usage) on first use.
  ku.present = (X509_get_extension_flags(cert_.get()) & EXFLAG_KUSAGE) != 0;
  uint32_t bits = X509_get_key_usage(cert_.get());
  ku.digital_signature = (bits & KU_DIGITAL_SIGNATURE) != 0;
  ku.non_repudiation = (bits & KU_NON_REPUDIATION) != 0;
  ku.key_cert_sign = (bits & KU_KEY_CERT_SIGN) != 0;
  ku.crl_sign = (bits & KU_CRL_SIGN) != 0;
  return ku;
}

bool Certificate::is_ca() const { return cert_ && X509_check_ca(cert_.get()) != 0; }

bool Certificate::is_self_signed() const {
  bool self = cert_ && X509_self_signed(cert_.get(), /*verify_signature=*/1) == 1;
  ERR_clear_error();
  return self;
}

PublicKey Certificate::public_key() const {
  if (!cert_) return PublicKey();
  EVP_PKEY* key = X509_get_pubkey(cert_.get());  // a new reference
  if (key == nullptr) {
    ERR_clear_error();
    return PublicKey();
  }
  return PublicKey(ossl::SharePkey(ossl::PkeyPtr(key)));
}

std::array<uint8_t, 20> Certificate::SpkiSha1() const { return public_key().SpkiSha1(); }

std::array<uint8_t, 32> Certificate::Sha256Fingerprint() const {
  std::array<uint8_t, 32> out = {};
  unsigned int len = 0;
  if (cert_) X509_digest(cert_.get(), EVP_sha256(), out.data(), &len);
  return out;
}

std::string Certificate::SignatureAlgorithmName() const {
  if (!cert_) return {};
  return OBJ_nid2ln(X509_get_signature_nid(cert_.get()));
}

std::string Certificate::Summary() const {
  if (!cert_) return "(no certificate)\n";
  PublicKey key = public_key();
  SubjectAltNames sans = subject_alt_names();
  std::vector<std::string> san_parts;
  for (const auto& d : sans.dns) san_parts.push_back(StrCat("DNS:", d));
  for (const auto& a : sans.ip) san_parts.push_back(StrCat("IP:", a.ToString()));
  for (const auto& e : sans.email) san_parts.push_back(StrCat("email:", e));
  KeyUsage ku = key_usage();
  std::vector<std::string> usage;
  if (!ku.present) usage.push_back("(any: no keyUsage extension)");
  if (ku.present && ku.digital_signature) usage.push_back("digitalSignature");
  if (ku.present && ku.non_repudiation) usage.push_back("nonRepudiation");
  if (ku.present && ku.key_cert_sign) usage.push_back("keyCertSign");
  if (ku.present && ku.crl_sign) usage.push_back("cRLSign");
  auto fp = Sha256Fingerprint();
  return StrCat("Certificate\n  Subject:    ", SubjectText(), "\n  Issuer:     ", IssuerText(),
                "\n  Serial:     ", SerialHex(),
                "\n  Not before: ", ossl::FormatUnix(not_before().unix_seconds),
                "\n  Not after:  ", ossl::FormatUnix(not_after().unix_seconds),
                "\n  Key:        ", KeyTypeName(key.type()), " ", key.bits(),
                " bits\n  Signature:  ", SignatureAlgorithmName(),
                "\n  CA:         ", is_ca() ? "yes" : "no",
                "\n  Key usage:  ", absl::StrJoin(usage, ", "),
                "\n  Alt names:  ", san_parts.empty() ? "(none)" : absl::StrJoin(san_parts, ", "),
                "\n  SHA-256:    ", ossl::ColonHex(fp), "\n");
}

bool Certificate::operator==(const Certificate& other) const {
  if (!cert_ || !other.cert_) return cert_ == other.cert_;
  return X509_cmp(cert_.get(), other.cert_.get()) == 0;
}

}  // namespace tunnelisa::pki
