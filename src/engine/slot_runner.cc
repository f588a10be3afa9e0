// SlotRunner: handoffs between slots and the park of a worker (the packet paths themselves are
// in engine_forward.cc). Fast path.
#include "engine/slot_runner.h"

#include <cstring>

#include "tunnelisa/wire_constants.h"

namespace tunnelisa {

SlotRunner::SlotRunner(Engine::Impl& engine, std::optional<config::IsaSlot> isa)
    : e_(engine),
      isa_(isa),
      spares_(engine.options.spare_buffers, engine.options.spare_buffer_size),
      park_(isa ? engine.options.park_buffers : 0, engine.options.spare_buffer_size),
      park_payload_(engine.options.spare_buffer_size) {
  parked_.reserve(park_.size());
  parked_how_.reserve(park_.size());
  unpark_verdicts_.resize(park_.size());
}

void SlotRunner::HandOff(PacketRef& p, EngineVerdict& v, const EngineSlot& owner,
                         SlotHandoff::Kind kind, uint32_t service, int depth) {
  const SlotHandoff h{
      .owner = owner.isa, .kind = kind, .depth = static_cast<uint8_t>(depth), .service = service};
  if (InBurst(p)) {
    v.action = Verdict::Action::kDrop;
    v.reason = DropReason::kWrongSlot;
    v.handoff = h;
    ++counters.handed_off;
    return;
  }
  // An extra output lives in our own buffer until this call returns: the host copies it.
  if (!e_.options.host.transport->HandOff(h, p)) return Drop(v, DropReason::kWrongSlot);
  v.action = Verdict::Action::kConsumed;
  ++counters.handed_off;
}

void SlotRunner::Handoff(std::span<PacketRef> packets, std::span<const SlotHandoff> how,
                         std::span<EngineVerdict> verdicts, MonoTime now) {
  BeginBurst(packets);
  for (size_t i = 0; i < packets.size(); ++i) {
    verdicts[i] = EngineVerdict{};
    Dispatch(packets[i], how[i], now, verdicts[i]);
  }
  FlushEsp(now);
}

void SlotRunner::Dispatch(PacketRef& p, const SlotHandoff& how, MonoTime now, EngineVerdict& v) {
  EngineService* svc = nullptr;
  if (how.service != 0) {
    auto s = e_.services.find(how.service);
    if (s == e_.services.end()) return Drop(v, DropReason::kUnknownService);
    svc = &s->second;
  }
  switch (how.kind) {
    case SlotHandoff::Kind::kPublic:
      return PublicOne(svc, svc != nullptr, p, how.depth, now, v);
    case SlotHandoff::Kind::kPrivate:
    case SlotHandoff::Kind::kOuterRoute:
      if (svc == nullptr) return Drop(v, DropReason::kUnknownService);
      return Forward(*svc, p, how.kind == SlotHandoff::Kind::kOuterRoute, how.depth, now, v);
  }
  Drop(v, DropReason::kNotForUs);
}

void SlotRunner::Park(std::span<PacketRef> packets, std::span<const SlotHandoff> how,
                      std::span<EngineVerdict> verdicts) {
  SpareBuffers sp = park_.TakeFree();
  size_t used = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    EngineVerdict& v = verdicts[i];
    v = EngineVerdict{};
    if (used == sp.packets.size() || packets[i].length > park_payload_) {
      v.reason = DropReason::kSlotBusy;  // outside the gate: counted in park_counts
      ParkCounts::Add(park_counts.slot_busy, 1);
      continue;
    }
    PacketRef& copy = sp.packets[used++];
    std::memcpy(copy.mutable_data(), packets[i].data(), packets[i].length);
    copy.length = packets[i].length;
    parked_.push_back(copy);
    parked_how_.push_back(how.size() == 1 ? how[0] : how[i]);
    v.action = Verdict::Action::kConsumed;
    ParkCounts::Add(park_counts.parked, 1);
  }
  sp.used = used;
  park_.Commit(sp);
}

EngineCounters SlotRunner::AllCounters() const {
  EngineCounters c = counters;
  c.public_in += park_counts.public_in.load(std::memory_order_relaxed);
  c.private_in += park_counts.private_in.load(std::memory_order_relaxed);
  c.handoff_in += park_counts.handoff_in.load(std::memory_order_relaxed);
  c.parked += park_counts.parked.load(std::memory_order_relaxed);
  c.drops[static_cast<size_t>(DropReason::kSlotBusy)] +=
      park_counts.slot_busy.load(std::memory_order_relaxed);
  return c;
}

void SlotRunner::Unpark(MonoTime now) {
  if (parked_.empty()) return;
  std::span<EngineVerdict> verdicts(unpark_verdicts_.data(), parked_.size());
  Handoff(parked_, parked_how_, verdicts, now);
  // Nobody sees these verdicts: what belongs to another slot or to the control thread goes
  // through the Transport.
  for (size_t i = 0; i < parked_.size(); ++i) {
    EngineVerdict& v = verdicts[i];
    if (v.action == Verdict::Action::kToControl &&
        !e_.options.host.transport->ToControl(parked_[i])) {
      --counters.to_control;
      ++counters.drops[static_cast<size_t>(DropReason::kSlotBusy)];
    }
    if (!v.handed_off()) continue;
    --counters.handed_off;
    if (e_.options.host.transport->HandOff(v.handoff, parked_[i])) {
      ++counters.handed_off;
    } else {
      ++counters.drops[static_cast<size_t>(DropReason::kWrongSlot)];
    }
  }
  parked_.clear();
  parked_how_.clear();
  park_.Release(0);
}

}  // namespace tunnelisa
