// Engine oper states with reasons, backup-remote-ip switching by route presence, and run-time
// configuration changes (allowed changes keep SAs; forbidden ones are refused).
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using Action = Verdict::Action;

std::string RouterA() { return ReadEngineVector("router_a.cfg"); }

config::OperStatus IpStatus(const Router& r, const config::TunnelKey& k) {
  return r.engine->runtime().IpTunnelStatus(k);
}

TEST(EngineOper, AllTunnelsUpWithTheirSlots) {
  std::unique_ptr<Router> a = MakeRouter(RouterA());
  EXPECT_TRUE(IpStatus(*a, kGreOverIpsec).up());
  EXPECT_TRUE(IpStatus(*a, kPlainGre).up());
  EXPECT_TRUE(IpStatus(*a, kPlainIpip).up());
  EXPECT_TRUE(a->engine->runtime().IpsecTunnelStatus(kIpsec).up());
  EXPECT_EQ(a->engine->runtime().ActiveIsas(1), (std::vector<config::IsaSlot>{{1, 1}}));
  absl::StatusOr<std::string> show = a->engine->Show(std::vector<std::string>{"ip", "tunnel"});
  ASSERT_TRUE(show.ok()) << show.status();
  EXPECT_THAT(*show, HasSubstr("No. of IP Tunnels: 3"));
  EXPECT_THAT(*show, Not(HasSubstr("Down")));
}

TEST(EngineOper, DownReasons) {
  struct Case {
    const char* name;
    std::string from, to;
    config::TunnelKey tunnel;
    const char* reason;
  };
  const Case cases[] = {
      {"dest-ip outside the private subnet", "dest-ip 10.0.1.2", "dest-ip 10.0.9.2", kPlainGre,
       "dest-ip 10.0.9.2"},
      {"source outside the public subnet", "source 1.1.1.4", "source 1.1.2.4", kPlainIpip,
       "1.1.2.4"},
      {"delivery service down", "config service ies 100 customer 1 create\n",
       "config service ies 100 customer 1 create\n  shutdown\n", kPlainGre,
       "delivery service 100 is shutdown"},
      {"no route to remote or backup", "static-route 2.2.2.0/24 next-hop 1.1.1.254",
       "static-route 4.4.4.0/24 next-hop 1.1.1.254", kPlainGre,
       "neither remote-ip 2.2.2.3 nor backup-remote-ip 3.3.3.3"},
      {"tunnel group down", "primary 1/1\n    backup 2/1\n    no shutdown",
       "primary 1/1\n    backup 2/1\n    shutdown", kPlainIpip,
       "tunnel-group 1 is operationally down"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::unique_ptr<Router> a = MakeRouter(Replace(RouterA(), c.from, c.to));
    config::OperStatus s = IpStatus(*a, c.tunnel);
    EXPECT_FALSE(s.up());
    EXPECT_THAT(s.reasons, Contains(HasSubstr(c.reason)));
    EXPECT_FALSE(a->engine->ActiveRemote(c.tunnel).has_value());
  }
}

TEST(EngineOper, DownTunnelIsNotTerminatedAndNotUsed) {
  std::unique_ptr<Router> a =
      MakeRouter(Replace(RouterA(), "dest-ip 10.0.1.2", "dest-ip 10.0.9.2"));
  std::vector<uint8_t> inner = MakeUdpPacket(Ip("172.17.2.20"), Ip("172.17.1.10"), 16);
  EXPECT_EQ(a->Public(WrapIpv4(inner, Ip("2.2.2.3"), Ip("1.1.1.3"), kProtoGre)).reason,
            DropReason::kNotForUs);
  // Its static route is inactive; the local route of its interface still points at it.
  EXPECT_EQ(a->Private(102, MakeUdpPacket(Ip("172.17.1.10"), Ip("172.17.2.20"), 8)).reason,
            DropReason::kNoRoute);
  EXPECT_EQ(a->Private(102, MakeUdpPacket(Ip("172.17.1.10"), Ip("10.0.1.2"), 8)).reason,
            DropReason::kTunnelDown);
}

TEST(EngineOper, DynamicKeyingWithIkev1PolicyIsUpAndSoIsGreOverIt) {
  // Figure 27's ike-policy 1 (ike-version 1, ike-mode main) as written: the tunnel is
  // operationally up (IKEv1 negotiates its SAs, engine_ikev1_test.cc), and so is GRE over it.
  std::unique_ptr<Router> a = MakeRouter(ReadEngineVector("figure27_ikev1_a.cfg"));
  config::OperStatus ipsec = a->engine->runtime().IpsecTunnelStatus(kIpsec);
  EXPECT_TRUE(ipsec.up()) << (ipsec.reasons.empty() ? "" : ipsec.reasons[0]);
  EXPECT_TRUE(IpStatus(*a, kGreOverIpsec).up());
  EXPECT_TRUE(IpStatus(*a, kPlainGre).up());
  // No SA before IKE ran.
  EXPECT_FALSE(a->engine->runtime().IpsecCounters(kIpsec).has_value());
}

TEST(EngineOper, BackupRemoteWhileRemoteHasNoRouteAndBackAgain) {
  RouterPair pair;
  Router& a = pair.a();
  const std::string original = RouterA();
  const std::vector<uint8_t> p = MakeUdpPacket(Ip("172.17.1.10"), Ip("172.17.2.20"), 8);
  const std::vector<uint8_t> ipsec_payload = MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 8);
  EXPECT_EQ(a.engine->ActiveRemote(kPlainGre), TunnelRemote::kPrimary);
  a.Private(101, ipsec_payload);  // advances the IPsec tunnel's sequence numbers
  pair.Pump();

  // Only the backup's subnet is routed in the delivery service: backup-remote-ip is used.
  ASSERT_TRUE(
      a.engine
          ->ApplyConfig(ParseConfig(Replace(original, "static-route 2.2.2.0/24 next-hop 1.1.1.254",
                                            "static-route 3.3.3.0/24 next-hop 1.1.1.254")),
                        MonoTime{})
          .ok());
  EXPECT_TRUE(IpStatus(a, kPlainGre).up());
  EXPECT_EQ(a.engine->ActiveRemote(kPlainGre), TunnelRemote::kBackup);
  // Visible in `show ip tunnel NAME` and its JSON.
  std::vector<std::string> show = {"ip", "tunnel", "plain-gre"};
  EXPECT_THAT(a.engine->Show(show).value(),
              ::testing::ContainsRegex("Active Remote IP *: 3\\.3\\.3\\.3"));
  EXPECT_THAT(a.engine->Show(show, config::ShowFormat::kJson).value(),
              ::testing::HasSubstr("\"active_remote_ip\":\"3.3.3.3\""));
  a.transport.public_out.clear();
  EXPECT_EQ(a.Private(102, p).action, Action::kForward);
  ASSERT_EQ(a.transport.public_out.size(), 1u);
  EXPECT_EQ(IpAddress::V4Bytes(&a.transport.public_out[0].bytes[16]), Ip("3.3.3.3"));
  a.transport.public_out.clear();

  // The remote's route returns: back to remote-ip.
  ASSERT_TRUE(a.engine->ApplyConfig(ParseConfig(original), MonoTime{}).ok());
  EXPECT_EQ(a.engine->ActiveRemote(kPlainGre), TunnelRemote::kPrimary);
  EXPECT_THAT(a.engine->Show(show).value(),
              ::testing::ContainsRegex("Active Remote IP *: 2\\.2\\.2\\.3"));
  a.Private(102, p);
  ASSERT_EQ(a.transport.public_out.size(), 1u);
  EXPECT_EQ(IpAddress::V4Bytes(&a.transport.public_out[0].bytes[16]), Ip("2.2.2.3"));
  a.transport.public_out.clear();

  // The IPsec tunnel did not change: it kept its SAs and sequence numbers (B would drop a
  // replayed sequence number) and its counters.
  a.Private(101, ipsec_payload);
  pair.Pump();
  EXPECT_EQ(pair.b().engine->IpsecTunnelTraffic(kIpsec)->in_packets, 2u);
  EXPECT_EQ(pair.b().engine->counters().total_drops(), 0u);
  EXPECT_EQ(a.engine->IpsecTunnelTraffic(kIpsec)->out_packets, 2u);
}

TEST(EngineOper, ForbiddenChangesAreRefusedAndInvalidConfigsRejected) {
  std::unique_ptr<Router> a = MakeRouter(RouterA());
  // An up ipsec-tunnel's local-gateway-address can't change ("Operational Conditions").
  std::string moved = Replace(RouterA(), "local-gateway-address 1.1.1.2 peer",
                              "local-gateway-address 1.1.1.9 peer");
  absl::Status s = a->engine->ApplyConfig(ParseConfig(moved), MonoTime{});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(a->engine->config()
                .services.at(101)
                .interfaces.at("private-ipsec-1")
                .sap->ipsec_tunnels.at(kIpsec.name)
                .local_gateway_address,
            Ip("1.1.1.2"));
  // With the tunnel shut down in the same candidate it is allowed; the tunnel is then down.
  std::string shut =
      Replace(moved, "      no shutdown\n    exit\n  exit\n  interface \"public-gre-1\"",
              "      shutdown\n    exit\n  exit\n  interface \"public-gre-1\"");
  s = a->engine->ApplyConfig(ParseConfig(shut), MonoTime{});
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_FALSE(a->engine->runtime().IpsecTunnelStatus(kIpsec).up());
  // Invalid: a static route to a tunnel that does not exist.
  config::Config bad = a->engine->config();
  bad.services.at(102).static_routes.push_back(
      {*IpPrefix::Parse("10.9.0.0/16"), config::NextHopKind::kIpTunnel, {}, "nope"});
  EXPECT_EQ(a->engine->ApplyConfig(bad, MonoTime{}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(EngineOper, CreateNeedsCryptoAndTransport) {
  RecordingTransport t;
  EXPECT_FALSE(Engine::Create({.host = {.transport = &t}}).ok());
  auto registry = CryptoRegistry::CreateDefault();
  EXPECT_FALSE(Engine::Create({.crypto = registry.get()}).ok());
}

}  // namespace
}  // namespace tunnelisa::testing
