// Keys: generation, signing, verification, all through EVP (EVP_PKEY_Q_keygen /
// EVP_PKEY_CTX, EVP_DigestSign / EVP_DigestVerify). The r|s form of (EC)DSA signatures is
// converted with OpenSSL's ECDSA_SIG, whose ASN.1 (a SEQUENCE of two INTEGERs) is also
// DSA's (RFC 3279 section 2.2.2 and 2.2.3).
#include "tunnelisa/pki/key.h"

#include <openssl/core_names.h>
#include <openssl/dsa.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "pki/ossl.h"
#include "tunnelisa/pki/certificate.h"

namespace tunnelisa::pki {
namespace {

using ossl::ClearErrors;
using ossl::Fail;

KeyType TypeOf(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_DSA:
      return KeyType::kDsa;
    case EVP_PKEY_ED25519:
      return KeyType::kEd25519;
    case EVP_PKEY_EC: {
      int bits = EVP_PKEY_get_bits(key);
      if (bits <= 256) return KeyType::kEcdsaP256;
      if (bits <= 384) return KeyType::kEcdsaP384;
      return KeyType::kEcdsaP521;
    }
    default:
      return KeyType::kRsa;
  }
}

bool IsDsaFamily(KeyType t) { return t != KeyType::kRsa && t != KeyType::kEd25519; }

}  // namespace

// SupportedKey: refuses key types we do not sign with (X25519, SM2, EC curves other than
// the NIST three...) before OpenSSL would use them.
absl::Status ossl::SupportedKey(EVP_PKEY* key) {
  if (key == nullptr) return absl::FailedPreconditionError("empty key");
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
    case EVP_PKEY_DSA:
    case EVP_PKEY_ED25519:
      return absl::OkStatus();
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) == 1 &&
          (std::strcmp(group, "prime256v1") == 0 || std::strcmp(group, "secp384r1") == 0 ||
           std::strcmp(group, "secp521r1") == 0)) {
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(StrCat("unsupported EC curve ", group));
    }
    default:
      return absl::InvalidArgumentError("unsupported key algorithm");
  }
}

namespace {

// ScalarBytes: bytes of r and of s in the raw form: the group order's length.
size_t ScalarBytes(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_DSA) {
    BIGNUM* q = nullptr;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_FFC_Q, &q) != 1) return 0;
    size_t n = static_cast<size_t>(BN_num_bytes(q));
    BN_free(q);
    return n;
  }
  return static_cast<size_t>((EVP_PKEY_get_bits(key) + 7) / 8);
}

absl::StatusOr<std::vector<uint8_t>> DerToRaw(EVP_PKEY* key, std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return Fail("signature is not DER r,s");
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> guard(sig, ECDSA_SIG_free);
  size_t n = ScalarBytes(key);
  std::vector<uint8_t> raw(2 * n);
  if (n == 0 || BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), static_cast<int>(n)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + n, static_cast<int>(n)) < 0) {
    return Fail("signature does not fit the group order");
  }
  return raw;
}

absl::StatusOr<std::vector<uint8_t>> RawToDer(EVP_PKEY* key, std::span<const uint8_t> raw) {
  size_t n = ScalarBytes(key);
  if (n == 0 || raw.size() != 2 * n) {
    return absl::InvalidArgumentError(
        StrCat("bad signature: r|s is ", raw.size(), " bytes, expected ", 2 * n));
  }
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(n), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + n, static_cast<int>(n), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return Fail("out of memory");
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return Fail("cannot encode signature");
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// InitDigest: a sign or verify context with the options applied; checks that they fit.
absl::StatusOr<ossl::MdCtxPtr> InitDigest(EVP_PKEY* key, const SignatureOptions& options,
                                          bool sign) {
  if (absl::Status s = ossl::SupportedKey(key); !s.ok()) return s;
  KeyType type = TypeOf(key);
  const EVP_MD* md = ossl::Md(options.hash);
  if (type == KeyType::kEd25519) {
    if (options.hash != HashAlgorithm::kNone) {
      return absl::InvalidArgumentError("Ed25519 signs without a hash");
    }
    if (options.rsa_pss || options.raw_rs) {
      return absl::InvalidArgumentError("PSS / r|s options do not apply to Ed25519");
    }
  } else if (md == nullptr) {
    return absl::InvalidArgumentError("a hash is required for this key");
  }
  if (options.rsa_pss && type != KeyType::kRsa) {
    return absl::InvalidArgumentError("RSA-PSS needs an RSA key");
  }
  if (options.raw_rs && !IsDsaFamily(type)) {
    return absl::InvalidArgumentError("r|s signatures are for ECDSA and DSA keys");
  }
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  ClearErrors();
  int ok = sign ? EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key)
                : EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key);
  if (!ctx || ok != 1) return Fail("cannot use the key with this hash");
  bool pss = options.rsa_pss || EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA_PSS;
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
              EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)) {
    return Fail("cannot set RSA-PSS parameters");
  }
  return ctx;
}

// RawRsaContext: an EVP_PKEY_CTX for SignatureOptions::rsa_pkcs1_raw: PKCS#1 v1.5 padding,
// no signature digest, so the data is padded as it is (no DigestInfo).
absl::StatusOr<ossl::PkeyCtxPtr> RawRsaContext(EVP_PKEY* key, const SignatureOptions& options,
                                               bool sign) {
  if (absl::Status s = ossl::SupportedKey(key); !s.ok()) return s;
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    return absl::InvalidArgumentError("raw PKCS#1 v1.5 signatures need an RSA (not RSA-PSS) key");
  }
  if (options.rsa_pss || options.raw_rs) {
    return absl::InvalidArgumentError("raw PKCS#1 v1.5 excludes the PSS and r|s options");
  }
  ClearErrors();
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx) return Fail("out of memory");
  if ((sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    return Fail("cannot set up a raw PKCS#1 v1.5 signature");
  }
  return ctx;
}

absl::StatusOr<std::vector<uint8_t>> RawRsaSign(EVP_PKEY* key, std::span<const uint8_t> data,
                                                const SignatureOptions& options) {
  auto ctx = RawRsaContext(key, options, /*sign=*/true);
  if (!ctx.ok()) return ctx.status();
  //= https://www.rfc-editor.org/rfc/rfc8017#section-7.2.1
  //# If mLen > k - 11, output "message too long" and stop.
  const size_t k = static_cast<size_t>(EVP_PKEY_get_size(key));
  if (data.empty() || data.size() + 11 > k) {
    return absl::InvalidArgumentError(
        StrCat("raw PKCS#1 v1.5: ", data.size(), " octets do not fit a ", k, "-octet modulus"));
  }
  size_t len = k;
  std::vector<uint8_t> sig(len);
  if (EVP_PKEY_sign(ctx->get(), sig.data(), &len, data.data(), data.size()) != 1) {
    return absl::InternalError(StrCat("signing failed: ", ossl::ErrorText()));
  }
  sig.resize(len);
  return sig;
}

absl::Status RawRsaVerify(EVP_PKEY* key, std::span<const uint8_t> data,
                          std::span<const uint8_t> signature, const SignatureOptions& options) {
  auto ctx = RawRsaContext(key, options, /*sign=*/false);
  if (!ctx.ok()) return ctx.status();
  // Without a signature digest OpenSSL recovers the padded octets and compares them with
  // `data` as a whole.
  int ok =
      EVP_PKEY_verify(ctx->get(), signature.data(), signature.size(), data.data(), data.size());
  ERR_clear_error();
  if (ok != 1) return absl::InvalidArgumentError("bad signature");
  return absl::OkStatus();
}

}  // namespace

std::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kRsa:
      return "rsa";
    case KeyType::kDsa:
      return "dsa";
    case KeyType::kEcdsaP256:
      return "ecdsa-p256";
    case KeyType::kEcdsaP384:
      return "ecdsa-p384";
    case KeyType::kEcdsaP521:
      return "ecdsa-p521";
    case KeyType::kEd25519:
      return "ed25519";
  }
  return "?";
}

absl::StatusOr<KeyType> ParseKeyType(std::string_view name) {
  for (KeyType t : {KeyType::kRsa, KeyType::kDsa, KeyType::kEcdsaP256, KeyType::kEcdsaP384,
                    KeyType::kEcdsaP521, KeyType::kEd25519}) {
    if (KeyTypeName(t) == name) return t;
  }
  return absl::InvalidArgumentError(StrCat(
      "unknown key type \"", name, "\" (rsa, dsa, ecdsa-p256, ecdsa-p384, ecdsa-p521 or ed25519)"));
}

// --- PublicKey ---

absl::StatusOr<PublicKey> PublicKey::FromSpkiDer(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  ClearErrors();
  ossl::PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key) return Fail("malformed SubjectPublicKeyInfo");
  return PublicKey(ossl::SharePkey(std::move(key)));
}

KeyType PublicKey::type() const { return key_ ? TypeOf(key_.get()) : KeyType::kRsa; }
int PublicKey::bits() const { return key_ ? EVP_PKEY_get_bits(key_.get()) : 0; }

absl::Status PublicKey::Verify(std::span<const uint8_t> data, std::span<const uint8_t> signature,
                               const SignatureOptions& options) const {
  if (options.rsa_pkcs1_raw) return RawRsaVerify(key_.get(), data, signature, options);
  auto ctx = InitDigest(key_.get(), options, /*sign=*/false);
  if (!ctx.ok()) return ctx.status();
  std::vector<uint8_t> der;
  if (options.raw_rs) {
    auto converted = RawToDer(key_.get(), signature);
    if (!converted.ok()) return converted.status();
    der = std::move(*converted);
    signature = der;
  }
  int ok =
      EVP_DigestVerify(ctx->get(), signature.data(), signature.size(), data.data(), data.size());
  ERR_clear_error();  // a bad signature queues errors we do not want in the next message
  if (ok != 1) return absl::InvalidArgumentError("bad signature");
  return absl::OkStatus();
}

std::vector<uint8_t> PublicKey::SpkiDer() const {
  if (!key_) return {};
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key_.get(), &der);
  if (len <= 0) return {};
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::array<uint8_t, 20> PublicKey::SpkiSha1() const {
  std::array<uint8_t, 20> out = {};
  std::vector<uint8_t> der = SpkiDer();
  unsigned int len = 0;
  EVP_Digest(der.data(), der.size(), out.data(), &len, EVP_sha1(), nullptr);
  return out;
}

bool PublicKey::Equals(const PublicKey& other) const {
  return key_ && other.key_ && EVP_PKEY_eq(key_.get(), other.key_.get()) == 1;
}

// --- PrivateKey ---

KeyType PrivateKey::type() const { return key_ ? TypeOf(key_.get()) : KeyType::kRsa; }
int PrivateKey::bits() const { return key_ ? EVP_PKEY_get_bits(key_.get()) : 0; }

PublicKey PrivateKey::public_key() const {
  if (!key_) return PublicKey();
  // The public half as its own object, so a PublicKey never carries the private key.
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key_.get(), &der);
  if (len <= 0) return PublicKey();
  const unsigned char* p = der;
  ossl::PkeyPtr pub(d2i_PUBKEY(nullptr, &p, len));
  OPENSSL_free(der);
  return pub ? PublicKey(ossl::SharePkey(std::move(pub))) : PublicKey();
}

absl::StatusOr<std::vector<uint8_t>> PrivateKey::Sign(std::span<const uint8_t> data,
                                                      const SignatureOptions& options) const {
  if (options.rsa_pkcs1_raw) return RawRsaSign(key_.get(), data, options);
  auto ctx = InitDigest(key_.get(), options, /*sign=*/true);
  if (!ctx.ok()) return ctx.status();
  size_t len = 0;
  if (EVP_DigestSign(ctx->get(), nullptr, &len, data.data(), data.size()) != 1) {
    return Fail("signing failed");
  }
  std::vector<uint8_t> sig(len);
  if (EVP_DigestSign(ctx->get(), sig.data(), &len, data.data(), data.size()) != 1) {
    return absl::InternalError(StrCat("signing failed: ", ossl::ErrorText()));
  }
  sig.resize(len);
  if (options.raw_rs) return DerToRaw(key_.get(), sig);
  return sig;
}

bool PrivateKey::Matches(const Certificate& cert) const {
  if (!key_ || cert.empty()) return false;
  bool ok = X509_check_private_key(cert.native(), key_.get()) == 1;
  ERR_clear_error();
  return ok;
}

// --- Generation ---

absl::StatusOr<GeneratedKey> GenerateKey(KeyType type, int bits) {
  GeneratedKey out;
  ossl::PkeyPtr key;
  ClearErrors();
  switch (type) {
    case KeyType::kRsa: {
      if (bits == 0) bits = 2048;
      if (bits != 512 && bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096) {
        return absl::InvalidArgumentError(
            StrCat("RSA size ", bits, " (512, 1024, 2048, 3072 or 4096)"));
      }
      if (bits < 2048) {
        out.warning = StrCat("RSA-", bits,
                             " is weak (NIST SP 800-131A: at least 2048 bits); use it "
                             "only with peers that can do nothing better");
      }
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
      break;
    }
    case KeyType::kDsa: {
      if (bits == 0) bits = 2048;
      if (bits != 1024 && bits != 2048) {
        return absl::InvalidArgumentError(StrCat("DSA size ", bits, " (1024 or 2048)"));
      }
      if (bits < 2048) {
        out.warning = "DSA-1024 is weak (NIST SP 800-131A: at least 2048 bits)";
      }
      // DSA needs domain parameters first; EVP_PKEY_Q_keygen does not make them.
      ossl::PkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_name(nullptr, "DSA", nullptr));
      EVP_PKEY* params = nullptr;
      if (!pctx || EVP_PKEY_paramgen_init(pctx.get()) != 1 ||
          EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx.get(), bits) != 1 ||
          EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pctx.get(), bits == 1024 ? 160 : 256) != 1 ||
          EVP_PKEY_paramgen(pctx.get(), &params) != 1) {
        return absl::InternalError(StrCat("DSA parameters: ", ossl::ErrorText()));
      }
      ossl::PkeyPtr param_guard(params);
      ossl::PkeyCtxPtr kctx(EVP_PKEY_CTX_new_from_pkey(nullptr, params, nullptr));
      EVP_PKEY* raw = nullptr;
      if (!kctx || EVP_PKEY_keygen_init(kctx.get()) != 1 ||
          EVP_PKEY_keygen(kctx.get(), &raw) != 1) {
        return absl::InternalError(StrCat("DSA key: ", ossl::ErrorText()));
      }
      key.reset(raw);
      break;
    }
    case KeyType::kEcdsaP256:
    case KeyType::kEcdsaP384:
    case KeyType::kEcdsaP521: {
      const char* curve = type == KeyType::kEcdsaP256   ? "P-256"
                          : type == KeyType::kEcdsaP384 ? "P-384"
                                                        : "P-521";
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
      break;
    }
    case KeyType::kEd25519:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
      break;
  }
  if (!key) {
    return absl::InternalError(StrCat("key generation failed: ", ossl::ErrorText()));
  }
  out.key = PrivateKey(ossl::SharePkey(std::move(key)));
  return out;
}

}  // namespace tunnelisa::pki
