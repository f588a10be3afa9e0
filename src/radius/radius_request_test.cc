// Encoding of Access-Request / Accounting-Request and checking of responses, without the
// client's state machine.
#include "radius/radius_request.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "radius/radius_crypto.h"
#include "radius/radius_packet.h"
#include "radius/radius_response.h"

namespace tunnelisa::radius {
namespace {

SecretBytes Secret(std::string_view s) {
  return SecretBytes(std::vector<uint8_t>(s.begin(), s.end()));
}

const NasIdentity kNas{"gw-test", IpAddress::V4(0xc0000201)};  // 192.0.2.1

Authenticator SomeAuthenticator() {
  Authenticator a{};
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(0x31 * (i + 1));
  return a;
}

AccessRequest PapRequest() {
  AccessRequest r;
  r.user_name = "alice";
  r.password = Secret("alice-password");
  r.calling_station_id = "198.51.100.7";
  r.nas_port_type = 5;
  r.service_type = 2;
  return r;
}

TEST(RadiusRequest, AccessRequestCarriesSignedMessageAuthenticatorFirst) {
  const SecretBytes secret = Secret("testing123");
  absl::StatusOr<std::vector<uint8_t>> wire =
      EncodeAccessRequest(PapRequest(), kNas, 17, SomeAuthenticator(), secret);
  ASSERT_TRUE(wire.ok()) << wire.status();
  absl::StatusOr<Packet> p = ParsePacket(*wire);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->code, 1);
  EXPECT_EQ(p->identifier, 17);
  EXPECT_EQ(p->authenticator, SomeAuthenticator());
  ASSERT_FALSE(p->attributes.empty());
  EXPECT_EQ(p->attributes[0].type, attr::kMessageAuthenticator);
  EXPECT_TRUE(VerifyMessageAuthenticator(*wire, SomeAuthenticator(), secret));
  EXPECT_FALSE(VerifyMessageAuthenticator(*wire, SomeAuthenticator(), Secret("testing124")));
  EXPECT_EQ(Find(*p, attr::kUserName)->value, std::vector<uint8_t>({'a', 'l', 'i', 'c', 'e'}));
  // The password is hidden (16 octets here), never in clear.
  const RadiusAttribute* password = Find(*p, attr::kUserPassword);
  ASSERT_NE(password, nullptr);
  EXPECT_EQ(password->value.size(), 16u);
  const std::string clear = "alice-password";
  EXPECT_EQ(std::search(wire->begin(), wire->end(), clear.begin(), clear.end()), wire->end());
  EXPECT_EQ(Ipv4Value(*Find(*p, attr::kNasIpAddress)), kNas.address);
  EXPECT_EQ(Find(*p, attr::kNasIdentifier)->value.size(), 7u);
  EXPECT_EQ(U32Value(*Find(*p, attr::kNasPortType)), 5u);
  EXPECT_EQ(U32Value(*Find(*p, attr::kServiceType)), 2u);
  EXPECT_EQ(Find(*p, attr::kCallingStationId)->value.size(), 12u);
  EXPECT_EQ(Find(*p, attr::kEapMessage), nullptr);
  EXPECT_TRUE(CheckAttributeSizes(*p).ok());
}

TEST(RadiusRequest, EapRequestSplitsTheEapPacketAndEchoesState) {
  AccessRequest r;
  r.user_name = "bob";
  r.eap_message.assign(600, 0x02);
  r.state = {9, 8, 7};
  r.extra_attributes = {{attr::kVendorSpecific, {0, 0, 0x01, 0x37, 1, 3, 'x'}}};
  absl::StatusOr<std::vector<uint8_t>> wire = EncodeAccessRequest(
      r, {"", IpAddress::Parse("2001:db8::5").value()}, 0, SomeAuthenticator(), Secret("s"));
  ASSERT_TRUE(wire.ok()) << wire.status();
  absl::StatusOr<Packet> p = ParsePacket(*wire);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Count(*p, attr::kEapMessage), 3u);
  EXPECT_EQ(*JoinEapMessage(*p), r.eap_message);
  EXPECT_EQ(Find(*p, attr::kState)->value, r.state);
  EXPECT_EQ(Find(*p, attr::kUserPassword), nullptr);
  EXPECT_EQ(Find(*p, attr::kNasIpv6Address)->value.size(), 16u);
  EXPECT_EQ(Find(*p, attr::kNasIpAddress), nullptr);
  EXPECT_EQ(Find(*p, attr::kNasIdentifier), nullptr);
  EXPECT_EQ(p->attributes.back(), r.extra_attributes[0]);
}

TEST(RadiusRequest, AccessRequestChecks) {
  struct Case {
    const char* name;
    std::function<void(AccessRequest&)> change;
    const char* expected;
  };
  const Case cases[] = {
      {"no user", [](AccessRequest& r) { r.user_name.clear(); }, "user name is empty"},
      {"long user", [](AccessRequest& r) { r.user_name.assign(254, 'u'); }, "254 octets"},
      {"both", [](AccessRequest& r) { r.eap_message = {1}; }, "both a password and EAP"},
      {"neither", [](AccessRequest& r) { r.password.reset(); }, "needs a password"},
      {"long password", [](AccessRequest& r) { r.password = SecretBytes(129); }, "at most 128"},
      {"long state", [](AccessRequest& r) { r.state.assign(254, 1); }, "State of 254"},
      {"extra password",
       [](AccessRequest& r) {
         r.extra_attributes = {{attr::kUserPassword, {1}}};
       },
       "attribute 2 not allowed"},
      {"extra message authenticator",
       [](AccessRequest& r) {
         r.extra_attributes = {{attr::kMessageAuthenticator, {1}}};
       },
       "attribute 80 not allowed"},
      {"empty extra",
       [](AccessRequest& r) {
         r.extra_attributes = {{attr::kClass, {}}};
       },
       "0 octets"},
  };
  EXPECT_TRUE(CheckAccessRequest(PapRequest()).ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    AccessRequest r = PapRequest();
    c.change(r);
    absl::Status s = CheckAccessRequest(r);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << s;
  }
  // A State alone (answering a challenge) is a valid request.
  AccessRequest state_only;
  state_only.user_name = "u";
  state_only.state = {1};
  EXPECT_TRUE(CheckAccessRequest(state_only).ok());
}

TEST(RadiusRequest, AccessRequestOver4096OctetsIsRefused) {
  AccessRequest r;
  r.user_name = "u";
  r.eap_message.assign(4100, 1);
  absl::StatusOr<std::vector<uint8_t>> wire =
      EncodeAccessRequest(r, kNas, 0, SomeAuthenticator(), Secret("s"));
  ASSERT_FALSE(wire.ok());
  EXPECT_NE(wire.status().message().find("at most 4096"), std::string::npos);
}

AccountingRequest StopRecord() {
  AccountingRequest r;
  r.status_type = AcctStatusType::kStop;
  r.session_id = "sess-0001";
  r.user_name = "alice";
  r.input_octets = (uint64_t{3} << 32) + 1000;  // 3 gigawords + 1000
  r.output_octets = 2000;
  r.input_packets = uint64_t{1} << 33;  // saturates
  r.output_packets = 20;
  r.session_time = 3600;
  r.terminate_cause = 1;  // User-Request
  r.framed_ip_address = IpAddress::Parse("10.1.0.5");
  r.classes = {{'c', '1'}};
  r.event_timestamp = 1700000000;
  return r;
}

TEST(RadiusRequest, AccountingStopCarriesCountersWithGigawords) {
  const SecretBytes secret = Secret("acct");
  absl::StatusOr<std::vector<uint8_t>> wire =
      EncodeAccountingRequest(StopRecord(), kNas, 4, 99, secret);
  ASSERT_TRUE(wire.ok()) << wire.status();
  absl::StatusOr<Packet> p = ParsePacket(*wire);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->code, 4);
  EXPECT_EQ(p->identifier, 99);
  EXPECT_EQ(p->authenticator, AccountingRequestAuthenticator(*wire, secret));
  EXPECT_TRUE(CheckAttributeSizes(*p).ok());
  auto u32 = [&](uint8_t type) {
    const RadiusAttribute* a = Find(*p, type);
    EXPECT_NE(a, nullptr) << "attribute " << int{type};
    return a == nullptr ? 0u : U32Value(*a);
  };
  EXPECT_EQ(u32(attr::kAcctStatusType), 2u);
  EXPECT_EQ(u32(attr::kAcctInputOctets), 1000u);
  EXPECT_EQ(u32(attr::kAcctInputGigawords), 3u);
  EXPECT_EQ(u32(attr::kAcctOutputOctets), 2000u);
  EXPECT_EQ(u32(attr::kAcctOutputGigawords), 0u);
  EXPECT_EQ(u32(attr::kAcctInputPackets), 0xffffffffu);
  EXPECT_EQ(u32(attr::kAcctOutputPackets), 20u);
  EXPECT_EQ(u32(attr::kAcctSessionTime), 3600u);
  EXPECT_EQ(u32(attr::kAcctTerminateCause), 1u);
  EXPECT_EQ(u32(attr::kAcctDelayTime), 4u);
  EXPECT_EQ(u32(attr::kAcctAuthentic), 1u);
  EXPECT_EQ(u32(attr::kEventTimestamp), 1700000000u);
  EXPECT_EQ(Ipv4Value(*Find(*p, attr::kFramedIpAddress)), *IpAddress::Parse("10.1.0.5"));
  EXPECT_EQ(Find(*p, attr::kClass)->value, std::vector<uint8_t>({'c', '1'}));
  EXPECT_EQ(Find(*p, attr::kAcctSessionId)->value.size(), 9u);
  EXPECT_EQ(Find(*p, attr::kMessageAuthenticator), nullptr);
  EXPECT_EQ(Find(*p, attr::kUserPassword), nullptr);
}

TEST(RadiusRequest, AccountingStartHasNoCounters) {
  AccountingRequest r;
  r.session_id = "s";
  absl::StatusOr<std::vector<uint8_t>> wire = EncodeAccountingRequest(r, kNas, 0, 1, Secret("a"));
  ASSERT_TRUE(wire.ok());
  absl::StatusOr<Packet> p = ParsePacket(*wire);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(U32Value(*Find(*p, attr::kAcctStatusType)), 1u);
  for (uint8_t type : {attr::kAcctInputOctets, attr::kAcctOutputOctets, attr::kAcctSessionTime,
                       attr::kAcctTerminateCause, attr::kAcctInputGigawords}) {
    EXPECT_EQ(Find(*p, type), nullptr) << int{type};
  }
}

TEST(RadiusRequest, AccountingRequestChecks) {
  EXPECT_TRUE(CheckAccountingRequest(StopRecord()).ok());
  AccountingRequest r = StopRecord();
  r.session_id.clear();
  EXPECT_NE(CheckAccountingRequest(r).message().find("Acct-Session-Id is empty"),
            std::string::npos);
  r = StopRecord();
  r.status_type = AcctStatusType::kInterimUpdate;
  EXPECT_NE(CheckAccountingRequest(r).message().find("Stop record only"), std::string::npos);
  r = StopRecord();
  r.status_type = AcctStatusType::kStart;
  r.terminate_cause.reset();
  EXPECT_NE(CheckAccountingRequest(r).message().find("Acct-Session-Time"), std::string::npos);
  r = StopRecord();
  r.framed_ip_address = IpAddress::Parse("2001:db8::1");
  EXPECT_NE(CheckAccountingRequest(r).message().find("IPv4"), std::string::npos);
  r = StopRecord();
  r.extra_attributes = {{attr::kReplyMessage, {'x'}}};
  EXPECT_NE(CheckAccountingRequest(r).message().find("RFC 2866 4.1"), std::string::npos);
  r = StopRecord();
  r.classes = {{}};
  EXPECT_FALSE(CheckAccountingRequest(r).ok());
}

// Response: a server's answer to a request with `request_authenticator`, signed like a
// server signs (Message-Authenticator with the Request Authenticator, then the Response
// Authenticator over everything).
std::vector<uint8_t> Response(PacketCode code, uint8_t id, std::vector<RadiusAttribute> attrs,
                              const Authenticator& request_authenticator, const SecretBytes& secret,
                              bool message_authenticator = true) {
  Packet p;
  p.code = static_cast<uint8_t>(code);
  p.identifier = id;
  if (message_authenticator) {
    attrs.insert(attrs.begin(), {attr::kMessageAuthenticator, std::vector<uint8_t>(16, 0)});
  }
  p.attributes = std::move(attrs);
  std::vector<uint8_t> wire = *SerializePacket(p);
  if (message_authenticator) {
    const Authenticator mac = MessageAuthenticator(wire, 22, request_authenticator, secret);
    std::copy(mac.begin(), mac.end(), wire.begin() + 22);
  }
  const Authenticator auth = ResponseAuthenticator(wire, request_authenticator, secret);
  std::copy(auth.begin(), auth.end(), wire.begin() + 4);
  return wire;
}

TEST(RadiusResponse, AuthenticAcceptIsInterpreted) {
  const SecretBytes secret = Secret("k");
  const std::vector<uint8_t> wire =
      Response(PacketCode::kAccessAccept, 5,
               {AddressAttribute(attr::kFramedIpAddress, *IpAddress::Parse("10.0.0.9")),
                AddressAttribute(attr::kFramedIpNetmask, *IpAddress::Parse("255.255.255.0")),
                U32Attribute(attr::kSessionTimeout, 600),
                RadiusAttribute{attr::kClass, {1, 2}},
                RadiusAttribute{attr::kClass, {3}},
                TextAttribute(attr::kReplyMessage, "hello"),
                TextAttribute(attr::kReplyMessage, "world"),
                TextAttribute(attr::kFramedPool, "pool-a"),
                {attr::kVendorSpecific, {0, 0, 0, 9, 1, 3, 'z'}}},
               SomeAuthenticator(), secret);
  CheckedResponse checked =
      CheckResponse(wire, PacketCode::kAccessRequest, SomeAuthenticator(), secret);
  ASSERT_EQ(checked.verdict, ResponseVerdict::kAuthentic) << checked.reason;
  const RadiusServerAddress from{*IpAddress::Parse("127.0.0.1"), 1812};
  bool malformed = true;
  AuthResult r = InterpretAccessResponse(checked.packet, from, &malformed);
  EXPECT_FALSE(malformed);
  EXPECT_EQ(r.outcome, AuthOutcome::kAccept);
  EXPECT_EQ(r.framed_ip_address, IpAddress::Parse("10.0.0.9"));
  EXPECT_EQ(r.framed_ip_netmask, IpAddress::Parse("255.255.255.0"));
  EXPECT_EQ(r.session_timeout, 600u);
  EXPECT_EQ(r.classes, (std::vector<std::vector<uint8_t>>{{1, 2}, {3}}));
  EXPECT_EQ(r.reply_message, "hello\nworld");
  EXPECT_EQ(r.framed_pool, "pool-a");
  EXPECT_EQ(r.server, from);
  EXPECT_EQ(r.attributes.size(), 10u);  // all, Message-Authenticator and VSA included
  EXPECT_EQ(r.detail, "Access-Accept from 127.0.0.1:1812: hello\nworld");
}

TEST(RadiusResponse, RejectGrantsNothingEvenWithReplyItems) {
  const SecretBytes secret = Secret("k");
  const std::vector<uint8_t> wire = Response(
      PacketCode::kAccessReject, 5,
      {AddressAttribute(attr::kFramedIpAddress, *IpAddress::Parse("10.0.0.9")),
       U32Attribute(attr::kSessionTimeout, 600), RadiusAttribute{attr::kClass, {1}},
       TextAttribute(attr::kReplyMessage, "no"), RadiusAttribute{attr::kEapMessage, {4, 1, 0, 4}}},
      SomeAuthenticator(), secret);
  CheckedResponse checked =
      CheckResponse(wire, PacketCode::kAccessRequest, SomeAuthenticator(), secret);
  ASSERT_EQ(checked.verdict, ResponseVerdict::kAuthentic) << checked.reason;
  bool malformed = true;
  AuthResult r = InterpretAccessResponse(checked.packet, {}, &malformed);
  EXPECT_FALSE(malformed);
  EXPECT_EQ(r.outcome, AuthOutcome::kReject);
  EXPECT_FALSE(r.framed_ip_address.has_value());
  EXPECT_FALSE(r.session_timeout.has_value());
  EXPECT_TRUE(r.classes.empty());
  EXPECT_EQ(r.reply_message, "no");
  EXPECT_EQ(r.eap_message, (std::vector<uint8_t>{4, 1, 0, 4}));  // EAP-Failure, relayed
  EXPECT_EQ(r.attributes.size(), 6u);
}

TEST(RadiusResponse, ChallengeCarriesStateAndJoinedEap) {
  const SecretBytes secret = Secret("k");
  std::vector<RadiusAttribute> attrs = {RadiusAttribute{attr::kState, {0xaa, 0xbb}}};
  std::vector<uint8_t> eap(300, 0x01);
  ASSERT_TRUE(AppendEapMessage(eap, attrs).ok());
  const std::vector<uint8_t> wire =
      Response(PacketCode::kAccessChallenge, 1, attrs, SomeAuthenticator(), secret);
  CheckedResponse checked =
      CheckResponse(wire, PacketCode::kAccessRequest, SomeAuthenticator(), secret);
  ASSERT_EQ(checked.verdict, ResponseVerdict::kAuthentic) << checked.reason;
  bool malformed = false;
  AuthResult r = InterpretAccessResponse(checked.packet, {}, &malformed);
  EXPECT_EQ(r.outcome, AuthOutcome::kChallenge);
  EXPECT_EQ(r.state, (std::vector<uint8_t>{0xaa, 0xbb}));
  EXPECT_EQ(r.eap_message, eap);
}

TEST(RadiusResponse, MalformedAcceptBecomesReject) {
  const SecretBytes secret = Secret("k");
  const std::vector<uint8_t> wire =
      Response(PacketCode::kAccessAccept, 1, {{attr::kFramedIpAddress, {10, 0, 0, 1, 0}}},
               SomeAuthenticator(), secret);
  CheckedResponse checked =
      CheckResponse(wire, PacketCode::kAccessRequest, SomeAuthenticator(), secret);
  ASSERT_EQ(checked.verdict, ResponseVerdict::kAuthentic) << checked.reason;
  bool malformed = false;
  AuthResult r = InterpretAccessResponse(checked.packet, {}, &malformed);
  EXPECT_TRUE(malformed);
  EXPECT_EQ(r.outcome, AuthOutcome::kReject);
  EXPECT_NE(r.detail.find("attribute 8 has 5 octets"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("treated as Access-Reject"), std::string::npos) << r.detail;
  EXPECT_FALSE(r.framed_ip_address.has_value());
}

TEST(RadiusResponse, EveryForgeryIsDroppedWithItsReason) {
  const SecretBytes secret = Secret("right");
  const Authenticator ra = SomeAuthenticator();
  const std::vector<uint8_t> good = Response(PacketCode::kAccessReject, 2, {}, ra, secret);
  ASSERT_EQ(CheckResponse(good, PacketCode::kAccessRequest, ra, secret).verdict,
            ResponseVerdict::kAuthentic);

  std::vector<uint8_t> flipped = good;
  flipped[25] ^= 1;  // inside Message-Authenticator: the Response Authenticator fails first
  EXPECT_EQ(CheckResponse(flipped, PacketCode::kAccessRequest, ra, secret).verdict,
            ResponseVerdict::kBadAuthenticator);
  EXPECT_EQ(CheckResponse(good, PacketCode::kAccessRequest, ra, Secret("wrong")).verdict,
            ResponseVerdict::kBadAuthenticator);

  // A correct Response Authenticator but no Message-Authenticator (BlastRADIUS).
  const std::vector<uint8_t> unsigned_reject =
      Response(PacketCode::kAccessReject, 2, {}, ra, secret, false);
  CheckedResponse c = CheckResponse(unsigned_reject, PacketCode::kAccessRequest, ra, secret);
  EXPECT_EQ(c.verdict, ResponseVerdict::kBadMessageAuthenticator);
  EXPECT_NE(c.reason.find("without Message-Authenticator"), std::string::npos);

  // A correct Response Authenticator over a wrong Message-Authenticator.
  std::vector<uint8_t> bad_mac = good;
  bad_mac[30] ^= 0x40;
  const Authenticator reauth = ResponseAuthenticator(bad_mac, ra, secret);
  std::copy(reauth.begin(), reauth.end(), bad_mac.begin() + 4);
  c = CheckResponse(bad_mac, PacketCode::kAccessRequest, ra, secret);
  EXPECT_EQ(c.verdict, ResponseVerdict::kBadMessageAuthenticator);
  EXPECT_NE(c.reason.find("wrong Message-Authenticator"), std::string::npos);

  // Wrong Code for the request, truncated packet.
  c = CheckResponse(good, PacketCode::kAccountingRequest, ra, secret);
  EXPECT_EQ(c.verdict, ResponseVerdict::kMalformed);
  EXPECT_NE(c.reason.find("Access-Reject does not answer an Accounting-Request"),
            std::string::npos);
  const std::vector<uint8_t> request_code = Response(PacketCode::kAccessRequest, 2, {}, ra, secret);
  EXPECT_EQ(CheckResponse(request_code, PacketCode::kAccessRequest, ra, secret).verdict,
            ResponseVerdict::kMalformed);
  EXPECT_EQ(
      CheckResponse(std::span(good).first(good.size() - 1), PacketCode::kAccessRequest, ra, secret)
          .verdict,
      ResponseVerdict::kMalformed);

  // Padding after Length does not change anything.
  std::vector<uint8_t> padded = good;
  padded.insert(padded.end(), {0, 0, 0});
  EXPECT_EQ(CheckResponse(padded, PacketCode::kAccessRequest, ra, secret).verdict,
            ResponseVerdict::kAuthentic);
}

TEST(RadiusResponse, AccountingResponseNeedsNoMessageAuthenticatorButChecksOne) {
  const SecretBytes secret = Secret("acct");
  const Authenticator ra = SomeAuthenticator();
  const std::vector<uint8_t> plain =
      Response(PacketCode::kAccountingResponse, 1, {}, ra, secret, false);
  EXPECT_EQ(CheckResponse(plain, PacketCode::kAccountingRequest, ra, secret).verdict,
            ResponseVerdict::kAuthentic);
  std::vector<uint8_t> with_bad_mac =
      Response(PacketCode::kAccountingResponse, 1, {}, ra, secret, true);
  with_bad_mac[22] ^= 1;
  const Authenticator reauth = ResponseAuthenticator(with_bad_mac, ra, secret);
  std::copy(reauth.begin(), reauth.end(), with_bad_mac.begin() + 4);
  EXPECT_EQ(CheckResponse(with_bad_mac, PacketCode::kAccountingRequest, ra, secret).verdict,
            ResponseVerdict::kBadMessageAuthenticator);
}

}  // namespace
}  // namespace tunnelisa::radius
