// ScaleConfig (bench/config_scale.h): the addresses are arithmetic on the tunnel index, so a
// configuration of any size up to ~130k tunnels is valid and every tunnel comes up.
#include "bench/config_scale.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tunnelisa::bench {
namespace {

std::string Dotted(uint32_t a) {
  return absl::StrFormat("%d.%d.%d.%d", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

// Tunnel k's peer: 198.18.0.0/15 from .0.1 on (131,070 addresses); its far LAN: 10.0.0.0/8
// cut into /26s (262,144 of them).
std::string Peer(uint32_t k) { return Dotted(((198u << 24) | (18u << 16)) + k + 1); }
std::string FarLan(uint32_t k) { return absl::StrCat(Dotted((10u << 24) + k * 64), "/26"); }

// Hex: `bytes` key bytes that differ per tunnel and direction.
std::string Hex(size_t bytes, uint32_t seed) {
  std::string s = "0x";
  for (size_t i = 0; i < bytes; ++i) absl::StrAppendFormat(&s, "%02x", (seed * 31 + i * 7) & 0xff);
  return s;
}

uint32_t Groups(const ScaleOptions& o) { return std::clamp(o.tunnel_groups, 1u, 16u); }

}  // namespace

std::string ScaleTunnelName(uint32_t k) { return absl::StrCat("t", k); }

uint32_t ScaleTunnelService(const ScaleOptions& o, uint32_t k) {
  return 1000 + k / std::max(1u, o.tunnels_per_service);
}

std::string ScaleConfig(const ScaleOptions& o) {
  const uint32_t groups = Groups(o);
  const uint32_t per_service = std::max(1u, o.tunnels_per_service);
  const uint32_t per_sap = std::max(1u, std::min(o.tunnels_per_sap, per_service));
  std::string c;
  c.reserve(static_cast<size_t>(o.tunnels) * 900 + 4096);
  absl::StrAppend(&c, "config isa\n");
  for (uint32_t g = 1; g <= groups; ++g) {
    // ISAs g/1 (primary) and g/2 (backup): every group has its own pair.
    absl::StrAppend(&c, "  tunnel-group ", g, " create\n    primary ", g, "/1\n    backup ", g,
                    "/2\n    no shutdown\n  exit\n");
  }
  absl::StrAppend(&c, "exit all\n\n",
                  "config ipsec\n"
                  "  ike-policy 1 create\n"
                  "    ike-version 2\n"
                  "    auth-algorithm sha256\n"
                  "    encryption-algorithm aes128\n"
                  "    dh-group 14\n"
                  "  exit\n"
                  "  ipsec-transform 1\n"
                  "    esp-encryption-algorithm aes128\n"
                  "    esp-auth-algorithm sha256\n"
                  "  exit\n"
                  "exit all\n\n");
  // The public service: one interface and public SAP per tunnel group; tunnel k's local
  // gateway is .2 of its group's subnet.
  absl::StrAppend(&c, "config service ies 100 customer 1 create\n");
  for (uint32_t g = 1; g <= groups; ++g) {
    absl::StrAppend(&c, "  interface \"public-", g, "\" create\n    address 100.64.", g,
                    ".1/24\n    sap tunnel-", g, ".public:1 create\n  exit\n");
  }
  absl::StrAppend(&c, "  static-route 198.18.0.0/15 next-hop 100.64.1.254\nexit all\n");

  for (uint32_t first = 0; first < o.tunnels; first += per_service) {
    const uint32_t last = std::min(o.tunnels, first + per_service);
    const uint32_t sid = ScaleTunnelService(o, first);
    absl::StrAppend(&c, "\nconfig service vprn ", sid, " customer ", sid, " create\n",
                    "  interface \"lan\" create\n    address 172.16.0.1/16\n  exit\n  ipsec\n");
    for (uint32_t k = first; k < last; ++k) {
      absl::StrAppend(&c, "    security-policy ", k - first + 1,
                      " create\n      entry 1 create\n        local-ip 172.16.0.0/16\n"
                      "        remote-ip ",
                      FarLan(k), "\n      exit\n    exit\n");
    }
    absl::StrAppend(&c, "  exit\n");
    for (uint32_t s = first; s < last; s += per_sap) {
      // SAP number j, node-wide: its tunnel group round-robin, its index within the group.
      const uint32_t j = s / per_sap;
      const uint32_t group = j % groups + 1;
      const std::string gw = absl::StrCat("100.64.", group, ".2");
      absl::StrAppend(&c, "  interface \"ipsec-", j, "\" tunnel create\n    sap tunnel-", group,
                      ".private:", j / groups + 1, " create\n");
      for (uint32_t k = s; k < std::min(last, s + per_sap); ++k) {
        absl::StrAppend(&c, "      ipsec-tunnel \"", ScaleTunnelName(k), "\" create\n",
                        "        security-policy ", k - first + 1, "\n",
                        "        local-gateway-address ", gw, " peer ", Peer(k),
                        " delivery-service 100\n");
        if (o.dynamic_every != 0 && k % o.dynamic_every == 0) {
          absl::StrAppend(&c, "        dynamic-keying\n          ike-policy 1\n",
                          "          pre-shared-key \"psk-", k, "\"\n          transform 1\n",
                          "        exit\n");
        } else {
          // Inbound SPIs are unique in the node: 0x100000 + k in, 0x200000 + k out.
          auto sa = [&](uint32_t spi, const char* dir) {
            return absl::StrCat("          security-association 1 authentication-key ",
                                Hex(32, spi + 1), " encryption-key ", Hex(16, spi), " spi ", spi,
                                " transform 1 direction ", dir, "\n");
          };
          absl::StrAppend(&c, "        manual-keying\n", sa(0x100000 + k, "inbound"),
                          sa(0x200000 + k, "outbound"), "        exit\n");
        }
        absl::StrAppend(&c, o.shut_tunnel == k ? "        shutdown\n" : "        no shutdown\n",
                        "      exit\n");
      }
      absl::StrAppend(&c, "    exit\n  exit\n");
    }
    for (uint32_t k = first; k < last; ++k) {
      absl::StrAppend(&c, "  static-route ", FarLan(k), " next-hop ipsec-tunnel \"",
                      ScaleTunnelName(k), "\"\n");
    }
    absl::StrAppend(&c, "exit all\n");
  }
  return c;
}

}  // namespace tunnelisa::bench
