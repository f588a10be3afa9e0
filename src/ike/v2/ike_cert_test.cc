// IKEv2 with certificates between two IkeManagers (RFC 7296 2.15, 3.6, 3.7; RFC 7427):
// CERTREQ in IKE_SA_INIT, CERT and signature AUTH in IKE_AUTH, asymmetric authentication, and
// the refusals (revoked, expired on the host's wall clock, wrong remote-id) as auth-failure
// events on the side that checks.
#include <gtest/gtest.h>

#include "gmock/gmock.h"
#include "ike/auth/auth_test_pki.h"
#include "ike/auth/cert_authenticator.h"
#include "ike/codec/message.h"
#include "ike/v2/ike_manager_test_util.h"

namespace tunnelisa::ike {
namespace {

using testing::Pair;
using testing::Peer;
using testing::Pki;

std::shared_ptr<const CertAuthenticator> CertBoth(const pki::Certificate& cert,
                                                  const pki::PrivateKey& key,
                                                  std::vector<pki::Certificate> chain = {}) {
  return *CertAuthenticator::Create(CertOwn{cert, key, std::move(chain)},
                                    CertCheck{Pki().Verifier(), "root", Pki().root});
}

// CertPeer: side A (gw-ec, with its intermediate) or B (gw-rsa), proving and checking with
// certificates; its identity is its certificate's subject DN.
IkePeerConfig CertPeer(bool a) {
  IkePeerConfig p = Peer(a);
  const pki::Certificate& cert = a ? Pki().gw_ec : Pki().gw_rsa;
  auto auth = a ? CertBoth(cert, Pki().ec_key, {Pki().sub}) : CertBoth(cert, Pki().rsa_key);
  p.auth = {auth, auth};
  p.local_id = CertAuthenticator::IdentityOf(cert);
  return p;
}

// RevokedPeer: side B presenting a certificate its CA's CRL revokes.
IkePeerConfig RevokedPeer() {
  IkePeerConfig b = CertPeer(false);
  auto revoked = CertBoth(Pki().revoked, Pki().ec_key, {Pki().sub});
  b.auth = {revoked, revoked};
  b.local_id = CertAuthenticator::IdentityOf(Pki().revoked);
  return b;
}

bool HasPayload(const std::vector<uint8_t>& datagram, PayloadType type) {
  absl::StatusOr<Message> m = Message::Parse(datagram);
  return m.ok() && m->Find(type) != nullptr;
}

TEST(IkeCert, BothWaysWithAnIntermediate) {
  Pair p({}, CertPeer(true), CertPeer(false));
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  ASSERT_FALSE(p.ha.out.empty());
  EXPECT_TRUE(HasPayload(p.ha.out.front(), PayloadType::kNotify));
  ASSERT_TRUE(p.ToB());
  ASSERT_FALSE(p.hb.out.empty());
  // RFC 7296 1.2: the responder may ask for certificates in IKE_SA_INIT.
  EXPECT_TRUE(HasPayload(p.hb.out.front(), PayloadType::kCertReq));
  p.Flush();
  ASSERT_NE(p.a.EstablishedSa(7), nullptr);
  ASSERT_NE(p.b.EstablishedSa(7), nullptr);
  p.ExpectOneAgreedPair();
  EXPECT_EQ(p.a.EstablishedSa(7)->peer_id, CertAuthenticator::IdentityOf(Pki().gw_rsa));
  EXPECT_EQ(p.b.EstablishedSa(7)->peer_id, CertAuthenticator::IdentityOf(Pki().gw_ec));
  EXPECT_EQ(p.a.stats().auth_failures + p.b.stats().auth_failures, 0u);
}

TEST(IkeCert, AsymmetricPskOneWayCertificateTheOther) {
  // A proves itself with the pre-shared key and checks B's certificate; B the reverse.
  IkePeerConfig a = Peer(true), b = Peer(false);
  auto check_only =
      *CertAuthenticator::Create(std::nullopt, CertCheck{Pki().Verifier(), "root", Pki().root});
  auto prove_only =
      *CertAuthenticator::Create(CertOwn{Pki().gw_rsa, Pki().rsa_key, {}}, std::nullopt);
  a.auth.peer = check_only;  // a.auth.own stays the PSK
  b.auth.own = prove_only;   // b.auth.peer stays the PSK
  b.local_id = CertAuthenticator::IdentityOf(Pki().gw_rsa);
  Pair p({}, a, b);
  p.Establish();
  p.ExpectOneAgreedPair();
  // Both directions refused when the other side's method is the wrong one.
  IkePeerConfig b_psk = Peer(false);
  Pair q({}, a, b_psk);
  ASSERT_TRUE(q.a.Initiate(7, q.now).ok());
  q.Flush();
  EXPECT_EQ(q.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(q.ha.Count(IkeEventKind::kAuthFailed), 1u);
}

TEST(IkeCert, RevokedPeerRefusedWithItsReason) {
  Pair p({}, CertPeer(true), RevokedPeer());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.a.stats().auth_failures, 1u);
  ASSERT_EQ(p.ha.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_THAT(p.ha.Detail(IkeEventKind::kAuthFailed), ::testing::HasSubstr("certificate revoked"));
}

TEST(IkeCert, AnInitiatorRefusingTheResponderTakesTheResponderDownToo) {
  // The responder installs its SAs when it sends its IKE_AUTH response; the initiator checks
  // that response's certificate afterwards. A refusal there must reach the responder (RFC 7296
  // 2.21.2: an INFORMATIONAL with AUTHENTICATION_FAILED), or the responder keeps an IKE SA and
  // a CHILD SA nobody uses: strongSwan as the responder did, until its DPD found out.
  Pair p({}, CertPeer(true), RevokedPeer());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.b.EstablishedSa(7), nullptr);
  EXPECT_TRUE(p.hb.children.empty());
  // The responder reports it as an authentication failure (ours, refused by the peer).
  EXPECT_EQ(p.b.stats().auth_failures, 1u);
  ASSERT_EQ(p.hb.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_THAT(p.hb.Detail(IkeEventKind::kAuthFailed),
              ::testing::HasSubstr("AUTHENTICATION_FAILED"));
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeDown), 1u);
}

TEST(IkeCert, ExpiryFollowsTheHostsWallClock) {
  // gw-rsa is valid for a year after kNow; a year and a day later the responder refuses it.
  Pair p({}, CertPeer(true), CertPeer(false));
  p.ha.wall = WallTime::FromUnixSeconds(pki::testing::kNow + 366 * pki::testing::kDay);
  p.hb.wall = p.ha.wall;
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.b.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_THAT(p.hb.Detail(IkeEventKind::kAuthFailed), ::testing::HasSubstr("expired"));
}

TEST(IkeCert, RemoteIdMayNameASubjectAltName) {
  IkePeerConfig a = CertPeer(true);
  a.remote_id = IdPayload::FromFqdn("gw-rsa.example.com");  // B sends its DN; its cert has the SAN
  Pair p({}, a, CertPeer(false));
  p.Establish();
  IkePeerConfig wrong = CertPeer(true);
  wrong.remote_id = IdPayload::FromFqdn("someone-else.example.com");
  Pair q({}, wrong, CertPeer(false));
  ASSERT_TRUE(q.a.Initiate(7, q.now).ok());
  q.Flush();
  EXPECT_EQ(q.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(q.ha.Count(IkeEventKind::kAuthFailed), 1u);
  // Refused by the initiator after the responder had installed its SAs: told, it drops them.
  EXPECT_EQ(q.b.EstablishedSa(7), nullptr);
  EXPECT_TRUE(q.hb.children.empty());
}

TEST(IkeCert, CertificatesFragmentOnASmallPath) {
  IkeOptions o;
  o.max_datagram = 400;
  Pair p(o, CertPeer(true), CertPeer(false));
  p.Establish();
  EXPECT_LE(p.largest_datagram, 400u);
  p.ExpectOneAgreedPair();
  // The IKE SA rekeys and its CHILD SAs too, with certificates not involved again.
  ASSERT_TRUE(p.a.RekeyIke(7, p.now).ok());
  p.Flush();
  ASSERT_NE(p.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.a.EstablishedSa(7)->peer_id, CertAuthenticator::IdentityOf(Pki().gw_rsa));
}

}  // namespace
}  // namespace tunnelisa::ike

namespace tunnelisa::ike {
namespace {

// CountingCrypto: OpenSSL underneath, counting what the exchanges ask of the provider.
class CountingCrypto final : public IkeCryptoProvider {
 public:
  std::string_view name() const override { return "counting"; }
  absl::StatusOr<std::unique_ptr<Prf>> NewPrf(PrfAlgorithm prf,
                                              std::span<const uint8_t> key) const override {
    ++prfs;
    return OpenSslIkeCrypto().NewPrf(prf, key);
  }
  absl::StatusOr<std::unique_ptr<DhKeyPair>> NewDhKeyPair(DhGroup group) const override {
    ++dh;
    return OpenSslIkeCrypto().NewDhKeyPair(group);
  }
  absl::StatusOr<std::vector<uint8_t>> Hash(pki::HashAlgorithm hash,
                                            std::span<const uint8_t> data) const override {
    ++hashes;
    return OpenSslIkeCrypto().Hash(hash, data);
  }
  absl::StatusOr<std::vector<uint8_t>> Sign(const pki::PrivateKey& key,
                                            std::span<const uint8_t> data,
                                            const pki::SignatureOptions& o) const override {
    ++signs;
    return OpenSslIkeCrypto().Sign(key, data, o);
  }
  absl::Status Verify(const pki::PublicKey& key, std::span<const uint8_t> data,
                      std::span<const uint8_t> sig, const pki::SignatureOptions& o) const override {
    ++verifies;
    return refuse_verify ? absl::InvalidArgumentError("bad signature (HSM says no)")
                         : OpenSslIkeCrypto().Verify(key, data, sig, o);
  }
  mutable int prfs = 0, dh = 0, hashes = 0, signs = 0, verifies = 0;
  bool refuse_verify = false;
};

// Exchange: delivers both hosts' datagrams until both are quiet (bounded).
void Exchange(IkeManager& a, IkeManager& b, testing::TestHost& ha, testing::TestHost& hb,
              const IkePeerConfig& pa, const IkePeerConfig& pb) {
  for (int k = 0; k < 16 && (!ha.out.empty() || !hb.out.empty()); ++k) {
    while (!ha.out.empty()) {
      std::vector<uint8_t> d = std::move(ha.out.front());
      ha.out.pop_front();
      b.OnDatagram({pb.local, 500}, {pa.local, 500}, d, false, MonoTime{});
    }
    while (!hb.out.empty()) {
      std::vector<uint8_t> d = std::move(hb.out.front());
      hb.out.pop_front();
      a.OnDatagram({pa.local, 500}, {pb.local, 500}, d, false, MonoTime{});
    }
  }
}

TEST(IkeCert, EveryExchangeCryptoGoesThroughTheHostsProvider) {
  CountingCrypto crypto_a, crypto_b;
  IkeOptions oa, ob;
  oa.crypto = &crypto_a;
  ob.crypto = &crypto_b;
  testing::TestHost ha(1), hb(2);
  IkeManager a(&ha, oa), b(&hb, ob);
  IkePeerConfig pa = CertPeer(true), pb = CertPeer(false);
  a.SetPeers({pa}, MonoTime{});
  b.SetPeers({pb}, MonoTime{});
  ASSERT_TRUE(a.Initiate(7, MonoTime{}).ok());
  Exchange(a, b, ha, hb, pa, pb);
  ASSERT_NE(a.EstablishedSa(7), nullptr);
  for (const CountingCrypto* c : {&crypto_a, &crypto_b}) {
    EXPECT_EQ(c->dh, 1);
    EXPECT_GE(c->prfs, 4);    // SKEYSEED, prf+, two MACed IDs, CHILD SA KEYMAT
    EXPECT_EQ(c->hashes, 4);  // NAT-D: source and destination, ours and the peer's check
    EXPECT_EQ(c->signs, 1);
    EXPECT_EQ(c->verifies, 1);
  }
}

TEST(IkeCert, AProviderRefusingTheSignatureRefusesThePeer) {
  CountingCrypto crypto_b;
  crypto_b.refuse_verify = true;
  IkeOptions ob;
  ob.crypto = &crypto_b;
  testing::TestHost ha(1), hb(2);
  IkeManager a(&ha, {}), b(&hb, ob);
  IkePeerConfig pa = CertPeer(true), pb = CertPeer(false);
  a.SetPeers({pa}, MonoTime{});
  b.SetPeers({pb}, MonoTime{});
  ASSERT_TRUE(a.Initiate(7, MonoTime{}).ok());
  Exchange(a, b, ha, hb, pa, pb);
  EXPECT_EQ(b.EstablishedSa(7), nullptr);
  EXPECT_EQ(hb.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_EQ(crypto_b.verifies, 1);
}

}  // namespace
}  // namespace tunnelisa::ike
