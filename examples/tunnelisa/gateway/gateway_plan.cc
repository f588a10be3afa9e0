// File: examples/tunnelisa/gateway/gateway_plan.cc
#include "examples/tunnelisa/gateway/gateway_plan.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_format.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::gateway {

absl::StatusOr<GatewayPlan> MakePlan(const config::Config& config,
                                     const std::map<uint32_t, std::string>& tun_overrides) {
  GatewayPlan plan;
  std::set<IpAddress> udp;
  std::set<RawListen> raw;
  for (const auto& [sid, service] : config.services) {
    for (const auto& [ifname, intf] : service.interfaces) {
      if (!intf.sap) continue;
      const config::Sap& sap = *intf.sap;
      if (sap.id.kind == config::SapKind::kPrivate) plan.tuns[sid] = absl::StrFormat("tl%d", sid);
      if (const std::optional<config::IpTunnel>& t = sap.ip_tunnel;
          t && t->admin == config::AdminState::kUp && t->source) {
        plan.ip_tunnel_sources.emplace(*t->source, "ip-tunnel \"" + t->name + "\"");
        if (t->gre_header) {
          raw.insert({t->source->family(), kProtoGre});
        } else {
          raw.insert({t->source->family(), kProtoIpv4InIp});
          raw.insert({t->source->family(), kProtoIpv6InIp});
        }
      }
      for (const auto& [name, t] : sap.ipsec_tunnels) {
        if (t.admin != config::AdminState::kUp || !t.local_gateway_address) continue;
        udp.insert(*t.local_gateway_address);
        raw.insert({t.local_gateway_address->family(), kProtoEsp});
      }
      for (const auto& [name, gw] : sap.ipsec_gws) {
        if (gw.admin != config::AdminState::kUp || !gw.gateway_address) continue;
        udp.insert(*gw.gateway_address);
        raw.insert({gw.gateway_address->family(), kProtoEsp});
      }
    }
  }
  for (const auto& [sid, name] : tun_overrides) {
    if (!config.services.contains(sid)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--tun %d=%s: service %d is not in the configuration", sid, name, sid));
    }
    plan.tuns[sid] = name;
  }
  std::set<std::string> names;
  for (const auto& [sid, name] : plan.tuns) {
    if (!names.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("TUN name %s is given to two services (see --tun)", name));
    }
  }
  plan.udp_addresses.assign(udp.begin(), udp.end());
  plan.raw.assign(raw.begin(), raw.end());
  return plan;
}

}  // namespace tunnelisa::gateway
