// EngineRadius: the engine's RADIUS clients built from the configuration's
// radius-server-policies, over a fake transport that records what would go to the servers.
#include "engine/engine_radius.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"
#include "tests/test_tools/vector_file.h"

namespace tunnelisa::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeRadiusTransport final : public radius::RadiusTransport {
 public:
  void Send(const radius::RadiusServerAddress& to, std::span<const uint8_t> datagram) override {
    sent.emplace_back(to, std::vector<uint8_t>(datagram.begin(), datagram.end()));
  }
  std::vector<radius::RadiusServerAddress> Destinations() const {
    std::vector<radius::RadiusServerAddress> to;
    for (const auto& [address, bytes] : sent) to.push_back(address);
    return to;
  }
  std::vector<std::pair<radius::RadiusServerAddress, std::vector<uint8_t>>> sent;
};

// RemoteAccessText: tests/vectors/configs/remote_access.cfg: radius-server-policy "rsp"
// (nas-identifier "gw-a", timeout 3, retry 2, rad-1 127.0.0.1 then rad-2 127.0.0.2:11812)
// and ipsec-gw "rw" (1.1.1.9, auth-method psk-radius) using it.
std::string RemoteAccessText() {
  std::ifstream in(tunnelisa::testing::SourceDir() + "/tests/vectors/configs/remote_access.cfg");
  EXPECT_TRUE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const config::IpsecGw& GatewayRw(const config::Config& c) {
  return c.services.at(100).interfaces.at("public-1").sap->ipsec_gws.at("rw");
}

radius::RadiusServerAddress Server(const char* address, uint16_t port) {
  return {.address = Ip(address), .port = port};
}

radius::AccessRequest Alice() {
  const std::string pw = "wonderland";
  return {.user_name = "alice",
          .password = SecretBytes(std::vector<uint8_t>(pw.begin(), pw.end()))};
}

MonoTime At(int64_t seconds) { return MonoTime{} + Duration::Seconds(seconds); }

TEST(EngineRadiusTest, WithoutTransportNoClientAndTheGatewaySaysWhy) {
  config::Config c = ParseConfig(RemoteAccessText());
  EngineRadius radius(nullptr, nullptr, nullptr);
  radius.Reconcile(c);
  absl::StatusOr<radius::RadiusClient*> client = radius.ClientFor("rsp");
  ASSERT_FALSE(client.ok());
  EXPECT_THAT(client.status().message(), HasSubstr("Host::radius"));
  EXPECT_THAT(radius.ClientFor("nope").status().message(), HasSubstr("\"nope\" does not exist"));
  absl::Status gw = radius.UsableFor(c, GatewayRw(c));
  EXPECT_EQ(gw.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(gw.message(), HasSubstr("auth-method psk-radius checks users through RADIUS"));
  EXPECT_THAT(gw.message(), HasSubstr("Host::radius"));
  EXPECT_EQ(radius.OnTimer(At(1)), MonoTime::Infinite());
}

TEST(EngineRadiusTest, OptionsFollowThePolicy) {
  config::Config c = ParseConfig(RemoteAccessText());
  absl::StatusOr<radius::RadiusClientOptions> o =
      EngineRadius::OptionsFor(c, c.radius_server_policies.at("rsp"), Ip("1.1.1.9"));
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->servers.size(), 2u);
  EXPECT_EQ(o->servers[0].address, Ip("127.0.0.1"));
  EXPECT_EQ(o->servers[0].auth_port, 1812);
  EXPECT_EQ(o->servers[0].acct_port, 1813);
  EXPECT_EQ(o->servers[1].address, Ip("127.0.0.2"));
  EXPECT_EQ(o->servers[1].auth_port, 11812);
  EXPECT_EQ(o->servers[1].acct_port, 11813);
  EXPECT_EQ(o->timeout, Duration::Seconds(3));
  EXPECT_EQ(o->tries, 2);
  EXPECT_EQ(o->nas_identifier, "gw-a");
  EXPECT_FALSE(o->nas_ip_address.is_set());  // the identifier is enough (RFC 2865 4.1)
}

// Without a nas-identifier the client sends NAS-IP-Address: the gateway's address.
TEST(EngineRadiusTest, WithoutNasIdentifierTheGatewayAddressIdentifiesUs) {
  config::Config c =
      ParseConfig(Replace(RemoteAccessText(), "        nas-identifier \"gw-a\"\n", ""));
  FakeRadiusTransport transport;
  EngineRadius radius(&transport, nullptr, nullptr);
  radius.Reconcile(c);
  ASSERT_TRUE(radius.ClientFor("rsp").ok()) << radius.ClientFor("rsp").status();
  EXPECT_TRUE(radius.UsableFor(c, GatewayRw(c)).ok());
  absl::StatusOr<radius::RadiusClientOptions> o =
      EngineRadius::OptionsFor(c, c.radius_server_policies.at("rsp"), Ip("1.1.1.9"));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->nas_ip_address, Ip("1.1.1.9"));
}

// retry 2: two sends to rad-1 `timeout` apart, then two to rad-2, then the request times out;
// OnTimer drives it all and returns the deadlines.
TEST(EngineRadiusTest, RetryAndTimeoutFromThePolicy) {
  config::Config c = ParseConfig(RemoteAccessText());
  FakeRadiusTransport transport;
  EngineRadius radius(&transport, nullptr, nullptr);
  radius.Reconcile(c);
  absl::StatusOr<radius::RadiusClient*> client = radius.ClientFor("rsp");
  ASSERT_TRUE(client.ok()) << client.status();
  std::optional<radius::AuthOutcome> outcome;
  ASSERT_TRUE(
      (*client)
          ->Authenticate(Alice(), At(0),
                         [&](uint64_t, const radius::AuthResult& r) { outcome = r.outcome; })
          .ok());
  MonoTime next = radius.OnTimer(At(0));
  EXPECT_EQ(next, At(3));
  int rounds = 0;
  while (!outcome && next != MonoTime::Infinite() && rounds++ < 10) next = radius.OnTimer(next);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(*outcome, radius::AuthOutcome::kTimeout);
  EXPECT_EQ(next, MonoTime::Infinite());
  EXPECT_THAT(transport.Destinations(),
              ElementsAre(Server("127.0.0.1", 1812), Server("127.0.0.1", 1812),
                          Server("127.0.0.2", 11812), Server("127.0.0.2", 11812)));
}

// A reload that leaves the policy alone keeps the client and its request in flight; one that
// changes the policy rebuilds it; one that removes it drops it.
TEST(EngineRadiusTest, RebuiltOnlyWhenThePolicyChanges) {
  const std::string text = RemoteAccessText();
  FakeRadiusTransport transport;
  EngineRadius radius(&transport, nullptr, nullptr);
  radius.Reconcile(ParseConfig(text));
  radius::RadiusClient* client = *radius.ClientFor("rsp");
  ASSERT_TRUE(
      client->Authenticate(Alice(), At(0), [](uint64_t, const radius::AuthResult&) {}).ok());
  radius.OnTimer(At(0));

  radius.Reconcile(ParseConfig(Replace(text, "update-interval 10", "update-interval 20")));
  ASSERT_TRUE(radius.ClientFor("rsp").ok());
  EXPECT_EQ(*radius.ClientFor("rsp"), client);
  EXPECT_EQ(client->pending(), 1u);

  radius.Reconcile(ParseConfig(Replace(text, "timeout 3", "timeout 4")));
  ASSERT_TRUE(radius.ClientFor("rsp").ok());
  EXPECT_EQ((*radius.ClientFor("rsp"))->pending(), 0u);  // a new client: nothing in flight
  EXPECT_EQ(radius.OnTimer(At(1)), MonoTime::Infinite());

  // A server's secret is part of the policy's client too.
  client = *radius.ClientFor("rsp");
  ASSERT_TRUE(
      client->Authenticate(Alice(), At(1), [](uint64_t, const radius::AuthResult&) {}).ok());
  radius.Reconcile(ParseConfig(
      Replace(Replace(text, "timeout 3", "timeout 4"), "secret \"s3cret-2\"", "secret \"other\"")));
  EXPECT_EQ((*radius.ClientFor("rsp"))->pending(), 0u);
}

// Answers go to the client that asks that server; datagrams from elsewhere reach none.
TEST(EngineRadiusTest, DatagramsGoToTheClientOfTheirServer) {
  config::Config c = ParseConfig(RemoteAccessText());
  FakeRadiusTransport transport;
  EngineRadius radius(&transport, nullptr, nullptr);
  radius.Reconcile(c);
  radius::RadiusClient* client = *radius.ClientFor("rsp");
  const std::vector<uint8_t> junk = {2, 7, 0, 4};
  radius.OnDatagram(Server("192.0.2.1", 1812), junk, At(0));
  radius.OnDatagram(Server("127.0.0.1", 9999), junk, At(0));
  EXPECT_EQ(client->stats().malformed + client->stats().unknown_responses, 0u);
  radius.OnDatagram(Server("127.0.0.2", 11812), junk, At(0));
  radius.OnDatagram(Server("127.0.0.1", 1813), std::vector<uint8_t>{}, At(0));
  EXPECT_EQ(client->stats().malformed + client->stats().unknown_responses, 2u);
}

// Two radius-server-policies naming the same server: their clients send through the one
// transport, so they share its Identifiers (RFC 2865 3): requests made at once by both never
// carry the same Identifier to that server port.
TEST(EngineRadiusTest, PoliciesNamingOneServerNeverShareAnIdentifierInFlight) {
  const std::string text = Replace(RemoteAccessText(), "config aaa\n", R"(config aaa
    radius-server-policy "rsp-2" create
        nas-identifier "gw-b"
        servers
            server 1 name "rad-1"
        exit
    exit
)");
  FakeRadiusTransport transport;
  EngineRadius radius(&transport, nullptr, nullptr);
  radius.Reconcile(ParseConfig(text));
  absl::StatusOr<radius::RadiusClient*> one = radius.ClientFor("rsp");
  absl::StatusOr<radius::RadiusClient*> two = radius.ClientFor("rsp-2");
  ASSERT_TRUE(one.ok() && two.ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(
        (*one)->Authenticate(Alice(), At(0), [](uint64_t, const radius::AuthResult&) {}).ok());
    ASSERT_TRUE(
        (*two)->Authenticate(Alice(), At(0), [](uint64_t, const radius::AuthResult&) {}).ok());
  }
  ASSERT_EQ(transport.sent.size(), 200u);
  std::set<uint8_t> identifiers;
  for (const auto& [to, bytes] : transport.sent) {
    EXPECT_EQ(to, Server("127.0.0.1", 1812));
    EXPECT_TRUE(identifiers.insert(bytes[1]).second) << "Identifier " << int{bytes[1]} << " twice";
  }
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

// The engine: without Host::radius its RADIUS gateway says so; with it, the gateway's reason
// is what is left (the user check itself), and answers reach the clients without harm.
TEST(EngineRadiusTest, EngineWithAndWithoutTransport) {
  RecordingLog log;
  EngineOptions options;
  options.host.log = &log;
  std::unique_ptr<Router> without = MakeRouter(RemoteAccessText(), 1, At(0), &options);
  EXPECT_TRUE(
      log.Has("ipsec-gw \"rw\" does not answer: no SA: auth-method psk-radius checks "
              "users through RADIUS: the host gave the engine no RADIUS transport"))
      << ::testing::PrintToString(log.lines);

  RecordingLog log2;
  FakeRadiusTransport transport;
  options.host.log = &log2;
  options.host.radius = &transport;
  std::unique_ptr<Router> with = MakeRouter(RemoteAccessText(), 1, At(0), &options);
  EXPECT_FALSE(log2.Has("Host::radius"));
  EXPECT_TRUE(log2.Has("ipsec-gw \"rw\" does not answer: no SA: auth-method psk-radius"));
  const std::vector<uint8_t> junk = {2, 7, 0, 4};
  with->engine->OnRadiusDatagram(Server("127.0.0.1", 1812), junk, At(1));
  with->engine->OnRadiusDatagram(Server("192.0.2.1", 1812), {}, At(1));
  with->engine->OnTimer(At(1));
  EXPECT_TRUE(transport.sent.empty());  // nothing asks RADIUS by itself
}

}  // namespace
}  // namespace tunnelisa::testing
