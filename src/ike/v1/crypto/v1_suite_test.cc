#include "ike/v1/crypto/v1_suite.h"

#include "gtest/gtest.h"

namespace tunnelisa::ike::v1 {
namespace {

TEST(V1SuiteTest, Phase1CiphersBothWays) {
  EXPECT_EQ(Phase1Cipher({.id = 7, .key_bits = 256}), EncryptionAlgorithm::kAes256Cbc);
  EXPECT_EQ(Phase1Cipher({.id = 7, .key_bits = 128}), EncryptionAlgorithm::kAes128Cbc);
  EXPECT_EQ(Phase1Cipher({.id = 5}), EncryptionAlgorithm::k3DesCbc);
  EXPECT_EQ(Phase1Cipher({.id = 5, .key_bits = 192}), EncryptionAlgorithm::k3DesCbc);
  EXPECT_EQ(Phase1Cipher({.id = 1}), EncryptionAlgorithm::kDesCbc);
  EXPECT_EQ(Phase1Cipher({.id = 7}), std::nullopt);  // AES needs Key Length
  EXPECT_EQ(Phase1Cipher({.id = 7, .key_bits = 512}), std::nullopt);
  EXPECT_EQ(Phase1Cipher({.id = 5, .key_bits = 128}), std::nullopt);  // 3DES is 192 bits
  EXPECT_EQ(Phase1Cipher({.id = 3}), std::nullopt);                   // Blowfish
  for (EncryptionAlgorithm a : {EncryptionAlgorithm::kDesCbc, EncryptionAlgorithm::k3DesCbc,
                                EncryptionAlgorithm::kAes128Cbc, EncryptionAlgorithm::kAes192Cbc,
                                EncryptionAlgorithm::kAes256Cbc}) {
    std::optional<V1CipherAttributes> attrs = Phase1CipherAttributes(a);
    ASSERT_TRUE(attrs.has_value());
    EXPECT_EQ(Phase1Cipher(*attrs), a);
  }
  EXPECT_EQ(Phase1CipherAttributes(EncryptionAlgorithm::kAes128Gcm16), std::nullopt);
}

TEST(V1SuiteTest, HashesAndPrfs) {
  for (PrfAlgorithm prf :
       {PrfAlgorithm::kHmacMd5, PrfAlgorithm::kHmacSha1, PrfAlgorithm::kHmacSha256,
        PrfAlgorithm::kHmacSha384, PrfAlgorithm::kHmacSha512}) {
    EXPECT_EQ(PrfForV1Hash(*V1HashFor(prf)), prf);
    EXPECT_NE(HashForPrf(prf), pki::HashAlgorithm::kNone);
  }
  EXPECT_EQ(PrfForV1Hash(1), PrfAlgorithm::kHmacMd5);
  EXPECT_EQ(PrfForV1Hash(4), PrfAlgorithm::kHmacSha256);
  EXPECT_EQ(PrfForV1Hash(3), std::nullopt);  // Tiger
  EXPECT_EQ(HashForPrf(PrfAlgorithm::kHmacMd5), pki::HashAlgorithm::kMd5);
}

TEST(V1SuiteTest, EspTransformsAndIntegrity) {
  EXPECT_EQ(EspCipher({.id = 12, .key_bits = 128}), EncryptionAlgorithm::kAes128Cbc);
  EXPECT_EQ(EspCipher({.id = 20, .key_bits = 256}), EncryptionAlgorithm::kAes256Gcm16);
  EXPECT_EQ(EspCipher({.id = 18, .key_bits = 192}), EncryptionAlgorithm::kAes192Gcm8);
  EXPECT_EQ(EspCipher({.id = 3}), EncryptionAlgorithm::k3DesCbc);
  EXPECT_EQ(EspCipher({.id = 12}), std::nullopt);
  EXPECT_EQ(EspCipher({.id = 11, .key_bits = 128}), std::nullopt);
  for (size_t i = 0; i < AllEncryptionAlgorithms().size(); ++i) {
    const EncryptionAlgorithm a = AllEncryptionAlgorithms()[i].id;
    std::optional<V1CipherAttributes> attrs = EspCipherAttributes(a);
    if (a == EncryptionAlgorithm::kChaCha20Poly1305) {
      EXPECT_FALSE(attrs.has_value());
      continue;
    }
    ASSERT_TRUE(attrs.has_value()) << AllEncryptionAlgorithms()[i].name;
    EXPECT_EQ(EspCipher(*attrs), a) << AllEncryptionAlgorithms()[i].name;
  }
  for (size_t i = 0; i < AllIntegrityAlgorithms().size(); ++i) {
    const IntegrityAlgorithm a = AllIntegrityAlgorithms()[i].id;
    std::optional<uint16_t> id = V1AuthAlgorithmFor(a);
    if (a == IntegrityAlgorithm::kNone) {
      EXPECT_FALSE(id.has_value());
      continue;
    }
    ASSERT_TRUE(id.has_value());
    EXPECT_EQ(EspIntegrity(*id), a);
  }
  EXPECT_EQ(EspIntegrity(3), std::nullopt);  // DES-MAC
}

}  // namespace
}  // namespace tunnelisa::ike::v1
