// IpAddress / IpPrefix: the inline per-packet helpers (V4, V4Bytes, v4_host_order, Contains)
// against a bit-by-bit oracle written from the prefix's definition.
#include "tunnelisa/ip_address.h"

#include <cstdint>
#include <optional>

#include "gtest/gtest.h"

namespace tunnelisa {
namespace {

// OracleContains: the first `length` bits of a and of the prefix's address agree.
bool OracleContains(const IpPrefix& p, const IpAddress& a) {
  if (a.family() != p.address().family()) return false;
  for (int bit = 0; bit < p.length(); ++bit) {
    const uint8_t m = static_cast<uint8_t>(0x80u >> (bit % 8));
    if ((a.bytes()[bit / 8] & m) != (p.address().bytes()[bit / 8] & m)) return false;
  }
  return true;
}

TEST(IpAddress, V4FormsAgree) {
  const uint8_t b[4] = {192, 0, 2, 200};
  const IpAddress a = IpAddress::V4Bytes(b);
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.v4_host_order(), 0xc00002c8u);
  EXPECT_EQ(a, IpAddress::V4(0xc00002c8u));
  EXPECT_EQ(a, *IpAddress::Parse("192.0.2.200"));
  EXPECT_EQ(a.ToString(), "192.0.2.200");
}

TEST(IpPrefix, ContainsMatchesTheBitwiseDefinitionAtEveryV4Length) {
  const IpAddress inside = *IpAddress::Parse("10.129.77.5");
  const IpAddress flipped_low = *IpAddress::Parse("10.129.77.4");    // differs in bit 31
  const IpAddress flipped_high = *IpAddress::Parse("138.129.77.5");  // differs in bit 0
  const IpAddress v6 = *IpAddress::Parse("2001:db8::1");
  for (int len = 0; len <= 32; ++len) {
    const IpPrefix p = IpPrefix::Make(inside, len);
    for (const IpAddress& a : {inside, flipped_low, flipped_high, v6, IpAddress()}) {
      EXPECT_EQ(p.Contains(a), OracleContains(p, a)) << p.ToString() << " " << a.ToString();
    }
    EXPECT_TRUE(p.Contains(inside)) << len;
    EXPECT_EQ(p.Contains(flipped_low), len < 32) << len;
    EXPECT_EQ(p.Contains(flipped_high), len == 0) << len;
    EXPECT_FALSE(p.Contains(v6));
  }
}

TEST(IpPrefix, ContainsMatchesTheBitwiseDefinitionForV6) {
  const IpAddress base = *IpAddress::Parse("2001:db8:aaaa:bbbb::17");
  const IpAddress other = *IpAddress::Parse("2001:db8:aaaa:bbbc::17");  // differs from bit 61 on
  const IpAddress v4 = *IpAddress::Parse("10.0.0.1");
  for (int len : {0, 1, 32, 48, 61, 62, 63, 64, 65, 127, 128}) {
    const IpPrefix p = IpPrefix::Make(base, len);
    for (const IpAddress& a : {base, other, v4}) {
      EXPECT_EQ(p.Contains(a), OracleContains(p, a)) << p.ToString() << " " << a.ToString();
    }
    EXPECT_EQ(p.Contains(other), len <= 61) << len;
  }
}

TEST(IpPrefix, AnUnsetPrefixContainsNothingSet) {
  const IpPrefix unset;
  EXPECT_FALSE(unset.Contains(*IpAddress::Parse("10.0.0.1")));
  EXPECT_FALSE(unset.Contains(*IpAddress::Parse("::1")));
}

}  // namespace
}  // namespace tunnelisa
