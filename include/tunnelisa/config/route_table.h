// File: tunnelisa/config/route_table.h
//
// RouteTable: one service's routes with longest-prefix-match lookup: local routes for the
// subnets of its addressed interfaces and the configured static routes (next-hop ipsec-tunnel
// / ip-tunnel, active while the tunnel is operationally up; next-hop IP, resolved through the
// table as a router resolves it: recursively, at most kMaxNextHopRecursion routes deep, to a
// connected interface or to a tunnel). What `show router <service> route-table` prints, and
// what the engine uses to pick the tunnel for a private or an encapsulated packet: a next hop
// inside a private tunnel interface's subnet sends the packet into that interface's tunnel.
//
// Build once per configuration change (control path); Lookup is allocation-free and costs
// one hash probe per distinct prefix length present. Not thread-safe for writes; concurrent
// const use is fine.
#ifndef TUNNELISA_CONFIG_ROUTE_TABLE_H_
#define TUNNELISA_CONFIG_ROUTE_TABLE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/config/runtime_view.h"

namespace tunnelisa::config {

enum class RouteProtocol : uint8_t { kLocal, kStatic };

// kMaxNextHopRecursion: how many routes deep a static route's next hop may resolve (the
// route itself, then the routes its next hop resolves through). Deeper chains and loops leave
// the route inactive.
inline constexpr int kMaxNextHopRecursion = 8;

// Route: one entry. The configured fields say what `show` prints; `via`, `tunnel`,
// `interface` and `gateway` say where a packet on an active route goes.
struct Route {
  IpPrefix prefix;
  RouteProtocol protocol = RouteProtocol::kLocal;
  NextHopKind next_hop_kind = NextHopKind::kIp;  // as configured; kIp for local routes
  IpAddress next_hop;                            // static kIp, as configured
  // Forwarding: kIp: out of `interface` (a connected subnet; when it is a private tunnel
  // interface, into its tunnel) towards `gateway` (the directly connected next hop; unset for
  // local routes). kIpsecTunnel / kIpTunnel: into the tunnel named `tunnel`, either configured
  // so or because the next hop resolved through a route into that tunnel.
  NextHopKind via = NextHopKind::kIp;
  std::string tunnel;
  std::string interface;        // local: the interface; static kIp: the resolving interface
  IpAddress gateway;            // via kIp on a static route: the connected next hop
  uint32_t preference = 0;      // local 0, static 5: the lower wins for equal prefixes
  bool active = false;          // installed for forwarding
  std::string inactive_reason;  // why an inactive route is not installed
  bool operator==(const Route&) const = default;
};

class RouteTable {
 public:
  // Build: the table of `service`. Interfaces that are shutdown or have no address give no
  // local route; a static route whose next hop does not resolve (nowhere, in a loop, or more
  // than kMaxNextHopRecursion routes deep) or whose tunnel is down in `runtime` is listed
  // inactive with its reason.
  static RouteTable Build(const Service& service, const RuntimeView& runtime);

  // Add: adds a route (active routes take part in lookups). For equal prefixes the lowest
  // preference, then the first added, is used. A route whose next_hop_kind names a tunnel
  // forwards into it (`via` is set from next_hop_kind).
  void Add(Route route);
  // Lookup: the active route with the longest prefix containing `address`, or nullptr.
  const Route* Lookup(const IpAddress& address) const;
  // LookupIndex: as Lookup, the route's index (the order of Add; see route()), or -1. IPv4
  // costs one integer hash probe per distinct prefix length present.
  int LookupIndex(const IpAddress& address) const;
  // route / size: the routes in the order they were added.
  const Route& route(size_t index) const { return routes_[index]; }
  size_t size() const { return routes_.size(); }
  // routes: every route, sorted by prefix, then preference.
  std::vector<Route> routes() const;

 private:
  // IPv6: prefixes as addresses with the host bits cleared.
  struct Family {
    std::array<absl::flat_hash_map<IpAddress, uint32_t>, 129> by_length;  // -> routes_ index
    std::vector<int> lengths;                                             // present, descending
  };
  // IPv4: prefixes as host-order integers with the host bits cleared.
  struct Family4 {
    std::array<absl::flat_hash_map<uint32_t, uint32_t>, 33> by_length;  // -> routes_ index
    std::vector<int> lengths;                                           // present, descending
  };
  // LookupShorterThan: as LookupIndex, among prefixes shorter than `length`.
  int LookupShorterThan(const IpAddress& address, int length) const;

  std::vector<Route> routes_;
  Family4 v4_;
  Family v6_;
};

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_ROUTE_TABLE_H_
