// EngineView: the engine's RuntimeView (config/runtime_view.h): live oper states with their
// reasons and SA counters, for `show` and for the run-time diff (config::PlanChange).
//
// States come from config::ConfigRuntimeView (admin states, the validator's reasons, tunnel
// groups on the ISAs the engine's failover assigned them (isa_groups.h), the delivery service,
// remote-ip / backup-remote-ip reachability) computed over the
// configuration with the ipsec-tunnels the engine keeps down (no SA: dynamic keying without
// IKE, an SA the backend refused) treated as shut down, so that routes over them, and GRE
// tunnels reached through them (Figure 27), go down too. Those ipsec-tunnels show the
// engine's reason instead of "shutdown".
//
// Control path; one thread (the engine's).
#ifndef TUNNELISA_SRC_ENGINE_ENGINE_VIEW_H_
#define TUNNELISA_SRC_ENGINE_ENGINE_VIEW_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tunnelisa/config/runtime_view.h"

namespace tunnelisa {

class EngineView final : public config::RuntimeView {
 public:
  using CountersFn =
      std::function<std::optional<config::IpsecTunnelCounters>(const config::TunnelKey&)>;

  EngineView();
  // Rebuild: recomputes every state; `ipsec_down` maps the ipsec-tunnels the engine keeps
  // down to the reason; `report` is Validate(config) (RunningConfig::report()). Clears
  // ip-tunnel overrides.
  void Rebuild(const config::Config& config, const config::IsaAssignments& assignments,
               const std::map<config::TunnelKey, std::string>& ipsec_down,
               const config::ValidationReport& report);
  // SetIpTunnelDown: an ip-tunnel the engine could not install.
  void SetIpTunnelDown(const config::TunnelKey& tunnel, std::string reason);
  // set_counters: where IpsecCounters reads SA counters (the engine's SAs).
  void set_counters(CountersFn fn) { counters_ = std::move(fn); }
  using ActiveRemoteFn = std::function<std::optional<IpAddress>(const config::TunnelKey&)>;
  // set_active_remote: where IpTunnelActiveRemote reads the remote the engine sends to.
  void set_active_remote(ActiveRemoteFn fn) { active_remote_ = std::move(fn); }

  // set_statistics: where TunnelStatistics / SapStatistics / ServiceStatistics read the
  // engine's traffic counters.
  struct StatisticsFns {
    std::function<std::optional<config::TrafficStatistics>(const config::TunnelKey&, bool)> tunnel;
    std::function<std::optional<config::TrafficStatistics>(uint32_t, const config::TunnelSapId&)>
        sap;
    std::function<std::optional<config::TrafficStatistics>(uint32_t)> service;
  };
  void set_statistics(StatisticsFns fns) { statistics_ = std::move(fns); }

  config::OperStatus TunnelGroupStatus(uint32_t group) const override;
  std::vector<config::IsaSlot> ActiveIsas(uint32_t group) const override;
  config::OperStatus IpTunnelStatus(const config::TunnelKey& tunnel) const override;
  config::OperStatus IpsecTunnelStatus(const config::TunnelKey& tunnel) const override;
  std::optional<config::IpsecTunnelCounters> IpsecCounters(
      const config::TunnelKey& tunnel) const override;
  std::optional<IpAddress> IpTunnelActiveRemote(const config::TunnelKey& tunnel) const override;
  std::vector<config::IsaMemberState> IsaMembers(uint32_t group) const override;
  std::optional<config::TrafficStatistics> TunnelStatistics(const config::TunnelKey& tunnel,
                                                            bool ipsec) const override;
  std::optional<config::TrafficStatistics> SapStatistics(
      uint32_t service, const config::TunnelSapId& sap) const override;
  std::optional<config::TrafficStatistics> ServiceStatistics(uint32_t service) const override;
  using MembersFn = std::function<std::vector<config::IsaMemberState>(uint32_t)>;
  // set_members: where IsaMembers reads the live member states (the engine's slots).
  void set_members(MembersFn fn) { members_ = std::move(fn); }

 private:
  std::unique_ptr<config::ConfigRuntimeView> base_;
  std::map<config::TunnelKey, config::OperStatus> ipsec_override_;
  std::map<config::TunnelKey, config::OperStatus> ip_override_;
  CountersFn counters_;
  ActiveRemoteFn active_remote_;
  MembersFn members_;
  StatisticsFns statistics_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ENGINE_VIEW_H_
