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

}  // namespace
}  // namespace tunnelisa::config
