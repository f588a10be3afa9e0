// The libsodium backend: AES-256-GCM with a 16-byte ICV (only where the CPU has AES-NI and
// PCLMUL, as libsodium requires), ChaCha20-Poly1305 (IETF, RFC 8439 / RFC 7634), and
// HMAC-SHA-256-128 / HMAC-SHA-512-256 with NULL encryption.
//
// libsodium's AES-256-GCM with precomputed state wins at small packets on these machines
// (PERFORMANCE-NOTES): hosts can pick it per algorithm through CryptoRegistry::Prefer.
#include <sodium.h>

#include <cstring>
#include <memory>
#include <string>

#include "common/str_cat.h"
#include "tunnelisa/crypto_backend.h"

namespace tunnelisa {
namespace {

class SodiumKey final : public EspKey {
 public:
  SodiumKey(CryptoBackend* backend, EspSuite suite, CryptoDirection dir)
      : EspKey(backend, suite, dir) {}
  ~SodiumKey() override {
    sodium_memzero(&gcm, sizeof gcm);
    sodium_memzero(chacha_key, sizeof chacha_key);
    sodium_memzero(&hmac256, sizeof hmac256);
    sodium_memzero(&hmac512, sizeof hmac512);
    sodium_memzero(salt, sizeof salt);
  }

  // AES-256-GCM expanded key; aligned as libsodium requires.
  alignas(16) crypto_aead_aes256gcm_state gcm;
  uint8_t chacha_key[crypto_aead_chacha20poly1305_ietf_KEYBYTES];
  crypto_auth_hmacsha256_state hmac256;  // keyed, before any data
  crypto_auth_hmacsha512_state hmac512;
  uint8_t salt[4];
};

class SodiumBackend final : public CryptoBackend {
 public:
  std::string_view name() const override { return "sodium"; }
  std::string description() const override {
    return std::string("libsodium ") + sodium_version_string();
  }

  bool Implements(EspSuite s) const override {
    using E = EncryptionAlgorithm;
    using I = IntegrityAlgorithm;
    if (s.enc == E::kAes256Gcm16) {
      return s.integ == I::kNone && crypto_aead_aes256gcm_is_available();
    }
    if (s.enc == E::kChaCha20Poly1305) return s.integ == I::kNone;
    if (s.enc == E::kNull) return s.integ == I::kHmacSha256_128 || s.integ == I::kHmacSha512_256;
    return false;
  }

  absl::StatusOr<std::unique_ptr<EspKey>> CreateKey(EspSuite suite,
                                                    std::span<const uint8_t> enc_key,
                                                    std::span<const uint8_t> auth_key,
                                                    CryptoDirection dir) override {
    if (!Implements(suite)) {
      return absl::UnavailableError(StrCat("libsodium does not provide ",
                                           GetEncryptionInfo(suite.enc).name, "/",
                                           GetIntegrityInfo(suite.integ).name, " here"));
    }
    const EncryptionInfo& e = GetEncryptionInfo(suite.enc);
    const IntegrityInfo& i = GetIntegrityInfo(suite.integ);
    if (enc_key.size() != e.keymat_size() || auth_key.size() != i.key_size) {
      return absl::InvalidArgumentError(StrCat("wrong key length for ", e.name, "/", i.name));
    }
    auto key = std::make_unique<SodiumKey>(this, suite, dir);
    switch (suite.enc) {
      case EncryptionAlgorithm::kAes256Gcm16:
        crypto_aead_aes256gcm_beforenm(&key->gcm, enc_key.data());
        std::memcpy(key->salt, enc_key.data() + 32, 4);
        break;
      case EncryptionAlgorithm::kChaCha20Poly1305:
        std::memcpy(key->chacha_key, enc_key.data(), 32);
        std::memcpy(key->salt, enc_key.data() + 32, 4);
        break;
      default:
        break;
    }
    if (suite.integ == IntegrityAlgorithm::kHmacSha256_128) {
      crypto_auth_hmacsha256_init(&key->hmac256, auth_key.data(), auth_key.size());
    } else if (suite.integ == IntegrityAlgorithm::kHmacSha512_256) {
      crypto_auth_hmacsha512_init(&key->hmac512, auth_key.data(), auth_key.size());
    }
    return std::unique_ptr<EspKey>(std::move(key));
  }

  void Process(std::span<CryptoOp> ops) override {
    for (CryptoOp& op : ops) {
      const auto& k = static_cast<const SodiumKey&>(*op.key);
      const bool seal = k.direction() == CryptoDirection::kSeal;
      switch (k.suite().enc) {
        case EncryptionAlgorithm::kAes256Gcm16:
        case EncryptionAlgorithm::kChaCha20Poly1305:
          op.ok = seal ? SealAead(k, op) : OpenAead(k, op);
          break;
        default:
          op.ok = Hmac(k, op, seal);
          break;
      }
    }
  }

 private:
  static bool SealAead(const SodiumKey& k, CryptoOp& op) {
    uint8_t nonce[12];
    std::memcpy(nonce, k.salt, 4);
    std::memcpy(nonce + 4, op.iv, 8);
    unsigned long long maclen = 0;
    if (k.suite().enc == EncryptionAlgorithm::kAes256Gcm16) {
      return crypto_aead_aes256gcm_encrypt_detached_afternm(op.data, op.icv, &maclen, op.data,
                                                            op.len, op.aad, op.aad_len, nullptr,
                                                            nonce, &k.gcm) == 0;
    }
    return crypto_aead_chacha20poly1305_ietf_encrypt_detached(op.data, op.icv, &maclen, op.data,
                                                              op.len, op.aad, op.aad_len, nullptr,
                                                              nonce, k.chacha_key) == 0;
  }

  static bool OpenAead(const SodiumKey& k, CryptoOp& op) {
    uint8_t nonce[12];
    std::memcpy(nonce, k.salt, 4);
    std::memcpy(nonce + 4, op.iv, 8);
    // libsodium verifies the tag (constant time) before it writes any plaintext.
    if (k.suite().enc == EncryptionAlgorithm::kAes256Gcm16) {
      return crypto_aead_aes256gcm_decrypt_detached_afternm(
                 op.data, nullptr, op.data, op.len, op.icv, op.aad, op.aad_len, nonce, &k.gcm) == 0;
    }
    return crypto_aead_chacha20poly1305_ietf_decrypt_detached(op.data, nullptr, op.data, op.len,
                                                              op.icv, op.aad, op.aad_len, nonce,
                                                              k.chacha_key) == 0;
  }

  static bool Hmac(const SodiumKey& k, CryptoOp& op, bool seal) {
    uint8_t full[crypto_auth_hmacsha512_BYTES];
    size_t icv_size = k.suite().icv_size();
    if (k.suite().integ == IntegrityAlgorithm::kHmacSha256_128) {
      crypto_auth_hmacsha256_state st = k.hmac256;
      crypto_auth_hmacsha256_update(&st, op.auth, op.auth_len);
      if (op.aad_len == 4) crypto_auth_hmacsha256_update(&st, op.aad, 4);
      crypto_auth_hmacsha256_final(&st, full);
      sodium_memzero(&st, sizeof st);
    } else {
      crypto_auth_hmacsha512_state st = k.hmac512;
      crypto_auth_hmacsha512_update(&st, op.auth, op.auth_len);
      if (op.aad_len == 4) crypto_auth_hmacsha512_update(&st, op.aad, 4);
      crypto_auth_hmacsha512_final(&st, full);
      sodium_memzero(&st, sizeof st);
    }
    if (seal) {
      std::memcpy(op.icv, full, icv_size);
      return true;
    }
    return sodium_memcmp(full, op.icv, icv_size) == 0;
  }
};

}  // namespace

std::unique_ptr<CryptoBackend> CreateSodiumBackend() {
  if (sodium_init() < 0) return nullptr;
  return std::make_unique<SodiumBackend>();
}

}  // namespace tunnelisa
