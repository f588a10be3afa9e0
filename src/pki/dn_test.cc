#include <gtest/gtest.h>

#include "tunnelisa/pki/certificate.h"

namespace tunnelisa::pki {
namespace {

TEST(DnTest, ParsesTheGuidesSyntaxInOrder) {
  auto der = ParseDn("C=US,O=Example,CN=gw1");
  ASSERT_TRUE(der.ok()) << der.status();
  auto text = DnToText(*der);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "C=US, O=Example, CN=gw1");
}

TEST(DnTest, SpacesEscapesAndMultiValuedRdns) {
  auto der = ParseDn(" C = US , O=Example\\, Inc. , OU=a+CN=gw1 ");
  ASSERT_TRUE(der.ok()) << der.status();
  auto text = DnToText(*der);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "C=US, O=Example\\, Inc., OU=a + CN=gw1");
}

TEST(DnTest, EqualityIgnoresCaseAndSpacing) {
  auto a = ParseDn("C=US,O=Example,CN=gw1");
  auto b = ParseDn("C=us, O=EXAMPLE,  CN=gw1");
  auto c = ParseDn("C=US,O=Example,CN=gw2");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(DnEquals(*a, *b));
  EXPECT_FALSE(DnEquals(*a, *c));
  EXPECT_FALSE(DnEquals(*a, std::vector<uint8_t>{0x30, 0x03}));
}

TEST(DnTest, RefusesBadNames) {
  EXPECT_FALSE(ParseDn("").ok());
  EXPECT_FALSE(ParseDn("CN").ok());
  EXPECT_FALSE(ParseDn("XYZZY=1").ok());
  EXPECT_FALSE(ParseDn("CN=").ok());
  EXPECT_FALSE(ParseDn("C=USA").ok());  // countryName is two letters
  auto s = ParseDn("C=US,Bogus=1");
  EXPECT_NE(s.status().message().find("Bogus"), std::string::npos) << s.status();
  EXPECT_FALSE(DnToText(std::vector<uint8_t>{1, 2, 3}).ok());
}

}  // namespace
}  // namespace tunnelisa::pki
