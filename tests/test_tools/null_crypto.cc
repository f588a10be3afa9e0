#include "tests/test_tools/null_crypto.h"

#include <cstring>

#include "crypto/registry_test_peer.h"

namespace tunnelisa::testing {
namespace {

class NullKey final : public EspKey {
 public:
  NullKey(CryptoBackend* b, EspSuite s, CryptoDirection d, uint64_t key_seed)
      : EspKey(b, s, d), seed(key_seed) {}
  uint64_t seed;
};

// FNV-1a over the authenticated bytes, seeded by the key: detects any change in tests.
uint64_t Fnv(uint64_t h, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

class NullBackend final : public CryptoBackend {
 public:
  explicit NullBackend(bool accept_any_icv) : accept_any_icv_(accept_any_icv) {}
  std::string_view name() const override { return "null"; }
  bool Implements(EspSuite s) const override {
    return !(GetEncryptionInfo(s.enc).aead && s.integ != IntegrityAlgorithm::kNone);
  }
  absl::StatusOr<std::unique_ptr<EspKey>> CreateKey(EspSuite suite,
                                                    std::span<const uint8_t> enc_key,
                                                    std::span<const uint8_t> auth_key,
                                                    CryptoDirection dir) override {
    uint64_t seed = Fnv(0xcbf29ce484222325ull, enc_key.data(), enc_key.size());
    seed = Fnv(seed, auth_key.data(), auth_key.size());
    return std::unique_ptr<EspKey>(new NullKey(this, suite, dir, seed));
  }
  void Process(std::span<CryptoOp> ops) override {
    for (CryptoOp& op : ops) {
      const auto& k = static_cast<const NullKey&>(*op.key);
      size_t icv_size = k.suite().icv_size();
      if (op.fill_iv) std::memset(op.iv, 0xa5, GetEncryptionInfo(k.suite().enc).iv_size);
      uint64_t h = Fnv(k.seed, op.aad, op.aad_len);
      h = Fnv(h, op.auth, op.auth_len);
      h = Fnv(h, op.data, op.len);
      uint8_t icv[32];
      for (size_t i = 0; i < sizeof icv; ++i) icv[i] = static_cast<uint8_t>(h >> (8 * (i % 8)));
      if (k.direction() == CryptoDirection::kSeal) {
        std::memcpy(op.icv, icv, icv_size);
        op.ok = true;
      } else {
        op.ok = accept_any_icv_ || icv_size == 0 || std::memcmp(op.icv, icv, icv_size) == 0;
      }
    }
  }

 private:
  bool accept_any_icv_;
};

}  // namespace

std::unique_ptr<CryptoBackend> CreateNullCryptoBackend(bool accept_any_icv) {
  return std::make_unique<NullBackend>(accept_any_icv);
}

std::unique_ptr<CryptoRegistry> RegistryWithNullCrypto(bool accept_any_icv) {
  auto r = std::make_unique<CryptoRegistry>();
  (void)crypto::RegistryTestPeer::RegisterWithoutSelfTests(*r,
                                                           CreateNullCryptoBackend(accept_any_icv));
  return r;
}

}  // namespace tunnelisa::testing
