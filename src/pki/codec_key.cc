// Import / export of key pairs: PEM and DER (PKCS#8, encrypted PKCS#8, and the traditional
// RSA / DSA / EC forms) through OpenSSL's decoders, and PKCS#12 through PKCS12_parse /
// PKCS12_create. Passwords are passed with their length; OpenSSL never prompts.
#include <openssl/decoder.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "pki/codec_internal.h"
#include "pki/ossl.h"
#include "tunnelisa/pki/codec.h"

namespace tunnelisa::pki {
namespace {

using codec::CheckInput;
using codec::Error;

// PasswordCallback: gives OpenSSL the caller's password (a std::string_view in `u`); with
// none it returns 0, so an encrypted file fails instead of prompting on a terminal.
int PasswordCallback(char* buf, int size, int /*rwflag*/, void* u) {
  const auto* password = static_cast<const std::string_view*>(u);
  if (password == nullptr || password->empty() || size <= 0) return 0;
  size_t n = std::min(password->size(), static_cast<size_t>(size));
  std::memcpy(buf, password->data(), n);
  return static_cast<int>(n);
}

bool LooksEncrypted(std::span<const uint8_t> input, FileFormat format) {
  if (format == FileFormat::kPem) {
    std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    return text.find("ENCRYPTED") != std::string_view::npos;
  }
  // DER: an EncryptedPrivateKeyInfo (RFC 5958 section 3) parses as X509_SIG.
  const unsigned char* p = input.data();
  ossl::SigPtr sig(d2i_X509_SIG(nullptr, &p, static_cast<long>(input.size())));
  return sig != nullptr;
}

absl::StatusOr<KeyBundle> FinishKey(ossl::PkeyPtr key, std::span<const uint8_t> input,
                                    FileFormat format, std::string_view source) {
  if (absl::Status s = ossl::SupportedKey(key.get()); !s.ok()) {
    return Error(source, format, std::string(s.message()));
  }
  KeyBundle out;
  out.key = PrivateKey(ossl::SharePkey(std::move(key)));
  if (format == FileFormat::kPem) {
    // Certificates in the same PEM file (a common "key + cert" file) come along.
    auto certs = ImportCertificates(input, FileFormat::kPem, source);
    if (certs.ok()) {
      for (Certificate& c : *certs) {
        if (!out.certificate && out.key.Matches(c)) {
          out.certificate = std::move(c);
        } else {
          out.chain.push_back(std::move(c));
        }
      }
    }
  }
  ossl::ClearErrors();
  return out;
}

absl::StatusOr<KeyBundle> ImportPkcs12(std::span<const uint8_t> input, std::string_view source,
                                       std::string_view password) {
  constexpr FileFormat kFormat = FileFormat::kPkcs12;
  const unsigned char* p = input.data();
  ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(input.size())));
  if (!p12) return Error(source, kFormat, StrCat("not a PKCS#12 file", codec::Holds(input)));
  std::string pass(password);  // PKCS12_parse wants a NUL-terminated string
  if (PKCS12_mac_present(p12.get()) == 1) {
    // Checked first so a wrong password gets its own message. An empty password may have
    // been encoded either as no password or as an empty string; OpenSSL's apps try both.
    bool ok = PKCS12_verify_mac(p12.get(), pass.c_str(), static_cast<int>(pass.size())) == 1 ||
              (pass.empty() && PKCS12_verify_mac(p12.get(), nullptr, 0) == 1);
    if (!ok) return Error(source, kFormat, "wrong or missing password (MAC check failed)");
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  ossl::ClearErrors();
  if (PKCS12_parse(p12.get(), pass.c_str(), &key, &cert, &ca) != 1) {
    return Error(source, kFormat,
                 "cannot decrypt or parse the contents (wrong password, or an algorithm this "
                 "OpenSSL lacks such as RC2-40)");
  }
  ossl::PkeyPtr key_guard(key);
  ossl::X509Ptr cert_guard(cert);
  ossl::X509StackPtr ca_guard(ca);
  if (!key_guard) return Error(source, kFormat, "PKCS#12 holds no private key");
  auto bundle = FinishKey(std::move(key_guard), input, kFormat, source);
  if (!bundle.ok()) return bundle.status();
  if (cert_guard) bundle->certificate = Certificate(ossl::ShareX509(std::move(cert_guard)));
  while (ca_guard && sk_X509_num(ca_guard.get()) > 0) {
    bundle->chain.emplace_back(ossl::ShareX509(ossl::X509Ptr(sk_X509_shift(ca_guard.get()))));
  }
  return bundle;
}

}  // namespace

absl::StatusOr<KeyBundle> ImportKey(std::span<const uint8_t> input, FileFormat format,
                                    std::string_view source, std::string_view password) {
  if (absl::Status s = CheckInput(input, format, source); !s.ok()) return s;
  if (format == FileFormat::kPkcs12) return ImportPkcs12(input, source, password);
  if (format != FileFormat::kPem && format != FileFormat::kDer) {
    return Error(source, format, "a key pair is pkcs12, pem or der");
  }
  EVP_PKEY* raw = nullptr;
  if (format == FileFormat::kPem) {
    // PEM_read_bio_PrivateKey skips blocks that are not keys (a certificate before it).
    ossl::BioPtr bio = ossl::MemBio(input);
    if (bio) raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, PasswordCallback, &password);
  } else {
    ossl::Ptr<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free> dctx(OSSL_DECODER_CTX_new_for_pkey(
        &raw, "DER", nullptr, nullptr, EVP_PKEY_KEYPAIR, nullptr, nullptr));
    if (dctx && !password.empty()) {
      OSSL_DECODER_CTX_set_passphrase(
          dctx.get(), reinterpret_cast<const unsigned char*>(password.data()), password.size());
    }
    const unsigned char* data = input.data();
    size_t len = input.size();
    if (!dctx || OSSL_DECODER_from_data(dctx.get(), &data, &len) != 1) raw = nullptr;
  }
  ossl::PkeyPtr key(raw);
  if (!key) {
    if (LooksEncrypted(input, format)) {
      return Error(source, format, "encrypted key: wrong or missing password");
    }
    return Error(source, format, StrCat("no private key found", codec::Holds(input)));
  }
  return FinishKey(std::move(key), input, format, source);
}

absl::StatusOr<std::vector<uint8_t>> ExportKey(const PrivateKey& key, FileFormat format,
                                               std::string_view password,
                                               const Certificate* certificate,
                                               std::span<const Certificate> chain) {
  if (key.empty()) return absl::InvalidArgumentError("no key to export");
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return ossl::Fail("out of memory");
  // PBES2 with AES-256-CBC (and PBKDF2) when a password is given (RFC 8018).
  const EVP_CIPHER* cipher = password.empty() ? nullptr : EVP_aes_256_cbc();
  const char* pass = password.empty() ? nullptr : password.data();
  int pass_len = static_cast<int>(password.size());
  ossl::ClearErrors();
  switch (format) {
    case FileFormat::kPem:
      if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key.native(), cipher, pass, pass_len, nullptr,
                                        nullptr) != 1) {
        return ossl::Fail("cannot write the PEM key");
      }
      return ossl::BioBytes(bio.get());
    case FileFormat::kDer:
      if (i2d_PKCS8PrivateKey_bio(bio.get(), key.native(), cipher, pass, pass_len, nullptr,
                                  nullptr) != 1) {
        return ossl::Fail("cannot write the DER key");
      }
      return ossl::BioBytes(bio.get());
    case FileFormat::kPkcs12: {
      if (certificate == nullptr || certificate->empty()) {
        return absl::InvalidArgumentError("pkcs12 export needs the key's certificate");
      }
      if (password.empty()) {
        return absl::InvalidArgumentError("pkcs12 export needs a password");
      }
      if (!key.Matches(*certificate)) {
        return absl::InvalidArgumentError("the certificate does not belong to the key");
      }
      ossl::X509StackPtr ca(sk_X509_new_null());
      for (const Certificate& c : chain) {
        if (!ca || c.empty() || sk_X509_push(ca.get(), c.native()) <= 0) {
          return ossl::Fail("cannot build the chain");
        }
        X509_up_ref(c.native());  // the stack frees what it holds
      }
      std::string pass_z(password);
      // Zero NIDs, iterations and MAC iterations: OpenSSL 3's defaults (PBES2 AES-256-CBC,
      // PBKDF2, HMAC-SHA256 MAC, 2048 iterations).
      ossl::Pkcs12Ptr p12(PKCS12_create(pass_z.c_str(), "tunnelisa", key.native(),
                                        certificate->native(), ca.get(), 0, 0, 0, 0, 0));
      if (!p12 || i2d_PKCS12_bio(bio.get(), p12.get()) != 1) {
        return ossl::Fail("cannot build PKCS#12");
      }
      return ossl::BioBytes(bio.get());
    }
    case FileFormat::kPkcs7Der:
    case FileFormat::kPkcs7Pem:
    case FileFormat::kPkcs10:
      break;
  }
  return absl::InvalidArgumentError(
      StrCat("a key pair exports as pkcs12, pem or der, not ", FileFormatName(format)));
}

}  // namespace tunnelisa::pki
