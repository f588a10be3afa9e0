// ISA slots served by workers (EngineWorker): Router A of tests/vectors/engine/ with a worker
// per slot. Figure 27's GRE tunnel (tunnel-group 2, ISA 3/1) runs over the ipsec-tunnel
// (tunnel-group 1, ISA 1/1), so its packets cross slots both ways: every crossing comes back
// kWrongSlot naming the owner and continues there. Also: bursts parked during a control
// window, hung workers, attaching rules, HandoffQueue.
#include <memory>
#include <string>
#include <vector>

#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"
#include "tunnelisa/handoff.h"

namespace tunnelisa::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using Action = Verdict::Action;
using config::IsaSlot;

std::unique_ptr<EngineWorker> Attach(Router& r, IsaSlot isa) {
  absl::StatusOr<std::unique_ptr<EngineWorker>> w = r.engine->AttachWorker(isa);
  EXPECT_TRUE(w.ok()) << w.status();
  return w.ok() ? *std::move(w) : nullptr;
}

std::vector<std::vector<uint8_t>> LanPackets(const char* src, const char* dst, int n) {
  std::vector<std::vector<uint8_t>> out;
  for (int k = 0; k < n; ++k) {
    out.push_back(MakeUdpPacket(Ip(src), Ip(dst), 100 + 10 * k, static_cast<uint8_t>(k)));
  }
  return out;
}

// Every verdict of `b` handed off to `owner` as `kind` in `service` after `depth` operations.
void ExpectHandedOff(const Burst& b, IsaSlot owner, SlotHandoff::Kind kind, uint32_t service,
                     int depth) {
  for (const EngineVerdict& v : b.verdicts) {
    ASSERT_TRUE(v.handed_off()) << DropReasonName(v.reason);
    EXPECT_EQ(v.handoff.owner, owner);
    EXPECT_EQ(v.handoff.kind, kind);
    EXPECT_EQ(v.handoff.service, service);
    EXPECT_EQ(v.handoff.depth, depth);
  }
}

std::vector<SlotHandoff> HandoffsOf(const Burst& b) {
  std::vector<SlotHandoff> h;
  for (const EngineVerdict& v : b.verdicts) h.push_back(v.handoff);
  return h;
}

TEST(EngineWorker, Figure27CrossesSlotsBothWaysByHandoff) {
  RouterPair pair;
  Router& a = pair.a();
  std::unique_ptr<EngineWorker> w11 = Attach(a, {1, 1});
  std::unique_ptr<EngineWorker> w31 = Attach(a, {3, 1});
  ASSERT_TRUE(w11 && w31);
  const MonoTime now = At(1);

  // A -> B: the LAN packets reach worker 1/1, but their GRE tunnel is on 3/1.
  const auto ab = LanPackets("172.16.1.10", "172.16.2.20", 5);
  Burst lan(ab);
  w11->OnPrivatePackets(kVprn101, lan.refs, lan.verdicts, now);
  ExpectHandedOff(lan, {3, 1}, SlotHandoff::Kind::kPrivate, kVprn101, 0);
  EXPECT_TRUE(a.transport.public_out.empty());
  // 3/1 encapsulates in GRE; the GRE packets' route enters the ipsec-tunnel on 1/1.
  std::vector<SlotHandoff> how = HandoffsOf(lan);
  w31->OnHandoff(lan.refs, how, lan.verdicts, now);
  ExpectHandedOff(lan, {1, 1}, SlotHandoff::Kind::kOuterRoute, kVprn101, 1);
  how = HandoffsOf(lan);
  w11->OnHandoff(lan.refs, how, lan.verdicts, now);
  for (const EngineVerdict& v : lan.verdicts) EXPECT_EQ(v.action, Action::kForward);
  ASSERT_EQ(a.transport.public_out.size(), 5u);
  EXPECT_EQ(Proto(a.transport.public_out[0].bytes), kProtoEsp);
  pair.Pump(now);
  std::vector<std::vector<uint8_t>> at_b;
  for (const Output& o : pair.b().transport.private_out) at_b.push_back(o.bytes);
  EXPECT_EQ(at_b, ab);

  // B -> A: the ESP packets reach worker 3/1, but the ipsec-tunnel is on 1/1.
  const auto ba = LanPackets("172.16.2.20", "172.16.1.10", 4);
  pair.b().PrivateBurst(kVprn101, ba, now);
  std::vector<std::vector<uint8_t>> esp;
  for (const Output& o : pair.b().transport.public_out) esp.push_back(o.bytes);
  pair.b().transport.public_out.clear();
  ASSERT_EQ(esp.size(), 4u);
  Burst wire(esp);
  w31->OnPublicPackets(wire.refs, wire.verdicts, now);
  ExpectHandedOff(wire, {1, 1}, SlotHandoff::Kind::kPublic, 100, 0);
  for (size_t i = 0; i < esp.size(); ++i) {
    EXPECT_EQ(wire.buffers[i].bytes(), esp[i]);  // untouched: it goes on as received
  }
  how = HandoffsOf(wire);
  // 1/1 decrypts; the GRE packet inside is for the GRE tunnel on 3/1.
  w11->OnHandoff(wire.refs, how, wire.verdicts, now);
  ExpectHandedOff(wire, {3, 1}, SlotHandoff::Kind::kPublic, kVprn101, 1);
  how = HandoffsOf(wire);
  w31->OnHandoff(wire.refs, how, wire.verdicts, now);
  for (const EngineVerdict& v : wire.verdicts) EXPECT_EQ(v.action, Action::kDeliver);
  std::vector<std::vector<uint8_t>> at_a;
  for (const Output& o : a.transport.private_out) at_a.push_back(o.bytes);
  EXPECT_EQ(at_a, ba);

  // Counted per worker: handed on is not dropped; the sums are the engine's.
  const EngineCounters c = a.engine->counters();
  EXPECT_EQ(c.total_drops(), 0u);
  EXPECT_EQ(c.private_in, 5u);
  EXPECT_EQ(c.public_in, 4u);
  EXPECT_EQ(c.handed_off, 2u * 5 + 2u * 4);
  EXPECT_EQ(c.handoff_in, 2u * 5 + 2u * 4);
  EXPECT_EQ(a.engine->IpTunnelTraffic(kGreOverIpsec),
            (TrafficCounters{4, 4 * ba[0].size() + 60, 5, 5 * ab[0].size() + 100}));
  std::vector<Engine::SlotState> slots = a.engine->Slots();
  ASSERT_EQ(slots.size(), 2u);  // 2/1 is a backup no tunnel has needed yet
  EXPECT_EQ(slots[0].isa, (IsaSlot{1, 1}));
  EXPECT_TRUE(slots[0].worker);
  EXPECT_EQ(slots[0].tunnels, 3u);
  EXPECT_EQ(slots[0].sas, 2u);
  EXPECT_EQ(slots[0].active_in, std::vector<uint32_t>{1});
  EXPECT_EQ(slots[1].isa, (IsaSlot{3, 1}));
  EXPECT_EQ(slots[1].tunnels, 1u);
  EXPECT_EQ(slots[1].counters.private_in, 0u);
  EXPECT_EQ(slots[1].counters.handoff_in, 5u + 4u);
}

TEST(EngineWorker, TheirOwnTunnelsNeedNoHandoff) {
  RouterPair pair;
  std::unique_ptr<EngineWorker> w11 = Attach(pair.a(), {1, 1});
  const auto gre = LanPackets("172.17.1.10", "172.17.2.20", 6);
  Burst b(gre);
  w11->OnPrivatePackets(kVprn102, b.refs, b.verdicts, At(1));
  for (const EngineVerdict& v : b.verdicts) EXPECT_EQ(v.action, Action::kForward);
  pair.Pump(At(1));
  EXPECT_EQ(pair.b().transport.private_out.size(), 6u);
  // The one-thread calls still serve every slot (inside a control window).
  EXPECT_EQ(pair.a().Private(kVprn102, gre[0]).action, Action::kForward);
}

// An EventListener that runs a worker's burst from inside a control call (SetIsaHealth raises
// isa events inside its control window): the worker meets the open window.
class BurstInsideWindow final : public EventListener {
 public:
  void OnIsa(const IsaEvent&) override {
    if (worker == nullptr || done) return;
    done = true;
    if (service == 0) {
      worker->OnPublicPackets(burst->refs, burst->verdicts, At(2));
    } else {
      worker->OnPrivatePackets(service, burst->refs, burst->verdicts, At(2));
    }
  }
  EngineWorker* worker = nullptr;
  Burst* burst = nullptr;
  uint32_t service = kVprn102;  // 0: the burst is public
  bool done = false;
};

TEST(EngineWorker, BurstMetByAControlWindowIsParkedThenSent) {
  EngineOptions o;
  o.park_buffers = 4;
  auto a = MakeRouter(ReadEngineVector("router_a.cfg"), 1, {}, &o);
  BurstInsideWindow events;
  // A second engine whose listener is `events` (MakeRouter sets its own).
  o.crypto = TestRegistry();
  o.host = {.transport = &a->transport, .events = &events};
  std::unique_ptr<Engine> e = Engine::Create(o).value();
  ASSERT_TRUE(e->ApplyConfig(ParseConfig(ReadEngineVector("router_a.cfg")), At(1)).ok());
  std::unique_ptr<EngineWorker> w = e->AttachWorker({1, 1}).value();
  const auto gre = LanPackets("172.17.1.10", "172.17.2.20", 6);
  Burst b(gre);
  events.worker = w.get();
  events.burst = &b;
  // 3/1 fails: its group goes to 2/1 (isa events raised inside the control window).
  ASSERT_TRUE(e->SetIsaHealth({3, 1}, false, At(2)).ok());
  ASSERT_TRUE(events.done);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b.verdicts[i].action, Action::kConsumed) << i;
  for (int i = 4; i < 6; ++i) EXPECT_EQ(b.verdicts[i].reason, DropReason::kSlotBusy) << i;
  EXPECT_TRUE(a->transport.public_out.empty());
  // The worker's next call sends them first, in order.
  w->OnTimer(At(2.001));
  ASSERT_EQ(a->transport.public_out.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {  // GRE: 20 + 4 header bytes before the payload packet
    const std::vector<uint8_t>& out = a->transport.public_out[i].bytes;
    EXPECT_EQ(std::vector<uint8_t>(out.begin() + 24, out.end()), gre[i]) << i;
  }
  EngineCounters c = e->counters();
  EXPECT_EQ(c.parked, 4u);
  EXPECT_EQ(c.private_in, 6u);
  EXPECT_EQ(c.sent_public, 4u);
  EXPECT_EQ(c.drops[static_cast<size_t>(DropReason::kSlotBusy)], 2u);
}

// An IKE datagram in a parked burst cannot come back in a verdict: it goes to
// Transport::ToControl when the worker runs the park.
TEST(EngineWorker, ParkedIkeDatagramGoesToTheControlThread) {
  EngineOptions o;
  auto a = MakeRouter(ReadEngineVector("router_a.cfg"), 1, {}, &o);
  BurstInsideWindow events;
  o.crypto = TestRegistry();
  o.host = {.transport = &a->transport, .events = &events};
  std::unique_ptr<Engine> e = Engine::Create(o).value();
  ASSERT_TRUE(e->ApplyConfig(ParseConfig(ReadEngineVector("router_a.cfg")), At(1)).ok());
  std::unique_ptr<EngineWorker> w = e->AttachWorker({1, 1}).value();
  std::vector<uint8_t> ike = MakeUdpPacket(Ip("2.2.2.2"), Ip("1.1.1.2"), 40);
  ike[22] = 500 >> 8;  // UDP destination port 500
  ike[23] = 500 & 0xff;
  Burst b({ike, LanPackets("172.17.1.10", "172.17.2.20", 1)[0]});
  events.worker = w.get();
  events.burst = &b;
  events.service = 0;  // the public side
  ASSERT_TRUE(e->SetIsaHealth({3, 1}, false, At(2)).ok());
  ASSERT_TRUE(events.done);
  EXPECT_EQ(b.verdicts[0].action, Action::kConsumed);
  w->OnTimer(At(2.001));
  ASSERT_EQ(a->transport.to_control.size(), 1u);
  EXPECT_EQ(a->transport.to_control[0].bytes, ike);
  EXPECT_EQ(e->counters().to_control, 1u);
}

TEST(EngineWorker, SilentWorkerFailsItsIsaAndRecoversWhenItCallsAgain) {
  EngineOptions o;
  o.worker_timeout = Duration::Seconds(2);
  RouterPair pair(ReadEngineVector("router_a.cfg"), ReadEngineVector("router_b.cfg"), {}, &o);
  Router& a = pair.a();
  std::unique_ptr<EngineWorker> w = Attach(a, {1, 1});
  a.engine->OnTimer(At(1));  // the timeout runs from the first check
  w->OnTimer(At(2));
  a.engine->OnTimer(At(3.5));
  EXPECT_EQ(a.engine->TunnelIsa(kPlainGre, false), (IsaSlot{1, 1}));
  a.engine->OnTimer(At(4.5));  // 2.5 s since the worker's last call
  EXPECT_EQ(a.engine->TunnelIsa(kPlainGre, false), (IsaSlot{2, 1}));
  EXPECT_EQ(a.engine->TunnelIsa(kIpsec, true), (IsaSlot{2, 1}));
  EXPECT_THAT(a.events.isa, Contains(HasSubstr("isa 1/1")));
  std::vector<Engine::SlotState> slots = a.engine->Slots();
  ASSERT_FALSE(slots.empty());
  EXPECT_EQ(slots[0].isa, (IsaSlot{1, 1}));
  EXPECT_TRUE(slots[0].hung);
  EXPECT_FALSE(slots[0].healthy);
  EXPECT_EQ(slots[0].tunnels, 0u);
  // Traffic flows from the backup (served by the one-thread calls here).
  EXPECT_EQ(a.Private(kVprn102, LanPackets("172.17.1.10", "172.17.2.20", 1)[0], At(4.6)).action,
            Action::kForward);
  // The worker calls in again: its ISA recovers as a standby (no revert).
  w->OnTimer(At(5));
  a.engine->OnTimer(At(5.1));
  slots = a.engine->Slots();
  EXPECT_FALSE(slots[0].hung);
  EXPECT_TRUE(slots[0].healthy);
  EXPECT_EQ(a.engine->TunnelIsa(kPlainGre, false), (IsaSlot{2, 1}));
}

TEST(EngineWorker, AttachRules) {
  std::unique_ptr<Router> a = MakeRouter(ReadEngineVector("router_a.cfg"));
  std::unique_ptr<EngineWorker> w = Attach(*a, {1, 1});
  EXPECT_EQ(a->engine->AttachWorker({1, 1}).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(a->engine->AttachWorker({0, 1}).status().code(), absl::StatusCode::kInvalidArgument);
  // An ISA the configuration does not name yet may get a worker.
  std::unique_ptr<EngineWorker> spare = Attach(*a, {9, 2});
  EXPECT_EQ(spare->OnTimer(At(1)), MonoTime::Infinite());
  // Gone with its worker: the slot may be attached again; its counts stay in the engine's.
  const auto gre = LanPackets("172.17.1.10", "172.17.2.20", 3);
  Burst b(gre);
  w->OnPrivatePackets(kVprn102, b.refs, b.verdicts, At(1));
  w.reset();
  EXPECT_EQ(a->engine->counters().sent_public, 3u);
  EXPECT_NE(Attach(*a, {1, 1}), nullptr);
}

TEST(EngineClassifier, NamesTheOwningSlotOfEachPacket) {
  RouterPair pair;
  Router& a = pair.a();
  std::unique_ptr<EngineClassifier> c = a.engine->AttachClassifier();
  const auto inner = MakeUdpPacket(Ip("172.17.2.20"), Ip("172.17.1.10"), 32);
  Burst priv({MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 64),  // GRE tunnel on 3/1
              MakeUdpPacket(Ip("172.17.1.10"), Ip("172.17.2.20"), 64),  // plain GRE on 1/1
              MakeUdpPacket(Ip("172.16.1.10"), Ip("10.99.0.1"), 64)});  // no route
  std::vector<std::optional<IsaSlot>> owners(3);
  ASSERT_TRUE(c->ClassifyPrivate(kVprn101, priv.refs, owners));
  EXPECT_EQ(owners[0], (IsaSlot{3, 1}));
  EXPECT_EQ(owners[2], std::nullopt);
  ASSERT_TRUE(c->ClassifyPrivate(kVprn102, {&priv.refs[1], 1}, {&owners[1], 1}));
  EXPECT_EQ(owners[1], (IsaSlot{1, 1}));
  std::vector<uint8_t> ike = MakeUdpPacket(Ip("2.2.2.2"), Ip("1.1.1.2"), 40);
  ike[22] = 500 >> 8;  // UDP destination port 500: IKE, the control thread's
  ike[23] = 500 & 0xff;
  Burst pub({WrapIpv4(inner, Ip("2.2.2.3"), Ip("1.1.1.3"), 47),         // plain GRE
             WrapIpv4(inner, Ip("2.2.2.2"), Ip("1.1.1.2"), kProtoEsp),  // the ipsec-tunnel
             WrapIpv4(inner, Ip("9.9.9.9"), Ip("1.1.1.2"), kProtoEsp),  // not its peer
             ike});
  owners.assign(4, IsaSlot{9, 9});
  ASSERT_TRUE(c->ClassifyPublic(0, pub.refs, owners));
  EXPECT_EQ(owners[0], (IsaSlot{1, 1}));
  EXPECT_EQ(owners[1], (IsaSlot{1, 1}));
  EXPECT_EQ(owners[2], std::nullopt);
  EXPECT_EQ(owners[3], std::nullopt);
  // After a failover the answer follows the tunnels.
  ASSERT_TRUE(a.engine->SetIsaHealth({1, 1}, false, At(1)).ok());
  ASSERT_TRUE(c->ClassifyPublic(100, pub.refs, owners));
  EXPECT_EQ(owners[0], (IsaSlot{2, 1}));
  EXPECT_EQ(owners[1], (IsaSlot{2, 1}));
}

TEST(HandoffQueue, FifoBoundedAndWraps) {
  HandoffQueue q(3);  // rounded up to 4
  EXPECT_EQ(q.capacity(), 4u);
  uint8_t bytes[8] = {};
  auto item = [&](uint32_t n) {
    return HandedOff{.packet = PacketRef{bytes, 8, 0, n}, .handoff = {.owner = {1, 1}}};
  };
  for (uint32_t round = 0; round < 3; ++round) {  // wraps around the ring
    for (uint32_t n = 1; n <= 4; ++n) EXPECT_TRUE(q.TryPush(item(n)));
    EXPECT_FALSE(q.TryPush(item(5)));  // full: the producer does not wait
    HandedOff out[3];
    ASSERT_EQ(q.TryPopBurst(out), 3u);
    EXPECT_EQ(out[0].packet.length, 1u);
    EXPECT_EQ(out[2].packet.length, 3u);
    HandedOff last;
    ASSERT_TRUE(q.TryPop(last));
    EXPECT_EQ(last.packet.length, 4u);
    EXPECT_FALSE(q.TryPop(last));
  }
}

}  // namespace
}  // namespace tunnelisa::testing
