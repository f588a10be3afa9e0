#include "engine/engine_view.h"

#include <algorithm>
#include <utility>

namespace tunnelisa {

using config::OperState;
using config::OperStatus;
using config::TunnelKey;

EngineView::EngineView() : base_(std::make_unique<config::ConfigRuntimeView>(config::Config{})) {}

void EngineView::Rebuild(const config::Config& config, const config::IsaAssignments& assignments,
                         const std::map<TunnelKey, std::string>& ipsec_down,
                         const config::ValidationReport& report) {
  ipsec_override_.clear();
  ip_override_.clear();
  if (ipsec_down.empty()) {
    base_ = std::make_unique<config::ConfigRuntimeView>(config, assignments, report);
    return;
  }
  // Treat the tunnels the engine keeps down as shut down, so that everything depending on
  // them (routes, GRE tunnels reached over them) follows.
  config::Config shut = config;
  for (auto& [sid, s] : shut.services) {
    for (auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      for (auto& [name, t] : i.sap->ipsec_tunnels) {
        if (ipsec_down.contains(TunnelKey{sid, name})) t.admin = config::AdminState::kDown;
      }
    }
  }
  // Admin states are no validator's business: `report` holds for `shut` too.
  base_ = std::make_unique<config::ConfigRuntimeView>(shut, assignments, report);
  for (const auto& [key, reason] : ipsec_down) {
    OperStatus s = base_->IpsecTunnelStatus(key);
    std::vector<std::string> reasons = {reason};
    for (std::string& r : s.reasons) {
      if (r != "ipsec-tunnel is shutdown") reasons.push_back(std::move(r));
    }
    ipsec_override_[key] = OperStatus{OperState::kDown, std::move(reasons)};
  }
}

void EngineView::SetIpTunnelDown(const TunnelKey& tunnel, std::string reason) {
  OperStatus s = base_->IpTunnelStatus(tunnel);
  s.state = OperState::kDown;
  s.reasons.push_back(std::move(reason));
  ip_override_[tunnel] = std::move(s);
}

OperStatus EngineView::TunnelGroupStatus(uint32_t group) const {
  return base_->TunnelGroupStatus(group);
}

std::vector<config::IsaSlot> EngineView::ActiveIsas(uint32_t group) const {
  return base_->ActiveIsas(group);
}

std::vector<config::IsaMemberState> EngineView::IsaMembers(uint32_t group) const {
  return members_ ? members_(group) : std::vector<config::IsaMemberState>{};
}

OperStatus EngineView::IpTunnelStatus(const TunnelKey& tunnel) const {
  auto it = ip_override_.find(tunnel);
  return it != ip_override_.end() ? it->second : base_->IpTunnelStatus(tunnel);
}

OperStatus EngineView::IpsecTunnelStatus(const TunnelKey& tunnel) const {
  auto it = ipsec_override_.find(tunnel);
  return it != ipsec_override_.end() ? it->second : base_->IpsecTunnelStatus(tunnel);
}

std::optional<config::IpsecTunnelCounters> EngineView::IpsecCounters(
    const TunnelKey& tunnel) const {
  if (!counters_) return std::nullopt;
  return counters_(tunnel);
}

std::optional<IpAddress> EngineView::IpTunnelActiveRemote(const TunnelKey& tunnel) const {
  if (!IpTunnelStatus(tunnel).up()) return std::nullopt;
  return active_remote_ ? active_remote_(tunnel) : base_->IpTunnelActiveRemote(tunnel);
}

std::optional<config::TrafficStatistics> EngineView::TunnelStatistics(const TunnelKey& tunnel,
                                                                      bool ipsec) const {
  return statistics_.tunnel ? statistics_.tunnel(tunnel, ipsec) : std::nullopt;
}

std::optional<config::TrafficStatistics> EngineView::SapStatistics(
    uint32_t service, const config::TunnelSapId& sap) const {
  return statistics_.sap ? statistics_.sap(service, sap) : std::nullopt;
}

std::optional<config::TrafficStatistics> EngineView::ServiceStatistics(uint32_t service) const {
  return statistics_.service ? statistics_.service(service) : std::nullopt;
}

}  // namespace tunnelisa
