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
