// Two Ikev1Managers in one process (the IKEv2 tests' TestHost), with loss, duplicates,
// reordering and a NAT under the test's control: Main Mode and Aggressive Mode with pre-shared
// keys, Quick Mode with and without PFS, rekeys of both phases, DPD, Delete, wrong keys and
// proposals, and garbage.
#include "ike/v1/ikev1_manager.h"

#include <random>

#include "gtest/gtest.h"
#include "ike/auth/psk_authenticator.h"
#include "ike/v2/ike_manager_test_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using ::tunnelisa::ike::testing::TestHost;

// ActiveOf: the host's active IPsec SA pair (a failed expectation and an empty one if none).
const TestHost::Child& ActiveOf(const TestHost& h) {
  static const TestHost::Child kNone;
  const TestHost::Child* c = h.Active();
  EXPECT_NE(c, nullptr);
  return c != nullptr ? *c : kNone;
}

IkePeerConfig V1Peer(bool a, std::string_view psk = "secret") {
  IkePeerConfig p;
  p.id = 7;
  p.name = a ? "to-b" : "to-a";
  p.ike_version = 1;
  p.local = *IpAddress::Parse(a ? "192.0.2.1" : "192.0.2.2");
  p.remote = *IpAddress::Parse(a ? "192.0.2.2" : "192.0.2.1");
  std::vector<uint8_t> key(psk.begin(), psk.end());
  p.auth =
      PskAuthenticator::Both(std::make_shared<const SecretBytes>(std::span<const uint8_t>(key)));
  p.local_id = IdPayload::FromAddress(p.local);
  p.ike = {EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha1_96, DhGroup::kModp1536};
  p.child = {
      {EspSuite{EncryptionAlgorithm::kAes256Cbc, IntegrityAlgorithm::kHmacSha1_96}, std::nullopt}};
  p.local_ts = {*IpPrefix::Parse(a ? "192.168.1.0/24" : "192.168.2.0/24")};
  p.remote_ts = {*IpPrefix::Parse(a ? "192.168.2.0/24" : "192.168.1.0/24")};
  return p;
}

// V1Pair: A and B; messages wait in each host's queue until the test delivers them. A NAT in
// front of A can be simulated by rewriting A's source port (nat_port).
struct V1Pair {
  TestHost ha{1}, hb{2};
  Ikev1Manager a, b;
  IkePeerConfig pa, pb;
  MonoTime now;
  uint16_t nat_port = 0;  // non-zero: B sees A's datagrams from this port (A behind a NAT)

  explicit V1Pair(IkePeerConfig config_a = V1Peer(true), IkePeerConfig config_b = V1Peer(false),
                  IkeOptions options = {})
      : a(&ha, options), b(&hb, options), pa(std::move(config_a)), pb(std::move(config_b)) {
    a.SetPeers({pa}, now);
    b.SetPeers({pb}, now);
  }
  // Strip: the datagram without a non-ESP marker, and whether it had one.
  static std::pair<std::vector<uint8_t>, bool> Strip(std::vector<uint8_t> d) {
    if (d.size() >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 0) {
      return {std::vector<uint8_t>(d.begin() + 4, d.end()), true};
    }
    return {std::move(d), false};
  }
  bool ToB() {
    if (ha.out.empty()) return false;
    auto [d, natt] = Strip(std::move(ha.out.front()));
    ha.out.pop_front();
    const uint16_t port = natt ? 4500 : 500;
    b.OnDatagram({pb.local, port},
                 {pa.local, nat_port != 0 ? static_cast<uint16_t>(nat_port + natt) : port}, d, natt,
                 now);
    return true;
  }
  bool ToA() {
    if (hb.out.empty()) return false;
    auto [d, natt] = Strip(std::move(hb.out.front()));
    hb.out.pop_front();
    const uint16_t port = natt ? 4500 : 500;
    a.OnDatagram({pa.local, port}, {pb.local, port}, d, natt, now);
    return true;
  }
  void Flush() {
    for (int k = 0; k < 64 && (ToB() || ToA()); ++k) {
    }
  }
  // Run: advances time in one-second steps, with timers, delivering everything.
  void Run(int seconds) {
    for (int k = 0; k < seconds; ++k) {
      now = now + Duration::Seconds(1);
      a.OnTimer(now);
      b.OnTimer(now);
      Flush();
    }
  }
  void Establish() {
    ASSERT_TRUE(a.Initiate(7, now).ok());
    Flush();
    ASSERT_NE(a.EstablishedSa(7), nullptr);
    ASSERT_NE(b.EstablishedSa(7), nullptr);
  }
  void ExpectOneAgreedPair() const {
    const TestHost::Child* ca = ha.Active();
    const TestHost::Child* cb = hb.Active();
    ASSERT_NE(ca, nullptr);
    ASSERT_NE(cb, nullptr);
    EXPECT_EQ(ca->install.outbound_spi, cb->install.inbound_spi);
    EXPECT_EQ(cb->install.outbound_spi, ca->install.inbound_spi);
    EXPECT_TRUE(ca->install.outbound_enc.Equals(cb->install.inbound_enc));
    EXPECT_TRUE(cb->install.outbound_enc.Equals(ca->install.inbound_enc));
    EXPECT_TRUE(ca->install.outbound_integ.Equals(cb->install.inbound_integ));
    EXPECT_TRUE(cb->install.outbound_integ.Equals(ca->install.inbound_integ));
    EXPECT_FALSE(ca->install.outbound_enc.Equals(ca->install.inbound_enc));
  }
};

TEST(Ikev1Manager, MainModeWithAPreSharedKeyThenQuickMode) {
  V1Pair p;
  p.Establish();
  p.ExpectOneAgreedPair();
  EXPECT_EQ(p.ha.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(p.hb.Detail(IkeEventKind::kIkeUp), "main mode, aes128-sha1-modp1536");
  const TestHost::Child* ca = &ActiveOf(p.ha);
  EXPECT_EQ(ca->install.suite.enc, EncryptionAlgorithm::kAes256Cbc);
  EXPECT_EQ(ca->install.inbound_enc.size(), 32u);
  EXPECT_EQ(ca->install.inbound_integ.size(), 20u);
  ASSERT_EQ(ca->install.local_selectors.size(), 1u);
  EXPECT_EQ(ca->install.local_selectors[0].ToString(), "192.168.1.0/24");
  EXPECT_EQ(ActiveOf(p.hb).install.local_selectors[0].ToString(), "192.168.2.0/24");
  EXPECT_FALSE(ca->install.udp_encap.has_value());
  EXPECT_EQ(p.a.EstablishedSa(7)->peer_id_text, "192.0.2.2");
  EXPECT_EQ(p.b.half_open_count(), 0u);
}

TEST(Ikev1Manager, AggressiveModeWithAPreSharedKey) {
  IkePeerConfig a = V1Peer(true), b = V1Peer(false);
  a.aggressive = b.aggressive = true;
  V1Pair p(a, b);
  p.Establish();
  p.ExpectOneAgreedPair();
  EXPECT_EQ(p.hb.Detail(IkeEventKind::kIkeUp), "aggressive mode, aes128-sha1-modp1536");
}

TEST(Ikev1Manager, AggressiveModeIsRefusedWhereMainModeIsConfigured) {
  IkePeerConfig a = V1Peer(true);
  a.aggressive = true;
  V1Pair p(a, V1Peer(false));
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_EQ(p.hb.Detail(IkeEventKind::kNegotiationFailed),
            "Aggressive Mode offered, ike-mode is main");
  EXPECT_NE(p.ha.Detail(IkeEventKind::kNegotiationFailed).find("NO-PROPOSAL-CHOSEN"),
            std::string::npos);
}

TEST(Ikev1Manager, QuickModeWithPfsAndEveryPhase1Cipher) {
  for (EncryptionAlgorithm enc :
       {EncryptionAlgorithm::kDesCbc, EncryptionAlgorithm::k3DesCbc,
        EncryptionAlgorithm::kAes192Cbc, EncryptionAlgorithm::kAes256Cbc}) {
    for (IntegrityAlgorithm hash :
         {IntegrityAlgorithm::kHmacMd5_96, IntegrityAlgorithm::kHmacSha256_128,
          IntegrityAlgorithm::kHmacSha512_256}) {
      SCOPED_TRACE(std::string(GetEncryptionInfo(enc).name) + "/" +
                   std::string(GetIntegrityInfo(hash).name));
      IkePeerConfig a = V1Peer(true), b = V1Peer(false);
      for (IkePeerConfig* c : {&a, &b}) {
        c->ike.encryption = enc;
        c->ike.integrity = hash;
        c->ike.dh_group = DhGroup::kModp1024;
        c->child = {{EspSuite{EncryptionAlgorithm::k3DesCbc, IntegrityAlgorithm::kHmacMd5_96},
                     DhGroup::kModp1024}};
      }
      V1Pair p(a, b);
      p.Establish();
      p.ExpectOneAgreedPair();
      EXPECT_EQ(p.hb.Detail(IkeEventKind::kChildUp), "3des-md5-modp1024");
    }
  }
}

TEST(Ikev1Manager, ResponderPicksItsTransformAmongSeveral) {
  IkePeerConfig a = V1Peer(true), b = V1Peer(false);
  a.child = {{EspSuite{EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone}, std::nullopt},
             {EspSuite{EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha256_128},
              std::nullopt}};
  b.child = {{EspSuite{EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha256_128},
              std::nullopt}};
  V1Pair p(a, b);
  p.Establish();
  p.ExpectOneAgreedPair();
  EXPECT_EQ(ActiveOf(p.ha).install.suite.enc, EncryptionAlgorithm::kAes128Cbc);
  EXPECT_EQ(ActiveOf(p.ha).install.inbound_integ.size(), 32u);
}

TEST(Ikev1Manager, AesGcmInQuickModeCarriesItsSalt) {
  IkePeerConfig a = V1Peer(true), b = V1Peer(false);
  a.child = b.child = {
      {EspSuite{EncryptionAlgorithm::kAes256Gcm16, IntegrityAlgorithm::kNone}, std::nullopt}};
  V1Pair p(a, b);
  p.Establish();
  p.ExpectOneAgreedPair();
  EXPECT_EQ(ActiveOf(p.ha).install.inbound_enc.size(), 36u);
  EXPECT_EQ(ActiveOf(p.ha).install.inbound_integ.size(), 0u);
}

TEST(Ikev1Manager, WrongPreSharedKeyFailsBothSidesWithAnAuthEvent) {
  V1Pair p(V1Peer(true, "secret"), V1Peer(false, "other"));
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.b.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_NE(p.hb.Detail(IkeEventKind::kAuthFailed).find("pre-shared keys differ"),
            std::string::npos);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_TRUE(p.ha.children.empty());
  EXPECT_TRUE(p.hb.children.empty());
}

TEST(Ikev1Manager, RemoteIdMismatchIsAnAuthFailure) {
  IkePeerConfig b = V1Peer(false);
  b.remote_id = IdPayload::FromFqdn("someone.example");
  V1Pair p(V1Peer(true), b);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.b.EstablishedSa(7), nullptr);
  EXPECT_NE(p.hb.Detail(IkeEventKind::kAuthFailed).find("not the configured remote-id"),
            std::string::npos);
}

TEST(Ikev1Manager, NoCommonPhase1ProposalIsANegotiationFailure) {
  IkePeerConfig b = V1Peer(false);
  b.ike.dh_group = DhGroup::kModp2048;
  V1Pair p(V1Peer(true), b);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kNegotiationFailed), 1u);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kNegotiationFailed), 1u);
  EXPECT_NE(p.ha.Detail(IkeEventKind::kNegotiationFailed).find("NO-PROPOSAL-CHOSEN"),
            std::string::npos);
}

TEST(Ikev1Manager, NoCommonQuickModeProposalLeavesPhase1Up) {
  IkePeerConfig b = V1Peer(false);
  b.child = {{EspSuite{EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha512_256},
              std::nullopt}};
  V1Pair p(V1Peer(true), b);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_NE(p.a.EstablishedSa(7), nullptr);
  EXPECT_TRUE(p.ha.children.empty());
  EXPECT_TRUE(p.hb.children.empty());
  EXPECT_NE(p.hb.Detail(IkeEventKind::kNegotiationFailed).find("Quick Mode"), std::string::npos);
}

TEST(Ikev1Manager, SelectorsOutsideThePolicyAreRefused) {
  IkePeerConfig a = V1Peer(true);
  a.local_ts = {*IpPrefix::Parse("10.9.0.0/16")};
  V1Pair p(a, V1Peer(false));
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_TRUE(p.hb.children.empty());
  EXPECT_NE(p.hb.Detail(IkeEventKind::kNegotiationFailed).find("outside the security policy"),
            std::string::npos);
}

// Every message of the setup lost once: retransmissions (ours) and repeats (the peer's answer
// to a copy) get both phases through.
TEST(Ikev1Manager, EachMessageLostOnce) {
  for (int lost = 0; lost < 9; ++lost) {
    SCOPED_TRACE(lost);
    V1Pair p;
    ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
    int seen = 0;
    for (int round = 0; round < 40 && (p.ha.Active() == nullptr || p.hb.Active() == nullptr ||
                                       !p.ha.out.empty() || !p.hb.out.empty());
         ++round) {
      for (int k = 0; k < 16; ++k) {
        if (!p.ha.out.empty()) {
          if (seen++ == lost) {
            p.ha.out.pop_front();
          } else {
            p.ToB();
          }
        }
        if (!p.hb.out.empty()) {
          if (seen++ == lost) {
            p.hb.out.pop_front();
          } else {
            p.ToA();
          }
        }
      }
      p.now = p.now + Duration::Seconds(1);
      p.a.OnTimer(p.now);
      p.b.OnTimer(p.now);
    }
    p.ExpectOneAgreedPair();
    EXPECT_EQ(p.ha.children.size(), 1u);
    EXPECT_EQ(p.hb.children.size(), 1u);
  }
}

TEST(Ikev1Manager, EveryMessageDuplicated) {
  V1Pair p;
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  for (int k = 0; k < 32; ++k) {
    for (TestHost* h : {&p.ha, &p.hb}) {
      if (!h->out.empty()) h->out.push_back(h->out.front());  // a copy right behind it
    }
    if (!p.ToB() & !p.ToA()) break;
  }
  p.Flush();
  p.ExpectOneAgreedPair();
  EXPECT_EQ(p.ha.children.size(), 1u);
  EXPECT_EQ(p.hb.children.size(), 1u);
  EXPECT_EQ(p.a.ike_sa_count(), 1u);
  EXPECT_EQ(p.b.ike_sa_count(), 1u);
  EXPECT_GT(p.a.stats().responses_replayed + p.b.stats().responses_replayed, 0u);
}

TEST(Ikev1Manager, QuickModeRekeyMakesBeforeItBreaks) {
  V1Pair p;
  p.Establish();
  const uint32_t old_a = ActiveOf(p.ha).install.inbound_spi;
  ASSERT_TRUE(p.a.RekeyChild(7, p.now).ok());
  // Message 1 reaches B: B installs the new SAs but still sends on the old ones.
  ASSERT_TRUE(p.ToB());
  EXPECT_EQ(p.hb.children.size(), 2u);
  EXPECT_EQ(ActiveOf(p.hb).install.outbound_spi, old_a);
  p.Flush();
  p.ExpectOneAgreedPair();
  EXPECT_NE(ActiveOf(p.ha).install.inbound_spi, old_a);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kChildRekeyed), 1u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kChildRekeyed), 1u);
  // The old SAs linger for late packets, then go with a Delete both sides act on.
  EXPECT_EQ(p.ha.children.size(), 2u);
  p.Run(12);
  EXPECT_EQ(p.ha.children.size(), 1u);
  EXPECT_EQ(p.hb.children.size(), 1u);
  p.ExpectOneAgreedPair();
  EXPECT_EQ(p.ha.Count(IkeEventKind::kChildDown), 0u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kChildDown), 0u);
}

TEST(Ikev1Manager, IpsecSaRekeysAtItsSoftLifetime) {
  IkePeerConfig a = V1Peer(true), b = V1Peer(false);
  a.child_lifetime = b.child_lifetime = Duration::Seconds(100);
  V1Pair p(a, b);
  p.Establish();
  p.Run(95);
  EXPECT_GE(p.ha.Count(IkeEventKind::kChildRekeyed), 1u);
  p.ExpectOneAgreedPair();
  p.Run(30);
  EXPECT_LE(p.ha.children.size(), 2u);
  p.ExpectOneAgreedPair();
  EXPECT_EQ(p.ha.Count(IkeEventKind::kChildDown), 0u);
}

TEST(Ikev1Manager, Phase1RekeyKeepsTheIpsecSas) {
  V1Pair p;
  p.Establish();
  const uint64_t old_cookie = p.a.EstablishedSa(7)->cky_i;
  const uint32_t spi = ActiveOf(p.ha).install.inbound_spi;
  ASSERT_TRUE(p.a.RekeyIke(7, p.now).ok());
  p.Flush();
  ASSERT_NE(p.a.EstablishedSa(7), nullptr);
  EXPECT_NE(p.a.EstablishedSa(7)->cky_i, old_cookie);
  EXPECT_EQ(p.a.ike_sa_count(), 1u);
  EXPECT_EQ(p.b.ike_sa_count(), 1u);
  EXPECT_EQ(ActiveOf(p.ha).install.inbound_spi, spi);
  EXPECT_EQ(p.ha.children.size(), 1u);
  EXPECT_EQ(p.hb.children.size(), 1u);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kChildDown), 0u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kChildDown), 0u);
  // The adopted IPsec SA rekeys under the new ISAKMP SA.
  ASSERT_TRUE(p.a.RekeyChild(7, p.now).ok());
  p.Flush();
  p.ExpectOneAgreedPair();
  EXPECT_NE(ActiveOf(p.ha).install.inbound_spi, spi);
}

TEST(Ikev1Manager, DpdKeepsALivePeerAndDropsADeadOne) {
  IkePeerConfig a = V1Peer(true);
  a.dpd = DpdPolicy{Duration::Seconds(5), 2, false};
  V1Pair p(a, V1Peer(false));
  p.Establish();
  p.Run(30);  // R-U-THERE answered: nothing happens
  EXPECT_NE(p.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kIkeDown), 0u);
  // B goes silent.
  for (int k = 0; k < 40; ++k) {
    p.now = p.now + Duration::Seconds(1);
    p.a.OnTimer(p.now);
    p.ha.out.clear();
  }
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.ha.Detail(IkeEventKind::kIkeDown), "dead peer detected (DPD)");
  EXPECT_TRUE(p.ha.children.empty());
}

TEST(Ikev1Manager, ShutdownDeletesBothPhasesAtThePeer) {
  V1Pair p;
  p.Establish();
  p.a.Shutdown(p.now);
  p.Flush();
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_TRUE(p.hb.children.empty());
  EXPECT_NE(p.hb.Detail(IkeEventKind::kChildDown).find("deleted by the peer"), std::string::npos);
}

TEST(Ikev1Manager, AnInitialContactFromARestartedPeerClearsTheOldSas) {
  V1Pair p;
  p.Establish();
  // A restarts: a fresh manager with the same configuration.
  TestHost fresh_host(9);
  Ikev1Manager fresh(&fresh_host, {});
  fresh.SetPeers({p.pa}, p.now);
  ASSERT_TRUE(fresh.Initiate(7, p.now).ok());
  for (int k = 0; k < 32; ++k) {
    bool moved = false;
    while (!fresh_host.out.empty()) {
      auto [d, natt] = V1Pair::Strip(std::move(fresh_host.out.front()));
      fresh_host.out.pop_front();
      p.b.OnDatagram({p.pb.local, 500}, {p.pa.local, 500}, d, natt, p.now);
      moved = true;
    }
    while (!p.hb.out.empty()) {
      auto [d, natt] = V1Pair::Strip(std::move(p.hb.out.front()));
      p.hb.out.pop_front();
      fresh.OnDatagram({p.pa.local, 500}, {p.pb.local, 500}, d, natt, p.now);
      moved = true;
    }
    if (!moved) break;
  }
  EXPECT_NE(fresh.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.b.ike_sa_count(), 1u);
  EXPECT_EQ(p.hb.children.size(), 1u);
  EXPECT_NE(p.hb.Detail(IkeEventKind::kIkeDown).find("INITIAL-CONTACT"), std::string::npos);
}

TEST(Ikev1Manager, BehindANatBothSidesFloatToTheNatTPort) {
  V1Pair p;
  p.nat_port = 40000;
  p.Establish();
  p.ExpectOneAgreedPair();
  const TestHost::Child* ca = &ActiveOf(p.ha);
  const TestHost::Child* cb = &ActiveOf(p.hb);
  ASSERT_TRUE(ca->install.udp_encap.has_value());
  ASSERT_TRUE(cb->install.udp_encap.has_value());
  EXPECT_EQ(ca->install.udp_encap->remote_port, 4500);
  EXPECT_EQ(cb->install.udp_encap->remote_port, 40001);  // A's NAT mapping of 4500
  EXPECT_TRUE(p.a.EstablishedSa(7)->nat_local);
  EXPECT_TRUE(p.b.EstablishedSa(7)->nat_remote);
}

TEST(Ikev1Manager, GarbageAndTruncationsAreCountedDrops) {
  V1Pair p;
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  std::vector<std::vector<uint8_t>> seen;
  std::mt19937 rng(5);
  for (int k = 0; k < 12; ++k) {
    for (TestHost* h : {&p.ha, &p.hb}) {
      if (!h->out.empty()) seen.push_back(V1Pair::Strip(h->out.front()).first);
    }
    if (!p.ToB() & !p.ToA()) break;
  }
  ASSERT_NE(p.b.EstablishedSa(7), nullptr);
  const uint64_t before = p.b.stats().dropped;
  int sent = 0;
  for (const std::vector<uint8_t>& d : seen) {
    for (size_t cut = 0; cut < d.size(); cut += 7) {
      p.b.OnDatagram({p.pb.local, 500}, {p.pa.local, 500}, std::span(d).first(cut), false, p.now);
      ++sent;
    }
    for (int flip = 0; flip < 20; ++flip) {
      std::vector<uint8_t> bad = d;
      bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
      p.b.OnDatagram({p.pb.local, 500}, {p.pa.local, 500}, bad, false, p.now);
    }
  }
  EXPECT_GT(p.b.stats().dropped, before);
  EXPECT_GT(sent, 0);
  // Still up, still one pair.
  p.Flush();
  EXPECT_NE(p.b.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.hb.children.size(), 1u);
}

}  // namespace
}  // namespace tunnelisa::ike::v1
