// File: tunnelisa/config/runtime_view.h
//
// RuntimeView: the read-only runtime state that `show` commands and the run-time diff
// (diff.h) consult: operational state of tunnel groups and tunnels, the active ISAs of a
// group, SA counters. The engine implements it from live state; until then, and for
// configuration files checked offline, ConfigRuntimeView derives it from the configuration
// alone (admin states plus the validator's reasons).
//
// Implementations are called on the control thread only; methods must not block.
#ifndef TUNNELISA_CONFIG_RUNTIME_VIEW_H_
#define TUNNELISA_CONFIG_RUNTIME_VIEW_H_

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tunnelisa/config/model.h"
#include "tunnelisa/config/validator.h"

namespace tunnelisa::config {

enum class OperState : uint8_t { kDown, kUp };

// OperStatus: state plus, when down, why (one reason per line of `show`).
struct OperStatus {
  OperState state = OperState::kDown;
  std::vector<std::string> reasons;
  bool up() const { return state == OperState::kUp; }
  bool operator==(const OperStatus&) const = default;
};

// TunnelKey: a tunnel by its service and name (unique per service and tunnel kind).
struct TunnelKey {
  uint32_t service = 0;
  std::string name;
  auto operator<=>(const TunnelKey&) const = default;
};

// IpsecTunnelCounters: the SA pair of an established ipsec-tunnel.
struct IpsecTunnelCounters {
  uint32_t inbound_spi = 0;
  uint32_t outbound_spi = 0;
  uint64_t inbound_packets = 0;
  uint64_t inbound_bytes = 0;
  uint64_t outbound_packets = 0;
  uint64_t outbound_bytes = 0;
  uint64_t dropped_packets = 0;
};

// TrafficStatistics: the guide's "Statistics Collection" figures of one tunnel, SAP or service
// (Engine's TrafficCounters: tunnels and private SAPs count payload packets and octets, public
// SAPs the outer packets; a service sums its SAPs). `drops`: the packets dropped for this
// object, by drop reason name (drop_reason.h), only reasons that occurred, in the list's order;
// `drops_counted` false where the engine does not count drops per object (SAPs, services: see
// the ISA slots' and the engine's drop counters instead).
struct TrafficStatistics {
  uint64_t in_packets = 0;
  uint64_t in_octets = 0;
  uint64_t out_packets = 0;
  uint64_t out_octets = 0;
  bool drops_counted = false;
  std::vector<std::pair<std::string, uint64_t>> drops;
  bool operator==(const TrafficStatistics&) const = default;
};

// GroupAssignment: which ISAs carry a tunnel group at run time (the engine's failover
// decisions): `active` empty means the group is down for `down_reason`.
struct GroupAssignment {
  std::vector<IsaSlot> active;
  std::string down_reason;
  bool operator==(const GroupAssignment&) const = default;
};
using IsaAssignments = std::map<uint32_t, GroupAssignment>;

// IsaMemberState: one member ISA of a tunnel group, for `show isa tunnel-group ID`.
struct IsaMemberState {
  IsaSlot isa;
  std::string role;  // "primary", "backup", "mda"
  bool healthy = true;
  bool active = false;
  size_t tunnels = 0;  // tunnels of this group the ISA carries
  uint64_t sas = 0;    // SAs installed on the ISA (all groups)
  uint64_t packets = 0;
  uint64_t drops = 0;
};

class RuntimeView {
 public:
  virtual ~RuntimeView() = default;
  // TunnelGroupStatus: of a configured tunnel group; down with a reason for unknown ids.
  virtual OperStatus TunnelGroupStatus(uint32_t group) const = 0;
  // ActiveIsas: the ISAs currently carrying the group's tunnels (empty when down).
  virtual std::vector<IsaSlot> ActiveIsas(uint32_t group) const = 0;
  virtual OperStatus IpTunnelStatus(const TunnelKey& tunnel) const = 0;
  virtual OperStatus IpsecTunnelStatus(const TunnelKey& tunnel) const = 0;
  // IpsecCounters: nullopt when no SA is established (or the view has no counters).
  virtual std::optional<IpsecTunnelCounters> IpsecCounters(const TunnelKey& tunnel) const = 0;
  // IpTunnelActiveRemote: where an operationally up ip-tunnel sends: remote-ip while it has a
  // route in the delivery service, else backup-remote-ip (the guide's backup remote). nullopt
  // when the tunnel is down or the view does not know.
  virtual std::optional<IpAddress> IpTunnelActiveRemote(const TunnelKey& tunnel) const {
    (void)tunnel;
    return std::nullopt;
  }
  // Statistics of a tunnel (`ipsec` false: an ip-tunnel), a SAP, a service: nullopt when the
  // view has no counters (the configuration alone) or the object is not running.
  virtual std::optional<TrafficStatistics> TunnelStatistics(const TunnelKey& tunnel,
                                                            bool ipsec) const {
    (void)tunnel;
    (void)ipsec;
    return std::nullopt;
  }
  virtual std::optional<TrafficStatistics> SapStatistics(uint32_t service,
                                                         const TunnelSapId& sap) const {
    (void)service;
    (void)sap;
    return std::nullopt;
  }
  virtual std::optional<TrafficStatistics> ServiceStatistics(uint32_t service) const {
    (void)service;
    return std::nullopt;
  }
  // IsaMembers: every member ISA of `group` with its live state; empty when the view has no
  // live ISA state (the configuration alone).
  virtual std::vector<IsaMemberState> IsaMembers(uint32_t group) const {
    (void)group;
    return {};
  }
};

// ConfigRuntimeView: runtime state as the configuration predicts it. A tunnel group is up
// when it is `no shutdown` and has its ISAs (active = the primary, or the first
// active-mda-number ISAs); a tunnel is up when it, its SAP, interface and service are
// `no shutdown`, its tunnel group and delivery service are up, and the validator has no
// reason against it. It never reports counters. Computed once at construction; the config
// need not outlive the view.
class ConfigRuntimeView final : public RuntimeView {
 public:
  explicit ConfigRuntimeView(const Config& config);
  // With `assignments` (the engine's): a group that the configuration lets up is up on its
  // assignment's active ISAs, or down for its down_reason when it has none.
  ConfigRuntimeView(const Config& config, const IsaAssignments& assignments);
  // With `report`, the caller's Validate(config) (e.g. RunningConfig::report()), which the
  // other constructors compute: the same view without validating again. A report of a
  // configuration that differs only in admin states (shutdown) serves too: the validator does
  // not look at them.
  ConfigRuntimeView(const Config& config, const IsaAssignments& assignments,
                    const ValidationReport& report);

  OperStatus TunnelGroupStatus(uint32_t group) const override;
  std::vector<IsaSlot> ActiveIsas(uint32_t group) const override;
  OperStatus IpTunnelStatus(const TunnelKey& tunnel) const override;
  OperStatus IpsecTunnelStatus(const TunnelKey& tunnel) const override;
  std::optional<IpAddress> IpTunnelActiveRemote(const TunnelKey& tunnel) const override;
  std::optional<IpsecTunnelCounters> IpsecCounters(const TunnelKey& tunnel) const override;

 private:
  ConfigRuntimeView(const Config& config, const IsaAssignments& assignments, bool live,
                    const ValidationReport& report);
  std::map<uint32_t, OperStatus> groups_;
  std::map<uint32_t, std::vector<IsaSlot>> active_;
  std::map<TunnelKey, OperStatus> ip_tunnels_;
  std::map<TunnelKey, IpAddress> active_remote_;  // up ip-tunnels only
  std::map<TunnelKey, OperStatus> ipsec_tunnels_;
};

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_RUNTIME_VIEW_H_
