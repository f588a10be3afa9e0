// Chain verification: each case accepted or refused with its reason. The PKI:
//
//   Root CA (RSA-2048) ──> Sub CA (P-256) ──> gw1 (P-256), revoked-gw (P-256, in Sub's CRL)
//        └──> gw-direct (RSA)           Other CA (P-384, its own profile) ──> gw-other
//   Stray CA (no profile) ──> gw-stray
#include "tunnelisa/pki/verify.h"

#include <gtest/gtest.h>

#include "pki/mint.h"

namespace tunnelisa::pki {
namespace {

using testing::CertSpec;
using testing::kDay;
using testing::Key;
using testing::kNow;
using testing::Mint;
using testing::MintCrl;

struct Pki {
  PrivateKey root_key = Key(KeyType::kRsa, 30);
  PrivateKey sub_key = Key(KeyType::kEcdsaP256, 31);
  PrivateKey other_key = Key(KeyType::kEcdsaP384, 32);
  PrivateKey stray_key = Key(KeyType::kEcdsaP256, 33);
  PrivateKey leaf_key = Key(KeyType::kEcdsaP256, 34);
  Certificate root = Mint({.subject = "O=Example,CN=Root CA",
                           .key = root_key.public_key(),
                           .issuer_key = root_key,
                           .ca = true,
                           .serial = 1});
  Certificate sub = Mint({.subject = "O=Example,CN=Sub CA",
                          .key = sub_key.public_key(),
                          .issuer = &root,
                          .issuer_key = root_key,
                          .ca = true,
                          .serial = 2});
  Certificate other = Mint({.subject = "O=Other,CN=Other CA",
                            .key = other_key.public_key(),
                            .issuer_key = other_key,
                            .ca = true,
                            .serial = 3});
  Certificate stray = Mint({.subject = "O=Stray,CN=Stray CA",
                            .key = stray_key.public_key(),
                            .issuer_key = stray_key,
                            .ca = true,
                            .serial = 4});
  Certificate Leaf(std::string subject, int64_t serial, const Certificate* issuer,
                   const PrivateKey& issuer_key, CertSpec extra = {}) const {
    extra.subject = "O=Example,CN=" + subject;
    extra.key = leaf_key.public_key();
    extra.issuer = issuer;
    extra.issuer_key = issuer_key;
    extra.serial = serial;
    if (extra.key_usage.empty()) extra.key_usage = "critical,digitalSignature";
    return Mint(extra);
  }
  Certificate gw1 = Leaf("gw1", 10, &sub, sub_key);
  Certificate revoked = Leaf("revoked-gw", 11, &sub, sub_key);
  Certificate direct = Leaf("gw-direct", 12, &root, root_key);
  Certificate gw_other = Leaf("gw-other", 13, &other, other_key);
  Certificate gw_stray = Leaf("gw-stray", 14, &stray, stray_key);
  Crl root_crl = MintCrl({.issuer = &root, .issuer_key = root_key});
  Crl sub_crl = MintCrl({.issuer = &sub, .issuer_key = sub_key, .revoked = {revoked}});
  Crl other_crl = MintCrl({.issuer = &other, .issuer_key = other_key});

  std::vector<CaProfile> Profiles(bool with_sub = true, bool other_shut = false) const {
    std::vector<CaProfile> out;
    out.push_back(*CaProfile::Create("root", root, root_crl));
    if (with_sub) out.push_back(*CaProfile::Create("sub", sub, sub_crl));
    out.push_back(*CaProfile::Create("other", other, other_crl, other_shut));
    return out;
  }
};

const Pki& P() {
  static const Pki* p = new Pki();
  return *p;
}

VerifyResult Check(const ChainVerifier& v, const Certificate& peer, std::vector<Certificate> sent,
                   std::string_view anchor, int64_t now = kNow, bool allow_missing_crl = false,
                   bool require_ds = true) {
  std::vector<std::vector<uint8_t>> ders;
  for (const Certificate& c : sent) ders.push_back(c.Der());
  std::vector<std::span<const uint8_t>> spans(ders.begin(), ders.end());
  std::vector<uint8_t> peer_der = peer.Der();
  return v.Verify({.peer_cert = peer_der,
                   .intermediates = spans,
                   .trust_anchor = anchor,
                   .now = WallTime::FromUnixSeconds(now),
                   .require_digital_signature = require_ds,
                   .allow_missing_crl = allow_missing_crl});
}

std::unique_ptr<ChainVerifier> Verifier(std::vector<CaProfile> profiles) {
  auto v = ChainVerifier::Create(profiles);
  EXPECT_TRUE(v.ok()) << v.status();
  return std::move(*v);
}

#define EXPECT_REASON(result, reason)                \
  EXPECT_EQ((result).failure, VerifyFailure::reason) \
      << VerifyFailureName((result).failure) << ": " << (result).detail

TEST(VerifyTest, ChainWithIntermediateUpToTheRoot) {
  auto v = Verifier(P().Profiles());
  VerifyResult r = Check(*v, P().gw1, {P().sub}, "root");
  EXPECT_REASON(r, kNone);
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_TRUE(r.chain[0] == P().gw1);
  EXPECT_TRUE(r.chain[1] == P().sub);
  EXPECT_TRUE(r.chain[2] == P().root);
  // The intermediate need not be sent when a ca-profile holds it.
  EXPECT_REASON(Check(*v, P().gw1, {}, "root"), kNone);
  EXPECT_REASON(Check(*v, P().direct, {}, "root"), kNone);
}

TEST(VerifyTest, IntermediateAsTrustAnchor) {
  // The guide: the expected CA must be present before the root. Sub CA anchors on its own.
  auto v = Verifier(P().Profiles());
  VerifyResult r = Check(*v, P().gw1, {P().sub}, "sub");
  EXPECT_REASON(r, kNone);
  ASSERT_EQ(r.chain.size(), 2u);
  EXPECT_TRUE(r.chain[1] == P().sub);
  // A certificate issued by the root directly does not pass through Sub CA.
  EXPECT_REASON(Check(*v, P().direct, {}, "sub"), kTrustAnchorAbsent);
}

TEST(VerifyTest, WrongTrustAnchorAndUnknownCa) {
  auto v = Verifier(P().Profiles());
  EXPECT_REASON(Check(*v, P().gw1, {P().sub}, "other"), kTrustAnchorAbsent);
  EXPECT_REASON(Check(*v, P().gw_other, {}, "root"), kTrustAnchorAbsent);
  EXPECT_REASON(Check(*v, P().gw_other, {}, "other"), kNone);
  // Sent with its CA, a stray chain still ends at an unconfigured self-signed root.
  EXPECT_REASON(Check(*v, P().gw_stray, {P().stray}, "root"), kUnknownCa);
  EXPECT_REASON(Check(*v, P().gw_stray, {}, "root"), kUnknownCa);
  // A self-signed peer certificate.
  PrivateKey k = P().leaf_key;
  Certificate self = Mint({.subject = "CN=self", .key = k.public_key(), .issuer_key = k});
  EXPECT_REASON(Check(*v, self, {}, "root"), kUnknownCa);
}

TEST(VerifyTest, ShutOrMissingTrustAnchor) {
  auto v = Verifier(P().Profiles(true, /*other_shut=*/true));
  EXPECT_REASON(Check(*v, P().gw_other, {}, "other"), kTrustAnchorDown);
  EXPECT_REASON(Check(*v, P().gw1, {}, "nonexistent"), kTrustAnchorDown);
  // A shut profile is not a known CA either.
  EXPECT_REASON(Check(*v, P().gw_other, {}, "root"), kUnknownCa);
}

TEST(VerifyTest, ValidityAgainstTheGivenWallClock) {
  auto v = Verifier(P().Profiles());
  Certificate expired = P().Leaf("old", 20, &P().sub, P().sub_key,
                                 {.not_before = kNow - 400 * kDay, .not_after = kNow - kDay / 4});
  Certificate future = P().Leaf("new", 21, &P().sub, P().sub_key,
                                {.not_before = kNow + kDay, .not_after = kNow + 400 * kDay});
  EXPECT_REASON(Check(*v, expired, {P().sub}, "root"), kExpired);
  EXPECT_REASON(Check(*v, future, {P().sub}, "root"), kNotYetValid);
  // The same certificates at other times: the clock is the caller's, not the system's.
  // (Not earlier than kNow - 1 day: the CRLs were issued then.)
  EXPECT_REASON(Check(*v, expired, {P().sub}, "root", kNow - kDay / 2), kNone);
  EXPECT_REASON(Check(*v, future, {P().sub}, "root", kNow + 2 * kDay, false), kNone);
  // gw1 two years on: the leaf has expired, and so have the CRLs; the expiry is reported.
  VerifyResult late = Check(*v, P().gw1, {P().sub}, "root", kNow + 730 * kDay);
  EXPECT_REASON(late, kExpired);
  EXPECT_EQ(late.depth, 0);
}

TEST(VerifyTest, RevokedThroughTheCaProfilesCrl) {
  auto v = Verifier(P().Profiles());
  VerifyResult r = Check(*v, P().revoked, {P().sub}, "root");
  EXPECT_REASON(r, kRevoked);
  EXPECT_EQ(r.depth, 0);
  EXPECT_NE(r.detail.find("revoked-gw"), std::string::npos) << r.detail;
  EXPECT_REASON(Check(*v, P().revoked, {P().sub}, "sub"), kRevoked);
}

TEST(VerifyTest, RevokedIntermediate) {
  Crl root_crl = MintCrl({.issuer = &P().root, .issuer_key = P().root_key, .revoked = {P().sub}});
  std::vector<CaProfile> profiles = {*CaProfile::Create("root", P().root, root_crl),
                                     *CaProfile::Create("sub", P().sub, P().sub_crl)};
  auto v = Verifier(profiles);
  VerifyResult r = Check(*v, P().gw1, {P().sub}, "root");
  EXPECT_REASON(r, kRevoked);
  EXPECT_EQ(r.depth, 1);
}

TEST(VerifyTest, MissingAndExpiredCrls) {
  // No ca-profile for Sub CA: its CRL is unknown, so gw1's revocation can't be checked.
  auto v = Verifier(P().Profiles(/*with_sub=*/false));
  EXPECT_REASON(Check(*v, P().gw1, {P().sub}, "root"), kCrlUnavailable);
  EXPECT_REASON(Check(*v, P().gw1, {P().sub}, "root", kNow, /*allow_missing_crl=*/true), kNone);
  EXPECT_REASON(Check(*v, P().gw1, {}, "root", kNow, true), kUnknownCa);  // Sub CA not sent
  // An expired CRL is refused even when missing ones are allowed.
  Crl stale = MintCrl({.issuer = &P().sub,
                       .issuer_key = P().sub_key,
                       .last_update = kNow - 60 * kDay,
                       .next_update = kNow - 30 * kDay});
  auto v2 = Verifier({*CaProfile::Create("root", P().root, P().root_crl),
                      *CaProfile::Create("sub", P().sub, stale)});
  EXPECT_REASON(Check(*v2, P().gw1, {P().sub}, "root", kNow, true), kCrlUnavailable);
}

TEST(VerifyTest, KeyUsage) {
  auto v = Verifier(P().Profiles());
  Certificate enc_only =
      P().Leaf("enc", 40, &P().sub, P().sub_key, {.key_usage = "critical,keyEncipherment"});
  Certificate nr = P().Leaf("nr", 41, &P().sub, P().sub_key, {.key_usage = "nonRepudiation"});
  VerifyResult r = Check(*v, enc_only, {P().sub}, "root");
  EXPECT_REASON(r, kBadKeyUsage);
  EXPECT_EQ(r.depth, 0);
  EXPECT_REASON(Check(*v, enc_only, {P().sub}, "root", kNow, false, /*require_ds=*/false), kNone);
  EXPECT_REASON(Check(*v, nr, {P().sub}, "root"), kNone);
  // A "CA" without keyCertSign cannot issue.
  PrivateKey k = Key(KeyType::kEcdsaP256, 35);
  Certificate weak_ca = Mint({.subject = "O=Example,CN=No Sign CA",
                              .key = k.public_key(),
                              .issuer = &P().root,
                              .issuer_key = P().root_key,
                              .ca = true,
                              .key_usage = "critical,digitalSignature",
                              .serial = 42});
  Certificate under = P().Leaf("under", 43, &weak_ca, k);
  VerifyResult bad = Check(*v, under, {weak_ca}, "root", kNow, true);
  EXPECT_REASON(bad, kBadKeyUsage);
  EXPECT_EQ(bad.depth, 1);
  // Not a CA at all (no basicConstraints cA).
  Certificate not_ca = Mint({.subject = "O=Example,CN=Not A CA",
                             .key = k.public_key(),
                             .issuer = &P().root,
                             .issuer_key = P().root_key,
                             .key_usage = "critical,keyCertSign",
                             .serial = 44});
  Certificate under2 = P().Leaf("under2", 45, &not_ca, k);
  VerifyResult bad2 = Check(*v, under2, {not_ca}, "root", kNow, true);
  EXPECT_REASON(bad2, kBadKeyUsage);
}

TEST(VerifyTest, BadSignatureAndMalformedInput) {
  auto v = Verifier(P().Profiles());
  std::vector<uint8_t> der = P().gw1.Der();
  der[der.size() - 5] ^= 0x01;  // inside the signature value
  std::vector<uint8_t> sub = P().sub.Der();
  std::vector<std::span<const uint8_t>> sent = {sub};
  VerifyResult r = v->Verify({.peer_cert = der,
                              .intermediates = sent,
                              .trust_anchor = "root",
                              .now = WallTime::FromUnixSeconds(kNow)});
  EXPECT_REASON(r, kBadSignature);
  std::vector<uint8_t> cut(der.begin(), der.begin() + 40);
  EXPECT_REASON(
      v->Verify({.peer_cert = cut, .trust_anchor = "root", .now = WallTime::FromUnixSeconds(kNow)}),
      kMalformed);
  std::vector<uint8_t> good = P().gw1.Der();
  std::vector<uint8_t> junk = {0x30, 0x82, 0xff};
  std::vector<std::span<const uint8_t>> bad_sent = {junk};
  EXPECT_REASON(v->Verify({.peer_cert = good,
                           .intermediates = bad_sent,
                           .trust_anchor = "root",
                           .now = WallTime::FromUnixSeconds(kNow)}),
                kMalformed);
}

TEST(VerifyTest, SignatureAlgorithms) {
  // RSA-PSS, ECDSA P-384 / SHA-384 and Ed25519 signatures on certificates and CRLs.
  struct Case {
    KeyType ca_type;
    HashAlgorithm hash;
    bool pss;
    const char* expect_alg;
  };
  for (const Case& c :
       {Case{KeyType::kRsa, HashAlgorithm::kSha256, true, "rsassaPss"},
        Case{KeyType::kRsa, HashAlgorithm::kSha384, false, "sha384WithRSAEncryption"},
        Case{KeyType::kEcdsaP384, HashAlgorithm::kSha384, false, "ecdsa-with-SHA384"},
        Case{KeyType::kEcdsaP521, HashAlgorithm::kSha512, false, "ecdsa-with-SHA512"},
        Case{KeyType::kEd25519, HashAlgorithm::kNone, false, "ED25519"},
        Case{KeyType::kDsa, HashAlgorithm::kSha256, false, "dsa_with_SHA256"}}) {
    SCOPED_TRACE(c.expect_alg);
    PrivateKey ca_key = Key(c.ca_type, 50);
    PrivateKey leaf_key = Key(KeyType::kEd25519, 51);
    Certificate ca = Mint({.subject = "CN=Alg CA",
                           .key = ca_key.public_key(),
                           .issuer_key = ca_key,
                           .ca = true,
                           .hash = c.hash,
                           .rsa_pss = c.pss});
    Certificate leaf = Mint({.subject = "CN=alg-leaf",
                             .key = leaf_key.public_key(),
                             .issuer = &ca,
                             .issuer_key = ca_key,
                             .key_usage = "digitalSignature",
                             .hash = c.hash,
                             .rsa_pss = c.pss});
    EXPECT_EQ(leaf.SignatureAlgorithmName(), c.expect_alg);
    auto profile = CaProfile::Create("alg", ca, MintCrl({.issuer = &ca, .issuer_key = ca_key}));
    ASSERT_TRUE(profile.ok()) << profile.status();
    auto v = Verifier({*profile});
    EXPECT_REASON(Check(*v, leaf, {}, "alg"), kNone);
  }
}

TEST(VerifyTest, RefusesDuplicateProfileNames) {
  std::vector<CaProfile> profiles = P().Profiles();
  profiles.push_back(profiles[0]);
  EXPECT_FALSE(ChainVerifier::Create(profiles).ok());
}

TEST(VerifyTest, FailureNames) {
  EXPECT_EQ(VerifyFailureName(VerifyFailure::kRevoked), "revoked");
  EXPECT_EQ(VerifyFailureName(VerifyFailure::kTrustAnchorAbsent), "trust-anchor-absent");
}

}  // namespace
}  // namespace tunnelisa::pki
