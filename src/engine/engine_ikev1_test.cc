// IKEv1 between two engines in one process: the guide's Figure 27 as written (ike-version 1,
// ike-mode main; tests/vectors/engine/figure27_ikev1_{a,b}.cfg), and Router A / Router B with
// their IPsec tunnel keyed by IKEv1 in other settings (Aggressive Mode, PFS, suites), with
// loss, duplicates, rekeys of both phases, DPD, a NAT with a port change and a wrong key.
#include <string>

#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using ::testing::HasSubstr;

IkeSettings V1(std::string mode = "main") {
  IkeSettings s;
  s.ike_version = 1;
  s.ike_mode = std::move(mode);
  return s;
}

int RunClock(RouterPair& pair, double from, double to, double step,
             const RouterPair::CopiesFn& copies = nullptr, int traffic_every = 0) {
  int failures = 0;
  int n = 0;
  for (double t = from; t <= to; t += step, ++n) {
    pair.a().engine->OnTimer(At(t));
    pair.b().engine->OnTimer(At(t));
    pair.Pump(At(t), copies);
    if (traffic_every > 0 && n % traffic_every == 0 && !TrafficBursts(pair, At(t), 1, 4)) {
      ++failures;
    }
  }
  return failures;
}

// GreOverIpsecBursts: bursts between the routers' LANs (172.16.1.0/24 <-> 172.16.2.0/24)
// through the GRE tunnel, whose packets the IPsec tunnel carries; true if all arrived intact.
bool GreOverIpsecBursts(RouterPair& pair, MonoTime now, int burst = 8) {
  pair.a().transport.private_out.clear();
  pair.b().transport.private_out.clear();
  std::vector<std::vector<uint8_t>> ab, ba;
  for (int k = 0; k < burst; ++k) {
    ab.push_back(MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 100 + 10 * k,
                               static_cast<uint16_t>(k)));
    ba.push_back(MakeUdpPacket(Ip("172.16.2.20"), Ip("172.16.1.10"), 1200 - 10 * k,
                               static_cast<uint16_t>(k)));
  }
  pair.a().PrivateBurst(kVprn101, ab, now);
  pair.b().PrivateBurst(kVprn101, ba, now);
  pair.Pump(now);
  const auto& at_b = pair.b().transport.private_out;
  const auto& at_a = pair.a().transport.private_out;
  bool ok = at_b.size() == ab.size() && at_a.size() == ba.size();
  for (size_t k = 0; ok && k < ab.size(); ++k)
    ok = at_b[k].bytes == ab[k] && at_a[k].bytes == ba[k];
  return ok;
}

TEST(EngineIkev1, Figure27AsWrittenCarriesGreOverIpsecBothWays) {
  RouterPair pair(ReadEngineVector("figure27_ikev1_a.cfg"),
                  ReadEngineVector("figure27_ikev1_b.cfg"));
  ASSERT_TRUE(pair.a().engine->Initiate(kIpsec, At(0)).ok());
  // Main Mode: 6 messages; Quick Mode: 3.
  EXPECT_GE(pair.Pump(At(0)), 9u);
  for (Router* r : {&pair.a(), &pair.b()}) {
    EXPECT_EQ(r->events.Count(IkeEventKind::kIkeUp), 1u);
    EXPECT_EQ(r->events.Count(IkeEventKind::kChildUp), 1u);
  }
  std::vector<Engine::SessionRecord> log = pair.a().engine->IkeSessions();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].peer_id, "2.2.2.2");
  EXPECT_THAT(log[0].algorithms, HasSubstr("main mode, aes128-sha1-modp1536"));
  EXPECT_THAT(log[0].algorithms, HasSubstr("ESP aes256-sha1"));
  EXPECT_TRUE(GreOverIpsecBursts(pair, At(1)));
  EXPECT_TRUE(TrafficBursts(pair, At(1)));
  EXPECT_EQ(pair.a().engine->counters().total_drops(), 0u);
  EXPECT_EQ(pair.b().engine->counters().total_drops(), 0u);
}

TEST(EngineIkev1, Figure27FirstPacketStartsIke) {
  RouterPair pair(ReadEngineVector("figure27_ikev1_a.cfg"),
                  ReadEngineVector("figure27_ikev1_b.cfg"));
  std::vector<uint8_t> ab = MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.1"), 200, 1);
  pair.a().Private(kVprn101, ab, At(0));
  pair.Pump(At(0));
  EXPECT_EQ(pair.a().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(TrafficBursts(pair, At(1)));
}

struct SuiteCase {
  const char* name;
  IkeSettings settings;
};

class EngineIkev1Suites : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(EngineIkev1Suites, NegotiatesAndCarriesTraffic) {
  auto pair = MakePair(GetParam().settings, GetParam().settings);
  pair->Pump(At(0));
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  ASSERT_EQ(pair->b().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(TrafficBursts(*pair, At(1)));
}

IkeSettings Suite(std::string enc, std::string auth, std::string group, std::string esp_enc,
                  std::string esp_auth, std::string pfs, std::string mode = "main") {
  IkeSettings s = V1(std::move(mode));
  s.ike_encryption = std::move(enc);
  s.ike_auth = std::move(auth);
  s.dh_group = std::move(group);
  s.esp_encryption = std::move(esp_enc);
  s.esp_auth = std::move(esp_auth);
  s.pfs = std::move(pfs);
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Suites, EngineIkev1Suites,
    ::testing::Values(
        SuiteCase{"aggressive", V1("aggressive")},
        SuiteCase{"des_md5", Suite("des", "md5", "1", "des", "md5", "")},
        SuiteCase{"3des_md5_pfs2", Suite("3des", "md5", "2", "3des", "md5", "2")},
        SuiteCase{"aes256_sha256_pfs14", Suite("aes256", "sha256", "14", "aes128", "sha256", "14")},
        SuiteCase{"aes192_sha512_gcm", Suite("aes192", "sha512", "15", "aes256gcm16", "", "")},
        SuiteCase{"aggressive_sha384_pfs5",
                  Suite("aes128", "sha384", "5", "aes256", "sha384", "5", "aggressive")}),
    [](const ::testing::TestParamInfo<SuiteCase>& p) { return std::string(p.param.name); });

TEST(EngineIkev1, WrongPskIsRefusedOnBothSides) {
  IkeSettings b = V1();
  b.psk = "other";
  auto pair = MakePair(V1(), b);
  pair->Pump(At(0));
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 0u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_EQ(pair->a().engine->ike_counters().ike_sas, 0u);
  EXPECT_EQ(pair->b().engine->ike_counters().ike_sas, 0u);
}

TEST(EngineIkev1, LossDuplicatesAndReordering) {
  // Lose the 1st and 5th packets, send every 3rd twice.
  int n = 0;
  auto network = [&](const Output&, bool) {
    ++n;
    if (n == 1 || n == 5) return 0;
    return n % 3 == 0 ? 2 : 1;
  };
  auto pair = MakePair(V1(), V1());
  pair->Pump(At(0), network);
  EXPECT_EQ(RunClock(*pair, 0.5, 20, 0.5, network), 0);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(TrafficBursts(*pair, At(21)));
  EXPECT_GT(
      pair->a().engine->ike_counters().retransmits + pair->b().engine->ike_counters().retransmits,
      0u);
}

TEST(EngineIkev1, DeadPeerDetection) {
  IkeSettings s = V1();
  s.dpd = "dpd interval 10 max-retries 2";
  auto pair = MakePair(s, s);
  pair->Pump(At(0));
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  RunClock(*pair, 1, 60, 1);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeDown), 0u);
  auto dead = [](const Output&, bool) { return 0; };
  RunClock(*pair, 61, 120, 1, dead);
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kIkeDown), 1u);
  EXPECT_THAT(pair->a().events.ike.back().detail, HasSubstr("dead peer"));
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildDown), 1u);
}

TEST(EngineIkev1, Phase2RekeyByLifetimeLosesNothing) {
  IkeSettings a = V1(), b = V1();
  a.lifetimes = "    ipsec-lifetime 1200\n";
  b.lifetimes = "    ipsec-lifetime 3600\n";
  auto pair = MakePair(a, b);
  pair->Pump(At(0));
  EXPECT_EQ(RunClock(*pair, 1, 1300, 10, nullptr, 1), 0);  // bursts every 10 s, none lost
  EXPECT_GE(pair->a().events.Count(IkeEventKind::kChildRekeyed), 1u);
  EXPECT_GE(pair->b().events.Count(IkeEventKind::kChildRekeyed), 1u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeDown), 0u);
  EXPECT_EQ(pair->a().engine->counters().total_drops(), 0u);
  EXPECT_EQ(pair->b().engine->counters().total_drops(), 0u);
}

TEST(EngineIkev1, SameLifetimesOnBothSidesStillLoseNothing) {
  IkeSettings s = V1();
  s.lifetimes = "    ipsec-lifetime 1200\n";
  auto pair = MakePair(s, s);
  pair->Pump(At(0));
  EXPECT_EQ(RunClock(*pair, 1, 2500, 5, nullptr, 4), 0);
  EXPECT_GE(pair->a().events.Count(IkeEventKind::kChildRekeyed), 2u);
  std::optional<config::IpsecTunnelCounters> ca = pair->a().engine->runtime().IpsecCounters(kIpsec);
  std::optional<config::IpsecTunnelCounters> cb = pair->b().engine->runtime().IpsecCounters(kIpsec);
  ASSERT_TRUE(ca.has_value());
  ASSERT_TRUE(cb.has_value());
  EXPECT_EQ(ca->outbound_spi, cb->inbound_spi);
  EXPECT_EQ(cb->outbound_spi, ca->inbound_spi);
}

TEST(EngineIkev1, Phase1RekeyKeepsTheIpsecSas) {
  IkeSettings a = V1(), b = V1();
  a.lifetimes = "    isakmp-lifetime 1200\n";
  b.lifetimes = "    isakmp-lifetime 3600\n";
  auto pair = MakePair(a, b);
  pair->Pump(At(0));
  EXPECT_EQ(RunClock(*pair, 1, 1250, 10, nullptr, 1), 0);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeRekeyed), 1u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kIkeRekeyed), 1u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kIkeDown), 0u);
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kIkeDown), 0u);
  EXPECT_EQ(pair->a().events.Count(IkeEventKind::kChildDown), 0u);
  EXPECT_EQ(pair->a().engine->IkeSessions().size(), 1u);
  EXPECT_EQ(pair->a().engine->ike_counters().ike_sas, 1u);
  EXPECT_EQ(pair->b().engine->ike_counters().ike_sas, 1u);
}

TEST(EngineIkev1, ShutdownDeletesTheSasOnThePeer) {
  auto pair = MakePair(V1(), V1());
  pair->Pump(At(0));
  pair->a().engine->Shutdown(At(5));
  pair->Pump(At(5));
  ASSERT_EQ(pair->b().events.Count(IkeEventKind::kIkeDown), 1u);
  EXPECT_THAT(pair->b().events.ike.back().detail, HasSubstr("deleted by the peer"));
  EXPECT_EQ(pair->b().events.Count(IkeEventKind::kChildDown), 1u);
  EXPECT_FALSE(pair->b().engine->runtime().IpsecCounters(kIpsec).has_value());
}

TEST(EngineIkev1, NatTraversalAndAPortChange) {
  IkeSettings s = V1();
  s.dpd = "dpd interval 10 max-retries 3";
  auto pair = MakePair(s, s);
  Napt nat;
  auto rewrite = [&nat](std::vector<uint8_t>& p, bool a_to_b) { nat(p, a_to_b); };
  pair->Pump(At(0), nullptr, rewrite);
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  ASSERT_EQ(pair->b().events.Count(IkeEventKind::kChildUp), 1u);
  std::vector<uint8_t> ab = MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.1"), 200, 1);
  pair->a().Private(kVprn101, ab, At(1));
  ASSERT_EQ(pair->a().transport.public_out.size(), 1u);
  EXPECT_EQ(pair->a().transport.public_out[0].bytes[9], kProtoUdp);  // ESP in UDP
  pair->Pump(At(1), nullptr, rewrite);
  ASSERT_EQ(pair->b().transport.private_out.size(), 1u);
  std::vector<uint8_t> ba = MakeUdpPacket(Ip("192.168.2.1"), Ip("192.168.1.10"), 200, 2);
  pair->b().Private(kVprn101, ba, At(1));
  ASSERT_EQ(pair->b().transport.public_out.size(), 1u);
  EXPECT_EQ(pair->b().transport.public_out[0].bytes[22] << 8 |
                pair->b().transport.public_out[0].bytes[23],
            44500);
  pair->Pump(At(1), nullptr, rewrite);
  EXPECT_EQ(pair->a().transport.private_out.size(), 1u);
  // The NAT forgets A's mapping; A's next protected message (a DPD R-U-THERE) comes from a new
  // port and B follows it.
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

}  // namespace
}  // namespace tunnelisa::testing
