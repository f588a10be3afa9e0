#include "tunnelisa/pki/key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "pki/mint.h"

namespace tunnelisa::pki {
namespace {

using testing::Key;

const std::vector<uint8_t> kData = {'I', 'K', 'E', ' ', 'A', 'U', 'T', 'H'};

TEST(KeyTest, GeneratesEveryTypeAndSizeTheGuideLists) {
  struct Case {
    KeyType type;
    int bits;
    int expect_bits;
    bool weak;
  };
  // RSA 3072 / 4096 and DSA 2048 are slow to generate: one of each is enough here.
  for (const Case& c :
       {Case{KeyType::kRsa, 512, 512, true}, Case{KeyType::kRsa, 1024, 1024, true},
        Case{KeyType::kRsa, 2048, 2048, false}, Case{KeyType::kRsa, 3072, 3072, false},
        Case{KeyType::kDsa, 1024, 1024, true}, Case{KeyType::kDsa, 2048, 2048, false},
        Case{KeyType::kEcdsaP256, 0, 256, false}, Case{KeyType::kEcdsaP384, 0, 384, false},
        Case{KeyType::kEcdsaP521, 0, 521, false}, Case{KeyType::kEd25519, 0, 253, false}}) {
    SCOPED_TRACE(std::string(KeyTypeName(c.type)) + " " + std::to_string(c.bits));
    auto gen = GenerateKey(c.type, c.bits);
    ASSERT_TRUE(gen.ok()) << gen.status();
    EXPECT_EQ(gen->key.type(), c.type);
    if (c.type != KeyType::kEd25519) {
      EXPECT_EQ(gen->key.bits(), c.expect_bits);
    }
    EXPECT_EQ(!gen->warning.empty(), c.weak) << gen->warning;
    if (c.weak) {
      EXPECT_NE(gen->warning.find("weak"), std::string::npos);
    }
  }
}

TEST(KeyTest, Rsa4096Generates) {
  auto gen = GenerateKey(KeyType::kRsa, 4096);
  ASSERT_TRUE(gen.ok()) << gen.status();
  EXPECT_EQ(gen->key.bits(), 4096);
  EXPECT_TRUE(gen->warning.empty());
}

TEST(KeyTest, RefusesOtherSizes) {
  EXPECT_FALSE(GenerateKey(KeyType::kRsa, 1536).ok());
  EXPECT_FALSE(GenerateKey(KeyType::kDsa, 3072).ok());
  EXPECT_FALSE(GenerateKey(KeyType::kRsa, -1).ok());
}

TEST(KeyTest, TypeNamesRoundTrip) {
  for (KeyType t : {KeyType::kRsa, KeyType::kDsa, KeyType::kEcdsaP256, KeyType::kEcdsaP384,
                    KeyType::kEcdsaP521, KeyType::kEd25519}) {
    auto parsed = ParseKeyType(KeyTypeName(t));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_FALSE(ParseKeyType("x25519").ok());
}

struct SignCase {
  KeyType type;
  SignatureOptions options;
  const char* name;
};

class SignTest : public ::testing::TestWithParam<SignCase> {};

TEST_P(SignTest, SignsAndVerifiesAndRejectsTampering) {
  const SignCase& c = GetParam();
  PrivateKey key = Key(c.type);
  auto sig = key.Sign(kData, c.options);
  ASSERT_TRUE(sig.ok()) << sig.status();
  PublicKey pub = key.public_key();
  EXPECT_TRUE(pub.Verify(kData, *sig, c.options).ok());
  std::vector<uint8_t> other = kData;
  other[0] ^= 1;
  EXPECT_FALSE(pub.Verify(other, *sig, c.options).ok());
  std::vector<uint8_t> bad_sig = *sig;
  bad_sig[bad_sig.size() / 2] ^= 0x40;
  EXPECT_FALSE(pub.Verify(kData, bad_sig, c.options).ok());
  // Another key of the same type does not verify it.
  EXPECT_FALSE(Key(c.type, 1).public_key().Verify(kData, *sig, c.options).ok());
}

INSTANTIATE_TEST_SUITE_P(
    AllSchemes, SignTest,
    ::testing::Values(
        SignCase{KeyType::kRsa, {.hash = HashAlgorithm::kSha1}, "RsaPkcs1Sha1"},
        SignCase{KeyType::kRsa, {.hash = HashAlgorithm::kSha256}, "RsaPkcs1Sha256"},
        SignCase{KeyType::kRsa, {.hash = HashAlgorithm::kSha512}, "RsaPkcs1Sha512"},
        SignCase{KeyType::kRsa, {.hash = HashAlgorithm::kSha256, .rsa_pss = true}, "RsaPss256"},
        SignCase{KeyType::kRsa, {.hash = HashAlgorithm::kSha384, .rsa_pss = true}, "RsaPss384"},
        SignCase{KeyType::kEcdsaP256, {.hash = HashAlgorithm::kSha256}, "P256Der"},
        SignCase{KeyType::kEcdsaP256, {.hash = HashAlgorithm::kSha256, .raw_rs = true}, "P256Raw"},
        SignCase{KeyType::kEcdsaP384, {.hash = HashAlgorithm::kSha384, .raw_rs = true}, "P384Raw"},
        SignCase{KeyType::kEcdsaP521, {.hash = HashAlgorithm::kSha512, .raw_rs = true}, "P521Raw"},
        SignCase{KeyType::kEcdsaP521, {.hash = HashAlgorithm::kSha512}, "P521Der"},
        SignCase{KeyType::kEd25519, {.hash = HashAlgorithm::kNone}, "Ed25519"},
        SignCase{KeyType::kDsa, {.hash = HashAlgorithm::kSha1}, "DsaSha1"},
        SignCase{KeyType::kDsa, {.hash = HashAlgorithm::kSha256, .raw_rs = true}, "DsaRaw"},
        SignCase{KeyType::kRsa, {.rsa_pkcs1_raw = true}, "RsaPkcs1Raw"}),
    [](const ::testing::TestParamInfo<SignCase>& p) { return std::string(p.param.name); });

TEST(KeyTest, RawRsHasTheGroupOrderLength) {
  // RFC 4754 section 7: r | s, each as long as the group order (P-521: 66 octets).
  for (auto [type, hash, len] : {std::tuple{KeyType::kEcdsaP256, HashAlgorithm::kSha256, 64},
                                 std::tuple{KeyType::kEcdsaP384, HashAlgorithm::kSha384, 96},
                                 std::tuple{KeyType::kEcdsaP521, HashAlgorithm::kSha512, 132},
                                 std::tuple{KeyType::kDsa, HashAlgorithm::kSha1, 40}}) {
    auto sig = Key(type).Sign(kData, {.hash = hash, .raw_rs = true});
    ASSERT_TRUE(sig.ok()) << sig.status();
    EXPECT_EQ(sig->size(), static_cast<size_t>(len)) << KeyTypeName(type);
  }
}

// IKEv1 (RFC 2409 5.1) signs HASH_I itself: the recovered block is 00 01 FF..FF 00 | data,
// with no DigestInfo, and it is not a hashed PKCS#1 v1.5 signature of the same octets.
TEST(KeyTest, RawPkcs1PadsTheDataWithoutDigestInfo) {
  PrivateKey key = Key(KeyType::kRsa);
  const std::vector<uint8_t> hash(20, 0xAB);  // a SHA-1 sized HASH_I
  auto sig = key.Sign(hash, {.rsa_pkcs1_raw = true});
  ASSERT_TRUE(sig.ok()) << sig.status();
  ASSERT_EQ(sig->size(), static_cast<size_t>(key.bits() / 8));
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.native(), nullptr);
  ASSERT_NE(ctx, nullptr);
  ASSERT_EQ(EVP_PKEY_verify_recover_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
  std::vector<uint8_t> block(sig->size());
  size_t len = block.size();
  ASSERT_EQ(EVP_PKEY_verify_recover(ctx, block.data(), &len, sig->data(), sig->size()), 1);
  EVP_PKEY_CTX_free(ctx);
  ASSERT_EQ(len, block.size());
  EXPECT_EQ(block[0], 0x00);
  EXPECT_EQ(block[1], 0x01);
  const size_t sep = block.size() - hash.size() - 1;
  for (size_t i = 2; i < sep; ++i) ASSERT_EQ(block[i], 0xFF) << i;
  EXPECT_EQ(block[sep], 0x00);
  EXPECT_EQ(std::vector<uint8_t>(block.begin() + sep + 1, block.end()), hash);
  PublicKey pub = key.public_key();
  EXPECT_TRUE(pub.Verify(hash, *sig, {.rsa_pkcs1_raw = true}).ok());
  EXPECT_FALSE(pub.Verify(hash, *sig, {.hash = HashAlgorithm::kSha1}).ok());
  auto hashed = key.Sign(hash, {.hash = HashAlgorithm::kSha1});
  ASSERT_TRUE(hashed.ok());
  EXPECT_FALSE(pub.Verify(hash, *hashed, {.rsa_pkcs1_raw = true}).ok());
  // Too long for the modulus, empty, or a key that is not RSA: refused, not crashed.
  EXPECT_FALSE(key.Sign(std::vector<uint8_t>(block.size() - 10, 1), {.rsa_pkcs1_raw = true}).ok());
  EXPECT_FALSE(key.Sign({}, {.rsa_pkcs1_raw = true}).ok());
  EXPECT_FALSE(Key(KeyType::kEcdsaP256).Sign(hash, {.rsa_pkcs1_raw = true}).ok());
  EXPECT_FALSE(key.Sign(hash, {.rsa_pss = true, .rsa_pkcs1_raw = true}).ok());
}

TEST(KeyTest, PssAndPkcs1AreNotInterchangeable) {
  PrivateKey key = Key(KeyType::kRsa);
  auto pss = key.Sign(kData, {.hash = HashAlgorithm::kSha256, .rsa_pss = true});
  ASSERT_TRUE(pss.ok());
  EXPECT_FALSE(key.public_key().Verify(kData, *pss, {.hash = HashAlgorithm::kSha256}).ok());
  EXPECT_FALSE(
      key.public_key().Verify(kData, *pss, {.hash = HashAlgorithm::kSha384, .rsa_pss = true}).ok());
}

TEST(KeyTest, RefusesOptionsThatDoNotFitTheKey) {
  EXPECT_FALSE(Key(KeyType::kEd25519).Sign(kData, {.hash = HashAlgorithm::kSha256}).ok());
  EXPECT_FALSE(Key(KeyType::kEcdsaP256).Sign(kData, {.hash = HashAlgorithm::kNone}).ok());
  // MD5 exists for IKEv1's IVs only: never a signature hash, for any key.
  for (KeyType t : {KeyType::kRsa, KeyType::kEcdsaP256, KeyType::kEd25519}) {
    EXPECT_FALSE(Key(t).Sign(kData, {.hash = HashAlgorithm::kMd5}).ok()) << KeyTypeName(t);
  }
  EXPECT_FALSE(
      Key(KeyType::kEcdsaP256).Sign(kData, {.hash = HashAlgorithm::kSha256, .rsa_pss = true}).ok());
  EXPECT_FALSE(
      Key(KeyType::kRsa).Sign(kData, {.hash = HashAlgorithm::kSha256, .raw_rs = true}).ok());
  EXPECT_FALSE(PrivateKey().Sign(kData, {}).ok());
  EXPECT_FALSE(PublicKey().Verify(kData, kData, {}).ok());
  // A raw r|s of the wrong length is a bad signature, not a crash.
  EXPECT_FALSE(Key(KeyType::kEcdsaP256)
                   .public_key()
                   .Verify(kData, std::vector<uint8_t>(63, 1),
                           {.hash = HashAlgorithm::kSha256, .raw_rs = true})
                   .ok());
}

TEST(KeyTest, SpkiRoundTripsAndHashes) {
  PublicKey pub = Key(KeyType::kEcdsaP384).public_key();
  std::vector<uint8_t> spki = pub.SpkiDer();
  ASSERT_FALSE(spki.empty());
  auto back = PublicKey::FromSpkiDer(spki);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->Equals(pub));
  EXPECT_EQ(back->SpkiSha1(), pub.SpkiSha1());
  EXPECT_NE(Key(KeyType::kEcdsaP384, 1).public_key().SpkiSha1(), pub.SpkiSha1());
  EXPECT_FALSE(PublicKey::FromSpkiDer(std::vector<uint8_t>(spki.begin(), spki.end() - 3)).ok());
}

}  // namespace
}  // namespace tunnelisa::pki
