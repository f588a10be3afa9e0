#include "tunnelisa/config/route_table.h"

#include <algorithm>
#include <tuple>

namespace tunnelisa::config {
namespace {
constexpr uint32_t kStaticPreference = 5;
}  // namespace

void RouteTable::Add(Route route) {
  size_t index = routes_.size();
  routes_.push_back(route);
  if (!route.active || !route.prefix.address().is_set()) return;
  Family& f = FamilyOf(route.prefix.address());
  int len = route.prefix.length();
  auto& map = f.by_length[static_cast<size_t>(len)];
  auto [it, fresh] = map.emplace(route.prefix.address(), index);
  if (!fresh && routes_[it->second].preference > route.preference) it->second = index;
  if (std::find(f.lengths.begin(), f.lengths.end(), len) == f.lengths.end()) {
    f.lengths.push_back(len);
    std::sort(f.lengths.begin(), f.lengths.end(), std::greater<int>());
  }
}

const Route* RouteTable::Lookup(const IpAddress& address) const {
  if (!address.is_set()) return nullptr;
  const Family& f = FamilyOf(address);
  for (int len : f.lengths) {
    const auto& map = f.by_length[static_cast<size_t>(len)];
    auto it = map.find(IpPrefix::Make(address, len).address());
    if (it != map.end()) return &routes_[it->second];
  }
  return nullptr;
}

std::vector<Route> RouteTable::routes() const {
  std::vector<Route> out = routes_;
  std::stable_sort(out.begin(), out.end(), [](const Route& a, const Route& b) {
    return std::tie(a.prefix, a.preference) < std::tie(b.prefix, b.preference);
  });
  return out;
}

RouteTable RouteTable::Build(const Service& service, const RuntimeView& runtime) {
  RouteTable table;
  RouteTable local;  // for next-hop resolution
  for (const auto& [name, i] : service.interfaces) {
    if (!i.address) continue;
    Route r;
    r.prefix = i.address->subnet();
    r.protocol = RouteProtocol::kLocal;
    r.interface = name;
    r.preference = 0;
    r.active = i.admin == AdminState::kUp && service.admin == AdminState::kUp;
    table.Add(r);
    local.Add(r);
  }
  for (const StaticRoute& s : service.static_routes) {
    Route r;
    r.prefix = s.prefix;
    r.protocol = RouteProtocol::kStatic;
    r.next_hop_kind = s.kind;
    r.preference = kStaticPreference;
    switch (s.kind) {
      case NextHopKind::kIp: {
        r.next_hop = s.next_hop;
        const Route* via = local.Lookup(s.next_hop);
        if (via != nullptr) {
          r.interface = via->interface;
          r.active = true;
        }
        break;
      }
      case NextHopKind::kIpsecTunnel:
        r.tunnel = s.tunnel_name;
        r.active = runtime.IpsecTunnelStatus({service.id, s.tunnel_name}).up();
        break;
      case NextHopKind::kIpTunnel:
        r.tunnel = s.tunnel_name;
        r.active = runtime.IpTunnelStatus({service.id, s.tunnel_name}).up();
        break;
    }
    if (service.admin == AdminState::kDown) r.active = false;
    table.Add(r);
  }
  return table;
}

}  // namespace tunnelisa::config
