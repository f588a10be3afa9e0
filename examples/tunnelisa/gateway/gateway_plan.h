// File: examples/tunnelisa/gateway/gateway_plan.h
//
// GatewayPlan: what `tunnelisa run` must open for a configuration, read off the model:
//  - a TUN per private service: each service with a private tunnel SAP (decapsulated traffic
//    enters it and its route table delivers to the host), named tl<service> unless
//    `--tun SERVICE=NAME` says otherwise (which may also add a service without one);
//  - UDP sockets (IKE, NAT-T) on each public IPsec address: the local-gateway-address of every
//    ipsec-tunnel and the gateway-address of every ipsec-gw;
//  - raw receive sockets for the protocols terminated, per family: ESP for IPsec, GRE for
//    GRE ip-tunnels, IP-IP (4 and 41) for the others, by the family of their source.
// Only tunnels and ipsec-gws that are `no shutdown` count: the engine terminates nothing for
// the others, and their addresses need not exist on the host.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_PLAN_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_PLAN_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "examples/tunnelisa/gateway/public_sockets.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::gateway {

struct GatewayPlan {
  std::map<uint32_t, std::string> tuns;  // service id -> TUN name
  std::vector<IpAddress> udp_addresses;  // sorted, unique
  std::vector<RawListen> raw;            // sorted, unique
  // ip_tunnel_sources: "ip-tunnel NAME" by source address; they must be addresses of the
  // host for the kernel to hand their GRE / IP-IP packets to the raw sockets.
  std::map<IpAddress, std::string> ip_tunnel_sources;
};

// MakePlan: InvalidArgument when an override names a service the configuration lacks, or two
// services would get the same TUN name.
absl::StatusOr<GatewayPlan> MakePlan(const config::Config& config,
                                     const std::map<uint32_t, std::string>& tun_overrides);

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_PLAN_H_
