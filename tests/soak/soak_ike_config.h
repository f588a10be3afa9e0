// Configuration text for the IKE soak (tests/soak/soak_ike_test.cc): N IKEv2 ipsec-tunnels
// "t0".."t<N-1>" between Router A (initiator) and Router B (responder), all under one private
// tunnel SAP of VPRN 101 (docs/configuration.md: "ipsec-tunnel ... private SAPs; any number").
// Tunnel i:
//   A local gateway 1.0.0.0 + 16 + i, B local gateway 2.0.0.0 + 16 + i (IES 100, /8 subnets);
//   A's LAN 10.H.L.0/24, B's LAN 11.H.L.0/24 (H.L = i / 256, i % 256), routed into the tunnel
//   by a static route; one shared security policy 10.0.0.0/8 <-> 11.0.0.0/8, so the soak's
//   per-tunnel traffic counters (not the selectors) show a packet took its own tunnel.
// Test-only.
#ifndef TUNNELISA_TESTS_SOAK_SOAK_IKE_CONFIG_H_
#define TUNNELISA_TESTS_SOAK_SOAK_IKE_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tunnelisa/ip_address.h"

namespace tunnelisa::testing::soak {

struct IkeSoakConfig {
  size_t tunnels = 0;
  uint32_t ike_lifetime = 0;    // isakmp-lifetime, seconds
  uint32_t child_lifetime = 0;  // ipsec-lifetime, seconds
  uint32_t dpd_interval = 30;
  uint32_t dpd_retries = 3;
};

inline constexpr uint32_t kSoakService = 101;

// SoakConfigText: side A or B; tunnels listed in `absent` are left out (a peer that lost them).
std::string SoakConfigText(const IkeSoakConfig& c, bool a, const std::vector<bool>& absent = {});

// TunnelName: "t<i>".
std::string TunnelName(size_t i);
// LanHost: the host .10 of side A's (or B's) LAN of tunnel i.
IpAddress LanHost(size_t i, bool a);
// TunnelOfLan: the tunnel whose LAN (either side) holds `addr`.
size_t TunnelOfLan(const uint8_t* addr);

}  // namespace tunnelisa::testing::soak

#endif  // TUNNELISA_TESTS_SOAK_SOAK_IKE_CONFIG_H_
