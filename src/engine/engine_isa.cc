// Engine::Impl: ISA health reported by the host and the tunnel groups' failover
// (isa_groups.h decides; Reconcile moves tunnels and SAs), the live member states for
// `show isa tunnel-group ID`, and the sequence-number snapshots that let a manual-keyed tunnel
// resume on another ISA. Control path.
#include "common/str_cat.h"
#include "engine/engine_impl.h"

namespace tunnelisa {

absl::Status Engine::Impl::SetIsaHealth(const config::IsaSlot& isa, bool healthy, MonoTime now) {
  if (isa.card == 0 || isa.mda == 0) {
    return absl::InvalidArgumentError(StrCat("ISA ", isa.ToString(), " is not a card/mda"));
  }
  std::vector<IsaGroups::Change> changes = groups.SetHealth(isa, healthy);
  if (changes.empty()) return absl::OkStatus();
  Log(healthy ? LogLevel::kInfo : LogLevel::kWarning,
      StrCat("ISA ", isa.ToString(), healthy ? " recovered" : " failed"));
  RaiseIsaEvents(changes, now);
  Reconcile(now, StrCat("ISA ", isa.ToString(), healthy ? " recovered" : " failed"));
  return absl::OkStatus();
}

void Engine::Impl::RaiseIsaEvents(const std::vector<IsaGroups::Change>& changes, MonoTime now) {
  for (const IsaGroups::Change& c : changes) {
    Log(c.kind == IsaEventKind::kGroupDown ? LogLevel::kWarning : LogLevel::kInfo,
        c.group == 0
            ? StrCat(IsaEventKindName(c.kind), " ISA ", c.isa.ToString(), ": ", c.detail)
            : StrCat(IsaEventKindName(c.kind), " tunnel-group ", c.group,
                     c.isa.card != 0 ? StrCat(" ISA ", c.isa.ToString()) : "", ": ", c.detail));
    if (options.host.events == nullptr) continue;
    options.host.events->OnIsa(IsaEvent{.kind = c.kind,
                                        .group = c.group,
                                        .card = c.isa.card,
                                        .mda = c.isa.mda,
                                        .detail = c.detail,
                                        .at = now});
  }
}

std::vector<config::IsaMemberState> Engine::Impl::IsaMembers(uint32_t group) const {
  std::vector<config::IsaMemberState> out;
  const config::Config& config = running.config();
  auto g = config.tunnel_groups.find(group);
  if (g == config.tunnel_groups.end()) return out;
  const std::vector<config::IsaSlot> active = view.ActiveIsas(group);
  auto add = [&](const config::IsaSlot& isa, const char* role) {
    config::IsaMemberState m;
    m.isa = isa;
    m.role = role;
    m.healthy = groups.healthy(isa);
    m.active = std::find(active.begin(), active.end(), isa) != active.end();
    if (auto s = slots.find(isa); s != slots.end()) {
      const EngineSlot& slot = *s->second;
      for (const auto& [key, t] : ipsec_tunnels) {
        if (t.slot == &slot && t.sap.tunnel_group == group && (t.installed || t.ike_peer != 0)) {
          ++m.tunnels;
        }
      }
      for (const auto& [key, t] : ip_tunnels) {
        if (t.slot == &slot && t.sap.tunnel_group == group && t.installed) ++m.tunnels;
      }
      const DataplaneCounters& c = slot.esp->counters();
      m.sas = slot.esp->sa_count();
      m.packets = c.encrypted_packets + c.decrypted_packets;
      m.drops = c.total_drops();
    }
    out.push_back(std::move(m));
  };
  if (g->second.mode == config::TunnelGroupMode::kMultiActive) {
    for (const config::IsaSlot& isa : g->second.mdas) add(isa, "mda");
  } else {
    if (g->second.primary) add(*g->second.primary, "primary");
    if (g->second.backup && g->second.backup != g->second.primary) add(*g->second.backup, "backup");
  }
  return out;
}

void Engine::Impl::SnapshotSequences(MonoTime now) {
  if (now < next_snapshot_) return;
  next_snapshot_ = now + kSnapshotInterval;
  for (auto& [key, t] : ipsec_tunnels) {
    if (!t.installed || t.ike_peer != 0 || t.slot == nullptr || !t.outbound.valid()) continue;
    absl::StatusOr<SaStats> stats = t.slot->esp->Query(t.outbound);
    if (stats.ok()) t.snapshot_sequence = stats->last_sequence;
  }
}

}  // namespace tunnelisa
