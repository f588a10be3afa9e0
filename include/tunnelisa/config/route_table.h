// File: tunnelisa/config/route_table.h
//
// RouteTable: one service's routes with longest-prefix-match lookup: local routes for the
// subnets of its addressed interfaces and the configured static routes (next-hop IP, resolved
// through a local route; next-hop ipsec-tunnel / ip-tunnel, active while the tunnel is
// operationally up). What `show router <service> route-table` prints, and what the engine
// uses to pick the tunnel for a private packet.
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

struct Route {
  IpPrefix prefix;
  RouteProtocol protocol = RouteProtocol::kLocal;
  NextHopKind next_hop_kind = NextHopKind::kIp;  // kIp for local routes (next_hop unset)
  IpAddress next_hop;                            // static kIp
  std::string tunnel;                            // static kIpsecTunnel / kIpTunnel
  std::string interface;    // local: the interface; static kIp: the resolving interface
  uint32_t preference = 0;  // local 0, static 5: the lower wins for equal prefixes
  bool active = false;      // installed for forwarding
  bool operator==(const Route&) const = default;
};

class RouteTable {
 public:
  // Build: the table of `service`. Interfaces that are shutdown or have no address give no
  // local route; a static route whose next hop does not resolve (or whose tunnel is down in
  // `runtime`) is listed inactive.
  static RouteTable Build(const Service& service, const RuntimeView& runtime);

  // Add: adds a route (active routes take part in lookups). For equal prefixes the lowest
  // preference, then the first added, is used.
  void Add(Route route);
  // Lookup: the active route with the longest prefix containing `address`, or nullptr.
  const Route* Lookup(const IpAddress& address) const;
  // routes: every route, sorted by prefix, then preference.
  std::vector<Route> routes() const;

 private:
  struct Family {
    std::array<absl::flat_hash_map<IpAddress, size_t>, 129> by_length;  // -> routes_ index
    std::vector<int> lengths;                                           // present, descending
  };
  Family& FamilyOf(const IpAddress& a) { return a.is_v4() ? v4_ : v6_; }
  const Family& FamilyOf(const IpAddress& a) const { return a.is_v4() ? v4_ : v6_; }

  std::vector<Route> routes_;
  Family v4_;
  Family v6_;
};

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_ROUTE_TABLE_H_
