#include "config/object_path.h"

#include "absl/strings/str_cat.h"

namespace tunnelisa::config::internal {

std::string Quote(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string TunnelGroupPath(uint32_t id) { return absl::StrCat("tunnel-group ", id); }
std::string IkePolicyPath(uint32_t id) { return absl::StrCat("ike-policy ", id); }
std::string TransformPath(uint32_t id) { return absl::StrCat("ipsec-transform ", id); }
std::string TunnelTemplatePath(uint32_t id) { return absl::StrCat("tunnel-template ", id); }
std::string ServicePath(uint32_t service) { return absl::StrCat("service ", service); }
std::string SecurityPolicyPath(uint32_t service, uint32_t policy) {
  return absl::StrCat("service ", service, " security-policy ", policy);
}
std::string SecurityPolicyEntryPath(uint32_t service, uint32_t policy, uint32_t entry) {
  return absl::StrCat(SecurityPolicyPath(service, policy), " entry ", entry);
}
std::string InterfacePath(uint32_t service, std::string_view interface) {
  return absl::StrCat("service ", service, " interface ", Quote(interface));
}
std::string SapPath(uint32_t service, std::string_view interface, const TunnelSapId& sap) {
  return absl::StrCat(InterfacePath(service, interface), " sap ", sap.ToString());
}
std::string IpTunnelPath(const std::string& sap_path, std::string_view name) {
  return absl::StrCat(sap_path, " ip-tunnel ", Quote(name));
}
std::string IpsecTunnelPath(const std::string& sap_path, std::string_view name) {
  return absl::StrCat(sap_path, " ipsec-tunnel ", Quote(name));
}
std::string IpsecGwPath(const std::string& sap_path, std::string_view name) {
  return absl::StrCat(sap_path, " ipsec-gw ", Quote(name));
}
std::string StaticRoutePath(uint32_t service, const StaticRoute& route) {
  return absl::StrCat("service ", service, " static-route ", route.prefix.ToString(), " next-hop ",
                      route.NextHopText());
}

std::string CaProfilePath(std::string_view name) { return "ca-profile " + Quote(name); }
std::string RadiusServerPath(std::string_view name) { return "radius-server " + Quote(name); }
std::string RadiusServerPolicyPath(std::string_view name) {
  return "radius-server-policy " + Quote(name);
}
std::string RadiusAuthPolicyPath(std::string_view name) {
  return "radius-authentication-policy " + Quote(name);
}
std::string RadiusAcctPolicyPath(std::string_view name) {
  return "radius-accounting-policy " + Quote(name);
}

}  // namespace tunnelisa::config::internal
