// Two Ikev1Managers in one process (the IKEv2 tests' TestHost), with loss, duplicates,
// reordering and a NAT under the test's control: Main Mode and Aggressive Mode with pre-shared
// keys, Quick Mode with and without PFS, rekeys of both phases, DPD, Delete, wrong keys and
// proposals, and garbage.
#include "ike/v1/ikev1_manager.h"

#include <algorithm>
#include <random>

#include "gtest/gtest.h"
#include "ike/auth/psk_authenticator.h"
#include "ike/v1/ikev1_test_util.h"
#include "ike/v1/v1_proposals.h"
#include "ike/v2/ike_manager_test_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using ::tunnelisa::ike::testing::TestHost;
using ::tunnelisa::ike::v1::testing::ActiveOf;
using ::tunnelisa::ike::v1::testing::V1Pair;
using ::tunnelisa::ike::v1::testing::V1Peer;

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
    p.RunLosing(lost);
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
  // B sends on the new SAs from message 3 on; A, which sent message 3, stays on the old ones
  // a moment longer, since a responder may install the new ones only when message 3 arrives
  // (strongSwan 5.9.8: the first packets on the new SA were lost in v1-rekey-tl-ss).
  EXPECT_EQ(ActiveOf(p.ha).install.inbound_spi, old_a);
  EXPECT_NE(ActiveOf(p.hb).install.outbound_spi, old_a);
  p.Run(1);
  p.ExpectOneAgreedPair();
  EXPECT_NE(ActiveOf(p.ha).install.inbound_spi, old_a);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kChildRekeyed), 1u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kChildRekeyed), 1u);
  // The old SAs linger for late packets, then go with a Delete both sides act on.
  EXPECT_EQ(p.ha.children.size(), 2u);
  p.Run(11);
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
  // The old ISAKMP SA is not deleted at once, not even by the side that renewed it: a peer
  // may move its IPsec SAs to the new one later (strongSwan 5.9.8 does, in a job of its own)
  // and loses them if the old one is deleted first (seen in interop case v1-rekey-tl-ss).
  EXPECT_EQ(p.a.ike_sa_count(), 2u);
  EXPECT_EQ(p.b.ike_sa_count(), 2u);
  p.Run(11);  // rekeyed_child_linger later: gone on both sides
  EXPECT_EQ(p.a.ike_sa_count(), 1u);
  EXPECT_EQ(p.b.ike_sa_count(), 1u);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kIkeDown), 0u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeDown), 0u);
  EXPECT_EQ(ActiveOf(p.ha).install.inbound_spi, spi);
  EXPECT_EQ(p.ha.children.size(), 1u);
  EXPECT_EQ(p.hb.children.size(), 1u);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kChildDown), 0u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kChildDown), 0u);
  // The adopted IPsec SA rekeys under the new ISAKMP SA.
  ASSERT_TRUE(p.a.RekeyChild(7, p.now).ok());
  p.Flush();
  p.Run(1);  // (A sends on the new SA a moment after message 3)
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

// ---------------------------------------------------------------------------------------------
// Found against strongSwan 5.9.8 (tests/interop/strongswan, cases v1-*)
// ---------------------------------------------------------------------------------------------

// Reorder: `attributes` with the one of class `a` moved to just before the one of class `b`.
void Reorder(std::vector<V1Attribute>& attributes, uint16_t a, uint16_t b) {
  auto is = [](uint16_t type) { return [type](const V1Attribute& x) { return x.type == type; }; };
  auto from = std::find_if(attributes.begin(), attributes.end(), is(a));
  ASSERT_NE(from, attributes.end());
  const V1Attribute moved = *from;
  attributes.erase(from);
  attributes.insert(std::find_if(attributes.begin(), attributes.end(), is(b)), moved);
}

// Replace: the value of the attribute of class `type`.
void Replace(std::vector<V1Attribute>& attributes, uint16_t type, V1Attribute with) {
  for (V1Attribute& x : attributes) {
    if (x.type == type) x = with;
  }
}

TEST(Ikev1Interop, Phase1AnswerIsCheckedByMeaningNotByBytes) {
  // strongSwan answers Main Mode message 1 with the transform it chose re-encoded: Group
  // Description before Authentication Method (seen on the wire). Refused as "not a transform
  // we offered" before.
  using P1 = V1Phase1Attribute;
  const IkeCryptoPolicy policy{EncryptionAlgorithm::kAes256Cbc, IntegrityAlgorithm::kHmacSha256_128,
                               DhGroup::kModp2048};
  const uint16_t psk = static_cast<uint16_t>(V1AuthMethod::kPreSharedKey);
  const V1SaPayload offered = OfferPhase1(policy, psk, Duration::Seconds(86400));
  V1SaPayload answer = offered;
  std::vector<V1Attribute>& attrs = answer.proposals[0].transforms[0].attributes;
  Reorder(attrs, static_cast<uint16_t>(P1::kGroupDescription),
          static_cast<uint16_t>(P1::kAuthenticationMethod));
  ASSERT_NE(answer, offered);
  absl::StatusOr<V1Negotiated> n = CheckPhase1Answer(answer, offered);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->Describe(), "aes256-sha256-modp2048");
  // Its own lifetime is its business (Phase1Done keeps the shorter).
  Replace(attrs, static_cast<uint16_t>(P1::kLifeDuration),
          V1Attribute::Integer(static_cast<uint16_t>(P1::kLifeDuration), 10800));
  n = CheckPhase1Answer(answer, offered);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->lifetime, Duration::Seconds(10800));
  // What was not offered is still refused: another group, another key length.
  V1SaPayload other_group = answer;
  Replace(other_group.proposals[0].transforms[0].attributes,
          static_cast<uint16_t>(P1::kGroupDescription),
          V1Attribute::Tv(static_cast<uint16_t>(P1::kGroupDescription), 5));
  EXPECT_FALSE(CheckPhase1Answer(other_group, offered).ok());
  V1SaPayload other_key = answer;
  Replace(other_key.proposals[0].transforms[0].attributes, static_cast<uint16_t>(P1::kKeyLength),
          V1Attribute::Tv(static_cast<uint16_t>(P1::kKeyLength), 128));
  EXPECT_FALSE(CheckPhase1Answer(other_key, offered).ok());
}

TEST(Ikev1Interop, QuickModeAnswerIsCheckedByMeaningNotByBytes) {
  using P2 = V1Phase2Attribute;
  const std::vector<ChildTransformPolicy> ours = {
      {EspSuite{EncryptionAlgorithm::kAes256Cbc, IntegrityAlgorithm::kHmacSha1_96},
       DhGroup::kModp2048}};
  QuickOffer offer;
  offer.transforms = ours;
  offer.spi = 0x11223344;
  offer.lifetime = Duration::Seconds(3600);
  offer.udp_encap = true;
  std::optional<DhGroup> pfs;
  const V1SaPayload offered = OfferQuick(offer, pfs);
  V1SaPayload answer = offered;
  answer.proposals[0].spi = {0xc1, 0x00, 0x00, 0x01};
  std::vector<V1Attribute>& attrs = answer.proposals[0].transforms[0].attributes;
  Reorder(attrs, static_cast<uint16_t>(P2::kAuthenticationAlgorithm),
          static_cast<uint16_t>(P2::kSaLifeType));
  Replace(attrs, static_cast<uint16_t>(P2::kSaLifeDuration),
          V1Attribute::Integer(static_cast<uint16_t>(P2::kSaLifeDuration), 3960));
  absl::StatusOr<NegotiatedChild> n = CheckQuickAnswer(answer, offered);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->peer_spi, 0xc1000001u);
  EXPECT_EQ(n->pfs_group, DhGroup::kModp2048);
  EXPECT_EQ(n->suite, ours[0].suite);
  // Another encapsulation mode or group than offered: refused.
  V1SaPayload plain_tunnel = answer;
  Replace(plain_tunnel.proposals[0].transforms[0].attributes,
          static_cast<uint16_t>(P2::kEncapsulationMode),
          V1Attribute::Tv(static_cast<uint16_t>(P2::kEncapsulationMode),
                          static_cast<uint16_t>(V1EncapsulationMode::kTunnel)));
  EXPECT_FALSE(CheckQuickAnswer(plain_tunnel, offered).ok());
  V1SaPayload other_group = answer;
  Replace(other_group.proposals[0].transforms[0].attributes,
          static_cast<uint16_t>(P2::kGroupDescription),
          V1Attribute::Tv(static_cast<uint16_t>(P2::kGroupDescription), 5));
  EXPECT_FALSE(CheckQuickAnswer(other_group, offered).ok());
}

TEST(Ikev1Interop, WrongKeyRefusalGoesToTheNatTPortTheInitiatorFloatedTo) {
  // strongSwan (libipsec fakes a NAT) floats to 4500 for Main Mode message 5; a responder
  // with another key refused it on 500, without the non-ESP marker, where strongSwan no longer
  // listens for this SA.
  V1Pair p(V1Peer(true, "secret"), V1Peer(false, "other"));
  p.nat_port = 40000;
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  for (int k = 0; k < 16 && p.hb.Count(IkeEventKind::kAuthFailed) == 0; ++k) {
    if (!p.ToB()) p.ToA();
  }
  ASSERT_EQ(p.hb.Count(IkeEventKind::kAuthFailed), 1u);
  ASSERT_FALSE(p.hb.out.empty());
  const std::vector<uint8_t>& refusal = p.hb.out.back();
  ASSERT_GT(refusal.size(), 4u + 28u);
  EXPECT_EQ(std::vector<uint8_t>(refusal.begin(), refusal.begin() + 4),
            std::vector<uint8_t>(4, 0));  // the non-ESP marker: sent on the NAT-T port
  EXPECT_EQ(refusal[4 + 18], static_cast<uint8_t>(V1Exchange::kInformational));
  p.Flush();
  EXPECT_EQ(p.ha.Count(IkeEventKind::kAuthFailed), 1u);  // and the initiator takes it
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
}

TEST(Ikev1Interop, InitiatorWithTheWrongKeyTakesTheResponderRefusalOfMessage5) {
  // strongSwan, the responder, cannot decrypt message 5 made with another key and answers
  // with HASH(1), N(PAYLOAD-MALFORMED) under its own keys. The initiator dropped that as phase
  // 2 before phase 1 and repeated message 5 until its retransmissions gave up (63 s). Here the
  // responder's informational is one our keys cannot open: message 5's ciphertext sent back
  // as an informational (the IV of a new message ID makes it garbage).
  V1Pair p;
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  ASSERT_TRUE(p.ToB());  // message 1
  ASSERT_TRUE(p.ToA());  // 2
  ASSERT_TRUE(p.ToB());  // 3
  ASSERT_TRUE(p.ToA());  // 4: A sends message 5
  ASSERT_EQ(p.ha.out.size(), 1u);
  std::vector<uint8_t> refusal = V1Pair::Strip(p.ha.out.front()).first;
  p.ha.out.clear();
  ASSERT_GT(refusal.size(), 28u);
  ASSERT_NE(refusal[19] & 0x01, 0);  // encrypted
  refusal[18] = static_cast<uint8_t>(V1Exchange::kInformational);
  refusal[20] = 0x5a;  // a message ID of its own
  p.a.OnDatagram({p.pa.local, 4500}, {p.pb.local, 4500}, refusal, true, p.now);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_NE(p.ha.Detail(IkeEventKind::kAuthFailed).find("pre-shared keys differ"),
            std::string::npos);
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_TRUE(p.ha.children.empty());
}

TEST(Ikev1Interop, ShutdownAlsoDeletesAReplacedIsakmpSaStillLingering) {
  // The replaced ISAKMP SA lingers after a phase 1 renewal (Phase1RekeyKeepsTheIpsecSas); a
  // shutdown meanwhile deletes it at the peer too, not only the new one.
  V1Pair p;
  p.Establish();
  ASSERT_TRUE(p.a.RekeyIke(7, p.now).ok());
  p.Flush();
  ASSERT_EQ(p.b.ike_sa_count(), 2u);
  p.a.Shutdown(p.now);
  p.Flush();
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_TRUE(p.hb.children.empty());
}

TEST(Ikev1Interop, ReplacedIpsecSaGoneEarlyHandsOverAtOnce) {
  // The initiator of a rekey stays on the old IPsec SA a moment after message 3; if the peer
  // deletes the old one meanwhile, the new one takes the traffic at once.
  V1Pair p;
  p.Establish();
  const uint32_t old_a = ActiveOf(p.ha).install.inbound_spi;
  ASSERT_TRUE(p.a.RekeyChild(7, p.now).ok());
  p.Flush();
  ASSERT_EQ(ActiveOf(p.ha).install.inbound_spi, old_a);
  // B's IPsec SA that A sends on (old_a's partner): B deletes it.
  p.b.Shutdown(p.now);  // deletes every IPsec SA, the old one first...
  p.hb.out.erase(p.hb.out.begin() + 1, p.hb.out.end());  // ...of which A gets only that Delete
  ASSERT_TRUE(p.ToA());
  const TestHost::Child* now_active = p.ha.Active();
  ASSERT_NE(now_active, nullptr);
  EXPECT_NE(now_active->install.inbound_spi, old_a);
}

// A flood of first messages from more source addresses than the per-peer rate table keeps
// (4096): the table is cleared to stay bounded, and the entry being counted is taken after the
// clear (a reference kept across it read freed memory: ASan's build catches a regression).
TEST(Ikev1Manager, AFloodFromManyAddressesKeepsTheRateTableBoundedAndSafe) {
  IkeOptions options;
  options.half_open_limit = 10000;
  IkePeerConfig gw = V1Peer(false);
  gw.remote = IpAddress();  // an ipsec-gw: answers anyone
  V1Pair p(V1Peer(true), gw, options);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  ASSERT_EQ(p.ha.out.size(), 1u);
  const std::vector<uint8_t> mm1 = p.ha.out.front();
  for (uint32_t k = 0; k < 4200; ++k) {
    const IpAddress from = IpAddress::V4(0x0a000000u + k + 1);  // 10.0.0.1 ...
    p.b.OnDatagram({p.pb.local, 500}, {from, 500}, mm1, false, p.now);
  }
  // Each address was new in its second: every one got an answer and a half-open SA.
  EXPECT_EQ(p.b.half_open_count(), 4200u);
  EXPECT_EQ(p.hb.out.size(), 4200u);
  EXPECT_EQ(p.b.stats().half_open_refused, 0u);
}

}  // namespace
}  // namespace tunnelisa::ike::v1
