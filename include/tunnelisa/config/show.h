// File: tunnelisa/config/show.h
//
// The router's `show` commands, rendered from a configuration and a RuntimeView: as aligned
// text tables like the router prints, or as JSON for programs. Supported commands (the words
// after `show`):
//   isa tunnel-group
//   ip tunnel [NAME]
//   ipsec tunnel [NAME]
//   ipsec security-policy [SERVICE]
//   router SERVICE route-table          (SERVICE: id or name)
//   service id SERVICE stats            (the guide's "Statistics Collection": packets and
//   service id SERVICE sap SAP stats     octets in and out; drops by reason per tunnel)
//   ip tunnel NAME statistics
//   ipsec tunnel NAME statistics
// docs/configuration.md shows sample output. Control path; thread-safe for const inputs.
#ifndef TUNNELISA_CONFIG_SHOW_H_
#define TUNNELISA_CONFIG_SHOW_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/config/runtime_view.h"

namespace tunnelisa::config {

enum class ShowFormat : uint8_t { kText, kJson };

// RenderShow: runs one show command. InvalidArgument for an unknown command (the message
// lists the supported ones), NotFound for an unknown tunnel or service.
absl::StatusOr<std::string> RenderShow(const Config& config, const RuntimeView& runtime,
                                       std::span<const std::string> words, ShowFormat format);

// The commands one by one. An empty name means all.
std::string ShowIsaTunnelGroup(const Config& config, const RuntimeView& runtime, ShowFormat format);
// ShowIsaTunnelGroupDetail: `show isa tunnel-group ID`: the group's mode, active ISAs and
// state, and each member ISA's role, state (active / standby / failed), tunnels of the group
// on it, and its SAs, packets and drops (RuntimeView::IsaMembers; none from a configuration
// alone). NotFound for an unknown group.
absl::StatusOr<std::string> ShowIsaTunnelGroupDetail(const Config& config,
                                                     const RuntimeView& runtime, uint32_t id,
                                                     ShowFormat format);
absl::StatusOr<std::string> ShowIpTunnel(const Config& config, const RuntimeView& runtime,
                                         std::string_view name, ShowFormat format);
absl::StatusOr<std::string> ShowIpsecTunnel(const Config& config, const RuntimeView& runtime,
                                            std::string_view name, ShowFormat format);
absl::StatusOr<std::string> ShowIpsecSecurityPolicy(const Config& config, std::string_view service,
                                                    ShowFormat format);
absl::StatusOr<std::string> ShowRouterRouteTable(const Config& config, const RuntimeView& runtime,
                                                 std::string_view service, ShowFormat format);

// Statistics (show_stats.cc), from RuntimeView::ServiceStatistics / SapStatistics /
// TunnelStatistics: a view without counters prints "not available" (JSON: "statistics": null).
// NotFound for an unknown service, SAP or tunnel; InvalidArgument for SAP text that is not
// tunnel-G.public:N / tunnel-G.private:N. A tunnel name used in several services shows each.
absl::StatusOr<std::string> ShowServiceStats(const Config& config, const RuntimeView& runtime,
                                             std::string_view service, ShowFormat format);
absl::StatusOr<std::string> ShowSapStats(const Config& config, const RuntimeView& runtime,
                                         std::string_view service, std::string_view sap,
                                         ShowFormat format);
absl::StatusOr<std::string> ShowTunnelStats(const Config& config, const RuntimeView& runtime,
                                            std::string_view name, bool ipsec, ShowFormat format);

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_SHOW_H_
