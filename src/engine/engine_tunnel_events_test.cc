// TunnelEvents (EventListener::OnTunnel): each tunnel's operational state, as `show` prints it,
// reported once per change: at configuration, when an ISA failure takes a tunnel group down and
// its recovery brings it back, and when a configuration change shuts a tunnel down or removes
// it. Router A of tests/vectors/engine/: tunnel-group 1 (primary 1/1, backup 2/1) holds the
// ipsec-tunnel, plain-gre and plain-ipip; tunnel-group 2 (primary 3/1, backup 2/1) the GRE
// tunnel over the ipsec-tunnel.
#include <string>
#include <vector>

#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

MonoTime At(int seconds) { return MonoTime{} + Duration::Seconds(seconds); }

// GreBursts: 4 packets each way over the GRE tunnel that runs over the ipsec-tunnel (VPRN
// 101); true when all arrived.
bool GreBursts(RouterPair& pair, MonoTime now) {
  pair.a().transport.private_out.clear();
  pair.b().transport.private_out.clear();
  std::vector<std::vector<uint8_t>> ab, ba;
  for (int k = 0; k < 4; ++k) {
    ab.push_back(MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 100 + k, 1));
    ba.push_back(MakeUdpPacket(Ip("172.16.2.20"), Ip("172.16.1.10"), 200 + k, 1));
  }
  pair.a().PrivateBurst(kVprn101, ab, now);
  pair.b().PrivateBurst(kVprn101, ba, now);
  pair.Pump(now);
  return pair.b().transport.private_out.size() == ab.size() &&
         pair.a().transport.private_out.size() == ba.size();
}

TEST(EngineTunnelEvents, ConfigurationReportsEveryTunnelOnce) {
  RouterPair pair;
  EXPECT_THAT(pair.a().events.tunnel,
              ElementsAre("ipsec-tunnel 101/ipsec-tunnel-for-n-gre-tunnels up (configuration "
                          "applied)",
                          "gre-tunnel 101/protected-gre-tunnel up (configuration applied)",
                          "gre-tunnel 102/plain-gre up (configuration applied)",
                          "ip-ip-tunnel 102/plain-ipip up (configuration applied)"));
  // The same configuration again changes no state: nothing more.
  pair.a().events.tunnel.clear();
  ASSERT_TRUE(
      pair.a().engine->ApplyConfig(ParseConfig(ReadEngineVector("router_a.cfg")), At(1)).ok());
  EXPECT_THAT(pair.a().events.tunnel, IsEmpty());
}

TEST(EngineTunnelEvents, AGroupWithoutIsaTakesItsGreTunnelDownThenUpOnceEach) {
  RouterPair pair;
  Router& a = pair.a();
  ASSERT_TRUE(GreBursts(pair, At(1)));
  a.engine->OnTimer(At(1));  // the hosts' timer: manual SAs' sequence numbers are snapshotted
  a.events.tunnel.clear();
  // Group 1 fails over to its backup: its tunnels move, their state stays up: no event.
  ASSERT_TRUE(a.engine->SetIsaHealth({1, 1}, false, At(2)).ok());
  EXPECT_THAT(a.events.tunnel, IsEmpty());
  // Group 2's primary fails and its backup is in use by group 1: group 2 goes down, and with it
  // the GRE tunnel over the ipsec-tunnel (show: Oper Down Reason).
  ASSERT_TRUE(a.engine->SetIsaHealth({3, 1}, false, At(3)).ok());
  EXPECT_FALSE(GreBursts(pair, At(3)));
  ASSERT_TRUE(a.engine->SetIsaHealth({3, 1}, true, At(4)).ok());
  EXPECT_TRUE(GreBursts(pair, At(4)));
  EXPECT_THAT(a.events.tunnel,
              ElementsAre("gre-tunnel 101/protected-gre-tunnel down: tunnel-group 2 is "
                          "operationally down (ISA 3/1 failed)",
                          "gre-tunnel 101/protected-gre-tunnel up (ISA 3/1 recovered)"));
  // Each event says what `show` says at that moment.
  EXPECT_TRUE(a.engine->runtime().IpTunnelStatus(kGreOverIpsec).up());
  // The ISA events of the same change come first (RaiseIsaEvents, then the reconciliation).
  EXPECT_THAT(a.events.isa,
              ::testing::Contains(::testing::HasSubstr("group-down group 2: primary ISA 3/1")));
}

TEST(EngineTunnelEvents, ShutdownAndRemovalAreReportedAsDown) {
  RouterPair pair;
  Router& a = pair.a();
  const std::string original = ReadEngineVector("router_a.cfg");
  a.events.tunnel.clear();
  std::string shut = Replace(original, "      ip-mtu 1000\n      no shutdown\n",
                             "      ip-mtu 1000\n      shutdown\n");
  ASSERT_TRUE(a.engine->ApplyConfig(ParseConfig(shut), At(1)).ok());
  ASSERT_EQ(a.events.tunnel.size(), 1u);
  EXPECT_THAT(a.events.tunnel[0], ::testing::StartsWith("ip-ip-tunnel 102/plain-ipip down: "));
  EXPECT_THAT(a.events.tunnel[0], ::testing::EndsWith("(configuration applied)"));
  a.events.tunnel.clear();
  ASSERT_TRUE(a.engine->ApplyConfig(ParseConfig(original), At(2)).ok());
  EXPECT_THAT(a.events.tunnel,
              ElementsAre("ip-ip-tunnel 102/plain-ipip up (configuration applied)"));
  // Removed while up: down, once; removed again (already gone): nothing.
  a.events.tunnel.clear();
  std::string removed =
      Replace(original, "  static-route 172.18.2.0/24 next-hop ip-tunnel \"plain-ipip\"\n", "");
  const size_t begin = removed.find("    ip-tunnel \"plain-ipip\" create\n");
  ASSERT_NE(begin, std::string::npos);
  const size_t end = removed.find("    exit\n", begin) + std::string("    exit\n").size();
  removed.erase(begin, end - begin);
  ASSERT_TRUE(a.engine->ApplyConfig(ParseConfig(removed), At(3)).ok());
  EXPECT_THAT(a.events.tunnel, ElementsAre("ip-ip-tunnel 102/plain-ipip down: removed from the "
                                           "configuration (configuration applied)"));
  a.events.tunnel.clear();
  ASSERT_TRUE(a.engine->ApplyConfig(ParseConfig(removed), At(4)).ok());
  EXPECT_THAT(a.events.tunnel, IsEmpty());
}

}  // namespace
}  // namespace tunnelisa::testing
