// File: tunnelisa/config/diff.h
//
// Run-time configuration changes. PlanChange compares the running configuration with a
// candidate, lists what changes, and refuses (in the guide's words, "Operational Conditions")
// the changes the guide forbids in the current runtime state: e.g. changing a single-active
// tunnel group's primary ISA while the group is not shut down, changing an ipsec-tunnel's
// local-gateway-address while it is operationally up, deleting a public service that tunnels
// still use. Allowed changes carry notes on when they take effect (a transform change affects
// new negotiations only).
//
// A shutdown in the candidate counts as done first: a candidate that shuts a tunnel group down
// and changes its primary ISA is allowed, as the router allows `shutdown` followed by
// `primary` (docs/configuration.md, "Run-time changes").
//
// RunningConfig keeps the applied configuration and applies candidates atomically.
// Control path; not thread-safe.
#ifndef TUNNELISA_CONFIG_DIFF_H_
#define TUNNELISA_CONFIG_DIFF_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/config/runtime_view.h"
#include "tunnelisa/config/validator.h"

namespace tunnelisa::config {

enum class ChangeKind : uint8_t { kAdded, kRemoved, kModified };

// Change: one object added, removed or modified (object path, docs/configuration.md).
struct Change {
  ChangeKind kind = ChangeKind::kModified;
  std::string object;
  bool operator==(const Change&) const = default;
};

struct ChangePlan {
  std::vector<Change> changes;
  // refusals: "OBJECT: rule" for each forbidden change; the plan may be applied only when
  // this is empty.
  std::vector<std::string> refusals;
  // notes: how allowed changes take effect ("established tunnels keep ... until renegotiated").
  std::vector<std::string> notes;
  bool allowed() const { return refusals.empty(); }
};

// PlanChange: `runtime` describes the state produced by `running`. Never fails as a call.
ChangePlan PlanChange(const Config& running, const Config& candidate, const RuntimeView& runtime);

// PlanChange with the two configurations' validation reports (Validate(running),
// Validate(candidate)) when the caller has them, as RunningConfig does: the same plan without
// validating both again (at 100k tunnels each validation is a noticeable part of a change).
ChangePlan PlanChange(const Config& running, const ValidationReport& running_report,
                      const Config& candidate, const ValidationReport& candidate_report,
                      const RuntimeView& runtime);

class RunningConfig {
 public:
  RunningConfig() : report_(Validate(config_)) {}
  explicit RunningConfig(Config initial)
      : config_(std::move(initial)), report_(Validate(config_)) {}

  const Config& config() const { return config_; }
  // report: Validate(config()), kept from the Apply that installed it (its oper_down findings
  // are what ConfigRuntimeView needs, so a host need not validate the same configuration
  // again).
  const ValidationReport& report() const { return report_; }

  // Apply: InvalidArgument (the validator's errors, one per line) if the candidate is
  // invalid; FailedPrecondition (the refusals, one per line) if the guide forbids the change
  // now; otherwise the candidate becomes the running configuration and the plan is returned.
  // On failure nothing changes.
  absl::StatusOr<ChangePlan> Apply(Config candidate, const RuntimeView& runtime);

 private:
  Config config_;
  ValidationReport report_;
};

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_DIFF_H_
