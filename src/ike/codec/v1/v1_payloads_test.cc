// Round trips of every IKEv1 payload body, their exact bytes, truncations, and each parser's
// malformed cases; data attributes in both forms.
#include "ike/codec/v1/v1_payloads.h"

#include "gtest/gtest.h"
#include "ike/codec/v1/v1_test_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using testing::Bytes;
using testing::ExpectEveryTruncationFails;
using testing::ExpectV1Error;
using testing::ParseOne;
using testing::V1RoundTrip;

TEST(V1AttributeTest, TvAndTlvForms) {
  // AF=1, type 1, value 7 | AF=0, type 12, length 4, 86400 | AF=0, type 16521, length 0.
  const Bytes bytes = {0x80, 0x01, 0x00, 0x07, 0x00, 0x0c, 0x00, 0x04,
                       0x00, 0x01, 0x51, 0x80, 0x40, 0x89, 0x00, 0x00};
  Reader r(bytes);
  std::vector<V1Attribute> attrs;
  ASSERT_TRUE(ParseV1Attributes(r, "attribute", 10, attrs).ok());
  ASSERT_EQ(attrs.size(), 3u);
  EXPECT_EQ(attrs[0], V1Attribute::Tv(1, 7));
  EXPECT_EQ(attrs[1], V1Attribute::Integer(12, 86400));
  EXPECT_FALSE(attrs[1].tv);
  EXPECT_EQ(*attrs[1].AsInteger(), 86400u);
  EXPECT_EQ(attrs[2].type, 16521);
  EXPECT_TRUE(attrs[2].value.empty());
  ExpectV1Error(attrs[2].AsInteger().status(), "not an integer",
                V1NotifyType::kAttributesNotSupported);
  Writer w;
  ASSERT_TRUE(SerializeV1Attributes(attrs, w).ok());
  EXPECT_EQ(Bytes(w.bytes().begin(), w.bytes().end()), bytes);
}

TEST(V1AttributeTest, IntegerPicksTheShortestForm) {
  EXPECT_TRUE(V1Attribute::Integer(2, 0xffff).tv);
  EXPECT_EQ(V1Attribute::Integer(2, 0x10000).value, Bytes({0, 1, 0, 0}));
  EXPECT_EQ(V1Attribute::Integer(2, 0x100000000).value.size(), 8u);
  EXPECT_EQ(*V1Attribute::Integer(2, 0x123456789a).AsInteger(), 0x123456789au);
  EXPECT_FALSE(V1Attribute::Tlv(2, Bytes(9, 1)).AsInteger().ok());
}

TEST(V1AttributeTest, RefusesShortHeadersAndLongTlvs) {
  for (const Bytes& bad : {Bytes{0x80}, Bytes{0x80, 1, 0}, Bytes{0x00, 1, 0, 3, 1, 2}}) {
    Reader r(bad);
    std::vector<V1Attribute> attrs;
    EXPECT_FALSE(ParseV1Attributes(r, "attribute", 10, attrs).ok());
  }
  Writer w;
  const std::vector<V1Attribute> wide = {{.type = 0x8000, .value = {0, 1}, .tv = true}};
  EXPECT_FALSE(SerializeV1Attributes(wide, w).ok());
  const std::vector<V1Attribute> short_tv = {{.type = 1, .value = {1}, .tv = true}};
  EXPECT_FALSE(SerializeV1Attributes(short_tv, w).ok());
}

TEST(V1PayloadsTest, OpaquePayloadsRoundTripAndRefuseEmptyBodies) {
  V1RoundTrip(V1Payload::Make(V1PayloadType::kKe, V1KePayload{.data = Bytes(256, 0xab)}));
  V1RoundTrip(V1Payload::Make(V1PayloadType::kHash, V1HashPayload{.data = Bytes(20, 1)}));
  V1RoundTrip(V1Payload::Make(V1PayloadType::kSig, V1SigPayload{.data = Bytes(64, 2)}));
  V1RoundTrip(
      V1Payload::Make(V1PayloadType::kVendorId,
                      V1VendorIdPayload{.data = {kVendorIdDpd.begin(), kVendorIdDpd.end()}}));
  V1RoundTrip(V1Payload::Make(V1PayloadType::kNatD, V1NatDPayload{.hash = Bytes(20, 3)}));
  for (V1PayloadType t : {V1PayloadType::kKe, V1PayloadType::kHash, V1PayloadType::kSig,
                          V1PayloadType::kVendorId, V1PayloadType::kNatD}) {
    ExpectV1Error(ParseOne(t, {}).status(), "empty");
  }
}

TEST(V1PayloadsTest, NonceSizeBounds) {
  V1RoundTrip(V1Payload::Make(V1PayloadType::kNonce, V1NoncePayload{.data = Bytes(8, 1)}));
  V1RoundTrip(V1Payload::Make(V1PayloadType::kNonce, V1NoncePayload{.data = Bytes(256, 1)}));
  ExpectV1Error(ParseOne(V1PayloadType::kNonce, Bytes(7, 1)).status(), "7 octets");
  ExpectV1Error(ParseOne(V1PayloadType::kNonce, Bytes(257, 1)).status(), "257 octets");
  Writer w;
  EXPECT_FALSE(V1NoncePayload{.data = Bytes(7)}.Serialize(w).ok());
}

TEST(V1PayloadsTest, IdPayloadExactBytesAccessorsAndBounds) {
  const V1IdPayload id = V1IdPayload::FromAddress(*IpAddress::Parse("192.0.2.1"));
  const Bytes bytes = V1RoundTrip(V1Payload::Make(V1PayloadType::kId, id));
  EXPECT_EQ(bytes, Bytes({0, 0, 0, 12, 1, 0, 0, 0, 192, 0, 2, 1}));
  EXPECT_EQ(id.address(), IpAddress::Parse("192.0.2.1"));

  V1IdPayload subnet = V1IdPayload::FromPrefix(*IpPrefix::Parse("10.1.0.0/20"));
  subnet.protocol = 17;
  subnet.port = 500;
  const Bytes subnet_bytes = V1RoundTrip(V1Payload::Make(V1PayloadType::kId, subnet));
  EXPECT_EQ(Bytes(subnet_bytes.begin() + 4, subnet_bytes.end()),
            Bytes({4, 17, 0x01, 0xf4, 10, 1, 0, 0, 255, 255, 240, 0}));
  EXPECT_EQ(subnet.prefix(), IpPrefix::Parse("10.1.0.0/20"));
  EXPECT_EQ(id.prefix(), IpPrefix::Parse("192.0.2.1/32"));
  const V1IdPayload v6 = V1IdPayload::FromPrefix(*IpPrefix::Parse("2001:db8::/48"));
  V1RoundTrip(V1Payload::Make(V1PayloadType::kId, v6));
  EXPECT_EQ(v6.prefix(), IpPrefix::Parse("2001:db8::/48"));

  V1IdPayload holes = subnet;
  holes.data[5] = 0x0f;  // mask 255.15.240.0: not contiguous
  EXPECT_FALSE(holes.prefix().has_value());

  V1IdPayload range{.id_type = V1IdType::kIpv4AddrRange, .data = {10, 0, 0, 1, 10, 0, 0, 9}};
  V1RoundTrip(V1Payload::Make(V1PayloadType::kId, range));
  ASSERT_TRUE(range.range().has_value());
  EXPECT_EQ(range.range()->second, IpAddress::Parse("10.0.0.9"));

  V1RoundTrip(V1Payload::Make(V1PayloadType::kId, V1IdPayload::FromFqdn("gw.example.com")));
  V1RoundTrip(V1Payload::Make(V1PayloadType::kId, V1IdPayload::FromUserFqdn("a@example.com")));
  V1RoundTrip(V1Payload::Make(V1PayloadType::kId, V1IdPayload::FromKeyId(Bytes{1, 2, 3})));

  ExpectEveryTruncationFails(V1PayloadType::kId, {1, 0, 0, 0, 192, 0, 2, 1});
  ExpectV1Error(ParseOne(V1PayloadType::kId, {1, 0, 0, 0, 192, 0, 2, 1, 9}).status(),
                "needs 4 octets of data, has 5", V1NotifyType::kInvalidIdInformation);
  ExpectV1Error(ParseOne(V1PayloadType::kId, {4, 0, 0, 0, 10, 0, 0, 0}).status(), "needs 8 octets",
                V1NotifyType::kInvalidIdInformation);
  ExpectV1Error(ParseOne(V1PayloadType::kId, {2, 0, 0, 0}).status(), "no identification data",
                V1NotifyType::kInvalidIdInformation);
}

TEST(V1PayloadsTest, CertAndCertRequest) {
  V1RoundTrip(V1Payload::Make(V1PayloadType::kCert, V1CertPayload{.data = Bytes(300, 0x30)}));
  V1RoundTrip(V1Payload::Make(V1PayloadType::kCertReq, V1CertReqPayload{}));  // any CA
  V1RoundTrip(
      V1Payload::Make(V1PayloadType::kCertReq, V1CertReqPayload{.authority = Bytes(40, 0x31)}));
  ExpectV1Error(ParseOne(V1PayloadType::kCert, {4}).status(), "empty");
  ExpectV1Error(ParseOne(V1PayloadType::kCert, {}).status(), "truncated");
  ExpectV1Error(ParseOne(V1PayloadType::kCertReq, {}).status(), "truncated");
}

TEST(V1PayloadsTest, NotifyExactBytesAndTruncations) {
  // DPD R-U-THERE (RFC 3706): ISAKMP protocol, the cookies as SPI, a sequence number.
  V1NotifyPayload n{
      .protocol = V1ProtocolId::kIsakmp,
      .type = V1NotifyType::kRUThere,
      .spi = Bytes{1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18},
      .data = {0, 0, 0, 42}};
  const Bytes bytes = V1RoundTrip(V1Payload::Make(V1PayloadType::kNotify, n));
  const Bytes body(bytes.begin() + 4, bytes.end());
  EXPECT_EQ(Bytes(body.begin(), body.begin() + 8), Bytes({0, 0, 0, 1, 1, 16, 0x8d, 0x28}));
  // Every cut before the data fails; cuts inside the data are a shorter notification.
  ExpectEveryTruncationFails(V1PayloadType::kNotify, Bytes(body.begin(), body.begin() + 24));
  ExpectV1Error(ParseOne(V1PayloadType::kNotify, {0, 0, 0, 1, 1, 17, 0, 14}).status(),
                "SPI Size 17");
}

TEST(V1PayloadsTest, DeleteCountsMustMatch) {
  V1DeletePayload d{
      .protocol = V1ProtocolId::kIpsecEsp, .spi_size = 4, .spis = {{1, 2, 3, 4}, {5, 6, 7, 8}}};
  const Bytes bytes = V1RoundTrip(V1Payload::Make(V1PayloadType::kDelete, d));
  const Bytes body(bytes.begin() + 4, bytes.end());
  EXPECT_EQ(body, Bytes({0, 0, 0, 1, 3, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8}));
  ExpectEveryTruncationFails(V1PayloadType::kDelete, body);
  Bytes more = body;
  more.push_back(9);
  ExpectV1Error(ParseOne(V1PayloadType::kDelete, more).status(), "but 9 octets follow");
  Bytes zero = body;
  zero[7] = 0;
  ExpectV1Error(ParseOne(V1PayloadType::kDelete, zero).status(), "0 SPIs");
  Bytes huge = body;
  huge[6] = 0x10;  // 4098 SPIs
  ExpectV1Error(ParseOne(V1PayloadType::kDelete, huge).status(), "4098 SPIs");
  Writer w;
  V1DeletePayload mixed = d;
  mixed.spis[1].pop_back();
  EXPECT_FALSE(mixed.Serialize(w).ok());
}

TEST(V1PayloadsTest, AttributePayloadModeConfigAndXauth) {
  V1AttributePayload request{.type = V1CfgType::kRequest, .identifier = 0x1234};
  request.attributes.push_back(
      V1Attribute::Tlv(static_cast<uint16_t>(V1ModeCfgAttribute::kInternalIp4Address), {}));
  request.attributes.push_back(
      V1Attribute::Tv(static_cast<uint16_t>(V1ModeCfgAttribute::kXauthType), 0));
  request.attributes.push_back(V1Attribute::Tlv(
      static_cast<uint16_t>(V1ModeCfgAttribute::kXauthUserName), Bytes{'b', 'o', 'b'}));
  const Bytes bytes = V1RoundTrip(V1Payload::Make(V1PayloadType::kAttribute, request));
  EXPECT_EQ(Bytes(bytes.begin() + 4, bytes.begin() + 12),
            Bytes({1, 0, 0x12, 0x34, 0x00, 0x01, 0x00, 0x00}));
  ASSERT_NE(request.Find(V1ModeCfgAttribute::kXauthUserName), nullptr);
  EXPECT_EQ(request.Find(V1ModeCfgAttribute::kXauthPasscode), nullptr);
  ExpectEveryTruncationFails(V1PayloadType::kAttribute, Bytes(bytes.begin() + 4, bytes.end()),
                             {4, 8, 12});  // cuts between whole attributes are valid
  ExpectV1Error(ParseOne(V1PayloadType::kAttribute, {1, 0, 0, 1, 0x40, 0x89, 0, 9, 'x'}).status(),
                "runs past");
}

TEST(V1PayloadsTest, NatOaV4AndV6) {
  const Bytes v4 = V1RoundTrip(
      V1Payload::Make(V1PayloadType::kNatOa, V1NatOaPayload{*IpAddress::Parse("10.0.0.5")}));
  EXPECT_EQ(Bytes(v4.begin() + 4, v4.end()), Bytes({1, 0, 0, 0, 10, 0, 0, 5}));
  V1RoundTrip(
      V1Payload::Make(V1PayloadType::kNatOa, V1NatOaPayload{*IpAddress::Parse("2001:db8::5")}));
  ExpectEveryTruncationFails(V1PayloadType::kNatOa, {1, 0, 0, 0, 10, 0, 0, 5});
  ExpectV1Error(ParseOne(V1PayloadType::kNatOa, {5, 0, 0, 0, 10, 0, 0, 5}).status(),
                "ID Type 5 with a 4-octet address");
  ExpectV1Error(ParseOne(V1PayloadType::kNatOa, {2, 0, 0, 0, 10, 0, 0, 5}).status(), "ID Type 2");
  Writer w;
  EXPECT_FALSE(V1NatOaPayload{}.Serialize(w).ok());
}

}  // namespace
}  // namespace tunnelisa::ike::v1
