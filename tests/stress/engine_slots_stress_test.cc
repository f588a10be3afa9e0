// Two ISA slot workers pushing traffic through one engine while the control thread changes
// everything they use: configuration (a tunnel shut down, removed and added back; the
// ipsec-tunnel's manual SAs replaced, a rekey), ISA failures and recoveries (tunnels moving
// between the workers' slots), timers, counters and show commands. Packets cross slots by
// HandoffQueue (Figure 27's GRE tunnel runs over the ipsec-tunnel in another group). At the
// end every packet is accounted for: it left the engine through the Transport, or was counted
// dropped by reason, or could not enter a full handoff queue. Built with ThreadSanitizer in
// .ci/run, where any data race fails the test.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine_test_util.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"
#include "tunnelisa/handoff.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::testing {
namespace {

using config::IsaSlot;

MonoTime Now() {
  return MonoTime{std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count()};
}

constexpr size_t kBuffers = 1024;  // per worker
constexpr size_t kBufferSize = kPacketHeadroom + 2048 + kPacketTailroom;
constexpr size_t kBurst = 16;

struct Worker;

// A packet buffer belongs to the worker that made it; others give it back by `returns`.
struct Worker {
  IsaSlot isa;
  std::unique_ptr<EngineWorker> engine;
  std::unique_ptr<EngineClassifier> classifier;  // steering, as a receive thread would
  uint64_t classified = 0;
  std::vector<uint8_t> storage = std::vector<uint8_t>(kBuffers * kBufferSize);
  std::vector<uint32_t> free;      // buffer indices
  HandoffQueue returns{kBuffers};  // buffers other workers are done with
  Worker* other = nullptr;
  HandoffQueue* to_other = nullptr;  // handoffs to `other`
  HandoffQueue* from_other = nullptr;
  uint64_t generated = 0;
  uint64_t queue_full = 0;

  bool Owns(const PacketRef& p) const {
    return p.buffer >= storage.data() && p.buffer < storage.data() + storage.size();
  }
  std::optional<PacketRef> Allocate() {
    if (free.empty()) {
      HandedOff back[64];
      for (size_t n; (n = returns.TryPopBurst(back)) > 0;) {
        for (size_t i = 0; i < n; ++i) {
          free.push_back(
              static_cast<uint32_t>((back[i].packet.buffer - storage.data()) / kBufferSize));
        }
      }
    }
    if (free.empty()) return std::nullopt;
    const uint32_t i = free.back();
    free.pop_back();
    return PacketRef::WithHeadroom(storage.data() + i * kBufferSize, kBufferSize, kPacketHeadroom);
  }
  // Done: the packet's buffer goes back to whoever made it.
  void Done(const PacketRef& p) {
    if (Owns(p)) {
      free.push_back(static_cast<uint32_t>((p.buffer - storage.data()) / kBufferSize));
    } else {
      // Never full: it holds as many entries as the other worker has buffers.
      EXPECT_TRUE(other->returns.TryPush({.packet = p}));
    }
  }
  // After a call: hand on what the other slot owns; free the rest.
  void Settle(std::span<PacketRef> packets, std::span<const EngineVerdict> verdicts) {
    for (size_t i = 0; i < packets.size(); ++i) {
      if (verdicts[i].handed_off() && verdicts[i].handoff.owner == other->isa &&
          to_other->TryPush({packets[i], verdicts[i].handoff})) {
        continue;
      }
      if (verdicts[i].handed_off()) ++queue_full;  // or an owner without a worker: none here
      Done(packets[i]);
    }
  }
};

thread_local Worker* current_worker = nullptr;

// CountingTransport: called by every worker at once (and the control thread).
class CountingTransport final : public Transport {
 public:
  void SendPublic(const Egress&, const PacketRef&) override {
    out.fetch_add(1, std::memory_order_relaxed);
  }
  void DeliverPrivate(const Egress&, const PacketRef&) override {
    out.fetch_add(1, std::memory_order_relaxed);
  }
  // A parked packet another slot owns: copied into one of the calling worker's buffers.
  bool HandOff(const SlotHandoff& h, const PacketRef& p) override {
    Worker* w = current_worker;
    if (w == nullptr || h.owner != w->other->isa) return false;
    std::optional<PacketRef> copy = w->Allocate();
    if (!copy) return false;
    std::memcpy(copy->mutable_data(), p.data(), p.length);
    copy->length = p.length;
    if (w->to_other->TryPush({*copy, h})) return true;
    w->Done(*copy);
    return false;
  }
  std::atomic<uint64_t> out{0};
};

void RunWorker(Worker& w, const std::atomic<bool>& stop) {
  current_worker = &w;
  const char* dst[] = {"172.17.2.20", "172.18.2.20", "172.16.2.20"};  // GRE, IP-IP, Figure 27
  const char* src[] = {"172.17.1.10", "172.18.1.10", "172.16.1.10"};
  const uint32_t service[] = {kVprn102, kVprn102, kVprn101};
  std::array<PacketRef, kBurst> burst;
  std::array<EngineVerdict, kBurst> verdicts;
  std::array<HandedOff, kBurst> in;
  std::array<SlotHandoff, kBurst> how;
  uint64_t round = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    ++round;
    // Handoffs from the other worker first.
    const size_t n = w.from_other->TryPopBurst(in);
    for (size_t i = 0; i < n; ++i) {
      burst[i] = in[i].packet;
      how[i] = in[i].handoff;
    }
    if (n > 0) {
      w.engine->OnHandoff({burst.data(), n}, {how.data(), n}, {verdicts.data(), n}, Now());
      w.Settle({burst.data(), n}, {verdicts.data(), n});
    }
    // A burst of one flow from the LAN.
    const int flow = static_cast<int>(round % 3);
    size_t k = 0;
    for (; k < kBurst; ++k) {
      std::optional<PacketRef> p = w.Allocate();
      if (!p) break;
      const std::vector<uint8_t> bytes =
          MakeUdpPacket(Ip(src[flow]), Ip(dst[flow]), 64 + (round + k) % 200);
      std::memcpy(p->mutable_data(), bytes.data(), bytes.size());
      p->length = static_cast<uint32_t>(bytes.size());
      burst[k] = *p;
    }
    w.generated += k;
    std::array<std::optional<IsaSlot>, kBurst> owners;
    if (k > 0 &&
        w.classifier->ClassifyPrivate(service[flow], {burst.data(), k}, {owners.data(), k})) {
      for (size_t i = 0; i < k; ++i) w.classified += owners[i].has_value();
    }
    if (k > 0) {
      w.engine->OnPrivatePackets(service[flow], {burst.data(), k}, {verdicts.data(), k}, Now());
      w.Settle({burst.data(), k}, {verdicts.data(), k});
    }
    if (round % 64 == 0) w.engine->OnTimer(Now());
    // A host's receive loop waits for packets; ~1 Mpps per worker at most here.
    std::this_thread::sleep_for(std::chrono::microseconds(k == 0 && n == 0 ? 50 : 10));
  }
  current_worker = nullptr;
}

// Configurations the control thread cycles through (each step one the guide allows).
std::vector<std::string> ConfigCycle() {
  std::string base = Replace(ReadEngineVector("router_a.cfg"), "primary 3/1\n    backup 2/1",
                             "primary 2/1\n    backup 1/1");
  auto shut_ipsec = [](std::string text) {
    const size_t at = text.find("ipsec-tunnel \"ipsec-tunnel-for-n-gre-tunnels\" create");
    const size_t ns = text.find("no shutdown", at);
    return text.replace(ns, 11, "shutdown");
  };
  std::string rekeyed =
      Replace(Replace(base, "spi 2000 transform 1 direction outbound",
                      "spi 2001 transform 1 direction outbound"),
              "spi 1000 transform 1 direction inbound", "spi 1001 transform 1 direction inbound");
  std::string ipip_shut =
      Replace(base, "ip-mtu 1000\n      no shutdown", "ip-mtu 1000\n      shutdown");
  const size_t begin = ipip_shut.find("    ip-tunnel \"plain-ipip\" create");
  const size_t end = ipip_shut.find("    exit\n", ipip_shut.find("shutdown", begin)) + 9;
  std::string ipip_gone = ipip_shut;
  ipip_gone.erase(begin, end - begin);
  ipip_gone =
      Replace(ipip_gone, "  static-route 172.18.2.0/24 next-hop ip-tunnel \"plain-ipip\"\n", "");
  std::string mtu = Replace(base, "ip-mtu 1000", "ip-mtu 1400");
  return {base,
          mtu,
          base,
          ipip_shut,
          ipip_gone,
          ipip_shut,
          base,
          shut_ipsec(base),
          shut_ipsec(rekeyed),
          rekeyed,
          shut_ipsec(rekeyed),
          shut_ipsec(base)};
}

TEST(EngineSlotsStress, TwoWorkersAndAControlThreadAccountForEveryPacket) {
  const char* env = std::getenv("TUNNELISA_STRESS_SECONDS");
  const double seconds = env != nullptr ? std::atof(env) : 10.0;
  const std::vector<std::string> cycle = ConfigCycle();

  CountingTransport transport;
  EngineOptions o;
  o.crypto = TestRegistry();
  o.host = {.transport = &transport};
  o.worker_timeout = Duration{};  // no hung-worker verdicts on a loaded test machine
  o.park_buffers = 64;
  std::unique_ptr<Engine> engine = Engine::Create(o).value();
  ASSERT_TRUE(engine->ApplyConfig(ParseConfig(cycle[0]), Now()).ok());
  std::vector<config::Config> configs;
  for (const std::string& text : cycle) configs.push_back(ParseConfig(text));

  Worker a, b;
  a.isa = {1, 1};
  b.isa = {2, 1};
  for (Worker* w : {&a, &b}) {
    w->engine = engine->AttachWorker(w->isa).value();
    w->classifier = engine->AttachClassifier();
    for (uint32_t i = 0; i < kBuffers; ++i) w->free.push_back(i);
  }
  HandoffQueue ab(256), ba(256);
  a.other = &b;
  b.other = &a;
  a.to_other = b.from_other = &ab;
  b.to_other = a.from_other = &ba;

  std::atomic<bool> stop{false};
  std::thread ta(RunWorker, std::ref(a), std::cref(stop));
  std::thread tb(RunWorker, std::ref(b), std::cref(stop));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  size_t step = 0, applied = 0, refused = 0, isa_changes = 0;
  const IsaSlot isas[] = {{1, 1}, {2, 1}};
  while (std::chrono::steady_clock::now() < deadline) {
    ++step;
    const MonoTime now = Now();
    const absl::Status s = engine->ApplyConfig(configs[step % configs.size()], now);
    if (s.ok()) {
      ++applied;
    } else {
      ++refused;
      ADD_FAILURE() << "step " << step % configs.size() << ": " << s;
    }
    if (step % 3 == 0) {
      // fail 1/1, recover it, fail 2/1, recover it: the tunnels move between the workers
      const IsaSlot isa = isas[(step / 6) % 2];
      EXPECT_TRUE(engine->SetIsaHealth(isa, step % 6 != 0, now).ok());
      ++isa_changes;
    }
    engine->OnTimer(now);
    const EngineCounters c = engine->counters();
    EXPECT_GE(c.private_in + c.handoff_in, c.total_drops());
    EXPECT_TRUE(engine->Show(std::vector<std::string>{"isa", "tunnel-group"}).ok());
    (void)engine->Slots();
    // A scrape reads the workers' counters in short control windows while they run.
    const std::string metrics = engine->Metrics();
    EXPECT_NE(metrics.find("tunnelisa_isa_packets_total{"), std::string::npos);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop.store(true);
  ta.join();
  tb.join();

  // What is still queued between the workers is processed (the threads are gone: this thread
  // may call both workers now), bounded: each round takes a packet one slot further.
  for (int round = 0; round < 2 * kMaxTunnelLayers + 2; ++round) {
    for (Worker* w : {&a, &b}) {
      current_worker = w;
      std::array<HandedOff, kBurst> in;
      std::array<PacketRef, kBurst> burst;
      std::array<SlotHandoff, kBurst> how;
      std::array<EngineVerdict, kBurst> verdicts;
      for (size_t n; (n = w->from_other->TryPopBurst(in)) > 0;) {
        for (size_t i = 0; i < n; ++i) {
          burst[i] = in[i].packet;
          how[i] = in[i].handoff;
        }
        w->engine->OnHandoff({burst.data(), n}, {how.data(), n}, {verdicts.data(), n}, Now());
        w->Settle({burst.data(), n}, {verdicts.data(), n});
      }
      w->engine->OnTimer(Now());  // parked packets
    }
  }
  current_worker = nullptr;
  a.engine.reset();
  b.engine.reset();
  a.classifier.reset();
  b.classifier.reset();
  EXPECT_GT(a.classified + b.classified, 0u);

  const EngineCounters c = engine->counters();
  const uint64_t generated = a.generated + b.generated;
  const uint64_t queue_full = a.queue_full + b.queue_full;
  EXPECT_GT(generated, 1000u);
  EXPECT_GT(applied, 10u);
  EXPECT_GT(isa_changes, 3u);
  EXPECT_EQ(refused, 0u);
  EXPECT_EQ(c.private_in, generated);
  EXPECT_EQ(transport.out.load() + c.total_drops() + queue_full, generated)
      << "out " << transport.out.load() << " drops " << c.total_drops() << " queue-full "
      << queue_full << " parked " << c.parked << " handed off " << c.handed_off;
  EXPECT_GT(c.handed_off, 0u);
  // Traffic flows (a control window parks or, with the park full, drops what meets it: under
  // ThreadSanitizer the windows are long and most of the drops are those).
  EXPECT_GT(transport.out.load(), generated / 10);
  std::cout << "generated " << generated << ", sent " << transport.out.load() << ", handed off "
            << c.handed_off << ", parked " << c.parked << ", dropped " << c.total_drops()
            << ", queue full " << queue_full << "; " << applied << " configurations, "
            << isa_changes << " ISA changes\n";
  for (size_t i = 0; i < kNumDropReasons; ++i) {
    if (c.drops[i] != 0) {
      std::cout << "  " << DropReasonName(static_cast<DropReason>(i)) << " " << c.drops[i] << "\n";
    }
  }
}

}  // namespace
}  // namespace tunnelisa::testing
