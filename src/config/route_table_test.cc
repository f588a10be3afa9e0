#include "tunnelisa/config/route_table.h"

#include "config/config_test_util.h"
#include "gtest/gtest.h"

namespace tunnelisa::config {
namespace {

using testing::ParseOk;
using testing::ReadVector;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

Route Static(const char* prefix, const char* via) {
  Route r;
  r.prefix = *IpPrefix::Parse(prefix);
  r.protocol = RouteProtocol::kStatic;
  r.next_hop = Ip(via);
  r.preference = 5;
  r.active = true;
  return r;
}

TEST(RouteTable, LongestPrefixWins) {
  RouteTable t;
  t.Add(Static("0.0.0.0/0", "1.0.0.1"));
  t.Add(Static("10.0.0.0/8", "1.0.0.2"));
  t.Add(Static("10.1.0.0/16", "1.0.0.3"));
  t.Add(Static("10.1.2.3/32", "1.0.0.4"));
  EXPECT_EQ(t.Lookup(Ip("10.1.2.3"))->next_hop, Ip("1.0.0.4"));
  EXPECT_EQ(t.Lookup(Ip("10.1.2.4"))->next_hop, Ip("1.0.0.3"));
  EXPECT_EQ(t.Lookup(Ip("10.2.0.0"))->next_hop, Ip("1.0.0.2"));
  EXPECT_EQ(t.Lookup(Ip("11.0.0.0"))->next_hop, Ip("1.0.0.1"));
}

TEST(RouteTable, InactiveRoutesAreSkippedAndFamiliesAreSeparate) {
  RouteTable t;
  Route dead = Static("10.0.0.0/8", "1.0.0.2");
  dead.active = false;
  t.Add(dead);
  EXPECT_EQ(t.Lookup(Ip("10.0.0.1")), nullptr);
  Route v6;
  v6.prefix = *IpPrefix::Parse("::/0");
  v6.active = true;
  t.Add(v6);
  EXPECT_EQ(t.Lookup(Ip("10.0.0.1")), nullptr);
  EXPECT_NE(t.Lookup(Ip("2001:db8::1")), nullptr);
  EXPECT_EQ(t.routes().size(), 2u);
}

TEST(RouteTable, LowerPreferenceWinsForEqualPrefixes) {
  RouteTable t;
  t.Add(Static("10.0.0.0/8", "1.0.0.2"));
  Route local;
  local.prefix = *IpPrefix::Parse("10.0.0.0/8");
  local.interface = "if";
  local.active = true;
  t.Add(local);
  EXPECT_EQ(t.Lookup(Ip("10.0.0.1"))->interface, "if");
}

TEST(RouteTable, BuiltFromAService) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  ConfigRuntimeView runtime(c);
  RouteTable vprn = RouteTable::Build(c.services.at(101), runtime);
  const Route* r = vprn.Lookup(Ip("192.168.2.7"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->next_hop_kind, NextHopKind::kIpsecTunnel);
  EXPECT_EQ(r->tunnel, "to-site-b");
  r = vprn.Lookup(Ip("192.168.3.1"));  // next-hop 10.0.0.2 resolves over the GRE interface
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->interface, "private-gre");
  EXPECT_EQ(vprn.Lookup(Ip("10.1.1.2"))->protocol, RouteProtocol::kLocal);
  EXPECT_EQ(vprn.Lookup(Ip("8.8.8.8")), nullptr);

  RouteTable ies = RouteTable::Build(c.services.at(100), runtime);
  EXPECT_EQ(ies.Lookup(Ip("8.8.8.8"))->interface, "uplink");
}

TEST(RouteTable, UnresolvedAndDownNextHopsAreInactive) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg") +
                     "config service vprn 101 static-route 10.9.0.0/16 next-hop 99.0.0.1\n"
                     "interface \"private-ipsec\" sap tunnel-1.private:201 ipsec-tunnel "
                     "\"to-site-b\" shutdown\n");
  ConfigRuntimeView runtime(c);
  RouteTable vprn = RouteTable::Build(c.services.at(101), runtime);
  EXPECT_EQ(vprn.Lookup(Ip("10.9.0.1")), nullptr);
  EXPECT_EQ(vprn.Lookup(Ip("192.168.2.7")), nullptr);
  size_t inactive = 0;
  for (const Route& r : vprn.routes()) inactive += r.active ? 0 : 1;
  EXPECT_EQ(inactive, 2u);
}

// A service with a connected uplink, a GRE tunnel interface (10.0.0.0/30 in the vector) and
// static routes added by the test.
RouteTable Vprn101With(const std::string& extra) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg") + "config service vprn 101\n" + extra);
  ConfigRuntimeView runtime(c);
  return RouteTable::Build(c.services.at(101), runtime);
}

const Route* Find(const RouteTable& t, const char* prefix) {
  static std::vector<Route> keep;
  keep = t.routes();
  for (const Route& r : keep) {
    if (r.prefix == *IpPrefix::Parse(prefix)) return &r;
  }
  return nullptr;
}

TEST(RouteTable, NextHopInATunnelInterfaceSubnetGoesOutOfThatInterface) {
  RouteTable t = Vprn101With("static-route 172.40.0.0/16 next-hop 10.0.0.2\n");
  const Route* r = t.Lookup(Ip("172.40.9.9"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->via, NextHopKind::kIp);
  EXPECT_EQ(r->interface, "private-gre");  // the engine sends it into to-site-c
  EXPECT_EQ(r->gateway, Ip("10.0.0.2"));
  EXPECT_EQ(r->next_hop, Ip("10.0.0.2"));
}

TEST(RouteTable, NextHopsResolveRecursivelyInAnyOrder) {
  // 172.50/16 -> 172.40.0.1 (in 172.40/16) -> 10.0.0.2 (connected, GRE interface); the chain
  // is configured out of order (routes are sorted by prefix anyway).
  RouteTable t = Vprn101With(
      "static-route 172.50.0.0/16 next-hop 172.40.0.1\n"
      "static-route 172.40.0.0/16 next-hop 10.0.0.2\n"
      "static-route 172.60.0.0/16 next-hop 192.168.2.1\n");  // via ipsec-tunnel to-site-b
  const Route* r = t.Lookup(Ip("172.50.1.1"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->prefix, *IpPrefix::Parse("172.50.0.0/16"));
  EXPECT_EQ(r->via, NextHopKind::kIp);
  EXPECT_EQ(r->interface, "private-gre");
  EXPECT_EQ(r->gateway, Ip("10.0.0.2"));  // the connected neighbour, not 172.40.0.1
  EXPECT_EQ(r->next_hop, Ip("172.40.0.1"));
  r = t.Lookup(Ip("172.60.0.1"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->via, NextHopKind::kIpsecTunnel);
  EXPECT_EQ(r->tunnel, "to-site-b");
  EXPECT_EQ(r->next_hop_kind, NextHopKind::kIp);
}

TEST(RouteTable, AMoreSpecificRouteTakesOverResolution) {
  // 172.70.0.1 first resolves through 172.0.0.0/8 (via the GRE subnet); the /16 route that
  // holds it resolves one round later, through to-site-b, and wins as the longer prefix.
  RouteTable t = Vprn101With(
      "static-route 172.70.0.0/16 next-hop 172.71.0.1\n"
      "static-route 172.0.0.0/8 next-hop 10.0.0.2\n"
      "static-route 172.71.0.0/16 next-hop 172.72.0.1\n"
      "static-route 172.72.0.0/16 next-hop 192.168.2.1\n");
  const Route* r = t.Lookup(Ip("172.70.0.9"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->via, NextHopKind::kIpsecTunnel);
  EXPECT_EQ(r->tunnel, "to-site-b");
}

TEST(RouteTable, UnresolvableLoopsAndTooDeepChainsAreInactiveWithAReason) {
  std::string chain;
  // 30.k.0.0/16 next-hop 30.(k+1).0.1 for k = 0..8, and 30.9/16 via the GRE subnet: 30.0/16
  // is 10 routes deep, beyond kMaxNextHopRecursion.
  for (int k = 0; k <= 8; ++k) {
    chain += "static-route 30." + std::to_string(k) + ".0.0/16 next-hop 30." +
             std::to_string(k + 1) + ".0.1\n";
  }
  chain += "static-route 30.9.0.0/16 next-hop 10.0.0.2\n";
  RouteTable t = Vprn101With(chain +
                             "static-route 40.0.0.0/16 next-hop 41.0.0.1\n"
                             "static-route 41.0.0.0/16 next-hop 40.0.0.1\n"  // a loop
                             "static-route 50.0.0.0/8 next-hop 50.1.1.1\n"   // through itself
                             "static-route 60.0.0.0/8 next-hop 99.0.0.1\n");
  EXPECT_EQ(t.Lookup(Ip("40.0.0.5")), nullptr);
  EXPECT_EQ(t.Lookup(Ip("41.0.0.5")), nullptr);
  EXPECT_EQ(t.Lookup(Ip("50.0.0.5")), nullptr);
  EXPECT_EQ(t.Lookup(Ip("60.0.0.5")), nullptr);
  ASSERT_NE(t.Lookup(Ip("30.9.0.5")), nullptr);
  // 30.2/16 is 8 routes deep (30.2 -> ... -> 30.9 -> connected): the deepest that resolves.
  ASSERT_NE(t.Lookup(Ip("30.2.0.5")), nullptr);
  EXPECT_EQ(t.Lookup(Ip("30.2.0.5"))->interface, "private-gre");
  EXPECT_EQ(t.Lookup(Ip("30.1.0.5")), nullptr);
  EXPECT_EQ(t.Lookup(Ip("30.0.0.5")), nullptr);
  const Route* dead = Find(t, "60.0.0.0/8");
  ASSERT_NE(dead, nullptr);
  EXPECT_FALSE(dead->active);
  EXPECT_EQ(dead->inactive_reason,
            "next-hop 99.0.0.1 does not resolve (no active route to it within 8 routes)");
  ASSERT_NE(Find(t, "30.9.0.0/16"), nullptr);
  EXPECT_TRUE(Find(t, "30.9.0.0/16")->inactive_reason.empty());
}

TEST(RouteTable, NextHopThroughADownTunnelRouteIsInactive) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg") +
                     "config service vprn 101 static-route 172.80.0.0/16 next-hop 192.168.2.1\n"
                     "interface \"private-ipsec\" sap tunnel-1.private:201 ipsec-tunnel "
                     "\"to-site-b\" shutdown\n");
  ConfigRuntimeView runtime(c);
  RouteTable t = RouteTable::Build(c.services.at(101), runtime);
  EXPECT_EQ(t.Lookup(Ip("172.80.0.1")), nullptr);
  EXPECT_EQ(Find(t, "192.168.2.0/24")->inactive_reason, "ipsec-tunnel \"to-site-b\" is down");
}

TEST(RouteTable, Ipv6NextHopsResolveThroughIpv6Subnets) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg") +
                     "config service vprn 101\n"
                     "    interface \"six\" create\n"
                     "        address 2001:db8:40::1/64\n"
                     "    exit\n"
                     "    static-route 2001:db8:99::/48 next-hop 2001:db8:40::2\n"
                     "exit all\n");
  ConfigRuntimeView runtime(c);
  RouteTable six = RouteTable::Build(c.services.at(101), runtime);
  const Route* r = six.Lookup(Ip("2001:db8:99::7"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->interface, "six");
  EXPECT_EQ(r->gateway, Ip("2001:db8:40::2"));
  EXPECT_EQ(six.Lookup(Ip("172.40.0.1")), nullptr);  // families stay apart
}

}  // namespace
}  // namespace tunnelisa::config
