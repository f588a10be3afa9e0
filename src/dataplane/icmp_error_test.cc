// ICMP error builders, the rules forbidding errors, and the token bucket, tested directly.
#include "dataplane/icmp_error.h"

#include <cstring>
#include <vector>

#include "dataplane/gre_test_util.h"
#include "gtest/gtest.h"

namespace tunnelisa::dataplane {
namespace {

using testing::Ip;
using testing::MakeUdpPacket;
using testing::TestBuffer;

TEST(IcmpRateLimiter, BurstThenRate) {
  IcmpRateLimiter r;
  r.Configure(2, 3);        // 3 at once, then one per 500 ms
  MonoTime t{-7000000000};  // any epoch, negative too
  EXPECT_TRUE(r.Allow(t));
  EXPECT_TRUE(r.Allow(t));
  EXPECT_TRUE(r.Allow(t));
  EXPECT_FALSE(r.Allow(t));
  EXPECT_FALSE(r.Allow(t + Duration::Milliseconds(499)));
  EXPECT_TRUE(r.Allow(t + Duration::Milliseconds(500)));
  EXPECT_FALSE(r.Allow(t + Duration::Milliseconds(500)));
  // A long pause refills to the burst only.
  int n = 0;
  for (int i = 0; i < 10; ++i) n += r.Allow(t + Duration::Seconds(100));
  EXPECT_EQ(n, 3);
  r.Configure(0, 10);
  EXPECT_FALSE(r.Allow(t));
  r.Configure(10, 0);
  EXPECT_FALSE(r.Allow(t));
  r.Configure(1, 1);
  EXPECT_TRUE(r.Allow(t));
  EXPECT_FALSE(r.Allow(t + Duration::Milliseconds(999)));
  EXPECT_TRUE(r.Allow(t + Duration::Seconds(1)));
}

TEST(IcmpErrorAllowed, Ipv6Rules) {
  auto ok = MakeUdpPacket(Ip("2001:db8::1"), Ip("2001:db8::2"), 10);
  EXPECT_TRUE(IcmpErrorAllowed(ok.data(), static_cast<uint32_t>(ok.size())));
  auto mcast_dst = MakeUdpPacket(Ip("2001:db8::1"), Ip("ff0e::1"), 10);
  EXPECT_TRUE(IcmpErrorAllowed(mcast_dst.data(), static_cast<uint32_t>(mcast_dst.size())))
      << "RFC 4443 2.4 (e.3): Packet Too Big may answer a multicast packet";
  auto unspec = MakeUdpPacket(Ip("::"), Ip("2001:db8::2"), 10);
  EXPECT_FALSE(IcmpErrorAllowed(unspec.data(), static_cast<uint32_t>(unspec.size())));
  auto mcast_src = MakeUdpPacket(Ip("ff02::1"), Ip("2001:db8::2"), 10);
  EXPECT_FALSE(IcmpErrorAllowed(mcast_src.data(), static_cast<uint32_t>(mcast_src.size())));
  // An ICMPv6 error behind a Destination Options header, and an echo request.
  auto err = ok;
  err[6] = 60;
  err[40] = 58;  // next header ICMPv6
  err[41] = 0;   // 8 bytes
  err[48] = 1;   // destination unreachable
  EXPECT_FALSE(IcmpErrorAllowed(err.data(), static_cast<uint32_t>(err.size())));
  err[48] = 128;
  EXPECT_TRUE(IcmpErrorAllowed(err.data(), static_cast<uint32_t>(err.size())));
  std::vector<uint8_t> junk(40, 0);
  junk[0] = 0x50;
  EXPECT_FALSE(IcmpErrorAllowed(junk.data(), 40));
}

TEST(IcmpErrorAllowed, Ipv4NonInitialFragment) {
  auto p = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.0.2"), 10);
  EXPECT_TRUE(IcmpErrorAllowed(p.data(), static_cast<uint32_t>(p.size())));
  Store16(&p[6], 0x4000 | 3);
  EXPECT_FALSE(IcmpErrorAllowed(p.data(), static_cast<uint32_t>(p.size())));
}

TEST(IcmpBuilders, NeedHeadroomAndLeaveThePacketAloneWithout) {
  auto v4 = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.0.2"), 10);
  TestBuffer b4(v4, kIcmpv4ErrorOverhead - 1);
  EXPECT_EQ(BuildIcmpv4FragNeeded(b4.ref(), Ip("10.9.9.9"), 100, 0), DropReason::kNoHeadroom);
  EXPECT_EQ(b4.bytes(), v4);
  auto v6 = MakeUdpPacket(Ip("2001:db8::1"), Ip("2001:db8::2"), 10);
  TestBuffer b6(v6, kIcmpv6ErrorOverhead - 1);
  EXPECT_EQ(BuildIcmpv6PacketTooBig(b6.ref(), Ip("2001:db8::9"), 1280), DropReason::kNoHeadroom);
  EXPECT_EQ(b6.bytes(), v6);
  TestBuffer ok(v4, kIcmpv4ErrorOverhead);
  EXPECT_EQ(BuildIcmpv4FragNeeded(ok.ref(), Ip("10.9.9.9"), 100, 0x1234), DropReason::kNone);
  EXPECT_EQ(ok.ref().offset, 0u);
  EXPECT_EQ(Load16(ok.ref().data() + 4), 0x1234);
}

}  // namespace
}  // namespace tunnelisa::dataplane
