// Tunnel ip-mtu: IPv4 fragmentation before encapsulation (RFC 791), ICMP "fragmentation
// needed" for DF packets (RFC 1191), ICMPv6 Packet Too Big (RFC 4443), clear-df-bit, the ICMP
// rate limit and the rules that suppress errors.
#include <algorithm>
#include <cstring>
#include <vector>

#include "dataplane/gre_test_util.h"
#include "dataplane/ip_header.h"
#include "gtest/gtest.h"
#include "tunnelisa/gre_ipip.h"

namespace tunnelisa {
namespace {

using dataplane::Load16;
using dataplane::Load32;
using dataplane::Store16;
using testing::Burst;
using testing::Bytes;
using testing::DropCount;
using testing::Ip;
using testing::Ipv4ChecksumOk;
using testing::MakeUdpPacket;
using testing::Spares;

constexpr MonoTime kNow{5000000000};

IpTunnelConfig MtuTunnel(uint16_t mtu, IpTunnelType type = IpTunnelType::kGre) {
  IpTunnelConfig c;
  c.type = type;
  c.local = Ip("192.0.2.1");
  c.remote = Ip("198.51.100.1");
  c.ip_mtu = mtu;
  c.icmp_source_v4 = Ip("10.255.0.1");
  c.icmp_source_v6 = Ip("2001:db8:ff::1");
  return c;
}

// Inner: strips the outer IPv4 + 4-byte GRE header of one of our packets.
std::vector<uint8_t> Inner(const PacketRef& p, uint32_t overhead = 24) {
  return {p.data() + overhead, p.data() + p.length};
}

// Rebuild: concatenates IPv4 fragments (given in order) into the original packet, checking
// offsets, MF, identification and header checksums on the way.
std::vector<uint8_t> Rebuild(const std::vector<std::vector<uint8_t>>& frags) {
  std::vector<uint8_t> out;
  uint32_t expect_off = 0;
  for (size_t k = 0; k < frags.size(); ++k) {
    const auto& f = frags[k];
    EXPECT_TRUE(Ipv4ChecksumOk(f.data())) << k;
    const uint32_t ihl = (f[0] & 0x0f) * 4u;
    EXPECT_EQ(Load16(&f[2]), f.size());
    EXPECT_EQ(Load16(&f[4]), Load16(&frags[0][4])) << "same identification";
    const uint16_t word = Load16(&f[6]);
    EXPECT_EQ((word & 0x1fff) * 8u, expect_off) << k;
    EXPECT_EQ((word & 0x2000) != 0, k + 1 < frags.size()) << "MF on all but the last";
    if (k == 0) out.assign(f.begin(), f.begin() + ihl);
    out.insert(out.end(), f.begin() + ihl, f.end());
    expect_off += static_cast<uint32_t>(f.size() - ihl);
  }
  Store16(&out[2], static_cast<uint16_t>(out.size()));
  Store16(&out[6], 0);
  Store16(&out[10], 0);
  Store16(&out[10], dataplane::InternetChecksum(out.data(), (out[0] & 0x0f) * 4u));
  return out;
}

TEST(GreMtu, FragmentsIpv4BeforeEncapsulation) {
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelHandle t = dp->Add(MtuTunnel(576)).value();
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 1372, 9);  // 1400 bytes
  Burst b;
  b.Add(MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 100));  // small: passes whole
  b.Add(inner);
  Spares spares(4);
  dp->Encap(t, b.refs(), b.verdicts(), kNow, spares.get());
  ASSERT_EQ(b.verdict(0).action, Verdict::Action::kForward);
  ASSERT_EQ(b.verdict(1).action, Verdict::Action::kForward) << DropReasonName(b.verdict(1).reason);
  // 1380 data bytes: 552 + 552 + 276.
  ASSERT_EQ(spares.used(), 2u);
  std::vector<std::vector<uint8_t>> frags = {Inner(b[1])};
  for (size_t k = 0; k < spares.used(); ++k) {
    EXPECT_EQ(spares.origin(k), 1u);
    ASSERT_EQ(spares.verdict(k).action, Verdict::Action::kForward);
    EXPECT_EQ(spares.verdict(k).sa, t.index);
    frags.push_back(Inner(spares.packet(k)));
  }
  EXPECT_EQ(frags[0].size(), 572u);
  EXPECT_EQ(frags[1].size(), 572u);
  EXPECT_EQ(frags[2].size(), 296u);
  for (const auto& f : frags) EXPECT_LE(f.size(), 576u);
  EXPECT_EQ(Rebuild(frags), inner);
  // Each fragment is a whole GRE packet with its own outer header.
  const PacketRef& last = spares.packet(1);
  EXPECT_EQ(Load16(last.data() + 2), last.length);
  EXPECT_TRUE(Ipv4ChecksumOk(last.data()));
  EXPECT_EQ(Load16(last.data() + 22), 0x0800);
  const IpTunnelCounters& c = *dp->Counters(t);
  EXPECT_EQ(c.out_packets, 4u);
  EXPECT_EQ(c.fragments_made, 2u);
}

TEST(GreMtu, OuterNeverExceedsMtuPlusOverhead) {
  for (IpTunnelType type : {IpTunnelType::kGre, IpTunnelType::kIpIp}) {
    for (uint16_t mtu : {68, 100, 576, 1000, 1400}) {
      auto dp = IpTunnelDataplane::Create({}).value();
      IpTunnelConfig c = MtuTunnel(mtu, type);
      if (type == IpTunnelType::kGre) {
        c.key = 1;
        c.gre_checksum = true;
      }
      IpTunnelHandle t = dp->Add(c).value();
      const uint32_t overhead = type == IpTunnelType::kGre ? 32 : 20;
      for (size_t payload = 0; payload < 3000; payload += 97) {
        auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), payload, 3);
        Burst b;
        b.Add(inner);
        Spares spares(64);
        dp->Encap(t, b.refs(), b.verdicts(), kNow, spares.get());
        ASSERT_EQ(b.verdict(0).action, Verdict::Action::kForward) << mtu << " " << payload;
        std::vector<std::vector<uint8_t>> frags = {Inner(b[0], overhead)};
        EXPECT_LE(b[0].length, mtu + overhead);
        for (size_t k = 0; k < spares.used(); ++k) {
          EXPECT_LE(spares.packet(k).length, mtu + overhead);
          frags.push_back(Inner(spares.packet(k), overhead));
        }
        EXPECT_EQ(frags.size() == 1 ? frags[0] : Rebuild(frags), inner) << mtu << " " << payload;
      }
    }
  }
}

TEST(GreMtu, RefragmentsAFragmentAndCopiesOnlyCopiedOptions) {
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelHandle t = dp->Add(MtuTunnel(100)).value();
  // A 20 + 12 option bytes header: Record Route (7, not copied, 7 bytes), NOP, Security-like
  // option 130 (copied, 4 bytes).
  auto base = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 192, 1);
  std::vector<uint8_t> inner(base.begin(), base.begin() + 20);
  const uint8_t opts[12] = {7, 7, 4, 0, 0, 0, 0, 1, 130, 4, 0xab, 0xcd};
  inner.insert(inner.end(), opts, opts + 12);
  inner.insert(inner.end(), base.begin() + 20, base.end());
  inner[0] = 0x48;
  Store16(&inner[2], static_cast<uint16_t>(inner.size()));
  Store16(&inner[6], 0x2000 | 50);  // already a fragment: offset 400, more to come
  Store16(&inner[10], 0);
  Store16(&inner[10], dataplane::InternetChecksum(inner.data(), 32));
  Burst b;
  b.Add(inner);
  Spares spares(8);
  dp->Encap(t, b.refs(), b.verdicts(), kNow, spares.get());
  ASSERT_EQ(b.verdict(0).action, Verdict::Action::kForward);
  ASSERT_EQ(spares.used(), 2u);  // 200 data bytes: 64 + 72 + 64
  auto f0 = Inner(b[0]);
  EXPECT_EQ(f0.size(), 32u + 64);
  EXPECT_EQ(0, std::memcmp(&f0[20], opts, 12)) << "first fragment keeps every option";
  uint32_t off = 64;
  for (size_t k = 0; k < 2; ++k) {
    auto f = Inner(spares.packet(k));
    EXPECT_EQ(f[0], 0x46);  // 20 + 4 bytes: only option 130
    EXPECT_EQ(0, std::memcmp(&f[20], opts + 8, 4));
    EXPECT_TRUE(Ipv4ChecksumOk(f.data()));
    EXPECT_EQ(Load16(&f[6]) & 0x1fff, (400 + off) / 8);
    EXPECT_NE(Load16(&f[6]) & 0x2000, 0) << "the original had MF: every piece keeps it";
    EXPECT_EQ(0, std::memcmp(&f[24], &inner[32 + off], f.size() - 24));
    off += static_cast<uint32_t>(f.size() - 24);
  }
  EXPECT_EQ(off, 200u);
  EXPECT_EQ(Load16(&f0[6]), 0x2000 | 50);
}

TEST(GreMtu, NotEnoughSparesIsACountedDrop) {
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelHandle t = dp->Add(MtuTunnel(576)).value();
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 1372);
  for (int variant = 0; variant < 3; ++variant) {
    Burst b;
    b.Add(inner);
    Spares one(1);
    Spares tiny(4, 100);
    SpareBuffers* s = variant == 0 ? nullptr : variant == 1 ? one.get() : tiny.get();
    dp->Encap(t, b.refs(), b.verdicts(), kNow, s);
    EXPECT_EQ(b.verdict(0).reason, DropReason::kNoSpareBuffer) << variant;
    if (s != nullptr) {
      EXPECT_EQ(s->used, 0u);
    }
  }
  EXPECT_EQ(DropCount(dp->Counters(t)->drops, DropReason::kNoSpareBuffer), 3u);
}

TEST(GreMtu, DfSetProducesIcmpFragmentationNeeded) {
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelHandle t = dp->Add(MtuTunnel(1000)).value();
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 1372, 7, 0x28, /*df=*/true);
  Burst b;
  b.Add(inner);
  dp->Encap(t, b.refs(), b.verdicts(), kNow);
  ASSERT_EQ(b.verdict(0).action, Verdict::Action::kDeliver);
  EXPECT_EQ(b.verdict(0).reason, DropReason::kTooBigForMtu);
  auto icmp = Bytes(b[0]);
  ASSERT_EQ(icmp.size(), 576u) << "RFC 1812 4.3.2.3: as much as fits in 576 bytes";
  EXPECT_EQ(icmp[0], 0x45);
  EXPECT_EQ(icmp[1], 0xc0);
  EXPECT_EQ(Load16(&icmp[2]), 576);
  EXPECT_EQ(Load16(&icmp[6]), 0) << "no DF, no fragment";
  EXPECT_EQ(icmp[8], 64);
  EXPECT_EQ(icmp[9], 1);
  EXPECT_TRUE(Ipv4ChecksumOk(icmp.data()));
  EXPECT_EQ(0, std::memcmp(&icmp[12], Ip("10.255.0.1").bytes(), 4));
  EXPECT_EQ(0, std::memcmp(&icmp[16], Ip("10.0.0.1").bytes(), 4)) << "back to the sender";
  EXPECT_EQ(icmp[20], 3);
  EXPECT_EQ(icmp[21], 4);
  EXPECT_EQ(dataplane::InternetChecksum(&icmp[20], icmp.size() - 20), 0) << "ICMP checksum";
  EXPECT_EQ(Load16(&icmp[24]), 0) << "unused";
  EXPECT_EQ(Load16(&icmp[26]), 1000) << "next-hop MTU";
  EXPECT_EQ(0, std::memcmp(&icmp[28], inner.data(), 548)) << "quotes the invoking packet";
  const IpTunnelCounters& c = *dp->Counters(t);
  EXPECT_EQ(c.icmp_sent, 1u);
  EXPECT_EQ(c.out_packets, 0u);
  EXPECT_EQ(DropCount(c.drops, DropReason::kTooBigForMtu), 1u);

  // A short packet is quoted whole: make the MTU small.
  IpTunnelConfig small = MtuTunnel(100);
  small.remote = Ip("198.51.100.2");
  IpTunnelHandle t2 = dp->Add(small).value();
  auto inner2 = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 100, 7, 0, true);
  Burst b2;
  b2.Add(inner2);
  dp->Encap(t2, b2.refs(), b2.verdicts(), kNow);
  ASSERT_EQ(b2.verdict(0).action, Verdict::Action::kDeliver);
  auto icmp2 = Bytes(b2[0]);
  ASSERT_EQ(icmp2.size(), 28 + inner2.size());
  EXPECT_EQ(Load16(&icmp2[26]), 100);
  EXPECT_EQ(dataplane::InternetChecksum(&icmp2[20], icmp2.size() - 20), 0);
  EXPECT_EQ(std::vector<uint8_t>(icmp2.begin() + 28, icmp2.end()), inner2);
}

TEST(GreMtu, ClearDfLetsPacketsFragment) {
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelConfig c = MtuTunnel(576);
  c.clear_df = true;
  IpTunnelHandle t = dp->Add(c).value();
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 1000, 7, 0, /*df=*/true);
  Burst b;
  b.Add(inner);
  b.Add(MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 10, 7, 0, /*df=*/true));
  Spares spares(4);
  dp->Encap(t, b.refs(), b.verdicts(), kNow, spares.get());
  ASSERT_EQ(b.verdict(0).action, Verdict::Action::kForward);
  ASSERT_EQ(spares.used(), 1u);
  EXPECT_EQ(Load16(b[0].data() + 6), 0) << "outer DF copies the cleared inner DF";
  auto expected = inner;
  Store16(&expected[6], 0);
  Store16(&expected[10], 0);
  Store16(&expected[10], dataplane::InternetChecksum(expected.data(), 20));
  EXPECT_EQ(Rebuild({Inner(b[0]), Inner(spares.packet(0))}), expected);
  // A small DF packet is not fragmented but its DF is still cleared (checksum kept valid).
  ASSERT_EQ(b.verdict(1).action, Verdict::Action::kForward);
  auto small = Inner(b[1]);
  EXPECT_EQ(Load16(&small[6]) & 0x4000, 0);
  EXPECT_TRUE(Ipv4ChecksumOk(small.data()));
}

TEST(GreMtu, Ipv6TooBigProducesPacketTooBig) {
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelHandle t = dp->Add(MtuTunnel(1300)).value();
  auto inner = MakeUdpPacket(Ip("2001:db8:a::1"), Ip("2001:db8:b::1"), 1400, 3);
  Burst b;
  b.Add(inner);
  b.Add(MakeUdpPacket(Ip("2001:db8:a::1"), Ip("2001:db8:b::1"), 1300 - 48));  // exactly 1300
  dp->Encap(t, b.refs(), b.verdicts(), kNow);
  EXPECT_EQ(b.verdict(1).action, Verdict::Action::kForward);
  EXPECT_EQ(b[1].length, 1300u + 24);
  ASSERT_EQ(b.verdict(0).action, Verdict::Action::kDeliver);
  EXPECT_EQ(b.verdict(0).reason, DropReason::kTooBigForMtu);
  auto icmp = Bytes(b[0]);
  ASSERT_EQ(icmp.size(), 1280u) << "RFC 4443 2.4 (c): no larger than the minimum MTU";
  EXPECT_EQ(icmp[0], 0x60);
  EXPECT_EQ(icmp[1], 0);
  EXPECT_EQ(Load16(&icmp[4]), 1240);
  EXPECT_EQ(icmp[6], 58);
  EXPECT_EQ(icmp[7], 64);
  EXPECT_EQ(0, std::memcmp(&icmp[8], Ip("2001:db8:ff::1").bytes(), 16));
  EXPECT_EQ(0, std::memcmp(&icmp[24], Ip("2001:db8:a::1").bytes(), 16));
  EXPECT_EQ(icmp[40], 2);
  EXPECT_EQ(icmp[41], 0);
  EXPECT_EQ(Load32(&icmp[44]), 1300u);
  uint32_t pseudo = 0;
  for (int i = 8; i < 40; i += 2) pseudo += Load16(&icmp[i]);
  pseudo += 1240 + 58;
  EXPECT_EQ(dataplane::InternetChecksum(&icmp[40], 1240, pseudo), 0) << "ICMPv6 checksum";
  EXPECT_EQ(0, std::memcmp(&icmp[48], inner.data(), 1232));
}

TEST(GreMtu, Ipv6LimitIsAtLeast1280) {
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelHandle t = dp->Add(MtuTunnel(576)).value();
  Burst b;
  b.Add(MakeUdpPacket(Ip("2001:db8:a::1"), Ip("2001:db8:b::1"), 1280 - 48));
  b.Add(MakeUdpPacket(Ip("2001:db8:a::1"), Ip("2001:db8:b::1"), 1281 - 48));
  dp->Encap(t, b.refs(), b.verdicts(), kNow);
  EXPECT_EQ(b.verdict(0).action, Verdict::Action::kForward);
  ASSERT_EQ(b.verdict(1).action, Verdict::Action::kDeliver);
  EXPECT_EQ(Load32(b[1].data() + 44), 1280u) << "Packet Too Big never reports below 1280";
}

TEST(GreMtu, IcmpErrorsAreRateLimitedPerTunnel) {
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelConfig c = MtuTunnel(576);
  c.icmp_rate = 10;
  c.icmp_burst = 5;
  IpTunnelHandle t = dp->Add(c).value();
  IpTunnelConfig c2 = MtuTunnel(576);
  c2.remote = Ip("198.51.100.2");
  IpTunnelHandle other = dp->Add(c2).value();
  auto big = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 1000, 0, 0, true);
  auto send = [&](IpTunnelHandle h, MonoTime now) {
    Burst b;
    b.Add(big);
    dp->Encap(h, b.refs(), b.verdicts(), now);
    EXPECT_EQ(b.verdict(0).reason, DropReason::kTooBigForMtu);
    return b.verdict(0).action == Verdict::Action::kDeliver;
  };
  int sent = 0;
  for (int i = 0; i < 20; ++i) sent += send(t, kNow);
  EXPECT_EQ(sent, 5) << "the burst";
  EXPECT_TRUE(send(other, kNow)) << "another tunnel has its own bucket";
  EXPECT_FALSE(send(t, kNow + Duration::Milliseconds(99)));
  EXPECT_TRUE(send(t, kNow + Duration::Milliseconds(100))) << "10 per second";
  EXPECT_FALSE(send(t, kNow + Duration::Milliseconds(150)));
  sent = 0;
  for (int i = 0; i < 20; ++i) sent += send(t, kNow + Duration::Seconds(10));
  EXPECT_EQ(sent, 5) << "refilled to the burst, not beyond";
  const IpTunnelCounters& k = *dp->Counters(t);
  EXPECT_EQ(k.icmp_sent, 11u);
  EXPECT_EQ(k.icmp_rate_limited, 32u);
  EXPECT_EQ(DropCount(k.drops, DropReason::kTooBigForMtu), 43u);

  IpTunnelConfig none = MtuTunnel(576);
  none.remote = Ip("198.51.100.3");
  none.icmp_rate = 0;
  IpTunnelHandle silent = dp->Add(none).value();
  EXPECT_FALSE(send(silent, kNow));
  EXPECT_EQ(dp->Counters(silent)->icmp_rate_limited, 1u);
}

TEST(GreMtu, IcmpSuppressedWhereTheRfcsForbidIt) {
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelHandle t = dp->Add(MtuTunnel(576)).value();
  IpTunnelConfig nosrc = MtuTunnel(576);
  nosrc.remote = Ip("198.51.100.2");
  nosrc.icmp_source_v4 = IpAddress();
  IpTunnelHandle t_nosrc = dp->Add(nosrc).value();
  auto big = [](const char* src, const char* dst) {
    return MakeUdpPacket(Ip(src), Ip(dst), 1000, 0, 0, true);
  };
  auto icmp_error = big("10.0.0.1", "10.0.1.1");
  icmp_error[9] = 1;
  icmp_error[20] = 11;  // time exceeded
  Store16(&icmp_error[10], 0);
  Store16(&icmp_error[10], dataplane::InternetChecksum(icmp_error.data(), 20));
  auto echo = icmp_error;
  echo[20] = 8;  // echo request: an error about it is fine
  struct Case {
    std::vector<uint8_t> bytes;
    IpTunnelHandle tunnel;
    bool icmp;
  };
  std::vector<Case> cases = {
      {big("10.0.0.1", "239.1.1.1"), t, false},  // multicast destination
      {big("10.0.0.1", "255.255.255.255"), t, false},
      {big("0.0.0.0", "10.0.1.1"), t, false},  // source not a host
      {big("127.0.0.1", "10.0.1.1"), t, false},
      {big("224.0.0.5", "10.0.1.1"), t, false},
      {icmp_error, t, false},
      {echo, t, true},
      {big("10.0.0.1", "10.0.1.1"), t_nosrc, false},  // no private-side address
  };
  uint64_t suppressed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    Burst b;
    b.Add(cases[i].bytes);
    dp->Encap(cases[i].tunnel, b.refs(), b.verdicts(), kNow);
    EXPECT_EQ(b.verdict(0).reason, DropReason::kTooBigForMtu) << i;
    EXPECT_EQ(b.verdict(0).action == Verdict::Action::kDeliver, cases[i].icmp) << i;
    suppressed += cases[i].icmp ? 0 : 1;
  }
  EXPECT_EQ(dp->Counters(t)->icmp_suppressed + dp->Counters(t_nosrc)->icmp_suppressed, suppressed);
}

}  // namespace
}  // namespace tunnelisa
