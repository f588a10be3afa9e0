#include "tunnelisa/config/runtime_view.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "config/object_path.h"
#include "tunnelisa/config/route_table.h"
#include "tunnelisa/config/validator.h"

namespace tunnelisa::config {
namespace {

using Reasons = std::map<std::string, std::vector<std::string>>;

OperStatus Status(std::vector<std::string> reasons) {
  OperStatus s;
  s.state = reasons.empty() ? OperState::kUp : OperState::kDown;
  s.reasons = std::move(reasons);
  return s;
}

void Append(std::vector<std::string>& out, const Reasons& by_object, const std::string& path) {
  auto it = by_object.find(path);
  if (it != by_object.end()) out.insert(out.end(), it->second.begin(), it->second.end());
}

}  // namespace

ConfigRuntimeView::ConfigRuntimeView(const Config& config)
    : ConfigRuntimeView(config, IsaAssignments{}, /*live=*/false, Validate(config)) {}

ConfigRuntimeView::ConfigRuntimeView(const Config& config, const IsaAssignments& assignments)
    : ConfigRuntimeView(config, assignments, /*live=*/true, Validate(config)) {}

ConfigRuntimeView::ConfigRuntimeView(const Config& config, const IsaAssignments& assignments,
                                     const ValidationReport& report)
    : ConfigRuntimeView(config, assignments, /*live=*/true, report) {}

ConfigRuntimeView::ConfigRuntimeView(const Config& config, const IsaAssignments& assignments,
                                     bool live, const ValidationReport& report) {
  Reasons reasons;
  for (const Finding& f : report.errors) {
    reasons[f.object].push_back("configuration error: " + f.message);
  }
  for (const Finding& f : report.oper_down) reasons[f.object].push_back(f.message);

  for (const auto& [id, g] : config.tunnel_groups) {
    std::vector<std::string> r;
    if (g.admin == AdminState::kDown) r.push_back("tunnel-group is shutdown");
    Append(r, reasons, internal::TunnelGroupPath(id));
    // Live: the engine's failover decisions say which ISAs carry the group, if any.
    const auto assigned = assignments.find(id);
    if (live && r.empty() && (assigned == assignments.end() || assigned->second.active.empty())) {
      r.push_back(assigned == assignments.end() ? "no ISA is assigned"
                                                : assigned->second.down_reason);
    }
    OperStatus status = Status(std::move(r));
    if (status.up() && live) {
      active_[id] = assigned->second.active;
    } else if (status.up()) {
      if (g.mode == TunnelGroupMode::kSingleActive) {
        active_[id] = {*g.primary};
      } else {
        size_t n = std::min<size_t>(g.active_mda_number, g.mdas.size());
        active_[id] = std::vector<IsaSlot>(g.mdas.begin(), g.mdas.begin() + n);
      }
    }
    groups_[id] = std::move(status);
  }

  auto service_reasons = [&](const std::optional<ServiceRef>& ref, std::vector<std::string>& r) {
    if (!ref) return;
    const Service* d = config.FindService(*ref);
    if (d != nullptr && d->admin == AdminState::kDown) {
      r.push_back(absl::StrCat("delivery service ", d->id, " is shutdown"));
    }
  };
  struct PendingIp {
    TunnelKey key;
    const IpTunnel* tunnel;
    std::vector<std::string> reasons;
  };
  std::vector<PendingIp> pending_ip;
  for (const auto& [sid, s] : config.services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      const Sap& sap = *i.sap;
      std::string sap_path = internal::SapPath(sid, ifname, sap.id);
      std::vector<std::string> common;
      if (s.admin == AdminState::kDown)
        common.push_back(absl::StrCat("service ", sid, " is shutdown"));
      if (i.admin == AdminState::kDown) {
        common.push_back(absl::StrCat("interface ", internal::Quote(ifname), " is shutdown"));
      }
      if (sap.admin == AdminState::kDown) {
        common.push_back(absl::StrCat("sap ", sap.id.ToString(), " is shutdown"));
      }
      auto g = groups_.find(sap.id.tunnel_group);
      if (g == groups_.end()) {
        common.push_back(absl::StrCat("tunnel-group ", sap.id.tunnel_group, " does not exist"));
      } else if (!g->second.up()) {
        common.push_back(
            absl::StrCat("tunnel-group ", sap.id.tunnel_group, " is operationally down"));
      }
      Append(common, reasons, sap_path);
      if (sap.ip_tunnel) {
        Append(common, reasons, internal::InterfacePath(sid, ifname));  // e.g. no address
        const IpTunnel& t = *sap.ip_tunnel;
        std::vector<std::string> r;
        if (t.admin == AdminState::kDown) r.push_back("ip-tunnel is shutdown");
        r.insert(r.end(), common.begin(), common.end());
        service_reasons(t.delivery_service, r);
        Append(r, reasons, internal::IpTunnelPath(sap_path, t.name));
        pending_ip.push_back({TunnelKey{sid, t.name}, &t, std::move(r)});
      }
      // A tunnel's findings have paths that start with its SAP's: without any, formatting
      // each tunnel's path (100k of them) to look it up is saved.
      auto below = reasons.lower_bound(sap_path);
      const bool sap_findings = below != reasons.end() && below->first.starts_with(sap_path);
      for (const auto& [name, t] : sap.ipsec_tunnels) {
        std::vector<std::string> r;
        if (t.admin == AdminState::kDown) r.push_back("ipsec-tunnel is shutdown");
        r.insert(r.end(), common.begin(), common.end());
        service_reasons(t.delivery_service, r);
        if (sap_findings) Append(r, reasons, internal::IpsecTunnelPath(sap_path, name));
        ipsec_tunnels_[TunnelKey{sid, name}] = Status(std::move(r));
      }
    }
  }
  // GRE / IP-IP: the guide sends to remote-ip while it is reachable in the delivery service,
  // else to backup-remote-ip; with neither reachable the tunnel can't come up. Routes over
  // IPsec tunnels (GRE over IPsec, Figure 27) count once those tunnels' states are known.
  std::map<uint32_t, RouteTable> tables;  // per delivery service, built once
  for (PendingIp& p : pending_ip) {
    const IpTunnel& t = *p.tunnel;
    const Service* d = t.delivery_service ? config.FindService(*t.delivery_service) : nullptr;
    if (p.reasons.empty() && d != nullptr && t.remote_ip) {
      auto cached = tables.find(d->id);
      if (cached == tables.end()) {
        cached = tables.emplace(d->id, RouteTable::Build(*d, *this)).first;
      }
      const RouteTable& routes = cached->second;
      const Route* primary = routes.Lookup(*t.remote_ip);
      const Route* backup = t.backup_remote_ip ? routes.Lookup(*t.backup_remote_ip) : nullptr;
      if (primary == nullptr && backup == nullptr) {
        p.reasons.push_back(t.backup_remote_ip
                                ? absl::StrCat("neither remote-ip ", t.remote_ip->ToString(),
                                               " nor backup-remote-ip ",
                                               t.backup_remote_ip->ToString(),
                                               " is reachable in delivery service ", d->id)
                                : absl::StrCat("remote-ip ", t.remote_ip->ToString(),
                                               " is not reachable in delivery service ", d->id));
      }
      if (p.reasons.empty()) {
        active_remote_[p.key] = primary != nullptr ? *t.remote_ip : *t.backup_remote_ip;
      }
    }
    ip_tunnels_[p.key] = Status(std::move(p.reasons));
  }
}

OperStatus ConfigRuntimeView::TunnelGroupStatus(uint32_t group) const {
  auto it = groups_.find(group);
  if (it == groups_.end()) return Status({absl::StrCat("tunnel-group ", group, " does not exist")});
  return it->second;
}

std::vector<IsaSlot> ConfigRuntimeView::ActiveIsas(uint32_t group) const {
  auto it = active_.find(group);
  return it == active_.end() ? std::vector<IsaSlot>{} : it->second;
}

OperStatus ConfigRuntimeView::IpTunnelStatus(const TunnelKey& tunnel) const {
  auto it = ip_tunnels_.find(tunnel);
  if (it == ip_tunnels_.end()) return Status({"ip-tunnel does not exist"});
  return it->second;
}

OperStatus ConfigRuntimeView::IpsecTunnelStatus(const TunnelKey& tunnel) const {
  auto it = ipsec_tunnels_.find(tunnel);
  if (it == ipsec_tunnels_.end()) return Status({"ipsec-tunnel does not exist"});
  return it->second;
}

std::optional<IpsecTunnelCounters> ConfigRuntimeView::IpsecCounters(const TunnelKey&) const {
  return std::nullopt;
}

std::optional<IpAddress> ConfigRuntimeView::IpTunnelActiveRemote(const TunnelKey& tunnel) const {
  auto it = active_remote_.find(tunnel);
  if (it == active_remote_.end() || !IpTunnelStatus(tunnel).up()) return std::nullopt;
  return it->second;
}

}  // namespace tunnelisa::config
