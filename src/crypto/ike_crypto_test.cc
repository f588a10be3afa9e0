#include "crypto/ike_crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/test_tools/vector_file.h"

namespace tunnelisa::crypto {
namespace {

using testing::FromHex;
using testing::LoadVectorFile;

std::vector<uint8_t> Bytes(const SecretBytes& s) { return {s.data(), s.data() + s.size()}; }

std::optional<PrfAlgorithm> PrfByName(const std::string& name) {
  if (name == "md5") return PrfAlgorithm::kHmacMd5;
  if (name == "sha1") return PrfAlgorithm::kHmacSha1;
  if (name == "sha256") return PrfAlgorithm::kHmacSha256;
  if (name == "sha384") return PrfAlgorithm::kHmacSha384;
  if (name == "sha512") return PrfAlgorithm::kHmacSha512;
  return std::nullopt;
}

// The PRF is HMAC with keys of any length (RFC 7296 2.13): every RFC 2202 / 4231 case applies.
TEST(IkePrf, MatchesRfc2202AndRfc4231) {
  int checked = 0;
  for (const char* file : {"hmac_rfc2202.txt", "hmac_rfc4231.txt"}) {
    absl::StatusOr<std::vector<testing::VectorRecord>> records = LoadVectorFile(file);
    ASSERT_TRUE(records.ok()) << records.status();
    for (const testing::VectorRecord& r : *records) {
      SCOPED_TRACE(r.Label());
      std::optional<PrfAlgorithm> prf = PrfByName(r.Get("Alg"));
      ASSERT_TRUE(prf.has_value());
      std::vector<uint8_t> key = r.Bytes("Key"), data = r.Bytes("Data"), mac = r.Bytes("Mac");
      auto p = OpenSslPrf(*prf, key);
      ASSERT_TRUE(p.ok()) << p.status();
      std::span<const uint8_t> parts[] = {data};
      absl::StatusOr<SecretBytes> out = (*p)->Compute(parts);
      ASSERT_TRUE(out.ok());
      std::vector<uint8_t> got = Bytes(*out);
      if (r.Has("Truncated")) got.resize(std::stoul(r.Get("Truncated")));  // decimal
      EXPECT_EQ(got, mac);
      // Split input gives the same result (parts are concatenated).
      std::span<const uint8_t> halves[] = {std::span(data).first(data.size() / 2),
                                           std::span(data).subspan(data.size() / 2)};
      std::vector<uint8_t> again = Bytes(*(*p)->Compute(halves));
      if (r.Has("Truncated")) again.resize(std::stoul(r.Get("Truncated")));
      EXPECT_EQ(again, mac);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 35);
}

TEST(IkePrf, PrfPlusIsTheRfc7296Construction) {
  const std::vector<uint8_t> key = FromHex("000102030405060708090a0b0c0d0e0f10111213");
  const std::vector<uint8_t> seed = FromHex("cafebabe0123456789");
  for (PrfAlgorithm prf :
       {PrfAlgorithm::kHmacSha1, PrfAlgorithm::kHmacSha256, PrfAlgorithm::kHmacSha512}) {
    const size_t block = PrfOutputSize(prf);
    const size_t length = 3 * block + 7;
    auto keyed = OpenSslPrf(prf, key).value();
    absl::StatusOr<SecretBytes> out = PrfPlus(*keyed, seed, length);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->size(), length);
    // Build T1 | T2 | T3 | T4 by hand.
    auto p = OpenSslPrf(prf, key).value();
    std::vector<uint8_t> expect, t;
    for (uint8_t n = 1; n <= 4; ++n) {
      std::vector<uint8_t> input = t;
      input.insert(input.end(), seed.begin(), seed.end());
      input.push_back(n);
      std::span<const uint8_t> parts[] = {input};
      t = Bytes(*p->Compute(parts));
      expect.insert(expect.end(), t.begin(), t.end());
    }
    expect.resize(length);
    EXPECT_EQ(Bytes(*out), expect);
  }
  auto sha1 = OpenSslPrf(PrfAlgorithm::kHmacSha1, key).value();
  EXPECT_TRUE(PrfPlus(*sha1, seed, 255 * 20).ok());
  EXPECT_EQ(PrfPlus(*sha1, seed, 255 * 20 + 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSslPrf(PrfAlgorithm::kHmacSha256, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ReferenceHmac: OpenSSL's own HMAC (EVP_MAC), which the PRF no longer uses (ike_prf.cc).
std::vector<uint8_t> ReferenceHmac(const char* digest, std::span<const uint8_t> key,
                                   std::span<const uint8_t> data) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  std::vector<uint8_t> out(64);
  size_t len = 0;
  const bool ok = EVP_MAC_init(ctx, key.data(), key.size(), params) == 1 &&
                  EVP_MAC_update(ctx, data.data(), data.size()) == 1 &&
                  EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  out.resize(ok ? len : 0);
  return out;
}

// Keys around every digest's block size (64 or 128 octets: kept as they are up to it, hashed
// above it) and inputs of several blocks, against EVP_MAC's HMAC.
TEST(IkePrf, AgreesWithOpensslsHmacForKeysAroundTheBlockSize) {
  const std::pair<PrfAlgorithm, const char*> prfs[] = {{PrfAlgorithm::kHmacMd5, "MD5"},
                                                       {PrfAlgorithm::kHmacSha1, "SHA1"},
                                                       {PrfAlgorithm::kHmacSha256, "SHA256"},
                                                       {PrfAlgorithm::kHmacSha384, "SHA384"},
                                                       {PrfAlgorithm::kHmacSha512, "SHA512"}};
  int checked = 0;
  for (const auto& [prf, digest] : prfs) {
    for (size_t key_size : {1, 20, 63, 64, 65, 127, 128, 129, 300}) {
      std::vector<uint8_t> key(key_size), data(key_size * 3 + 5);
      for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
      for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 13 + 5);
      SCOPED_TRACE(std::string(digest) + " key " + std::to_string(key_size));
      auto p = OpenSslPrf(prf, key);
      ASSERT_TRUE(p.ok()) << p.status();
      std::span<const uint8_t> parts[] = {data};
      absl::StatusOr<SecretBytes> out = (*p)->Compute(parts);
      ASSERT_TRUE(out.ok()) << out.status();
      const std::vector<uint8_t> want = ReferenceHmac(digest, key, data);
      ASSERT_EQ(want.size(), PrfOutputSize(prf));
      EXPECT_EQ(Bytes(*out), want);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 45);
}

// Each thread computes on its own digest context: PRFs shared by two threads, or used by both
// in turn, give the same answers as on one.
TEST(IkePrf, TwoThreadsComputeAtOnce) {
  const std::vector<uint8_t> key(40, 0x0b), data(100, 0xdd);
  auto shared = OpenSslPrf(PrfAlgorithm::kHmacSha384, key).value();
  const std::vector<uint8_t> want = ReferenceHmac("SHA384", key, data);
  std::span<const uint8_t> parts[] = {data};
  int wrong[2] = {0, 0};
  std::thread threads[2];
  for (int t = 0; t < 2; ++t) {
    threads[t] = std::thread([&, t] {
      auto own = OpenSslPrf(PrfAlgorithm::kHmacSha384, key).value();
      for (int i = 0; i < 2000; ++i) {
        Prf& prf = i % 2 == 0 ? *own : *shared;
        std::array<uint8_t, 48> out{};
        if (!prf.ComputeInto(parts, out).ok() ||
            std::vector<uint8_t>(out.begin(), out.end()) != want) {
          ++wrong[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong[0], 0);
  EXPECT_EQ(wrong[1], 0);
}

class DhGroups : public ::testing::TestWithParam<DhGroup> {};

TEST_P(DhGroups, BothSidesDeriveTheSameSecret) {
  auto a = OpenSslDhKeyPair(GetParam());
  auto b = OpenSslDhKeyPair(GetParam());
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ((*a)->public_value().size(), DhPublicValueSize(GetParam()));
  EXPECT_NE((*a)->public_value(), (*b)->public_value());
  absl::StatusOr<SecretBytes> ab = (*a)->Derive((*b)->public_value());
  absl::StatusOr<SecretBytes> ba = (*b)->Derive((*a)->public_value());
  ASSERT_TRUE(ab.ok()) << ab.status();
  ASSERT_TRUE(ba.ok()) << ba.status();
  EXPECT_TRUE(ab->Equals(*ba));
  const size_t expected_secret = GetParam() >= DhGroup::kEcp256 && GetParam() <= DhGroup::kEcp521
                                     ? DhPublicValueSize(GetParam()) / 2
                                     : DhPublicValueSize(GetParam());
  EXPECT_EQ(ab->size(), expected_secret);
  // A value of the wrong length is refused, never read past.
  std::vector<uint8_t> short_value((*b)->public_value().begin(), (*b)->public_value().end() - 1);
  EXPECT_EQ((*a)->Derive(short_value).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*a)->Derive({}).status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(All, DhGroups,
                         ::testing::Values(DhGroup::kModp768, DhGroup::kModp1024,
                                           DhGroup::kModp1536, DhGroup::kModp2048,
                                           DhGroup::kModp3072, DhGroup::kEcp256, DhGroup::kEcp384,
                                           DhGroup::kEcp521, DhGroup::kCurve25519));

// RFC 6989 section 2.1: for MODP groups 1 < y < p-1, else the exchange fails.
TEST(IkeDh, ModpRejectsValuesOutsideTheRange) {
  auto a = OpenSslDhKeyPair(DhGroup::kModp2048).value();
  BIGNUM* p = BN_get_rfc3526_prime_2048(nullptr);
  std::vector<uint8_t> pm1(256), pv(256);
  BN_bn2binpad(p, pv.data(), 256);
  BN_sub_word(p, 1);
  BN_bn2binpad(p, pm1.data(), 256);
  BN_free(p);
  std::vector<uint8_t> zero(256, 0), one(256, 0), ff(256, 0xff);
  one.back() = 1;
  for (const auto& bad : {zero, one, pm1, pv, ff}) {
    EXPECT_EQ(a->Derive(bad).status().code(), absl::StatusCode::kInvalidArgument);
  }
  std::vector<uint8_t> two(256, 0);
  two.back() = 2;
  EXPECT_TRUE(a->Derive(two).ok()) << "2 is inside the range";
}

// RFC 6989 section 2.3: an ECP value that is not a point on the curve is refused.
TEST(IkeDh, EcpRejectsPointsOffTheCurve) {
  auto a = OpenSslDhKeyPair(DhGroup::kEcp256).value();
  auto b = OpenSslDhKeyPair(DhGroup::kEcp256).value();
  std::vector<uint8_t> off = b->public_value();
  off.back() ^= 1;  // y changes: (x, y') is not on the curve
  EXPECT_EQ(a->Derive(off).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a->Derive(std::vector<uint8_t>(64, 0)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// RFC 7748 section 6.1 (Alice and Bob), and the all-zero check of RFC 8031 section 2.3.
TEST(IkeDh, Curve25519Rfc7748Vectors) {
  auto alice = X25519FromPrivateForTest(
                   FromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
                   .value();
  auto bob = X25519FromPrivateForTest(
                 FromHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
                 .value();
  EXPECT_EQ(alice->public_value(),
            FromHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
  EXPECT_EQ(bob->public_value(),
            FromHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
  const std::vector<uint8_t> k =
      FromHex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_EQ(Bytes(alice->Derive(bob->public_value()).value()), k);
  EXPECT_EQ(Bytes(bob->Derive(alice->public_value()).value()), k);
  // u = 0 (a small-order point) makes the shared secret all zeros: refused.
  EXPECT_EQ(alice->Derive(std::vector<uint8_t>(32, 0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<uint8_t> u1(32, 0);  // u = 1: another small-order point, also all zeros
  u1[0] = 1;
  EXPECT_EQ(alice->Derive(u1).status().code(), absl::StatusCode::kInvalidArgument);
  // A private key must be 32 octets.
  EXPECT_EQ(X25519FromPrivateForTest(std::vector<uint8_t>(31, 7)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(IkeDh, GroupNumbers) {
  for (uint16_t n : {1, 2, 5, 14, 15, 19, 20, 21, 31}) {
    ASSERT_TRUE(DhGroupFromNumber(n).has_value()) << n;
    EXPECT_EQ(static_cast<uint16_t>(*DhGroupFromNumber(n)), n);
  }
  for (uint16_t n : {0, 3, 4, 16, 22, 30, 32}) EXPECT_FALSE(DhGroupFromNumber(n).has_value());
}

}  // namespace
}  // namespace tunnelisa::crypto
