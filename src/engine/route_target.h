// RouteTarget: the tunnel a route's packets enter, resolved when the routes are built so that
// no name is looked up per packet. Its own header so that the route tables of src/engine
// (EngineService's, GwRoutes) share it without the whole engine state. Internal to src/engine.
#ifndef TUNNELISA_SRC_ENGINE_ROUTE_TARGET_H_
#define TUNNELISA_SRC_ENGINE_ROUTE_TARGET_H_

#include <cstdint>

namespace tunnelisa {

struct IpTunnelState;
struct IpsecTunnelState;

// RouteTarget: a route naming a tunnel, or a connected route (or a next hop resolved to one)
// of a private tunnel interface. Neither: the packet leaves the engine.
struct RouteTarget {
  IpTunnelState* ip = nullptr;
  IpsecTunnelState* ipsec = nullptr;
  bool names_tunnel = false;  // the route names a tunnel (missing: tunnel-down, not egress)
  // clients_only: the connected route of an ipsec-gw's default-secure-service interface (its
  // remote-access clients' subnet): only the clients' own /32 routes lead anywhere; the rest
  // of the subnet is no route (RelinkGws sets it).
  bool clients_only = false;
  uint32_t interface_id = 0;  // the route's interface (Egress::interface_id)
  bool operator==(const RouteTarget&) const = default;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ROUTE_TARGET_H_
