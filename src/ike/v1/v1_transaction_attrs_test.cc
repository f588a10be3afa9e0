// The transaction exchange's ATTR payloads: what each side builds, what the other reads, and
// the refusal of everything malformed.
#include "ike/v1/v1_transaction_attrs.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tunnelisa::ike::v1 {
namespace {

using ::testing::HasSubstr;

uint16_t T(V1ModeCfgAttribute a) { return static_cast<uint16_t>(a); }

SecretBytes Bytes(std::string_view s) {
  return SecretBytes(std::vector<uint8_t>(s.begin(), s.end()));
}

IpAddress Ip(std::string_view s) { return *IpAddress::Parse(s); }

// A payload survives its own wire form (the codec is the one the exchange uses).
V1AttributePayload RoundTrip(const V1AttributePayload& p) {
  Writer w;
  EXPECT_TRUE(p.Serialize(w).ok());
  Reader r(w.bytes());
  absl::StatusOr<V1AttributePayload> back = V1AttributePayload::Parse(r);
  EXPECT_TRUE(back.ok()) << back.status();
  return back.ok() ? *back : V1AttributePayload{};
}

TEST(XauthAttrsTest, RequestReplySetAckRoundTrip) {
  const V1AttributePayload request = RoundTrip(XauthRequest(42));
  EXPECT_EQ(request.identifier, 42);
  EXPECT_TRUE(CheckXauthRequest(request).ok());

  const V1AttributePayload reply = RoundTrip(XauthReply(42, "alice", Bytes("wonderland")));
  absl::StatusOr<XauthAnswer> answer = ParseXauthReply(reply, 42);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->user, "alice");
  EXPECT_TRUE(answer->password.Equals(Bytes("wonderland")));

  absl::StatusOr<bool> ok = ParseXauthSet(RoundTrip(XauthSet(7, true)));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
  absl::StatusOr<bool> fail = ParseXauthSet(RoundTrip(XauthSet(7, false)));
  ASSERT_TRUE(fail.ok());
  EXPECT_FALSE(*fail);
  EXPECT_TRUE(CheckXauthAck(RoundTrip(XauthAck(7)), 7).ok());
}

TEST(XauthAttrsTest, RefusesMalformedReplies) {
  // The wrong identifier, the wrong type.
  EXPECT_THAT(ParseXauthReply(XauthReply(1, "alice", Bytes("pw")), 2).status().message(),
              HasSubstr("identifier 1"));
  EXPECT_FALSE(ParseXauthReply(XauthRequest(1), 1).ok());
  // No password.
  V1AttributePayload no_password{.type = V1CfgType::kReply, .identifier = 1};
  const std::vector<uint8_t> name = {'a'};
  no_password.attributes.push_back(V1Attribute::Tlv(T(V1ModeCfgAttribute::kXauthUserName), name));
  EXPECT_THAT(ParseXauthReply(no_password, 1).status().message(), HasSubstr("XAUTH-USER-PASSWORD"));
  // An empty user name; a password beyond what RADIUS carries.
  EXPECT_THAT(ParseXauthReply(XauthReply(1, "", Bytes("pw")), 1).status().message(),
              HasSubstr("user name of 0 octets"));
  EXPECT_THAT(
      ParseXauthReply(XauthReply(1, "alice", Bytes(std::string(129, 'x'))), 1).status().message(),
      HasSubstr("password of 129 octets"));
  // A TV-form user name (two octets) is not a name.
  V1AttributePayload tv{.type = V1CfgType::kReply, .identifier = 1};
  tv.attributes.push_back(V1Attribute::Tv(T(V1ModeCfgAttribute::kXauthUserName), 1));
  tv.attributes.push_back(V1Attribute::Tlv(T(V1ModeCfgAttribute::kXauthUserPassword), name));
  EXPECT_FALSE(ParseXauthReply(tv, 1).ok());
}

TEST(XauthAttrsTest, RefusesOtherTypesAndStatuses) {
  V1AttributePayload otp = XauthRequest(1);
  otp.attributes[0] =
      V1Attribute::Tv(T(V1ModeCfgAttribute::kXauthType), static_cast<uint16_t>(V1XauthType::kOtp));
  EXPECT_THAT(CheckXauthRequest(otp).message(), HasSubstr("generic"));
  V1AttributePayload no_user{.type = V1CfgType::kRequest, .identifier = 1};
  EXPECT_FALSE(CheckXauthRequest(no_user).ok());
  V1AttributePayload set{.type = V1CfgType::kSet, .identifier = 1};
  EXPECT_THAT(ParseXauthSet(set).status().message(), HasSubstr("no XAUTH-STATUS"));
  set.attributes.push_back(V1Attribute::Tv(T(V1ModeCfgAttribute::kXauthStatus), 5));
  EXPECT_THAT(ParseXauthSet(set).status().message(), HasSubstr("neither 0 nor 1"));
  EXPECT_FALSE(CheckXauthAck(XauthAck(3), 4).ok());
  EXPECT_FALSE(CheckXauthAck(XauthSet(3, true), 3).ok());
}

TEST(ModeCfgAttrsTest, RequestAndReply) {
  absl::StatusOr<ModeCfgAsk> ask = ParseModeCfgRequest(RoundTrip(ModeCfgRequest(9)));
  ASSERT_TRUE(ask.ok());
  EXPECT_TRUE(ask->address);
  EXPECT_FALSE(ask->requested.has_value());

  const ClientAddress granted{
      .lease = 5, .address = Ip("10.9.0.77"), .dns = {Ip("10.9.0.1"), Ip("192.0.2.53")}};
  const V1AttributePayload reply = RoundTrip(ModeCfgReply(9, granted));
  const V1Attribute* mask = reply.Find(V1ModeCfgAttribute::kInternalIp4Netmask);
  ASSERT_NE(mask, nullptr);
  EXPECT_EQ(mask->value, (std::vector<uint8_t>{255, 255, 255, 255}));
  absl::StatusOr<ClientAddress> got = ParseModeCfgReply(reply, 9);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->address, Ip("10.9.0.77"));
  EXPECT_EQ(got->dns, granted.dns);
  EXPECT_EQ(got->lease, 0u);  // the lease is the gateway's
}

TEST(ModeCfgAttrsTest, RequestedAddressIsAHint) {
  V1AttributePayload request{.type = V1CfgType::kRequest, .identifier = 1};
  const std::vector<uint8_t> want = {10, 9, 0, 50};
  request.attributes.push_back(V1Attribute::Tlv(T(V1ModeCfgAttribute::kInternalIp4Address), want));
  absl::StatusOr<ModeCfgAsk> ask = ParseModeCfgRequest(request);
  ASSERT_TRUE(ask.ok());
  EXPECT_EQ(ask->requested, Ip("10.9.0.50"));
  // 0.0.0.0 is "any"; three octets are nothing.
  request.attributes[0].value = {0, 0, 0, 0};
  EXPECT_FALSE(ParseModeCfgRequest(request)->requested.has_value());
  request.attributes[0].value = {10, 9, 0};
  EXPECT_THAT(ParseModeCfgRequest(request).status().message(), HasSubstr("3 octets"));
  // Asking for nothing is not asking for an address.
  V1AttributePayload other{.type = V1CfgType::kRequest, .identifier = 1};
  EXPECT_FALSE(ParseModeCfgRequest(other)->address);
}

TEST(ModeCfgAttrsTest, RefusesBadReplies) {
  V1AttributePayload reply{.type = V1CfgType::kReply, .identifier = 9};
  EXPECT_THAT(ParseModeCfgReply(reply, 9).status().message(), HasSubstr("no INTERNAL_IP4_ADDRESS"));
  const std::vector<uint8_t> zero = {0, 0, 0, 0};
  reply.attributes.push_back(V1Attribute::Tlv(T(V1ModeCfgAttribute::kInternalIp4Address), zero));
  EXPECT_THAT(ParseModeCfgReply(reply, 9).status().message(), HasSubstr("0.0.0.0"));
  reply.attributes[0].value = {10, 9, 0, 7};
  const std::vector<uint8_t> short_dns = {1, 2};
  reply.attributes.push_back(V1Attribute::Tlv(T(V1ModeCfgAttribute::kInternalIp4Dns), short_dns));
  EXPECT_THAT(ParseModeCfgReply(reply, 9).status().message(), HasSubstr("INTERNAL_IP4_DNS"));
  reply.attributes.pop_back();
  EXPECT_TRUE(ParseModeCfgReply(reply, 9).ok());
  EXPECT_FALSE(ParseModeCfgReply(reply, 8).ok());
  EXPECT_FALSE(ParseModeCfgReply(ModeCfgRequest(9), 9).ok());
}

}  // namespace
}  // namespace tunnelisa::ike::v1
