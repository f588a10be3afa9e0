// IKEv2 EAP relayed to RADIUS between engines in one process: Router A a remote-access client
// (`eap-identity` / `eap-password`), Router B an ipsec-gw with `auth-method eap` whose
// RadiusEapRelay (engine_eap.h) talks to a RADIUS server played by the test over a fake
// transport: EAP-MD5 and EAP-MSCHAPv2 (its MSK from MS-MPPE-Recv/Send-Key), a wrong password,
// a silent server, a challenge without EAP-Message. (The real freeradius behind tunnelisa is
// the strongSwan interop's eap-* cases.)
#include "engine/engine_eap.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/auth/eap_packet.h"
#include "ike/auth/mschapv2.h"
#include "radius/radius_crypto.h"
#include "radius/radius_packet.h"
#include "radius/radius_test_util.h"

namespace tunnelisa::testing {
namespace {

using ::testing::HasSubstr;
namespace attr = radius::attr;

SecretBytes Bytes(std::string_view s) {
  return SecretBytes(std::vector<uint8_t>(s.begin(), s.end()));
}

// The gateway: B's ipsec-gw "gw1" with auth-method eap (proving itself with the PSK) and
// rad-1 127.0.0.1 (secret "s3cret-1", timeout 1 s, 2 tries) behind it; with `accounting`, also
// radius-accounting-policy "acct" on the same servers.
std::string EapGateway(bool accounting = false) {
  std::string text =
      GatewayConfig(accounting ? "        radius-authentication-policy \"ra-auth\"\n"
                                 "        radius-accounting-policy \"acct\"\n"
                               : "        radius-authentication-policy \"ra-auth\"\n");
  text =
      Replace(text, "ike-version 2", "ike-version 2\n    auth-method eap\n    own-auth-method psk");
  text = Replace(text, "config ipsec\n",
                 "config ipsec\n  radius-authentication-policy \"ra-auth\" create\n"
                 "    radius-server-policy \"rsp\"\n  exit\n" +
                     std::string(accounting ? "  radius-accounting-policy \"acct\" create\n"
                                              "    radius-server-policy \"rsp\"\n  exit\n"
                                            : ""));
  return "config router\n  radius-server\n"
         "    server \"rad-1\" address 127.0.0.1 secret \"s3cret-1\" create\n    exit\n"
         "  exit\nexit all\n"
         "config aaa\n  radius-server-policy \"rsp\" create\n    nas-identifier \"gw\"\n"
         "    servers\n      timeout 1\n      retry 2\n      server 1 name \"rad-1\"\n"
         "    exit\n  exit\nexit all\n" +
         text;
}

std::string EapClient(const std::string& password) {
  return Replace(Dynamic(ReadEngineVector("router_a.cfg"), {}, true), "        transform 1\n",
                 "        transform 1\n        eap-identity \"alice\"\n        eap-password \"" +
                     password + "\"\n");
}

class RecordingLog final : public LogSink {
 public:
  void Log(LogLevel, std::string_view message) override { lines.emplace_back(message); }
  bool Has(std::string_view text) const {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
  }
  std::vector<std::string> lines;
};

using FakeRadiusTransport = radius::testutil::RecordingTransport;

const radius::RadiusServerAddress kRad1{.address = Ip("127.0.0.1"), .port = 1812};

// EapRadiusServer: rad-1 with one user (alice / alice-password), EAP-MD5 or EAP-MSCHAPv2
// first; it checks Message-Authenticator and that each request echoes its last State.
class EapRadiusServer {
 public:
  enum class Method { kMd5, kMsChapV2 };
  Method method = Method::kMd5;
  bool omit_eap_in_challenge = false;
  std::vector<uint8_t> accept_class;  // sent as Class (RFC 2865 5.25) in the Access-Accept
  std::vector<std::string> user_names;
  int bad_state = 0;

  // Answer: the reply to one Access-Request.
  std::vector<uint8_t> Answer(const std::vector<uint8_t>& request) {
    radius::Authenticator ra{};
    std::copy_n(request.begin() + 4, 16, ra.begin());
    EXPECT_TRUE(radius::VerifyMessageAuthenticator(request, ra, secret_));
    absl::StatusOr<radius::Packet> p = radius::ParsePacket(request);
    EXPECT_TRUE(p.ok());
    std::vector<uint8_t> eap;
    std::vector<uint8_t> state;
    for (const radius::RadiusAttribute& a : p->attributes) {
      if (a.type == attr::kEapMessage) eap.insert(eap.end(), a.value.begin(), a.value.end());
      if (a.type == attr::kState) state = a.value;
      if (a.type == attr::kUserName) user_names.emplace_back(a.value.begin(), a.value.end());
    }
    if (state != expected_state_) ++bad_state;
    absl::StatusOr<ike::EapPacket> r = ike::EapPacket::Parse(eap);
    EXPECT_TRUE(r.ok());
    const uint8_t next = static_cast<uint8_t>(r->identifier + 1);
    std::vector<radius::RadiusAttribute> out;
    radius::PacketCode code = radius::PacketCode::kAccessChallenge;
    std::vector<uint8_t> reply;
    if (r->type == 1) {  // Identity: the first challenge
      if (method == Method::kMd5) {
        std::vector<uint8_t> d = {16};
        d.insert(d.end(), challenge_.begin(), challenge_.end());
        reply = ike::EapPacket{ike::EapCode::kRequest, next, 4, d}.Serialize();
      } else {
        std::vector<uint8_t> d = {1, next, 0, 4 + 1 + 16, 16};
        d.insert(d.end(), challenge_.begin(), challenge_.end());
        reply = ike::EapPacket{ike::EapCode::kRequest, next, 26, d}.Serialize();
      }
    } else if (r->type == 4) {
      std::vector<uint8_t> in = {r->identifier};
      in.insert(in.end(), {'a', 'l', 'i', 'c', 'e', '-', 'p', 'a', 's', 's', 'w', 'o', 'r', 'd'});
      in.insert(in.end(), challenge_.begin(), challenge_.end());
      std::vector<uint8_t> md(16);
      unsigned int n = 0;
      EVP_Digest(in.data(), in.size(), md.data(), &n, EVP_md5(), nullptr);
      const bool ok = r->data.size() >= 17 && std::equal(md.begin(), md.end(), r->data.begin() + 1);
      code = ok ? radius::PacketCode::kAccessAccept : radius::PacketCode::kAccessReject;
      reply = ike::EapPacket{
          ok ? ike::EapCode::kSuccess : ike::EapCode::kFailure,
          r->identifier,
          0,
          {}}.Serialize();
    } else if (r->type == 26 && r->data[0] == 2) {
      ike::mschapv2::Challenge auth{}, peer{};
      std::copy(challenge_.begin(), challenge_.end(), auth.begin());
      std::copy(r->data.begin() + 5, r->data.begin() + 21, peer.begin());
      std::copy(r->data.begin() + 29, r->data.begin() + 53, nt_.begin());
      absl::StatusOr<ike::mschapv2::NtResponse> want =
          ike::mschapv2::GenerateNtResponse(auth, peer, "alice", Bytes("alice-password"));
      if (!want.ok() || *want != nt_) {
        code = radius::PacketCode::kAccessReject;
        reply = ike::EapPacket{ike::EapCode::kFailure, r->identifier, 0, {}}.Serialize();
      } else {
        const std::string m = *ike::mschapv2::AuthenticatorResponse(Bytes("alice-password"), nt_,
                                                                    peer, auth, "alice") +
                              " M=ok";
        std::vector<uint8_t> d = {3, next, 0, static_cast<uint8_t>(4 + m.size())};
        d.insert(d.end(), m.begin(), m.end());
        reply = ike::EapPacket{ike::EapCode::kRequest, next, 26, d}.Serialize();
      }
    } else if (r->type == 26 && r->data[0] == 3) {
      code = radius::PacketCode::kAccessAccept;
      reply = ike::EapPacket{ike::EapCode::kSuccess, r->identifier, 0, {}}.Serialize();
      // The NAS's Recv-Key is the peer's send key: the first half of the peer's MSK.
      SecretBytes msk = *ike::mschapv2::PeerMsk(Bytes("alice-password"), nt_);
      out.push_back(Mppe(17, msk.span().first(16), ra));
      out.push_back(Mppe(16, msk.span().subspan(16), ra));
    }
    if (code == radius::PacketCode::kAccessAccept && !accept_class.empty()) {
      out.push_back(radius::BytesAttribute(attr::kClass, accept_class));
    }
    if (!(code == radius::PacketCode::kAccessChallenge && omit_eap_in_challenge)) {
      EXPECT_TRUE(radius::AppendEapMessage(reply, out).ok());
    }
    if (code == radius::PacketCode::kAccessChallenge) {
      expected_state_ = {static_cast<uint8_t>(0x50 + round_++), 0x42};
      out.push_back(radius::BytesAttribute(attr::kState, expected_state_));
    }
    return Sign(request, code, std::move(out));
  }

 private:
  radius::RadiusAttribute Mppe(uint8_t type, std::span<const uint8_t> key,
                               const radius::Authenticator& ra) {
    std::vector<uint8_t> v = radius::EncryptMppeKey(SecretBytes(key), 0x8001 + type, secret_, ra);
    std::vector<uint8_t> vsa = {0, 0, 1, 55, type, static_cast<uint8_t>(2 + v.size())};
    vsa.insert(vsa.end(), v.begin(), v.end());
    return {attr::kVendorSpecific, vsa};
  }
  std::vector<uint8_t> Sign(const std::vector<uint8_t>& request, radius::PacketCode code,
                            std::vector<radius::RadiusAttribute> attributes) {
    return radius::testutil::SignedAnswer(request, code, std::move(attributes), secret_);
  }
  SecretBytes secret_ = Bytes("s3cret-1");
  std::array<uint8_t, 16> challenge_ = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
  std::vector<uint8_t> expected_state_;
  int round_ = 0;
  ike::mschapv2::NtResponse nt_{};
};

// EapNet: the pair and the server; Run moves IKE and RADIUS until both are quiet (the server
// answers when `answer`), at `now`.
struct EapNet {
  FakeRadiusTransport transport;
  EngineOptions options;
  std::unique_ptr<RouterPair> pair;
  EapRadiusServer server;
  size_t answered = 0;
  std::vector<radius::Packet> accounting;  // the Accounting-Requests sent (left unanswered)

  explicit EapNet(const std::string& password, bool with_accounting = false) {
    options.host.radius = &transport;
    pair = std::make_unique<RouterPair>(EapClient(password), EapGateway(with_accounting), At(0),
                                        &options);
  }
  void Run(MonoTime now, bool answer = true) {
    for (int k = 0; k < 16; ++k) {
      pair->Pump(now);
      if (!answer || answered == transport.sent.size()) return;
      while (answered < transport.sent.size()) {
        const auto& [to, bytes] = transport.sent[answered++];
        if (absl::StatusOr<radius::Packet> p = radius::ParsePacket(bytes);
            p.ok() && p->code == static_cast<uint8_t>(radius::PacketCode::kAccountingRequest)) {
          accounting.push_back(*std::move(p));
          continue;
        }
        EXPECT_EQ(to, kRad1);
        pair->b().engine->OnRadiusDatagram(kRad1, server.Answer(bytes), now);
      }
    }
  }
};

TEST(EngineEap, Md5UserGetsInThroughRadiusAndTrafficFlows) {
  EapNet net("alice-password");
  net.Run(At(0));
  ASSERT_EQ(net.pair->b().events.Count(IkeEventKind::kChildUp), 1u);
  ASSERT_EQ(net.pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(Traffic(*net.pair, At(1)));
  // Identity, then the MD5 response: two Access-Requests, the second with the first's State.
  EXPECT_EQ(net.server.user_names, (std::vector<std::string>{"alice", "alice"}));
  EXPECT_EQ(net.server.bad_state, 0);
  std::vector<Engine::SessionRecord> log = net.pair->b().engine->IkeSessions();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_THAT(log[0].peer_id, HasSubstr("user alice (EAP"));
}

TEST(EngineEap, MsChapV2UserGetsInWithTheMskFromTheMppeKeys) {
  EapNet net("alice-password");
  net.server.method = EapRadiusServer::Method::kMsChapV2;
  net.Run(At(0));
  ASSERT_EQ(net.pair->b().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(Traffic(*net.pair, At(1)));
  EXPECT_EQ(net.server.user_names.size(), 3u);  // identity, response, success ack
  EXPECT_EQ(net.server.bad_state, 0);
}

// RFC 2865 5.25: the Class an Access-Accept carries goes back to the server unchanged in the
// session's accounting; the session's User-Name is the EAP identity, not the IKE ID.
TEST(EngineEap, TheAcceptsClassAndTheEapUserAreInTheAccountingStart) {
  for (auto method : {EapRadiusServer::Method::kMd5, EapRadiusServer::Method::kMsChapV2}) {
    EapNet net("alice-password", /*with_accounting=*/true);
    net.server.method = method;
    net.server.accept_class = {'g', 'r', 'o', 'u', 'p', '=', 's', 'a', 'l', 'e', 's'};
    net.Run(At(0));
    ASSERT_EQ(net.pair->b().events.Count(IkeEventKind::kChildUp), 1u);
    ASSERT_FALSE(net.accounting.empty());
    const radius::Packet& start = net.accounting.front();
    const radius::RadiusAttribute* status = radius::Find(start, attr::kAcctStatusType);
    ASSERT_NE(status, nullptr);
    EXPECT_EQ(radius::U32Value(*status), 1u);  // Start
    const radius::RadiusAttribute* cls = radius::Find(start, attr::kClass);
    ASSERT_NE(cls, nullptr);
    EXPECT_EQ(cls->value, net.server.accept_class);
    const radius::RadiusAttribute* user = radius::Find(start, attr::kUserName);
    ASSERT_NE(user, nullptr);
    EXPECT_EQ(std::string(user->value.begin(), user->value.end()), "alice");
  }
  // Without a Class in the Accept, the Start has none.
  EapNet net("alice-password", /*with_accounting=*/true);
  net.Run(At(0));
  ASSERT_FALSE(net.accounting.empty());
  EXPECT_EQ(radius::Find(net.accounting.front(), attr::kClass), nullptr);
}

TEST(EngineEap, AWrongPasswordIsRefusedByRadius) {
  for (auto method : {EapRadiusServer::Method::kMd5, EapRadiusServer::Method::kMsChapV2}) {
    EapNet net("not-her-password");
    net.server.method = method;
    net.Run(At(0));
    EXPECT_EQ(net.pair->b().events.Count(IkeEventKind::kChildUp), 0u);
    EXPECT_EQ(net.pair->a().events.Count(IkeEventKind::kChildUp), 0u);
    bool refused = false;
    for (const auto& e : net.pair->b().events.ike) {
      refused = refused ||
                (e.kind == IkeEventKind::kAuthFailed &&
                 e.detail.find("rejected by RADIUS server 127.0.0.1:1812") != std::string::npos);
    }
    EXPECT_TRUE(refused);
    bool client_told = false;
    for (const auto& e : net.pair->a().events.ike) {
      client_told = client_told || (e.kind == IkeEventKind::kAuthFailed &&
                                    e.detail.find("refused EAP user alice") != std::string::npos);
    }
    EXPECT_TRUE(client_told);
  }
}

TEST(EngineEap, ASilentRadiusServerEndsInEapFailure) {
  EapNet net("alice-password");
  net.Run(At(0), /*answer=*/false);
  ASSERT_EQ(net.transport.sent.size(), 1u);
  // timeout 1 s, 2 tries: the relay answers failure after 2 s, before IKE's own limit.
  for (double t = 0.5; t <= 4; t += 0.5) {
    net.pair->b().engine->OnTimer(At(t));
    net.pair->a().engine->OnTimer(At(t));
    net.pair->Pump(At(t));
  }
  EXPECT_EQ(net.transport.sent.size(), 2u);
  bool timed_out = false;
  for (const auto& e : net.pair->b().events.ike) {
    timed_out = timed_out || (e.kind == IkeEventKind::kAuthFailed &&
                              e.detail.find("no RADIUS server answered") != std::string::npos);
  }
  EXPECT_TRUE(timed_out);
  EXPECT_EQ(net.pair->a().events.Count(IkeEventKind::kChildUp), 0u);
}

TEST(EngineEap, AChallengeWithoutEapMessageIsRefused) {
  EapNet net("alice-password");
  net.server.omit_eap_in_challenge = true;
  net.Run(At(0));
  EXPECT_EQ(net.pair->b().events.Count(IkeEventKind::kChildUp), 0u);
  bool refused = false;
  for (const auto& e : net.pair->b().events.ike) {
    refused = refused || e.detail.find("Access-Challenge without EAP-Message") != std::string::npos;
  }
  EXPECT_TRUE(refused);
}

TEST(EngineEap, PskRadiusAndCertRadiusStayDownWithTheReason) {
  RecordingLog log;
  FakeRadiusTransport transport;
  EngineOptions options;
  options.host.log = &log;
  options.host.radius = &transport;
  std::string text =
      Replace(EapGateway(), "auth-method eap\n    own-auth-method psk", "auth-method psk-radius");
  auto gw = MakeRouter(text, 1, At(0), &options);
  EXPECT_TRUE(
      log.Has("auth-method psk-radius needs two client authentications in one IKE SA "
              "(RFC 4739"))
      << ::testing::PrintToString(log.lines);
}

// The relay alone: End cancels the request in flight (no answer), and a relay destroyed with a
// request in flight leaves nothing behind in the RADIUS client.
TEST(EngineEap, EndAndDestructionCancelTheRequestInFlight) {
  FakeRadiusTransport transport;
  EngineRadius radius(&transport, nullptr, nullptr);
  radius.Reconcile(ParseConfig(EapGateway()));
  int answers = 0;
  auto relay = std::make_unique<RadiusEapRelay>(
      radius, "rsp", [&](uint64_t, ike::EapRelayAnswer, MonoTime) { ++answers; });
  ike::EapRelayStep step{
      "alice", {2, 1, 0, 10, 1, 'a', 'l', 'i', 'c', 'e'}, Ip("1.1.1.2"), Ip("2.2.2.2")};
  ASSERT_TRUE(relay->Relay(1, step, At(0)).ok());
  EXPECT_EQ(relay->Relay(1, step, At(0)).code(), absl::StatusCode::kAlreadyExists);
  relay->End(1, At(0));
  EXPECT_EQ((*radius.ClientFor("rsp"))->pending(), 0u);
  ASSERT_TRUE(relay->Relay(2, step, At(0)).ok());
  EXPECT_EQ((*radius.ClientFor("rsp"))->pending(), 1u);
  relay.reset();
  EXPECT_EQ((*radius.ClientFor("rsp"))->pending(), 0u);
  EXPECT_EQ(radius.OnTimer(At(10)), MonoTime::Infinite());
  EXPECT_EQ(answers, 0);
}

}  // namespace
}  // namespace tunnelisa::testing
