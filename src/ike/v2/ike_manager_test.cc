// IkeManager between two instances in one process, with the message order under the test's
// control: the collision cases of RFC 7296 2.8.1, 2.8.2 and 2.25 with their message sequences
// drawn beside each test, message-ID and malformed-input handling.
#include "ike/v2/ike_manager.h"

#include <algorithm>
#include <deque>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/auth/psk_authenticator.h"
#include "ike/v2/ike_manager_test_util.h"

namespace tunnelisa::ike {
namespace {

using ::testing::HasSubstr;
using testing::Pair;
using testing::Peer;
using testing::TestHost;

TEST(IkeManager, EstablishesWithMatchingChildKeys) {
  Pair p;
  p.Establish();
  p.ExpectOneAgreedPair();
  EXPECT_EQ(p.ha.children.size(), 1u);
  EXPECT_EQ(p.hb.children.size(), 1u);
}

TEST(IkeManager, FragmentsLargeMessagesWhenBothSupportIt) {
  // RFC 7383: with a small path (max_datagram 200) IKE_AUTH and CREATE_CHILD_SA go out as SKF
  // fragments; IKE_SA_INIT is never fragmented. Fragments may also arrive out of order.
  IkeOptions o;
  o.max_datagram = 200;
  Pair p(o);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  ASSERT_TRUE(p.ToB());  // IKE_SA_INIT
  ASSERT_TRUE(p.ToA());
  p.largest_datagram = 0;
  ASSERT_GT(p.ha.out.size(), 1u);  // IKE_AUTH in several fragments
  std::reverse(p.ha.out.begin(), p.ha.out.end());
  p.Flush();
  ASSERT_NE(p.a.EstablishedSa(7), nullptr);
  ASSERT_NE(p.b.EstablishedSa(7), nullptr);
  EXPECT_LE(p.largest_datagram, 200u);
  p.ExpectOneAgreedPair();
  ASSERT_TRUE(p.b.RekeyChild(7, p.now).ok());  // PFS: a KE makes it larger still
  p.Flush();
  EXPECT_LE(p.largest_datagram, 200u);
  p.ExpectOneAgreedPair();
}

TEST(IkeManager, SimultaneousChildRekeyBothOrders) {
  // RFC 7296 2.8.1:
  //   A                                          B
  //   CREATE_CHILD_SA(N(REKEY_SA), SA, Ni1) -->  <-- CREATE_CHILD_SA(N(REKEY_SA), SA, Ni2)
  //   [B answers A's request]          ...       [A answers B's request]
  //   <-- SA, Nr1                                    SA, Nr2 -->
  //   the new SA made with the lowest of the four nonces is deleted by its creator; the old
  //   one by the other: one pair remains, agreed on both ends.
  for (int order = 0; order < 2; ++order) {
    Pair p;
    p.Establish();
    ASSERT_TRUE(p.a.RekeyChild(7, p.now).ok());
    ASSERT_TRUE(p.b.RekeyChild(7, p.now).ok());
    // Both requests cross, then the responses in either order.
    ASSERT_TRUE(p.ToB());
    ASSERT_TRUE(p.ToA());
    if (order == 0) {
      ASSERT_TRUE(p.ToB());
      ASSERT_TRUE(p.ToA());
    } else {
      ASSERT_TRUE(p.ToA());
      ASSERT_TRUE(p.ToB());
    }
    p.Flush();  // the Delete exchanges
    p.ExpectOneAgreedPair();
    // The old pair's inbound SAs take late ESP for deleted_inbound_grace, then go.
    p.now = p.now + IkeOptions{}.deleted_inbound_grace;
    p.a.OnTimer(p.now);
    p.b.OnTimer(p.now);
    p.ExpectOneAgreedPair();
    EXPECT_EQ(p.ha.children.size(), 1u) << "order " << order;
    EXPECT_EQ(p.hb.children.size(), 1u) << "order " << order;
  }
}

// A CHILD SA the peer rekeyed and then deleted: its successor carries our traffic at once; its
// inbound SA still takes what the peer sent on it before the Delete, for deleted_inbound_grace
// (ESP read after the Delete: another socket or thread, or reordering), then goes without a
// Delete of ours.
TEST(IkeManager, APeerDeletedRekeyedChildKeepsItsInboundSaForTheGrace) {
  Pair p;
  p.Establish();
  const uint32_t old_a_in = p.ha.Active()->install.inbound_spi;
  ASSERT_TRUE(p.b.RekeyChild(7, p.now).ok());  // B rekeys and deletes the old pair
  p.Flush();
  p.ExpectOneAgreedPair();
  EXPECT_NE(p.ha.Active()->install.inbound_spi, old_a_in) << "A sends on the successor";
  EXPECT_EQ(p.ha.children.size(), 2u) << "A's old inbound SA stays for the grace";
  EXPECT_EQ(p.hb.children.size(), 1u) << "B deleted its side";
  p.now = p.now + Duration::Nanoseconds(IkeOptions{}.deleted_inbound_grace.ns - 1000000);
  p.a.OnTimer(p.now);
  EXPECT_EQ(p.ha.children.size(), 2u);
  p.now = p.now + Duration::Milliseconds(1);
  p.a.OnTimer(p.now);
  EXPECT_EQ(p.ha.children.size(), 1u);
  EXPECT_TRUE(p.ha.out.empty()) << "nothing sent: the peer deleted it already";
  p.ExpectOneAgreedPair();
}

TEST(IkeManager, SimultaneousIkeRekeyKeepsOneIkeSaAndTheChild) {
  // RFC 7296 2.8.2:
  //   A                                          B
  //   CREATE_CHILD_SA(SA(IKE), Ni1, KEi1) -->    <-- CREATE_CHILD_SA(SA(IKE), Ni2, KEi2)
  //   <-- SA, Nr1, KEr1                              SA, Nr2, KEr2 -->
  //   two new IKE SAs; the one made with the lowest nonce is deleted by its creator, the old
  //   one by the initiators of the rekeys.
  Pair p;
  p.Establish();
  ASSERT_TRUE(p.a.RekeyIke(7, p.now).ok());
  ASSERT_TRUE(p.b.RekeyIke(7, p.now).ok());
  ASSERT_TRUE(p.ToB());
  ASSERT_TRUE(p.ToA());
  ASSERT_TRUE(p.ToB());
  ASSERT_TRUE(p.ToA());
  p.Flush();
  EXPECT_EQ(p.a.ike_sa_count(), 1u);
  EXPECT_EQ(p.b.ike_sa_count(), 1u);
  const IkeSa* sa = p.a.EstablishedSa(7);
  const IkeSa* sb = p.b.EstablishedSa(7);
  ASSERT_NE(sa, nullptr);
  ASSERT_NE(sb, nullptr);
  EXPECT_EQ(sa->spi_i, sb->spi_i);
  EXPECT_EQ(sa->spi_r, sb->spi_r);
  EXPECT_EQ(sa->children.size(), 1u);
  EXPECT_EQ(sb->children.size(), 1u);
  // The surviving IKE SA works: a CHILD SA rekey over it.
  ASSERT_TRUE(p.a.RekeyChild(7, p.now).ok());
  p.Flush();
  p.ExpectOneAgreedPair();
}

TEST(IkeManager, RekeyCollidingWithDeleteOfTheSameChild) {
  // RFC 7296 2.25: A rekeys the CHILD SA while B deletes it.
  //   A                                          B
  //   CREATE_CHILD_SA(N(REKEY_SA)) -->           <-- INFORMATIONAL(D(ESP spi))
  //   [B is closing it: TEMPORARY_FAILURE]       [A deletes it, answers D]
  //   <-- N(TEMPORARY_FAILURE)                       D(ESP spi) -->
  //   then A, which lost its only CHILD SA, creates a new one from scratch.
  Pair p;
  p.Establish();
  const uint32_t b_spi = p.hb.children.begin()->first;
  ASSERT_TRUE(p.a.RekeyChild(7, p.now).ok());
  p.b.OnChildLifetime(b_spi, /*hard=*/true, p.now);  // B deletes it
  ASSERT_TRUE(p.ToB());                              // A's rekey reaches B
  ASSERT_TRUE(p.ToA());                              // B's delete reaches A
  p.Flush();
  EXPECT_TRUE(p.ha.children.empty());
  EXPECT_TRUE(p.hb.children.empty());
  EXPECT_NE(p.a.EstablishedSa(7), nullptr);  // the IKE SA stays
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());  // traffic for the tunnel: a new CHILD SA
  p.Flush();
  p.ExpectOneAgreedPair();
}

TEST(IkeManager, DeleteCollisionBothSidesDeleteTheSameChild) {
  // RFC 7296 1.4.1: both ends delete the same CHILD SA at once; each request and response
  // crosses; both end with no CHILD SA and an IKE SA in good order.
  //   A                          B
  //   D(ESP a_spi) -->      <-- D(ESP b_spi)
  //   <-- (empty)               (empty) -->
  Pair p;
  p.Establish();
  p.a.OnChildLifetime(p.ha.children.begin()->first, true, p.now);
  p.b.OnChildLifetime(p.hb.children.begin()->first, true, p.now);
  ASSERT_TRUE(p.ToB());
  ASSERT_TRUE(p.ToA());
  p.Flush();
  EXPECT_TRUE(p.ha.children.empty());
  EXPECT_TRUE(p.hb.children.empty());
  ASSERT_TRUE(p.a.CheckLiveness(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.a.stats().retransmits, 0u);
  EXPECT_NE(p.a.EstablishedSa(7), nullptr);
}

// NewSettings: `p` with every negotiable setting changed (the same id and gateway addresses):
// IKE ChaCha20-Poly1305 / SHA-384 / ECP-384, ESP AES-256-GCM with PFS on ECP-256, other
// lifetimes, another PSK, DPD.
IkePeerConfig NewSettings(IkePeerConfig p) {
  p.ike = {EncryptionAlgorithm::kChaCha20Poly1305, IntegrityAlgorithm::kHmacSha384_192,
           DhGroup::kEcp384};
  p.child = {
      {EspSuite{EncryptionAlgorithm::kAes256Gcm16, IntegrityAlgorithm::kNone}, DhGroup::kEcp256}};
  p.ike_lifetime = Duration::Seconds(7200);
  p.child_lifetime = Duration::Seconds(600);
  static const uint8_t kNewPsk[] = {'n', 'e', 'w'};
  p.auth = PskAuthenticator::Both(
      std::make_shared<const SecretBytes>(std::span<const uint8_t>(kNewPsk)));
  p.dpd = DpdPolicy{Duration::Seconds(5), 2, false};
  return p;
}

TEST(IkeManager, ConfigurationChangeKeepsSasAndRekeysWithTheNewSettings) {
  Pair p;
  p.Establish();
  const uint64_t spi_i = p.a.EstablishedSa(7)->spi_i;
  const uint32_t child_spi = p.ha.children.begin()->first;
  p.pa = NewSettings(p.pa);
  p.pb = NewSettings(p.pb);
  p.a.SetPeers({p.pa}, p.now);
  p.b.SetPeers({p.pb}, p.now);
  // Nothing happened on the wire or to the SAs.
  EXPECT_TRUE(p.ha.out.empty());
  EXPECT_TRUE(p.hb.out.empty());
  for (TestHost* h : {&p.ha, &p.hb}) {
    EXPECT_EQ(h->Count(IkeEventKind::kIkeDown), 0u);
    EXPECT_EQ(h->Count(IkeEventKind::kChildDown), 0u);
  }
  ASSERT_NE(p.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.a.EstablishedSa(7)->spi_i, spi_i);
  EXPECT_EQ(p.a.EstablishedSa(7)->negotiated.encryption, EncryptionAlgorithm::kAes128Gcm16);
  EXPECT_TRUE(p.ha.children.contains(child_spi));
  // DPD follows the new interval at once: the next deadline is 5 s away, not never.
  EXPECT_EQ(p.a.OnTimer(p.now), p.now + Duration::Seconds(5));
  // A CHILD SA rekey negotiates the new transform, PFS group and lifetime.
  ASSERT_TRUE(p.a.RekeyChild(7, p.now).ok());
  p.Flush();
  p.ExpectOneAgreedPair();
  const TestHost::Child* child = p.ha.Active();
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->install.suite.enc, EncryptionAlgorithm::kAes256Gcm16);
  EXPECT_EQ(child->install.hard_lifetime.time, Duration::Seconds(600));
  const IkeSa* sa = p.a.EstablishedSa(7);
  ASSERT_NE(sa, nullptr);
  bool pfs_seen = false;
  for (const ChildSa& c : sa->children) {
    if (c.inbound_spi == child->install.inbound_spi) {
      pfs_seen = c.negotiated.pfs_group == DhGroup::kEcp256;
    }
  }
  EXPECT_TRUE(pfs_seen);
  // An IKE SA rekey negotiates the new ike-policy and lifetime.
  ASSERT_TRUE(p.b.RekeyIke(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.a.ike_sa_count(), 1u);
  sa = p.a.EstablishedSa(7);
  ASSERT_NE(sa, nullptr);
  EXPECT_NE(sa->spi_i, spi_i);
  EXPECT_EQ(sa->negotiated.encryption, EncryptionAlgorithm::kChaCha20Poly1305);
  EXPECT_EQ(sa->negotiated.dh_group, DhGroup::kEcp384);
  EXPECT_EQ(sa->expire_at, p.now + Duration::Seconds(7200));
  EXPECT_EQ(p.a.stats().retransmits, 0u);
}

TEST(IkeManager, HalfOpenSaFinishesAcrossAConfigurationChange) {
  // A's IKE_SA_INIT is answered, then both configurations change before IKE_AUTH: the IKE SA
  // keeps what IKE_SA_INIT negotiated; IKE_AUTH (PSK, CHILD SA proposal) uses the new settings.
  Pair p;
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  ASSERT_TRUE(p.ToB());
  p.pa = NewSettings(p.pa);
  p.pb = NewSettings(p.pb);
  p.a.SetPeers({p.pa}, p.now);
  p.b.SetPeers({p.pb}, p.now);
  p.Flush();
  const IkeSa* sa = p.a.EstablishedSa(7);
  ASSERT_NE(sa, nullptr);
  ASSERT_NE(p.b.EstablishedSa(7), nullptr);
  EXPECT_EQ(sa->negotiated.encryption, EncryptionAlgorithm::kAes128Gcm16);
  p.ExpectOneAgreedPair();
  EXPECT_EQ(p.ha.Active()->install.suite.enc, EncryptionAlgorithm::kAes256Gcm16);
}

TEST(IkeManager, OnlyRemovalOrNewGatewayAddressesEndTheSas) {
  Pair p;
  p.Establish();
  // The local gateway address changes: the SA cannot carry the tunnel any more. A Delete goes
  // out (best effort, over the old addresses) and the CHILD SA is uninstalled.
  IkePeerConfig moved = p.pa;
  moved.local = *IpAddress::Parse("192.0.2.9");
  p.a.SetPeers({moved}, p.now);
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_TRUE(p.ha.children.empty());
  EXPECT_EQ(p.ha.out.size(), 1u);
  ASSERT_FALSE(p.ha.events.empty());
  bool told = false;
  for (const auto& [kind, detail] : p.ha.events) {
    told = told || (kind == IkeEventKind::kIkeDown &&
                    detail.find("gateway addresses changed") != std::string::npos);
  }
  EXPECT_TRUE(told);
  // B's peer is removed: its SA goes (the Delete from A was not delivered).
  p.ha.out.clear();
  p.b.SetPeers({}, p.now);
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_TRUE(p.hb.children.empty());
  EXPECT_EQ(p.hb.events.back().second, "tunnel removed");
}

// Converse: delivers what x and y queued to each other until both are quiet (bounded);
// returns the datagrams x sent. `ex` / `ey`: their addresses.
std::vector<std::vector<uint8_t>> Converse(IkeManager& x, TestHost& hx, const IpAddress& ex,
                                           IkeManager& y, TestHost& hy, const IpAddress& ey,
                                           MonoTime now) {
  std::vector<std::vector<uint8_t>> from_x;
  for (int k = 0; k < 64 && (!hx.out.empty() || !hy.out.empty()); ++k) {
    if (!hx.out.empty()) {
      from_x.push_back(std::move(hx.out.front()));
      hx.out.pop_front();
      y.OnDatagram({ey, 500}, {ex, 500}, from_x.back(), false, now);
    }
    if (!hy.out.empty()) {
      std::vector<uint8_t> d = std::move(hy.out.front());
      hy.out.pop_front();
      x.OnDatagram({ex, 500}, {ey, 500}, d, false, now);
    }
  }
  return from_x;
}

// SpiI: the initiator SPI in an IKE header.
uint64_t SpiI(const std::vector<uint8_t>& d) {
  uint64_t v = 0;
  for (size_t k = 0; k < 8 && k < d.size(); ++k) v = v << 8 | d[k];
  return v;
}

// Mentions: how many events of `kind` name INITIAL_CONTACT.
size_t Mentions(const TestHost& h, IkeEventKind kind) {
  size_t n = 0;
  for (const auto& [k, detail] : h.events) {
    n += k == kind && detail.find("INITIAL_CONTACT") != std::string::npos ? 1 : 0;
  }
  return n;
}

TEST(IkeManager, InitialContactFromARestartedPeerRemovesItsOldSas) {
  Pair p;
  p.Establish();
  const uint64_t old_spi_i = p.a.EstablishedSa(7)->spi_i;
  const uint32_t old_in = p.ha.children.begin()->first;
  // B restarts: a fresh IkeManager with the same configuration (and fresh randomness)
  // initiates; its IKE_AUTH request carries INITIAL_CONTACT.
  TestHost hb2{3};
  IkeManager b2(&hb2, {});
  b2.SetPeers({p.pb}, p.now);
  ASSERT_TRUE(b2.Initiate(7, p.now).ok());
  const std::vector<std::vector<uint8_t>> from_a =
      Converse(p.a, p.ha, p.pa.local, b2, hb2, p.pb.local, p.now);
  ASSERT_EQ(p.a.ike_sa_count(), 1u);
  const IkeSa* sa = p.a.EstablishedSa(7);
  ASSERT_NE(sa, nullptr);
  EXPECT_NE(sa->spi_i, old_spi_i);
  EXPECT_FALSE(sa->initiator);
  // The old CHILD SA's inbound SPI is gone; one pair remains, agreed with the new B.
  EXPECT_FALSE(p.ha.children.contains(old_in));
  ASSERT_EQ(p.ha.children.size(), 1u);
  const TestHost::Child& ca = p.ha.children.begin()->second;
  ASSERT_EQ(hb2.children.size(), 1u);
  const TestHost::Child& cb = hb2.children.begin()->second;
  EXPECT_EQ(ca.install.outbound_spi, cb.install.inbound_spi);
  EXPECT_EQ(cb.install.outbound_spi, ca.install.inbound_spi);
  EXPECT_TRUE(ca.install.outbound_enc.Equals(cb.install.inbound_enc));
  EXPECT_TRUE(cb.install.outbound_enc.Equals(ca.install.inbound_enc));
  // Nothing went out for the removed SA: all A sent belongs to the new IKE SA.
  ASSERT_FALSE(from_a.empty());
  for (const auto& d : from_a) EXPECT_EQ(SpiI(d), sa->spi_i);
  EXPECT_EQ(b2.stats().dropped, 0u);
  EXPECT_EQ(Mentions(p.ha, IkeEventKind::kIkeDown), 1u);
  EXPECT_EQ(Mentions(p.ha, IkeEventKind::kChildDown), 1u);
}

TEST(IkeManager, InitialContactInAResponseRemovesTheInitiatorsLeftover) {
  // The notify in the IKE_AUTH response: A's old IKE SA, rekeyed, still waits for its Delete
  // exchange when B restarts; A's DPD drops the new one; A initiates anew, and the restarted
  // B (the responder, with no other IKE SA) asserts INITIAL_CONTACT in its response.
  Pair p;
  p.pa.dpd = DpdPolicy{Duration::Seconds(1), 1, false};
  p.a.SetPeers({p.pa}, p.now);
  p.Establish();
  ASSERT_TRUE(p.a.RekeyIke(7, p.now).ok());
  ASSERT_TRUE(p.ToB());
  ASSERT_TRUE(p.ToA());
  ASSERT_EQ(p.a.ike_sa_count(), 2u);  // the new one, and the old one waiting for its Delete
  TestHost hb2{3};
  IkeManager b2(&hb2, {});
  b2.SetPeers({p.pb}, p.now);
  MonoTime t = p.now;
  for (int s = 0; s < 4; ++s) {
    t = t + Duration::Seconds(1);
    p.a.OnTimer(t);
  }
  ASSERT_EQ(p.a.EstablishedSa(7), nullptr);  // DPD gave up on the new one
  ASSERT_EQ(p.a.ike_sa_count(), 1u);         // the rekeyed one lingers
  p.ha.out.clear();                          // its Delete retransmissions: B2 knows nothing
  ASSERT_TRUE(p.a.Initiate(7, t).ok());
  Converse(p.a, p.ha, p.pa.local, b2, hb2, p.pb.local, t);
  ASSERT_NE(p.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.a.ike_sa_count(), 1u);
  EXPECT_EQ(p.ha.children.size(), 1u);
}

// ClientAt: B's peer configuration (toward A at 192.0.2.1) from another address, with an ID
// of that address: one of several clients of a gateway on A.
IkePeerConfig ClientAt(const char* address) {
  IkePeerConfig c = Peer(false);
  c.local = *IpAddress::Parse(address);
  c.local_id = IdPayload::FromAddress(c.local);
  return c;
}

TEST(IkeManager, InitialContactFromAnotherIdentityKeepsOtherPeersSas) {
  // An ipsec-gw-like peer config on A (any remote, any ID) with two clients, B and C. C
  // restarts and connects again with INITIAL_CONTACT: only C's old SA goes; B's stays.
  TestHost ha{1};
  IkeManager a(&ha, {});
  IkePeerConfig gw = Peer(true);
  gw.id = 9;
  gw.remote = IpAddress();
  a.SetPeers({gw}, MonoTime{});
  const IkePeerConfig cb = ClientAt("192.0.2.2");
  const IkePeerConfig cc = ClientAt("192.0.2.3");
  TestHost hb{2}, hc{3}, hc2{4};
  IkeManager b(&hb, {}), c(&hc, {}), c2(&hc2, {});
  b.SetPeers({cb}, MonoTime{});
  c.SetPeers({cc}, MonoTime{});
  c2.SetPeers({cc}, MonoTime{});
  ASSERT_TRUE(b.Initiate(7, MonoTime{}).ok());
  Converse(a, ha, gw.local, b, hb, cb.local, MonoTime{});
  ASSERT_TRUE(c.Initiate(7, MonoTime{}).ok());
  Converse(a, ha, gw.local, c, hc, cc.local, MonoTime{});
  ASSERT_EQ(a.ike_sa_count(), 2u);
  ASSERT_EQ(ha.children.size(), 2u);
  const uint32_t b_out = hb.children.begin()->second.install.inbound_spi;
  ASSERT_TRUE(c2.Initiate(7, MonoTime{}).ok());
  Converse(a, ha, gw.local, c2, hc2, cc.local, MonoTime{});
  EXPECT_EQ(a.ike_sa_count(), 2u);  // B's and C's new one
  EXPECT_EQ(Mentions(ha, IkeEventKind::kIkeDown), 1u);
  bool b_kept = false;
  for (const auto& [spi, child] : ha.children)
    b_kept = b_kept || child.install.outbound_spi == b_out;
  EXPECT_TRUE(b_kept);
  EXPECT_EQ(ha.children.size(), 2u);
}

TEST(IkeManager, AStaticTunnelAnswersItsPeerAndAnIpsecGwOnTheSameAddressTheOthers) {
  // A: on 192.0.2.1 both a static tunnel to 192.0.2.2 (id 5) and an ipsec-gw (id 9, any
  // remote). The static tunnel answers its own peer, whatever order SetPeers gets them in;
  // the ipsec-gw answers everyone else (ResponderPeers, as the walk over all peers did).
  for (bool gw_first : {true, false}) {
    SCOPED_TRACE(gw_first ? "ipsec-gw configured first" : "static tunnel configured first");
    TestHost ha{1};
    IkeManager a(&ha, {});
    IkePeerConfig tunnel = Peer(true);
    tunnel.id = 5;
    IkePeerConfig gw = Peer(true);
    gw.id = 9;
    gw.name = "gw";
    gw.remote = IpAddress();
    if (gw_first) {
      a.SetPeers({gw, tunnel}, MonoTime{});
    } else {
      a.SetPeers({tunnel, gw}, MonoTime{});
    }
    const IkePeerConfig cb = ClientAt("192.0.2.2");  // the static tunnel's peer
    const IkePeerConfig cc = ClientAt("192.0.2.3");  // anyone else
    TestHost hb{2}, hc{3};
    IkeManager b(&hb, {}), c(&hc, {});
    b.SetPeers({cb}, MonoTime{});
    c.SetPeers({cc}, MonoTime{});
    ASSERT_TRUE(b.Initiate(7, MonoTime{}).ok());
    Converse(a, ha, gw.local, b, hb, cb.local, MonoTime{});
    ASSERT_TRUE(c.Initiate(7, MonoTime{}).ok());
    Converse(a, ha, gw.local, c, hc, cc.local, MonoTime{});
    ASSERT_EQ(a.ike_sa_count(), 2u);
    const IkeSa* to_b = a.EstablishedSa(5);
    ASSERT_NE(to_b, nullptr);
    EXPECT_EQ(to_b->remote.address, cb.local);
    const IkeSa* to_c = a.EstablishedSa(9);
    ASSERT_NE(to_c, nullptr);
    EXPECT_EQ(to_c->remote.address, cc.local);
    EXPECT_NE(to_b, to_c);
  }
}

// DeferringAuthenticator: checks as `inner` does, but answers pending and keeps the outcome for
// the test to hand back through IkeManager::CompleteAuth (as a RADIUS client would).
class DeferringAuthenticator final : public Authenticator {
 public:
  explicit DeferringAuthenticator(std::shared_ptr<const Authenticator> inner)
      : inner_(std::move(inner)) {}
  std::string_view name() const override { return "deferring"; }
  absl::StatusOr<AuthPayload> Create(const AuthInput& in) const override {
    return inner_->Create(in);
  }
  AuthCheck Verify(const AuthInput& in, const AuthPayload& auth, const IdPayload& id,
                   std::span<const Payload> payloads, uint64_t ticket) const override {
    calls.push_back({ticket, inner_->Verify(in, auth, id, payloads, ticket)});
    return AuthCheck::Pending();
  }
  bool SameAs(const Authenticator& o) const override { return &o == this; }
  mutable std::vector<std::pair<uint64_t, AuthCheck>> calls;

 private:
  std::shared_ptr<const Authenticator> inner_;
};

// Defer: side A's (or B's) check of its peer goes through a DeferringAuthenticator.
std::shared_ptr<DeferringAuthenticator> Defer(Pair& p, bool a) {
  IkePeerConfig& c = a ? p.pa : p.pb;
  auto d = std::make_shared<DeferringAuthenticator>(c.auth.peer);
  c.auth.peer = d;
  (a ? p.a : p.b).SetPeers({c}, p.now);
  return d;
}

TEST(IkeManager, ResponderWaitsForAPendingCheckWithoutAnsweringRetransmissions) {
  Pair p;
  std::shared_ptr<DeferringAuthenticator> d = Defer(p, /*a=*/false);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  ASSERT_TRUE(p.ToB());  // IKE_SA_INIT
  ASSERT_TRUE(p.ToA());
  ASSERT_TRUE(p.ToB());  // IKE_AUTH: B's check is pending, nothing is answered
  EXPECT_TRUE(p.hb.out.empty());
  ASSERT_EQ(d->calls.size(), 1u);
  EXPECT_TRUE(d->calls[0].second.ok());
  // A retransmits its IKE_AUTH request: B is still checking; not answered, not checked again.
  const uint64_t dropped = p.b.stats().dropped;
  p.now = p.now + Duration::Seconds(1);
  p.a.OnTimer(p.now);
  ASSERT_TRUE(p.ToB());
  EXPECT_TRUE(p.hb.out.empty());
  EXPECT_EQ(d->calls.size(), 1u);
  EXPECT_EQ(p.b.stats().dropped, dropped + 1);
  // The outcome arrives: B answers and both are up with one agreed CHILD SA.
  p.b.CompleteAuth(d->calls[0].first, d->calls[0].second, p.now);
  p.Flush();
  ASSERT_NE(p.a.EstablishedSa(7), nullptr);
  ASSERT_NE(p.b.EstablishedSa(7), nullptr);
  p.ExpectOneAgreedPair();
  // A second answer for the same ticket is ignored.
  p.b.CompleteAuth(d->calls[0].first, AuthCheck::Failed("late"), p.now);
  EXPECT_NE(p.b.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kAuthFailed), 0u);
}

TEST(IkeManager, APendingCheckThatFailsIsAnsweredAuthenticationFailed) {
  Pair p;
  std::shared_ptr<DeferringAuthenticator> d = Defer(p, /*a=*/false);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  ASSERT_EQ(d->calls.size(), 1u);
  p.b.CompleteAuth(d->calls[0].first, AuthCheck::Failed("the RADIUS server said no"), p.now);
  p.Flush();
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.b.EstablishedSa(7), nullptr);
  ASSERT_EQ(p.hb.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_THAT(p.hb.events.back().second, HasSubstr("the RADIUS server said no"));
  EXPECT_EQ(p.ha.Count(IkeEventKind::kAuthFailed), 1u);  // A got AUTHENTICATION_FAILED
  EXPECT_TRUE(p.hb.children.empty());
}

TEST(IkeManager, InitiatorWaitsForAPendingCheckOfTheResponse) {
  Pair p;
  std::shared_ptr<DeferringAuthenticator> d = Defer(p, /*a=*/true);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  ASSERT_EQ(d->calls.size(), 1u);
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);  // B is up; A still checks B
  EXPECT_NE(p.b.EstablishedSa(7), nullptr);
  // Its request was answered: nothing is retransmitted while A waits.
  p.now = p.now + Duration::Seconds(3);
  p.a.OnTimer(p.now);
  EXPECT_TRUE(p.ha.out.empty());
  p.a.CompleteAuth(d->calls[0].first, d->calls[0].second, p.now);
  p.Flush();
  ASSERT_NE(p.a.EstablishedSa(7), nullptr);
  p.ExpectOneAgreedPair();
}

TEST(IkeManager, ACheckWithoutOutcomeFailsAtTheAuthTimeout) {
  Pair p;
  std::shared_ptr<DeferringAuthenticator> d = Defer(p, /*a=*/false);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  ASSERT_EQ(d->calls.size(), 1u);
  const MonoTime deadline = p.b.OnTimer(p.now);
  EXPECT_LE(deadline, p.now + IkeOptions{}.auth_timeout);
  p.now = p.now + IkeOptions{}.auth_timeout;
  p.b.OnTimer(p.now);
  ASSERT_EQ(p.hb.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_THAT(p.hb.events.back().second, HasSubstr("did not answer in time"));
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  ASSERT_TRUE(p.ToA());  // AUTHENTICATION_FAILED
  EXPECT_EQ(p.ha.Count(IkeEventKind::kAuthFailed), 1u);
  // The outcome arriving after all finds nothing to resume.
  p.b.CompleteAuth(d->calls[0].first, d->calls[0].second, p.now);
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_TRUE(p.hb.out.empty());
}

TEST(IkeManager, OutOfWindowAndReplayedMessagesAreDropped) {
  Pair p;
  p.Establish();
  ASSERT_TRUE(p.a.CheckLiveness(7, p.now).ok());
  ASSERT_EQ(p.ha.out.size(), 1u);
  const std::vector<uint8_t> request = p.ha.out.front();
  ASSERT_TRUE(p.ToB());
  ASSERT_TRUE(p.ToA());
  const uint64_t replayed = p.b.stats().responses_replayed;
  // The same request again: answered from the cache, not processed twice.
  p.b.OnDatagram({p.pb.local, 500}, {p.pa.local, 500}, request, false, p.now);
  EXPECT_EQ(p.b.stats().responses_replayed, replayed + 1);
  ASSERT_EQ(p.hb.out.size(), 1u);
  // The cached response reaching A again: no request outstanding, dropped.
  const uint64_t dropped = p.a.stats().dropped;
  ASSERT_TRUE(p.ToA());
  EXPECT_EQ(p.a.stats().dropped, dropped + 1);
  // A tampered copy: ICV fails, dropped, nothing sent.
  std::vector<uint8_t> forged = request;
  forged.back() ^= 1;
  p.b.OnDatagram({p.pb.local, 500}, {p.pa.local, 500}, forged, false, p.now);
  EXPECT_TRUE(p.hb.out.empty());
}

TEST(IkeManager, HostileDatagramsNeverCrash) {
  Pair p;
  p.Establish();
  uint64_t x = 99;
  for (int n = 0; n < 3000; ++n) {
    x = x * 6364136223846793005ull + 1;
    std::vector<uint8_t> d(static_cast<size_t>(x >> 54) % 300);
    for (uint8_t& b : d) {
      x = x * 6364136223846793005ull + 1;
      b = static_cast<uint8_t>(x >> 56);
    }
    if (d.size() >= 28 && (n & 1) != 0) {
      // A plausible header: IKEv2, a known exchange, the right length.
      d[17] = 0x20;
      d[18] = static_cast<uint8_t>(34 + (n % 4));
      d[24] = static_cast<uint8_t>(d.size() >> 24);
      d[25] = static_cast<uint8_t>(d.size() >> 16);
      d[26] = static_cast<uint8_t>(d.size() >> 8);
      d[27] = static_cast<uint8_t>(d.size());
    }
    p.b.OnDatagram({p.pb.local, 500}, {p.pa.local, 500}, d, false, p.now);
  }
  EXPECT_LE(p.b.half_open_count(), IkeOptions{}.half_open_limit);
  ASSERT_TRUE(p.a.CheckLiveness(7, p.now).ok());
  p.Flush();
  EXPECT_NE(p.b.EstablishedSa(7), nullptr);
}

}  // namespace
}  // namespace tunnelisa::ike
