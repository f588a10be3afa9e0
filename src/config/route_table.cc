#include "tunnelisa/config/route_table.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace tunnelisa::config {
namespace {
constexpr uint32_t kStaticPreference = 5;

// Resolution: where a next hop led (the forwarding fields of Route).
struct Resolution {
  NextHopKind via = NextHopKind::kIp;
  std::string tunnel;
  std::string interface;
  IpAddress gateway;
  bool operator==(const Resolution&) const = default;
};

// ResolveThrough: what a next hop `next_hop` inherits from the route `hit` that holds it.
Resolution ResolveThrough(const Route& hit, const IpAddress& next_hop) {
  Resolution r;
  r.via = hit.via;
  if (hit.via != NextHopKind::kIp) {
    r.tunnel = hit.tunnel;  // into the tunnel that route names
    return r;
  }
  r.interface = hit.interface;
  // A connected subnet: the next hop itself is the neighbour; through another next-hop route:
  // that route's neighbour.
  r.gateway = hit.protocol == RouteProtocol::kLocal ? next_hop : hit.gateway;
  return r;
}

void Apply(const Resolution& r, Route& route) {
  route.via = r.via;
  route.tunnel = r.tunnel;
  route.interface = r.interface;
  route.gateway = r.gateway;
}
}  // namespace

namespace {
// AddLength: adds `len` to the descending list if absent.
void AddLength(std::vector<int>& lengths, int len) {
  if (std::find(lengths.begin(), lengths.end(), len) != lengths.end()) return;
  lengths.push_back(len);
  std::sort(lengths.begin(), lengths.end(), std::greater<int>());
}
uint32_t Mask4(uint32_t a, int len) { return len == 0 ? 0 : a & (~uint32_t{0} << (32 - len)); }
}  // namespace

void RouteTable::Add(Route route) {
  if (route.next_hop_kind != NextHopKind::kIp) route.via = route.next_hop_kind;
  const uint32_t index = static_cast<uint32_t>(routes_.size());
  routes_.push_back(route);
  if (!route.active || !route.prefix.address().is_set()) return;
  const int len = route.prefix.length();
  // For equal prefixes the lowest preference wins, then the first added.
  auto keep = [&](uint32_t& slot, bool fresh) {
    if (!fresh && routes_[slot].preference > route.preference) slot = index;
  };
  if (route.prefix.address().is_v4()) {
    auto [it, fresh] = v4_.by_length[static_cast<size_t>(len)].emplace(
        route.prefix.address().v4_host_order(), index);
    keep(it->second, fresh);
    AddLength(v4_.lengths, len);
  } else {
    auto [it, fresh] =
        v6_.by_length[static_cast<size_t>(len)].emplace(route.prefix.address(), index);
    keep(it->second, fresh);
    AddLength(v6_.lengths, len);
  }
}

const Route* RouteTable::Lookup(const IpAddress& address) const {
  const int i = LookupIndex(address);
  return i < 0 ? nullptr : &routes_[static_cast<size_t>(i)];
}

int RouteTable::LookupIndex(const IpAddress& address) const {
  return LookupShorterThan(address, 129);
}

int RouteTable::LookupShorterThan(const IpAddress& address, int length) const {
  if (address.is_v4()) {
    const uint32_t a = address.v4_host_order();
    for (int len : v4_.lengths) {
      if (len >= length) continue;
      const auto& map = v4_.by_length[static_cast<size_t>(len)];
      auto it = map.find(Mask4(a, len));
      if (it != map.end()) return static_cast<int>(it->second);
    }
    return -1;
  }
  if (!address.is_v6()) return -1;
  for (int len : v6_.lengths) {
    if (len >= length) continue;
    const auto& map = v6_.by_length[static_cast<size_t>(len)];
    auto it = map.find(IpPrefix::Make(address, len).address());
    if (it != map.end()) return static_cast<int>(it->second);
  }
  return -1;
}

std::vector<Route> RouteTable::routes() const {
  std::vector<Route> out = routes_;
  std::stable_sort(out.begin(), out.end(), [](const Route& a, const Route& b) {
    return std::tie(a.prefix, a.preference) < std::tie(b.prefix, b.preference);
  });
  return out;
}

RouteTable RouteTable::Build(const Service& service, const RuntimeView& runtime) {
  const bool service_up = service.admin == AdminState::kUp;
  std::vector<Route> routes;
  for (const auto& [name, i] : service.interfaces) {
    if (!i.address) continue;
    Route r;
    r.prefix = i.address->subnet();
    r.protocol = RouteProtocol::kLocal;
    r.interface = name;
    r.preference = 0;
    r.active = i.admin == AdminState::kUp && service_up;
    if (!service_up) {
      r.inactive_reason = "service is shutdown";
    } else if (!r.active) {
      r.inactive_reason = absl::StrCat("interface \"", name, "\" is shutdown");
    }
    routes.push_back(std::move(r));
  }
  const size_t first_static = routes.size();
  for (const StaticRoute& s : service.static_routes) {
    Route r;
    r.prefix = s.prefix;
    r.protocol = RouteProtocol::kStatic;
    r.next_hop_kind = s.kind;
    r.via = s.kind;
    r.preference = kStaticPreference;
    switch (s.kind) {
      case NextHopKind::kIp:
        r.next_hop = s.next_hop;  // resolved below
        break;
      case NextHopKind::kIpsecTunnel:
        r.tunnel = s.tunnel_name;
        r.active = runtime.IpsecTunnelStatus({service.id, s.tunnel_name}).up();
        if (!r.active) {
          r.inactive_reason = absl::StrCat("ipsec-tunnel \"", s.tunnel_name, "\" is down");
        }
        break;
      case NextHopKind::kIpTunnel:
        r.tunnel = s.tunnel_name;
        r.active = runtime.IpTunnelStatus({service.id, s.tunnel_name}).up();
        if (!r.active)
          r.inactive_reason = absl::StrCat("ip-tunnel \"", s.tunnel_name, "\" is down");
        break;
    }
    if (!service_up) {
      r.active = false;
      r.inactive_reason = "service is shutdown";
    }
    routes.push_back(std::move(r));
  }

  // Next hops resolve through the table as a router's RIB resolves them: the longest active
  // route holding the next hop, other than the route itself. In round k a next hop resolves
  // through the routes active after round k-1 (connected subnets, tunnel routes and the
  // next-hop routes resolved so far), so a chain k routes deep resolves in round k and a loop
  // never does; every round recomputes every route, so a more specific route found later takes
  // over from a less specific one found earlier. Stops when nothing changes.
  std::vector<std::optional<Resolution>> resolved(routes.size());
  auto table_of = [&]() {
    RouteTable t;
    for (size_t i = 0; i < routes.size(); ++i) {
      Route r = routes[i];
      if (i >= first_static && r.next_hop_kind == NextHopKind::kIp) {
        r.active = service_up && resolved[i].has_value();
        if (r.active) Apply(*resolved[i], r);
      }
      t.Add(std::move(r));
    }
    return t;
  };
  for (int round = 0; round < kMaxNextHopRecursion && service_up; ++round) {
    const RouteTable current = table_of();
    bool changed = false;
    for (size_t i = first_static; i < routes.size(); ++i) {
      const Route& r = routes[i];
      if (r.next_hop_kind != NextHopKind::kIp) continue;
      int hit = current.LookupIndex(r.next_hop);
      if (hit == static_cast<int>(i)) {  // the same index: this route itself
        hit = current.LookupShorterThan(r.next_hop, r.prefix.length());
      }
      std::optional<Resolution> next;
      if (hit >= 0) next = ResolveThrough(current.routes_[static_cast<size_t>(hit)], r.next_hop);
      if (next != resolved[i]) {
        resolved[i] = std::move(next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  RouteTable table = table_of();
  for (size_t i = first_static; i < table.routes_.size(); ++i) {
    Route& r = table.routes_[i];
    if (r.next_hop_kind == NextHopKind::kIp && !r.active && service_up) {
      r.inactive_reason = absl::StrCat("next-hop ", r.next_hop.ToString(),
                                       " does not resolve (no active route to it within ",
                                       kMaxNextHopRecursion, " routes)");
    }
  }
  return table;
}

}  // namespace tunnelisa::config
