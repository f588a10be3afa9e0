// ISA slots served by worker threads (engine.h, "Threads"): EngineWorker's calls, attaching
// and detaching workers, hung-worker detection and the slots' state for the control thread.
#include <algorithm>
#include <utility>

#include "common/str_cat.h"
#include "engine/engine_impl.h"
#include "engine/slot_runner.h"

namespace tunnelisa {

class EngineWorker::Impl {
 public:
  Engine::Impl* engine;
  SlotRunner* runner;
};

namespace {

// Entered: a worker's call inside the gate (in() false: a control window is open; park). It
// also tells the control thread the worker is alive, and runs what the last window parked
// first, so packets stay in order.
class Entered : public GateEntry {
 public:
  Entered(SlotRunner& r, const SlotGate& gate, MonoTime now) : GateEntry(CallIn(r, now), gate) {
    if (in()) r.Unpark(now);
  }

 private:
  static WorkerFlag& CallIn(SlotRunner& r, MonoTime now) {
    r.last_call_ns.store(now.ns, std::memory_order_relaxed);
    return r.flag;
  }
};

std::span<EngineVerdict> Fit(std::span<EngineVerdict> v, size_t n) {
  return v.first(std::min(v.size(), n));
}

}  // namespace

EngineWorker::EngineWorker(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)), isa_(*impl_->runner->isa()) {}

EngineWorker::~EngineWorker() { impl_->engine->DetachWorker(isa_); }

// Public: both public entries (`service` nullopt: the unqualified one).
void EngineWorker::Public(std::optional<uint32_t> service, std::span<PacketRef> packets,
                          std::span<EngineVerdict> verdicts, MonoTime now) {
  SlotRunner& r = *impl_->runner;
  verdicts = Fit(verdicts, packets.size());
  Entered e(r, impl_->engine->gate, now);
  if (!e.in()) {
    SlotRunner::ParkCounts::Add(r.park_counts.public_in, verdicts.size());
    const SlotHandoff how{.kind = SlotHandoff::Kind::kPublic, .service = service.value_or(0)};
    return r.Park(packets.first(verdicts.size()), {&how, 1}, verdicts);
  }
  r.Public(service, packets.first(verdicts.size()), verdicts, now);
}

void EngineWorker::OnPublicPackets(std::span<PacketRef> packets, std::span<EngineVerdict> verdicts,
                                   MonoTime now) {
  Public(std::nullopt, packets, verdicts, now);
}

void EngineWorker::OnPublicPackets(uint32_t delivery_service, std::span<PacketRef> packets,
                                   std::span<EngineVerdict> verdicts, MonoTime now) {
  Public(delivery_service, packets, verdicts, now);
}

void EngineWorker::OnPrivatePackets(uint32_t service, std::span<PacketRef> packets,
                                    std::span<EngineVerdict> verdicts, MonoTime now) {
  SlotRunner& r = *impl_->runner;
  verdicts = Fit(verdicts, packets.size());
  Entered e(r, impl_->engine->gate, now);
  if (!e.in()) {
    SlotRunner::ParkCounts::Add(r.park_counts.private_in, verdicts.size());
    const SlotHandoff how{.kind = SlotHandoff::Kind::kPrivate, .service = service};
    return r.Park(packets.first(verdicts.size()), {&how, 1}, verdicts);
  }
  r.Private(service, packets.first(verdicts.size()), verdicts, now);
}

void EngineWorker::OnHandoff(std::span<PacketRef> packets, std::span<const SlotHandoff> handoffs,
                             std::span<EngineVerdict> verdicts, MonoTime now) {
  SlotRunner& r = *impl_->runner;
  verdicts = Fit(verdicts, std::min(packets.size(), handoffs.size()));
  packets = packets.first(verdicts.size());
  handoffs = handoffs.first(verdicts.size());
  Entered e(r, impl_->engine->gate, now);
  if (!e.in()) {
    SlotRunner::ParkCounts::Add(r.park_counts.handoff_in, verdicts.size());
    return r.Park(packets, handoffs, verdicts);
  }
  r.counters.handoff_in += verdicts.size();
  r.Handoff(packets, handoffs, verdicts, now);
}

MonoTime EngineWorker::OnTimer(MonoTime now) {
  SlotRunner& r = *impl_->runner;
  Entered e(r, impl_->engine->gate, now);
  // A control window is open: try again soon (parked packets wait for it to close).
  if (!e.in()) return now + Duration::Milliseconds(1);
  auto slot = impl_->engine->slots.find(isa_);
  if (slot == impl_->engine->slots.end()) return MonoTime::Infinite();
  return std::min(slot->second->esp->OnTimer(now), slot->second->reassembler->OnTimer(now));
}

absl::StatusOr<std::unique_ptr<EngineWorker>> Engine::Impl::AttachWorker(
    const config::IsaSlot& isa) {
  if (isa.card == 0 || isa.mda == 0) {
    return absl::InvalidArgumentError(StrCat("no ISA ", isa.ToString()));
  }
  if (workers.contains(isa)) {
    return absl::AlreadyExistsError(StrCat("ISA ", isa.ToString(), " has a worker"));
  }
  auto runner = std::make_unique<SlotRunner>(*this, isa);
  SlotRunner* raw = runner.get();
  workers.emplace(isa, std::move(runner));
  worker_flags.push_back(&raw->flag);
  auto impl = std::make_unique<EngineWorker::Impl>();
  impl->engine = this;
  impl->runner = raw;
  return std::unique_ptr<EngineWorker>(new EngineWorker(std::move(impl)));
}

void Engine::Impl::DetachWorker(const config::IsaSlot& isa) {
  ControlWindow w(*this);
  auto it = workers.find(isa);
  if (it == workers.end()) return;
  SlotRunner& r = *it->second;
  // What it parked is not lost: done here (the window keeps everyone else out).
  r.Unpark(MonoTime{r.last_call_ns.load(std::memory_order_relaxed)});
  control_counters += r.AllCounters();  // its counts stay in the engine's sums
  std::erase(worker_flags, &r.flag);
  workers.erase(it);
}

absl::StatusOr<std::unique_ptr<EngineWorker>> Engine::AttachWorker(const config::IsaSlot& isa) {
  ControlWindow w(*impl_);
  return impl_->AttachWorker(isa);
}

void Engine::Impl::CheckWorkers(MonoTime now) {
  if (options.worker_timeout.ns <= 0) return;
  for (auto& [isa, r] : workers) {
    int64_t last = r->last_call_ns.load(std::memory_order_relaxed);
    if (last == 0) {  // not called yet: the timeout runs from now
      r->last_call_ns.compare_exchange_strong(last, now.ns, std::memory_order_relaxed);
      continue;
    }
    const bool silent = now.ns - last > options.worker_timeout.ns;
    if (silent == r->hung) continue;
    r->hung = silent;
    Log(silent ? LogLevel::kError : LogLevel::kInfo,
        StrCat("ISA ", isa.ToString(), silent ? ": worker hung (no call for " : ": worker back (",
               (now.ns - last) / 1000000, " ms)"));
    (void)SetIsaHealth(isa, /*healthy=*/!silent, now);
  }
}

std::vector<Engine::SlotState> Engine::Impl::Slots() const {
  std::map<config::IsaSlot, Engine::SlotState> out;
  for (const auto& [isa, slot] : slots) {
    Engine::SlotState& s = out[isa];
    s.sas = slot->esp->sa_count();
    if (slot->reassembler != nullptr) {
      s.reassembly_memory = slot->reassembler->memory_in_use();
      s.reassembly_pool = slot->reassembler->pool_bytes();
      s.reassembly_pending = slot->reassembler->pending_datagrams();
      s.reassembly = slot->reassembler->counters();
    }
  }
  for (const auto& [isa, r] : workers) {
    Engine::SlotState& s = out[isa];
    s.worker = true;
    s.hung = r->hung;
    s.counters = r->AllCounters();
  }
  for (const auto& [key, t] : ipsec_tunnels) {
    if (t.slot != nullptr && (t.installed || t.ike_peer != 0)) ++out[t.slot->isa].tunnels;
  }
  for (const auto& [key, t] : ip_tunnels) {
    if (t.slot != nullptr && t.installed) ++out[t.slot->isa].tunnels;
  }
  for (const auto& [id, g] : running.config().tunnel_groups) {
    for (const config::IsaSlot& isa : view.ActiveIsas(id)) out[isa].active_in.push_back(id);
  }
  std::vector<Engine::SlotState> list;
  for (auto& [isa, s] : out) {
    s.isa = isa;
    s.healthy = groups.healthy(isa);
    list.push_back(std::move(s));
  }
  return list;
}

std::vector<Engine::SlotState> Engine::Slots() const {
  ControlWindow w(*impl_);
  return impl_->Slots();
}

}  // namespace tunnelisa
