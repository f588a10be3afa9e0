// Two engines back to back (Router A and Router B of tests/vectors/engine/): packets through
// GRE over IPsec (Figure 27), plain GRE and IP-IP, both ways, byte for byte; counters; what
// is not terminated; the tunnel-layer limit; ip-mtu fragmentation and the ICMP error.
#include <algorithm>
#include <cstring>

#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Action = Verdict::Action;

config::TunnelSapId Sap(std::string_view text) { return *config::TunnelSapId::Parse(text); }

TEST(EngineTraffic, GreOverIpsecBothWaysByteExact) {
  RouterPair pair;
  std::vector<uint8_t> ab = MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 200, 1);
  EngineVerdict v = pair.a().Private(kVprn101, ab);
  EXPECT_EQ(v.action, Action::kForward);
  EXPECT_EQ(v.outputs, 1);
  ASSERT_EQ(pair.a().transport.public_out.size(), 1u);
  const Output& wire = pair.a().transport.public_out[0];
  EXPECT_EQ(Proto(wire.bytes), kProtoEsp);  // GRE inside ESP: only ESP is on the wire
  EXPECT_EQ(Src(wire.bytes), Ip("1.1.1.2"));
  EXPECT_EQ(Dst(wire.bytes), Ip("2.2.2.2"));
  EXPECT_EQ(wire.service, 100u);
  EXPECT_EQ(wire.interface, "public-ipsec-1");
  EXPECT_EQ(wire.next_hop, Ip("1.1.1.254"));
  EXPECT_EQ(pair.Pump(), 1u);
  ASSERT_EQ(pair.b().transport.private_out.size(), 1u);
  EXPECT_EQ(pair.b().transport.private_out[0].bytes, ab);
  EXPECT_EQ(pair.b().transport.private_out[0].service, kVprn101);
  EXPECT_EQ(pair.b().transport.private_out[0].interface, "lan");

  std::vector<uint8_t> ba = MakeUdpPacket(Ip("172.16.2.20"), Ip("172.16.1.10"), 1300, 2);
  EXPECT_EQ(pair.b().Private(kVprn101, ba).action, Action::kForward);
  pair.Pump();
  ASSERT_EQ(pair.a().transport.private_out.size(), 1u);
  EXPECT_EQ(pair.a().transport.private_out[0].bytes, ba);
  EXPECT_EQ(pair.a().engine->counters().total_drops(), 0u);
  EXPECT_EQ(pair.b().engine->counters().total_drops(), 0u);
}

TEST(EngineTraffic, GreOverIpsecCountersPerTunnelSapAndService) {
  RouterPair pair;
  std::vector<uint8_t> ab = MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 100, 1);
  for (int i = 0; i < 3; ++i) pair.a().Private(kVprn101, ab);
  pair.Pump();
  const Engine& a = *pair.a().engine;
  const Engine& b = *pair.b().engine;
  const uint64_t inner = ab.size();     // 128
  const uint64_t gre = inner + 20 + 4;  // GRE packet: the IPsec tunnel's payload
  // GRE tunnel: 3 payload packets out of A, into B.
  EXPECT_EQ(a.IpTunnelTraffic(kGreOverIpsec), (TrafficCounters{0, 0, 3, 3 * inner}));
  EXPECT_EQ(b.IpTunnelTraffic(kGreOverIpsec), (TrafficCounters{3, 3 * inner, 0, 0}));
  EXPECT_EQ(a.IpsecTunnelTraffic(kIpsec), (TrafficCounters{0, 0, 3, 3 * gre}));
  EXPECT_EQ(b.IpsecTunnelTraffic(kIpsec), (TrafficCounters{3, 3 * gre, 0, 0}));
  // Private SAPs count payload octets; the GRE tunnel's public SAP (in VPRN 101) the GRE
  // packets; the IPsec tunnel's public SAP (IES 100) the ESP packets.
  EXPECT_EQ(a.SapTraffic(101, Sap("tunnel-2.private:201")), (TrafficCounters{0, 0, 3, 3 * inner}));
  EXPECT_EQ(a.SapTraffic(101, Sap("tunnel-2.public:200")), (TrafficCounters{0, 0, 3, 3 * gre}));
  EXPECT_EQ(a.SapTraffic(101, Sap("tunnel-1.private:201")), (TrafficCounters{0, 0, 3, 3 * gre}));
  std::optional<TrafficCounters> esp = a.SapTraffic(100, Sap("tunnel-1.public:200"));
  ASSERT_TRUE(esp.has_value());
  EXPECT_EQ(esp->out_packets, 3u);
  EXPECT_GT(esp->out_octets, 3 * gre);  // ESP adds header, IV, padding, ICV and outer IP
  EXPECT_EQ(b.SapTraffic(100, Sap("tunnel-1.public:200"))->in_octets, esp->out_octets);
  // A service counts its SAPs: VPRN 101 has three SAPs on this path.
  EXPECT_EQ(a.ServiceTraffic(101), (TrafficCounters{0, 0, 9, 3 * (inner + 2 * gre)}));
  EXPECT_EQ(a.ServiceTraffic(100), (TrafficCounters{0, 0, 3, esp->out_octets}));
  EXPECT_EQ(a.ServiceTraffic(102), (TrafficCounters{}));
  EXPECT_FALSE(a.ServiceTraffic(999).has_value());
  // The SAs' own counters reach `show ipsec tunnel` through the runtime view.
  std::optional<config::IpsecTunnelCounters> sa = a.runtime().IpsecCounters(kIpsec);
  ASSERT_TRUE(sa.has_value());
  EXPECT_EQ(sa->outbound_spi, 2000u);
  EXPECT_EQ(sa->inbound_spi, 1000u);
  EXPECT_EQ(sa->outbound_packets, 3u);
  absl::StatusOr<std::string> show =
      a.Show(std::vector<std::string>{"ipsec", "tunnel", kIpsec.name});
  ASSERT_TRUE(show.ok()) << show.status();
  EXPECT_THAT(*show, HasSubstr("Outbound Packets"));
  EXPECT_THAT(*show, HasSubstr("Oper State       : Up"));
}

// A SAP's and a service's counters are sums over their tunnels taken when read; what a tunnel
// counted there stays when the tunnel is removed (and is not counted twice while it stays).
TEST(EngineTraffic, ServiceCountersKeepWhatARemovedTunnelCounted) {
  std::string text = ReadEngineVector("router_a.cfg");
  std::unique_ptr<Router> a = MakeRouter(text);
  std::vector<uint8_t> gre = MakeUdpPacket(Ip("172.17.1.10"), Ip("172.17.2.20"), 64, 3);
  std::vector<uint8_t> ipip = MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 64, 4);
  a->PrivateBurst(kVprn102, {gre, gre, ipip});
  const uint64_t inner = gre.size();
  EXPECT_EQ(a->engine->ServiceTraffic(kVprn102), (TrafficCounters{0, 0, 3, 3 * inner}));
  // An unrelated change keeps every link: nothing is counted twice.
  std::string changed = Replace(text, "interface \"lan\" create\n    address 172.17.1.1/24",
                                "interface \"lan\" create\n    address 172.17.1.1/25");
  ASSERT_TRUE(a->engine->ApplyConfig(ParseConfig(changed), MonoTime{}).ok());
  EXPECT_EQ(a->engine->ServiceTraffic(kVprn102), (TrafficCounters{0, 0, 3, 3 * inner}));
  // plain-gre shut down, then removed with its route: the service keeps its two packets.
  std::string shut = Replace(changed,
                             "delivery-service 100\n      no shutdown\n    exit\n  exit\n"
                             "  interface \"private-ipip-1\"",
                             "delivery-service 100\n      shutdown\n    exit\n  exit\n"
                             "  interface \"private-ipip-1\"");
  ASSERT_TRUE(a->engine->ApplyConfig(ParseConfig(shut), MonoTime{}).ok());
  const size_t begin = shut.find("    ip-tunnel \"plain-gre\" create");
  const size_t end = shut.find("    exit\n", shut.find("shutdown", begin)) + 9;
  ASSERT_NE(begin, std::string::npos);
  std::string removed = shut.erase(begin, end - begin);
  removed = Replace(removed, "  static-route 172.17.2.0/24 next-hop ip-tunnel \"plain-gre\"\n", "");
  absl::Status s = a->engine->ApplyConfig(ParseConfig(removed), MonoTime{});
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_FALSE(a->engine->IpTunnelTraffic(kPlainGre).has_value());
  a->PrivateBurst(kVprn102, {ipip});
  EXPECT_EQ(a->engine->ServiceTraffic(kVprn102), (TrafficCounters{0, 0, 4, 4 * inner}));
  EXPECT_EQ(a->engine->SapTraffic(kVprn102, Sap("tunnel-1.private:202")),
            (TrafficCounters{0, 0, 2, 2 * inner}));
  EXPECT_EQ(a->engine->SapTraffic(kVprn102, Sap("tunnel-1.private:203")),
            (TrafficCounters{0, 0, 2, 2 * inner}));
  // The delivery service counts the outer packets: 2 GRE (+24 bytes) and 2 IP-IP (+20).
  EXPECT_EQ(a->engine->ServiceTraffic(100),
            (TrafficCounters{0, 0, 4, 2 * (inner + 24) + 2 * (inner + 20)}));
}

TEST(EngineTraffic, PlainGreAndIpIpBothWays) {
  RouterPair pair;
  std::vector<uint8_t> gre = MakeUdpPacket(Ip("172.17.1.10"), Ip("172.17.2.20"), 64, 3);
  std::vector<uint8_t> ipip = MakeUdpPacket(Ip("172.18.2.20"), Ip("172.18.1.10"), 64, 4);
  EXPECT_EQ(pair.a().Private(kVprn102, gre).action, Action::kForward);
  EXPECT_EQ(pair.b().Private(kVprn102, ipip).action, Action::kForward);
  ASSERT_EQ(pair.a().transport.public_out.size(), 1u);
  ASSERT_EQ(pair.b().transport.public_out.size(), 1u);
  EXPECT_EQ(Proto(pair.a().transport.public_out[0].bytes), kProtoGre);
  EXPECT_EQ(Dst(pair.a().transport.public_out[0].bytes), Ip("2.2.2.3"));
  EXPECT_EQ(Proto(pair.b().transport.public_out[0].bytes), kProtoIpv4InIp);
  EXPECT_EQ(Src(pair.b().transport.public_out[0].bytes), Ip("2.2.2.4"));
  pair.Pump();
  ASSERT_EQ(pair.b().transport.private_out.size(), 1u);
  EXPECT_EQ(pair.b().transport.private_out[0].bytes, gre);
  ASSERT_EQ(pair.a().transport.private_out.size(), 1u);
  EXPECT_EQ(pair.a().transport.private_out[0].bytes, ipip);
  EXPECT_EQ(pair.a().engine->IpTunnelTraffic(kPlainGre)->out_packets, 1u);
  EXPECT_EQ(pair.a().engine->IpTunnelTraffic(kPlainIpip)->in_octets, ipip.size());
  EXPECT_EQ(pair.b().engine->SapTraffic(100, Sap("tunnel-1.public:200"))->in_packets, 1u);
}

TEST(EngineTraffic, UnterminatedAndUnknownPeersAreDroppedAndCounted) {
  RouterPair pair;
  Router& a = pair.a();
  std::vector<uint8_t> inner = MakeUdpPacket(Ip("172.17.2.20"), Ip("172.17.1.10"), 32);
  // Not an address A terminates (an interface address is not a tunnel endpoint either).
  EXPECT_EQ(a.Public(WrapIpv4(inner, Ip("2.2.2.3"), Ip("1.1.1.99"), 47)).reason,
            DropReason::kNotForUs);
  EXPECT_EQ(a.Public(WrapIpv4(inner, Ip("2.2.2.3"), Ip("1.1.1.1"), 47)).reason,
            DropReason::kNotForUs);
  // A terminated address, but from a source that is no tunnel's remote.
  EXPECT_EQ(a.Public(WrapIpv4(inner, Ip("9.9.9.9"), Ip("1.1.1.3"), 47)).reason,
            DropReason::kNotForUs);
  // ESP from a host that is not the peer; a ping to a tunnel endpoint.
  EXPECT_EQ(a.Public(WrapIpv4(inner, Ip("9.9.9.9"), Ip("1.1.1.2"), kProtoEsp)).reason,
            DropReason::kNotForUs);
  EXPECT_EQ(a.Public(WrapIpv4(inner, Ip("2.2.2.3"), Ip("1.1.1.3"), 1)).reason,
            DropReason::kNotForUs);
  EXPECT_EQ(a.engine->counters().drops[static_cast<size_t>(DropReason::kNotForUs)], 5u);
  EXPECT_TRUE(a.transport.public_out.empty());  // nothing answered
  EXPECT_TRUE(a.transport.private_out.empty());
  // The right source and address: accepted.
  EXPECT_EQ(a.Public(WrapIpv4(inner, Ip("2.2.2.3"), Ip("1.1.1.3"), 47)).action, Action::kDeliver);
  // IKE from the peer goes to the control plane; a garbage header is malformed.
  std::vector<uint8_t> ike = MakeUdpPacket(Ip("2.2.2.2"), Ip("1.1.1.2"), 40);
  ike[22] = 0x01;  // destination port 500
  ike[23] = 0xf4;
  EXPECT_EQ(a.Public(ike).action, Action::kToControl);
  EXPECT_EQ(a.engine->counters().to_control, 1u);
  EXPECT_EQ(a.Public({0x00, 0x01}).reason, DropReason::kBadOuterHeader);
  EXPECT_EQ(a.engine->counters().public_in, 8u);
}

TEST(EngineTraffic, PrivatePacketsWithoutRouteOrServiceAreDropped) {
  RouterPair pair;
  Router& a = pair.a();
  EngineVerdict v = a.Private(kVprn102, MakeUdpPacket(Ip("172.17.1.10"), Ip("8.8.8.8"), 8));
  EXPECT_EQ(v.reason, DropReason::kNoRoute);
  v = a.Private(555, MakeUdpPacket(Ip("172.17.1.10"), Ip("172.17.2.20"), 8));
  EXPECT_EQ(v.reason, DropReason::kUnknownService);
  EXPECT_EQ(a.engine->counters().drops[static_cast<size_t>(DropReason::kNoRoute)], 1u);
  EXPECT_EQ(DropReasonName(DropReason::kNoRoute), "no-route");
  // The LAN's own route: delivered back to the host in that service.
  v = a.Private(kVprn102, MakeUdpPacket(Ip("172.17.1.10"), Ip("172.17.1.11"), 8));
  EXPECT_EQ(v.action, Action::kDeliver);
  EXPECT_EQ(a.transport.private_out.back().interface, "lan");
}

TEST(EngineTraffic, NestedGreBeyondTheLayerLimitIsDropped) {
  RouterPair pair;
  Router& a = pair.a();
  // The Figure 27 GRE tunnel is delivered by its own service (VPRN 101), so a GRE packet
  // whose payload is again GRE to the same endpoint is decapsulated again.
  const IpAddress remote = Ip("192.168.2.2"), local = Ip("192.168.1.2");
  std::vector<uint8_t> p = MakeUdpPacket(Ip("172.16.2.20"), Ip("172.16.1.10"), 16);
  const std::vector<uint8_t> payload = p;
  for (int layers = 1; layers <= kMaxTunnelLayers + 1; ++layers) {
    p = WrapIpv4(p, remote, local, kProtoGre);
    EngineVerdict v = a.Public(p);
    if (layers <= kMaxTunnelLayers) {
      EXPECT_EQ(v.action, Action::kDeliver) << layers;
      EXPECT_EQ(a.transport.private_out.back().bytes, payload);
    } else {
      EXPECT_EQ(v.reason, DropReason::kTooManyTunnelLayers);
    }
  }
  EXPECT_EQ(a.engine->counters().drops[static_cast<size_t>(DropReason::kTooManyTunnelLayers)], 1u);
}

TEST(EngineTraffic, IpMtuFragmentsAndReturnsIcmpError) {
  RouterPair pair;
  // plain-ipip has ip-mtu 1000: a 1400-byte payload packet with DF clear is fragmented
  // before encapsulation; both fragments reach Router B's LAN.
  std::vector<uint8_t> big = MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 1372, 5);
  ASSERT_EQ(big.size(), 1400u);
  EngineVerdict v = pair.a().Private(kVprn102, big);
  EXPECT_EQ(v.action, Action::kForward);
  EXPECT_EQ(v.outputs, 2);
  ASSERT_EQ(pair.a().transport.public_out.size(), 2u);
  for (const Output& o : pair.a().transport.public_out) {
    EXPECT_EQ(Proto(o.bytes), kProtoIpv4InIp);
    EXPECT_LE(o.bytes.size(), 1000u + 20u);
  }
  EXPECT_EQ(pair.a().engine->IpTunnelTraffic(kPlainIpip)->out_packets, 2u);
  pair.Pump();
  ASSERT_EQ(pair.b().transport.private_out.size(), 2u);
  size_t payload = 0;
  for (const Output& o : pair.b().transport.private_out) payload += o.bytes.size() - 20;
  EXPECT_EQ(payload, big.size() - 20);

  // DF set: not fragmented; the sender gets ICMP "fragmentation needed" with MTU 1000 from
  // the tunnel interface's address, delivered on its LAN.
  std::vector<uint8_t> df =
      MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 1372, 5, 0, /*df=*/true);
  pair.a().transport.private_out.clear();
  v = pair.a().Private(kVprn102, df);
  EXPECT_EQ(v.action, Action::kDeliver);
  EXPECT_EQ(v.reason, DropReason::kTooBigForMtu);
  ASSERT_EQ(pair.a().transport.private_out.size(), 1u);
  const Output& icmp = pair.a().transport.private_out[0];
  EXPECT_EQ(icmp.interface, "lan-ipip");
  EXPECT_EQ(Proto(icmp.bytes), 1);
  EXPECT_EQ(Src(icmp.bytes), Ip("10.0.2.1"));
  EXPECT_EQ(Dst(icmp.bytes), Ip("172.18.1.10"));
  EXPECT_EQ(icmp.bytes[20], 3);  // destination unreachable
  EXPECT_EQ(icmp.bytes[21], 4);  // fragmentation needed
  EXPECT_EQ((icmp.bytes[26] << 8) | icmp.bytes[27], 1000);
  EXPECT_EQ(pair.a().engine->counters().drops[static_cast<size_t>(DropReason::kTooBigForMtu)], 1u);
  EXPECT_TRUE(pair.a().transport.public_out.empty());  // nothing was sent (Pump took the rest)
}

TEST(EngineTraffic, FragmentedPacketKeepsItsPlaceInTheBurst) {
  // One burst into plain-ipip (ip-mtu 1000): small, 1400 bytes (fragmented, DF clear), small,
  // then an IP-IP packet to another host. However the engine groups a burst's work, the
  // fragments leave between the packets before and after theirs.
  RouterPair pair;
  const std::vector<std::vector<uint8_t>> in = {
      MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 30, 1),
      MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 1372, 2),
      MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.20"), 50, 3),
      MakeUdpPacket(Ip("172.18.1.10"), Ip("172.18.2.21"), 70, 4)};
  const std::vector<EngineVerdict> v = pair.a().PrivateBurst(kVprn102, in);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[1].outputs, 2);
  std::vector<size_t> sizes;
  for (const Output& o : pair.a().transport.public_out) sizes.push_back(o.bytes.size());
  // Outer IPv4 (20) around each: 58, the two fragments (996 + 20 and 404 + 20), 78, 98.
  ASSERT_EQ(sizes.size(), 5u);
  EXPECT_EQ(sizes[0], in[0].size() + 20);
  EXPECT_GT(sizes[1], 1000u);
  EXPECT_EQ(sizes[1] + sizes[2], in[1].size() + 20 + 20 + 20);
  EXPECT_EQ(sizes[3], in[2].size() + 20);
  EXPECT_EQ(sizes[4], in[3].size() + 20);
  pair.Pump();
  ASSERT_EQ(pair.b().transport.private_out.size(), 5u);
  EXPECT_EQ(pair.b().transport.private_out[0].bytes, in[0]);
  EXPECT_EQ(pair.b().transport.private_out[3].bytes, in[2]);
  EXPECT_EQ(pair.b().transport.private_out[4].bytes, in[3]);
}

// Fragment: the IPv4 fragment of `p` (20-byte header) with payload bytes [from, to).
std::vector<uint8_t> Fragment(const std::vector<uint8_t>& p, size_t from, size_t to, bool more) {
  std::vector<uint8_t> f(20 + (to - from));
  std::memcpy(f.data(), p.data(), 20);
  std::memcpy(f.data() + 20, p.data() + 20 + from, to - from);
  f[2] = static_cast<uint8_t>(f.size() >> 8);
  f[3] = static_cast<uint8_t>(f.size());
  const uint16_t frag = static_cast<uint16_t>((more ? 0x2000 : 0) | (from / 8));
  f[6] = static_cast<uint8_t>(frag >> 8);
  f[7] = static_cast<uint8_t>(frag);
  f[10] = f[11] = 0;
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(f[i] << 8 | f[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  f[10] = static_cast<uint8_t>(~sum >> 8);
  f[11] = static_cast<uint8_t>(~sum);
  return f;
}

TEST(EngineTraffic, OuterFragmentsReassembledOnlyWhereConfigured) {
  std::vector<uint8_t> inner = MakeUdpPacket(Ip("172.17.2.20"), Ip("172.17.1.10"), 600, 9);
  std::vector<uint8_t> outer = WrapIpv4(inner, Ip("2.2.2.3"), Ip("1.1.1.3"), kProtoGre);
  const size_t payload = outer.size() - 20;
  std::vector<uint8_t> first = Fragment(outer, 0, 304, true);
  std::vector<uint8_t> second = Fragment(outer, 304, payload, false);

  // Without reassembly (the default) the fragments of the tunnel are dropped.
  std::unique_ptr<Router> plain = MakeRouter(ReadEngineVector("router_a.cfg"));
  EXPECT_EQ(plain->Public(first).reason, DropReason::kReassemblyDisabled);

  // `reassembly 2000` on plain-gre: the first is held, the second completes the datagram,
  // which is decapsulated and delivered byte for byte from a spare buffer.
  std::unique_ptr<Router> a =
      MakeRouter(Replace(ReadEngineVector("router_a.cfg"), "backup-remote-ip 3.3.3.3\n",
                         "backup-remote-ip 3.3.3.3\n      reassembly 2000\n"));
  EXPECT_EQ(a->Public(first).action, Action::kConsumed);
  EngineVerdict v = a->Public(second);
  EXPECT_EQ(v.action, Action::kConsumed);
  EXPECT_EQ(v.outputs, 1);
  ASSERT_EQ(a->transport.private_out.size(), 1u);
  EXPECT_EQ(a->transport.private_out[0].bytes, inner);
  EXPECT_EQ(a->engine->IpTunnelTraffic(kPlainGre)->in_octets, inner.size());
  EXPECT_EQ(a->engine->SapTraffic(100, Sap("tunnel-1.public:200"))->in_octets, outer.size());
  // A lone fragment times out on the engine's timer.
  EXPECT_EQ(a->Public(first, MonoTime{0}).action, Action::kConsumed);
  EXPECT_LT(a->engine->OnTimer(MonoTime{0}), MonoTime::Infinite());
  EXPECT_EQ(a->engine->OnTimer(MonoTime{0} + Duration::Seconds(3)), MonoTime::Infinite());
}

TEST(EngineTraffic, EspWithAnotherTunnelsSaIsDropped) {
  // Router A gets a second ipsec-tunnel on the same local gateway, peer 2.2.2.9. An ESP
  // packet from 2.2.2.9 carrying the SPI of the first tunnel's SA authenticates (the outer
  // addresses are not covered by the ICV) but belongs to another tunnel: dropped.
  std::string text =
      Replace(ReadEngineVector("router_a.cfg"), "  exit\n  interface \"public-gre-1\"",
              "    ipsec-tunnel \"second\" create\n"
              "      security-policy 1\n"
              "      local-gateway-address 1.1.1.2 peer 2.2.2.9 delivery-service 100\n"
              "      manual-keying\n"
              "        security-association 1 authentication-key "
              "0x000102030405060708090a0b0c0d0e0f10111213 encryption-key "
              "0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f "
              "spi 3000 transform 1 direction inbound\n"
              "        security-association 1 authentication-key "
              "0x000102030405060708090a0b0c0d0e0f10111213 encryption-key "
              "0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f "
              "spi 4000 transform 1 direction outbound\n"
              "      exit\n"
              "      no shutdown\n"
              "    exit\n"
              "  exit\n  interface \"public-gre-1\"");
  std::unique_ptr<Router> a = MakeRouter(text);
  ASSERT_TRUE(a->engine->runtime().IpsecTunnelStatus({101, "second"}).up());
  std::unique_ptr<Router> b = MakeRouter(ReadEngineVector("router_b.cfg"));
  b->Private(101, MakeUdpPacket(Ip("172.16.2.20"), Ip("172.16.1.10"), 40));
  ASSERT_EQ(b->transport.public_out.size(), 1u);
  std::vector<uint8_t> esp = b->transport.public_out[0].bytes;  // SPI 1000, from 2.2.2.2
  std::vector<uint8_t> spoofed = SetIpv4Source(esp, Ip("2.2.2.9"));
  EXPECT_EQ(a->Public(spoofed).reason, DropReason::kWrongTunnel);
  EXPECT_TRUE(a->transport.private_out.empty());
  EXPECT_EQ(a->engine->IpsecTunnelTraffic({101, "second"})->in_packets, 0u);
}

TEST(EngineTraffic, BurstVerdictsStayInOrder) {
  RouterPair pair;
  std::vector<std::vector<uint8_t>> in = {
      MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 10, 1),
      MakeUdpPacket(Ip("172.16.1.10"), Ip("8.8.8.8"), 10, 2),
      MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.21"), 10, 3)};
  std::vector<TestBuffer> buffers;
  for (const auto& p : in) buffers.emplace_back(p);
  std::vector<PacketRef> refs;
  for (TestBuffer& b : buffers) refs.push_back(b.ref());
  std::vector<EngineVerdict> v(3);
  pair.a().engine->OnPrivatePackets(kVprn101, refs, v, MonoTime{});
  EXPECT_EQ(v[0].action, Action::kForward);
  EXPECT_EQ(v[1].reason, DropReason::kNoRoute);
  EXPECT_EQ(v[2].action, Action::kForward);
  pair.Pump();
  ASSERT_EQ(pair.b().transport.private_out.size(), 2u);
  EXPECT_EQ(pair.b().transport.private_out[0].bytes, in[0]);
  EXPECT_EQ(pair.b().transport.private_out[1].bytes, in[2]);
}

// The service-qualified public entry point: one public address (1.1.1.3, plain-gre's source in
// IES 100) also used by a GRE tunnel delivered by IES 200, another routing instance. Told which
// service received them, the engine demultiplexes each packet within that service; the
// unqualified call gives the address to the lowest service id (100).
TEST(EngineTraffic, ServiceQualifiedPublicEntryKeepsRoutingInstancesApart) {
  std::string a = ReadEngineVector("router_a.cfg");
  a += "config service ies 200 customer 1 create\n"
       "  interface \"public-200\" create\n"
       "    address 1.1.1.1/24\n"
       "    sap tunnel-1.public:300 create\n"
       "  exit\n"
       "  static-route 9.9.9.0/24 next-hop 1.1.1.254\n"
       "exit all\n"
       "config service vprn 102 customer 1 create\n"
       "  interface \"private-gre-200\" tunnel create\n"
       "    address 10.0.9.1/30\n"
       "    sap tunnel-1.private:209 create\n"
       "    ip-tunnel \"gre-200\" create\n"
       "      gre-header\n"
       "      dest-ip 10.0.9.2\n"
       "      source 1.1.1.3\n"
       "      remote-ip 9.9.9.9\n"
       "      delivery-service 200\n"
       "      no shutdown\n"
       "    exit\n"
       "  exit\n"
       "exit all\n";
  std::unique_ptr<Router> r = MakeRouter(a);
  ASSERT_TRUE(r->engine->runtime().IpTunnelStatus({102, "gre-200"}).up())
      << r->engine->runtime().IpTunnelStatus({102, "gre-200"}).reasons.front();
  const std::vector<uint8_t> inner = MakeUdpPacket(Ip("172.17.2.20"), Ip("172.17.1.10"), 80, 1);
  const std::vector<uint8_t> gre = WrapIpv4(inner, Ip("9.9.9.9"), Ip("1.1.1.3"), 47);
  std::vector<TestBuffer> buffers;
  buffers.reserve(4);
  std::vector<PacketRef> refs;
  for (int k = 0; k < 3; ++k) refs.push_back(buffers.emplace_back(gre).ref());
  std::vector<EngineVerdict> v(refs.size());
  r->engine->OnPublicPackets(200, refs, v, MonoTime{});  // IES 200 received them
  for (const EngineVerdict& x : v) EXPECT_EQ(x.action, Action::kDeliver);
  ASSERT_EQ(r->transport.private_out.size(), 3u);
  EXPECT_EQ(r->transport.private_out[0].bytes, inner);
  // The same packet given without the service lands in IES 100, which has no such tunnel.
  EXPECT_EQ(r->Public(gre).reason, DropReason::kNotForUs);
  // A service the configuration lacks.
  TestBuffer other(gre);
  EngineVerdict ov;
  r->engine->OnPublicPackets(999, {&other.ref(), 1}, {&ov, 1}, MonoTime{});
  EXPECT_EQ(ov.reason, DropReason::kUnknownService);
}

}  // namespace
}  // namespace tunnelisa::testing
