// File: src/config/validator_remote_access.h
//
// RemoteAccessChecker: the validator's rules for RADIUS (servers, server policies, the
// authentication and accounting policies) and for an ipsec-gw's remote-access settings (its
// RADIUS policies and its local-address-assignment pool). Kept apart from validator.cc, which
// owns every other rule; it appends to the same report. Internal.
#ifndef TUNNELISA_SRC_CONFIG_VALIDATOR_REMOTE_ACCESS_H_
#define TUNNELISA_SRC_CONFIG_VALIDATOR_REMOTE_ACCESS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tunnelisa/config/model.h"
#include "tunnelisa/config/validator.h"

namespace tunnelisa::config::internal {

class RemoteAccessChecker {
 public:
  RemoteAccessChecker(const Config& config, ValidationReport& report)
      : c_(config), report_(report) {}

  // CheckRadius: radius-servers, radius-server-policies and the two ipsec RADIUS policies:
  // names, secrets, dangling references, a server listed twice, policies without servers.
  void CheckRadius();
  // CheckGw: the ipsec-gw at `path`: a RADIUS auth-method needs a radius-authentication-policy;
  // the policies it names exist; its pool lies inside the subnet of the default-secure-service's
  // private tunnel interface, START <= END, at most kMaxAddressRangeSize addresses, not the
  // interface's own address, and does not overlap another ipsec-gw's pool in the same service.
  void CheckGw(const std::string& path, const IpsecGw& g);

 private:
  void Error(const std::string& object, std::string_view field, std::string message) {
    report_.errors.push_back({object, std::string(field), std::move(message)});
  }
  void CheckPool(const std::string& path, const IpsecGw& g);

  const Config& c_;
  ValidationReport& report_;
  // Pools seen so far, per secure service: [start, end] in host order and the gateway's name.
  struct Pool {
    uint32_t start = 0;
    uint32_t end = 0;
    std::string gw;
  };
  std::map<uint32_t, std::vector<Pool>> pools_;
};

}  // namespace tunnelisa::config::internal

#endif  // TUNNELISA_SRC_CONFIG_VALIDATOR_REMOTE_ACCESS_H_
