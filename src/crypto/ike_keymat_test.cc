// Key derivation checked against an independent construction with OpenSSL's one-shot HMAC()
// (not our Prf / PrfPlus), so seed order, block chaining and key slicing are all tested.
#include "crypto/ike_keymat.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "gtest/gtest.h"

namespace tunnelisa::crypto {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Hmac(const Bytes& key, const Bytes& data) {
  uint8_t out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &len);
  return Bytes(out, out + len);
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes v;
  for (const Bytes& p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}

Bytes ReferencePrfPlus(const Bytes& key, const Bytes& seed, size_t length) {
  Bytes out, t;
  for (uint8_t n = 1; out.size() < length; ++n) {
    t = Hmac(key, Cat({t, seed, Bytes{n}}));
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(length);
  return out;
}

Bytes Pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + 13 * i);
  return b;
}

Bytes B(const SecretBytes& s) { return Bytes(s.data(), s.data() + s.size()); }

TEST(IkeKeymat, IkeSaKeysFollowRfc7296Section2_14) {
  const Bytes ni = Pattern(32, 1), nr = Pattern(32, 2), gir = Pattern(256, 3);
  const Bytes spi_i = Pattern(8, 4), spi_r = Pattern(8, 5);
  // aes128-cbc + hmac-sha256-128: integrity keys 32 bytes, encryption keys 16.
  IkeKeySizes sizes{.integrity = 32, .encryption = 16};
  auto k = DeriveIkeSaKeys(OpenSslIkeCrypto(), PrfAlgorithm::kHmacSha256, sizes, ni, nr, gir, spi_i,
                           spi_r);
  ASSERT_TRUE(k.ok()) << k.status();
  const Bytes skeyseed = Hmac(Cat({ni, nr}), gir);
  const Bytes keymat = ReferencePrfPlus(skeyseed, Cat({ni, nr, spi_i, spi_r}), 32 * 3 + 64 + 32);
  size_t pos = 0;
  auto next = [&](size_t n) {
    Bytes b(keymat.begin() + static_cast<long>(pos), keymat.begin() + static_cast<long>(pos + n));
    pos += n;
    return b;
  };
  EXPECT_EQ(B(k->sk_d), next(32));
  EXPECT_EQ(B(k->sk_ai), next(32));
  EXPECT_EQ(B(k->sk_ar), next(32));
  EXPECT_EQ(B(k->sk_ei), next(16));
  EXPECT_EQ(B(k->sk_er), next(16));
  EXPECT_EQ(B(k->sk_pi), next(32));
  EXPECT_EQ(B(k->sk_pr), next(32));
}

TEST(IkeKeymat, AeadHasNoIntegrityKeys) {
  // aes256gcm16: 32-byte key + 4-byte salt (RFC 5282), no integrity transform.
  auto k = DeriveIkeSaKeys(OpenSslIkeCrypto(), PrfAlgorithm::kHmacSha256,
                           {.integrity = 0, .encryption = 36}, Pattern(16, 1), Pattern(16, 2),
                           Pattern(32, 3), Pattern(8, 4), Pattern(8, 5));
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(k->sk_ai.empty());
  EXPECT_EQ(k->sk_ei.size(), 36u);
  EXPECT_FALSE(k->sk_ei.Equals(k->sk_er));
}

TEST(IkeKeymat, ChildSaKeysWithAndWithoutPfs) {
  const Bytes sk_d = Pattern(32, 9), ni = Pattern(32, 1), nr = Pattern(32, 2);
  for (const Bytes& gir : {Bytes{}, Pattern(64, 7)}) {
    auto k =
        DeriveChildSaKeys(OpenSslIkeCrypto(), PrfAlgorithm::kHmacSha256, sk_d, gir, ni, nr, 20, 32);
    ASSERT_TRUE(k.ok());
    const Bytes keymat = ReferencePrfPlus(sk_d, Cat({gir, ni, nr}), 2 * (20 + 32));
    EXPECT_EQ(B(k->encr_i), Bytes(keymat.begin(), keymat.begin() + 20));
    EXPECT_EQ(B(k->integ_i), Bytes(keymat.begin() + 20, keymat.begin() + 52));
    EXPECT_EQ(B(k->encr_r), Bytes(keymat.begin() + 52, keymat.begin() + 72));
    EXPECT_EQ(B(k->integ_r), Bytes(keymat.begin() + 72, keymat.end()));
  }
}

TEST(IkeKeymat, RekeyedSkeyseed) {
  const Bytes sk_d = Pattern(32, 9), gir = Pattern(32, 3), ni = Pattern(16, 1), nr = Pattern(16, 2);
  auto s = DeriveRekeyedSkeyseed(OpenSslIkeCrypto(), PrfAlgorithm::kHmacSha256, sk_d, gir, ni, nr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(B(*s), Hmac(sk_d, Cat({gir, ni, nr})));
}

TEST(IkeKeymat, BadInputsAreErrors) {
  const Bytes n = Pattern(16, 1), spi = Pattern(8, 2);
  EXPECT_FALSE(DeriveIkeSaKeys(OpenSslIkeCrypto(), PrfAlgorithm::kHmacSha256, {}, {}, n,
                               Pattern(32, 3), spi, spi)
                   .ok());
  EXPECT_FALSE(DeriveIkeSaKeys(OpenSslIkeCrypto(), PrfAlgorithm::kHmacSha256, {}, n, n,
                               Pattern(32, 3), Pattern(4, 1), spi)
                   .ok());
  // More key material than prf+ can make (255 blocks).
  EXPECT_FALSE(DeriveChildSaKeys(OpenSslIkeCrypto(), PrfAlgorithm::kHmacSha1, Pattern(20, 1), {}, n,
                                 n, 3000, 0)
                   .ok());
  EXPECT_FALSE(
      DeriveRekeyedSkeyseed(OpenSslIkeCrypto(), PrfAlgorithm::kHmacSha256, {}, n, n, n).ok());
}

}  // namespace
}  // namespace tunnelisa::crypto
