// GwRoutes: a secure service's routes to its ipsec-gw sessions (each session's remote traffic
// selectors, into that session), changed one session at a time. A gateway with 100k sessions
// must not rebuild every session's routes when one comes or goes (issue 14): Set and Remove
// cost O(log n) plus the session's own prefixes, and the routes are at every moment what
// building them from all sessions in rank order would give (gw_routes_test checks exactly
// that against such a full build, kept there as the oracle).
//
// Lookup is the fast path's (allocation-free: one hash probe per distinct prefix length
// present, as config::RouteTable); the rest is control path. Not thread-safe: the engine
// changes it inside a control window. Internal to src/engine.
#ifndef TUNNELISA_SRC_ENGINE_GW_ROUTES_H_
#define TUNNELISA_SRC_ENGINE_GW_ROUTES_H_

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/route_target.h"
#include "tunnelisa/config/route_table.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa {

class GwRoutes {
 public:
  // SessionRank: a session's place among the service's sessions: its gateway's name, then its
  // key (the peer's address and NAT-T port). Two sessions routing the same prefix: the first
  // in this order wins, and within a session its first such prefix (as when the routes were
  // built from every session in turn).
  struct SessionRank {
    std::string gateway;
    IpAddress address;
    uint16_t port = 0;
    auto operator<=>(const SessionRank&) const = default;
  };

  // Set: session `rank` (`session`, named `tunnel`, reached over the secure `interface`)
  // routes `prefixes` now, replacing what it routed before. Prefixes without an address are
  // ignored (as RouteTable ignores them for lookups).
  void Set(const SessionRank& rank, IpsecTunnelState* session, const std::string& tunnel,
           const std::string& interface, std::span<const IpPrefix> prefixes);
  // Remove: session `rank` routes nothing any more (no-op if it routed nothing).
  void Remove(const SessionRank& rank);
  void Clear();
  // empty: no prefix is routed (the fast path then skips the lookup).
  bool empty() const { return prefixes_.empty(); }
  // size: the prefixes routed (each once, whatever the number of sessions routing it).
  size_t size() const { return prefixes_.size(); }
  // sessions: the sessions routing something.
  size_t sessions() const { return by_session_.size(); }

  // LookupIndex: the route with the longest prefix containing `address` (an index for route()
  // and target(), valid until the next change), or -1. Fast path.
  int LookupIndex(const IpAddress& address) const;
  const config::Route& route(size_t index) const { return slots_[index].route; }
  const RouteTarget& target(size_t index) const { return slots_[index].target; }

  // Routes: each routed prefix's route and target, sorted by prefix (tests, diagnostics).
  std::vector<std::pair<config::Route, RouteTarget>> Routes() const;

 private:
  struct Candidate {
    IpsecTunnelState* session = nullptr;
    std::string tunnel;
    std::string interface;
  };
  // A prefix: every session routing it, by (rank, position in its list); `slot` holds the
  // first one's route.
  struct Prefix {
    std::map<std::pair<SessionRank, uint32_t>, Candidate> candidates;
    uint32_t slot = 0;
  };
  struct Slot {
    config::Route route;
    RouteTarget target;
  };
  // Install / Uninstall: `prefix`'s slot into / out of the lookup tables.
  void Install(const IpPrefix& prefix, uint32_t slot);
  void Uninstall(const IpPrefix& prefix);
  void Fill(Slot& slot, const IpPrefix& prefix, const Candidate& winner) const;

  std::map<SessionRank, std::vector<IpPrefix>> by_session_;
  absl::flat_hash_map<IpPrefix, Prefix> prefixes_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  // Lookup: prefixes (IPv4 as host-order integers) by length -> slot; the lengths present,
  // longest first, with how many prefixes each has.
  std::array<absl::flat_hash_map<uint32_t, uint32_t>, 33> v4_;
  std::array<absl::flat_hash_map<IpAddress, uint32_t>, 129> v6_;
  std::vector<int> v4_lengths_, v6_lengths_;
};

// CheckGwRoutesForTesting: with `on`, every session change in any engine of the process ends
// by comparing each service's GwRoutes with a full build from all its sessions (a mismatch
// aborts). The engine tests turn it on (engine_test_util.cc); it costs a full build per change.
void CheckGwRoutesForTesting(bool on);
bool GwRoutesChecked();

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_GW_ROUTES_H_
