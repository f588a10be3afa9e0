// Remote access between engines in one process: Router B as ipsec-gw "gw1" with a
// local-address-assignment pool in its private tunnel interface's subnet (10.9.0.0/24), and
// remote-access clients (Router A with `request-address`, on several public addresses) that
// get their inner address through the IKEv2 configuration payload.
#include <memory>
#include <string>
#include <vector>

#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using ::testing::HasSubstr;

// GatewayWithPool: the gateway with the pool [first, last] and one DNS server.
std::string GatewayWithPool(const std::string& first, const std::string& last) {
  std::string text = GatewayConfig(
      "        local-address-assignment\n"
      "          ipv4\n"
      "            address-range " +
      first + " " + last +
      "\n"
      "            dns-server 10.9.0.1\n"
      "          exit\n"
      "        exit\n");
  return Replace(text, "  interface \"private-ipsec-1\" tunnel create\n",
                 "  interface \"private-ipsec-1\" tunnel create\n    address 10.9.0.1/24\n");
}

// ClientConfig: Router A as a remote-access client on `public_address` (in 1.1.1.0/24) with
// identity `fqdn`: it asks for an address, and its side of the tunnel is the pool's subnet.
// Its host holds the inner address: the interface "inner" (10.9.0.254/24) takes what the
// tunnel delivers for it to the host, as a client's virtual interface would.
std::string ClientConfig(const std::string& public_address, const std::string& fqdn) {
  std::string text = Dynamic(ReadEngineVector("router_a.cfg"), {}, true);
  text =
      Replace(text, "        transform 1\n",
              "        transform 1\n        request-address\n        local-id fqdn " + fqdn + "\n");
  text = Replace(text, "local-ip 192.168.1.0/24", "local-ip 10.9.0.0/24");
  text = Replace(text, "  interface \"lan\" create\n",
                 "  interface \"inner\" create\n    address 10.9.0.254/24\n  exit\n"
                 "  interface \"lan\" create\n");
  return Replace(text, "local-gateway-address 1.1.1.2", "local-gateway-address " + public_address);
}

const IpAddress kServer = Ip("192.168.2.1");  // on the gateway's side

// Net: the gateway and its clients on one in-memory public network: what a client sends goes
// to the gateway, what the gateway sends goes to the client whose address it is for.
struct Net {
  std::unique_ptr<Router> gw;
  std::vector<std::unique_ptr<Router>> clients;
  std::vector<IpAddress> publics;

  explicit Net(const std::string& gw_config) : gw(MakeRouter(gw_config, 100)) {}

  Router& Add(const std::string& public_address, const std::string& fqdn, MonoTime now) {
    clients.push_back(MakeRouter(ClientConfig(public_address, fqdn), 1 + clients.size() * 7, now));
    publics.push_back(Ip(public_address));
    return *clients.back();
  }
  // Replace: client `k` rebooted (a fresh engine, no SAs), as a reconnecting user.
  Router& Replace(size_t k, const std::string& fqdn, MonoTime now) {
    clients[k] = MakeRouter(ClientConfig(publics[k].ToString(), fqdn), 50 + k, now);
    return *clients[k];
  }
  void Pump(MonoTime now) {
    for (int round = 0; round < 32; ++round) {
      std::vector<std::vector<uint8_t>> to_gw;
      for (auto& c : clients) {
        if (c == nullptr) continue;
        for (Output& o : c->transport.public_out) to_gw.push_back(std::move(o.bytes));
        c->transport.public_out.clear();
      }
      std::vector<std::vector<std::vector<uint8_t>>> to_client(clients.size());
      for (Output& o : gw->transport.public_out) {
        for (size_t k = 0; k < clients.size(); ++k) {
          if (Dst(o.bytes) == publics[k]) {
            to_client[k].push_back(std::move(o.bytes));
            break;
          }
        }
      }
      gw->transport.public_out.clear();
      bool quiet = to_gw.empty();
      if (!to_gw.empty()) gw->PublicBurst(to_gw, now);
      for (size_t k = 0; k < clients.size(); ++k) {
        if (to_client[k].empty() || clients[k] == nullptr) continue;
        quiet = false;
        clients[k]->PublicBurst(to_client[k], now);
      }
      if (quiet) return;
    }
  }
};

// InnerAddress: what the client's session log says it was given (unset: nothing).
std::optional<IpAddress> InnerAddress(const Router& r) {
  std::vector<Engine::SessionRecord> log = r.engine->IkeSessions();
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    if (!it->teardown) return it->inner_address;
  }
  return std::nullopt;
}

// Bursts: `rounds` bursts of 8 packets from the client's inner address to the server and 8
// back; true if every packet arrived intact and in order.
bool Bursts(Net& net, Router& client, const IpAddress& inner, MonoTime now, int rounds = 3) {
  bool ok = true;
  for (int r = 0; r < rounds && ok; ++r) {
    client.transport.private_out.clear();
    net.gw->transport.private_out.clear();
    std::vector<std::vector<uint8_t>> up, down;
    for (int k = 0; k < 8; ++k) {
      const auto seed = static_cast<uint8_t>(r * 8 + k);
      up.push_back(MakeUdpPacket(inner, kServer, static_cast<uint16_t>(1000 + k), seed));
      down.push_back(MakeUdpPacket(kServer, inner, static_cast<uint16_t>(2000 + k), seed));
    }
    client.PrivateBurst(kVprn101, up, now);
    net.Pump(now);
    net.gw->PrivateBurst(kVprn101, down, now);
    net.Pump(now);
    const auto& at_gw = net.gw->transport.private_out;
    const auto& at_client = client.transport.private_out;
    ok = at_gw.size() == up.size() && at_client.size() == down.size();
    for (size_t k = 0; ok && k < up.size(); ++k) {
      ok = at_gw[k].bytes == up[k] && at_client[k].bytes == down[k];
    }
  }
  return ok;
}

TEST(EngineRemoteAccess, AClientGetsAnAddressFromThePoolAndTrafficFlowsBothWays) {
  Net net(GatewayWithPool("10.9.0.10", "10.9.0.20"));
  Router& c = net.Add("1.1.1.2", "alice.example.com", At(0));
  net.Pump(At(0));
  ASSERT_EQ(c.events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(InnerAddress(c), Ip("10.9.0.10"));
  EXPECT_EQ(InnerAddress(*net.gw), Ip("10.9.0.10"));  // the gateway's session log too
  EXPECT_EQ(net.gw->engine->ike_counters().addresses_assigned, 1u);
  EXPECT_TRUE(Bursts(net, c, Ip("10.9.0.10"), At(1)));
  // The gateway routes only the client's /32 into its tunnel, nothing else of the subnet.
  const auto other = MakeUdpPacket(kServer, Ip("10.9.0.11"), 3000, 1);
  EXPECT_EQ(net.gw->Private(kVprn101, other, At(2)).reason, DropReason::kNoRoute);
  EXPECT_EQ(net.gw->engine->counters().total_drops(), 1u);
}

TEST(EngineRemoteAccess, TwoClientsGetDifferentAddressesAndAThirdFindsThePoolEmpty) {
  Net net(GatewayWithPool("10.9.0.10", "10.9.0.11"));
  Router& alice = net.Add("1.1.1.2", "alice.example.com", At(0));
  Router& bob = net.Add("1.1.1.5", "bob.example.com", At(0));
  net.Pump(At(0));
  ASSERT_EQ(alice.events.Count(IkeEventKind::kChildUp), 1u);
  ASSERT_EQ(bob.events.Count(IkeEventKind::kChildUp), 1u);
  const std::optional<IpAddress> a = InnerAddress(alice), b = InnerAddress(bob);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(Bursts(net, alice, *a, At(1)));
  EXPECT_TRUE(Bursts(net, bob, *b, At(1)));

  // Carol: the pool is empty. IKE_AUTH authenticates her but creates no CHILD SA.
  Router& carol = net.Add("1.1.1.6", "carol.example.com", At(2));
  net.Pump(At(2));
  EXPECT_EQ(carol.events.Count(IkeEventKind::kChildUp), 0u);
  ASSERT_EQ(carol.events.Count(IkeEventKind::kNegotiationFailed), 1u);
  bool told = false;
  for (const auto& e : carol.events.ike) {
    if (e.kind == IkeEventKind::kNegotiationFailed) {
      EXPECT_THAT(e.detail, HasSubstr("INTERNAL_ADDRESS_FAILURE"));
      told = true;
    }
  }
  EXPECT_TRUE(told);
  const IkeCounters gc = net.gw->engine->ike_counters();
  EXPECT_EQ(gc.address_failures, 1u);
  EXPECT_EQ(gc.addresses_assigned, 2u);
  EXPECT_EQ(gc.ike_sas, 2u);  // carol's IKE SA went with her Delete: nothing leaks
  // The others are unaffected.
  EXPECT_TRUE(Bursts(net, alice, *a, At(3)));

  // Alice leaves: her address and route go back; carol, retrying, gets it.
  alice.engine->Shutdown(At(4));
  net.Pump(At(4));
  EXPECT_EQ(net.gw->Private(kVprn101, MakeUdpPacket(kServer, *a, 3000, 2), At(4)).reason,
            DropReason::kNoRoute);
  Router& carol2 = net.Replace(2, "carol.example.com", At(5));
  net.Pump(At(5));
  ASSERT_EQ(carol2.events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(InnerAddress(carol2), *a);
  EXPECT_TRUE(Bursts(net, carol2, *a, At(6)));
}

// The gateway's session log finds a rekeyed IKE SA's record by the SPIs of the SA it replaced
// (all of a gateway's sessions share its name): with two clients, each rekey and each final
// Delete lands on that client's own record.
TEST(EngineRemoteAccess, TheSessionLogFollowsEachClientsIkeSaThroughRekeys) {
  Net net(GatewayWithPool("10.9.0.10", "10.9.0.20"));
  Router& alice = net.Add("1.1.1.2", "alice.example.com", At(0));
  Router& bob = net.Add("1.1.1.5", "bob.example.com", At(0));
  net.Pump(At(0));
  const std::optional<IpAddress> b = InnerAddress(bob);
  ASSERT_TRUE(b.has_value());
  // Bob's IKE SA is rekeyed three times (each rekey's prior SPIs are the last one's new
  // ones), then his CHILD SA; Alice's IKE SA once.
  for (int k = 1; k <= 3; ++k) {
    ASSERT_TRUE(bob.engine->Rekey(kIpsec, /*ike=*/true, At(k)).ok());
    net.Pump(At(k));
  }
  ASSERT_TRUE(bob.engine->Rekey(kIpsec, /*ike=*/false, At(4)).ok());
  net.Pump(At(4));
  ASSERT_TRUE(alice.engine->Rekey(kIpsec, /*ike=*/true, At(5)).ok());
  net.Pump(At(5));
  EXPECT_EQ(net.gw->events.Count(IkeEventKind::kIkeRekeyed), 4u);
  EXPECT_TRUE(Bursts(net, bob, *b, At(6)));
  auto record = [&](const char* peer) {
    std::vector<Engine::SessionRecord> log = net.gw->engine->IkeSessions();
    EXPECT_EQ(log.size(), 2u);
    for (const Engine::SessionRecord& r : log) {
      if (r.peer == Ip(peer)) return r;
    }
    ADD_FAILURE() << "no record of " << peer;
    return Engine::SessionRecord{};
  };
  EXPECT_FALSE(record("1.1.1.2").teardown.has_value());
  EXPECT_FALSE(record("1.1.1.5").teardown.has_value());
  // Bob leaves: his record ends (his latest IKE SA's Delete), Alice's stays open.
  bob.engine->Shutdown(At(7));
  net.Pump(At(7));
  EXPECT_EQ(record("1.1.1.5").teardown, At(7));
  EXPECT_FALSE(record("1.1.1.5").teardown_reason.empty());
  EXPECT_FALSE(record("1.1.1.2").teardown.has_value());
  alice.engine->Shutdown(At(8));
  net.Pump(At(8));
  EXPECT_EQ(record("1.1.1.2").teardown, At(8));
  EXPECT_EQ(record("1.1.1.5").teardown, At(7));
}

TEST(EngineRemoteAccess, AReconnectingClientGetsItsPreviousAddress) {
  Net net(GatewayWithPool("10.9.0.10", "10.9.0.20"));
  Router& alice = net.Add("1.1.1.2", "alice.example.com", At(0));
  net.Add("1.1.1.5", "bob.example.com", At(0));
  net.Pump(At(0));
  ASSERT_EQ(InnerAddress(alice), Ip("10.9.0.10"));
  alice.engine->Shutdown(At(1));
  net.Pump(At(1));
  // Carol comes while alice is away: the pool hands out the next address, not alice's.
  Router& carol = net.Add("1.1.1.6", "carol.example.com", At(2));
  net.Pump(At(2));
  EXPECT_EQ(InnerAddress(carol), Ip("10.9.0.12"));
  Router& back = net.Replace(0, "alice.example.com", At(3));
  net.Pump(At(3));
  ASSERT_EQ(back.events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(InnerAddress(back), Ip("10.9.0.10"));
  EXPECT_TRUE(Bursts(net, back, Ip("10.9.0.10"), At(4)));
}

TEST(EngineRemoteAccess, AShrunkPoolEndsTheSessionsWhoseAddressLeftIt) {
  Net net(GatewayWithPool("10.9.0.10", "10.9.0.20"));
  Router& alice = net.Add("1.1.1.2", "alice.example.com", At(0));
  Router& bob = net.Add("1.1.1.5", "bob.example.com", At(0));
  net.Pump(At(0));
  ASSERT_EQ(InnerAddress(alice), Ip("10.9.0.10"));
  ASSERT_EQ(InnerAddress(bob), Ip("10.9.0.11"));
  ASSERT_TRUE(
      net.gw->engine->ApplyConfig(ParseConfig(GatewayWithPool("10.9.0.11", "10.9.0.30")), At(1))
          .ok());
  net.Pump(At(1));
  // Alice's address left the pool: the gateway ended her connection (a Delete) and its route.
  EXPECT_EQ(alice.events.Count(IkeEventKind::kIkeDown), 1u);
  EXPECT_EQ(net.gw->engine->ike_counters().ike_sas, 1u);
  EXPECT_EQ(
      net.gw->Private(kVprn101, MakeUdpPacket(kServer, Ip("10.9.0.10"), 3000, 1), At(2)).reason,
      DropReason::kNoRoute);
  // Bob's stays inside: his session goes on.
  EXPECT_EQ(bob.events.Count(IkeEventKind::kIkeDown), 0u);
  EXPECT_TRUE(Bursts(net, bob, Ip("10.9.0.11"), At(2)));
}

TEST(EngineRemoteAccess, APeerWithoutACpRequestIsALanToLanPeerAsBefore) {
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, true),
                  GatewayWithPool("10.9.0.10", "10.9.0.20"));
  pair.Pump(At(0));
  ASSERT_EQ(pair.b().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(TrafficBursts(pair, At(1)));
  EXPECT_EQ(pair.b().engine->ike_counters().addresses_assigned, 0u);
  EXPECT_EQ(InnerAddress(pair.b()), std::nullopt);
}

TEST(EngineRemoteAccess, WithoutAPoolTheGatewayStaysALanToLanResponder) {
  // A client asking for an address from a gateway that has none gets no CHILD SA: it
  // needs one to know its side of the tunnel.
  Net net(GatewayConfig());
  Router& c = net.Add("1.1.1.2", "alice.example.com", At(0));
  net.Pump(At(0));
  EXPECT_EQ(c.events.Count(IkeEventKind::kChildUp), 0u);
  bool told = false;
  for (const auto& e : c.events.ike) {
    if (e.kind == IkeEventKind::kNegotiationFailed) {
      EXPECT_THAT(e.detail, HasSubstr("no CP(CFG_REPLY)"));
      told = true;
    }
  }
  EXPECT_TRUE(told);
  EXPECT_EQ(net.gw->engine->ike_counters().addresses_assigned, 0u);
}

}  // namespace
}  // namespace tunnelisa::testing
