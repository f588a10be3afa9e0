// File: examples/tunnelisa/gateway/gateway_reload.cc
//
// Gateway::Reload: a new configuration file applied to the running gateway (SIGHUP, or the
// control request `config reload [FILE]`).
#include <algorithm>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "examples/tunnelisa/gateway/config_file.h"
#include "examples/tunnelisa/gateway/gateway.h"

namespace tunnelisa::gateway {
namespace {

// MissingSockets: what `next` needs that `open` does not have: public UDP addresses and raw
// listeners are opened once at start-up (they may need privileges the gateway dropped, and
// rebinding would disturb the running tunnels), so a reload can't add them.
std::vector<std::string> MissingSockets(const GatewayPlan& open, const GatewayPlan& next,
                                        bool raw_enabled) {
  std::vector<std::string> missing;
  for (const IpAddress& a : next.udp_addresses) {
    if (!std::binary_search(open.udp_addresses.begin(), open.udp_addresses.end(), a)) {
      missing.push_back(absl::StrFormat("UDP sockets on %s", a.ToString()));
    }
  }
  if (raw_enabled) {
    for (const RawListen& r : next.raw) {
      if (std::find(open.raw.begin(), open.raw.end(), r) == open.raw.end()) {
        missing.push_back(absl::StrFormat("a raw socket for IP protocol %d (IPv%d)", r.proto,
                                          r.family == IpAddress::Family::kV6 ? 6 : 4));
      }
    }
  }
  return missing;
}

}  // namespace

absl::Status Gateway::Reload(const std::string& path) {
  const std::string file = path.empty() ? options_.config_path : path;
  std::vector<std::string> warnings;
  absl::StatusOr<config::Config> next = LoadConfigFile(file, &warnings);
  if (!next.ok()) return next.status();
  absl::StatusOr<GatewayPlan> plan = MakePlan(*next, options_.tun_names);
  if (!plan.ok()) return plan.status();
  std::vector<std::string> missing = MissingSockets(plan_, *plan, options_.sockets.raw);
  if (!missing.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s needs %s, which this gateway did not open at start: restart tunnelisa run", file,
        absl::StrJoin(missing, ", ")));
  }
  // New private services' TUNs before the engine may deliver into them. A TUN that can't be
  // made fails the reload before the engine changes; TUNs made for it stay, unused.
  if (absl::Status s = OpenTuns(*plan); !s.ok()) return s;
  const MonoTime now = Now();
  if (absl::Status s = engine_->ApplyConfig(*next, now); !s.ok()) return s;
  RefreshTimer(now);  // new tunnels may start IKE
  for (const std::string& w : warnings) log_.Warning(w);
  // The sockets stay as they were (a subset of the new plan's, checked above, plus any that
  // the new configuration no longer uses).
  std::vector<IpAddress> udp = plan_.udp_addresses;
  std::vector<RawListen> raw = plan_.raw;
  plan_ = *std::move(plan);
  plan_.udp_addresses = std::move(udp);
  plan_.raw = std::move(raw);
  options_.config_path = file;
  log_.Info(absl::StrFormat("configuration reloaded from %s", file));
  return absl::OkStatus();
}

}  // namespace tunnelisa::gateway
