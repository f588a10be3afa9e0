// Engine: the facade over Engine::Impl (engine_impl.h); counters, getters, show, timers.
#include "tunnelisa/engine.h"

#include <algorithm>
#include <utility>

#include "engine/engine_impl.h"
#include "engine/slot_runner.h"

namespace tunnelisa {
namespace {

template <typename Map, typename Key>
std::optional<TrafficCounters> Find(const Map& m, const Key& key) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second.inner;
}

}  // namespace

uint64_t EngineCounters::total_drops() const {
  uint64_t n = 0;
  for (uint64_t d : drops) n += d;
  return n;
}

EngineCounters& EngineCounters::operator+=(const EngineCounters& o) {
  public_in += o.public_in;
  private_in += o.private_in;
  sent_public += o.sent_public;
  delivered_private += o.delivered_private;
  consumed += o.consumed;
  to_control += o.to_control;
  ike_in += o.ike_in;
  ike_drops += o.ike_drops;
  control_queue_overflows += o.control_queue_overflows;
  handoff_in += o.handoff_in;
  handed_off += o.handed_off;
  parked += o.parked;
  for (size_t i = 0; i < drops.size(); ++i) drops[i] += o.drops[i];
  return *this;
}

EngineCounters Engine::Impl::Counters() const {
  EngineCounters sum = control_counters;
  sum += control_runner->counters;
  for (const auto& [isa, w] : workers) sum += w->AllCounters();
  for (const auto& [isa, slot] : slots) sum.control_queue_overflows += slot->control_overflows;
  return sum;
}

MonoTime Engine::Impl::RunSlotTimers(MonoTime now) {
  MonoTime next = MonoTime::Infinite();
  for (auto& [isa, slot] : slots) {
    if (workers.contains(isa)) continue;  // its worker runs them
    next = std::min(next, slot->esp->OnTimer(now));
    next = std::min(next, slot->reassembler->OnTimer(now));
  }
  return next;
}

Engine::Impl::Impl(const EngineOptions& o)
    : options(o), radius(o.host.radius, o.host.random, o.host.log) {
  control_runner = std::make_unique<SlotRunner>(*this, std::nullopt);
  accounting = std::make_unique<EngineAccounting>(
      radius,
      [this](const config::TunnelKey& key) -> std::optional<SessionCounters> {
        auto it = gw_session_by_key.find(key);
        if (it == gw_session_by_key.end()) return std::nullopt;
        return GwSessionCounters(*it->second);
      },
      o.host.random, o.host.wall_clock, o.host.log);
  StartIke();
  // The view is read on the control thread, also outside Engine's methods (runtime()): what it
  // reads of the slots, it reads inside a control window.
  view.set_counters([this](const config::TunnelKey& key) {
    ControlWindow w(*this);
    return IpsecCounters(key);
  });
  view.set_members([this](uint32_t group) {
    ControlWindow w(*this);
    return IsaMembers(group);
  });
  view.set_active_remote([this](const config::TunnelKey& key) -> std::optional<IpAddress> {
    auto it = ip_tunnels.find(key);
    if (it == ip_tunnels.end() || !it->second.installed) return std::nullopt;
    const config::IpTunnel& c = it->second.installed_config;
    return it->second.active == TunnelRemote::kBackup ? c.backup_remote_ip : c.remote_ip;
  });
  WireStatistics();
}

std::optional<config::IpsecTunnelCounters> Engine::Impl::IpsecCounters(
    const config::TunnelKey& key) const {
  auto it = ipsec_tunnels.find(key);
  if (it == ipsec_tunnels.end() || !it->second.installed) return std::nullopt;
  const IpsecTunnelState& t = it->second;
  config::IpsecTunnelCounters c;
  auto add_drops = [&c](const SaStats& s) {
    for (uint64_t d : s.drops) c.dropped_packets += d;
  };
  if (absl::StatusOr<SaStats> out = t.slot->esp->Query(t.outbound); out.ok()) {
    c.outbound_spi = out->spi;
    c.outbound_packets = out->packets;
    c.outbound_bytes = out->bytes;
    add_drops(*out);
  }
  // Packets and bytes over every inbound SA still installed (a rekeyed one lingers until its
  // delete); the SPI shown is the newest one's, the one the peer now sends on (`inbound` is in
  // install order).
  for (const SaHandle& h : t.inbound) {
    absl::StatusOr<SaStats> in = t.slot->esp->Query(h);
    if (!in.ok()) continue;
    c.inbound_spi = in->spi;
    c.inbound_packets += in->packets;
    c.inbound_bytes += in->bytes;
    add_drops(*in);
  }
  return c;
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(const EngineOptions& options) {
  if (options.crypto == nullptr) return absl::InvalidArgumentError("EngineOptions.crypto is null");
  if (options.host.transport == nullptr) {
    return absl::InvalidArgumentError("EngineOptions.host.transport is null");
  }
  if (options.spare_buffers == 0 || options.spare_buffer_size < 1280) {
    return absl::InvalidArgumentError("EngineOptions: need spare buffers of at least 1280 bytes");
  }
  return std::unique_ptr<Engine>(new Engine(std::make_unique<Impl>(options)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

absl::Status Engine::ApplyConfig(const config::Config& config, MonoTime now) {
  return impl_->Apply(config, now);  // opens its control window once the candidate is accepted
}

// The one-thread burst calls: the control runner serves every slot inside a control window,
// then (control_on_fast_path) does the control work the burst queued.
template <typename Run>
void Engine::Impl::OneThreadBurst(MonoTime now, Run run) {
  ControlWindow w(*this);
  run(*control_runner);
  if (options.control_on_fast_path) DrainControl(now);
}

void Engine::OnPublicPackets(std::span<PacketRef> packets, std::span<EngineVerdict> verdicts,
                             MonoTime now) {
  verdicts = verdicts.first(std::min(verdicts.size(), packets.size()));
  impl_->OneThreadBurst(now,
                        [&](SlotRunner& r) { r.Public(std::nullopt, packets, verdicts, now); });
}

void Engine::OnPublicPackets(uint32_t delivery_service, std::span<PacketRef> packets,
                             std::span<EngineVerdict> verdicts, MonoTime now) {
  verdicts = verdicts.first(std::min(verdicts.size(), packets.size()));
  impl_->OneThreadBurst(now,
                        [&](SlotRunner& r) { r.Public(delivery_service, packets, verdicts, now); });
}

void Engine::OnPrivatePackets(uint32_t service, std::span<PacketRef> packets,
                              std::span<EngineVerdict> verdicts, MonoTime now) {
  verdicts = verdicts.first(std::min(verdicts.size(), packets.size()));
  impl_->OneThreadBurst(now, [&](SlotRunner& r) { r.Private(service, packets, verdicts, now); });
}

void Engine::OnHandoff(std::span<PacketRef> packets, std::span<const SlotHandoff> handoffs,
                       std::span<EngineVerdict> verdicts, MonoTime now) {
  const size_t n = std::min({packets.size(), handoffs.size(), verdicts.size()});
  impl_->OneThreadBurst(now, [&](SlotRunner& r) {
    r.counters.handoff_in += n;
    r.Handoff(packets.first(n), handoffs.first(n), verdicts.first(n), now);
  });
}

absl::Status Engine::SetIsaHealth(const config::IsaSlot& isa, bool healthy, MonoTime now) {
  ControlWindow w(*impl_);
  return impl_->SetIsaHealth(isa, healthy, now);
}

std::optional<config::IsaSlot> Engine::TunnelIsa(const config::TunnelKey& tunnel,
                                                 bool ipsec) const {
  if (ipsec) {
    auto it = impl_->ipsec_tunnels.find(tunnel);
    if (it == impl_->ipsec_tunnels.end() || it->second.slot == nullptr) return std::nullopt;
    return it->second.slot->isa;
  }
  auto it = impl_->ip_tunnels.find(tunnel);
  if (it == impl_->ip_tunnels.end() || it->second.slot == nullptr) return std::nullopt;
  return it->second.slot->isa;
}

uint32_t Engine::InterfaceId(uint32_t service, std::string_view interface) const {
  auto it = impl_->interface_ids.find({service, std::string(interface)});
  return it == impl_->interface_ids.end() ? 0 : it->second;
}

bool Engine::ControlWorkPending() const {
  ControlWindow w(*impl_);
  return impl_->ControlWorkPending();
}

MonoTime Engine::OnTimer(MonoTime now) {
  ControlWindow w(*impl_);
  impl_->accounting->Flush(now);  // the time sessions the timers below end end at
  impl_->CheckWorkers(now);
  impl_->SnapshotSequences(now);
  MonoTime next = impl_->RunSlotTimers(now);
  impl_->DrainControl(now);  // what the bursts and the timers above queued
  next = std::min(next, impl_->IkeTimer(now));
  next = std::min(next, impl_->accounting->OnTimer(now));  // before the clients' deadlines
  next = std::min(next, impl_->radius.OnTimer(now));
  return next;
}

void Engine::OnRadiusDatagram(const radius::RadiusServerAddress& from,
                              std::span<const uint8_t> datagram, MonoTime now) {
  ControlWindow w(*impl_);
  impl_->radius.OnDatagram(from, datagram, now);
}

AccountingCounters Engine::accounting_counters() const {
  ControlWindow w(*impl_);
  return impl_->accounting->counters();
}

EngineCounters Engine::counters() const {
  ControlWindow w(*impl_);
  return impl_->Counters();
}

std::optional<TrafficCounters> Engine::IpTunnelTraffic(const config::TunnelKey& tunnel) const {
  ControlWindow w(*impl_);
  return Find(impl_->ip_traffic, tunnel);
}

std::optional<TrafficCounters> Engine::IpsecTunnelTraffic(const config::TunnelKey& tunnel) const {
  ControlWindow w(*impl_);
  return Find(impl_->ipsec_traffic, tunnel);
}

std::optional<TrafficCounters> Engine::ServiceTraffic(uint32_t service) const {
  ControlWindow w(*impl_);
  return impl_->ServiceTraffic(service);
}

std::optional<TrafficCounters> Engine::SapTraffic(uint32_t service,
                                                  const config::TunnelSapId& sap) const {
  ControlWindow w(*impl_);
  return impl_->SapTraffic(service, sap);
}

std::optional<TunnelRemote> Engine::ActiveRemote(const config::TunnelKey& tunnel) const {
  auto it = impl_->ip_tunnels.find(tunnel);
  if (it == impl_->ip_tunnels.end() || !it->second.installed) return std::nullopt;
  return it->second.active;
}

const config::RuntimeView& Engine::runtime() const { return impl_->view; }
const config::Config& Engine::config() const { return impl_->running.config(); }

absl::StatusOr<std::string> Engine::Show(std::span<const std::string> words,
                                         config::ShowFormat format) const {
  // No window around the whole rendering: what it reads of the slots (SA counters, ISA
  // members) the runtime view reads in short windows of its own.
  return config::RenderShow(impl_->running.config(), impl_->view, words, format);
}

}  // namespace tunnelisa
