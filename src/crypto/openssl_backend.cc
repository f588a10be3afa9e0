// The OpenSSL 3 backend: every algorithm of algorithms.h through EVP.
//
// Per the measurements in PERFORMANCE-NOTES: one keyed EVP_CIPHER_CTX per SA direction, the
// cipher fetched once per backend, and per packet only the IV set. HMAC keeps one keyed
// EVP_MAC_CTX and re-initialises it with a NULL key, which reuses the precomputed pads.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>

#include "common/str_cat.h"
#include "crypto/evp_names.h"
#include "crypto/key_sizes.h"
#include "tunnelisa/crypto_backend.h"

namespace tunnelisa {
namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

using crypto::EvpCipherName;

const char* DigestName(IntegrityAlgorithm a) {
  switch (a) {
    case IntegrityAlgorithm::kNone:
      return nullptr;
    case IntegrityAlgorithm::kHmacMd5_96:
      return "MD5";
    case IntegrityAlgorithm::kHmacSha1_96:
      return "SHA1";
    case IntegrityAlgorithm::kHmacSha256_128:
      return "SHA256";
    case IntegrityAlgorithm::kHmacSha384_192:
      return "SHA384";
    case IntegrityAlgorithm::kHmacSha512_256:
      return "SHA512";
  }
  return nullptr;
}

class OpenSslBackend;

// OpenSslKey: the keyed contexts of one SA direction. Contexts are mutable: Process() runs
// them on the worker that owns the SA.
class OpenSslKey final : public EspKey {
 public:
  OpenSslKey(CryptoBackend* backend, EspSuite suite, CryptoDirection dir)
      : EspKey(backend, suite, dir) {}
  ~OpenSslKey() override { OPENSSL_cleanse(salt, sizeof salt); }

  CipherCtx cipher;  // null for ENCR_NULL
  MacCtx mac;        // null for AEAD and integrity none
  CipherCtx iv_gen;  // seal with a CBC cipher: AES-128-ECB over a counter
  uint64_t iv_counter = 0;
  uint8_t iv_nonce[8] = {};
  uint8_t salt[4] = {};
  uint8_t iv_size = 0;
  uint8_t icv_size = 0;
  bool aead = false;
};

class OpenSslBackend final : public CryptoBackend {
 public:
  OpenSslBackend() {
    libctx_ = OSSL_LIB_CTX_new();
    if (libctx_ == nullptr) return;
    default_provider_ = OSSL_PROVIDER_load(libctx_, "default");
    // DES lives in the legacy provider; 3DES and everything else in the default one.
    legacy_provider_ = OSSL_PROVIDER_load(libctx_, "legacy");
    for (const EncryptionInfo& e : AllEncryptionAlgorithms()) {
      const char* name = EvpCipherName(e.id);
      if (name != nullptr) {
        ciphers_[static_cast<size_t>(e.id)] = EVP_CIPHER_fetch(libctx_, name, nullptr);
      }
    }
    ecb_ = EVP_CIPHER_fetch(libctx_, "AES-128-ECB", nullptr);
    hmac_ = EVP_MAC_fetch(libctx_, "HMAC", nullptr);
  }

  ~OpenSslBackend() override {
    for (EVP_CIPHER* c : ciphers_) EVP_CIPHER_free(c);
    EVP_CIPHER_free(ecb_);
    EVP_MAC_free(hmac_);
    if (legacy_provider_ != nullptr) OSSL_PROVIDER_unload(legacy_provider_);
    if (default_provider_ != nullptr) OSSL_PROVIDER_unload(default_provider_);
    OSSL_LIB_CTX_free(libctx_);
  }

  std::string_view name() const override { return "openssl"; }
  std::string description() const override {
    return std::string(OpenSSL_version(OPENSSL_VERSION)) + " EVP, keyed contexts per SA";
  }

  bool Implements(EspSuite suite) const override {
    const EncryptionInfo& e = GetEncryptionInfo(suite.enc);
    if (e.aead && suite.integ != IntegrityAlgorithm::kNone) return false;
    return true;
  }

  absl::StatusOr<std::unique_ptr<EspKey>> CreateKey(EspSuite suite,
                                                    std::span<const uint8_t> enc_key,
                                                    std::span<const uint8_t> auth_key,
                                                    CryptoDirection dir) override {
    if (!Implements(suite)) {
      return absl::InvalidArgumentError("AEAD ciphers take no separate integrity algorithm");
    }
    const EncryptionInfo& e = GetEncryptionInfo(suite.enc);
    if (absl::Status s = crypto::CheckKeySizes(suite, enc_key, auth_key); !s.ok()) return s;
    auto key = std::make_unique<OpenSslKey>(this, suite, dir);
    key->iv_size = e.iv_size;
    key->aead = e.aead;
    key->icv_size = suite.icv_size();
    const bool enc = dir == CryptoDirection::kSeal;

    if (suite.enc != EncryptionAlgorithm::kNull) {
      EVP_CIPHER* cipher = ciphers_[static_cast<size_t>(suite.enc)];
      if (cipher == nullptr) {
        return absl::UnavailableError(
            suite.enc == EncryptionAlgorithm::kDesCbc
                ? "DES-CBC needs OpenSSL's legacy provider, which could not be loaded"
                : StrCat("OpenSSL has no ", EvpCipherName(suite.enc)));
      }
      key->cipher.reset(EVP_CIPHER_CTX_new());
      if (!key->cipher) return absl::ResourceExhaustedError("EVP_CIPHER_CTX_new failed");
      if (e.aead) {
        std::memcpy(key->salt, enc_key.data() + e.key_size, e.salt_size);
        if (EVP_CipherInit_ex2(key->cipher.get(), cipher, enc_key.data(), nullptr, enc, nullptr) !=
            1) {
          return absl::InternalError("AEAD key setup failed");
        }
      } else {
        if (EVP_CipherInit_ex2(key->cipher.get(), cipher, enc_key.data(), nullptr, enc, nullptr) !=
                1 ||
            EVP_CIPHER_CTX_set_padding(key->cipher.get(), 0) != 1) {
          return absl::InternalError("cipher key setup failed");
        }
        if (enc) {
          // RFC 3602 section 2.3: the IV "MUST be chosen at random" / unpredictable. We encrypt
          // a counter under a random key: unpredictable without a CSPRNG call per packet.
          uint8_t iv_key[16];
          if (RAND_bytes(iv_key, sizeof iv_key) != 1 ||
              RAND_bytes(key->iv_nonce, sizeof key->iv_nonce) != 1) {
            return absl::InternalError("RAND_bytes failed");
          }
          key->iv_gen.reset(EVP_CIPHER_CTX_new());
          bool ok = key->iv_gen &&
                    EVP_CipherInit_ex2(key->iv_gen.get(), ecb_, iv_key, nullptr, 1, nullptr) == 1 &&
                    EVP_CIPHER_CTX_set_padding(key->iv_gen.get(), 0) == 1;
          OPENSSL_cleanse(iv_key, sizeof iv_key);
          if (!ok) return absl::InternalError("IV generator setup failed");
        }
      }
    }
    if (suite.integ != IntegrityAlgorithm::kNone) {
      key->mac.reset(EVP_MAC_CTX_new(hmac_));
      if (!key->mac) return absl::ResourceExhaustedError("EVP_MAC_CTX_new failed");
      OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                           const_cast<char*>(DigestName(suite.integ)), 0),
          OSSL_PARAM_construct_end()};
      if (EVP_MAC_init(key->mac.get(), auth_key.data(), auth_key.size(), params) != 1) {
        return absl::UnavailableError(
            StrCat("HMAC-", DigestName(suite.integ), " is not available from OpenSSL here"));
      }
    }
    return std::unique_ptr<EspKey>(std::move(key));
  }

  void Process(std::span<CryptoOp> ops) override {
    // A burst spread over many SAs misses on each op's key and context: start loading the
    // key two ops ahead and its EVP_CIPHER_CTX (about three lines, through the key loaded
    // the round before) one op ahead, so those misses overlap the current op's crypto.
    const size_t n = ops.size();
    if (n > 0) __builtin_prefetch(ops[0].key);
    if (n > 1) __builtin_prefetch(ops[1].key);
    for (size_t i = 0; i < n; ++i) {
      if (i + 2 < n) __builtin_prefetch(ops[i + 2].key);
      if (i + 1 < n) PrefetchContext(static_cast<const OpenSslKey&>(*ops[i + 1].key));
      CryptoOp& op = ops[i];
      const auto& key = static_cast<const OpenSslKey&>(*op.key);
      auto& k = const_cast<OpenSslKey&>(key);
      if (k.aead) {
        op.ok = k.direction() == CryptoDirection::kSeal ? SealAead(k, op) : OpenAead(k, op);
      } else {
        op.ok = k.direction() == CryptoDirection::kSeal ? SealCbc(k, op) : OpenCbc(k, op);
      }
    }
  }

 private:
  static void PrefetchContext(const OpenSslKey& k) {
    const char* c = reinterpret_cast<const char*>(k.cipher.get());
    if (c == nullptr) return;
    __builtin_prefetch(c);
    __builtin_prefetch(c + 64);
    __builtin_prefetch(c + 128);
  }

  static bool SetNonce(OpenSslKey& k, const CryptoOp& op, int enc) {
    uint8_t nonce[12];
    std::memcpy(nonce, k.salt, 4);
    std::memcpy(nonce + 4, op.iv, 8);
    return EVP_CipherInit_ex(k.cipher.get(), nullptr, nullptr, nullptr, nonce, enc) == 1;
  }

  static bool SealAead(OpenSslKey& k, CryptoOp& op) {
    EVP_CIPHER_CTX* c = k.cipher.get();
    int outl = 0;
    if (!SetNonce(k, op, 1)) return false;
    if (EVP_CipherUpdate(c, nullptr, &outl, op.aad, op.aad_len) != 1) return false;
    if (op.len > 0 && EVP_CipherUpdate(c, op.data, &outl, op.data, static_cast<int>(op.len)) != 1)
      return false;
    if (EVP_CipherFinal_ex(c, op.data + op.len, &outl) != 1) return false;
    return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, k.icv_size, op.icv) == 1;
  }

  static bool OpenAead(OpenSslKey& k, CryptoOp& op) {
    EVP_CIPHER_CTX* c = k.cipher.get();
    int outl = 0;
    if (!SetNonce(k, op, 0)) return false;
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, k.icv_size, op.icv) != 1) return false;
    if (EVP_CipherUpdate(c, nullptr, &outl, op.aad, op.aad_len) != 1) return false;
    if (op.len > 0 && EVP_CipherUpdate(c, op.data, &outl, op.data, static_cast<int>(op.len)) != 1)
      return false;
    // The tag is verified (in constant time, by OpenSSL) here.
    return EVP_CipherFinal_ex(c, op.data + op.len, &outl) == 1;
  }

  static bool Mac(OpenSslKey& k, const CryptoOp& op, uint8_t* out) {
    EVP_MAC_CTX* m = k.mac.get();
    size_t outl = 0;
    if (EVP_MAC_init(m, nullptr, 0, nullptr) != 1) return false;
    if (op.auth_len > 0 && EVP_MAC_update(m, op.auth, op.auth_len) != 1) return false;
    // RFC 4303 appendix A2: with ESN the high-order 32 bits are appended for the ICV only.
    if (op.aad_len == 4 && EVP_MAC_update(m, op.aad, 4) != 1) return false;
    return EVP_MAC_final(m, out, &outl, EVP_MAX_MD_SIZE) == 1;
  }

  static bool SealCbc(OpenSslKey& k, CryptoOp& op) {
    if (k.cipher) {
      if (op.fill_iv) {
        uint8_t block[16];
        std::memcpy(block, &k.iv_counter, 8);
        std::memcpy(block + 8, k.iv_nonce, 8);
        ++k.iv_counter;
        int outl = 0;
        if (EVP_CipherUpdate(k.iv_gen.get(), block, &outl, block, 16) != 1) return false;
        std::memcpy(op.iv, block, k.iv_size);
      }
      int outl = 0;
      if (EVP_CipherInit_ex(k.cipher.get(), nullptr, nullptr, nullptr, op.iv, 1) != 1) return false;
      if (op.len > 0 &&
          EVP_CipherUpdate(k.cipher.get(), op.data, &outl, op.data, static_cast<int>(op.len)) != 1)
        return false;
    }
    if (k.mac) {
      uint8_t full[EVP_MAX_MD_SIZE];
      if (!Mac(k, op, full)) return false;
      std::memcpy(op.icv, full, k.icv_size);
    }
    return true;
  }

  static bool OpenCbc(OpenSslKey& k, CryptoOp& op) {
    if (k.mac) {
      uint8_t full[EVP_MAX_MD_SIZE];
      if (!Mac(k, op, full)) return false;
      // Constant-time ICV comparison; nothing is decrypted unless it matches.
      if (CRYPTO_memcmp(full, op.icv, k.icv_size) != 0) return false;
    }
    if (k.cipher) {
      int outl = 0;
      if (EVP_CipherInit_ex(k.cipher.get(), nullptr, nullptr, nullptr, op.iv, 0) != 1) return false;
      if (op.len > 0 &&
          EVP_CipherUpdate(k.cipher.get(), op.data, &outl, op.data, static_cast<int>(op.len)) != 1)
        return false;
    }
    return true;
  }

  OSSL_LIB_CTX* libctx_ = nullptr;
  OSSL_PROVIDER* default_provider_ = nullptr;
  OSSL_PROVIDER* legacy_provider_ = nullptr;
  std::array<EVP_CIPHER*, 16> ciphers_{};
  EVP_CIPHER* ecb_ = nullptr;
  EVP_MAC* hmac_ = nullptr;
};

static_assert(std::tuple_size_v<std::array<EVP_CIPHER*, 16>> ==
              static_cast<size_t>(EncryptionAlgorithm::kChaCha20Poly1305) + 1);

}  // namespace

std::unique_ptr<CryptoBackend> CreateOpenSslBackend() {
  auto b = std::make_unique<OpenSslBackend>();
  return b;
}

}  // namespace tunnelisa
