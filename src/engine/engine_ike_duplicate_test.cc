// Both ends of an ipsec-tunnel initiate IKE at once (duplicate_ike_sa.cc): Router A and Router
// B of tests/vectors/engine/ with IKEv2 dynamic keying and no auto-establish, each side's
// traffic starting its own initiation, so that two IKE SAs come up for the one tunnel. One of
// them must go, at both ends, with the deletion exchanged and no packet lost once a CHILD SA
// carries the traffic.
//
//   A                                            B
//   IKE_SA_INIT(X) ------------------>   <------ IKE_SA_INIT(Y)
//   <------ response(X)                  response(Y) ------>
//   IKE_AUTH(X) ---------------------->  <------ IKE_AUTH(Y)
//   <------ response(X): X up at A       response(Y) ------> : Y up at B
//   each end now holds X and Y; the one created with the lowest nonce (say Y) is redundant:
//   <------ INFORMATIONAL(X) {}            (B, Y's creator, checks the peer holds X)
//   {} ------>
//   <------ INFORMATIONAL(Y) {D(IKE)}      (B moved its traffic to X's CHILD SA first)
//   {} ------>                             (A moved its traffic to X before removing Y)
#include <algorithm>
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

using ::testing::StartsWith;

// Deliver: what each router sent goes across once, one datagram per call in the order sent (an
// in-order network, a host handing each datagram over as it arrives); returns how many.
// (A host that hands a burst's ESP to the data plane before the burst's IKE messages drops a
// responder's first ESP packets when they share a burst with its IKE_AUTH response, whatever
// the duplicates: that is not what this file tests.)
size_t Deliver(RouterPair& pair, MonoTime now) {
  std::vector<Output> from_a = std::move(pair.a().transport.public_out);
  std::vector<Output> from_b = std::move(pair.b().transport.public_out);
  pair.a().transport.public_out.clear();
  pair.b().transport.public_out.clear();
  for (const Output& o : from_a) pair.b().PublicBurst({o.bytes}, now);
  for (const Output& o : from_b) pair.a().PublicBurst({o.bytes}, now);
  return from_a.size() + from_b.size();
}

// Lan: a burst of `n` packets from one LAN to the other, numbered from `first`.
std::vector<std::vector<uint8_t>> Lan(bool a_to_b, int first, int n) {
  std::vector<std::vector<uint8_t>> out;
  for (int k = first; k < first + n; ++k) {
    const auto id = static_cast<uint16_t>(k);
    out.push_back(a_to_b ? MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.1"), 1000, id)
                         : MakeUdpPacket(Ip("192.168.2.1"), Ip("192.168.1.10"), 2000, id));
  }
  return out;
}

// UpIkeSas: the (SPIi, SPIr) of the IKE SAs a router's events say are up now.
std::vector<std::pair<uint64_t, uint64_t>> UpIkeSas(const Router& r) {
  std::vector<std::pair<uint64_t, uint64_t>> up;
  for (const RecordingEvents::Ike& e : r.events.ike) {
    const std::pair<uint64_t, uint64_t> spis{e.ike_spi_i, e.ike_spi_r};
    if (e.kind == IkeEventKind::kIkeUp) up.push_back(spis);
    if (e.kind == IkeEventKind::kIkeDown) std::erase(up, spis);
  }
  return up;
}

const RecordingEvents::Ike* Last(const Router& r, IkeEventKind kind) {
  for (auto e = r.events.ike.rbegin(); e != r.events.ike.rend(); ++e) {
    if (e->kind == kind) return &*e;
  }
  return nullptr;
}

// Collide: both ends' traffic starts an initiation at `now` (their IKE_SA_INITs cross), then
// the IKE messages go across round by round with a burst of 4 packets each way per round, from
// each end once it has a CHILD SA (earlier ones only start IKE). True when every packet sent
// from then on arrived, in order.
// `a_spi_i` (optional): the IKE SPIi of Router A's initiation.
bool Collide(RouterPair& pair, MonoTime now, uint64_t* a_spi_i = nullptr) {
  Router& a = pair.a();
  Router& b = pair.b();
  a.transport.private_out.clear();
  b.transport.private_out.clear();
  a.PrivateBurst(kVprn101, Lan(true, 0, 4), now);
  b.PrivateBurst(kVprn101, Lan(false, 0, 4), now);
  EXPECT_EQ(a.engine->ike_counters().ike_sas, 1u);  // each end's own initiation
  EXPECT_EQ(b.engine->ike_counters().ike_sas, 1u);
  // A's IKE_SA_INIT (IPv4, UDP 500, no non-ESP marker): SPIi after 20 + 8 header bytes.
  EXPECT_EQ(a.transport.public_out.size(), 1u);
  if (a_spi_i != nullptr && !a.transport.public_out.empty()) {
    const std::vector<uint8_t>& init = a.transport.public_out[0].bytes;
    *a_spi_i = 0;
    for (int k = 0; k < 8 && init.size() >= 36; ++k) *a_spi_i = (*a_spi_i << 8) | init[28 + k];
  }
  std::vector<std::vector<uint8_t>> sent_ab, sent_ba;
  int next = 100;
  // 16 rounds: the two handshakes, the liveness check and the Delete take 8.
  for (int round = 0; round < 16; ++round) {
    Deliver(pair, now);
    if (a.events.Count(IkeEventKind::kChildUp) > 0) {
      std::vector<std::vector<uint8_t>> burst = Lan(true, next, 4);
      a.PrivateBurst(kVprn101, burst, now);
      sent_ab.insert(sent_ab.end(), burst.begin(), burst.end());
    }
    if (b.events.Count(IkeEventKind::kChildUp) > 0) {
      std::vector<std::vector<uint8_t>> burst = Lan(false, next, 4);
      b.PrivateBurst(kVprn101, burst, now);
      sent_ba.insert(sent_ba.end(), burst.begin(), burst.end());
    }
    next += 4;
  }
  for (int round = 0; round < 8 && Deliver(pair, now) > 0; ++round) {
  }
  EXPECT_TRUE(a.transport.public_out.empty() && b.transport.public_out.empty());
  EXPECT_GE(sent_ab.size(), 8u);
  EXPECT_GE(sent_ba.size(), 8u);
  std::vector<std::vector<uint8_t>> at_b, at_a;
  for (const Output& o : b.transport.private_out) at_b.push_back(o.bytes);
  for (const Output& o : a.transport.private_out) at_a.push_back(o.bytes);
  EXPECT_EQ(at_b.size(), sent_ab.size());
  EXPECT_EQ(at_a.size(), sent_ba.size());
  return at_b == sent_ab && at_a == sent_ba;
}

TEST(EngineIkeDuplicate, BothEndsInitiateAtOnceAndOneIkeSaStays) {
  std::unique_ptr<RouterPair> pair = MakePair(IkeSettings{}, IkeSettings{}, false);
  Router& a = pair->a();
  Router& b = pair->b();
  EXPECT_TRUE(Collide(*pair, At(1)));
  // The only drops: the first bursts, which started IKE (ike-negotiating).
  EXPECT_EQ(a.engine->counters().total_drops(), 4u);
  EXPECT_EQ(b.engine->counters().total_drops(), 4u);
  for (Router* r : {&a, &b}) {
    // Two came up, one went: exactly one IKE SA and one CHILD SA pair are left.
    EXPECT_EQ(r->events.Count(IkeEventKind::kIkeUp), 2u);
    EXPECT_EQ(r->events.Count(IkeEventKind::kIkeDown), 1u);
    EXPECT_EQ(r->events.Count(IkeEventKind::kChildUp), 2u);
    EXPECT_EQ(r->events.Count(IkeEventKind::kChildDown), 1u);
    EXPECT_EQ(r->engine->ike_counters().ike_sas, 1u);
    EXPECT_EQ(r->engine->ike_counters().redundant_ike_sas, 1u);
    // The deletion reached the peer: both ends say why it went.
    ASSERT_NE(Last(*r, IkeEventKind::kIkeDown), nullptr);
    EXPECT_THAT(Last(*r, IkeEventKind::kIkeDown)->detail, StartsWith("redundant: a duplicate"));
  }
  // Both ends kept the same IKE SA.
  ASSERT_EQ(UpIkeSas(a).size(), 1u);
  EXPECT_EQ(UpIkeSas(a), UpIkeSas(b));
  // The tunnel carries bursts both ways, and nothing starts again over the next minute (DPD,
  // retransmissions, acquires): still one IKE SA at each end.
  EXPECT_TRUE(TrafficBursts(*pair, At(2)));
  for (double t = 2.5; t < 60; t += 0.5) {
    a.engine->OnTimer(At(t));
    b.engine->OnTimer(At(t));
    pair->Pump(At(t));
  }
  EXPECT_TRUE(TrafficBursts(*pair, At(60)));
  EXPECT_EQ(a.engine->ike_counters().ike_sas, 1u);
  EXPECT_EQ(b.engine->ike_counters().ike_sas, 1u);
  EXPECT_EQ(a.engine->counters().total_drops(), 4u);
  EXPECT_EQ(b.engine->counters().total_drops(), 4u);
}

TEST(EngineIkeDuplicate, EitherEndMayDeleteAndBothConverge) {
  // Which IKE SA is redundant, and so which end deletes it, follows the nonces: Router A's
  // seed changes them. Every seed must end with the same single IKE SA at both ends, and
  // both outcomes must occur (A's IKE SA kept, B's IKE SA kept).
  int kept_a = 0;
  int kept_b = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(seed);
    RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, false),
                    Dynamic(ReadEngineVector("router_b.cfg"), {}, false));
    pair.Restart(true, Dynamic(ReadEngineVector("router_a.cfg"), {}, false), 100 + seed);
    uint64_t a_spi_i = 0;
    EXPECT_TRUE(Collide(pair, At(1), &a_spi_i));
    EXPECT_EQ(pair.a().engine->ike_counters().ike_sas, 1u);
    EXPECT_EQ(pair.b().engine->ike_counters().ike_sas, 1u);
    const std::vector<std::pair<uint64_t, uint64_t>> up = UpIkeSas(pair.a());
    ASSERT_EQ(up.size(), 1u);
    EXPECT_EQ(up, UpIkeSas(pair.b()));
    (up[0].first == a_spi_i ? kept_a : kept_b) += 1;
    EXPECT_TRUE(TrafficBursts(pair, At(2)));
  }
  EXPECT_GT(kept_a, 0);
  EXPECT_GT(kept_b, 0);
}

}  // namespace
}  // namespace tunnelisa::testing
