// Engine::Impl: TunnelEvents (tunnelisa/events.h): after each reconciliation, every configured
// tunnel's operational state (what `show` prints) compared with what was last reported, and
// each change reported once. Control path; O(tunnels) per reconciliation, which is O(tunnels)
// already.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/str_cat.h"
#include "engine/engine_impl.h"

namespace tunnelisa {

void Engine::Impl::RaiseTunnelEvents(MonoTime now, std::string_view cause) {
  // The tunnels configured now, with their state, in (kind, service, name) order.
  std::map<ReportedTunnel, config::OperStatus> current;
  const config::Config& config = running.config();
  for (const auto& [sid, s] : config.services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      for (const auto& [name, t] : i.sap->ipsec_tunnels) {
        const config::TunnelKey key{sid, name};
        current.emplace(ReportedTunnel{TunnelKind::kIpsec, key}, view.IpsecTunnelStatus(key));
      }
      if (const std::optional<config::IpTunnel>& t = i.sap->ip_tunnel) {
        const config::TunnelKey key{sid, t->name};
        const TunnelKind kind = t->gre_header ? TunnelKind::kGre : TunnelKind::kIpIp;
        current.emplace(ReportedTunnel{kind, key}, view.IpTunnelStatus(key));
      }
    }
  }
  struct Change {
    ReportedTunnel tunnel;
    bool up;
    std::string reasons;
  };
  std::vector<Change> changes;
  // Both maps are ordered the same way: one merge pass.
  auto was = reported_tunnels_.begin();
  for (const auto& [tunnel, status] : current) {
    while (was != reported_tunnels_.end() && was->first < tunnel) {
      if (was->second) changes.push_back({was->first, false, "removed from the configuration"});
      ++was;
    }
    const bool known = was != reported_tunnels_.end() && was->first == tunnel;
    if (!known || was->second != status.up()) {
      changes.push_back(
          {tunnel, status.up(), status.up() ? "" : absl::StrJoin(status.reasons, "; ")});
    }
    if (known) ++was;
  }
  for (; was != reported_tunnels_.end(); ++was) {
    if (was->second) changes.push_back({was->first, false, "removed from the configuration"});
  }
  reported_tunnels_.clear();
  for (const auto& [tunnel, status] : current) reported_tunnels_.emplace(tunnel, status.up());
  // Sorted by (kind, service, name) as promised: removals were merged in order.
  for (const Change& c : changes) {
    Log(c.up ? LogLevel::kInfo : LogLevel::kWarning,
        StrCat(TunnelKindName(c.tunnel.kind), " ", c.tunnel.key.service, "/", c.tunnel.key.name,
               c.up ? " up" : " down", c.reasons.empty() ? "" : ": ", c.reasons, " (", cause, ")"));
    if (options.host.events == nullptr) continue;
    options.host.events->OnTunnel(TunnelEvent{.kind = c.tunnel.kind,
                                              .service = c.tunnel.key.service,
                                              .name = c.tunnel.key.name,
                                              .up = c.up,
                                              .reasons = c.reasons,
                                              .cause = cause,
                                              .at = now});
  }
}

}  // namespace tunnelisa
