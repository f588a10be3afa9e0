// File: src/config/object_path.h
//
// Object paths: the stable names the parser records in the SourceMap and the validator, diff
// and show code use to refer to objects (docs/configuration.md, "Object paths"). Internal.
#ifndef TUNNELISA_SRC_CONFIG_OBJECT_PATH_H_
#define TUNNELISA_SRC_CONFIG_OBJECT_PATH_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tunnelisa/config/model.h"

namespace tunnelisa::config::internal {

std::string Quote(std::string_view name);  // "\"name\"" with \" and \\ escaped
std::string TunnelGroupPath(uint32_t id);
std::string IkePolicyPath(uint32_t id);
std::string TransformPath(uint32_t id);
std::string TunnelTemplatePath(uint32_t id);
std::string ServicePath(uint32_t service);
std::string SecurityPolicyPath(uint32_t service, uint32_t policy);
std::string SecurityPolicyEntryPath(uint32_t service, uint32_t policy, uint32_t entry);
std::string InterfacePath(uint32_t service, std::string_view interface);
std::string SapPath(uint32_t service, std::string_view interface, const TunnelSapId& sap);
std::string IpTunnelPath(const std::string& sap_path, std::string_view name);
std::string IpsecTunnelPath(const std::string& sap_path, std::string_view name);
std::string IpsecGwPath(const std::string& sap_path, std::string_view name);
std::string StaticRoutePath(uint32_t service, const StaticRoute& route);
std::string CaProfilePath(std::string_view name);           // ca-profile "NAME"
std::string RadiusServerPath(std::string_view name);        // radius-server "NAME"
std::string RadiusServerPolicyPath(std::string_view name);  // radius-server-policy "NAME"
std::string RadiusAuthPolicyPath(std::string_view name);    // radius-authentication-policy "NAME"
std::string RadiusAcctPolicyPath(std::string_view name);    // radius-accounting-policy "NAME"

// The SourceMap fields of an ipsec-gw's remote-access settings (recorded on the gateway's
// path): the `local-address-assignment` line, the `address-range` and `dns-server` lines of
// its ipv4 block; a radius-server-policy's `server INDEX` lines are recorded on the policy as
// "server INDEX".
inline constexpr std::string_view kLocalAddressAssignmentField = "local-address-assignment";
inline constexpr std::string_view kAddressRangeField = "address-range";
inline constexpr std::string_view kDnsServerField = "dns-server";

// The SourceMap fields of a tunnel's or ipsec-gw's `cert` block (recorded on the tunnel's or
// gateway's own path, so that findings about them concern the tunnel): the block's `cert`
// line, and the `cert`, `key` and `trust-anchor` lines inside it.
inline constexpr std::string_view kCertBlockField = "cert-block";
inline constexpr std::string_view kCertField = "cert";
inline constexpr std::string_view kKeyField = "key";
inline constexpr std::string_view kTrustAnchorField = "trust-anchor";

}  // namespace tunnelisa::config::internal

#endif  // TUNNELISA_SRC_CONFIG_OBJECT_PATH_H_
