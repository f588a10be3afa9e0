// Signature AUTH methods: the scheme chosen for each key with and without the peer's
// SIGNATURE_HASH_ALGORITHMS, round trips through the AUTH payload, and refused encodings.
#include "ike/auth/signature_methods.h"

#include <gtest/gtest.h>

#include "pki/mint.h"

namespace tunnelisa::ike {
namespace {

using pki::KeyType;
using pki::testing::Key;

const std::vector<uint8_t> kData(200, 0x5a);
const std::vector<uint16_t> kAllHashes = {2, 3, 4, 5};

// RoundTrip: sign with the chosen scheme, encode, decode as the peer would, verify.
void RoundTrip(const pki::PrivateKey& key, std::span<const uint16_t> peer, AuthMethod want,
               bool rsa_pss = false) {
  absl::StatusOr<SignatureScheme> s = ChooseSignatureScheme(key, peer, rsa_pss);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->method, want);
  absl::StatusOr<std::vector<uint8_t>> sig = key.Sign(kData, s->options);
  ASSERT_TRUE(sig.ok()) << sig.status();
  absl::StatusOr<std::vector<uint8_t>> data = EncodeAuthData(key.type(), *s, *sig);
  ASSERT_TRUE(data.ok()) << data.status();
  AuthPayload auth{s->method, *data};
  absl::StatusOr<DecodedAuth> d = DecodeAuth(auth, key.type());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->options.hash, s->options.hash);
  EXPECT_EQ(d->options.rsa_pss, s->options.rsa_pss);
  EXPECT_TRUE(key.public_key().Verify(kData, d->signature, d->options).ok()) << d->description;
  std::vector<uint8_t> other = kData;
  other[0] ^= 1;
  EXPECT_FALSE(key.public_key().Verify(other, d->signature, d->options).ok());
}

TEST(SignatureMethods, WithoutTheNotifyTheOlderMethods) {
  RoundTrip(Key(KeyType::kRsa), {}, AuthMethod::kRsaSignature);
  RoundTrip(Key(KeyType::kEcdsaP256), {}, AuthMethod::kEcdsaSha256P256);
  RoundTrip(Key(KeyType::kEcdsaP384), {}, AuthMethod::kEcdsaSha384P384);
  RoundTrip(Key(KeyType::kEcdsaP521), {}, AuthMethod::kEcdsaSha512P521);
}

TEST(SignatureMethods, WithTheNotifyDigitalSignature) {
  RoundTrip(Key(KeyType::kRsa), kAllHashes, AuthMethod::kDigitalSignature);
  RoundTrip(Key(KeyType::kRsa), kAllHashes, AuthMethod::kDigitalSignature, /*rsa_pss=*/true);
  RoundTrip(Key(KeyType::kEcdsaP256), kAllHashes, AuthMethod::kDigitalSignature);
  RoundTrip(Key(KeyType::kEcdsaP384), kAllHashes, AuthMethod::kDigitalSignature);
  RoundTrip(Key(KeyType::kEcdsaP521), kAllHashes, AuthMethod::kDigitalSignature);
  RoundTrip(Key(KeyType::kEd25519), kAllHashes, AuthMethod::kDigitalSignature);
}

TEST(SignatureMethods, HashFollowsThePeerAndTheCurve) {
  const std::vector<uint16_t> only384 = {3};
  absl::StatusOr<SignatureScheme> rsa = ChooseSignatureScheme(Key(KeyType::kRsa), only384);
  ASSERT_TRUE(rsa.ok());
  EXPECT_EQ(rsa->options.hash, pki::HashAlgorithm::kSha384);
  absl::StatusOr<SignatureScheme> p384 =
      ChooseSignatureScheme(Key(KeyType::kEcdsaP384), kAllHashes);
  ASSERT_TRUE(p384.ok());
  EXPECT_EQ(p384->options.hash, pki::HashAlgorithm::kSha384);
  EXPECT_FALSE(p384->options.raw_rs);  // method 14 carries the DER Ecdsa-Sig-Value
  // Only SHA-1 announced: nothing in common for method 14, back to method 1.
  const std::vector<uint16_t> sha1 = {1};
  absl::StatusOr<SignatureScheme> old = ChooseSignatureScheme(Key(KeyType::kRsa), sha1);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->method, AuthMethod::kRsaSignature);
}

TEST(SignatureMethods, Ed25519AndPssNeedTheNotify) {
  EXPECT_EQ(ChooseSignatureScheme(Key(KeyType::kEd25519), {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const std::vector<uint16_t> no_identity = {2};
  EXPECT_EQ(ChooseSignatureScheme(Key(KeyType::kEd25519), no_identity).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ChooseSignatureScheme(pki::PrivateKey(), kAllHashes).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(SignatureMethods, MethodMustFitTheKey) {
  AuthPayload ecdsa384{AuthMethod::kEcdsaSha384P384, std::vector<uint8_t>(96, 1)};
  EXPECT_FALSE(DecodeAuth(ecdsa384, KeyType::kEcdsaP256).ok());
  EXPECT_TRUE(DecodeAuth(ecdsa384, KeyType::kEcdsaP384).ok());
  AuthPayload rsa{AuthMethod::kRsaSignature, std::vector<uint8_t>(256, 1)};
  EXPECT_FALSE(DecodeAuth(rsa, KeyType::kEcdsaP256).ok());
  AuthPayload psk{AuthMethod::kSharedKeyMic, std::vector<uint8_t>(32, 1)};
  absl::StatusOr<DecodedAuth> d = DecodeAuth(psk, KeyType::kRsa);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("pre-shared key"), std::string_view::npos);
  // Method 14 with an RSA AlgorithmIdentifier for an ECDSA certificate.
  absl::StatusOr<SignatureScheme> s = ChooseSignatureScheme(Key(KeyType::kRsa), kAllHashes);
  ASSERT_TRUE(s.ok());
  absl::StatusOr<std::vector<uint8_t>> data = EncodeAuthData(KeyType::kRsa, *s, kData);
  ASSERT_TRUE(data.ok());
  EXPECT_FALSE(DecodeAuth({AuthMethod::kDigitalSignature, *data}, KeyType::kEcdsaP256).ok());
  EXPECT_TRUE(DecodeAuth({AuthMethod::kDigitalSignature, *data}, KeyType::kRsa).ok());
}

TEST(SignatureMethods, MalformedDigitalSignatureRefused) {
  absl::StatusOr<SignatureScheme> s = ChooseSignatureScheme(Key(KeyType::kEcdsaP256), kAllHashes);
  ASSERT_TRUE(s.ok());
  absl::StatusOr<std::vector<uint8_t>> good = EncodeAuthData(KeyType::kEcdsaP256, *s, kData);
  ASSERT_TRUE(good.ok());
  const size_t alg_len = (*good)[0];
  auto decode = [](std::vector<uint8_t> data) {
    return DecodeAuth({AuthMethod::kDigitalSignature, std::move(data)}, KeyType::kEcdsaP256);
  };
  EXPECT_TRUE(decode(*good).ok());
  EXPECT_FALSE(decode({}).ok());
  // Length octet beyond the data, length cutting the AlgorithmIdentifier, no signature value.
  std::vector<uint8_t> v = *good;
  v[0] = 0xff;
  EXPECT_FALSE(decode(v).ok());
  v = *good;
  v[0] = static_cast<uint8_t>(alg_len - 1);
  EXPECT_FALSE(decode(v).ok());
  v.assign(good->begin(), good->begin() + 1 + alg_len);
  EXPECT_FALSE(decode(v).ok());
  // An OID nobody signs with (flip a byte inside the OID).
  v = *good;
  v[6] ^= 0x40;
  EXPECT_FALSE(decode(v).ok());
  // Every truncation and every single-byte corruption: an answer, never a crash.
  for (size_t n = 0; n < good->size(); ++n) {
    (void)decode(std::vector<uint8_t>(good->begin(), good->begin() + n));
    v = *good;
    v[n] ^= 0xff;
    (void)decode(v);
  }
}

TEST(SignatureMethods, NotifyData) {
  const std::vector<uint8_t> ours = AnnouncedSignatureHashes();
  absl::StatusOr<std::vector<uint16_t>> parsed = ParseSignatureHashes(ours);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, (std::vector<uint16_t>{2, 3, 4, 5}));
  const std::vector<uint8_t> odd = {0, 2, 0};
  EXPECT_FALSE(ParseSignatureHashes(odd).ok());
}

}  // namespace
}  // namespace tunnelisa::ike
