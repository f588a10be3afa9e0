// One-line configuration changes applied to a running engine against a fresh engine
// configured with the changed text (the oracle): Engine::ApplyConfig reuses the running
// configuration's validation (RunningConfig::report()) for its views and change plan, so the
// states, shows and forwarding after a change must be those of a full apply.
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

std::string RouterA() { return ReadEngineVector("router_a.cfg"); }

// Shows: what a host sees of the engine's state (tunnels with oper states and reasons, route
// tables, tunnel groups).
std::vector<std::string> Shows(Engine& e) {
  const std::vector<std::vector<std::string>> words = {{"ip", "tunnel"},
                                                       {"ipsec", "tunnel"},
                                                       {"router", "100", "route-table"},
                                                       {"router", "101", "route-table"},
                                                       {"router", "102", "route-table"},
                                                       {"isa", "tunnel-group"}};
  std::vector<std::string> out;
  for (const auto& w : words) {
    absl::StatusOr<std::string> s = e.Show(w);
    out.push_back(s.ok() ? *s : std::string(s.status().ToString()));
  }
  return out;
}

// Verdicts: a burst from each private LAN (into the GRE-over-IPsec, plain GRE and IP-IP
// tunnels) and back.
std::vector<std::string> Verdicts(Router& r) {
  std::vector<std::string> out;
  auto add = [&](const std::vector<EngineVerdict>& v) {
    for (const EngineVerdict& x : v) {
      out.push_back(absl::StrCat(static_cast<int>(x.action), "/", static_cast<int>(x.reason)));
    }
  };
  add(r.PrivateBurst(101, {MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 32),
                           MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.20"), 40),
                           MakeUdpPacket(Ip("172.16.1.11"), Ip("172.16.2.21"), 48)}));
  add(r.PrivateBurst(102, {MakeUdpPacket(Ip("172.17.1.10"), Ip("172.17.2.20"), 32),
                           MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 40),
                           MakeUdpPacket(Ip("172.17.1.11"), Ip("172.17.2.21"), 48)}));
  std::vector<uint8_t> inner = MakeUdpPacket(Ip("172.17.2.20"), Ip("172.17.1.10"), 16);
  add(r.PublicBurst({WrapIpv4(inner, Ip("2.2.2.3"), Ip("1.1.1.3"), kProtoGre),
                     WrapIpv4(inner, Ip("2.2.2.4"), Ip("1.1.1.4"), kProtoIpv4InIp)}));
  return out;
}

TEST(EngineApplyChange, OneLineChangeMatchesAFreshApply) {
  struct Case {
    const char* name;
    std::string from, to;
  };
  const Case cases[] = {
      {"ipsec-tunnel shut down",
       "      exit\n      no shutdown\n    exit\n  exit\n  interface \"public-gre-1\"",
       "      exit\n      shutdown\n    exit\n  exit\n  interface \"public-gre-1\""},
      {"ip-tunnel ip-mtu", "ip-mtu 1000", "ip-mtu 1200"},
      {"plain GRE tunnel's source outside the public subnet", "source 1.1.1.3", "source 1.1.2.3"},
      {"route to the peers' subnet removed", "static-route 2.2.2.0/24 next-hop 1.1.1.254",
       "static-route 4.4.4.0/24 next-hop 1.1.1.254"},
      {"dest-ip outside the private subnet", "dest-ip 10.0.2.2", "dest-ip 10.0.9.2"},
      {"tunnel group shut down", "primary 3/1\n    backup 2/1\n    no shutdown",
       "primary 3/1\n    backup 2/1\n    shutdown"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string changed = Replace(RouterA(), c.from, c.to);
    ASSERT_NE(changed, RouterA());
    std::unique_ptr<Router> running = MakeRouter(RouterA());
    ASSERT_TRUE(running->engine->ApplyConfig(ParseConfig(changed), MonoTime{}).ok());
    std::unique_ptr<Router> fresh = MakeRouter(changed);
    EXPECT_EQ(Shows(*running->engine), Shows(*fresh->engine));
    EXPECT_EQ(Verdicts(*running), Verdicts(*fresh));
    // And back (on an engine that carried no traffic, so counters compare too): again what
    // the original configuration gives.
    std::unique_ptr<Router> back = MakeRouter(RouterA());
    ASSERT_TRUE(back->engine->ApplyConfig(ParseConfig(changed), MonoTime{}).ok());
    ASSERT_TRUE(back->engine->ApplyConfig(ParseConfig(RouterA()), MonoTime{}).ok());
    std::unique_ptr<Router> original = MakeRouter(RouterA());
    EXPECT_EQ(Shows(*back->engine), Shows(*original->engine));
    EXPECT_EQ(Verdicts(*back), Verdicts(*original));
  }
}

}  // namespace
}  // namespace tunnelisa::testing
