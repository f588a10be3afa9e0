// An ipsec-tunnel's ip-mtu (fragmentation before ESP, ICMP / ICMPv6 errors, clear-df-bit, the
// outer size bound) and reassembly of fragmented ESP by the tunnel group's `reassembly`, with
// Router A and Router B of tests/vectors/engine/ back to back.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine_test_util.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"
#include "tunnelisa/reassembly.h"

namespace tunnelisa::testing {
namespace {

using Action = Verdict::Action;

constexpr uint32_t kMtu = 600;
// The tunnel's ESP overhead (transform 1: aes256 + sha1, IPv4 outer, no NAT-T): outer IPv4,
// ESP header, IV, at most 15 pad bytes + pad length + next header, ICV.
constexpr uint32_t kEspOverhead = 20 + 8 + 16 + (15 + 2) + 12;

const char kTunnelLine[] =
    "      local-gateway-address 1.1.1.2 peer 2.2.2.2 delivery-service 100\n";
const char kPrivateIf[] = "  interface \"private-ipsec-1\" tunnel create\n";

uint16_t Load16(const std::vector<uint8_t>& p, size_t at) {
  return static_cast<uint16_t>(p[at] << 8 | p[at + 1]);
}
size_t Count(const EngineCounters& c, DropReason r) { return c.drops[static_cast<size_t>(r)]; }

// RouterA: router_a.cfg with `extra` lines in the ipsec-tunnel and, when `address` is set, that
// address on its private tunnel interface.
std::unique_ptr<Router> RouterA(const std::string& extra, const std::string& address) {
  std::string text = ReadEngineVector("router_a.cfg");
  text = Replace(text, kTunnelLine, std::string(kTunnelLine) + extra);
  if (!address.empty()) {
    text = Replace(text, kPrivateIf, std::string(kPrivateIf) + "    address " + address + "\n");
  }
  return MakeRouter(text);
}

// WithGroupReassembly: `text` with `reassembly` on tunnel-group 1 (the ipsec-tunnel's).
std::string WithGroupReassembly(std::string text) {
  return Replace(text, "  tunnel-group 1 create\n    primary 1/1\n",
                 "  tunnel-group 1 create\n    primary 1/1\n    reassembly 2000\n");
}

// Reassemble: the IPv4 datagram the fragments make (as the far host would rebuild it), or an
// empty vector when they do not complete one.
std::vector<uint8_t> Reassemble(const std::vector<Output>& fragments) {
  std::unique_ptr<Reassembler> r = Reassembler::Create({}).value();
  std::vector<uint8_t> buffer(kPacketHeadroom + 65536);
  PacketRef out =
      PacketRef::WithHeadroom(buffer.data(), static_cast<uint32_t>(buffer.size()), kPacketHeadroom);
  for (const Output& f : fragments) {
    ReassemblyResult res = r->Add(f.bytes, MonoTime{}, out);
    if (res.status == ReassemblyResult::kComplete) {
      return std::vector<uint8_t>(out.data(), out.data() + out.length);
    }
    EXPECT_EQ(res.status, ReassemblyResult::kHeld) << DropReasonName(res.reason);
  }
  return {};
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

// A payload packet from Router A's side (192.168.1.0/24) to Router B's (192.168.2.0/24): inside
// the security policy, routed into the ipsec-tunnel, delivered on B's "public-gre-1".
std::vector<uint8_t> Payload(size_t udp_payload, bool df) {
  return MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.20"), udp_payload, 7, 0, df);
}

TEST(EngineIpsecMtu, LargeIpv4PayloadIsFragmentedBeforeEsp) {
  std::unique_ptr<Router> a = RouterA("      ip-mtu 600\n", "");
  std::unique_ptr<Router> b = MakeRouter(ReadEngineVector("router_b.cfg"));
  const std::vector<uint8_t> big = Payload(1372, /*df=*/false);
  ASSERT_EQ(big.size(), 1400u);
  EngineVerdict v = a->Private(kVprn101, big);
  EXPECT_EQ(v.action, Action::kForward);
  // 1380 data bytes in 576-byte chunks (a multiple of 8 within 600 - 20): 576 + 576 + 228.
  EXPECT_EQ(v.outputs, 3);
  ASSERT_EQ(a->transport.public_out.size(), 3u);
  for (const Output& o : a->transport.public_out) {
    EXPECT_EQ(o.bytes[9], kProtoEsp);
    EXPECT_LE(o.bytes.size(), kMtu + kEspOverhead);  // the guide's M + N bound
    EXPECT_EQ(o.interface, "public-ipsec-1");
  }
  EXPECT_EQ(a->engine->IpsecTunnelTraffic(kIpsec)->out_packets, 3u);
  EXPECT_EQ(a->engine->IpsecTunnelTraffic(kIpsec)->out_octets, 596u + 596u + 248u);

  for (const Output& o : a->transport.public_out) {
    EXPECT_EQ(b->Public(o.bytes).action, Action::kDeliver);
  }
  // Each fragment is decrypted and delivered on its own; the far host reassembles them.
  ASSERT_EQ(b->transport.private_out.size(), 3u);
  const std::vector<Output>& frags = b->transport.private_out;
  const size_t sizes[] = {596, 596, 248};
  const uint16_t offsets[] = {0x2000 | 0, 0x2000 | 72, 144};  // MF | offset in 8-byte units
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(frags[k].bytes.size(), sizes[k]) << k;
    EXPECT_EQ(Load16(frags[k].bytes, 6), offsets[k]) << k;
    EXPECT_EQ(Load16(frags[k].bytes, 4), Load16(big, 4)) << k;  // the packet's identification
    EXPECT_EQ(frags[k].interface, "public-gre-1");
  }
  EXPECT_EQ(Reassemble(frags), big);
  EXPECT_EQ(b->engine->IpsecTunnelTraffic(kIpsec)->in_packets, 3u);
  EXPECT_EQ(a->engine->counters().total_drops(), 0u);
  EXPECT_EQ(b->engine->counters().total_drops(), 0u);

  // At the ip-mtu exactly: one packet, not fragmented.
  a->transport.public_out.clear();
  EXPECT_EQ(a->Private(kVprn101, Payload(kMtu - 28, false)).outputs, 1);
  ASSERT_EQ(a->transport.public_out.size(), 1u);
  EXPECT_LE(a->transport.public_out[0].bytes.size(), kMtu + kEspOverhead);
  EXPECT_GT(a->transport.public_out[0].bytes.size(), kMtu);
}

TEST(EngineIpsecMtu, FragmentedPacketKeepsItsPlaceInTheBurst) {
  // small, big (fragmented into three before ESP), small in one burst: sealed and sent in that
  // order, so the ESP sequence numbers follow the order the packets came in.
  std::unique_ptr<Router> a = RouterA("      ip-mtu 600\n", "");
  std::unique_ptr<Router> b = MakeRouter(ReadEngineVector("router_b.cfg"));
  const std::vector<std::vector<uint8_t>> in = {Payload(30, false), Payload(1372, false),
                                                Payload(50, false)};
  const std::vector<EngineVerdict> v = a->PrivateBurst(kVprn101, in);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[1].outputs, 3);
  const std::vector<Output>& out = a->transport.public_out;
  ASSERT_EQ(out.size(), 5u);
  for (size_t k = 0; k < out.size(); ++k) {
    EXPECT_EQ(Load16(out[k].bytes, 24 + 2), k + 1) << k;  // ESP sequence number, low half
  }
  for (const Output& o : out) EXPECT_EQ(b->Public(o.bytes).action, Action::kDeliver);
  ASSERT_EQ(b->transport.private_out.size(), 5u);
  EXPECT_EQ(b->transport.private_out[0].bytes, in[0]);
  EXPECT_EQ(b->transport.private_out[4].bytes, in[2]);
}

TEST(EngineIpsecMtu, WithoutIpMtuNothingIsFragmented) {
  std::unique_ptr<Router> a = RouterA("", "");
  EngineVerdict v = a->Private(kVprn101, Payload(1372, false));
  EXPECT_EQ(v.outputs, 1);
  ASSERT_EQ(a->transport.public_out.size(), 1u);
  EXPECT_GT(a->transport.public_out[0].bytes.size(), 1400u);
}

TEST(EngineIpsecMtu, DfSetReturnsFragmentationNeededRateLimited) {
  std::unique_ptr<Router> a = RouterA("      ip-mtu 600\n", "10.0.9.1/30");
  const std::vector<uint8_t> df = Payload(1372, /*df=*/true);
  EngineVerdict v = a->Private(kVprn101, df);
  EXPECT_EQ(v.action, Action::kDeliver);
  EXPECT_EQ(v.reason, DropReason::kTooBigForMtu);
  EXPECT_TRUE(a->transport.public_out.empty());
  ASSERT_EQ(a->transport.private_out.size(), 1u);
  const Output& icmp = a->transport.private_out[0];
  // Routed back to the sender in VPRN 101: its subnet is the "public-gre-1" interface's.
  EXPECT_EQ(icmp.service, kVprn101);
  EXPECT_EQ(icmp.interface, "public-gre-1");
  const std::vector<uint8_t>& e = icmp.bytes;
  ASSERT_GE(e.size(), 28u + 20u);
  EXPECT_EQ(e[9], 1);                                     // ICMP
  EXPECT_EQ(IpAddress::V4Bytes(&e[12]), Ip("10.0.9.1"));  // the tunnel interface's address
  EXPECT_EQ(IpAddress::V4Bytes(&e[16]), Ip("192.168.1.10"));
  EXPECT_EQ(e[20], 3);             // destination unreachable
  EXPECT_EQ(e[21], 4);             // fragmentation needed and DF set
  EXPECT_EQ(Load16(e, 26), kMtu);  // next-hop MTU (RFC 1191)
  EXPECT_TRUE(std::equal(df.begin(), df.begin() + 20, e.begin() + 28));  // quotes the header
  EXPECT_EQ(Count(a->engine->counters(), DropReason::kTooBigForMtu), 1u);
  EXPECT_EQ(a->engine->IpsecTunnelTraffic(kIpsec)->out_packets, 0u);

  // Per-tunnel rate limit (as for ip-tunnels: a burst of 10, then 10 per second).
  for (int i = 0; i < 9; ++i) EXPECT_EQ(a->Private(kVprn101, df).action, Action::kDeliver);
  v = a->Private(kVprn101, df);
  EXPECT_EQ(v.action, Action::kDrop);
  EXPECT_EQ(v.reason, DropReason::kTooBigForMtu);
  EXPECT_EQ(a->transport.private_out.size(), 10u);
  EXPECT_EQ(Count(a->engine->counters(), DropReason::kTooBigForMtu), 11u);
  EXPECT_EQ(a->Private(kVprn101, df, MonoTime{} + Duration::Seconds(1)).action, Action::kDeliver);
  EXPECT_TRUE(a->transport.public_out.empty());
}

TEST(EngineIpsecMtu, DfSetWithoutInterfaceAddressIsDroppedSilently) {
  std::unique_ptr<Router> a = RouterA("      ip-mtu 600\n", "");
  EngineVerdict v = a->Private(kVprn101, Payload(1372, /*df=*/true));
  EXPECT_EQ(v.action, Action::kDrop);
  EXPECT_EQ(v.reason, DropReason::kTooBigForMtu);
  EXPECT_TRUE(a->transport.private_out.empty());
  EXPECT_TRUE(a->transport.public_out.empty());
  // DF set but within the ip-mtu: sent.
  EXPECT_EQ(a->Private(kVprn101, Payload(500, true)).action, Action::kForward);
}

TEST(EngineIpsecMtu, ClearDfBitLetsDfPacketsBeFragmented) {
  std::unique_ptr<Router> a = RouterA("      ip-mtu 600\n      clear-df-bit\n", "10.0.9.1/30");
  std::unique_ptr<Router> b = MakeRouter(ReadEngineVector("router_b.cfg"));
  EngineVerdict v = a->Private(kVprn101, Payload(1372, /*df=*/true));
  EXPECT_EQ(v.action, Action::kForward);
  EXPECT_EQ(v.outputs, 3);
  EXPECT_TRUE(a->transport.private_out.empty());  // no ICMP error
  ASSERT_EQ(a->transport.public_out.size(), 3u);
  for (const Output& o : a->transport.public_out) {
    EXPECT_LE(o.bytes.size(), kMtu + kEspOverhead);
    EXPECT_EQ(b->Public(o.bytes).action, Action::kDeliver);
  }
  ASSERT_EQ(b->transport.private_out.size(), 3u);
  for (const Output& f : b->transport.private_out) EXPECT_EQ(f.bytes[6] & 0x40, 0);  // DF clear
  // The far host gets the packet with DF cleared (and its checksum fixed): the DF-clear twin.
  EXPECT_EQ(Reassemble(b->transport.private_out), Payload(1372, /*df=*/false));
  EXPECT_EQ(Count(a->engine->counters(), DropReason::kTooBigForMtu), 0u);
}

TEST(EngineIpsecMtu, Ipv6AboveMax1280GetsPacketTooBig) {
  std::string text = ReadEngineVector("router_a.cfg");
  text = Replace(text, kTunnelLine, std::string(kTunnelLine) + "      ip-mtu 600\n");
  text = Replace(text, kPrivateIf, std::string(kPrivateIf) + "    address 2001:db8:9::1/64\n");
  text = Replace(text, "  interface \"lan\" create\n    address 172.16.1.1/24\n  exit\n",
                 "  interface \"lan\" create\n    address 172.16.1.1/24\n  exit\n"
                 "  interface \"lan6\" create\n    address 2001:db8:1::1/64\n  exit\n"
                 "  static-route 2001:db8:2::/48 next-hop ipsec-tunnel "
                 "\"ipsec-tunnel-for-n-gre-tunnels\"\n");
  std::unique_ptr<Router> a = MakeRouter(text);
  const IpAddress sender = Ip("2001:db8:1::10");
  // Above 600 but within 1280 (the IPv6 minimum link MTU): encrypted whole.
  std::vector<uint8_t> mid = MakeUdpPacket(sender, Ip("2001:db8:2::20"), 1280 - 48, 1);
  ASSERT_EQ(mid.size(), 1280u);
  EngineVerdict v = a->Private(kVprn101, mid);
  EXPECT_EQ(v.action, Action::kForward);
  EXPECT_EQ(v.outputs, 1);
  ASSERT_EQ(a->transport.public_out.size(), 1u);
  EXPECT_GT(a->transport.public_out[0].bytes.size(), 1280u);

  std::vector<uint8_t> big = MakeUdpPacket(sender, Ip("2001:db8:2::20"), 1281 - 48, 2);
  v = a->Private(kVprn101, big);
  EXPECT_EQ(v.action, Action::kDeliver);
  EXPECT_EQ(v.reason, DropReason::kTooBigForMtu);
  EXPECT_EQ(a->transport.public_out.size(), 1u);
  ASSERT_EQ(a->transport.private_out.size(), 1u);
  const Output& o = a->transport.private_out[0];
  EXPECT_EQ(o.interface, "lan6");
  const std::vector<uint8_t>& e = o.bytes;
  ASSERT_GE(e.size(), 48u + 40u);
  EXPECT_EQ(e[0] >> 4, 6);
  EXPECT_EQ(e[6], 58);  // ICMPv6
  EXPECT_EQ(IpAddress::V6Bytes(&e[8]), Ip("2001:db8:9::1"));
  EXPECT_EQ(IpAddress::V6Bytes(&e[24]), sender);
  EXPECT_EQ(e[40], 2);  // Packet Too Big
  EXPECT_EQ(e[41], 0);
  EXPECT_EQ(static_cast<uint32_t>(Load16(e, 44)) << 16 | Load16(e, 46), 1280u);
  EXPECT_TRUE(std::equal(big.begin(), big.begin() + 40, e.begin() + 48));
  EXPECT_LE(e.size(), 1280u);
  EXPECT_EQ(Count(a->engine->counters(), DropReason::kTooBigForMtu), 1u);
}

// EspFromB: the ESP packet Router B sends for a payload of `size` UDP bytes to Router A.
std::vector<uint8_t> EspFromB(const std::vector<uint8_t>& inner) {
  std::unique_ptr<Router> b = MakeRouter(ReadEngineVector("router_b.cfg"));
  EXPECT_EQ(b->Private(kVprn101, inner).action, Action::kForward);
  EXPECT_EQ(b->transport.public_out.size(), 1u);
  return b->transport.public_out.empty() ? std::vector<uint8_t>{}
                                         : b->transport.public_out[0].bytes;
}

std::vector<uint8_t> InnerToA() {
  return MakeUdpPacket(Ip("192.168.2.20"), Ip("192.168.1.10"), 700, 3);
}

TEST(EngineIpsecReassembly, FragmentedEspIsReassembledAndDecrypted) {
  const std::vector<uint8_t> inner = InnerToA();
  const std::vector<uint8_t> esp = EspFromB(inner);
  ASSERT_EQ(esp[9], kProtoEsp);
  const size_t payload = esp.size() - 20;
  std::vector<uint8_t> first = Fragment(esp, 0, 400, true);
  std::vector<uint8_t> second = Fragment(esp, 400, payload, false);

  std::unique_ptr<Router> a = MakeRouter(WithGroupReassembly(ReadEngineVector("router_a.cfg")));
  EngineVerdict v = a->Public(first);
  EXPECT_EQ(v.action, Action::kConsumed);
  EXPECT_EQ(v.outputs, 0);
  EXPECT_TRUE(a->transport.private_out.empty());
  v = a->Public(second);
  EXPECT_EQ(v.action, Action::kConsumed);
  EXPECT_EQ(v.outputs, 1);
  ASSERT_EQ(a->transport.private_out.size(), 1u);
  EXPECT_EQ(a->transport.private_out[0].bytes, inner);
  EXPECT_EQ(a->transport.private_out[0].interface, "public-gre-1");
  EXPECT_EQ(a->engine->IpsecTunnelTraffic(kIpsec)->in_packets, 1u);
  EXPECT_EQ(a->engine->IpsecTunnelTraffic(kIpsec)->in_octets, inner.size());
  EXPECT_EQ(a->engine->counters().consumed, 2u);
  EXPECT_EQ(a->engine->counters().total_drops(), 0u);
  std::optional<config::IpsecTunnelCounters> sa = a->engine->runtime().IpsecCounters(kIpsec);
  ASSERT_TRUE(sa.has_value());
  EXPECT_EQ(sa->inbound_packets, 1u);
}

TEST(EngineIpsecReassembly, OutOfOrderFragmentsAndDuplicates) {
  const std::vector<uint8_t> inner = InnerToA();
  const std::vector<uint8_t> esp = EspFromB(inner);
  const size_t payload = esp.size() - 20;
  std::vector<uint8_t> f1 = Fragment(esp, 0, 256, true);
  std::vector<uint8_t> f2 = Fragment(esp, 256, 512, true);
  std::vector<uint8_t> f3 = Fragment(esp, 512, payload, false);
  std::unique_ptr<Router> a = MakeRouter(WithGroupReassembly(ReadEngineVector("router_a.cfg")));
  EXPECT_EQ(a->Public(f3).action, Action::kConsumed);
  EXPECT_EQ(a->Public(f1).action, Action::kConsumed);
  EXPECT_EQ(a->Public(f1).reason, DropReason::kFragmentDuplicate);  // the Reassembler's reason
  EXPECT_TRUE(a->transport.private_out.empty());
  EngineVerdict v = a->Public(f2);
  EXPECT_EQ(v.action, Action::kConsumed);
  EXPECT_EQ(v.outputs, 1);
  ASSERT_EQ(a->transport.private_out.size(), 1u);
  EXPECT_EQ(a->transport.private_out[0].bytes, inner);
  EXPECT_EQ(Count(a->engine->counters(), DropReason::kFragmentDuplicate), 1u);
  // The same datagram again (a replayed ESP packet, reassembled): refused by anti-replay.
  a->Public(f2);
  a->Public(f1);
  v = a->Public(f3);
  EXPECT_EQ(v.action, Action::kConsumed);
  EXPECT_EQ(v.outputs, 0);
  EXPECT_EQ(Count(a->engine->counters(), DropReason::kReplayed), 1u);
  EXPECT_EQ(a->transport.private_out.size(), 1u);
}

// Slot1: Router A's slot 1/1 as Engine::Slots() reports it (its reassembler included).
Engine::SlotState Slot1(const Router& r) {
  for (const Engine::SlotState& s : r.engine->Slots()) {
    if (s.isa == config::IsaSlot{1, 1}) return s;
  }
  ADD_FAILURE() << "no slot 1/1";
  return {};
}

TEST(EngineIpsecReassembly, LoneFragmentTimesOut) {
  const std::vector<uint8_t> esp = EspFromB(InnerToA());
  std::unique_ptr<Router> a = MakeRouter(WithGroupReassembly(ReadEngineVector("router_a.cfg")));
  EXPECT_EQ(a->Public(Fragment(esp, 0, 400, true), MonoTime{}).action, Action::kConsumed);
  // The held fragment shows in the slot's reassembler, within its pool (allocated once, within
  // EngineOptions::reassembly_memory).
  Engine::SlotState held = Slot1(*a);
  EXPECT_EQ(held.reassembly_pending, 1u);
  EXPECT_GT(held.reassembly_memory, 0u);
  EXPECT_LE(held.reassembly_memory, held.reassembly_pool);
  EXPECT_LE(held.reassembly_pool, EngineOptions{}.reassembly_memory);
  EXPECT_EQ(held.reassembly.fragments, 1u);
  EXPECT_LT(a->engine->OnTimer(MonoTime{}), MonoTime::Infinite());
  EXPECT_EQ(a->engine->OnTimer(MonoTime{} + Duration::Seconds(3)), MonoTime::Infinite());
  // Its timeout is no verdict (the fragment was kConsumed): only the reassembler counts it.
  Engine::SlotState gone = Slot1(*a);
  EXPECT_EQ(gone.reassembly_pending, 0u);
  EXPECT_EQ(gone.reassembly_memory, 0u);
  EXPECT_EQ(gone.reassembly.drops[static_cast<size_t>(DropReason::kReassemblyTimeout)], 1u);
  EXPECT_EQ(a->engine->counters().total_drops(), 0u);
  EXPECT_EQ(a->Public(Fragment(esp, 400, esp.size() - 20, false)).action, Action::kConsumed);
  EXPECT_TRUE(a->transport.private_out.empty());
}

// A multi-active group's `reassembly` wait applies to its members (it was read from single-
// active primaries only); `show isa tunnel-group` lists both active members, and the one
// ipsec-tunnel runs on the first (least loaded) of them.
TEST(EngineIpsecReassembly, MultiActiveGroupWaitApplies) {
  const std::vector<uint8_t> esp = EspFromB(InnerToA());
  const std::string text = Replace(ReadEngineVector("router_a.cfg"),
                                   "  tunnel-group 1 create\n    primary 1/1\n    backup 2/1\n",
                                   "  tunnel-group 1 create multi-active\n    mda 1/1\n"
                                   "    mda 4/1\n    active-mda-number 2\n    reassembly 500\n");
  std::unique_ptr<Router> a = MakeRouter(text);
  EXPECT_EQ(a->engine->runtime().ActiveIsas(1), (std::vector<config::IsaSlot>{{1, 1}, {4, 1}}));
  EXPECT_EQ(a->engine->TunnelIsa(kIpsec, /*ipsec=*/true), (config::IsaSlot{1, 1}));
  const std::string show =
      a->engine->Show(std::vector<std::string>{"isa", "tunnel-group"}, config::ShowFormat::kJson)
          .value();
  EXPECT_NE(show.find("\"active\":[\"1/1\",\"4/1\"]"), std::string::npos) << show;
  EXPECT_EQ(a->Public(Fragment(esp, 0, 400, true), MonoTime{}).action, Action::kConsumed);
  EXPECT_LE(a->engine->OnTimer(MonoTime{} + Duration::Milliseconds(400)),
            MonoTime{} + Duration::Milliseconds(500));
  EXPECT_EQ(a->engine->OnTimer(MonoTime{} + Duration::Milliseconds(600)), MonoTime::Infinite());
  EXPECT_EQ(a->Public(Fragment(esp, 400, esp.size() - 20, false)).action, Action::kConsumed);
  EXPECT_TRUE(a->transport.private_out.empty());  // the first fragment was gone
}

TEST(EngineIpsecReassembly, DisabledDropsFragments) {
  const std::vector<uint8_t> esp = EspFromB(InnerToA());
  std::unique_ptr<Router> a = MakeRouter(ReadEngineVector("router_a.cfg"));
  EngineVerdict v = a->Public(Fragment(esp, 0, 400, true));
  EXPECT_EQ(v.action, Action::kDrop);
  EXPECT_EQ(v.reason, DropReason::kReassemblyDisabled);
  v = a->Public(Fragment(esp, 400, esp.size() - 20, false));
  EXPECT_EQ(v.reason, DropReason::kReassemblyDisabled);
  EXPECT_EQ(Count(a->engine->counters(), DropReason::kReassemblyDisabled), 2u);
  EXPECT_EQ(Count(a->engine->counters(), DropReason::kOuterFragment), 0u);
  EXPECT_TRUE(a->transport.private_out.empty());
  // Unfragmented ESP still works.
  EXPECT_EQ(a->Public(esp).action, Action::kDeliver);
}

TEST(EngineIpsecReassembly, FragmentsFromAnUnknownPeerAreNotForUs) {
  const std::vector<uint8_t> esp = EspFromB(InnerToA());
  std::unique_ptr<Router> a = MakeRouter(WithGroupReassembly(ReadEngineVector("router_a.cfg")));
  EngineVerdict v = a->Public(SetIpv4Source(Fragment(esp, 0, 400, true), Ip("2.2.2.9")));
  EXPECT_EQ(v.reason, DropReason::kNotForUs);
}

TEST(EngineIpsecReassembly, EndToEndThroughTheIpMtu) {
  // Router A fragments at its ip-mtu before ESP; here the public network then splits one of
  // the ESP packets again, and Router B (reassembly on) puts it back together and decrypts it.
  std::unique_ptr<Router> a = RouterA("      ip-mtu 600\n", "");
  std::unique_ptr<Router> b = MakeRouter(WithGroupReassembly(ReadEngineVector("router_b.cfg")));
  const std::vector<uint8_t> big = Payload(1372, false);
  ASSERT_EQ(a->Private(kVprn101, big).outputs, 3);
  ASSERT_EQ(a->transport.public_out.size(), 3u);
  const std::vector<uint8_t>& esp0 = a->transport.public_out[0].bytes;
  EXPECT_EQ(b->Public(Fragment(esp0, 200, esp0.size() - 20, false)).action, Action::kConsumed);
  EXPECT_EQ(b->Public(Fragment(esp0, 0, 200, true)).outputs, 1);
  EXPECT_EQ(b->Public(a->transport.public_out[1].bytes).action, Action::kDeliver);
  EXPECT_EQ(b->Public(a->transport.public_out[2].bytes).action, Action::kDeliver);
  ASSERT_EQ(b->transport.private_out.size(), 3u);
  EXPECT_EQ(Reassemble(b->transport.private_out), big);
}

}  // namespace
}  // namespace tunnelisa::testing

namespace tunnelisa::testing {
namespace {

// V6Gateways: `text` (router_a.cfg or router_b.cfg) with the ipsec-tunnel between IPv6
// gateways on a second public interface of IES 100: `local` here, `peer` there.
std::string V6Gateways(std::string text, bool router_a) {
  const std::string here = router_a ? "a" : "b", there = router_a ? "b" : "a";
  text = Replace(
      text, "exit all\n\nconfig service vprn 101",
      "  interface \"public-ipsec-6\" create\n    address 2001:db8:" + here +
          "::1/64\n    sap tunnel-1.public:201 create\n  exit\n  static-route 2001:db8:" + there +
          "::/64 next-hop 2001:db8:" + here + "::fe\nexit all\n\nconfig service vprn 101");
  const std::string old = router_a ? "local-gateway-address 1.1.1.2 peer 2.2.2.2"
                                   : "local-gateway-address 2.2.2.2 peer 1.1.1.2";
  return Replace(text, old,
                 "local-gateway-address 2001:db8:" + here + "::2 peer 2001:db8:" + there + "::2");
}

// Fragment6: the IPv6 fragment (RFC 8200 section 4.5) of `p` (40-byte header, no extension
// headers) with payload bytes [from, to).
std::vector<uint8_t> Fragment6(const std::vector<uint8_t>& p, size_t from, size_t to, bool more) {
  std::vector<uint8_t> f(40 + 8 + (to - from));
  std::memcpy(f.data(), p.data(), 40);
  const size_t plen = f.size() - 40;
  f[4] = static_cast<uint8_t>(plen >> 8);
  f[5] = static_cast<uint8_t>(plen);
  f[6] = 44;     // Fragment header
  f[40] = p[6];  // the next header it replaces
  const uint16_t off = static_cast<uint16_t>(from | (more ? 1 : 0));
  f[42] = static_cast<uint8_t>(off >> 8);
  f[43] = static_cast<uint8_t>(off);
  f[47] = 0x2a;  // identification
  std::memcpy(f.data() + 48, p.data() + 40 + from, to - from);
  return f;
}

TEST(EngineIpsecReassembly, Ipv6OuterFragmentsReassembledOrDropped) {
  std::unique_ptr<Router> b = MakeRouter(V6Gateways(ReadEngineVector("router_b.cfg"), false));
  ASSERT_TRUE(b->engine->runtime().IpsecTunnelStatus(kIpsec).up());
  const std::vector<uint8_t> inner = InnerToA();
  ASSERT_EQ(b->Private(kVprn101, inner).action, Action::kForward);
  ASSERT_EQ(b->transport.public_out.size(), 1u);
  const std::vector<uint8_t> esp = b->transport.public_out[0].bytes;
  ASSERT_EQ(esp[0] >> 4, 6);
  ASSERT_EQ(esp[6], kProtoEsp);
  const size_t payload = esp.size() - 40;
  std::vector<uint8_t> f1 = Fragment6(esp, 0, 304, true);
  std::vector<uint8_t> f2 = Fragment6(esp, 304, payload, false);

  std::unique_ptr<Router> a =
      MakeRouter(V6Gateways(WithGroupReassembly(ReadEngineVector("router_a.cfg")), true));
  ASSERT_TRUE(a->engine->runtime().IpsecTunnelStatus(kIpsec).up());
  EXPECT_EQ(a->Public(f2).action, Action::kConsumed);  // out of order
  EngineVerdict v = a->Public(f1);
  EXPECT_EQ(v.action, Action::kConsumed);
  EXPECT_EQ(v.outputs, 1);
  ASSERT_EQ(a->transport.private_out.size(), 1u);
  EXPECT_EQ(a->transport.private_out[0].bytes, inner);
  EXPECT_EQ(a->engine->counters().total_drops(), 0u);

  std::unique_ptr<Router> off = MakeRouter(V6Gateways(ReadEngineVector("router_a.cfg"), true));
  EXPECT_EQ(off->Public(f1).reason, DropReason::kReassemblyDisabled);
  EXPECT_EQ(Count(off->engine->counters(), DropReason::kReassemblyDisabled), 1u);
  EXPECT_EQ(off->Public(esp).action, Action::kDeliver);  // whole packets still decrypt
}

}  // namespace
}  // namespace tunnelisa::testing

namespace tunnelisa::testing {
namespace {

TEST(EngineIpsecMtu, FragmentsNeedSpareBuffers) {
  std::unique_ptr<CryptoRegistry> registry = CryptoRegistry::CreateDefault();
  RecordingTransport transport;
  std::unique_ptr<Engine> a =
      Engine::Create(
          {.crypto = registry.get(), .host = {.transport = &transport}, .spare_buffers = 1})
          .value();
  std::string text = ReadEngineVector("router_a.cfg");
  text = Replace(text, kTunnelLine, std::string(kTunnelLine) + "      ip-mtu 600\n");
  ASSERT_TRUE(a->ApplyConfig(ParseConfig(text), MonoTime{}).ok());
  auto send = [&](const std::vector<uint8_t>& p) {
    TestBuffer b(p);
    EngineVerdict v;
    a->OnPrivatePackets(kVprn101, {&b.ref(), 1}, {&v, 1}, MonoTime{});
    return v;
  };
  // Two fragments need one spare buffer: sent.
  EngineVerdict v = send(Payload(1000, false));
  EXPECT_EQ(v.action, Action::kForward);
  EXPECT_EQ(v.outputs, 2);
  EXPECT_EQ(transport.public_out.size(), 2u);
  // Three need two: the packet is dropped whole, nothing is sent.
  v = send(Payload(1372, false));
  EXPECT_EQ(v.action, Action::kDrop);
  EXPECT_EQ(v.reason, DropReason::kNoSpareBuffer);
  EXPECT_EQ(v.outputs, 0);
  EXPECT_EQ(transport.public_out.size(), 2u);
  EXPECT_EQ(Count(a->counters(), DropReason::kNoSpareBuffer), 1u);
}

}  // namespace
}  // namespace tunnelisa::testing
