// PskAuthenticator: the AUTH value against an independent computation (OpenSSL's HMAC over the
// RFC 7296 2.15 octets), and every way a peer's AUTH payload is refused.
#include "ike/auth/psk_authenticator.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tunnelisa::ike {
namespace {

std::shared_ptr<const SecretBytes> Secret(std::string_view s) {
  return std::make_shared<const SecretBytes>(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

std::vector<uint8_t> Hmac256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  std::vector<uint8_t> out(32);
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &len);
  out.resize(len);
  return out;
}

struct Octets {
  std::vector<uint8_t> message = std::vector<uint8_t>(120, 0x11);
  std::vector<uint8_t> nonce = std::vector<uint8_t>(32, 0x22);
  std::vector<uint8_t> maced_id = std::vector<uint8_t>(32, 0x33);
  AuthInput input() const { return {crypto::PrfAlgorithm::kHmacSha256, message, nonce, maced_id}; }
};

const IdPayload kId = IdPayload::FromAddress(*IpAddress::Parse("192.0.2.1"));

TEST(PskAuthenticator, AuthIsThePrfOfThePaddedKeyOverTheSignedOctets) {
  const Octets o;
  PskAuthenticator psk(Secret("secret"));
  absl::StatusOr<AuthPayload> auth = psk.Create(o.input());
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->method, AuthMethod::kSharedKeyMic);
  const std::string pad = "Key Pad for IKEv2";
  const std::string secret = "secret";
  const std::vector<uint8_t> key =
      Hmac256({reinterpret_cast<const uint8_t*>(secret.data()), secret.size()},
              {reinterpret_cast<const uint8_t*>(pad.data()), pad.size()});
  std::vector<uint8_t> octets = o.message;
  octets.insert(octets.end(), o.nonce.begin(), o.nonce.end());
  octets.insert(octets.end(), o.maced_id.begin(), o.maced_id.end());
  EXPECT_EQ(auth->data, Hmac256(key, octets));
  EXPECT_TRUE(psk.Verify(o.input(), *auth, kId, {}, 0).ok());
}

// The padded key is kept per PRF: one authenticator answering SHA-256, then SHA-1, then
// SHA-256 again gives what a fresh authenticator gives each time.
TEST(PskAuthenticator, TheKeptPaddedKeyIsPerPrf) {
  const Octets o;
  PskAuthenticator kept(Secret("secret"));
  for (crypto::PrfAlgorithm prf :
       {crypto::PrfAlgorithm::kHmacSha256, crypto::PrfAlgorithm::kHmacSha1,
        crypto::PrfAlgorithm::kHmacSha256, crypto::PrfAlgorithm::kHmacSha512}) {
    AuthInput in = o.input();
    in.prf = prf;
    PskAuthenticator fresh(Secret("secret"));
    absl::StatusOr<AuthPayload> a = kept.Create(in);
    absl::StatusOr<AuthPayload> b = fresh.Create(in);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->data, b->data) << static_cast<int>(prf);
    EXPECT_EQ(a->data.size(), crypto::PrfOutputSize(prf));
    EXPECT_TRUE(kept.Verify(in, *b, kId, {}, 0).ok());
  }
}

TEST(PskAuthenticator, RefusesAnotherKeyOtherOctetsAnotherMethodAndTruncation) {
  const Octets o;
  PskAuthenticator psk(Secret("secret"));
  const AuthPayload good = *psk.Create(o.input());

  AuthCheck c = PskAuthenticator(Secret("guess")).Verify(o.input(), good, kId, {}, 0);
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.failure, "AUTH payload does not match the pre-shared key");

  Octets other;
  other.nonce[0] ^= 1;  // a different exchange
  EXPECT_FALSE(psk.Verify(other.input(), good, kId, {}, 0).ok());

  AuthPayload truncated = good;
  truncated.data.pop_back();
  EXPECT_FALSE(psk.Verify(o.input(), truncated, kId, {}, 0).ok());
  EXPECT_FALSE(psk.Verify(o.input(), AuthPayload{AuthMethod::kSharedKeyMic, {}}, kId, {}, 0).ok());

  AuthPayload rsa = good;
  rsa.method = AuthMethod::kRsaSignature;
  c = psk.Verify(o.input(), rsa, kId, {}, 0);
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.failure, "peer uses auth method 1, not the pre-shared key");
}

TEST(PskAuthenticator, WithoutASecretNothingIsCreatedOrAccepted) {
  const Octets o;
  PskAuthenticator none(nullptr);
  EXPECT_TRUE(absl::IsFailedPrecondition(none.Create(o.input()).status()));
  PskAuthenticator empty(Secret(""));
  EXPECT_TRUE(absl::IsFailedPrecondition(empty.Create(o.input()).status()));
  const AuthPayload any{AuthMethod::kSharedKeyMic, std::vector<uint8_t>(32, 0)};
  EXPECT_FALSE(empty.Verify(o.input(), any, kId, {}, 0).ok());
}

TEST(PskAuthenticator, SameAsComparesTheSecretAndBothUsesOneObject) {
  IkeAuthConfig a = PskAuthenticator::Both(Secret("one"));
  EXPECT_EQ(a.own, a.peer);
  EXPECT_TRUE(a.SameAs(PskAuthenticator::Both(Secret("one"))));
  EXPECT_FALSE(a.SameAs(PskAuthenticator::Both(Secret("two"))));
  EXPECT_FALSE(a.SameAs(IkeAuthConfig{}));
  EXPECT_TRUE(IkeAuthConfig{}.SameAs(IkeAuthConfig{}));
}

}  // namespace
}  // namespace tunnelisa::ike
