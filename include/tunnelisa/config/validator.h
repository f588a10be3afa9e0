// File: tunnelisa/config/validator.h
//
// Validate: the guide's static rules over a whole configuration (docs/configuration.md,
// "Rules"). Two kinds of finding:
//  - errors: the configuration is refused (dangling references, a private SAP on a non-tunnel
//    interface, an unnumbered private tunnel interface, a tunnel tied to two tunnel groups, ...);
//  - oper_down: the configuration is accepted but an object can't come up, with the reason the
//    guide gives (e.g. "dest-ip 10.0.1.2 is not within the subnet of the local private
//    endpoint 10.0.0.1/30"): the router accepts such a tunnel and shows it operationally down.
// Admin state (shutdown) is not a finding; RuntimeView adds it.
//
// Thread-safe; never fails; linear in the size of the configuration (plus sorting).
#ifndef TUNNELISA_CONFIG_VALIDATOR_H_
#define TUNNELISA_CONFIG_VALIDATOR_H_

#include <string>
#include <vector>

#include "tunnelisa/config/model.h"

namespace tunnelisa::config {

// Finding: `object` is an object path (docs/configuration.md, "Object paths"), `field` the
// command keyword the finding is about ("" for the object itself).
struct Finding {
  std::string object;
  std::string field;
  std::string message;
  bool operator==(const Finding&) const = default;
};

struct ValidationReport {
  std::vector<Finding> errors;
  std::vector<Finding> oper_down;
  bool ok() const { return errors.empty(); }
};

ValidationReport Validate(const Config& config);

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_VALIDATOR_H_
