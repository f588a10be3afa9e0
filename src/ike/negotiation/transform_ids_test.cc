// Algorithm <-> transform mappings both ways, names, and policy validation.
#include "ike/negotiation/transform_ids.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/negotiation/algorithm_info.h"
#include "ike/negotiation/policy.h"

namespace tunnelisa::ike {
namespace {

using ::testing::HasSubstr;

struct EncrCase {
  EncryptionAlgorithm alg;
  uint16_t id;
  std::optional<uint16_t> key_bits;
  const char* name;
};

// Every encryption algorithm of algorithms.h (the table size is static_asserted in
// algorithm_info.h) with its IANA ID and Key Length.
const EncrCase kEncrCases[] = {
    {EncryptionAlgorithm::kNull, 11, std::nullopt, "NULL"},
    {EncryptionAlgorithm::kDesCbc, 2, std::nullopt, "DES"},
    {EncryptionAlgorithm::k3DesCbc, 3, std::nullopt, "3DES"},
    {EncryptionAlgorithm::kAes128Cbc, 12, 128, "AES_CBC_128"},
    {EncryptionAlgorithm::kAes192Cbc, 12, 192, "AES_CBC_192"},
    {EncryptionAlgorithm::kAes256Cbc, 12, 256, "AES_CBC_256"},
    {EncryptionAlgorithm::kAes128Gcm8, 18, 128, "AES_GCM_8_128"},
    {EncryptionAlgorithm::kAes128Gcm12, 19, 128, "AES_GCM_12_128"},
    {EncryptionAlgorithm::kAes128Gcm16, 20, 128, "AES_GCM_16_128"},
    {EncryptionAlgorithm::kAes192Gcm8, 18, 192, "AES_GCM_8_192"},
    {EncryptionAlgorithm::kAes192Gcm12, 19, 192, "AES_GCM_12_192"},
    {EncryptionAlgorithm::kAes192Gcm16, 20, 192, "AES_GCM_16_192"},
    {EncryptionAlgorithm::kAes256Gcm8, 18, 256, "AES_GCM_8_256"},
    {EncryptionAlgorithm::kAes256Gcm12, 19, 256, "AES_GCM_12_256"},
    {EncryptionAlgorithm::kAes256Gcm16, 20, 256, "AES_GCM_16_256"},
    {EncryptionAlgorithm::kChaCha20Poly1305, 28, std::nullopt, "CHACHA20_POLY1305"},
};

TEST(TransformIdsTest, EveryEncryptionAlgorithmBothWays) {
  ASSERT_EQ(std::size(kEncrCases), std::size(internal::kEncInfo));
  for (const EncrCase& c : kEncrCases) {
    SCOPED_TRACE(c.name);
    std::optional<Transform> esp = EncrTransformFor(c.alg, ProtocolId::kEsp);
    ASSERT_TRUE(esp.has_value());
    EXPECT_EQ(esp->type, TransformType::kEncr);
    EXPECT_EQ(esp->id, c.id);
    EXPECT_EQ(esp->key_length, c.key_bits);
    EXPECT_EQ(EncryptionFromTransform(*esp, ProtocolId::kEsp), c.alg);
    EXPECT_EQ(TransformName(*esp), c.name);
    std::optional<Transform> ike = EncrTransformFor(c.alg, ProtocolId::kIke);
    if (c.alg == EncryptionAlgorithm::kNull) {
      EXPECT_FALSE(ike.has_value());  // ENCR_NULL is ESP-only
      EXPECT_EQ(EncryptionFromTransform(*esp, ProtocolId::kIke), std::nullopt);
    } else {
      ASSERT_TRUE(ike.has_value());
      EXPECT_EQ(*ike, *esp);
      EXPECT_EQ(EncryptionFromTransform(*ike, ProtocolId::kIke), c.alg);
    }
  }
}

TEST(TransformIdsTest, KeyLengthRulesOnTheWayBack) {
  // AES without Key Length, with a length AES does not have, fixed-key ciphers with one, and
  // any other attribute: none names an algorithm.
  const Transform cases[] = {
      {.type = TransformType::kEncr, .id = 12},
      {.type = TransformType::kEncr, .id = 12, .key_length = 64},
      {.type = TransformType::kEncr, .id = 20, .key_length = 512},
      {.type = TransformType::kEncr, .id = 28, .key_length = 256},
      {.type = TransformType::kEncr, .id = 3, .key_length = 192},
      {.type = TransformType::kEncr,
       .id = 12,
       .key_length = 128,
       .other_attributes = {{.type = 99, .tv = true, .value = {0, 1}}}},
      {.type = TransformType::kEncr, .id = 13, .key_length = 128},  // AES-CTR: not ours
      {.type = TransformType::kPrf, .id = 12, .key_length = 128},   // not ENCR at all
  };
  for (const Transform& t : cases) {
    SCOPED_TRACE(TransformName(t));
    EXPECT_EQ(EncryptionFromTransform(t, ProtocolId::kEsp), std::nullopt);
  }
}

struct HashCase {
  IntegrityAlgorithm alg;
  std::optional<uint16_t> prf;
  uint16_t integ;
  const char* prf_name;
  const char* integ_name;
};

const HashCase kHashCases[] = {
    {IntegrityAlgorithm::kNone, std::nullopt, 0, nullptr, "NONE"},
    {IntegrityAlgorithm::kHmacMd5_96, 1, 1, "PRF_HMAC_MD5", "HMAC_MD5_96"},
    {IntegrityAlgorithm::kHmacSha1_96, 2, 2, "PRF_HMAC_SHA1", "HMAC_SHA1_96"},
    {IntegrityAlgorithm::kHmacSha256_128, 5, 12, "PRF_HMAC_SHA2_256", "HMAC_SHA2_256_128"},
    {IntegrityAlgorithm::kHmacSha384_192, 6, 13, "PRF_HMAC_SHA2_384", "HMAC_SHA2_384_192"},
    {IntegrityAlgorithm::kHmacSha512_256, 7, 14, "PRF_HMAC_SHA2_512", "HMAC_SHA2_512_256"},
};

TEST(TransformIdsTest, EveryHashAsPrfAndIntegrityBothWays) {
  ASSERT_EQ(std::size(kHashCases), std::size(internal::kIntegInfo));
  for (const HashCase& c : kHashCases) {
    SCOPED_TRACE(c.integ_name);
    EXPECT_EQ(PrfIdFor(c.alg), c.prf);
    if (c.prf.has_value()) {
      EXPECT_EQ(PrfFromId(*c.prf), c.alg);
      EXPECT_EQ(TransformName({.type = TransformType::kPrf, .id = *c.prf}), c.prf_name);
    }
    EXPECT_EQ(IntegIdFor(c.alg), c.integ);
    EXPECT_EQ(IntegFromId(c.integ), c.alg);
    EXPECT_EQ(TransformName({.type = TransformType::kInteg, .id = c.integ}), c.integ_name);
  }
  EXPECT_EQ(PrfFromId(0), std::nullopt);
  EXPECT_EQ(PrfFromId(4), std::nullopt);  // AES128-XCBC: named, not implemented
  EXPECT_EQ(TransformName({.type = TransformType::kPrf, .id = 4}), "PRF_AES128_XCBC");
  EXPECT_EQ(IntegFromId(5), std::nullopt);
  EXPECT_EQ(IntegFromId(999), std::nullopt);
}

TEST(TransformIdsTest, EveryDhGroupBothWays) {
  const struct {
    DhGroup group;
    uint16_t id;
    const char* config;
    const char* wire;
  } cases[] = {
      {DhGroup::kModp768, 1, "modp768", "MODP_768"},
      {DhGroup::kModp1024, 2, "modp1024", "MODP_1024"},
      {DhGroup::kModp1536, 5, "modp1536", "MODP_1536"},
      {DhGroup::kModp2048, 14, "modp2048", "MODP_2048"},
      {DhGroup::kModp3072, 15, "modp3072", "MODP_3072"},
      {DhGroup::kEcp256, 19, "ecp256", "ECP_256"},
      {DhGroup::kEcp384, 20, "ecp384", "ECP_384"},
      {DhGroup::kEcp521, 21, "ecp521", "ECP_521"},
      {DhGroup::kCurve25519, 31, "curve25519", "CURVE_25519"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.config);
    EXPECT_EQ(DhGroupFromId(c.id), c.group);
    EXPECT_EQ(static_cast<uint16_t>(c.group), c.id);
    EXPECT_EQ(DhGroupName(c.group), c.config);
    EXPECT_EQ(TransformName({.type = TransformType::kDh, .id = c.id}), c.wire);
  }
  EXPECT_EQ(DhGroupFromId(0), std::nullopt);
  EXPECT_EQ(DhGroupFromId(16), std::nullopt);
  EXPECT_EQ(DhGroupName(static_cast<DhGroup>(77)), "group77");
  EXPECT_EQ(TransformName({.type = TransformType::kDh, .id = 0}), "DH_NONE");
  EXPECT_EQ(TransformName({.type = TransformType::kDh, .id = 16}), "MODP_4096");
  EXPECT_EQ(TransformName({.type = TransformType::kDh, .id = 300}), "DH_300");
}

TEST(TransformIdsTest, NamesForUnknownsAndProposalStrings) {
  EXPECT_EQ(TransformName({.type = TransformType::kEncr, .id = 99}), "ENCR_99");
  EXPECT_EQ(TransformName({.type = TransformType::kEncr, .id = 14, .key_length = 128}),
            "AES_CCM_8_128");
  EXPECT_EQ(TransformName({.type = static_cast<TransformType>(9), .id = 1}), "TYPE9_1");
  EXPECT_EQ(TransformName({.type = TransformType::kEsn, .id = 0}), "NO_ESN");
  EXPECT_EQ(TransformName({.type = TransformType::kEsn, .id = 1}), "ESN");
  EXPECT_EQ(TransformName({.type = TransformType::kEsn, .id = 7}), "ESN_7");
  EXPECT_EQ(TransformName({.type = TransformType::kPrf,
                           .id = 5,
                           .other_attributes = {{.type = 99, .tv = true, .value = {0, 1}}}}),
            "PRF_HMAC_SHA2_256+attr99");
  const Proposal p{.protocol = ProtocolId::kIke,
                   .transforms = {{.type = TransformType::kDh, .id = 2},
                                  {.type = TransformType::kPrf, .id = 2},
                                  {.type = TransformType::kEncr, .id = 12, .key_length = 128},
                                  {.type = static_cast<TransformType>(9), .id = 4},
                                  {.type = TransformType::kInteg, .id = 2}}};
  EXPECT_EQ(ProposalString(p), "AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024/TYPE9_4");
  const Proposal ah{.protocol = ProtocolId::kAh,
                    .transforms = {{.type = TransformType::kInteg, .id = 12}}};
  EXPECT_EQ(ProposalString(ah), "AH:HMAC_SHA2_256_128");
  EXPECT_EQ(SaPayloadString({.proposals = {p, ah}}),
            "AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024/TYPE9_4 | AH:HMAC_SHA2_256_128");
  EXPECT_EQ(ProposalString({}), "(no transforms)");
}

TEST(PolicyTest, ValidateIkePolicy) {
  EXPECT_TRUE(ValidateIkePolicy({}).ok());
  EXPECT_TRUE(ValidateIkePolicy({.encryption = EncryptionAlgorithm::kAes256Gcm16,
                                 .integrity = IntegrityAlgorithm::kHmacSha384_192,
                                 .dh_group = DhGroup::kEcp384})
                  .ok());
  EXPECT_THAT(ValidateIkePolicy({.encryption = EncryptionAlgorithm::kNull}).message(),
              HasSubstr("ENCR_NULL"));
  EXPECT_THAT(ValidateIkePolicy({.integrity = IntegrityAlgorithm::kNone}).message(),
              HasSubstr("PRF"));
  EXPECT_THAT(ValidateIkePolicy({.dh_group = static_cast<DhGroup>(16)}).message(),
              HasSubstr("unknown D-H group 16"));
  EXPECT_THAT(ValidateIkePolicy({.encryption = static_cast<EncryptionAlgorithm>(200)}).message(),
              HasSubstr("unknown encryption"));
}

TEST(PolicyTest, ValidateChildPolicies) {
  const ChildTransformPolicy gcm{.suite = {.enc = EncryptionAlgorithm::kAes128Gcm16}};
  const ChildTransformPolicy cbc{
      .suite = {.enc = EncryptionAlgorithm::kAes256Cbc, .integ = IntegrityAlgorithm::kHmacSha1_96},
      .pfs_group = DhGroup::kModp2048};
  const ChildTransformPolicy null_enc{
      .suite = {.enc = EncryptionAlgorithm::kNull, .integ = IntegrityAlgorithm::kHmacSha1_96}};
  EXPECT_TRUE(ValidateChildPolicies(std::vector{gcm, cbc, null_enc}).ok());
  EXPECT_THAT(ValidateChildPolicies({}).message(), HasSubstr("between 1 and 4"));
  EXPECT_FALSE(ValidateChildPolicies(std::vector{gcm, gcm, gcm, gcm, gcm}).ok());
  ChildTransformPolicy bad = gcm;
  bad.suite.integ = IntegrityAlgorithm::kHmacSha1_96;
  EXPECT_THAT(ValidateChildPolicies(std::vector{cbc, bad}).message(),
              HasSubstr("ipsec-transform 2: aes128gcm16 is a combined-mode cipher"));
  bad = cbc;
  bad.suite.integ = IntegrityAlgorithm::kNone;
  EXPECT_THAT(ValidateChildPolicies(std::vector{bad}).message(),
              HasSubstr("aes256 needs an esp-auth-algorithm"));
  bad = cbc;
  bad.pfs_group = static_cast<DhGroup>(3);
  EXPECT_THAT(ValidateChildPolicies(std::vector{bad}).message(), HasSubstr("pfs-dh-group"));
}

}  // namespace
}  // namespace tunnelisa::ike
