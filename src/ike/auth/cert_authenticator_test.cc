// CertAuthenticator: one side's AUTH checked by the other, and every refusal with its reason
// (the auth-failure event's text).
#include "ike/auth/cert_authenticator.h"

#include <gtest/gtest.h>

#include "ike/auth/auth_test_pki.h"

namespace tunnelisa::ike {
namespace {

using testing::Pki;
using ::tunnelisa::pki::testing::kDay;
using ::tunnelisa::pki::testing::kNow;

struct Octets {
  std::vector<uint8_t> message = std::vector<uint8_t>(300, 0x11);
  std::vector<uint8_t> nonce = std::vector<uint8_t>(32, 0x22);
  std::vector<uint8_t> maced_id = std::vector<uint8_t>(32, 0x33);
  std::vector<uint16_t> hashes = {2, 3, 4, 5};
  AuthInput input(int64_t now = kNow) const {
    AuthInput in{crypto::PrfAlgorithm::kHmacSha256, message, nonce, maced_id};
    in.now = WallTime::FromUnixSeconds(now);
    in.peer_hashes = hashes;
    return in;
  }
};

std::shared_ptr<const CertAuthenticator> Own(const pki::Certificate& cert,
                                             const pki::PrivateKey& key,
                                             std::vector<pki::Certificate> chain = {}) {
  return *CertAuthenticator::Create(CertOwn{cert, key, std::move(chain)}, std::nullopt);
}

std::shared_ptr<const CertAuthenticator> Checker(std::string anchor = "root") {
  const pki::Certificate& anchor_cert = anchor == "other" ? Pki().other : Pki().root;
  return *CertAuthenticator::Create(std::nullopt,
                                    CertCheck{Pki().Verifier(), std::move(anchor), anchor_cert});
}

std::vector<Payload> CertPayloads(const Authenticator& a) {
  std::vector<Payload> out;
  for (CertPayload& c : a.OwnCertificates()) out.push_back(Payload::Make(PayloadType::kCert, c));
  return out;
}

// Check: `signer` proves `id`; `checker` verifies.
AuthCheck Check(const Authenticator& signer, const Authenticator& checker, const IdPayload& id,
                const Octets& o = {}, int64_t now = kNow) {
  absl::StatusOr<AuthPayload> auth = signer.Create(o.input(now));
  if (!auth.ok()) return AuthCheck::Failed(std::string(auth.status().message()));
  return checker.Verify(o.input(now), *auth, id, CertPayloads(signer), 1);
}

TEST(CertAuthenticator, ChainThroughAnIntermediateAccepted) {
  auto gw = Own(Pki().gw_ec, Pki().ec_key, {Pki().sub});
  AuthCheck c = Check(*gw, *Checker(), CertAuthenticator::IdentityOf(Pki().gw_ec));
  EXPECT_TRUE(c.ok()) << c.failure;
}

TEST(CertAuthenticator, EveryKeyTypeAndMethod) {
  auto rsa = Own(Pki().gw_rsa, Pki().rsa_key);
  EXPECT_TRUE(Check(*rsa, *Checker(), CertAuthenticator::IdentityOf(Pki().gw_rsa)).ok());
  Octets old;  // a peer without RFC 7427: method 1
  old.hashes.clear();
  EXPECT_TRUE(Check(*rsa, *Checker(), CertAuthenticator::IdentityOf(Pki().gw_rsa), old).ok());
  auto pss = *CertAuthenticator::Create(CertOwn{Pki().gw_rsa, Pki().rsa_key, {}, /*rsa_pss=*/true},
                                        std::nullopt);
  EXPECT_TRUE(Check(*pss, *Checker(), CertAuthenticator::IdentityOf(Pki().gw_rsa)).ok());
  auto ec = Own(Pki().gw_ec, Pki().ec_key, {Pki().sub});
  EXPECT_TRUE(Check(*ec, *Checker(), CertAuthenticator::IdentityOf(Pki().gw_ec), old).ok());
  auto ed = Own(Pki().gw_other, Pki().ed_key);
  AuthCheck c = Check(*ed, *Checker("other"), CertAuthenticator::IdentityOf(Pki().gw_other));
  EXPECT_TRUE(c.ok()) << c.failure;
}

TEST(CertAuthenticator, IdMustBeInTheCertificate) {
  auto gw = Own(Pki().gw_ec, Pki().ec_key, {Pki().sub});
  EXPECT_TRUE(Check(*gw, *Checker(), IdPayload::FromFqdn("GW-EC.example.com")).ok());
  EXPECT_TRUE(Check(*gw, *Checker(), IdPayload::FromAddress(*IpAddress::Parse("192.0.2.1"))).ok());
  EXPECT_TRUE(Check(*gw, *Checker(), IdPayload::FromRfc822("ec@example.com")).ok());
  for (const IdPayload& wrong : {IdPayload::FromFqdn("gw-rsa.example.com"),
                                 IdPayload::FromAddress(*IpAddress::Parse("192.0.2.9")),
                                 CertAuthenticator::IdentityOf(Pki().gw_rsa),
                                 IdPayload::FromKeyId(std::vector<uint8_t>{1})}) {
    AuthCheck c = Check(*gw, *Checker(), wrong);
    EXPECT_FALSE(c.ok());
    EXPECT_NE(c.failure.find("ID mismatch"), std::string::npos) << c.failure;
  }
}

TEST(CertAuthenticator, ConfiguredRemoteIdMustBeInTheCertificate) {
  auto gw = Own(Pki().gw_ec, Pki().ec_key, {Pki().sub});
  absl::StatusOr<AuthPayload> auth = gw->Create(Octets{}.input());
  ASSERT_TRUE(auth.ok());
  const IdPayload id = CertAuthenticator::IdentityOf(Pki().gw_ec);
  const Octets octets;
  AuthInput in = octets.input();
  const IdPayload san = IdPayload::FromFqdn("gw-ec.example.com");
  in.remote_id = &san;
  EXPECT_TRUE(Checker()->Verify(in, *auth, id, CertPayloads(*gw), 1).ok());
  const IdPayload other = IdPayload::FromFqdn("gw-rsa.example.com");
  in.remote_id = &other;
  AuthCheck c = Checker()->Verify(in, *auth, id, CertPayloads(*gw), 1);
  EXPECT_FALSE(c.ok());
  EXPECT_NE(c.failure.find("remote-id"), std::string::npos) << c.failure;
}

TEST(CertAuthenticator, RefusalsNameTheirReason) {
  struct Case {
    std::string name;
    std::shared_ptr<const CertAuthenticator> signer;
    IdPayload id;
    std::string anchor;
    int64_t now;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"expired", Own(Pki().expired, Pki().ec_key), CertAuthenticator::IdentityOf(Pki().expired),
       "root", kNow, "certificate expired"},
      {"not yet valid", Own(Pki().gw_rsa, Pki().rsa_key),
       CertAuthenticator::IdentityOf(Pki().gw_rsa), "root", kNow - 10 * kDay, "not yet valid"},
      {"revoked", Own(Pki().revoked, Pki().ec_key, {Pki().sub}),
       CertAuthenticator::IdentityOf(Pki().revoked), "root", kNow, "certificate revoked"},
      {"other CA", Own(Pki().gw_other, Pki().ed_key), CertAuthenticator::IdentityOf(Pki().gw_other),
       "root", kNow, "trust anchor absent"},
      {"anchor below", Own(Pki().gw_rsa, Pki().rsa_key),
       CertAuthenticator::IdentityOf(Pki().gw_rsa), "sub", kNow, "trust anchor absent"},
  };
  for (const Case& k : cases) {
    auto checker =
        *CertAuthenticator::Create(std::nullopt, CertCheck{Pki().Verifier(), k.anchor, Pki().root});
    AuthCheck c = Check(*k.signer, *checker, k.id, {}, k.now);
    EXPECT_FALSE(c.ok()) << k.name;
    EXPECT_NE(c.failure.find(k.reason), std::string::npos) << k.name << ": " << c.failure;
  }
}

TEST(CertAuthenticator, BadSignatureAndMissingCertificates) {
  auto gw = Own(Pki().gw_rsa, Pki().rsa_key);
  const IdPayload id = CertAuthenticator::IdentityOf(Pki().gw_rsa);
  absl::StatusOr<AuthPayload> auth = gw->Create(Octets{}.input());
  ASSERT_TRUE(auth.ok());
  AuthPayload tampered = *auth;
  tampered.data.back() ^= 1;
  AuthCheck c = Checker()->Verify(Octets{}.input(), tampered, id, CertPayloads(*gw), 1);
  EXPECT_NE(c.failure.find("bad signature"), std::string::npos) << c.failure;
  // Signed over other octets (a different IKE_SA_INIT).
  Octets other;
  other.message[5] ^= 1;
  c = Checker()->Verify(other.input(), *auth, id, CertPayloads(*gw), 1);
  EXPECT_NE(c.failure.find("bad signature"), std::string::npos) << c.failure;
  // A valid certificate of someone else in front of the signer's AUTH.
  auto ec = Own(Pki().gw_ec, Pki().ec_key, {Pki().sub});
  c = Checker()->Verify(Octets{}.input(), *auth, CertAuthenticator::IdentityOf(Pki().gw_ec),
                        CertPayloads(*ec), 1);
  EXPECT_FALSE(c.ok());
  EXPECT_FALSE(Checker()->Verify(Octets{}.input(), *auth, id, {}, 1).ok());
  std::vector<Payload> garbage = {
      Payload::Make(PayloadType::kCert, CertPayload{kCertX509Signature, {0x30, 0x03, 1, 2, 3}})};
  c = Checker()->Verify(Octets{}.input(), *auth, id, garbage, 1);
  EXPECT_NE(c.failure.find("malformed certificate"), std::string::npos) << c.failure;
  std::vector<Payload> hash_url = {
      Payload::Make(PayloadType::kCert, CertPayload{kCertHashAndUrlX509, {1, 2, 3}})};
  EXPECT_FALSE(Checker()->Verify(Octets{}.input(), *auth, id, hash_url, 1).ok());
  // A PSK AUTH where a signature is required.
  AuthPayload psk{AuthMethod::kSharedKeyMic, std::vector<uint8_t>(32, 7)};
  EXPECT_FALSE(Checker()->Verify(Octets{}.input(), psk, id, CertPayloads(*gw), 1).ok());
}

TEST(CertAuthenticator, CreateChecksItsMaterial) {
  EXPECT_FALSE(CertAuthenticator::Create(std::nullopt, std::nullopt).ok());
  EXPECT_FALSE(
      CertAuthenticator::Create(CertOwn{Pki().gw_rsa, Pki().ec_key, {}}, std::nullopt).ok());
  EXPECT_FALSE(
      CertAuthenticator::Create(std::nullopt, CertCheck{nullptr, "root", Pki().root}).ok());
  // Only a checker: cannot prove us.
  EXPECT_EQ(Checker()->Create(Octets{}.input()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Only a signer: cannot check anyone.
  auto gw = Own(Pki().gw_rsa, Pki().rsa_key);
  EXPECT_FALSE(gw->Verify(Octets{}.input(), {}, {}, {}, 1).ok());
}

TEST(CertAuthenticator, CertificatesRequestsAndSameAs) {
  auto gw = Own(Pki().gw_ec, Pki().ec_key, {Pki().sub});
  std::vector<CertPayload> certs = gw->OwnCertificates();
  ASSERT_EQ(certs.size(), 2u);
  EXPECT_EQ(certs[0].data, Pki().gw_ec.Der());
  EXPECT_EQ(certs[1].data, Pki().sub.Der());
  EXPECT_FALSE(gw->CertRequest().has_value());
  std::optional<CertPayload> req = Checker()->CertRequest();
  ASSERT_TRUE(req.has_value());
  const std::array<uint8_t, 20> hash = Pki().root.SpkiSha1();
  EXPECT_EQ(req->data, std::vector<uint8_t>(hash.begin(), hash.end()));
  EXPECT_TRUE(gw->SameAs(*Own(Pki().gw_ec, Pki().ec_key, {Pki().sub})));
  EXPECT_FALSE(gw->SameAs(*Own(Pki().gw_ec, Pki().ec_key)));
  EXPECT_FALSE(gw->SameAs(*Own(Pki().gw_rsa, Pki().rsa_key)));
  EXPECT_TRUE(Checker()->SameAs(*Checker()));  // a rebuilt verifier is still the same anchor
  EXPECT_FALSE(Checker()->SameAs(*Checker("other")));
  EXPECT_FALSE(Checker()->SameAs(*gw));
}

// IKEv1 (RFC 2409 5.1): SIG_I is HASH_I signed raw; the same certificate checks as IKEv2.
TEST(CertAuthenticator, Ikev1SignsTheHashRaw) {
  auto rsa = Own(Pki().gw_rsa, Pki().rsa_key);
  const std::vector<uint8_t> hash_i(20, 0x5A);
  Octets o;
  AuthInput in = o.input();
  in.ikev1_hash = hash_i;
  absl::StatusOr<AuthPayload> sig = rsa->Create(in);
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(sig->method, AuthMethod::kRsaSignature);
  EXPECT_TRUE(Pki().rsa_key.public_key().Verify(hash_i, sig->data, {.rsa_pkcs1_raw = true}).ok());
  const IdPayload id = CertAuthenticator::IdentityOf(Pki().gw_rsa);
  AuthCheck c = Checker()->Verify(in, *sig, id, CertPayloads(*rsa), 1);
  EXPECT_TRUE(c.ok()) << c.failure;
  // Another HASH: a bad signature. The IKEv2 octets are not what IKEv1 signed.
  const std::vector<uint8_t> other(20, 0x5B);
  AuthInput wrong = in;
  wrong.ikev1_hash = other;
  c = Checker()->Verify(wrong, *sig, id, CertPayloads(*rsa), 1);
  EXPECT_NE(c.failure.find("bad signature"), std::string::npos) << c.failure;
  EXPECT_FALSE(Checker()->Verify(o.input(), *sig, id, CertPayloads(*rsa), 1).ok());
  // No CERT: the same reason as IKEv2's.
  c = Checker()->Verify(in, *sig, id, {}, 1);
  EXPECT_NE(c.failure.find("no certificate"), std::string::npos) << c.failure;
  // Only RSA in IKEv1: an ECDSA key cannot sign, and its certificate cannot be verified.
  auto ec = Own(Pki().gw_ec, Pki().ec_key, {Pki().sub});
  EXPECT_EQ(ec->Create(in).status().code(), absl::StatusCode::kFailedPrecondition);
  c = Checker()->Verify(in, *sig, CertAuthenticator::IdentityOf(Pki().gw_ec), CertPayloads(*ec), 1);
  EXPECT_NE(c.failure.find("RSA only"), std::string::npos) << c.failure;
  // The CR payload names the trust anchor by its DN.
  EXPECT_EQ(Checker()->CertAuthorityDn(), Pki().root.SubjectDer());
  EXPECT_TRUE(rsa->CertAuthorityDn().empty());
}

}  // namespace
}  // namespace tunnelisa::ike
