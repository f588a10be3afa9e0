// IKEv1 phase 1 with RSA signatures and X.509 certificates (RFC 2409 5.1), two Ikev1Managers
// in one process: Main Mode and Aggressive Mode in both roles, every refusal with its reason
// (wrong CA, expired certificate, wrong remote-id, tampered SIG, no CERT), a phase 1 renewal
// and retransmissions.
#include <algorithm>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "ike/auth/auth_test_pki.h"
#include "ike/auth/cert_authenticator.h"
#include "ike/codec/v1/v1_payload.h"
#include "ike/v1/ikev1_manager.h"
#include "ike/v1/ikev1_test_util.h"
#include "ike/v1/v1_proposals.h"

namespace tunnelisa::ike::v1 {
namespace {

using ::tunnelisa::ike::testing::Pki;
using ::tunnelisa::ike::testing::TestHost;
using ::tunnelisa::ike::v1::testing::ActiveOf;
using ::tunnelisa::ike::v1::testing::V1Pair;
using ::tunnelisa::ike::v1::testing::V1Peer;
using ::tunnelisa::pki::testing::kDay;
using ::tunnelisa::pki::testing::kNow;
using ::tunnelisa::pki::testing::Mint;

// Two RSA gateways under the shared test PKI's root, and an expired one.
struct V1Certs {
  pki::PrivateKey key_a = pki::testing::Key(pki::KeyType::kRsa, 60);
  pki::PrivateKey key_b = pki::testing::Key(pki::KeyType::kRsa, 61);
  pki::Certificate cert_a = Mint({.subject = "O=Example,CN=v1-a",
                                  .key = key_a.public_key(),
                                  .issuer = &Pki().root,
                                  .issuer_key = Pki().root_key,
                                  .san = "DNS:a.example.com",
                                  .serial = 60});
  pki::Certificate cert_b = Mint({.subject = "O=Example,CN=v1-b",
                                  .key = key_b.public_key(),
                                  .issuer = &Pki().root,
                                  .issuer_key = Pki().root_key,
                                  .san = "DNS:b.example.com",
                                  .serial = 61});
  pki::Certificate expired_a = Mint({.subject = "O=Example,CN=v1-a",
                                     .key = key_a.public_key(),
                                     .issuer = &Pki().root,
                                     .issuer_key = Pki().root_key,
                                     .not_before = kNow - 30 * kDay,
                                     .not_after = kNow - kDay,
                                     .serial = 62});
};

const V1Certs& Certs() {
  static const V1Certs* c = new V1Certs();
  return *c;
}

std::shared_ptr<const CertAuthenticator> CertAuth(const pki::Certificate& cert,
                                                  const pki::PrivateKey& key,
                                                  std::string anchor = "root") {
  const pki::Certificate& anchor_cert = anchor == "other" ? Pki().other : Pki().root;
  return *CertAuthenticator::Create(CertOwn{cert, key, {}},
                                    CertCheck{Pki().Verifier(), std::move(anchor), anchor_cert});
}

// V1CertPeer: V1Peer with certificates instead of the pre-shared key; the identity is the
// certificate's subject DN (as the engine sets it).
IkePeerConfig V1CertPeer(bool a, std::shared_ptr<const Authenticator> auth = nullptr) {
  IkePeerConfig p = V1Peer(a);
  const pki::Certificate& cert = a ? Certs().cert_a : Certs().cert_b;
  if (auth == nullptr) auth = CertAuth(cert, a ? Certs().key_a : Certs().key_b);
  p.auth = {auth, auth};
  p.local_id = CertAuthenticator::IdentityOf(cert);
  return p;
}

// Tampered: proves with a real certificate but corrupts its SIG, or leaves the CERT out.
class Tampered final : public Authenticator {
 public:
  Tampered(std::shared_ptr<const CertAuthenticator> real, bool flip_sig, bool drop_cert)
      : real_(std::move(real)), flip_sig_(flip_sig), drop_cert_(drop_cert) {}
  std::string_view name() const override { return "tampered"; }
  absl::StatusOr<AuthPayload> Create(const AuthInput& in) const override {
    absl::StatusOr<AuthPayload> a = real_->Create(in);
    if (a.ok() && flip_sig_) a->data[a->data.size() / 2] ^= 0x20;
    return a;
  }
  AuthCheck Verify(const AuthInput& in, const AuthPayload& auth, const IdPayload& id,
                   std::span<const Payload> payloads, uint64_t ticket) const override {
    return real_->Verify(in, auth, id, payloads, ticket);
  }
  bool SameAs(const Authenticator& o) const override { return &o == this; }
  std::vector<CertPayload> OwnCertificates() const override {
    return drop_cert_ ? std::vector<CertPayload>() : real_->OwnCertificates();
  }
  std::optional<CertPayload> CertRequest() const override { return real_->CertRequest(); }
  std::vector<uint8_t> CertAuthorityDn() const override { return real_->CertAuthorityDn(); }
  bool UsesSignatures() const override { return true; }
  bool MatchesRemoteId() const override { return true; }

 private:
  std::shared_ptr<const CertAuthenticator> real_;
  bool flip_sig_, drop_cert_;
};

// Payloads: the payload types of an unencrypted datagram (a non-ESP marker stripped).
std::vector<V1PayloadType> Payloads(const std::vector<uint8_t>& datagram) {
  auto [d, natt] = V1Pair::Strip(datagram);
  absl::StatusOr<V1Message> m = ParseV1Message(d);
  std::vector<V1PayloadType> out;
  if (!m.ok()) return out;
  for (const V1Payload& p : m->payloads) out.push_back(p.type);
  return out;
}

bool Has(const std::vector<V1PayloadType>& v, V1PayloadType t) {
  return std::find(v.begin(), v.end(), t) != v.end();
}

TEST(Ikev1Cert, MainModeBothRolesWithRsaSignatures) {
  for (bool a_initiates : {true, false}) {
    SCOPED_TRACE(a_initiates ? "A initiates" : "B initiates");
    V1Pair p(V1CertPeer(true), V1CertPeer(false));
    Ikev1Manager& initiator = a_initiates ? p.a : p.b;
    ASSERT_TRUE(initiator.Initiate(7, p.now).ok());
    TestHost& ih = a_initiates ? p.ha : p.hb;
    TestHost& rh = a_initiates ? p.hb : p.ha;
    // Messages 3 and 4 carry a CR naming the root CA.
    a_initiates ? (p.ToB(), p.ToA()) : (p.ToA(), p.ToB());  // messages 1 and 2
    ASSERT_FALSE(ih.out.empty());
    EXPECT_TRUE(Has(Payloads(ih.out.front()), V1PayloadType::kCertReq));
    a_initiates ? p.ToB() : p.ToA();  // message 3
    ASSERT_FALSE(rh.out.empty());
    EXPECT_TRUE(Has(Payloads(rh.out.front()), V1PayloadType::kCertReq));
    p.Flush();
    ASSERT_NE(p.a.EstablishedSa(7), nullptr);
    ASSERT_NE(p.b.EstablishedSa(7), nullptr);
    p.ExpectOneAgreedPair();
    // Authentication method 3, RSA signatures.
    EXPECT_EQ(p.a.EstablishedSa(7)->negotiated.auth_method,
              static_cast<uint16_t>(V1AuthMethod::kRsaSignatures));
    EXPECT_EQ(p.a.EstablishedSa(7)->peer_id_text, "O=Example, CN=v1-b");
    EXPECT_EQ(p.b.EstablishedSa(7)->peer_id_text, "O=Example, CN=v1-a");
    EXPECT_EQ(p.ha.Count(IkeEventKind::kAuthFailed) + p.hb.Count(IkeEventKind::kAuthFailed), 0u);
    EXPECT_EQ(p.hb.Detail(IkeEventKind::kIkeUp), "main mode, aes128-sha1-modp1536");
  }
}

TEST(Ikev1Cert, AggressiveModeBothRolesWithRsaSignatures) {
  for (bool a_initiates : {true, false}) {
    SCOPED_TRACE(a_initiates ? "A initiates" : "B initiates");
    IkePeerConfig a = V1CertPeer(true), b = V1CertPeer(false);
    a.aggressive = b.aggressive = true;
    V1Pair p(a, b);
    ASSERT_TRUE((a_initiates ? p.a : p.b).Initiate(7, p.now).ok());
    TestHost& ih = a_initiates ? p.ha : p.hb;
    TestHost& rh = a_initiates ? p.hb : p.ha;
    EXPECT_TRUE(Has(Payloads(ih.out.front()), V1PayloadType::kCertReq));
    a_initiates ? p.ToB() : p.ToA();
    // Message 2: the responder's certificate and SIG_R in the clear, and its CR.
    ASSERT_FALSE(rh.out.empty());
    const std::vector<V1PayloadType> m2 = Payloads(rh.out.front());
    EXPECT_TRUE(Has(m2, V1PayloadType::kCert));
    EXPECT_TRUE(Has(m2, V1PayloadType::kSig));
    EXPECT_TRUE(Has(m2, V1PayloadType::kCertReq));
    EXPECT_FALSE(Has(m2, V1PayloadType::kHash));
    p.Flush();
    ASSERT_NE(p.a.EstablishedSa(7), nullptr);
    ASSERT_NE(p.b.EstablishedSa(7), nullptr);
    p.ExpectOneAgreedPair();
    EXPECT_EQ(p.hb.Detail(IkeEventKind::kIkeUp), "aggressive mode, aes128-sha1-modp1536");
    EXPECT_EQ(p.a.EstablishedSa(7)->peer_id_text, "O=Example, CN=v1-b");
    EXPECT_EQ(p.b.EstablishedSa(7)->peer_id_text, "O=Example, CN=v1-a");
  }
}

// ExpectRefusedByB: A initiates (main or aggressive); B must refuse A with a reason containing
// `why`, keeping no SA. In Main Mode A learns of it (the unprotected notify answering message
// 5); in Aggressive Mode A finished with message 3 and an unprotected notify cannot take an
// established SA down, so only B is checked.
void ExpectRefusedByB(IkePeerConfig a, IkePeerConfig b, const std::string& why,
                      bool aggressive = false) {
  a.aggressive = b.aggressive = aggressive;
  V1Pair p(std::move(a), std::move(b));
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  p.Run(2);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_EQ(p.b.stats().auth_failures, 1u);
  EXPECT_NE(p.hb.Detail(IkeEventKind::kAuthFailed).find(why), std::string::npos)
      << p.hb.Detail(IkeEventKind::kAuthFailed);
  EXPECT_EQ(p.b.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.hb.children.size(), 0u);
  if (!aggressive) {
    EXPECT_EQ(p.a.EstablishedSa(7), nullptr);
    EXPECT_EQ(p.ha.Count(IkeEventKind::kAuthFailed), 1u) << "A did not take the refusal";
    // The notification names the failure: INVALID-SIGNATURE for a SIG that does not verify.
    EXPECT_NE(p.ha.Detail(IkeEventKind::kAuthFailed)
                  .find(why == "bad signature" ? "INVALID-SIGNATURE" : "AUTHENTICATION-FAILED"),
              std::string::npos)
        << p.ha.Detail(IkeEventKind::kAuthFailed);
    EXPECT_EQ(p.ha.children.size(), 0u);
  }
}

TEST(Ikev1Cert, RefusalsNameTheirReason) {
  for (bool aggressive : {false, true}) {
    SCOPED_TRACE(aggressive ? "aggressive" : "main");
    // B trusts another CA.
    ExpectRefusedByB(V1CertPeer(true),
                     V1CertPeer(false, CertAuth(Certs().cert_b, Certs().key_b, "other")),
                     "trust anchor absent", aggressive);
    // A's certificate expired.
    ExpectRefusedByB(V1CertPeer(true, CertAuth(Certs().expired_a, Certs().key_a)),
                     V1CertPeer(false), "certificate expired", aggressive);
    // B expects another identity.
    IkePeerConfig b = V1CertPeer(false);
    b.remote_id = IdPayload::FromFqdn("c.example.com");
    ExpectRefusedByB(V1CertPeer(true), b, "ID mismatch", aggressive);
    // A's SIG is corrupted.
    ExpectRefusedByB(
        V1CertPeer(true, std::make_shared<Tampered>(CertAuth(Certs().cert_a, Certs().key_a),
                                                    /*flip_sig=*/true, /*drop_cert=*/false)),
        V1CertPeer(false), "bad signature", aggressive);
    // A sends no CERT.
    ExpectRefusedByB(
        V1CertPeer(true, std::make_shared<Tampered>(CertAuth(Certs().cert_a, Certs().key_a),
                                                    /*flip_sig=*/false, /*drop_cert=*/true)),
        V1CertPeer(false), "no certificate", aggressive);
  }
}

TEST(Ikev1Cert, RemoteIdAsSubjectOrSubjectAltName) {
  IkePeerConfig b = V1CertPeer(false);
  b.remote_id = IdPayload::FromFqdn("a.example.com");  // A's subjectAltName
  IkePeerConfig a = V1CertPeer(true);
  a.remote_id = CertAuthenticator::IdentityOf(Certs().cert_b);  // B's subject DN
  V1Pair p(a, b);
  p.Establish();
  p.ExpectOneAgreedPair();
}

TEST(Ikev1Cert, InitiatorRefusesTheResponder) {
  // A trusts another CA: B's SIG_R is checked by A, which refuses with the reason.
  V1Pair p(V1CertPeer(true, CertAuth(Certs().cert_a, Certs().key_a, "other")), V1CertPeer(false));
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.ha.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_NE(p.ha.Detail(IkeEventKind::kAuthFailed).find("trust anchor absent"), std::string::npos)
      << p.ha.Detail(IkeEventKind::kAuthFailed);
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);
}

TEST(Ikev1Cert, PreSharedKeyAgainstCertificatesIsNoProposalChosen) {
  V1Pair p(V1Peer(true), V1CertPeer(false));
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.hb.Count(IkeEventKind::kNegotiationFailed), 1u);
  EXPECT_NE(p.hb.Detail(IkeEventKind::kNegotiationFailed).find("authentication method"),
            std::string::npos)
      << p.hb.Detail(IkeEventKind::kNegotiationFailed);
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);
}

TEST(Ikev1Cert, XauthWithCertificatesIsRefused) {
  IkePeerConfig a = V1CertPeer(true);
  const uint8_t pw[] = {'p', 'w'};
  a.xauth_login =
      XauthLogin{"user", std::make_shared<const SecretBytes>(std::span<const uint8_t>(pw))};
  V1Pair p(a, V1CertPeer(false));
  absl::Status s = p.a.Initiate(7, p.now);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("XAUTH with certificates"), std::string::npos) << s;
}

TEST(Ikev1Cert, Phase1RenewalWithCertificatesKeepsTheIpsecSas) {
  V1Pair p(V1CertPeer(true), V1CertPeer(false));
  p.Establish();
  const uint64_t old_cookie = p.a.EstablishedSa(7)->cky_i;
  const uint32_t spi = ActiveOf(p.ha).install.inbound_spi;
  ASSERT_TRUE(p.a.RekeyIke(7, p.now).ok());
  p.Flush();
  ASSERT_NE(p.a.EstablishedSa(7), nullptr);
  EXPECT_NE(p.a.EstablishedSa(7)->cky_i, old_cookie);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kIkeRekeyed), 1u);
  p.Run(11);
  EXPECT_EQ(p.a.ike_sa_count(), 1u);
  EXPECT_EQ(p.b.ike_sa_count(), 1u);
  EXPECT_EQ(ActiveOf(p.ha).install.inbound_spi, spi);
  ASSERT_TRUE(p.a.RekeyChild(7, p.now).ok());
  p.Flush();
  p.Run(1);
  p.ExpectOneAgreedPair();
  EXPECT_NE(ActiveOf(p.ha).install.inbound_spi, spi);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kAuthFailed) + p.hb.Count(IkeEventKind::kAuthFailed), 0u);
}

TEST(Ikev1Cert, EveryMessageDuplicatedOrLostOnce) {
  for (bool aggressive : {false, true}) {
    SCOPED_TRACE(aggressive ? "aggressive" : "main");
    IkePeerConfig a = V1CertPeer(true), b = V1CertPeer(false);
    a.aggressive = b.aggressive = aggressive;
    {
      V1Pair p(a, b);
      ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
      for (int k = 0; k < 32; ++k) {
        for (TestHost* h : {&p.ha, &p.hb}) {
          if (!h->out.empty()) h->out.push_back(h->out.front());
        }
        const bool to_b = p.ToB();  // both directions each round
        const bool to_a = p.ToA();
        if (!to_b && !to_a) break;
      }
      p.Flush();
      p.ExpectOneAgreedPair();
      EXPECT_EQ(p.a.ike_sa_count(), 1u);
      EXPECT_EQ(p.b.ike_sa_count(), 1u);
      EXPECT_EQ(p.ha.children.size(), 1u);
    }
    for (int lost = 0; lost < 9; ++lost) {
      SCOPED_TRACE(lost);
      V1Pair p(a, b);
      p.RunLosing(lost);
      p.ExpectOneAgreedPair();
      EXPECT_EQ(p.ha.Count(IkeEventKind::kAuthFailed) + p.hb.Count(IkeEventKind::kAuthFailed), 0u);
    }
  }
}

}  // namespace
}  // namespace tunnelisa::ike::v1
