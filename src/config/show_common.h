// File: src/config/show_common.h
//
// Small formatting helpers shared by the show renderers. Internal.
#ifndef TUNNELISA_SRC_CONFIG_SHOW_COMMON_H_
#define TUNNELISA_SRC_CONFIG_SHOW_COMMON_H_

#include <optional>
#include <string>
#include <string_view>

#include "tunnelisa/config/model.h"
#include "tunnelisa/config/runtime_view.h"

namespace tunnelisa::config::internal {

inline std::string AddressOrNone(const std::optional<IpAddress>& a) {
  return a ? a->ToString() : std::string("n/a");
}
inline std::string AdminText(AdminState s) { return s == AdminState::kUp ? "Up" : "Down"; }
inline std::string OperText(const OperStatus& s) { return s.up() ? "Up" : "Down"; }
inline std::string Lower(AdminState s) { return std::string(AdminStateName(s)); }
inline std::string LowerOper(const OperStatus& s) { return s.up() ? "up" : "down"; }

// ServiceByText: "101" or a service name.
inline const Service* ServiceByText(const Config& config, std::string_view text) {
  bool digits = !text.empty() && text.size() <= 10;
  uint64_t id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') digits = false;
    if (digits) id = id * 10 + static_cast<uint64_t>(c - '0');
  }
  if (digits) {
    auto it = config.services.find(static_cast<uint32_t>(id));
    if (it != config.services.end()) return &it->second;
  }
  return config.FindService(ServiceRef::Name(std::string(text)));
}

inline std::string DeliveryText(const std::optional<ServiceRef>& ref) {
  if (!ref) return "n/a";
  return ref->name.empty() ? std::to_string(ref->id) : ref->name;
}

}  // namespace tunnelisa::config::internal

#endif  // TUNNELISA_SRC_CONFIG_SHOW_COMMON_H_
