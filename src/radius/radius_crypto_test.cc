#include "radius/radius_crypto.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "radius/radius_packet.h"
#include "tests/test_tools/vector_file.h"

namespace tunnelisa::radius {
namespace {

using testing::FromHex;

// The reference computations below follow the RFC text directly with OpenSSL's one-shot
// EVP_Digest / HMAC, independently of radius_crypto.cc.
std::vector<uint8_t> Md5Of(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(16);
  unsigned int size = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_md5(), nullptr), 1);
  return out;
}

std::vector<uint8_t> Cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

SecretBytes Secret(std::string_view s) { return SecretBytes(Bytes(s)); }

// ReferenceHide: RFC 2865 5.2, written out: pad to 16k with NULs, c(i) = p(i) xor MD5(S +
// c(i-1)), c(0) = RA.
std::vector<uint8_t> ReferenceHide(std::vector<uint8_t> password, const std::vector<uint8_t>& s,
                                   const std::vector<uint8_t>& ra) {
  if (password.empty() || password.size() % 16 != 0) {
    password.resize((password.size() / 16 + 1) * 16, 0);
  }
  std::vector<uint8_t> out;
  std::vector<uint8_t> previous = ra;
  for (size_t i = 0; i < password.size(); i += 16) {
    const std::vector<uint8_t> b = Md5Of(Cat({s, previous}));
    std::vector<uint8_t> c(16);
    for (size_t j = 0; j < 16; ++j) c[j] = password[i + j] ^ b[j];
    out.insert(out.end(), c.begin(), c.end());
    previous = c;
  }
  return out;
}

// ReferenceUnhide: the server's side of RFC 2865 5.2.
std::vector<uint8_t> ReferenceUnhide(const std::vector<uint8_t>& hidden,
                                     const std::vector<uint8_t>& s,
                                     const std::vector<uint8_t>& ra) {
  std::vector<uint8_t> out;
  std::vector<uint8_t> previous = ra;
  for (size_t i = 0; i + 16 <= hidden.size(); i += 16) {
    const std::vector<uint8_t> b = Md5Of(Cat({s, previous}));
    for (size_t j = 0; j < 16; ++j) out.push_back(hidden[i + j] ^ b[j]);
    previous.assign(hidden.begin() + static_cast<std::ptrdiff_t>(i),
                    hidden.begin() + static_cast<std::ptrdiff_t>(i + 16));
  }
  while (!out.empty() && out.back() == 0) out.pop_back();
  return out;
}

std::vector<uint8_t> ReferenceHmacMd5(const std::vector<uint8_t>& key,
                                      const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(16);
  unsigned int size = 0;
  HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &size);
  return out;
}

Authenticator ToAuth(const std::vector<uint8_t>& v) {
  Authenticator a{};
  std::copy_n(v.begin(), std::min<size_t>(16, v.size()), a.begin());
  return a;
}

TEST(RadiusCrypto, HidesRfc2865ExamplePassword) {
  auto records = testing::LoadVectorFile("radius/rfc2865_examples.txt");
  ASSERT_TRUE(records.ok()) << records.status();
  const testing::VectorRecord& r = (*records)[0];
  const std::vector<uint8_t> request = r.Bytes("Request");
  const Authenticator ra = ToAuth({request.begin() + 4, request.begin() + 20});
  absl::StatusOr<std::vector<uint8_t>> hidden =
      HidePassword(SecretBytes(r.Bytes("Password")), SecretBytes(r.Bytes("Secret")), ra);
  ASSERT_TRUE(hidden.ok()) << hidden.status();
  EXPECT_EQ(*hidden, r.Bytes("HiddenPassword"));
}

TEST(RadiusCrypto, HidingMatchesTheRfcAlgorithmAtEverySize) {
  const std::vector<uint8_t> secret = Bytes("a rather long shared secret, 41 octets ..");
  const std::vector<uint8_t> ra = FromHex("00112233445566778899aabbccddeeff");
  for (size_t size : {0u, 1u, 15u, 16u, 17u, 31u, 32u, 33u, 100u, 127u, 128u}) {
    SCOPED_TRACE(size);
    std::vector<uint8_t> password(size);
    for (size_t i = 0; i < size; ++i) password[i] = static_cast<uint8_t>('a' + i % 26);
    absl::StatusOr<std::vector<uint8_t>> hidden =
        HidePassword(SecretBytes(password), SecretBytes(secret), ToAuth(ra));
    ASSERT_TRUE(hidden.ok()) << hidden.status();
    EXPECT_EQ(hidden->size(), std::max<size_t>(16, (size + 15) / 16 * 16));
    EXPECT_EQ(*hidden, ReferenceHide(password, secret, ra));
    EXPECT_EQ(ReferenceUnhide(*hidden, secret, ra), password);
  }
}

TEST(RadiusCrypto, RefusesPasswordOver128Octets) {
  absl::StatusOr<std::vector<uint8_t>> hidden =
      HidePassword(SecretBytes(129), Secret("s"), Authenticator{});
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(hidden.status().message().find("129 octets"), std::string::npos);
}

TEST(RadiusCrypto, ResponseAuthenticatorOfRfc2865Example) {
  auto records = testing::LoadVectorFile("radius/rfc2865_examples.txt");
  ASSERT_TRUE(records.ok()) << records.status();
  const testing::VectorRecord& r = (*records)[0];
  const std::vector<uint8_t> request = r.Bytes("Request");
  const std::vector<uint8_t> response = r.Bytes("Response");
  const Authenticator ra = ToAuth({request.begin() + 4, request.begin() + 20});
  const SecretBytes secret(r.Bytes("Secret"));
  EXPECT_EQ(ResponseAuthenticator(response, ra, secret),
            ToAuth({response.begin() + 4, response.begin() + 20}));
  EXPECT_TRUE(VerifyResponseAuthenticator(response, ra, secret));
  // Any change to the packet, the Request Authenticator or the secret breaks it.
  std::vector<uint8_t> tampered = response;
  tampered.back() ^= 1;
  EXPECT_FALSE(VerifyResponseAuthenticator(tampered, ra, secret));
  Authenticator other_ra = ra;
  other_ra[0] ^= 0x80;
  EXPECT_FALSE(VerifyResponseAuthenticator(response, other_ra, secret));
  EXPECT_FALSE(VerifyResponseAuthenticator(response, ra, Secret("xyzzy5462")));
  EXPECT_FALSE(VerifyResponseAuthenticator(std::span(response).first(19), ra, secret));
}

TEST(RadiusCrypto, AccountingRequestAuthenticatorFollowsRfc2866) {
  Packet p;
  p.code = static_cast<uint8_t>(PacketCode::kAccountingRequest);
  p.identifier = 9;
  p.authenticator.fill(0x77);  // ignored: the computation uses 16 zero octets
  p.attributes = {U32Attribute(attr::kAcctStatusType, 1),
                  TextAttribute(attr::kAcctSessionId, "0001")};
  absl::StatusOr<std::vector<uint8_t>> wire = SerializePacket(p);
  ASSERT_TRUE(wire.ok()) << wire.status();
  ASSERT_EQ(wire->size(), 20u + 6 + 6);
  const std::vector<uint8_t> secret = Bytes("acct-secret");
  std::vector<uint8_t> zeroed = *wire;
  for (size_t i = 4; i < 20; ++i) zeroed[i] = 0;
  EXPECT_EQ(AccountingRequestAuthenticator(*wire, SecretBytes(secret)),
            ToAuth(Md5Of(Cat({zeroed, secret}))));
}

// A signed Access-Request-shaped packet with Message-Authenticator at `where`.
std::vector<uint8_t> PacketWithMessageAuthenticator(bool first) {
  Packet p;
  p.code = static_cast<uint8_t>(PacketCode::kAccessRequest);
  p.identifier = 42;
  for (size_t i = 0; i < 16; ++i) p.authenticator[i] = static_cast<uint8_t>(0xf0 - i);
  p.attributes = {TextAttribute(attr::kUserName, "carol"),
                  TextAttribute(attr::kNasIdentifier, "gw")};
  p.attributes.insert(first ? p.attributes.begin() : p.attributes.end(),
                      {attr::kMessageAuthenticator, std::vector<uint8_t>(16, 0)});
  return *SerializePacket(p);
}

TEST(RadiusCrypto, MessageAuthenticatorSignAndVerifyBothWays) {
  const SecretBytes secret = Secret("hmac-secret");
  for (bool first : {true, false}) {
    SCOPED_TRACE(first ? "first" : "last");
    std::vector<uint8_t> wire = PacketWithMessageAuthenticator(first);
    const std::optional<size_t> at = FindMessageAuthenticator(wire);
    ASSERT_TRUE(at.has_value());
    EXPECT_EQ(*at, first ? 22u : wire.size() - 16);
    SignMessageAuthenticator(wire, *at, secret);
    // Independent: HMAC-MD5 over the packet with the value zeroed.
    std::vector<uint8_t> zeroed = wire;
    std::fill_n(zeroed.begin() + static_cast<std::ptrdiff_t>(*at), 16, 0);
    EXPECT_EQ(std::vector<uint8_t>(wire.begin() + static_cast<std::ptrdiff_t>(*at),
                                   wire.begin() + static_cast<std::ptrdiff_t>(*at + 16)),
              ReferenceHmacMd5(Bytes("hmac-secret"), zeroed));
    const Authenticator own = ToAuth({wire.begin() + 4, wire.begin() + 20});
    EXPECT_TRUE(VerifyMessageAuthenticator(wire, own, secret));
    EXPECT_FALSE(VerifyMessageAuthenticator(wire, own, Secret("hmac-secreT")));
    Authenticator other = own;
    other[15] ^= 1;
    EXPECT_FALSE(VerifyMessageAuthenticator(wire, other, secret));
    // Code, Identifier, Length and attributes are covered; the Authenticator field is
    // replaced by the authenticator given to the check.
    for (size_t i : {size_t{0}, size_t{1}, size_t{3}, size_t{25}, wire.size() - 1}) {
      std::vector<uint8_t> tampered = wire;
      tampered[i] ^= 0x01;
      EXPECT_FALSE(VerifyMessageAuthenticator(tampered, own, secret)) << "octet " << i;
    }
  }
}

TEST(RadiusCrypto, ResponseMessageAuthenticatorUsesTheRequestAuthenticator) {
  // A response: the HMAC covers the Request Authenticator in place of its own field.
  const SecretBytes secret = Secret("s3cret");
  const Authenticator request_authenticator = ToAuth(FromHex("0102030405060708090a0b0c0d0e0f10"));
  Packet p;
  p.code = static_cast<uint8_t>(PacketCode::kAccessAccept);
  p.identifier = 3;
  p.attributes = {{attr::kMessageAuthenticator, std::vector<uint8_t>(16, 0)}};
  std::vector<uint8_t> wire = *SerializePacket(p);
  const Authenticator mac = MessageAuthenticator(wire, 22, request_authenticator, secret);
  std::vector<uint8_t> reference_input = wire;
  std::copy(request_authenticator.begin(), request_authenticator.end(),
            reference_input.begin() + 4);
  EXPECT_EQ(std::vector<uint8_t>(mac.begin(), mac.end()),
            ReferenceHmacMd5(Bytes("s3cret"), reference_input));
  std::copy(mac.begin(), mac.end(), wire.begin() + 22);
  // Then the Response Authenticator goes into the header; the check still holds.
  const Authenticator response = ResponseAuthenticator(wire, request_authenticator, secret);
  std::copy(response.begin(), response.end(), wire.begin() + 4);
  EXPECT_TRUE(VerifyMessageAuthenticator(wire, request_authenticator, secret));
  EXPECT_TRUE(VerifyResponseAuthenticator(wire, request_authenticator, secret));
  EXPECT_FALSE(VerifyMessageAuthenticator(wire, response, secret));
}

TEST(RadiusCrypto, MissingDuplicateOrShortMessageAuthenticatorIsRefused) {
  const SecretBytes secret = Secret("x");
  Packet p;
  p.attributes = {TextAttribute(attr::kUserName, "u")};
  std::vector<uint8_t> none = *SerializePacket(p);
  EXPECT_FALSE(FindMessageAuthenticator(none).has_value());
  EXPECT_FALSE(VerifyMessageAuthenticator(none, Authenticator{}, secret));
  p.attributes = {{attr::kMessageAuthenticator, std::vector<uint8_t>(16)},
                  {attr::kMessageAuthenticator, std::vector<uint8_t>(16)}};
  EXPECT_FALSE(FindMessageAuthenticator(*SerializePacket(p)).has_value());
  p.attributes = {{attr::kMessageAuthenticator, std::vector<uint8_t>(15)}};
  EXPECT_FALSE(FindMessageAuthenticator(*SerializePacket(p)).has_value());
  // Truncated attribute list: no crash, no match.
  std::vector<uint8_t> cut = PacketWithMessageAuthenticator(false);
  cut.resize(cut.size() - 3);
  EXPECT_FALSE(FindMessageAuthenticator(cut).has_value());
}

TEST(RadiusCrypto, ConstantTimeEqualsComparesSizeAndContent) {
  const std::vector<uint8_t> a = {1, 2, 3};
  EXPECT_TRUE(ConstantTimeEquals(a, std::vector<uint8_t>{1, 2, 3}));
  EXPECT_FALSE(ConstantTimeEquals(a, std::vector<uint8_t>{1, 2, 4}));
  EXPECT_FALSE(ConstantTimeEquals(a, std::vector<uint8_t>{1, 2}));
  EXPECT_TRUE(ConstantTimeEquals({}, {}));
}

// RFC 2548 2.4.2 written out independently: P = Key-Length | key | zero padding to 16k;
// c(1) = p(1) xor MD5(S + R + A), c(i) = p(i) xor MD5(S + c(i-1)).
TEST(RadiusCrypto, MppeKeyDecryptsWhatTheRfcEncrypts) {
  const std::vector<uint8_t> s = Bytes("radius-secret");
  const std::vector<uint8_t> ra = FromHex("0123456789abcdef0123456789abcdef");
  Authenticator request{};
  std::copy(ra.begin(), ra.end(), request.begin());
  const std::vector<uint8_t> key = FromHex("8b7cdc149b993a1ba118cb153f56dccb0102030405060708");
  std::vector<uint8_t> plain = Cat({{static_cast<uint8_t>(key.size())}, key});
  plain.resize(32, 0);
  const std::vector<uint8_t> salt = {0x81, 0x23};
  std::vector<uint8_t> value = salt;
  std::vector<uint8_t> b = Md5Of(Cat({s, ra, salt}));
  for (size_t i = 0; i < 16; ++i) value.push_back(plain[i] ^ b[i]);
  b = Md5Of(Cat({s, std::vector<uint8_t>(value.begin() + 2, value.begin() + 18)}));
  for (size_t i = 0; i < 16; ++i) value.push_back(plain[16 + i] ^ b[i]);

  absl::StatusOr<SecretBytes> got = DecryptMppeKey(value, Secret("radius-secret"), request);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(std::vector<uint8_t>(got->span().begin(), got->span().end()), key);
  EXPECT_EQ(EncryptMppeKey(SecretBytes(key), 0x8123, Secret("radius-secret"), request), value);
  // Another secret or request: the length octet decrypts to garbage, or the key differs.
  absl::StatusOr<SecretBytes> wrong = DecryptMppeKey(value, Secret("other"), request);
  EXPECT_TRUE(!wrong.ok() ||
              std::vector<uint8_t>(wrong->span().begin(), wrong->span().end()) != key);
}

TEST(RadiusCrypto, MalformedMppeKeysAreRefusedWithTheirFault) {
  const Authenticator request{};
  const SecretBytes secret = Secret("s");
  std::vector<uint8_t> short_value(17, 0x80);
  EXPECT_NE(DecryptMppeKey(short_value, secret, request).status().message().find("at least"),
            std::string::npos);
  std::vector<uint8_t> no_high_bit(18, 0);
  EXPECT_NE(DecryptMppeKey(no_high_bit, secret, request).status().message().find("high bit"),
            std::string::npos);
  std::vector<uint8_t> ragged(2 + 17, 0x80);
  EXPECT_NE(DecryptMppeKey(ragged, secret, request).status().message().find("multiple of 16"),
            std::string::npos);
  // A Key-Length of 200 in a 16-octet String.
  std::vector<uint8_t> value =
      EncryptMppeKey(SecretBytes(std::vector<uint8_t>(15, 7)), 0x8001, secret, request);
  std::vector<uint8_t> b = Md5Of(Cat({Bytes("s"), std::vector<uint8_t>(16, 0), {0x80, 0x01}}));
  value[2] = static_cast<uint8_t>(200 ^ b[0]);
  EXPECT_NE(DecryptMppeKey(value, secret, request).status().message().find("Key-Length 200"),
            std::string::npos);
}

}  // namespace
}  // namespace tunnelisa::radius
