#include "engine/isa_groups.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tunnelisa {
namespace {

using config::GroupAssignment;
using config::IsaSlot;

bool Contains(const std::vector<IsaSlot>& v, const IsaSlot& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

GroupAssignment Down(std::string reason) { return GroupAssignment{{}, std::move(reason)}; }

}  // namespace

std::vector<IsaGroups::Change> IsaGroups::Configure(const config::Config& config) {
  groups_.clear();
  for (const auto& [id, g] : config.tunnel_groups) {
    Group& group = groups_[id];
    group.config = g;
    const bool complete = g.mode == config::TunnelGroupMode::kSingleActive
                              ? g.primary.has_value()
                              : !g.mdas.empty() && g.mdas.size() >= g.active_mda_number;
    group.usable = g.admin == config::AdminState::kUp && complete;
  }
  std::vector<Change> out;
  Reassign("configuration", out);
  return out;
}

std::vector<IsaGroups::Change> IsaGroups::SetHealth(const IsaSlot& isa, bool healthy) {
  std::vector<Change> out;
  if (healthy == !failed_.contains(isa)) return out;
  if (healthy) {
    failed_.erase(isa);
    out.push_back({IsaEventKind::kIsaRecovered, 0, isa, "reported healthy by the host"});
  } else {
    failed_.insert(isa);
    out.push_back({IsaEventKind::kIsaFailed, 0, isa, "reported failed by the host"});
  }
  Reassign(absl::StrCat("ISA ", isa.ToString(), healthy ? " recovered" : " failed"), out);
  return out;
}

void IsaGroups::Reassign(const std::string& why, std::vector<Change>& out) {
  // A backup that a group failed over to stays claimed by it (no double failure): claims of
  // the groups already on their backup first, then the others in id order.
  std::map<IsaSlot, uint32_t> claims;
  for (const auto& [id, g] : groups_) {
    auto old = assignments_.find(id);
    if (!g.usable || g.config.mode != config::TunnelGroupMode::kSingleActive || !g.config.backup ||
        old == assignments_.end()) {
      continue;
    }
    if (old->second.active == std::vector<IsaSlot>{*g.config.backup} && healthy(*g.config.backup) &&
        !(g.config.primary == g.config.backup)) {
      claims[*g.config.backup] = id;
    }
  }
  config::IsaAssignments next;
  for (const auto& [id, g] : groups_) {
    if (!g.usable) continue;  // shut down or incomplete: the configuration says why
    GroupAssignment a;
    if (g.config.mode == config::TunnelGroupMode::kSingleActive) {
      a = AssignSingle(id, g, claims);
      if (g.config.backup && a.active == std::vector<IsaSlot>{*g.config.backup} &&
          !(g.config.primary == g.config.backup)) {
        claims[*g.config.backup] = id;
      }
    } else {
      a = AssignMulti(id, g);
    }
    next[id] = std::move(a);
  }
  // Events for the groups that were assigned before (a new or re-enabled group's first
  // assignment is the configuration's doing, not an event).
  for (const auto& [id, a] : next) {
    auto old = assignments_.find(id);
    if (old == assignments_.end()) continue;
    const std::vector<IsaSlot>& before = old->second.active;
    for (const IsaSlot& s : before) {
      if (!Contains(a.active, s)) out.push_back({IsaEventKind::kIsaStandby, id, s, why});
    }
    for (const IsaSlot& s : a.active) {
      if (!Contains(before, s)) out.push_back({IsaEventKind::kIsaActive, id, s, why});
    }
    if (!before.empty() && a.active.empty()) {
      out.push_back({IsaEventKind::kGroupDown, id, IsaSlot{}, a.down_reason});
    } else if (before.empty() && !a.active.empty()) {
      std::vector<std::string> names;
      for (const IsaSlot& s : a.active) names.push_back(s.ToString());
      out.push_back({IsaEventKind::kGroupUp, id, a.active.front(),
                     absl::StrCat("on ISA ", absl::StrJoin(names, ","), " (", why, ")")});
    }
  }
  assignments_ = std::move(next);
}

GroupAssignment IsaGroups::AssignSingle(uint32_t id, const Group& g,
                                        const std::map<IsaSlot, uint32_t>& claims) {
  const IsaSlot primary = *g.config.primary;
  const std::optional<IsaSlot>& backup = g.config.backup;
  // Stay where the group is while that ISA is healthy and still a member: no revert.
  if (auto old = assignments_.find(id);
      old != assignments_.end() && old->second.active.size() == 1) {
    const IsaSlot current = old->second.active.front();
    if (healthy(current) && (current == primary || current == backup)) return {{current}, ""};
  }
  if (healthy(primary)) return {{primary}, ""};
  const std::string failed = absl::StrCat("primary ISA ", primary.ToString(), " failed");
  if (!backup || *backup == primary) {
    return Down(absl::StrCat(failed, " and no backup ISA is configured"));
  }
  if (!healthy(*backup)) {
    return Down(absl::StrCat(failed, " and backup ISA ", backup->ToString(), " failed too"));
  }
  if (auto c = claims.find(*backup); c != claims.end() && c->second != id) {
    return Down(absl::StrCat(failed, "; backup ISA ", backup->ToString(),
                             " is in use by tunnel-group ", c->second,
                             " (no double failure support)"));
  }
  return {{*backup}, ""};
}

GroupAssignment IsaGroups::AssignMulti(uint32_t id, const Group& g) const {
  const std::vector<IsaSlot>& members = g.config.mdas;
  const size_t want = g.config.active_mda_number;
  std::vector<IsaSlot> active;
  // Healthy active members stay; standbys replace the others, in configuration order.
  if (auto old = assignments_.find(id); old != assignments_.end()) {
    for (const IsaSlot& s : old->second.active) {
      if (healthy(s) && Contains(members, s)) active.push_back(s);
    }
  }
  for (const IsaSlot& s : members) {
    if (active.size() >= want) break;
    if (healthy(s) && !Contains(active, s)) active.push_back(s);
  }
  if (active.size() < want) {
    std::vector<std::string> down;
    for (const IsaSlot& s : members) {
      if (!healthy(s)) down.push_back(s.ToString());
    }
    return Down(absl::StrCat("no standby ISA is left to replace failed ISA ",
                             absl::StrJoin(down, ","), " (", want, " active needed)"));
  }
  std::sort(active.begin(), active.end());
  return {active, ""};
}

}  // namespace tunnelisa
