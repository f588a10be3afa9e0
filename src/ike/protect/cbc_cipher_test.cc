#include "ike/protect/cbc_cipher.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace tunnelisa::ike {
namespace {

std::vector<uint8_t> Hex(const char* hex) {
  std::string bytes = absl::HexStringToBytes(hex);
  return {bytes.begin(), bytes.end()};
}

// RFC 3602 section 4, Case #1: AES-128-CBC, one block.
TEST(CbcCipher, Aes128KnownAnswerRfc3602) {
  auto c =
      CbcCipher::Create(EncryptionAlgorithm::kAes128Cbc, Hex("06a9214036b8a15b512e03d534120006"));
  ASSERT_TRUE(c.ok()) << c.status();
  const std::vector<uint8_t> iv = Hex("3dafba429d9eb430b422da802c9fac41");
  std::vector<uint8_t> data = {'S', 'i', 'n', 'g', 'l', 'e', ' ', 'b',
                               'l', 'o', 'c', 'k', ' ', 'm', 's', 'g'};
  ASSERT_TRUE((*c)->Encrypt(iv, data).ok());
  EXPECT_EQ(data, Hex("e353779c1079aeb82708942dbe77181a"));
  ASSERT_TRUE((*c)->Decrypt(iv, data).ok());
  EXPECT_EQ(std::string(data.begin(), data.end()), "Single block msg");
}

TEST(CbcCipher, RoundTripsEveryCipher) {
  for (EncryptionAlgorithm alg : {EncryptionAlgorithm::kDesCbc, EncryptionAlgorithm::k3DesCbc,
                                  EncryptionAlgorithm::kAes128Cbc, EncryptionAlgorithm::kAes192Cbc,
                                  EncryptionAlgorithm::kAes256Cbc}) {
    const EncryptionInfo& info = GetEncryptionInfo(alg);
    auto c = CbcCipher::Create(alg, std::vector<uint8_t>(info.key_size, 0x42));
    if (alg == EncryptionAlgorithm::kDesCbc && absl::IsUnavailable(c.status())) continue;
    ASSERT_TRUE(c.ok()) << info.name << ": " << c.status();
    EXPECT_EQ((*c)->block_size(), info.block_size);
    const std::vector<uint8_t> iv(info.block_size, 7);
    std::vector<uint8_t> plain(3 * info.block_size);
    for (size_t i = 0; i < plain.size(); ++i) plain[i] = static_cast<uint8_t>(i);
    std::vector<uint8_t> data = plain;
    ASSERT_TRUE((*c)->Encrypt(iv, data).ok());
    EXPECT_NE(data, plain);
    ASSERT_TRUE((*c)->Decrypt(iv, data).ok());
    EXPECT_EQ(data, plain) << info.name;
  }
}

TEST(CbcCipher, RefusesWrongSizesAndNonCbcAlgorithms) {
  EXPECT_FALSE(CbcCipher::Create(EncryptionAlgorithm::kAes128Gcm16, std::vector<uint8_t>(16)).ok());
  EXPECT_FALSE(CbcCipher::Create(EncryptionAlgorithm::kNull, {}).ok());
  EXPECT_FALSE(CbcCipher::Create(EncryptionAlgorithm::kAes256Cbc, std::vector<uint8_t>(16)).ok());
  auto c = CbcCipher::Create(EncryptionAlgorithm::kAes128Cbc, std::vector<uint8_t>(16));
  ASSERT_TRUE(c.ok());
  std::vector<uint8_t> unaligned(17);
  EXPECT_FALSE((*c)->Encrypt(std::vector<uint8_t>(16), unaligned).ok());
  EXPECT_FALSE((*c)->Decrypt(std::vector<uint8_t>(16), unaligned).ok());
  std::vector<uint8_t> block(16);
  EXPECT_FALSE((*c)->Encrypt(std::vector<uint8_t>(8), block).ok());
}

}  // namespace
}  // namespace tunnelisa::ike
