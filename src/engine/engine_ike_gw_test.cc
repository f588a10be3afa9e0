// The ipsec-gw (dynamic LAN-to-LAN responder) between engines in one process: Router A (or
// two of them behind one NAT) initiating to Router B answering as gateway "gw1".
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

TEST(EngineIkeGw, IpsecGwAnswersAnyPeerAndRoutesItsSelectors) {
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, true), GatewayConfig());
  pair.Pump(At(0));
  ASSERT_EQ(pair.b().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(pair.b().events.ike[0].tunnel, "ipsec-gw gw1");
  // B has no static route to 192.168.1.0/24: the session's reverse route carries B's answer.
  EXPECT_TRUE(Traffic(pair, At(1)));
  std::vector<Engine::SessionRecord> log = pair.b().engine->IkeSessions();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].service, 101u);
  EXPECT_EQ(log[0].peer_id, "1.1.1.2");
  // The peer leaves: the session and its route go.
  pair.a().engine->Shutdown(At(2));
  pair.Pump(At(2));
  std::vector<uint8_t> ba = MakeUdpPacket(Ip("192.168.2.1"), Ip("192.168.1.10"), 300, 9);
  EXPECT_EQ(pair.b().Private(kVprn101, ba, At(3)).reason, DropReason::kNoRoute);
}

// Two peers behind one NAT address (the same public address, different NAT-T ports) are two
// ipsec-gw sessions: each gets its own SAs and routes, and ESP from either reaches its own.
TEST(EngineIkeGw, IpsecGwTellsTwoPeersBehindOneNatApart) {
  // A2 is A with another LAN and identity (an INITIAL_CONTACT of one must not end the other).
  const std::string a1_text = Dynamic(ReadEngineVector("router_a.cfg"), {}, true);
  std::string a2_text = absl::StrReplaceAll(a1_text, {{"192.168.1.", "192.168.3."}});
  a2_text = Replace(a2_text, "        transform 1\n",
                    "        transform 1\n        local-id fqdn a2.example.com\n");
  auto a1 = MakeRouter(a1_text, 1);
  auto a2 = MakeRouter(a2_text, 3);
  auto b = MakeRouter(GatewayConfig(), 2);
  // The NAT: A1's ports 500 / 4500 become 40500 / 44500, A2's 40501 / 44501.
  auto rewrite = [](std::vector<uint8_t>& p, bool out, int who) {
    if (p.size() < 28 || p[9] != kProtoUdp) return;
    uint8_t* udp = &p[20];
    const int field = out ? 0 : 2;
    uint16_t port = static_cast<uint16_t>(udp[field] << 8 | udp[field + 1]);
    if (out) {
      port = static_cast<uint16_t>((port == 500 ? 40500 : port == 4500 ? 44500 : port) + who);
    } else {
      port = port == 40500 + who ? 500 : port == 44500 + who ? 4500 : port;
    }
    udp[field] = static_cast<uint8_t>(port >> 8);
    udp[field + 1] = static_cast<uint8_t>(port);
    udp[6] = udp[7] = 0;
  };
  auto pump = [&](MonoTime now) {
    for (int round = 0; round < 16; ++round) {
      std::vector<std::vector<uint8_t>> to_b, to_a[2];
      Router* a[2] = {a1.get(), a2.get()};
      for (int who = 0; who < 2; ++who) {
        for (Output& o : a[who]->transport.public_out) {
          rewrite(o.bytes, true, who);
          to_b.push_back(o.bytes);
        }
        a[who]->transport.public_out.clear();
      }
      for (Output& o : b->transport.public_out) {
        const uint16_t dport = static_cast<uint16_t>(o.bytes[22] << 8 | o.bytes[23]);
        const int who = dport % 2;  // 4050x / 4450x
        rewrite(o.bytes, false, who);
        to_a[who].push_back(o.bytes);
      }
      b->transport.public_out.clear();
      if (to_b.empty() && to_a[0].empty() && to_a[1].empty()) return;
      if (!to_b.empty()) b->PublicBurst(to_b, now);
      for (int who = 0; who < 2; ++who) {
        if (!to_a[who].empty()) a[who]->PublicBurst(to_a[who], now);
      }
    }
  };
  pump(At(0));
  ASSERT_EQ(b->events.Count(IkeEventKind::kChildUp), 2u);
  ASSERT_EQ(a1->events.Count(IkeEventKind::kChildUp), 1u);
  ASSERT_EQ(a2->events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(b->engine->ike_counters().ike_sas, 2u);
  // Each LAN reaches B's LAN, and B's answers find their way back, a burst each way.
  const auto from1 = MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.1"), 100, 1);
  const auto from2 = MakeUdpPacket(Ip("192.168.3.10"), Ip("192.168.2.1"), 120, 2);
  a1->PrivateBurst(kVprn101, {from1, from1}, At(1));
  a2->PrivateBurst(kVprn101, {from2, from2}, At(1));
  pump(At(1));
  std::vector<std::vector<uint8_t>> at_b;
  for (const Output& o : b->transport.private_out) at_b.push_back(o.bytes);
  EXPECT_EQ(at_b, (std::vector<std::vector<uint8_t>>{from1, from1, from2, from2}));
  const auto to1 = MakeUdpPacket(Ip("192.168.2.1"), Ip("192.168.1.10"), 140, 3);
  const auto to2 = MakeUdpPacket(Ip("192.168.2.1"), Ip("192.168.3.10"), 160, 4);
  std::vector<EngineVerdict> v = b->PrivateBurst(kVprn101, {to1, to2, to1}, At(1));
  for (const EngineVerdict& x : v) EXPECT_EQ(x.action, Verdict::Action::kForward);
  pump(At(1));
  ASSERT_EQ(a1->transport.private_out.size(), 2u);
  EXPECT_EQ(a1->transport.private_out[0].bytes, to1);
  ASSERT_EQ(a2->transport.private_out.size(), 1u);
  EXPECT_EQ(a2->transport.private_out[0].bytes, to2);
  EXPECT_EQ(b->engine->counters().total_drops(), 0u);
  // One peer leaves: the other's session stays.
  a1->engine->Shutdown(At(2));
  pump(At(2));
  a2->transport.private_out.clear();
  EXPECT_EQ(b->engine->ike_counters().ike_sas, 1u);
  v = b->PrivateBurst(kVprn101, {to2}, At(3));
  EXPECT_EQ(v[0].action, Verdict::Action::kForward) << DropReasonName(v[0].reason);
  EXPECT_EQ(b->Private(kVprn101, to1, At(3)).reason, DropReason::kNoRoute);
  ASSERT_EQ(b->transport.public_out.size(), 1u);
  EXPECT_EQ(b->transport.public_out[0].bytes[22] << 8 | b->transport.public_out[0].bytes[23],
            44501);
  pump(At(3));
  EXPECT_EQ(a2->transport.private_out.size(), 1u);
}

TEST(EngineIkeGw, IpsecGwRefusesAWrongIdOrKey) {
  // remote-id demands an FQDN; A presents its address.
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, true),
                  GatewayConfig("        remote-id fqdn a.example.com\n"));
  pair.Pump(At(0));
  EXPECT_EQ(pair.b().events.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_EQ(pair.b().events.Count(IkeEventKind::kChildUp), 0u);
  IkeSettings wrong;
  wrong.psk = "guess";
  RouterPair pair2(Dynamic(ReadEngineVector("router_a.cfg"), wrong, true), GatewayConfig());
  pair2.Pump(At(0));
  EXPECT_EQ(pair2.b().events.Count(IkeEventKind::kAuthFailed), 1u);
  EXPECT_EQ(pair2.a().events.Count(IkeEventKind::kAuthFailed), 1u);
}

TEST(EngineIkeGw, IpsecGwIgnoresEspFromStrangers) {
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, true), GatewayConfig());
  std::vector<uint8_t> esp =
      WrapIpv4(std::vector<uint8_t>(64, 0x11), Ip("9.9.9.9"), Ip("2.2.2.2"), kProtoEsp);
  EXPECT_EQ(pair.b().Public(esp, At(0)).reason, DropReason::kNotForUs);
}

TEST(EngineIkeGw, IpsecGwCookiesUnderAFloodFromManyAddresses) {
  EngineOptions o;
  o.ike_cookie_threshold = 16;
  o.ike_half_open_limit = 64;
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, true), GatewayConfig(), At(0), &o);
  ASSERT_EQ(pair.a().transport.public_out.size(), 1u);
  const std::vector<uint8_t> real = pair.a().transport.public_out[0].bytes;
  pair.a().transport.public_out.clear();
  // 500 IKE_SA_INITs from 500 spoofed addresses (a spoofing flood cannot answer a COOKIE).
  for (uint32_t k = 1; k <= 500; ++k) {
    std::vector<uint8_t> forged = SetIpv4Source(real, IpAddress::V4(0x0a000000u | k));  // 10.0.x.y
    SetInitiatorSpi(forged, 0x5000 + k);
    pair.b().Public(forged, At(0.001 * k));
  }
  const IkeCounters c = pair.b().engine->ike_counters();
  EXPECT_EQ(c.half_open, 16u);      // state only up to the threshold
  EXPECT_EQ(c.cookies_sent, 484u);  // then stateless COOKIEs
  pair.b().transport.public_out.clear();
  pair.b().Public(real, At(1));
  pair.Pump(At(1));
  EXPECT_EQ(pair.b().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(Traffic(pair, At(2)));
}

}  // namespace
}  // namespace tunnelisa::testing
