// GwRoutes (gw_routes.h) against the full build it replaces: after every step of a random
// sequence of session ups, changes and downs, every lookup gives what a RouteTable built from
// all sessions in rank order (as RelinkGws built it before issue 14) gives.
#include "engine/gw_routes.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace tunnelisa {
namespace {

IpPrefix P(const char* text) { return *IpPrefix::Parse(text); }
IpAddress A(const char* text) { return *IpAddress::Parse(text); }

struct Session {
  IpsecTunnelState* state = nullptr;
  std::string tunnel;
  std::string interface;
  std::vector<IpPrefix> prefixes;
};

// FullBuild: the oracle: every session's prefixes in rank order into one RouteTable (the
// first added wins for equal prefixes), its targets by route index.
struct FullBuild {
  config::RouteTable table;
  std::vector<RouteTarget> targets;
  explicit FullBuild(const std::map<GwRoutes::SessionRank, Session>& sessions) {
    for (const auto& [rank, s] : sessions) {
      for (const IpPrefix& prefix : s.prefixes) {
        config::Route r;
        r.prefix = prefix;
        r.protocol = config::RouteProtocol::kStatic;
        r.next_hop_kind = config::NextHopKind::kIpsecTunnel;
        r.tunnel = s.tunnel;
        r.interface = s.interface;
        r.preference = 5;
        r.active = true;
        table.Add(std::move(r));
        targets.push_back({.ipsec = s.state, .names_tunnel = true});
      }
    }
  }
};

// Same: `routes` and the full build agree on every probe address.
void ExpectSame(const GwRoutes& routes, const FullBuild& full, const std::vector<IpAddress>& probes,
                int step) {
  for (const IpAddress& a : probes) {
    const int got = routes.LookupIndex(a);
    const int want = full.table.LookupIndex(a);
    ASSERT_EQ(got < 0, want < 0) << "step " << step << " address " << a.ToString();
    if (want < 0) continue;
    EXPECT_EQ(routes.route(static_cast<size_t>(got)), full.table.route(static_cast<size_t>(want)))
        << "step " << step << " address " << a.ToString();
    EXPECT_EQ(routes.target(static_cast<size_t>(got)), full.targets[static_cast<size_t>(want)])
        << "step " << step << " address " << a.ToString();
  }
}

TEST(GwRoutes, MatchesAFullBuildAfterEveryRandomChange) {
  // Few gateways, peers and prefixes: sessions often route the same prefix (the rank picks
  // the winner), nested prefixes compete by length, both families.
  const std::vector<std::string> gateways = {"gw-a", "gw-b"};
  const std::vector<IpAddress> peers = {A("1.1.1.1"), A("1.1.1.2"), A("1.1.1.3"), A("2001:db8::1")};
  const std::vector<IpPrefix> universe = {P("192.168.1.0/24"),    P("192.168.1.0/25"),
                                          P("192.168.1.128/25"),  P("192.168.1.7/32"),
                                          P("192.168.0.0/16"),    P("10.0.0.0/8"),
                                          P("0.0.0.0/0"),         P("2001:db8:1::/48"),
                                          P("2001:db8:1:2::/64"), P("::/0")};
  std::vector<IpAddress> probes = {A("192.168.1.7"),     A("192.168.1.8"),     A("192.168.1.200"),
                                   A("192.168.2.1"),     A("10.1.2.3"),        A("172.16.0.1"),
                                   A("2001:db8:1:2::5"), A("2001:db8:1:3::5"), A("2001:db9::1")};
  for (const IpPrefix& p : universe) probes.push_back(p.address());
  char storage[64];
  std::mt19937_64 rng(14);
  GwRoutes routes;
  std::map<GwRoutes::SessionRank, Session> sessions;  // the sessions' routes as they are now
  size_t ups = 0, downs = 0;
  for (int step = 0; step < 4000; ++step) {
    GwRoutes::SessionRank rank{gateways[rng() % gateways.size()], peers[rng() % peers.size()],
                               static_cast<uint16_t>(rng() % 2 == 0 ? 0 : 4500 + rng() % 2)};
    if (rng() % 3 == 0) {
      routes.Remove(rank);
      downs += sessions.erase(rank);
    } else {
      Session s;
      s.state = reinterpret_cast<IpsecTunnelState*>(&storage[rng() % sizeof(storage)]);
      s.tunnel = absl::StrCat(rank.gateway, " ", rank.address.ToString(), ":", rank.port);
      s.interface = absl::StrCat("secure-", rank.gateway);
      const size_t count = rng() % 4;  // none: a session whose SAs route nothing
      for (size_t i = 0; i < count; ++i) s.prefixes.push_back(universe[rng() % universe.size()]);
      routes.Set(rank, s.state, s.tunnel, s.interface, s.prefixes);
      if (s.prefixes.empty()) {
        sessions.erase(rank);
      } else {
        sessions[rank] = s;
        ++ups;
      }
    }
    const FullBuild full(sessions);
    ASSERT_NO_FATAL_FAILURE(ExpectSame(routes, full, probes, step));
    ASSERT_EQ(routes.sessions(), sessions.size()) << "step " << step;
    ASSERT_EQ(routes.empty(), sessions.empty()) << "step " << step;
  }
  EXPECT_GT(ups, 1000u);
  EXPECT_GT(downs, 500u);
  // Everything gone: nothing routes, the lookup tables are empty again.
  for (const auto& [rank, s] : sessions) routes.Remove(rank);
  EXPECT_TRUE(routes.empty());
  for (const IpAddress& a : probes) EXPECT_EQ(routes.LookupIndex(a), -1) << a.ToString();
}

TEST(GwRoutes, TheFirstSessionInRankOrderWinsAnEqualPrefix) {
  char a, b;
  auto* sa = reinterpret_cast<IpsecTunnelState*>(&a);
  auto* sb = reinterpret_cast<IpsecTunnelState*>(&b);
  const std::vector<IpPrefix> lan = {P("192.168.1.0/24")};
  GwRoutes routes;
  routes.Set({"gw", A("1.1.1.2"), 0}, sb, "gw 1.1.1.2", "secure", lan);
  routes.Set({"gw", A("1.1.1.1"), 0}, sa, "gw 1.1.1.1", "secure", lan);
  int i = routes.LookupIndex(A("192.168.1.9"));
  ASSERT_GE(i, 0);
  EXPECT_EQ(routes.target(static_cast<size_t>(i)).ipsec, sa);
  EXPECT_EQ(routes.route(static_cast<size_t>(i)).tunnel, "gw 1.1.1.1");
  EXPECT_EQ(routes.size(), 1u);
  routes.Remove({"gw", A("1.1.1.1"), 0});  // the other takes over
  i = routes.LookupIndex(A("192.168.1.9"));
  ASSERT_GE(i, 0);
  EXPECT_EQ(routes.target(static_cast<size_t>(i)).ipsec, sb);
  routes.Remove({"gw", A("1.1.1.2"), 0});
  EXPECT_EQ(routes.LookupIndex(A("192.168.1.9")), -1);
  EXPECT_TRUE(routes.Routes().empty());
}

}  // namespace
}  // namespace tunnelisa
