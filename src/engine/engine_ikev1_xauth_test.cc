// IKEv1 remote access between two engines: Router B as ipsec-gw "gw1" with `ike-version 1`,
// `auth-method plain-psk-xauth`, a RADIUS authentication policy (a fake server the test plays,
// answering as rad-1 with its secret) and a local address pool; Router A as its client
// (`xauth-user`, `request-address`). Accept with traffic in bursts both ways, a wrong
// password, RADIUS silent (timeout), a Framed-IP-Address from RADIUS, loss and duplicates,
// the session log's user, and the address going back when the client leaves.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "radius/radius_crypto.h"
#include "radius/radius_packet.h"
#include "radius/radius_test_util.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using ::testing::HasSubstr;
namespace attr = radius::attr;

using FakeRadiusTransport = radius::testutil::RecordingTransport;

SecretBytes Bytes(std::string_view s) {
  return SecretBytes(std::vector<uint8_t>(s.begin(), s.end()));
}

const radius::RadiusServerAddress kRad1{.address = Ip("127.0.0.1"), .port = 1812};
const IpAddress kServer = Ip("192.168.2.1");  // on the gateway's side

// The gateway: Figure 27's Router B as an IKEv1 ipsec-gw checking users with XAUTH through
// RADIUS (rad-1, secret "s3cret-1"), clients getting 10.9.0.10-20.
std::string XauthGateway(const std::string& extra = "") {
  std::string text = GatewayConfig(extra +
                                   "        radius-authentication-policy \"ra-auth\"\n"
                                   "        local-address-assignment\n"
                                   "          ipv4\n"
                                   "            address-range 10.9.0.10 10.9.0.20\n"
                                   "          exit\n"
                                   "        exit\n");
  text = Replace(text, "ike-version 2", "ike-version 1\n    auth-method plain-psk-xauth");
  text = Replace(text, "  interface \"private-ipsec-1\" tunnel create\n",
                 "  interface \"private-ipsec-1\" tunnel create\n    address 10.9.0.1/24\n");
  return "config router\n"
         "  radius-server\n"
         "    server \"rad-1\" address 127.0.0.1 secret \"s3cret-1\" create\n"
         "    exit\n"
         "  exit\n"
         "exit all\n"
         "config aaa\n"
         "  radius-server-policy \"rsp\" create\n"
         "    servers\n"
         "      timeout 2\n"
         "      retry 2\n"
         "      server 1 name \"rad-1\"\n"
         "    exit\n"
         "  exit\n"
         "exit all\n"
         "config ipsec\n"
         "  radius-authentication-policy \"ra-auth\" create\n"
         "    radius-server-policy \"rsp\"\n"
         "  exit\n"
         "  radius-accounting-policy \"ra-acct\" create\n"
         "    radius-server-policy \"rsp\"\n"
         "  exit\n"
         "exit all\n" +
         text;
}

// The client: Figure 27's Router A, IKEv1 main mode, asking for an address, user "alice".
// Its host holds the inner address on the interface "inner".
std::string XauthClient(const std::string& password) {
  IkeSettings v1;
  v1.ike_version = 1;
  std::string text = Dynamic(ReadEngineVector("router_a.cfg"), v1, true);
  text = Replace(text, "        transform 1\n",
                 "        transform 1\n        request-address\n        xauth-user \"alice\" "
                 "password \"" +
                     password + "\"\n");
  text = Replace(text, "local-ip 192.168.1.0/24", "local-ip 10.9.0.0/24");
  return Replace(text, "  interface \"lan\" create\n",
                 "  interface \"inner\" create\n    address 10.9.0.254/24\n  exit\n"
                 "  interface \"lan\" create\n");
}

// Lab: the two routers and the RADIUS server the test plays.
struct Lab {
  FakeRadiusTransport radius;
  std::unique_ptr<RouterPair> pair;
  int answered = 0;
  std::vector<radius::Packet> accounting;  // the Accounting-Requests seen (not answered)

  explicit Lab(const std::string& password, const std::string& gateway = XauthGateway()) {
    EngineOptions o;
    o.host.radius = &radius;
    pair = std::make_unique<RouterPair>(XauthClient(password), gateway, MonoTime{}, &o);
  }
  Router& client() { return pair->a(); }
  Router& gw() { return pair->b(); }

  // Serve: rad-1 answers every request not answered yet: Access-Accept for alice /
  // "wonderland" (with `framed` as Framed-IP-Address when set), else Access-Reject.
  void Serve(MonoTime now, std::optional<IpAddress> framed = std::nullopt) {
    for (size_t k = static_cast<size_t>(answered); k < radius.sent.size(); ++k) {
      const std::vector<uint8_t>& request = radius.sent[k].bytes;
      absl::StatusOr<radius::Packet> p = radius::ParsePacket(request);
      ASSERT_TRUE(p.ok());
      if (p->code == static_cast<uint8_t>(radius::PacketCode::kAccountingRequest)) {
        accounting.push_back(*p);
        continue;
      }
      radius::Authenticator ra{};
      std::copy_n(request.begin() + 4, 16, ra.begin());
      const radius::RadiusAttribute* user = radius::Find(*p, attr::kUserName);
      const radius::RadiusAttribute* password = radius::Find(*p, attr::kUserPassword);
      ASSERT_NE(user, nullptr);
      ASSERT_NE(password, nullptr);
      const bool ok =
          std::string(user->value.begin(), user->value.end()) == "alice" &&
          password->value == *radius::HidePassword(Bytes("wonderland"), Bytes("s3cret-1"), ra);
      std::vector<radius::RadiusAttribute> attributes;
      if (ok) attributes.push_back({attr::kClass, {'g', 'r', 'p', '-', '1'}});
      if (ok && framed) {
        attributes.push_back(
            {attr::kFramedIpAddress, std::vector<uint8_t>(framed->bytes(), framed->bytes() + 4)});
      }
      gw().engine->OnRadiusDatagram(
          kRad1,
          Answer(request,
                 ok ? radius::PacketCode::kAccessAccept : radius::PacketCode::kAccessReject,
                 std::move(attributes)),
          now);
    }
    answered = static_cast<int>(radius.sent.size());
  }

  static std::vector<uint8_t> Answer(const std::vector<uint8_t>& request, radius::PacketCode code,
                                     std::vector<radius::RadiusAttribute> attributes) {
    return radius::testutil::SignedAnswer(request, code, std::move(attributes), Bytes("s3cret-1"));
  }

  // Connect: the client's first packet starts IKE (it auto-establishes at configuration time
  // too); IKE, RADIUS and the timers run until `seconds` pass.
  void Run(MonoTime& now, int seconds, const RouterPair::CopiesFn& copies = nullptr,
           std::optional<IpAddress> framed = std::nullopt) {
    for (int s = 0; s < seconds * 4; ++s) {
      pair->Pump(now, copies);
      Serve(now, framed);
      pair->Pump(now, copies);
      now = now + Duration::Milliseconds(250);
      client().engine->OnTimer(now);
      gw().engine->OnTimer(now);
    }
    pair->Pump(now, copies);
  }
};

// Session: the newest live session record of `r` (or a failed expectation).
Engine::SessionRecord Session(const Router& r) {
  std::vector<Engine::SessionRecord> log = r.engine->IkeSessions();
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    if (!it->teardown) return *it;
  }
  ADD_FAILURE() << "no live session";
  return {};
}

// Bursts: `rounds` bursts of 8 packets from the client's inner address to the server and 8
// back; true if every packet arrived intact and in order.
bool Bursts(Lab& lab, const IpAddress& inner, MonoTime now, int rounds = 3) {
  bool ok = true;
  for (int r = 0; r < rounds && ok; ++r) {
    lab.client().transport.private_out.clear();
    lab.gw().transport.private_out.clear();
    std::vector<std::vector<uint8_t>> up, down;
    for (int k = 0; k < 8; ++k) {
      const auto seed = static_cast<uint8_t>(r * 8 + k);
      up.push_back(MakeUdpPacket(inner, kServer, static_cast<uint16_t>(1000 + k), seed));
      down.push_back(MakeUdpPacket(kServer, inner, static_cast<uint16_t>(2000 + k), seed));
    }
    lab.client().PrivateBurst(kVprn101, up, now);
    lab.pair->Pump(now);
    lab.gw().PrivateBurst(kVprn101, down, now);
    lab.pair->Pump(now);
    const auto& at_gw = lab.gw().transport.private_out;
    const auto& at_client = lab.client().transport.private_out;
    ok = at_gw.size() == up.size() && at_client.size() == down.size();
    for (size_t k = 0; ok && k < up.size(); ++k) {
      ok = at_gw[k].bytes == up[k] && at_client[k].bytes == down[k];
    }
  }
  return ok;
}

TEST(EngineIkev1Xauth, TheUserIsCheckedByRadiusAndGetsAnAddressAndTrafficFlows) {
  Lab lab("wonderland");
  MonoTime now;
  lab.Run(now, 3);
  ASSERT_EQ(lab.radius.sent.size(), 1u);  // one Access-Request
  const Engine::SessionRecord gw = Session(lab.gw());
  EXPECT_EQ(gw.tunnel, "ipsec-gw gw1");
  EXPECT_EQ(gw.user, "alice");
  ASSERT_TRUE(gw.inner_address.has_value());
  EXPECT_EQ(gw.inner_address->ToString(), "10.9.0.10");
  EXPECT_THAT(gw.algorithms, HasSubstr("IKE main mode"));
  const Engine::SessionRecord client = Session(lab.client());
  ASSERT_TRUE(client.inner_address.has_value());
  EXPECT_EQ(client.inner_address->ToString(), "10.9.0.10");
  EXPECT_TRUE(Bursts(lab, Ip("10.9.0.10"), now));
  // The gateway routes only the client's /32 into its tunnel, nothing else of the pool.
  const std::vector<EngineVerdict> v =
      lab.gw().PrivateBurst(kVprn101,
                            {MakeUdpPacket(kServer, Ip("10.9.0.11"), 7, 1),
                             MakeUdpPacket(kServer, Ip("10.9.0.12"), 7, 2)},
                            now);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].reason, DropReason::kNoRoute);
  EXPECT_EQ(v[1].reason, DropReason::kNoRoute);
}

TEST(EngineIkev1Xauth, AWrongPasswordIsRefusedAndNoTunnelComesUp) {
  Lab lab("looking-glass");
  MonoTime now;
  lab.Run(now, 3);
  ASSERT_GE(lab.radius.sent.size(), 1u);
  EXPECT_TRUE(lab.gw().engine->IkeSessions().empty());
  EXPECT_EQ(lab.gw().engine->ike_counters().auth_failures, 1u);
  bool refused = false;
  for (const RecordingEvents::Ike& e : lab.gw().events.ike) {
    refused = refused || (e.kind == IkeEventKind::kAuthFailed &&
                          e.detail.find("XAUTH user \"alice\" refused") == 0);
  }
  EXPECT_TRUE(refused);
  lab.client().transport.private_out.clear();
  lab.gw().PrivateBurst(kVprn101, {MakeUdpPacket(kServer, Ip("10.9.0.10"), 7, 1)}, now);
  lab.pair->Pump(now);
  EXPECT_TRUE(lab.client().transport.private_out.empty());
}

TEST(EngineIkev1Xauth, RadiusDecidesTheAddress) {
  Lab lab("wonderland");
  MonoTime now;
  lab.Run(now, 3, nullptr, Ip("10.9.0.17"));
  const Engine::SessionRecord gw = Session(lab.gw());
  ASSERT_TRUE(gw.inner_address.has_value());
  EXPECT_EQ(gw.inner_address->ToString(), "10.9.0.17");
  EXPECT_TRUE(Bursts(lab, Ip("10.9.0.17"), now));
}

TEST(EngineIkev1Xauth, ASilentRadiusServerRefusesTheUserAfterItsRetries) {
  Lab lab("wonderland");
  MonoTime now;
  for (int s = 0; s < 40; ++s) {  // nobody answers rad-1's requests
    lab.pair->Pump(now);
    now = now + Duration::Milliseconds(250);
    lab.client().engine->OnTimer(now);
    lab.gw().engine->OnTimer(now);
  }
  EXPECT_GE(lab.radius.sent.size(), 2u);  // the request and its retransmission
  bool refused = false;
  for (const RecordingEvents::Ike& e : lab.gw().events.ike) {
    refused = refused || (e.kind == IkeEventKind::kAuthFailed &&
                          e.detail.find("XAUTH user \"alice\" refused") == 0);
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(lab.gw().engine->IkeSessions().empty());
}

TEST(EngineIkev1Xauth, LossAndDuplicatesOfEveryKindStillConnectOnce) {
  Lab lab("wonderland");
  MonoTime now;
  int n = 0;
  // Every third IKE packet lost once, every other duplicated.
  auto copies = [&n](const Output&, bool) {
    ++n;
    return n % 3 == 0 ? 0 : (n % 2 == 0 ? 2 : 1);
  };
  lab.Run(now, 12, copies);
  lab.Run(now, 2);
  const Engine::SessionRecord gw = Session(lab.gw());
  EXPECT_EQ(gw.user, "alice");
  ASSERT_TRUE(gw.inner_address.has_value());
  EXPECT_TRUE(Bursts(lab, *gw.inner_address, now));
  size_t live = 0;
  for (const Engine::SessionRecord& r : lab.gw().engine->IkeSessions()) live += !r.teardown;
  EXPECT_EQ(live, 1u);
}

TEST(EngineIkev1Xauth, TheAddressGoesBackWhenTheClientLeaves) {
  Lab lab("wonderland");
  MonoTime now;
  lab.Run(now, 3);
  ASSERT_TRUE(Session(lab.gw()).inner_address.has_value());
  lab.pair->Restart(/*a=*/true, XauthClient("wonderland"), 77, now);  // rebooted: INITIAL-CONTACT
  lab.Run(now, 3);
  // The same user gets the same address back (the pool remembers it; the old one was freed).
  const Engine::SessionRecord gw = Session(lab.gw());
  ASSERT_TRUE(gw.inner_address.has_value());
  EXPECT_EQ(gw.inner_address->ToString(), "10.9.0.10");
  size_t live = 0;
  for (const Engine::SessionRecord& r : lab.gw().engine->IkeSessions()) live += !r.teardown;
  EXPECT_EQ(live, 1u);
  EXPECT_TRUE(Bursts(lab, Ip("10.9.0.10"), now));
}

TEST(EngineIkev1Xauth, AccountingStartNamesTheXauthUserWithItsClassAndAddress) {
  Lab lab("wonderland", XauthGateway("        radius-accounting-policy \"ra-acct\"\n"));
  MonoTime now;
  lab.Run(now, 3);
  ASSERT_TRUE(Session(lab.gw()).inner_address.has_value());
  ASSERT_FALSE(lab.accounting.empty());
  const radius::Packet& start = lab.accounting.front();
  const radius::RadiusAttribute* status = radius::Find(start, attr::kAcctStatusType);
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(radius::U32Value(*status), 1u);  // Start
  const radius::RadiusAttribute* user = radius::Find(start, attr::kUserName);
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(std::string(user->value.begin(), user->value.end()), "alice");
  const radius::RadiusAttribute* cls = radius::Find(start, attr::kClass);
  ASSERT_NE(cls, nullptr);
  EXPECT_EQ(std::string(cls->value.begin(), cls->value.end()), "grp-1");
  const radius::RadiusAttribute* framed = radius::Find(start, attr::kFramedIpAddress);
  ASSERT_NE(framed, nullptr);
  EXPECT_EQ(radius::Ipv4Value(*framed), Ip("10.9.0.10"));
}

}  // namespace
}  // namespace tunnelisa::testing
