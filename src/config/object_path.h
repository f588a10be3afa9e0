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

}  // namespace tunnelisa::config::internal

#endif  // TUNNELISA_SRC_CONFIG_OBJECT_PATH_H_
