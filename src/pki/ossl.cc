#include "pki/ossl.h"

#include <openssl/err.h>

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/str_cat.h"

namespace tunnelisa::pki::ossl {

std::string ErrorText() {
  std::string text;
  // Bounded: a hostile input can't make the message grow without end.
  for (int i = 0; i < 8; ++i) {
    unsigned long e = ERR_get_error();
    if (e == 0) break;
    const char* reason = ERR_reason_error_string(e);
    StrAppend(text, text.empty() ? "" : "; ", reason != nullptr ? reason : StrCat("error ", e));
  }
  ERR_clear_error();
  return text;
}

absl::Status Fail(std::string_view what) {
  std::string reasons = ErrorText();
  if (reasons.empty()) return absl::InvalidArgumentError(std::string(what));
  return absl::InvalidArgumentError(StrCat(what, " (", reasons, ")"));
}

BioPtr MemBio(std::span<const uint8_t> bytes) {
  // BIO_new_mem_buf takes an int length; callers cap inputs at 1 MiB before this.
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::vector<uint8_t> BioBytes(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return {};
  return std::vector<uint8_t>(data, data + n);
}

const EVP_MD* Md(HashAlgorithm hash) {
  // Fetched once for the process (PERFORMANCE-NOTES: the implicit EVP_sha256() makes every
  // EVP_DigestSignInit / VerifyInit look the algorithm up again under OpenSSL's locks).
  // Never freed: they live as long as the default library context.
  static const EVP_MD* const kSha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static const EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static const EVP_MD* const kSha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  static const EVP_MD* const kSha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  switch (hash) {
    case HashAlgorithm::kNone:
    case HashAlgorithm::kMd5:  // IKEv1 IVs only (IkeCryptoProvider::Hash), never a signature
      return nullptr;
    case HashAlgorithm::kSha1:
      return kSha1 != nullptr ? kSha1 : EVP_sha1();
    case HashAlgorithm::kSha256:
      return kSha256 != nullptr ? kSha256 : EVP_sha256();
    case HashAlgorithm::kSha384:
      return kSha384 != nullptr ? kSha384 : EVP_sha384();
    case HashAlgorithm::kSha512:
      return kSha512 != nullptr ? kSha512 : EVP_sha512();
  }
  return nullptr;
}

std::vector<uint8_t> NameDer(const X509_NAME* name) {
  const unsigned char* der = nullptr;
  size_t len = 0;
  if (name == nullptr || X509_NAME_get0_der(const_cast<X509_NAME*>(name), &der, &len) != 1) {
    return {};
  }
  return std::vector<uint8_t>(der, der + len);
}

std::string NameText(const X509_NAME* name) {
  if (name == nullptr) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  // RFC 2253 escaping and short names, but the RDNs in certificate order (no XN_FLAG_DN_REV)
  // with ", " between them: the same shape as the guide's "C=US,O=Example,CN=gw1".
  unsigned long flags = (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC |
                        XN_FLAG_FN_SN | ASN1_STRFLGS_UTF8_CONVERT;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
  std::vector<uint8_t> bytes = BioBytes(bio.get());
  return std::string(bytes.begin(), bytes.end());
}

int64_t AsnTimeToUnix(const ASN1_TIME* t) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string FormatUnix(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm = {};
  if (gmtime_r(&t, &tm) == nullptr) return StrCat(unix_seconds);
  return absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string ColonHex(std::span<const uint8_t> bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    absl::StrAppendFormat(&out, "%s%02X", i == 0 ? "" : ":", bytes[i]);
  }
  return out;
}

}  // namespace tunnelisa::pki::ossl
