// Tunnel groups that fail over (the guide's "Redundancy", Engine::SetIsaHealth): Router A and
// Router B of tests/vectors/engine/ back to back, an ISA of Router A failing and recovering,
// traffic in bursts both ways before and after. Router A's tunnel-group 1 (primary 1/1,
// backup 2/1) holds the ipsec-tunnel, plain-gre and plain-ipip; tunnel-group 2 (primary 3/1,
// backup 2/1) the GRE tunnel that runs over the ipsec-tunnel.
#include <memory>
#include <string>
#include <vector>

#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using Action = Verdict::Action;
using config::IsaSlot;

// Bursts: `n` packets each way over `service`'s LANs (a_lan -> b_lan and back); true when
// every one arrived, byte for byte, in order.
bool Bursts(RouterPair& pair, uint32_t service, const char* a_host, const char* b_host,
            MonoTime now, int n = 6) {
  pair.a().transport.private_out.clear();
  pair.b().transport.private_out.clear();
  std::vector<std::vector<uint8_t>> ab, ba;
  for (int k = 0; k < n; ++k) {
    ab.push_back(MakeUdpPacket(Ip(a_host), Ip(b_host), 100 + 10 * k, static_cast<uint8_t>(k)));
    ba.push_back(MakeUdpPacket(Ip(b_host), Ip(a_host), 150 + 10 * k, static_cast<uint8_t>(k)));
  }
  pair.a().PrivateBurst(service, ab, now);
  pair.b().PrivateBurst(service, ba, now);
  pair.Pump(now);
  std::vector<std::vector<uint8_t>> at_b, at_a;
  for (const Output& o : pair.b().transport.private_out) at_b.push_back(o.bytes);
  for (const Output& o : pair.a().transport.private_out) at_a.push_back(o.bytes);
  return at_b == ab && at_a == ba;
}
bool GreBursts(RouterPair& p, MonoTime now) {
  return Bursts(p, kVprn102, "172.17.1.10", "172.17.2.20", now);
}
bool IpsecBursts(RouterPair& p, MonoTime now) {  // GRE over IPsec (Figure 27)
  return Bursts(p, kVprn101, "172.16.1.10", "172.16.2.20", now);
}

std::optional<IsaSlot> IsaOf(Router& r, const config::TunnelKey& k, bool ipsec) {
  return r.engine->TunnelIsa(k, ipsec);
}

TEST(EngineFailover, SingleActiveMovesEveryTunnelToTheBackup) {
  RouterPair pair;
  ASSERT_TRUE(GreBursts(pair, At(1)));
  ASSERT_TRUE(IpsecBursts(pair, At(1)));
  EXPECT_EQ(IsaOf(pair.a(), kPlainGre, false), (IsaSlot{1, 1}));
  pair.a().engine->OnTimer(At(1.5));  // the hosts' timer: sequence numbers are snapshotted
  ASSERT_TRUE(pair.a().engine->SetIsaHealth({1, 1}, false, At(2)).ok());
  EXPECT_THAT(pair.a().events.isa,
              ::testing::ElementsAre("isa-failed isa 1/1: reported failed by the host",
                                     "isa-standby group 1 isa 1/1: ISA 1/1 failed",
                                     "isa-active group 1 isa 2/1: ISA 1/1 failed"));
  EXPECT_EQ(IsaOf(pair.a(), kPlainGre, false), (IsaSlot{2, 1}));
  EXPECT_EQ(IsaOf(pair.a(), kPlainIpip, false), (IsaSlot{2, 1}));
  EXPECT_EQ(IsaOf(pair.a(), kIpsec, true), (IsaSlot{2, 1}));
  EXPECT_EQ(IsaOf(pair.a(), kGreOverIpsec, false), (IsaSlot{3, 1}));  // group 2: untouched
  // GRE resumes with the first packets; the manual-keyed SAs on 2/1 send above the last
  // sequence number seen, which Router B's anti-replay window accepts: nothing is lost.
  EXPECT_TRUE(GreBursts(pair, At(2)));
  EXPECT_TRUE(IpsecBursts(pair, At(2)));
  EXPECT_TRUE(IpsecBursts(pair, At(2.5)));
  EXPECT_EQ(pair.b().engine->counters().total_drops(), 0u);
  EXPECT_EQ(pair.a().engine->runtime().ActiveIsas(1), (std::vector<IsaSlot>{{2, 1}}));
  const std::vector<std::string> words = {"isa", "tunnel-group", "1"};
  const std::string show = pair.a().engine->Show(words).value();
  EXPECT_THAT(show, HasSubstr("Active ISA  : 2/1"));
  EXPECT_THAT(show, HasSubstr("1/1  primary  failed"));
  EXPECT_THAT(show, HasSubstr("2/1  backup   active  3"));
  // Recovery does not revert: 1/1 is a standby now.
  ASSERT_TRUE(pair.a().engine->SetIsaHealth({1, 1}, true, At(3)).ok());
  EXPECT_EQ(IsaOf(pair.a(), kPlainGre, false), (IsaSlot{2, 1}));
  EXPECT_THAT(pair.a().engine->Show(words).value(), HasSubstr("1/1  primary  standby"));
  EXPECT_TRUE(GreBursts(pair, At(3)));
  EXPECT_TRUE(IpsecBursts(pair, At(3)));
}

TEST(EngineFailover, DoubleFailureOnTheSharedBackupTakesTheSecondGroupDown) {
  RouterPair pair;
  ASSERT_TRUE(pair.a().engine->SetIsaHealth({1, 1}, false, At(1)).ok());  // group 1 -> 2/1
  ASSERT_TRUE(pair.a().engine->SetIsaHealth({3, 1}, false, At(1)).ok());  // group 2: no backup
  const config::OperStatus group = pair.a().engine->runtime().TunnelGroupStatus(2);
  EXPECT_FALSE(group.up());
  EXPECT_THAT(group.reasons, Contains(HasSubstr("backup ISA 2/1 is in use by tunnel-group 1")));
  const config::OperStatus gre = pair.a().engine->runtime().IpTunnelStatus(kGreOverIpsec);
  EXPECT_FALSE(gre.up());
  EXPECT_THAT(gre.reasons, Contains("tunnel-group 2 is operationally down"));
  EXPECT_THAT(pair.a().events.isa, Contains(HasSubstr("group-down group 2: primary ISA 3/1")));
  // Its traffic is dropped and counted; group 1's still flows.
  std::vector<EngineVerdict> v =
      pair.a().PrivateBurst(kVprn101, {MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 50, 1),
                                       MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.21"), 60, 2)});
  for (const EngineVerdict& x : v) EXPECT_EQ(x.action, Action::kDrop);
  EXPECT_TRUE(GreBursts(pair, At(1)));
  // Group 2's primary recovers: it is up there again.
  ASSERT_TRUE(pair.a().engine->SetIsaHealth({3, 1}, true, At(2)).ok());
  EXPECT_TRUE(pair.a().engine->runtime().TunnelGroupStatus(2).up());
  EXPECT_THAT(pair.a().events.isa,
              Contains("group-up group 2 isa 3/1: on ISA 3/1 (ISA 3/1 recovered)"));
  pair.a().transport.public_out.clear();
  EXPECT_TRUE(IpsecBursts(pair, At(2)));
}

std::string MultiActiveA() {
  return Replace(ReadEngineVector("router_a.cfg"),
                 "  tunnel-group 1 create\n    primary 1/1\n    backup 2/1\n",
                 "  tunnel-group 1 create multi-active\n    mda 1/1\n    mda 4/1\n    mda 5/1\n"
                 "    active-mda-number 2\n");
}

TEST(EngineFailover, MultiActiveSpreadsTunnelsAndAStandbyTakesOverAFailedIsa) {
  RouterPair pair(MultiActiveA(), ReadEngineVector("router_b.cfg"));
  Router& a = pair.a();
  EXPECT_EQ(a.engine->runtime().ActiveIsas(1), (std::vector<IsaSlot>{{1, 1}, {4, 1}}));
  // Three tunnels over two active ISAs, least loaded first.
  const IsaSlot ipsec = *IsaOf(a, kIpsec, true);
  const IsaSlot gre = *IsaOf(a, kPlainGre, false);
  const IsaSlot ipip = *IsaOf(a, kPlainIpip, false);
  EXPECT_EQ(ipsec, (IsaSlot{1, 1}));
  EXPECT_EQ(gre, (IsaSlot{4, 1}));
  EXPECT_NE(ipip, (IsaSlot{5, 1}));
  ASSERT_TRUE(GreBursts(pair, At(1)));
  ASSERT_TRUE(a.engine->SetIsaHealth({4, 1}, false, At(2)).ok());
  EXPECT_EQ(a.engine->runtime().ActiveIsas(1), (std::vector<IsaSlot>{{1, 1}, {5, 1}}));
  EXPECT_EQ(IsaOf(a, kPlainGre, false), (IsaSlot{5, 1}));  // the standby took it
  EXPECT_EQ(IsaOf(a, kIpsec, true), (IsaSlot{1, 1}));      // untouched
  EXPECT_TRUE(GreBursts(pair, At(2)));
  const std::vector<std::string> words = {"isa", "tunnel-group", "1"};
  const std::string json = a.engine->Show(words, config::ShowFormat::kJson).value();
  EXPECT_THAT(json, HasSubstr("{\"isa\":\"4/1\",\"role\":\"mda\",\"state\":\"failed\","
                              "\"tunnels\":0"));
  EXPECT_THAT(json, HasSubstr("{\"isa\":\"5/1\",\"role\":\"mda\",\"state\":\"active\""));
  // No standby left when another active fails: the group, and its tunnels, go down.
  ASSERT_TRUE(a.engine->SetIsaHealth({5, 1}, false, At(3)).ok());
  EXPECT_FALSE(a.engine->runtime().TunnelGroupStatus(1).up());
  EXPECT_FALSE(a.engine->runtime().IpTunnelStatus(kPlainGre).up());
  EXPECT_FALSE(a.engine->runtime().IpsecTunnelStatus(kIpsec).up());
  EXPECT_FALSE(GreBursts(pair, At(3)));
  // One recovers: up again, on 1/1 and the recovered ISA.
  ASSERT_TRUE(a.engine->SetIsaHealth({4, 1}, true, At(4)).ok());
  EXPECT_EQ(a.engine->runtime().ActiveIsas(1), (std::vector<IsaSlot>{{1, 1}, {4, 1}}));
  EXPECT_TRUE(GreBursts(pair, At(4)));
}

TEST(EngineFailover, DynamicTunnelRenegotiatesFromTheBackupWithInitialContact) {
  std::unique_ptr<RouterPair> pair = MakePair(IkeSettings{}, IkeSettings{});
  pair->Pump(At(0));
  ASSERT_TRUE(TrafficBursts(*pair, At(0.5)));
  ASSERT_EQ(pair->b().engine->ike_counters().ike_sas, 1u);
  ASSERT_TRUE(pair->a().engine->SetIsaHealth({1, 1}, false, At(1)).ok());
  EXPECT_EQ(IsaOf(pair->a(), kIpsec, true), (IsaSlot{2, 1}));
  pair->Pump(At(1));  // the new IKE SA from 2/1: one round trip in simulated time
  EXPECT_TRUE(pair->a().engine->runtime().IpsecTunnelStatus(kIpsec).up());
  EXPECT_TRUE(TrafficBursts(*pair, At(1.01)));
  // Router B dropped what it had with the failed ISA (INITIAL_CONTACT): one IKE SA left.
  EXPECT_EQ(pair->b().engine->ike_counters().ike_sas, 1u);
  EXPECT_EQ(pair->a().engine->ike_counters().ike_sas, 1u);
}

TEST(EngineFailover, ResponderOnlyGroupWaitsForThePeer) {
  // Router B's group is ipsec-responder-only: after its ISA fails it starts nothing; Router A
  // finds out (B's Delete, sent best effort from the backup) and negotiates again.
  IkeSettings s;
  std::string b = Dynamic(ReadEngineVector("router_b.cfg"), s, false);
  b = Replace(b, "    primary 1/1\n    backup 2/1\n    no shutdown\n",
              "    primary 1/1\n    backup 2/1\n    ipsec-responder-only\n    no shutdown\n");
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), s, true), b);
  pair.Pump(At(0));
  ASSERT_TRUE(TrafficBursts(pair, At(0.5)));
  pair.b().transport.public_out.clear();
  ASSERT_TRUE(pair.b().engine->SetIsaHealth({1, 1}, false, At(1)).ok());
  EXPECT_EQ(IsaOf(pair.b(), kIpsec, true), (IsaSlot{2, 1}));
  EXPECT_LE(pair.b().transport.public_out.size(), 1u);  // at most the Delete, no IKE_SA_INIT
  EXPECT_EQ(pair.b().engine->ike_counters().ike_sas, 0u);
  pair.Pump(At(1));
  // A's next packet into the tunnel starts IKE again; B answers from 2/1.
  TrafficBursts(pair, At(2), 1, 2);
  pair.Pump(At(2));
  EXPECT_TRUE(TrafficBursts(pair, At(2.1)));
  EXPECT_EQ(pair.b().engine->ike_counters().ike_sas, 1u);
}

TEST(EngineFailover, DynamicTunnelOfAGroupThatWasDownComesBackOnTheFirstRecoveredIsa) {
  // Both of Router A's ISAs for group 1 fail: the group is down, its IKE SA goes. The first
  // ISA that recovers brings the group up; the auto-establish tunnel negotiates at once.
  std::unique_ptr<RouterPair> pair = MakePair(IkeSettings{}, IkeSettings{});
  pair->Pump(At(0));
  ASSERT_TRUE(TrafficBursts(*pair, At(0.5)));
  Router& a = pair->a();
  ASSERT_TRUE(a.engine->SetIsaHealth({2, 1}, false, At(1)).ok());
  ASSERT_TRUE(a.engine->SetIsaHealth({1, 1}, false, At(1)).ok());
  pair->Pump(At(1));
  EXPECT_FALSE(a.engine->runtime().TunnelGroupStatus(1).up());
  EXPECT_FALSE(a.engine->runtime().IpsecTunnelStatus(kIpsec).up());
  EXPECT_EQ(a.engine->ike_counters().ike_sas, 0u);
  EXPECT_FALSE(TrafficBursts(*pair, At(2), 1, 2));
  ASSERT_TRUE(a.engine->SetIsaHealth({2, 1}, true, At(3)).ok());
  EXPECT_EQ(IsaOf(a, kIpsec, true), (IsaSlot{2, 1}));
  pair->Pump(At(3));  // auto-establish: no packet needed
  EXPECT_EQ(a.engine->ike_counters().ike_sas, 1u);
  EXPECT_TRUE(a.engine->runtime().IpsecTunnelStatus(kIpsec).up());
  EXPECT_TRUE(TrafficBursts(*pair, At(3.1)));
  // A's Delete at 1 s reached B, so B's own traffic at 2 s started an initiation of its own
  // toward A (whose ISAs were down); it completes once A is back: one IKE SA from each side.
  // The redundant one is deleted by its creator (duplicate_ike_sa.cc): one IKE SA is left.
  for (double t = 3.5; t < 30; t += 0.5) {
    a.engine->OnTimer(At(t));
    pair->b().engine->OnTimer(At(t));
    pair->Pump(At(t));
  }
  EXPECT_TRUE(TrafficBursts(*pair, At(30)));
  EXPECT_EQ(a.engine->ike_counters().ike_sas, 1u);
  EXPECT_EQ(pair->b().engine->ike_counters().ike_sas, 1u);
}

}  // namespace
}  // namespace tunnelisa::testing
