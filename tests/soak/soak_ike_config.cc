#include "soak_ike_config.h"

#include "absl/strings/str_cat.h"

namespace tunnelisa::testing::soak {

std::string TunnelName(size_t i) { return absl::StrCat("t", i); }

namespace {

std::string Gateway(size_t i, bool a) {
  return IpAddress::V4((a ? 0x01000000u : 0x02000000u) + 16 + static_cast<uint32_t>(i)).ToString();
}

std::string Lan(size_t i, bool a) {
  return absl::StrCat(a ? 10 : 11, ".", (i >> 8) & 0xff, ".", i & 0xff, ".0/24");
}

}  // namespace

IpAddress LanHost(size_t i, bool a) {
  return IpAddress::V4((a ? 10u : 11u) << 24 | static_cast<uint32_t>((i & 0xffff) << 8) | 10);
}

size_t TunnelOfLan(const uint8_t* addr) { return static_cast<size_t>(addr[1]) << 8 | addr[2]; }

std::string SoakConfigText(const IkeSoakConfig& c, bool a, const std::vector<bool>& absent) {
  // B's lifetimes are twice A's, so A rekeys every SA (as engine_ike_test's lifetime tests):
  // the soak measures rekeys under traffic, not the (separately tested) collisions.
  const uint32_t scale = a ? 1 : 2;
  std::string t = absl::StrCat(
      "config isa\n"
      "  tunnel-group 1 create\n"
      "    primary 1/1\n"
      "    no shutdown\n"
      "  exit\n"
      "exit all\n"
      "config ipsec\n"
      "  ike-policy 1 create\n"
      "    auth-algorithm sha256\n"
      "    dh-group 19\n"
      "    encryption-algorithm aes128\n"
      "    ike-version 2\n"
      "    isakmp-lifetime ",
      c.ike_lifetime * scale,
      "\n"
      "    ipsec-lifetime ",
      c.child_lifetime * scale, "\n    dpd interval ", c.dpd_interval, " max-retries ",
      c.dpd_retries,
      "\n"
      "  exit\n"
      "  ipsec-transform 1\n"
      "    esp-encryption-algorithm aes128gcm16\n"
      "  exit\n"
      "exit all\n"
      "config service ies 100 customer 1 create\n"
      "  interface \"public\" create\n"
      "    address ",
      a ? "1.0.0.1/8" : "2.0.0.1/8",
      "\n"
      "    sap tunnel-1.public:200 create\n"
      "  exit\n"
      "  static-route ",
      a ? "2.0.0.0/8 next-hop 1.255.255.254" : "1.0.0.0/8 next-hop 2.255.255.254",
      "\n"
      "exit all\n"
      "config service vprn 101 customer 1 create\n"
      "  ipsec\n"
      "    security-policy 1 create\n"
      "      entry 1 create\n"
      "        local-ip ",
      a ? "10.0.0.0/8" : "11.0.0.0/8", "\n        remote-ip ", a ? "11.0.0.0/8" : "10.0.0.0/8",
      "\n"
      "      exit\n"
      "    exit\n"
      "  interface \"private-ipsec\" tunnel create\n"
      "    sap tunnel-1.private:201 create\n");
  auto present = [&](size_t i) { return i >= absent.size() || !absent[i]; };
  for (size_t i = 0; i < c.tunnels; ++i) {
    if (!present(i)) continue;
    absl::StrAppend(&t, "      ipsec-tunnel \"", TunnelName(i),
                    "\" create\n"
                    "        security-policy 1\n"
                    "        local-gateway-address ",
                    Gateway(i, a), " peer ", Gateway(i, !a),
                    " delivery-service 100\n"
                    "        dynamic-keying\n"
                    "          ike-policy 1\n"
                    "          pre-shared-key \"soak-",
                    i,
                    "\"\n"
                    "          transform 1\n"
                    "        exit\n"
                    "        no shutdown\n"
                    "      exit\n");
  }
  absl::StrAppend(&t, "    exit\n  exit\n  interface \"lan\" create\n    address ",
                  a ? "10.255.255.254/8" : "11.255.255.254/8", "\n  exit\n");
  for (size_t i = 0; i < c.tunnels; ++i) {
    if (!present(i)) continue;
    absl::StrAppend(&t, "  static-route ", Lan(i, !a), " next-hop ipsec-tunnel \"", TunnelName(i),
                    "\"\n");
  }
  absl::StrAppend(&t, "exit all\n");
  return t;
}

}  // namespace tunnelisa::testing::soak
