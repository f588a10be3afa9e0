// Show commands against committed golden output (tests/vectors/configs/show/), and the
// configuration-derived runtime state they print.
#include "tunnelisa/config/show.h"

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tunnelisa::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ParseOk;
using testing::ReadVector;

struct Golden {
  std::vector<std::string> words;
  ShowFormat format;
  const char* file;
};

class ShowGolden : public ::testing::TestWithParam<Golden> {};

TEST_P(ShowGolden, MatchesTheCommittedOutput) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  ConfigRuntimeView runtime(c);
  auto out = RenderShow(c, runtime, GetParam().words, GetParam().format);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, ReadVector(std::string("show/") + GetParam().file));
}

INSTANTIATE_TEST_SUITE_P(
    All, ShowGolden,
    ::testing::Values(
        Golden{{"isa", "tunnel-group"}, ShowFormat::kText, "isa_tunnel_group.txt"},
        Golden{{"ip", "tunnel"}, ShowFormat::kText, "ip_tunnel.txt"},
        Golden{{"ip", "tunnel", "to-site-c"}, ShowFormat::kText, "ip_tunnel_detail.txt"},
        Golden{{"ipsec", "tunnel"}, ShowFormat::kText, "ipsec_tunnel.txt"},
        Golden{{"ipsec", "tunnel", "to-site-b"}, ShowFormat::kText, "ipsec_tunnel_detail.txt"},
        Golden{{"ipsec", "security-policy"}, ShowFormat::kText, "ipsec_security_policy.txt"},
        Golden{{"router", "101", "route-table"}, ShowFormat::kText, "router_101_route_table.txt"},
        Golden{{"isa", "tunnel-group"}, ShowFormat::kJson, "isa_tunnel_group.json"},
        Golden{{"ip", "tunnel"}, ShowFormat::kJson, "ip_tunnel.json"},
        Golden{{"ipsec", "tunnel"}, ShowFormat::kJson, "ipsec_tunnel.json"},
        Golden{{"ipsec", "security-policy"}, ShowFormat::kJson, "ipsec_security_policy.json"},
        Golden{
            {"router", "101", "route-table"}, ShowFormat::kJson, "router_101_route_table.json"}));

TEST(Show, ShowIpTunnelListsEveryFieldTheGuideNames) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  ConfigRuntimeView runtime(c);
  std::string out = *ShowIpTunnel(c, runtime, "to-site-c", ShowFormat::kText);
  // service ID, private SAP, name, source, remote, backup remote, local (private) address,
  // destination (private) address, delivery service, dscp, admin, oper, type.
  for (const char* line :
       {"Service Id        : 101", "Sap Id            : tunnel-2.private:201",
        "Tunnel Name       : to-site-c", "Source Address    : 2.2.2.2",
        "Remote IP Address : 6.6.6.6", "Backup Remote IP  : 7.7.7.7",
        "Local Address     : 10.0.0.1", "Dest IP (Target)  : 10.0.0.2", "Delivery Service  : 100",
        "DSCP              : af11", "Admin State       : Up", "Oper State        : Up",
        "Type              : GRE"}) {
    EXPECT_THAT(out, HasSubstr(line));
  }
}

TEST(Show, UnknownCommandsAndNames) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  ConfigRuntimeView runtime(c);
  auto bad = RenderShow(c, runtime, std::vector<std::string>{"ip", "route"}, ShowFormat::kText);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("supported show commands"));
  EXPECT_EQ(ShowIpTunnel(c, runtime, "nope", ShowFormat::kText).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ShowRouterRouteTable(c, runtime, "999", ShowFormat::kText).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(Show, EmptyTablesSayNoEntries) {
  Config c;
  ConfigRuntimeView runtime(c);
  EXPECT_THAT(ShowIsaTunnelGroup(c, runtime, ShowFormat::kText), HasSubstr("No entries found.\n"));
  EXPECT_EQ(ShowIsaTunnelGroup(c, runtime, ShowFormat::kJson), "{\"tunnel_groups\":[]}\n");
}

class CountingRuntime : public RuntimeView {
 public:
  OperStatus TunnelGroupStatus(uint32_t) const override { return {OperState::kUp, {}}; }
  std::vector<IsaSlot> ActiveIsas(uint32_t) const override { return {{2, 1}}; }
  OperStatus IpTunnelStatus(const TunnelKey&) const override { return {OperState::kUp, {}}; }
  OperStatus IpsecTunnelStatus(const TunnelKey&) const override { return {OperState::kUp, {}}; }
  std::optional<IpsecTunnelCounters> IpsecCounters(const TunnelKey&) const override {
    return IpsecTunnelCounters{0x1001, 0x2002, 10, 1000, 20, 2000, 3};
  }
};

TEST(Show, RenderersTakeStateFromTheRuntimeView) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  CountingRuntime runtime;
  std::string detail = *ShowIpsecTunnel(c, runtime, "to-site-b", ShowFormat::kText);
  EXPECT_THAT(detail, HasSubstr("Inbound SPI      : 4097"));
  EXPECT_THAT(detail, HasSubstr("Dropped Packets  : 3"));
  EXPECT_THAT(*ShowIpsecTunnel(c, runtime, "", ShowFormat::kJson),
              HasSubstr("\"counters\":{\"inbound_spi\":4097,\"outbound_spi\":8194"));
  EXPECT_THAT(ShowIsaTunnelGroup(c, runtime, ShowFormat::kText),
              HasSubstr("1              1/1          2/1        2/1"));
}

// ---- ConfigRuntimeView -----------------------------------------------------------------------

TEST(ConfigRuntimeView, AdminStatesAndValidationReasons) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg") +
                     "config isa tunnel-group 1 shutdown\nexit all\n"
                     "config service vprn 101 interface \"private-gre\" sap tunnel-2.private:201 "
                     "ip-tunnel \"to-site-c\" dest-ip 10.0.0.9\n");
  ConfigRuntimeView rt(c);
  EXPECT_THAT(rt.TunnelGroupStatus(1).reasons, ElementsAre("tunnel-group is shutdown"));
  EXPECT_TRUE(rt.ActiveIsas(1).empty());
  EXPECT_THAT(rt.IpsecTunnelStatus({101, "to-site-b"}).reasons,
              ElementsAre("tunnel-group 1 is operationally down"));
  EXPECT_THAT(rt.IpTunnelStatus({101, "to-site-c"}).reasons,
              ElementsAre("dest-ip 10.0.0.9 is not within the subnet of the local private "
                          "endpoint 10.0.0.1/30"));
  EXPECT_THAT(rt.ActiveIsas(3), ElementsAre(IsaSlot{4, 1}, IsaSlot{5, 1}));
}

TEST(ConfigRuntimeView, DeliveryServiceAndSapShutdown) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg") +
                     "config service ies 100 shutdown\nexit all\n"
                     "config service vprn 101 interface \"private-ipsec\" sap "
                     "tunnel-1.private:201 shutdown\n");
  ConfigRuntimeView rt(c);
  EXPECT_THAT(
      rt.IpsecTunnelStatus({101, "to-site-b"}).reasons,
      ElementsAre("sap tunnel-1.private:201 is shutdown", "delivery service 100 is shutdown"));
}

TEST(ConfigRuntimeView, RemoteIpFallsBackToBackupRemoteIp) {
  // Replace the default route by one that reaches only the backup remote address.
  std::string base = ReadVector("two_tunnel_groups.cfg") +
                     "config service ies 100 no static-route 0.0.0.0/0 next-hop 172.16.0.2\n";
  Config neither = ParseOk(base);
  EXPECT_THAT(ConfigRuntimeView(neither).IpTunnelStatus({101, "to-site-c"}).reasons,
              ElementsAre("neither remote-ip 6.6.6.6 nor backup-remote-ip 7.7.7.7 is reachable "
                          "in delivery service 100"));
  Config backup = ParseOk(base + "static-route 7.7.7.0/24 next-hop 172.16.0.2\n");
  EXPECT_TRUE(ConfigRuntimeView(backup).IpTunnelStatus({101, "to-site-c"}).up());
}

TEST(ConfigRuntimeView, Figure27GreOverIpsecFollowsTheIpsecTunnel) {
  // Router A's GRE tunnel reaches its remote-ip through the IPsec tunnel, which the guide's
  // text leaves shut down.
  Config c = ParseOk(ReadVector("guide_figure27_router_a.cfg"));
  ConfigRuntimeView down(c);
  EXPECT_THAT(down.IpsecTunnelStatus({101, "ipsec-tunnel-for-n-gre-tunnels"}).reasons,
              ElementsAre("ipsec-tunnel is shutdown"));
  EXPECT_THAT(down.IpTunnelStatus({101, "protected-gre-tunnel"}).reasons,
              ElementsAre("remote-ip 192.168.2.2 is not reachable in delivery service 101"));
  Config up = ParseOk(ReadVector("guide_figure27_router_a.cfg") +
                      "config service vprn 101 interface \"private-ipsec-1\" sap "
                      "tunnel-1.private:201 ipsec-tunnel \"ipsec-tunnel-for-n-gre-tunnels\" no "
                      "shutdown\n");
  ConfigRuntimeView rt(up);
  EXPECT_TRUE(rt.IpsecTunnelStatus({101, "ipsec-tunnel-for-n-gre-tunnels"}).up());
  EXPECT_TRUE(rt.IpTunnelStatus({101, "protected-gre-tunnel"}).up());
}

}  // namespace
}  // namespace tunnelisa::config
