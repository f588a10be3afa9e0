// Enrollment: a PKCS#10 request (X509_REQ) with the subject DN and a subjectAltName
// extension request, signed with the key (proof of possession, RFC 2986 section 3).
#include "tunnelisa/pki/enroll.h"

#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "pki/ossl.h"

namespace tunnelisa::pki {
namespace {

bool PrintableAscii(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// AddIa5: a dNSName or rfc822Name entry.
absl::Status AddIa5(GENERAL_NAMES* names, int type, const std::string& value,
                    std::string_view what) {
  if (!PrintableAscii(value)) {
    return absl::InvalidArgumentError(
        StrCat(what, " \"", value, "\" must be non-empty printable ASCII"));
  }
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_IA5STRING* s = ASN1_IA5STRING_new();
  if (gn == nullptr || s == nullptr ||
      ASN1_STRING_set(s, value.data(), static_cast<int>(value.size())) != 1) {
    GENERAL_NAME_free(gn);
    ASN1_IA5STRING_free(s);
    return ossl::Fail("out of memory");
  }
  GENERAL_NAME_set0_value(gn, type, s);
  sk_GENERAL_NAME_push(names, gn);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CertificateRequest> CreateCertificateRequest(const PrivateKey& key,
                                                            const RequestOptions& options) {
  if (key.empty()) return absl::InvalidArgumentError("no key");
  auto dn = ParseDn(options.subject_dn);
  if (!dn.ok()) return dn.status();
  const unsigned char* p = dn->data();
  ossl::NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(dn->size())));
  ossl::ReqPtr req(X509_REQ_new());
  if (!name || !req || X509_REQ_set_version(req.get(), 0) != 1 ||
      X509_REQ_set_subject_name(req.get(), name.get()) != 1 ||
      X509_REQ_set_pubkey(req.get(), key.native()) != 1) {
    return ossl::Fail("cannot build the request");
  }

  ossl::GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return ossl::Fail("out of memory");
  for (const std::string& dns : options.dns) {
    if (absl::Status s = AddIa5(names.get(), GEN_DNS, dns, "domain name"); !s.ok()) return s;
  }
  for (const std::string& email : options.email) {
    if (absl::Status s = AddIa5(names.get(), GEN_EMAIL, email, "email"); !s.ok()) return s;
  }
  for (const std::string& ip : options.ip) {
    // a2i_IPADDRESS parses both families and gives the 4 or 16 octets of RFC 5280.
    ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
    if (octets == nullptr) {
      ERR_clear_error();
      return absl::InvalidArgumentError(StrCat("IP address \"", ip, "\" does not parse"));
    }
    GENERAL_NAME* gn = GENERAL_NAME_new();
    if (gn == nullptr) {
      ASN1_OCTET_STRING_free(octets);
      return ossl::Fail("out of memory");
    }
    GENERAL_NAME_set0_value(gn, GEN_IPADD, octets);
    sk_GENERAL_NAME_push(names.get(), gn);
  }
  if (sk_GENERAL_NAME_num(names.get()) > 0) {
    STACK_OF(X509_EXTENSION)* raw_exts = nullptr;
    if (X509V3_add1_i2d(&raw_exts, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
      return ossl::Fail("cannot encode subjectAltName");
    }
    ossl::ExtStackPtr exts(raw_exts);
    if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
      return ossl::Fail("cannot add the extension request");
    }
  }

  // Ed25519 signs without a separate digest (RFC 8410): OpenSSL wants a null md for it.
  const EVP_MD* md = key.type() == KeyType::kEd25519 ? nullptr : ossl::Md(options.hash);
  if (key.type() != KeyType::kEd25519 && md == nullptr) {
    return absl::InvalidArgumentError("a request needs a hash for this key");
  }
  ossl::ClearErrors();
  if (X509_REQ_sign(req.get(), key.native(), md) <= 0) {
    return ossl::Fail("cannot sign the request");
  }
  return CertificateRequest(ossl::ShareReq(std::move(req)));
}

}  // namespace tunnelisa::pki
