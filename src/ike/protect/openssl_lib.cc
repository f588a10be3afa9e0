#include "ike/protect/openssl_lib.h"

#include <openssl/crypto.h>
#include <openssl/provider.h>

namespace tunnelisa::ike::internal {
namespace {

class Lib {
 public:
  Lib() {
    ctx_ = OSSL_LIB_CTX_new();
    if (ctx_ == nullptr) return;
    default_ = OSSL_PROVIDER_load(ctx_, "default");
    legacy_ = OSSL_PROVIDER_load(ctx_, "legacy");
  }
  ~Lib() {
    if (legacy_ != nullptr) OSSL_PROVIDER_unload(legacy_);
    if (default_ != nullptr) OSSL_PROVIDER_unload(default_);
    OSSL_LIB_CTX_free(ctx_);
  }
  Lib(const Lib&) = delete;
  Lib& operator=(const Lib&) = delete;

  OSSL_LIB_CTX* ctx() const { return ctx_; }
  bool legacy() const { return legacy_ != nullptr; }

 private:
  OSSL_LIB_CTX* ctx_ = nullptr;
  OSSL_PROVIDER* default_ = nullptr;
  OSSL_PROVIDER* legacy_ = nullptr;
};

const Lib& GetLib() {
  static const Lib lib;
  return lib;
}

}  // namespace

OSSL_LIB_CTX* IkeLibCtx() { return GetLib().ctx(); }
bool LegacyProviderLoaded() { return GetLib().legacy(); }

}  // namespace tunnelisa::ike::internal

namespace tunnelisa::ike::internal {

const char* EvpCipherName(EncryptionAlgorithm alg) {
  switch (alg) {
    case EncryptionAlgorithm::kNull:
      return nullptr;
    case EncryptionAlgorithm::kDesCbc:
      return "DES-CBC";
    case EncryptionAlgorithm::k3DesCbc:
      return "DES-EDE3-CBC";
    case EncryptionAlgorithm::kAes128Cbc:
      return "AES-128-CBC";
    case EncryptionAlgorithm::kAes192Cbc:
      return "AES-192-CBC";
    case EncryptionAlgorithm::kAes256Cbc:
      return "AES-256-CBC";
    case EncryptionAlgorithm::kAes128Gcm8:
    case EncryptionAlgorithm::kAes128Gcm12:
    case EncryptionAlgorithm::kAes128Gcm16:
      return "AES-128-GCM";
    case EncryptionAlgorithm::kAes192Gcm8:
    case EncryptionAlgorithm::kAes192Gcm12:
    case EncryptionAlgorithm::kAes192Gcm16:
      return "AES-192-GCM";
    case EncryptionAlgorithm::kAes256Gcm8:
    case EncryptionAlgorithm::kAes256Gcm12:
    case EncryptionAlgorithm::kAes256Gcm16:
      return "AES-256-GCM";
    case EncryptionAlgorithm::kChaCha20Poly1305:
      return "ChaCha20-Poly1305";
  }
  return nullptr;
}

}  // namespace tunnelisa::ike::internal
