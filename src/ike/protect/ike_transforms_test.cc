#include "ike/protect/ike_transforms.h"

#include "gtest/gtest.h"
#include "ike/protect/protect_test_util.h"

namespace tunnelisa::ike {
namespace {

TEST(SkSizesFor, CbcSuites) {
  struct Case {
    SkSuite suite;
    SkSizes sizes;
  } cases[] = {
      {{IkeEncrId::kDesCbc, 0, IkeIntegId::kHmacMd5_96},
       {.encr_key = 8, .iv = 8, .block = 8, .icv = 12, .integ_key = 16}},
      {{IkeEncrId::k3DesCbc, 0, IkeIntegId::kHmacSha1_96},
       {.encr_key = 24, .iv = 8, .block = 8, .icv = 12, .integ_key = 20}},
      {{IkeEncrId::kAesCbc, 128, IkeIntegId::kHmacSha256_128},
       {.encr_key = 16, .iv = 16, .block = 16, .icv = 16, .integ_key = 32}},
      {{IkeEncrId::kAesCbc, 192, IkeIntegId::kHmacSha384_192},
       {.encr_key = 24, .iv = 16, .block = 16, .icv = 24, .integ_key = 48}},
      {{IkeEncrId::kAesCbc, 256, IkeIntegId::kHmacSha512_256},
       {.encr_key = 32, .iv = 16, .block = 16, .icv = 32, .integ_key = 64}},
  };
  for (const Case& c : cases) {
    absl::StatusOr<SkSizes> s = SkSizesFor(c.suite);
    ASSERT_TRUE(s.ok()) << SkSuiteName(c.suite) << ": " << s.status();
    EXPECT_EQ(*s, c.sizes) << SkSuiteName(c.suite);
  }
}

TEST(SkSizesFor, AeadSuites) {
  for (uint16_t bits : {128, 192, 256}) {
    for (auto [id, tag] : {std::pair{IkeEncrId::kAesGcm8, 8}, std::pair{IkeEncrId::kAesGcm12, 12},
                           std::pair{IkeEncrId::kAesGcm16, 16}}) {
      absl::StatusOr<SkSizes> s = SkSizesFor({id, bits, IkeIntegId::kNone});
      ASSERT_TRUE(s.ok()) << s.status();
      EXPECT_EQ(*s, (SkSizes{.encr_key = bits / 8u + 4,
                             .salt = 4,
                             .iv = 8,
                             .block = 1,
                             .icv = static_cast<size_t>(tag),
                             .aead = true}));
    }
  }
  absl::StatusOr<SkSizes> c = SkSizesFor({IkeEncrId::kChaCha20Poly1305, 0, IkeIntegId::kNone});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c, (SkSizes{.encr_key = 36, .salt = 4, .iv = 8, .block = 1, .icv = 16, .aead = true}));
}

TEST(SkSizesFor, Rejects) {
  const SkSuite bad[] = {
      {static_cast<IkeEncrId>(99), 0, IkeIntegId::kHmacSha1_96},    // unknown encr
      {IkeEncrId::kAesCbc, 128, static_cast<IkeIntegId>(99)},       // unknown integ
      {IkeEncrId::kAesGcm16, 128, IkeIntegId::kHmacSha256_128},     // AEAD + integ
      {IkeEncrId::kChaCha20Poly1305, 0, IkeIntegId::kHmacSha1_96},  // AEAD + integ
      {IkeEncrId::kAesCbc, 128, IkeIntegId::kNone},                 // no integ
      {IkeEncrId::k3DesCbc, 0, IkeIntegId::kNone},                  // no integ
      {IkeEncrId::kAesCbc, 0, IkeIntegId::kHmacSha1_96},            // AES without length
      {IkeEncrId::kAesGcm8, 64, IkeIntegId::kNone},                 // bad AES length
      {IkeEncrId::k3DesCbc, 192, IkeIntegId::kHmacSha1_96},         // fixed-size + length
      {IkeEncrId::kChaCha20Poly1305, 256, IkeIntegId::kNone},       // fixed-size + length
  };
  for (const SkSuite& s : bad) {
    absl::StatusOr<SkSizes> r = SkSizesFor(s);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << SkSuiteName(s);
  }
}

TEST(SkSuiteFromConfig, MapsEveryConfigAlgorithm) {
  for (const EncryptionInfo& e : AllEncryptionAlgorithms()) {
    for (const IntegrityInfo& i : AllIntegrityAlgorithms()) {
      std::optional<SkSuite> s = SkSuiteFromConfig(e.id, i.id);
      if (e.id == EncryptionAlgorithm::kNull || (!e.aead && i.id == IntegrityAlgorithm::kNone)) {
        EXPECT_FALSE(s.has_value()) << e.name << "/" << i.name;
        continue;
      }
      ASSERT_TRUE(s.has_value()) << e.name << "/" << i.name;
      absl::StatusOr<SkSizes> sizes = SkSizesFor(*s);
      ASSERT_TRUE(sizes.ok()) << sizes.status();
      // The tables agree with algorithms.h.
      EXPECT_EQ(sizes->encr_key, e.keymat_size()) << e.name;
      EXPECT_EQ(sizes->aead, e.aead) << e.name;
      EXPECT_EQ(EncryptionAlgorithmFor(*s), e.id) << e.name;
      if (e.aead) {
        EXPECT_EQ(s->integ, IkeIntegId::kNone) << "AEAD ignores integrity";
        EXPECT_EQ(sizes->icv, e.icv_size) << e.name;
      } else {
        EXPECT_EQ(sizes->icv, i.icv_size) << i.name;
        EXPECT_EQ(sizes->integ_key, i.key_size) << i.name;
        EXPECT_EQ(IntegrityAlgorithmFor(s->integ), i.id);
      }
    }
  }
}

TEST(SkSuiteName, UsesAlgorithmNames) {
  EXPECT_EQ(SkSuiteName({IkeEncrId::kAesGcm16, 256, IkeIntegId::kNone}), "aes256gcm16");
  EXPECT_EQ(SkSuiteName({IkeEncrId::kAesCbc, 128, IkeIntegId::kHmacSha256_128}), "aes128-sha256");
  EXPECT_EQ(SkSuiteName({IkeEncrId::k3DesCbc, 0, IkeIntegId::kHmacSha1_96}), "3des-sha1");
  EXPECT_EQ(SkSuiteName({IkeEncrId::kChaCha20Poly1305, 0, IkeIntegId::kNone}), "chacha20poly1305");
  EXPECT_EQ(SkSuiteName({static_cast<IkeEncrId>(99), 128, IkeIntegId::kNone}), "encr99/128-integ0");
}

TEST(SkSuites, TestListCoversEveryValidCombination) {
  EXPECT_EQ(testing::AllSuites().size(), 5u * 5u + 9u + 1u);
  for (const SkSuite& s : testing::AllSuites()) {
    EXPECT_TRUE(SkSizesFor(s).ok()) << SkSuiteName(s);
  }
}

TEST(SkSizesFor, EncrNullIsEspOnly) {
  // ENCR_NULL shares the transform list with ESP (codec/constants.h) but never protects IKE.
  EXPECT_EQ(SkSizesFor({IkeEncrId::kNull, 0, IkeIntegId::kHmacSha256_128}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(EncryptionAlgorithmFor({IkeEncrId::kNull, 0, IkeIntegId::kNone}).has_value());
}

}  // namespace
}  // namespace tunnelisa::ike
