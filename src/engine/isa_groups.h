// IsaGroups: the guide's tunnel-group redundancy ("Tunnel ISAs", "Redundancy", "Operational
// Conditions") as a state machine over ISA health, with no packets or SAs in it: which ISAs
// carry each tunnel group, and the events when that changes. The engine reconciles its slots,
// tunnels and SAs to the assignments it produces. Control path; one thread.
//
// The rules:
//  - Single-active: the primary carries the group. When it fails the group moves to its backup
//    (a cold standby: the tunnels are re-established there), unless that backup already
//    carries another tunnel group that failed over to it ("no double failure support") or has
//    failed itself; then the group is operationally down with that reason.
//  - Multi-active: `active-mda-number` healthy members are active, the others cold standby.
//    When an active member fails a standby replaces it; with no standby left the group is
//    operationally down.
//  - No revert: an ISA that recovers becomes a standby; the group stays where it is (the
//    guide lets the primary be changed "when the backup module is active", so the backup may
//    go on serving). A group that is down for want of an ISA comes up again on the first ISA
//    that recovers, and a group shut down and brought up again starts from its primary.
//
// Snapshot-friendly: the state is the failed set and each group's active list (plain values).
#ifndef TUNNELISA_SRC_ENGINE_ISA_GROUPS_H_
#define TUNNELISA_SRC_ENGINE_ISA_GROUPS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tunnelisa/config/model.h"
#include "tunnelisa/config/runtime_view.h"
#include "tunnelisa/events.h"

namespace tunnelisa {

class IsaGroups {
 public:
  // Change: one IsaEvent to raise (the engine adds the time).
  struct Change {
    IsaEventKind kind;
    uint32_t group = 0;
    config::IsaSlot isa;
    std::string detail;
    bool operator==(const Change&) const = default;
  };

  // Configure: takes the groups of `config` (groups that are shut down or incomplete get no
  // ISA; the configuration's own reasons cover them) and reassigns. Returns the changes.
  std::vector<Change> Configure(const config::Config& config);
  // SetHealth: the host reports an ISA failed or recovered. Returns the changes (none when the
  // health did not change).
  std::vector<Change> SetHealth(const config::IsaSlot& isa, bool healthy);

  const config::IsaAssignments& assignments() const { return assignments_; }
  bool healthy(const config::IsaSlot& isa) const { return !failed_.contains(isa); }

 private:
  struct Group {
    config::TunnelGroup config;
    bool usable = false;  // no shutdown and complete (a primary, or its mdas)
  };
  // Reassign: recomputes every group's assignment from the previous one and the health;
  // appends the changes. `why` explains ISA role changes (e.g. "ISA 1/1 failed").
  void Reassign(const std::string& why, std::vector<Change>& out);
  config::GroupAssignment AssignSingle(uint32_t id, const Group& g,
                                       const std::map<config::IsaSlot, uint32_t>& backup_claims);
  config::GroupAssignment AssignMulti(uint32_t id, const Group& g) const;

  std::map<uint32_t, Group> groups_;
  std::set<config::IsaSlot> failed_;
  config::IsaAssignments assignments_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ISA_GROUPS_H_
