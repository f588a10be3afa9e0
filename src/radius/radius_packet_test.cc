#include "radius/radius_packet.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/test_tools/vector_file.h"

namespace tunnelisa::radius {
namespace {

std::vector<uint8_t> Header(uint8_t code, uint8_t id, uint16_t length) {
  std::vector<uint8_t> out = {code, id, static_cast<uint8_t>(length >> 8),
                              static_cast<uint8_t>(length)};
  for (int i = 0; i < 16; ++i) out.push_back(static_cast<uint8_t>(0xa0 + i));
  return out;
}

// WithAttributes: a header whose Length covers `attributes` (raw bytes).
std::vector<uint8_t> WithAttributes(const std::vector<uint8_t>& attributes) {
  std::vector<uint8_t> out = Header(2, 7, static_cast<uint16_t>(20 + attributes.size()));
  out.insert(out.end(), attributes.begin(), attributes.end());
  return out;
}

TEST(RadiusPacket, ParsesRfc2865Example) {
  auto records = testing::LoadVectorFile("radius/rfc2865_examples.txt");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_FALSE(records->empty());
  const std::vector<uint8_t> request = (*records)[0].Bytes("Request");
  absl::StatusOr<Packet> p = ParsePacket(request);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->code, static_cast<uint8_t>(PacketCode::kAccessRequest));
  EXPECT_EQ(p->identifier, 0);
  ASSERT_EQ(p->attributes.size(), 4u);
  EXPECT_EQ(p->attributes[0], TextAttribute(attr::kUserName, "nemo"));
  EXPECT_EQ(p->attributes[1].type, attr::kUserPassword);
  EXPECT_EQ(p->attributes[1].value, (*records)[0].Bytes("HiddenPassword"));
  EXPECT_EQ(Ipv4Value(p->attributes[2]), *IpAddress::Parse("192.168.1.16"));
  EXPECT_EQ(U32Value(p->attributes[3]), 3u);
  EXPECT_TRUE(CheckAttributeSizes(*p).ok());
  // Serializing what was parsed gives the same bytes back.
  absl::StatusOr<std::vector<uint8_t>> again = SerializePacket(*p);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, request);
}

TEST(RadiusPacket, RoundTripsEveryAttributeKindAndVendorSpecificRaw) {
  Packet p;
  p.code = static_cast<uint8_t>(PacketCode::kAccessAccept);
  p.identifier = 200;
  for (size_t i = 0; i < 16; ++i) p.authenticator[i] = static_cast<uint8_t>(i * 3);
  p.attributes = {TextAttribute(attr::kReplyMessage, "welcome"),
                  U32Attribute(attr::kSessionTimeout, 3600),
                  AddressAttribute(attr::kFramedIpAddress, *IpAddress::Parse("10.9.8.7")),
                  AddressAttribute(attr::kNasIpv6Address, *IpAddress::Parse("2001:db8::1")),
                  // Vendor-Specific: Vendor-Id 9 (Cisco), vendor type 1, "shell:priv-lvl=15".
                  {attr::kVendorSpecific, {0,   0,   0,   9,   1,   18,  's', 'h', 'e', 'l', 'l',
                                           ':', 'p', 'r', 'i', 'v', '-', 'l', 'v', 'l', '=', '5'}},
                  {attr::kClass, std::vector<uint8_t>(253, 0x5a)}};
  absl::StatusOr<std::vector<uint8_t>> wire = SerializePacket(p);
  ASSERT_TRUE(wire.ok()) << wire.status();
  EXPECT_EQ(wire->size(), 20u + 9 + 6 + 6 + 18 + 24 + 255);
  EXPECT_EQ((*wire)[2] << 8 | (*wire)[3], static_cast<int>(wire->size()));
  absl::StatusOr<Packet> back = ParsePacket(*wire);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->code, p.code);
  EXPECT_EQ(back->identifier, p.identifier);
  EXPECT_EQ(back->authenticator, p.authenticator);
  EXPECT_EQ(back->attributes, p.attributes);
  EXPECT_EQ(U32Value(back->attributes[1]), 3600u);
  EXPECT_EQ(Count(*back, attr::kClass), 1u);
  EXPECT_EQ(Find(*back, attr::kVendorSpecific)->value.size(), 22u);
  EXPECT_EQ(Find(*back, attr::kEapMessage), nullptr);
}

TEST(RadiusPacket, EmptyPacketIsTwentyOctets) {
  absl::StatusOr<std::vector<uint8_t>> wire = SerializePacket(Packet{});
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(wire->size(), 20u);
  EXPECT_TRUE(ParsePacket(*wire).ok());
}

TEST(RadiusPacket, PaddingAfterLengthIsIgnored) {
  std::vector<uint8_t> d = WithAttributes({1, 5, 'b', 'o', 'b'});
  d.insert(d.end(), {0xde, 0xad, 0xbe, 0xef});
  absl::StatusOr<Packet> p = ParsePacket(d);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->attributes.size(), 1u);
  EXPECT_EQ(p->attributes[0], TextAttribute(attr::kUserName, "bob"));
}

struct MalformedCase {
  const char* name;
  std::vector<uint8_t> datagram;
  const char* expected;  // a fragment of the error message
};

TEST(RadiusPacket, RefusesEveryMalformedShape) {
  std::vector<uint8_t> too_long_claim = Header(2, 1, 30);  // Length 30, 20 octets present
  std::vector<uint8_t> length_below_20 = Header(2, 1, 19);
  std::vector<uint8_t> length_over_4096 = Header(2, 1, 4097);
  length_over_4096.resize(4097);
  const MalformedCase cases[] = {
      {"empty", {}, "shorter than the 20-octet header"},
      {"19 octets", std::vector<uint8_t>(19, 0), "shorter than the 20-octet header"},
      {"Length past the datagram", too_long_claim, "Length 30 but the datagram has 20"},
      {"Length below 20", length_below_20, "Length 19 outside 20..4096"},
      {"Length over 4096", length_over_4096, "Length 4097 outside 20..4096"},
      {"attribute header cut", WithAttributes({1}), "truncated"},
      {"attribute Length 0", WithAttributes({1, 0, 'x'}), "has Length 0 (minimum 2)"},
      {"attribute Length 1", WithAttributes({1, 1, 'x'}), "has Length 1 (minimum 2)"},
      {"attribute past the end", WithAttributes({1, 6, 'b', 'o', 'b'}), "past the packet's end"},
      {"second attribute past the end", WithAttributes({1, 3, 'b', 18, 9, 'h', 'i'}),
       "attribute 18 at offset 23"},
  };
  for (const MalformedCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Packet> p = ParsePacket(c.datagram);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(c.expected), std::string::npos) << p.status();
  }
}

TEST(RadiusPacket, MaximumSizePacketParsesAndOneMoreOctetDoesNot) {
  Packet p;
  // 20 header + 15 attributes of 255 octets + one of 251 = 4096.
  for (int i = 0; i < 15; ++i) p.attributes.push_back({attr::kClass, std::vector<uint8_t>(253)});
  p.attributes.push_back({attr::kClass, std::vector<uint8_t>(249)});
  absl::StatusOr<std::vector<uint8_t>> wire = SerializePacket(p);
  ASSERT_TRUE(wire.ok()) << wire.status();
  EXPECT_EQ(wire->size(), 4096u);
  EXPECT_TRUE(ParsePacket(*wire).ok());
  p.attributes.back().value.push_back(0);
  absl::StatusOr<std::vector<uint8_t>> over = SerializePacket(p);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("4097 octets"), std::string::npos) << over.status();
}

TEST(RadiusPacket, SerializeRefusesAttributeOver253Octets) {
  Packet p;
  p.attributes.push_back({attr::kState, std::vector<uint8_t>(254)});
  absl::StatusOr<std::vector<uint8_t>> wire = SerializePacket(p);
  ASSERT_FALSE(wire.ok());
  EXPECT_NE(wire.status().message().find("254 octets"), std::string::npos);
}

TEST(RadiusPacket, CheckAttributeSizesNamesTheOffender) {
  Packet p;
  p.attributes = {U32Attribute(attr::kSessionTimeout, 5)};
  EXPECT_TRUE(CheckAttributeSizes(p).ok());
  p.attributes.push_back({attr::kFramedIpAddress, {10, 0, 0}});
  absl::Status s = CheckAttributeSizes(p);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("attribute 8 has 3 octets (expected 4)"), std::string::npos) << s;
  p.attributes = {{attr::kMessageAuthenticator, std::vector<uint8_t>(15)}};
  EXPECT_FALSE(CheckAttributeSizes(p).ok());
  p.attributes = {{attr::kReplyMessage, {}}};
  s = CheckAttributeSizes(p);
  EXPECT_NE(s.message().find("attribute 18 is empty"), std::string::npos) << s;
  p.attributes = {{attr::kVendorSpecific, std::vector<uint8_t>(200)}};  // any size but zero
  EXPECT_TRUE(CheckAttributeSizes(p).ok());
}

TEST(RadiusPacket, EapMessageSplitsAt253AndJoinsBack) {
  for (size_t size : {1u, 252u, 253u, 254u, 506u, 1000u}) {
    SCOPED_TRACE(size);
    std::vector<uint8_t> eap(size);
    for (size_t i = 0; i < size; ++i) eap[i] = static_cast<uint8_t>(i * 7);
    Packet p;
    p.attributes.push_back(TextAttribute(attr::kUserName, "u"));
    ASSERT_TRUE(AppendEapMessage(eap, p.attributes).ok());
    p.attributes.push_back({attr::kMessageAuthenticator, std::vector<uint8_t>(16)});
    EXPECT_EQ(Count(p, attr::kEapMessage), (size + 252) / 253);
    for (const RadiusAttribute& a : p.attributes) EXPECT_LE(a.value.size(), 253u);
    absl::StatusOr<std::vector<uint8_t>> joined = JoinEapMessage(p);
    ASSERT_TRUE(joined.ok()) << joined.status();
    EXPECT_EQ(*joined, eap);
  }
  std::vector<RadiusAttribute> none;
  EXPECT_FALSE(AppendEapMessage({}, none).ok());
}

TEST(RadiusPacket, EapMessageFragmentsMustBeConsecutive) {
  Packet p;
  p.attributes = {{attr::kEapMessage, {1, 2}},
                  TextAttribute(attr::kReplyMessage, "in between"),
                  {attr::kEapMessage, {3}}};
  absl::StatusOr<std::vector<uint8_t>> joined = JoinEapMessage(p);
  ASSERT_FALSE(joined.ok());
  EXPECT_NE(joined.status().message().find("not consecutive"), std::string::npos);
  p.attributes.erase(p.attributes.begin() + 1);
  joined = JoinEapMessage(p);
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(*joined, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_TRUE(JoinEapMessage(Packet{})->empty());
}

TEST(RadiusPacket, CodeNames) {
  EXPECT_EQ(CodeName(1), "Access-Request");
  EXPECT_EQ(CodeName(11), "Access-Challenge");
  EXPECT_EQ(CodeName(5), "Accounting-Response");
  EXPECT_EQ(CodeName(40), "code 40");
}

}  // namespace
}  // namespace tunnelisa::radius
