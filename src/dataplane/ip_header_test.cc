#include "dataplane/ip_header.h"

#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::dataplane {
namespace {

using testing::Ip;

TEST(IpHeader, ChecksumOfRfc1071Example) {
  // RFC 1071 section 3 example bytes: 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 (before ~).
  const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(InternetChecksum(d, sizeof d), static_cast<uint16_t>(~0xddf2));
}

TEST(IpHeader, ParsesInnerV4AndV6) {
  auto v4 = testing::MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.0.2"), 5, 0, 0xb8, true);
  InnerIp in;
  ASSERT_EQ(ParseInnerIp(v4.data(), static_cast<uint32_t>(v4.size()), in), DropReason::kNone);
  EXPECT_EQ(in.version, 4);
  EXPECT_EQ(in.tos, 0xb8);
  EXPECT_TRUE(in.df);
  EXPECT_EQ(in.length, v4.size());
  EXPECT_EQ(InnerSource(v4.data(), 4), Ip("10.0.0.1"));
  auto v6 = testing::MakeUdpPacket(Ip("2001:db8::1"), Ip("2001:db8::2"), 5, 0, 0xb8);
  ASSERT_EQ(ParseInnerIp(v6.data(), static_cast<uint32_t>(v6.size()), in), DropReason::kNone);
  EXPECT_EQ(in.version, 6);
  EXPECT_EQ(in.tos, 0xb8);
  EXPECT_EQ(InnerDestination(v6.data(), 6), Ip("2001:db8::2"));
  EXPECT_EQ(ParseInnerIp(v6.data(), 39, in), DropReason::kMalformedInner);
}

TEST(IpHeader, OuterV6FragmentHeaderIsReported) {
  auto v6 = testing::MakeUdpPacket(Ip("2001:db8::1"), Ip("2001:db8::2"), 5);
  v6[6] = 44;
  OuterIp o;
  EXPECT_EQ(ParseOuterIp(v6.data(), static_cast<uint32_t>(v6.size()), o, true),
            DropReason::kOuterFragment);
}

TEST(IpHeader, SetCeKeepsTheChecksumValid) {
  auto v4 = testing::MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.0.2"), 5, 0, 0x01);
  SetInnerEcnCe(v4.data(), 4);
  EXPECT_EQ(v4[1] & 3, 3);
  EXPECT_EQ(InternetChecksum(v4.data(), 20), 0);
}

TEST(IpHeader, ClearDfKeepsTheChecksumValid) {
  auto v4 = testing::MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.0.2"), 5, 0, 0, /*df=*/true);
  ASSERT_EQ(v4[6] & 0x40, 0x40);
  ClearIpv4Df(v4.data());
  EXPECT_EQ(v4[6] & 0x40, 0);
  EXPECT_EQ(InternetChecksum(v4.data(), 20), 0);
}

}  // namespace
}  // namespace tunnelisa::dataplane
