// IKEv2 between two engines in one process (Router A and Router B of tests/vectors/engine/,
// with the Figure 27 IPsec tunnel dynamically keyed): a fake clock, seeded randomness, and an
// in-memory public network that can lose and duplicate packets.
#include <string>

#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using ::testing::HasSubstr;
using Action = Verdict::Action;

TEST(EngineIke, AutoEstablishThenTrafficBothWays) {
  auto pair = MakePair({}, {});
  EXPECT_GE(pair->Pump(At(0)), 4u);  // IKE_SA_INIT and IKE_AUTH, request and response each
  for (Router* r : {&pair->a(), &pair->b()}) {
    EXPECT_EQ(r->events.Count(IkeEventKind::kIkeUp), 1u);
    EXPECT_EQ(r->events.Count(IkeEventKind::kChildUp), 1u);
  }
  EXPECT_EQ(pair->a().events.ike[0].peer_id, "2.2.2.2");
  EXPECT_EQ(pair->b().events.ike[0].peer_id, "1.1.1.2");
  EXPECT_TRUE(Traffic(*pair, At(1)));
  std::vector<Engine::SessionRecord> log = pair->a().engine->IkeSessions();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].tunnel, "ipsec-tunnel 101/ipsec-tunnel-for-n-gre-tunnels");
  EXPECT_EQ(log[0].service, 101u);
  EXPECT_EQ(log[0].peer_id, "2.2.2.2");
  EXPECT_THAT(log[0].algorithms, HasSubstr("ESP"));
  EXPECT_FALSE(log[0].teardown.has_value());
}

// Run: advances the clock from `from` to `to` in `step`s, running both engines' timers and
// the network (through `copies`), sending a packet each way every `traffic_every` steps when
// non-zero. Returns how many of those traffic rounds failed.
int RunClock(RouterPair& pair, double from, double to, double step,
             const RouterPair::CopiesFn& copies = nullptr, int traffic_every = 0) {
  int failures = 0;
  int n = 0;
  for (double t = from; t <= to; t += step, ++n) {
    pair.a().engine->OnTimer(At(t));
    pair.b().engine->OnTimer(At(t));
    pair.Pump(At(t), copies);
    if (traffic_every > 0 && n % traffic_every == 0 &&
        !Traffic(pair, At(t), static_cast<uint16_t>(n))) {
      ++failures;
    }
  }
  return failures;
}

struct SuiteCase {
  const char* name;
  IkeSettings settings;
};

class EngineIkeSuites : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(EngineIkeSuites, NegotiatesAndCarriesTraffic) {
  const IkeSettings& s = GetParam().settings;
  auto pair = MakePair(s, s);
  pair->Pump(At(0));
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  ASSERT_EQ(pair->b().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(Traffic(*pair, At(1)));
  EXPECT_EQ(pair->a().engine->counters().ike_drops, 0u);
  EXPECT_EQ(pair->b().engine->counters().ike_drops, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    All, EngineIkeSuites,
    ::testing::Values(
        SuiteCase{"aes128gcm16_ecp256", {"aes128gcm16", "sha256", "19", "aes128gcm16", ""}},
        SuiteCase{"aes256_sha256_modp2048", {"aes256", "sha256", "14", "aes256", "sha256"}},
        SuiteCase{"3des_sha1_modp1024", {"3des", "sha1", "2", "3des", "sha1"}},
        SuiteCase{"chacha_x25519", {"chacha20poly1305", "sha512", "31", "chacha20poly1305", ""}},
        SuiteCase{"aes192_md5_modp768", {"aes192", "md5", "1", "aes192", "md5"}},
        SuiteCase{"aes256gcm12_ecp384", {"aes256gcm12", "sha384", "20", "aes256gcm8", ""}},
        SuiteCase{"aes128gcm8_ecp521", {"aes128gcm8", "sha512", "21", "aes128", "sha512"}},
        SuiteCase{"des_modp3072_pfs", {"des", "sha1", "15", "des", "sha1", "14"}},
        SuiteCase{"aes128_pfs_x25519", {"aes128", "sha256", "14", "aes128", "sha384", "31"}}),
    [](const ::testing::TestParamInfo<SuiteCase>& p) { return std::string(p.param.name); });

TEST(EngineIke, WrongPskIsRefusedOnBothSides) {
  IkeSettings b;
  b.psk = "not-the-secret";
  auto pair = MakePair({}, b);
  pair->Pump(At(0));
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 0u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kIkeUp), 0u);
  // The responder says which peer failed.
  for (const auto& e : pair->b().events.ike) {
    if (e.kind == IkeEventKind::kAuthFailed) {
      EXPECT_EQ(e.peer_id, "1.1.1.2");
      EXPECT_THAT(e.detail, HasSubstr("pre-shared key"));
    }
  }
  EXPECT_FALSE(Traffic(*pair, At(1)));
}

TEST(EngineIke, ProposalMismatchSaysWhatDidNotMatch) {
  IkeSettings b;
  b.dh_group = "19";
  auto pair = MakePair({}, b);
  pair->Pump(At(0));
  ASSERT_EQ(pair->b().events.Count(IkeEventKind::kNegotiationFailed), 1u);
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kNegotiationFailed), 1u);
  for (const auto& e : pair->b().events.ike) {
    if (e.kind == IkeEventKind::kNegotiationFailed) {
      EXPECT_THAT(e.detail, HasSubstr("MODP"));
    }
  }
  for (const auto& e : pair->a().events.ike) {
    if (e.kind == IkeEventKind::kNegotiationFailed) {
      EXPECT_THAT(e.detail, HasSubstr("NO_PROPOSAL_CHOSEN"));
    }
  }
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeUp), 0u);
}

TEST(EngineIke, EspTransformMismatchLeavesNoChild) {
  IkeSettings b;
  b.esp_encryption = "aes128";
  auto pair = MakePair({}, b);
  pair->Pump(At(0));
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 0u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kChildUp), 0u);
  EXPECT_GE(pair->b().events.Count(IkeEventKind::kNegotiationFailed), 1u);
  EXPECT_FALSE(Traffic(*pair, At(1)));
}

TEST(EngineIke, LostPacketsAreRetransmitted) {
  auto pair = MakePair({}, {});
  int dropped = 0;
  // Lose the first IKE_SA_INIT request and the first IKE_AUTH response.
  auto lossy = [&](const Output&, bool a_to_b) {
    static_cast<void>(a_to_b);
    ++dropped;
    return dropped == 1 || dropped == 4 ? 0 : 1;
  };
  pair->Pump(At(0), lossy);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeUp), 0u);
  EXPECT_EQ(RunClock(*pair, 0.5, 10, 0.5, lossy), 0);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(Traffic(*pair, At(11)));
}

TEST(EngineIke, DuplicatedPacketsAreAnsweredFromTheCache) {
  auto pair = MakePair({}, {});
  pair->Pump(At(0), [](const Output&, bool) { return 2; });
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(Traffic(*pair, At(1)));
}

TEST(EngineIke, GivesUpOnASilentPeer) {
  auto pair = MakePair({}, {});
  auto black_hole = [](const Output&, bool) { return 0; };
  pair->Pump(At(0), black_hole);
  RunClock(*pair, 1, 120, 1, black_hole);
  ASSERT_GE(pair->a().events.Count(IkeEventKind::kIkeDown), 1u);
  EXPECT_THAT(pair->a().events.ike.back().detail, HasSubstr("not responding"));
}

TEST(EngineIke, DeadPeerDetection) {
  IkeSettings s;
  s.dpd = "dpd interval 10 max-retries 2";
  auto pair = MakePair(s, s);
  pair->Pump(At(0));
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  // While the peer answers, liveness checks keep the SA.
  RunClock(*pair, 1, 60, 1);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeDown), 0u);
  // Then B dies: A declares it dead after the retries and removes the SAs.
  auto dead = [](const Output&, bool) { return 0; };
  RunClock(*pair, 61, 120, 1, dead);
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kIkeDown), 1u);
  EXPECT_THAT(pair->a().events.ike.back().detail, HasSubstr("dead peer"));
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildDown), 1u);
  std::vector<Engine::SessionRecord> log = pair->a().engine->IkeSessions();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_TRUE(log[0].teardown.has_value());
  EXPECT_THAT(log[0].teardown_reason, HasSubstr("dead peer"));
}

TEST(EngineIke, ChildSaRekeyByLifetimeLosesNothing) {
  IkeSettings s;
  s.lifetimes = "    ipsec-lifetime 1200\n";
  IkeSettings b = s;
  b.lifetimes = "    ipsec-lifetime 3600\n";  // A's smaller lifetime makes A the rekeyer
  auto pair = MakePair(s, b);
  pair->Pump(At(0));
  EXPECT_EQ(RunClock(*pair, 1, 1300, 10, nullptr, 1), 0);  // traffic every 10 s, none lost
  EXPECT_GE(pair->a().events.Count(IkeEventKind::kChildRekeyed), 1u);
  EXPECT_GE(pair->b().events.Count(IkeEventKind::kChildRekeyed), 1u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeDown), 0u);
  EXPECT_EQ(pair->a().engine->counters().total_drops(), 0u);
  EXPECT_EQ(pair->b().engine->counters().total_drops(), 0u);
}

TEST(EngineIke, SimultaneousChildRekeyKeepsOnePair) {
  IkeSettings s;
  s.lifetimes = "    ipsec-lifetime 1200\n";
  auto pair = MakePair(s, s);  // same lifetime: both rekey in the same instant
  pair->Pump(At(0));
  // RFC 7296 2.8.1: both CREATE_CHILD_SA requests cross; each side answers the other's; the
  // SA made with the lowest nonce is deleted by its creator, the old one by the other.
  //   A                                    B
  //   CREATE_CHILD_SA(REKEY old) -->  <-- CREATE_CHILD_SA(REKEY old)
  //   <-- response (B's new SA)           response (A's new SA) -->
  //   INFORMATIONAL(Delete redundant / old) <-->
  EXPECT_EQ(RunClock(*pair, 1, 1200, 5, nullptr, 4), 0);
  EXPECT_GE(pair->a().events.Count(IkeEventKind::kChildRekeyed), 1u);
  EXPECT_TRUE(Traffic(*pair, At(1300)));
  std::optional<config::IpsecTunnelCounters> ca = pair->a().engine->runtime().IpsecCounters(kIpsec);
  std::optional<config::IpsecTunnelCounters> cb = pair->b().engine->runtime().IpsecCounters(kIpsec);
  ASSERT_TRUE(ca.has_value());
  ASSERT_TRUE(cb.has_value());
  // One surviving pair: each side sends with the SPI the other receives on.
  EXPECT_EQ(ca->outbound_spi, cb->inbound_spi);
  EXPECT_EQ(cb->outbound_spi, ca->inbound_spi);
}

TEST(EngineIke, IkeSaRekeyKeepsTheChildren) {
  IkeSettings s;
  s.lifetimes = "    isakmp-lifetime 1200\n";
  IkeSettings b;
  b.lifetimes = "    isakmp-lifetime 3600\n";
  auto pair = MakePair(s, b);
  pair->Pump(At(0));
  EXPECT_EQ(RunClock(*pair, 1, 1250, 10, nullptr, 1), 0);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeRekeyed), 1u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kIkeRekeyed), 1u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeDown), 0u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kIkeDown), 0u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildDown), 0u);
  EXPECT_EQ(pair->a().engine->IkeSessions().size(), 1u);  // the same session continues
}

TEST(EngineIke, ShutdownDeletesTheSasOnThePeer) {
  auto pair = MakePair({}, {});
  pair->Pump(At(0));
  pair->a().engine->Shutdown(At(5));
  pair->Pump(At(5));
  ASSERT_EQ(pair->b().events.Count(IkeEventKind::kIkeDown), 1u);
  EXPECT_THAT(pair->b().events.ike.back().detail, HasSubstr("deleted by the peer"));
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kChildDown), 1u);
  EXPECT_FALSE(pair->b().engine->runtime().IpsecCounters(kIpsec).has_value());
}

// A reconfiguration that removes a dynamic ipsec-tunnel deletes its IKE SA on the peer at
// once (RFC 7296 1.4.1), rather than leaving the peer to find out by DPD: the Delete leaves
// from the tunnel's local-gateway-address though that address is no longer ours after the
// change.
TEST(EngineIke, RemovingTheTunnelFromTheConfigurationDeletesTheSasOnThePeer) {
  auto pair = MakePair({}, {});
  pair->Pump(At(0));
  ASSERT_TRUE(Traffic(*pair, At(1)));
  std::string b = Dynamic(ReadEngineVector("router_b.cfg"), {}, /*auto_establish=*/false);
  const size_t start = b.find("    ipsec-tunnel \"ipsec-tunnel-for-n-gre-tunnels\" create");
  ASSERT_NE(start, std::string::npos);
  const std::string close = "\n    exit\n";
  const size_t end = b.find(close, start);
  ASSERT_NE(end, std::string::npos);
  b.erase(start, end + close.size() - start);
  b = Replace(
      b, "  static-route 192.168.1.0/24 next-hop ipsec-tunnel \"ipsec-tunnel-for-n-gre-tunnels\"\n",
      "");
  const uint64_t ike_drops = pair->b().engine->counters().ike_drops;
  absl::Status applied = pair->b().engine->ApplyConfig(ParseConfig(b), At(2));
  ASSERT_TRUE(applied.ok()) << applied;
  EXPECT_EQ(pair->b().engine->counters().ike_drops, ike_drops);  // the Delete was not dropped
  pair->Pump(At(2));
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kIkeDown), 1u);
  std::string down;
  for (const auto& e : pair->a().events.ike) {
    if (e.kind == IkeEventKind::kIkeDown) down = e.detail;
  }
  EXPECT_THAT(down, HasSubstr("deleted by the peer"));
}

TEST(EngineIke, FirstPacketStartsIke) {
  auto pair = MakePair({}, {}, /*auto_establish=*/false);
  EXPECT_EQ(pair->Pump(At(0)), 0u);  // nobody starts on their own
  std::vector<uint8_t> ab = MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.1"), 200, 1);
  EngineVerdict v = pair->a().Private(kVprn101, ab, At(1));
  EXPECT_EQ(v.reason, DropReason::kIkeNegotiating);
  pair->Pump(At(1));
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(Traffic(*pair, At(2)));
}

// With control work off the fast path (EngineOptions::control_on_fast_path false), a packet
// for a dynamic tunnel without SAs only queues the initiation; OnTimer, on the control path,
// starts IKE. Lifetime events are queued the same way: the byte-lifetime rekeys happen in
// OnTimer, not inside the bursts.
TEST(EngineIke, ControlWorkWaitsForTheControlPathWhenAsked) {
  EngineOptions o;
  o.control_on_fast_path = false;
  o.ike_child_lifetime_bytes = 20000;
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, false),
                  Dynamic(ReadEngineVector("router_b.cfg"), {}, false), At(0), &o);
  std::vector<EngineVerdict> v =
      pair.a().PrivateBurst(kVprn101,
                            {MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.1"), 200, 1),
                             MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.1"), 210, 2)},
                            At(1));
  for (const EngineVerdict& x : v) EXPECT_EQ(x.reason, DropReason::kIkeNegotiating);
  EXPECT_TRUE(pair.a().transport.public_out.empty());  // nothing sent from the burst
  EXPECT_TRUE(pair.a().engine->ControlWorkPending());
  pair.a().engine->OnTimer(At(1));
  EXPECT_FALSE(pair.a().engine->ControlWorkPending());
  ASSERT_EQ(pair.a().transport.public_out.size(), 1u);  // IKE_SA_INIT
  pair.Pump(At(1));
  ASSERT_EQ(pair.a().events.Count(IkeEventKind::kChildUp), 1u);
  // Past the soft byte lifetime: the bursts only queue the lifetime events.
  bool queued = false;
  for (int k = 0; k < 200 && !queued; ++k) {
    ASSERT_TRUE(Traffic(pair, At(2 + 0.01 * k), static_cast<uint16_t>(k)));
    queued = pair.a().engine->ControlWorkPending() || pair.b().engine->ControlWorkPending();
  }
  ASSERT_TRUE(queued);
  EXPECT_EQ(pair.a().events.Count(IkeEventKind::kChildRekeyed) +
                pair.b().events.Count(IkeEventKind::kChildRekeyed),
            0u);
  pair.a().engine->OnTimer(At(5));
  pair.b().engine->OnTimer(At(5));
  pair.Pump(At(5));
  EXPECT_GE(pair.a().events.Count(IkeEventKind::kChildRekeyed) +
                pair.b().events.Count(IkeEventKind::kChildRekeyed),
            1u);
  EXPECT_TRUE(Traffic(pair, At(5.1)));
}

TEST(EngineIke, CookiesUnderAnInitFloodStillLetThePeerIn) {
  EngineOptions o;
  o.ike_cookie_threshold = 8;
  o.ike_half_open_limit = 32;
  o.ike_init_rate_per_peer = 1000;
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, true),
                  Dynamic(ReadEngineVector("router_b.cfg"), {}, false), At(0), &o);
  ASSERT_EQ(pair.a().transport.public_out.size(), 1u);
  const std::vector<uint8_t> real = pair.a().transport.public_out[0].bytes;
  pair.a().transport.public_out.clear();
  // A flood of forged IKE_SA_INITs (the peer's address, fresh SPIs each).
  for (uint64_t k = 1; k <= 200; ++k) {
    std::vector<uint8_t> forged = real;
    SetInitiatorSpi(forged, 0x1000 + k);
    pair.b().Public(forged, At(0.001 * static_cast<double>(k)));
  }
  const IkeCounters flooded = pair.b().engine->ike_counters();
  EXPECT_EQ(flooded.half_open, 8u);  // the threshold; then only COOKIEs, no state
  EXPECT_EQ(flooded.cookies_sent, 192u);
  pair.b().transport.public_out.clear();
  // The real initiator gets a COOKIE too, retries with it and gets in.
  pair.b().Public(real, At(1));
  pair.Pump(At(1));
  EXPECT_EQ(pair.a().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(pair.b().events.Count(IkeEventKind::kChildUp), 1u);
  // Half-open SAs of the flood expire.
  RunClock(pair, 2, 40, 1);
  EXPECT_EQ(pair.b().engine->ike_counters().half_open, 0u);
  EXPECT_EQ(pair.b().engine->ike_counters().ike_sas, 1u);
}

TEST(EngineIke, PeerRateLimitDemandsCookies) {
  auto pair = MakePair({}, {});
  const std::vector<uint8_t> real = pair->a().transport.public_out[0].bytes;
  for (uint64_t k = 1; k <= 30; ++k) {
    std::vector<uint8_t> forged = real;
    SetInitiatorSpi(forged, 0x2000 + k);
    pair->b().Public(forged, At(0));  // all in the same second
  }
  EXPECT_EQ(pair->b().engine->ike_counters().cookies_sent, 20u);  // above 10 per second
}

TEST(EngineIke, GarbageAndForgeriesAreCountedNotAnswered) {
  auto pair = MakePair({}, {});
  pair->Pump(At(0));
  pair->b().transport.public_out.clear();
  const uint64_t before = pair->b().engine->ike_counters().dropped;
  // Every truncation of a 40-byte non-IKE payload on UDP 500 from the right peer.
  std::vector<uint8_t> base = MakeUdpPacket(Ip("1.1.1.2"), Ip("2.2.2.2"), 40, 1);
  base[20] = 0x01;  // source port 500
  base[21] = 0xf4;
  base[22] = 0x01;  // destination port 500
  base[23] = 0xf4;
  uint64_t sent = 0;
  for (size_t len = 28; len < base.size(); ++len, ++sent) {
    std::vector<uint8_t> cut(base.begin(), base.begin() + static_cast<long>(len));
    cut[2] = static_cast<uint8_t>(len >> 8);
    cut[3] = static_cast<uint8_t>(len);
    EXPECT_EQ(pair->b().Public(cut, At(1)).action, Action::kToControl);
  }
  EXPECT_EQ(pair->b().engine->ike_counters().dropped, before + sent);
  // A real protected request (A rekeys), with one bit flipped in each octet after the IKE
  // header: every copy fails its ICV (or parse) and is dropped unanswered.
  ASSERT_TRUE(pair->a().engine->Rekey(kIpsec, /*ike=*/false, At(2)).ok());
  ASSERT_EQ(pair->a().transport.public_out.size(), 1u);
  const std::vector<uint8_t> real = pair->a().transport.public_out[0].bytes;
  pair->a().transport.public_out.clear();
  const uint64_t before_forged = pair->b().engine->ike_counters().dropped;
  uint64_t forged_count = 0;
  for (size_t k = 28 + 28; k < real.size(); ++k, ++forged_count) {
    std::vector<uint8_t> forged = real;
    forged[k] ^= 0x01;
    pair->b().Public(forged, At(2));
  }
  EXPECT_EQ(pair->b().engine->ike_counters().dropped, before_forged + forged_count);
  EXPECT_TRUE(pair->b().transport.public_out.empty());  // nothing answered
  // The genuine one still works, and so does the tunnel.
  pair->b().Public(real, At(2));
  pair->Pump(At(2));
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildRekeyed), 1u);
  EXPECT_TRUE(Traffic(*pair, At(3)));
}

TEST(EngineIke, NatTraversalAndAPortChange) {
  IkeSettings s;
  s.dpd = "dpd interval 10 max-retries 3";
  auto pair = MakePair(s, s);
  Napt nat;
  auto rewrite = [&nat](std::vector<uint8_t>& p, bool a_to_b) { nat(p, a_to_b); };
  pair->Pump(At(0), nullptr, rewrite);
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  ASSERT_EQ(pair->b().events.Count(IkeEventKind::kChildUp), 1u);
  // ESP now travels in UDP 4500 both ways.
  std::vector<uint8_t> ab = MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.1"), 200, 1);
  pair->a().Private(kVprn101, ab, At(1));
  ASSERT_EQ(pair->a().transport.public_out.size(), 1u);
  EXPECT_EQ(pair->a().transport.public_out[0].bytes[9], kProtoUdp);
  pair->Pump(At(1), nullptr, rewrite);
  ASSERT_EQ(pair->b().transport.private_out.size(), 1u);
  std::vector<uint8_t> ba = MakeUdpPacket(Ip("192.168.2.1"), Ip("192.168.1.10"), 200, 2);
  pair->b().Private(kVprn101, ba, At(1));
  ASSERT_EQ(pair->b().transport.public_out.size(), 1u);
  EXPECT_EQ(pair->b().transport.public_out[0].bytes[22] << 8 |
                pair->b().transport.public_out[0].bytes[23],
            44500);  // to A's mapped NAT-T port
  pair->Pump(At(1), nullptr, rewrite);
  EXPECT_EQ(pair->a().transport.private_out.size(), 1u);
  // The NAT forgets A's mapping; A's next authenticated IKE message (a DPD check) comes from a
  // new port and B follows it.
  nat.rebound = true;
  for (double t = 2; t <= 30; t += 1) {
    pair->a().engine->OnTimer(At(t));
    pair->b().engine->OnTimer(At(t));
    pair->Pump(At(t), nullptr, rewrite);
  }
  pair->b().transport.public_out.clear();
  pair->b().Private(kVprn101, ba, At(31));
  ASSERT_EQ(pair->b().transport.public_out.size(), 1u);
  EXPECT_EQ(pair->b().transport.public_out[0].bytes[22] << 8 |
                pair->b().transport.public_out[0].bytes[23],
            45500);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeDown), 0u);
}

TEST(EngineIke, ChildSaRekeyByBytes) {
  EngineOptions o;
  o.ike_child_lifetime_bytes = 20000;
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, true),
                  Dynamic(ReadEngineVector("router_b.cfg"), {}, false), At(0), &o);
  pair.Pump(At(0));
  ASSERT_EQ(pair.a().events.Count(IkeEventKind::kChildUp), 1u);
  int lost = 0;
  for (int k = 0; k < 300; ++k) {  // 300 x 128 bytes each way: two rekeys' worth
    const double t = 1 + 0.01 * k;
    if (!Traffic(pair, At(t), static_cast<uint16_t>(k))) ++lost;
    pair.a().engine->OnTimer(At(t));
    pair.b().engine->OnTimer(At(t));
    pair.Pump(At(t));
  }
  EXPECT_EQ(lost, 0);
  EXPECT_GE(pair.a().events.Count(IkeEventKind::kChildRekeyed) +
                pair.b().events.Count(IkeEventKind::kChildRekeyed),
            2u);
  EXPECT_EQ(pair.a().events.Count(IkeEventKind::kIkeDown), 0u);
}

TEST(EngineIke, TrafficSelectorMismatchNamesTheSelector) {
  std::string b = Dynamic(ReadEngineVector("router_b.cfg"), {}, false);
  b = Replace(b, "        remote-ip 192.168.1.0/24", "        remote-ip 192.168.9.0/24");
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, true), b);
  pair.Pump(At(0));
  EXPECT_EQ(pair.b().events.Count(IkeEventKind::kChildUp), 0u);
  bool named = false;
  for (const auto& e : pair.b().events.ike) {
    if (e.kind == IkeEventKind::kNegotiationFailed) {
      EXPECT_THAT(e.detail, HasSubstr("TS_UNACCEPTABLE"));
      named = named || e.detail.find("192.168.1.0/24") != std::string::npos;
    }
  }
  EXPECT_TRUE(named);
  bool told = false;
  for (const auto& e : pair.a().events.ike) {
    told = told || (e.kind == IkeEventKind::kNegotiationFailed &&
                    e.detail.find("TS_UNACCEPTABLE") != std::string::npos);
  }
  EXPECT_TRUE(told);
}

TEST(EngineIke, RekeyOnRequestBothKindsWithTrafficFlowing) {
  auto pair = MakePair({}, {});
  pair->Pump(At(0));
  std::optional<config::IpsecTunnelCounters> before =
      pair->a().engine->runtime().IpsecCounters(kIpsec);
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(pair->a().engine->Rekey(kIpsec, /*ike=*/false, At(1)).code(), absl::StatusCode::kOk);
  // The old CHILD SA's Delete (an INFORMATIONAL exchange, RFC 7296 1.4.1) is lost this time,
  // so the replaced inbound SAs linger beside the new ones.
  auto lose_informational = [](const Output& p, bool) {
    constexpr size_t kExchangeType = 20 + 8 + 18;  // IPv4, UDP (port 500), IKE header
    return p.bytes.size() > kExchangeType && p.bytes[9] == 17 && p.bytes[kExchangeType] == 37 ? 0
                                                                                              : 1;
  };
  pair->Pump(At(1), lose_informational);
  EXPECT_TRUE(Traffic(*pair, At(2)));
  // `show ipsec tunnel` names the new inbound SA at once, though the old one lingers. (B, the
  // rekey's responder, keeps sending on the old SA until A deletes it, RFC 7296 2.8, so only
  // A's outbound is known to be new here.)
  std::optional<config::IpsecTunnelCounters> ca = pair->a().engine->runtime().IpsecCounters(kIpsec);
  std::optional<config::IpsecTunnelCounters> cb = pair->b().engine->runtime().IpsecCounters(kIpsec);
  ASSERT_TRUE(ca.has_value() && cb.has_value());
  EXPECT_NE(ca->inbound_spi, before->inbound_spi);
  EXPECT_NE(ca->outbound_spi, before->outbound_spi);
  EXPECT_EQ(ca->outbound_spi, cb->inbound_spi);
  EXPECT_TRUE(pair->b().engine->Rekey(kIpsec, /*ike=*/true, At(3)).ok());
  pair->Pump(At(3));
  EXPECT_TRUE(Traffic(*pair, At(4)));
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildRekeyed), 1u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeRekeyed), 1u);
  EXPECT_EQ(pair->a().engine->Rekey({101, "nope"}, false, At(5)).code(),
            absl::StatusCode::kNotFound);
}

TEST(EngineIke, ChangedTransformAndPolicyKeepTheSaUntilTheRekey) {
  // The guide: an ipsec-transform or ike-policy change "will not impact tunnels that have been
  // established until they are renegotiated".
  auto pair = MakePair({}, {});
  pair->Pump(At(0));
  ASSERT_TRUE(TrafficBursts(*pair, At(1)));
  // New values inside the referenced ike-policy 1 and ipsec-transform 1, on both routers.
  IkeSettings changed;
  changed.ike_encryption = "aes256";
  changed.ike_auth = "sha256";
  changed.dh_group = "14";
  changed.esp_encryption = "aes128gcm16";
  changed.esp_auth = "";
  changed.pfs = "19";
  changed.lifetimes = "    ipsec-lifetime 1200\n";
  for (bool a : {true, false}) {
    Router& r = a ? pair->a() : pair->b();
    const std::string text = Dynamic(ReadEngineVector(a ? "router_a.cfg" : "router_b.cfg"), changed,
                                     /*auto_establish=*/a);
    absl::Status s = r.engine->ApplyConfig(ParseConfig(text), At(2));
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_TRUE(r.transport.public_out.empty());  // no Delete, no IKE_SA_INIT
  }
  EXPECT_TRUE(TrafficBursts(*pair, At(3)));
  EXPECT_EQ(RunClock(*pair, 4, 30, 1, nullptr, /*traffic_every=*/5), 0);
  for (Router* r : {&pair->a(), &pair->b()}) {
    EXPECT_EQ(r->events.Count(IkeEventKind::kIkeUp), 1u);
    EXPECT_EQ(r->events.Count(IkeEventKind::kIkeDown), 0u);
    EXPECT_EQ(r->events.Count(IkeEventKind::kChildDown), 0u);
    EXPECT_EQ(r->engine->ike_counters().ike_sas, 1u);
  }
  // A CHILD SA rekey now negotiates the new transform (with its PFS group), under traffic.
  ASSERT_TRUE(pair->a().engine->Rekey(kIpsec, /*ike=*/false, At(31)).ok());
  pair->Pump(At(31));
  EXPECT_TRUE(TrafficBursts(*pair, At(32)));
  std::string rekeyed;
  for (const auto& e : pair->a().events.ike) {
    if (e.kind == IkeEventKind::kChildRekeyed) rekeyed = e.detail;
  }
  EXPECT_EQ(rekeyed, "aes128gcm16-ecp256");
  // And an IKE SA rekey the new ike-policy.
  ASSERT_TRUE(pair->b().engine->Rekey(kIpsec, /*ike=*/true, At(33)).ok());
  pair->Pump(At(33));
  EXPECT_TRUE(TrafficBursts(*pair, At(34)));
  std::string ike_rekeyed;
  for (const auto& e : pair->a().events.ike) {
    if (e.kind == IkeEventKind::kIkeRekeyed) ike_rekeyed = e.detail;
  }
  EXPECT_THAT(ike_rekeyed, HasSubstr("aes256"));
  EXPECT_THAT(ike_rekeyed, HasSubstr("modp2048"));
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeUp), 1u);
}

// IkeSpiI: the initiator SPI of an IKE datagram (IPv4; UDP 500, or 4500 with the non-ESP
// marker), 0 for anything else.
uint64_t IkeSpiI(const std::vector<uint8_t>& p) {
  if (p.size() < 36 || p[9] != kProtoUdp) return 0;
  const int dport = p[22] << 8 | p[23];
  size_t at = 28;
  if (dport == 4500) {
    if (p.size() < 40 || (p[28] | p[29] | p[30] | p[31]) != 0) return 0;
    at = 32;
  } else if (dport != 500) {
    return 0;
  }
  uint64_t spi = 0;
  for (size_t k = 0; k < 8; ++k) spi = spi << 8 | p[at + k];
  return spi;
}

TEST(EngineIke, InitialContactFromARebootedPeerLeavesOneIkeSa) {
  auto pair = MakePair({}, {});
  pair->Pump(At(0));
  ASSERT_TRUE(TrafficBursts(*pair, At(1)));
  uint64_t old_spi_i = 0;
  uint32_t old_child_in = 0;
  for (const auto& e : pair->a().events.ike) {
    if (e.kind == IkeEventKind::kIkeUp) old_spi_i = e.ike_spi_i;
    if (e.kind == IkeEventKind::kChildUp) old_child_in = e.child_spi_in;
  }
  ASSERT_NE(old_spi_i, 0u);
  // An ESP packet B sealed under the old CHILD SA, held back for later.
  pair->b().Private(kVprn101, MakeUdpPacket(Ip("192.168.2.1"), Ip("192.168.1.10"), 64, 9), At(1));
  ASSERT_EQ(pair->b().transport.public_out.size(), 1u);
  const std::vector<uint8_t> stale = pair->b().transport.public_out[0].bytes;
  // B reboots: a fresh engine with B's configuration (auto-establish) and fresh randomness
  // initiates again, with INITIAL_CONTACT in its IKE_AUTH request.
  pair->Restart(/*a=*/false, Dynamic(ReadEngineVector("router_b.cfg"), {}, true), 3, At(2));
  size_t to_old_sa = 0;
  pair->Pump(At(2), [&](const Output& o, bool a_to_b) {
    if (a_to_b && IkeSpiI(o.bytes) == old_spi_i) ++to_old_sa;
    return 1;
  });
  EXPECT_EQ(to_old_sa, 0u);  // nothing was sent for the removed IKE SA
  EXPECT_EQ(pair->b().engine->ike_counters().dropped, 0u);
  EXPECT_EQ(pair->a().engine->ike_counters().ike_sas, 1u);
  size_t ike_down = 0, child_down = 0;
  for (const auto& e : pair->a().events.ike) {
    if (e.detail.find("INITIAL_CONTACT") == std::string::npos) continue;
    ike_down += e.kind == IkeEventKind::kIkeDown && e.ike_spi_i == old_spi_i ? 1 : 0;
    child_down += e.kind == IkeEventKind::kChildDown && e.child_spi_in == old_child_in ? 1 : 0;
  }
  EXPECT_EQ(ike_down, 1u);
  EXPECT_EQ(child_down, 1u);
  EXPECT_TRUE(TrafficBursts(*pair, At(3)));
  // The old CHILD SA's inbound SPI is gone from A's data plane.
  EXPECT_EQ(pair->a().Public(stale, At(4)).reason, DropReason::kUnknownSpi);
  std::vector<Engine::SessionRecord> log = pair->a().engine->IkeSessions();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_THAT(log[0].teardown_reason, HasSubstr("INITIAL_CONTACT"));
  EXPECT_FALSE(log[1].teardown.has_value());
}

TEST(EngineIke, ResponderOnlyNeverInitiates) {
  std::string a = Dynamic(ReadEngineVector("router_a.cfg"), {}, /*auto_establish=*/true);
  a = Replace(a, "    primary 1/1\n    backup 2/1\n",
              "    primary 1/1\n    backup 2/1\n    ipsec-responder-only\n");
  RouterPair pair(a, Dynamic(ReadEngineVector("router_b.cfg"), {}, true));
  pair.Pump(At(0));  // B initiates; A only answers
  EXPECT_EQ(pair.a().events.Count(IkeEventKind::kChildUp), 1u);
  absl::Status s = pair.a().engine->Initiate(kIpsec, At(1));
  EXPECT_TRUE(s.ok()) << s;  // an IKE SA exists: nothing to do
  pair.a().engine->Shutdown(At(2));
  pair.Pump(At(2));
  EXPECT_EQ(pair.a().engine->Initiate(kIpsec, At(3)).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace tunnelisa::testing
