// Static routes whose next hop is an address, resolved through the route table as a router
// resolves them (config/route_table.h): a next hop inside a private tunnel interface's subnet
// (the tunnel's far end, dest-ip) sends the packet into that tunnel, with everything that path
// does: DSCP, ip-mtu (fragmentation or ICMP errors, clear-df-bit), counters. Router A of
// tests/vectors/engine/ with its tunnel-naming routes replaced by next-hop addresses; Router B
// as it is. Every test sends bursts.
#include <memory>
#include <string>
#include <vector>

#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using ::testing::HasSubstr;
using Action = Verdict::Action;

size_t Drops(const Engine& e, DropReason r) { return e.counters().drops[static_cast<size_t>(r)]; }

// RouterAText: router_a.cfg routing by next-hop addresses only. VPRN 101: the ipsec-tunnel's
// interface gets 10.9.9.1/30 and 192.168.2.0/24 goes to 10.9.9.2 (so GRE's outer packets
// resolve into the ipsec-tunnel too); 172.16.2.0/24 goes to 10.0.0.2 (the GRE tunnel's far
// end), and 172.16.2.128/25 two routes deep through 172.16.9.0/24. VPRN 102: 10.0.1.2 (GRE) and
// 10.0.2.2 (IP-IP). `gre_extra` / `ipip_extra` / `ipsec_extra`: lines added to those tunnels.
std::string RouterAText(const std::string& gre_extra = "", const std::string& ipip_extra = "",
                        const std::string& ipsec_extra = "") {
  std::string t = ReadEngineVector("router_a.cfg");
  t = Replace(t, "  interface \"private-ipsec-1\" tunnel create\n",
              "  interface \"private-ipsec-1\" tunnel create\n    address 10.9.9.1/30\n");
  t = Replace(
      t, "static-route 192.168.2.0/24 next-hop ipsec-tunnel \"ipsec-tunnel-for-n-gre-tunnels\"",
      "static-route 192.168.2.0/24 next-hop 10.9.9.2");
  t = Replace(t, "static-route 172.16.2.0/24 next-hop ip-tunnel \"protected-gre-tunnel\"",
              "static-route 172.16.2.0/24 next-hop 10.0.0.2\n"
              "  static-route 172.16.2.128/25 next-hop 172.16.9.1\n"
              "  static-route 172.16.9.0/24 next-hop 10.0.0.2\n"
              "  static-route 172.30.0.0/16 next-hop 99.9.9.9");
  t = Replace(t, "static-route 172.17.2.0/24 next-hop ip-tunnel \"plain-gre\"",
              "static-route 172.17.2.0/24 next-hop 10.0.1.2");
  t = Replace(t, "static-route 172.18.2.0/24 next-hop ip-tunnel \"plain-ipip\"",
              "static-route 172.18.2.0/24 next-hop 10.0.2.2");
  t = Replace(t, "      backup-remote-ip 3.3.3.3\n      delivery-service 100\n",
              "      backup-remote-ip 3.3.3.3\n      delivery-service 100\n" + gre_extra);
  t = Replace(t, "      remote-ip 2.2.2.4\n      delivery-service 100\n",
              "      remote-ip 2.2.2.4\n      delivery-service 100\n" + ipip_extra);
  t = Replace(
      t, "      local-gateway-address 1.1.1.2 peer 2.2.2.2 delivery-service 100\n",
      "      local-gateway-address 1.1.1.2 peer 2.2.2.2 delivery-service 100\n" + ipsec_extra);
  return t;
}

std::unique_ptr<RouterPair> Pair(const std::string& a_text) {
  return std::make_unique<RouterPair>(a_text, ReadEngineVector("router_b.cfg"));
}

TEST(EngineRoutes, NextHopsAtTunnelFarEndsEnterEveryKindOfTunnel) {
  auto pair = Pair(RouterAText());
  Router& a = pair->a();
  // VPRN 102: GRE and IP-IP, interleaved in one burst.
  std::vector<std::vector<uint8_t>> b102;
  for (uint8_t k = 0; k < 4; ++k) {
    b102.push_back(MakeUdpPacket(Ip("172.17.1.10"), Ip("172.17.2.20"), 100 + k, k));
    b102.push_back(MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 200 + k, k));
  }
  for (const EngineVerdict& v : a.PrivateBurst(kVprn102, b102)) {
    EXPECT_EQ(v.action, Action::kForward);
    EXPECT_EQ(v.outputs, 1);
  }
  ASSERT_EQ(a.transport.public_out.size(), b102.size());
  for (size_t i = 0; i < b102.size(); ++i) {
    const Output& o = a.transport.public_out[i];
    EXPECT_EQ(Proto(o.bytes), i % 2 == 0 ? kProtoGre : kProtoIpv4InIp);
    EXPECT_EQ(Src(o.bytes), Ip(i % 2 == 0 ? "1.1.1.3" : "1.1.1.4"));
    EXPECT_EQ(o.service, 100u);
    EXPECT_EQ(o.next_hop, Ip("1.1.1.254"));  // the delivery service's own resolved next hop
    EXPECT_EQ(o.interface_id, a.engine->InterfaceId(100, "public-ipsec-1"));
  }
  EXPECT_NE(a.engine->InterfaceId(100, "public-ipsec-1"), 0u);
  EXPECT_EQ(a.engine->InterfaceId(100, "no-such-interface"), 0u);
  // VPRN 101: GRE over IPsec with both layers routed by next-hop addresses, one and two routes
  // deep.
  std::vector<std::vector<uint8_t>> b101;
  for (uint8_t k = 0; k < 3; ++k) {
    b101.push_back(MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 300 + k, k));
    b101.push_back(MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.200"), 400 + k, k));
  }
  for (const EngineVerdict& v : a.PrivateBurst(kVprn101, b101)) {
    EXPECT_EQ(v.action, Action::kForward);
  }
  ASSERT_EQ(a.transport.public_out.size(), b102.size() + b101.size());
  for (size_t i = b102.size(); i < a.transport.public_out.size(); ++i) {
    EXPECT_EQ(Proto(a.transport.public_out[i].bytes), kProtoEsp);  // GRE inside ESP
  }
  pair->Pump();
  std::vector<std::vector<uint8_t>> delivered;
  for (const Output& o : pair->b().transport.private_out) delivered.push_back(o.bytes);
  std::vector<std::vector<uint8_t>> sent = b102;
  sent.insert(sent.end(), b101.begin(), b101.end());
  EXPECT_EQ(delivered, sent);  // every packet, byte for byte, in order
  EXPECT_EQ(a.engine->IpTunnelTraffic(kPlainGre)->out_packets, 4u);
  EXPECT_EQ(a.engine->IpTunnelTraffic(kPlainIpip)->out_packets, 4u);
  EXPECT_EQ(a.engine->IpTunnelTraffic(kGreOverIpsec)->out_packets, 6u);
  EXPECT_EQ(a.engine->IpsecTunnelTraffic(kIpsec)->out_packets, 6u);
  EXPECT_EQ(a.engine->counters().total_drops(), 0u);
  EXPECT_EQ(pair->b().engine->counters().total_drops(), 0u);
}

TEST(EngineRoutes, UnresolvedNextHopIsInactiveAndDropsAsNoRoute) {
  auto pair = Pair(RouterAText());
  Router& a = pair->a();
  std::vector<EngineVerdict> v =
      a.PrivateBurst(kVprn101, {MakeUdpPacket(Ip("172.16.1.10"), Ip("172.30.1.1"), 10, 1),
                                MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 10, 2),
                                MakeUdpPacket(Ip("172.16.1.10"), Ip("172.30.9.9"), 10, 3)});
  EXPECT_EQ(v[0].reason, DropReason::kNoRoute);
  EXPECT_EQ(v[1].action, Action::kForward);
  EXPECT_EQ(v[2].reason, DropReason::kNoRoute);
  EXPECT_EQ(Drops(*a.engine, DropReason::kNoRoute), 2u);
  EXPECT_TRUE(a.transport.private_out.empty());  // not handed to the host either
  const std::vector<std::string> words = {"router", "101", "route-table"};
  const std::string json = a.engine->Show(words, config::ShowFormat::kJson).value();
  EXPECT_THAT(json, HasSubstr("\"prefix\":\"172.30.0.0/16\",\"protocol\":\"static\","
                              "\"next_hop\":\"99.9.9.9\",\"interface\":null,\"preference\":5,"
                              "\"active\":false,\"inactive_reason\":\"next-hop 99.9.9.9 does "
                              "not resolve"));
  const std::string text = a.engine->Show(words).value();
  EXPECT_THAT(text, HasSubstr("172.30.0.0/16    Remote  Static  N"));
  EXPECT_THAT(text, HasSubstr("172.16.2.128/25  Remote  Static  Y"));
}

// The GRE path's DSCP: `dscp` sets the outer DSCP, otherwise the outer copies the payload's;
// ECN is copied either way.
TEST(EngineRoutes, GreDscpSetOrCopiedOnTheResolvedPath) {
  for (const bool set : {false, true}) {
    SCOPED_TRACE(set ? "dscp af11" : "copied");
    auto pair = Pair(RouterAText(set ? "      dscp af11\n" : ""));
    Router& a = pair->a();
    std::vector<std::vector<uint8_t>> burst;
    for (uint8_t tos : {uint8_t{0xb8}, uint8_t{0x01}, uint8_t{0x62}}) {  // EF, ECT(1), AF31+ECT(0)
      burst.push_back(MakeUdpPacket(Ip("172.17.1.10"), Ip("172.17.2.20"), 64, tos, tos));
    }
    a.PrivateBurst(kVprn102, burst);
    ASSERT_EQ(a.transport.public_out.size(), burst.size());
    for (size_t i = 0; i < burst.size(); ++i) {
      const uint8_t inner = burst[i][1];
      const uint8_t outer = a.transport.public_out[i].bytes[1];
      EXPECT_EQ(outer >> 2, set ? 10 : inner >> 2) << "packet " << i;  // af11 = 10
      EXPECT_EQ(outer & 3, inner & 3);
    }
    pair->Pump();
    EXPECT_EQ(pair->b().transport.private_out.size(), burst.size());
  }
}

// ip-mtu on the IP-IP path (1000): DF clear fragments, DF set answers "fragmentation needed"
// from the tunnel interface's address, clear-df-bit fragments DF packets too.
TEST(EngineRoutes, IpIpMtuOnTheResolvedPath) {
  for (const bool clear_df : {false, true}) {
    SCOPED_TRACE(clear_df ? "clear-df-bit" : "df kept");
    auto pair = Pair(RouterAText("", clear_df ? "      clear-df-bit\n" : ""));
    Router& a = pair->a();
    const std::vector<uint8_t> small = MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 100, 1);
    const std::vector<uint8_t> big = MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 1372, 2);
    const std::vector<uint8_t> big_df =
        MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 1372, 3, 0, /*df=*/true);
    std::vector<EngineVerdict> v = a.PrivateBurst(kVprn102, {small, big, big_df, small});
    EXPECT_EQ(v[0].outputs, 1);
    EXPECT_EQ(v[1].action, Action::kForward);
    EXPECT_EQ(v[1].outputs, 2);  // two fragments
    EXPECT_EQ(v[3].outputs, 1);
    if (clear_df) {
      EXPECT_EQ(v[2].action, Action::kForward);
      EXPECT_EQ(v[2].outputs, 2);
      EXPECT_TRUE(a.transport.private_out.empty());
    } else {
      EXPECT_EQ(v[2].action, Action::kDeliver);
      EXPECT_EQ(v[2].reason, DropReason::kTooBigForMtu);
      ASSERT_EQ(a.transport.private_out.size(), 1u);
      const Output& icmp = a.transport.private_out[0];
      EXPECT_EQ(Proto(icmp.bytes), 1);
      EXPECT_EQ(Src(icmp.bytes), Ip("10.0.2.1"));
      EXPECT_EQ(icmp.bytes[20], 3);
      EXPECT_EQ(icmp.bytes[21], 4);
      EXPECT_EQ((icmp.bytes[26] << 8) | icmp.bytes[27], 1000);
    }
    for (const Output& o : a.transport.public_out) EXPECT_LE(o.bytes.size(), 1020u);
    pair->Pump();
    size_t payload = 0;
    for (const Output& o : pair->b().transport.private_out) payload += o.bytes.size() - 20;
    const size_t expected =
        2 * (small.size() - 20) + (big.size() - 20) + (clear_df ? big_df.size() - 20 : 0);
    EXPECT_EQ(payload, expected);
  }
}

// ip-mtu on the IPsec path (600), reached by a next hop in the ipsec-tunnel interface's
// subnet: the same three cases, before encryption.
TEST(EngineRoutes, IpsecMtuOnTheResolvedPath) {
  for (const bool clear_df : {false, true}) {
    SCOPED_TRACE(clear_df ? "clear-df-bit" : "df kept");
    const std::string extra =
        std::string("      ip-mtu 600\n") + (clear_df ? "      clear-df-bit\n" : "");
    auto pair = Pair(RouterAText("", "", extra));
    Router& a = pair->a();
    // 192.168.2.0/24 is routed to 10.9.9.2, the ipsec-tunnel interface's far end.
    const std::vector<uint8_t> big = MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.20"), 900, 1);
    const std::vector<uint8_t> big_df =
        MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.20"), 900, 2, 0, /*df=*/true);
    const std::vector<uint8_t> small =
        MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.20"), 100, 3, 0, /*df=*/true);
    std::vector<EngineVerdict> v = a.PrivateBurst(kVprn101, {big, big_df, small});
    EXPECT_EQ(v[0].action, Action::kForward);
    EXPECT_EQ(v[0].outputs, 2);
    EXPECT_EQ(v[2].outputs, 1);
    if (clear_df) {
      EXPECT_EQ(v[1].outputs, 2);
    } else {
      EXPECT_EQ(v[1].reason, DropReason::kTooBigForMtu);
      ASSERT_EQ(a.transport.private_out.size(), 1u);
      EXPECT_EQ(Src(a.transport.private_out[0].bytes), Ip("10.9.9.1"));
      EXPECT_EQ((a.transport.private_out[0].bytes[26] << 8) | a.transport.private_out[0].bytes[27],
                600);
    }
    for (const Output& o : a.transport.public_out) EXPECT_EQ(Proto(o.bytes), kProtoEsp);
    pair->Pump();
    size_t payload = 0;
    for (const Output& o : pair->b().transport.private_out) payload += o.bytes.size() - 20;
    EXPECT_EQ(payload,
              (big.size() - 20) + (small.size() - 20) + (clear_df ? big_df.size() - 20 : 0));
  }
}

}  // namespace
}  // namespace tunnelisa::testing
