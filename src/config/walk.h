// File: src/config/walk.h
//
// Walkers over the tunnels of a configuration, with their owning service, interface and SAP.
// Internal; used by the show renderers and the diff.
#ifndef TUNNELISA_SRC_CONFIG_WALK_H_
#define TUNNELISA_SRC_CONFIG_WALK_H_

#include "tunnelisa/config/model.h"

namespace tunnelisa::config::internal {

template <typename T>
struct TunnelAt {
  const Service* service;
  const Interface* interface;
  const Sap* sap;
  const T* tunnel;
};

// ForEachIpTunnel / ForEachIpsecTunnel: fn(TunnelAt<...>) in service, interface, name order.
template <typename Fn>
void ForEachIpTunnel(const Config& config, Fn fn) {
  for (const auto& [sid, s] : config.services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (i.sap && i.sap->ip_tunnel) fn(TunnelAt<IpTunnel>{&s, &i, &*i.sap, &*i.sap->ip_tunnel});
    }
  }
}

template <typename Fn>
void ForEachIpsecTunnel(const Config& config, Fn fn) {
  for (const auto& [sid, s] : config.services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      for (const auto& [name, t] : i.sap->ipsec_tunnels) {
        fn(TunnelAt<IpsecTunnel>{&s, &i, &*i.sap, &t});
      }
    }
  }
}

}  // namespace tunnelisa::config::internal

#endif  // TUNNELISA_SRC_CONFIG_WALK_H_
