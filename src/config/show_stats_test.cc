// The statistics show commands against committed golden output
// (tests/vectors/configs/show/*_stats.*), from a runtime view with fixed counters, and what
// they print without counters (a configuration checked offline) or for unknown objects.
#include <cstdlib>
#include <fstream>

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tunnelisa/config/show.h"

namespace tunnelisa::config {
namespace {

using ::testing::HasSubstr;
using testing::ParseOk;
using testing::ReadVector;

// FixedStats: everything up; counters that tell the objects apart.
class FixedStats : public RuntimeView {
 public:
  OperStatus TunnelGroupStatus(uint32_t) const override { return {OperState::kUp, {}}; }
  std::vector<IsaSlot> ActiveIsas(uint32_t) const override { return {{1, 1}}; }
  OperStatus IpTunnelStatus(const TunnelKey&) const override { return {OperState::kUp, {}}; }
  OperStatus IpsecTunnelStatus(const TunnelKey&) const override {
    return {OperState::kDown, {"no SA"}};
  }
  std::optional<IpsecTunnelCounters> IpsecCounters(const TunnelKey&) const override {
    return std::nullopt;
  }
  std::optional<TrafficStatistics> TunnelStatistics(const TunnelKey& t, bool ipsec) const override {
    if (ipsec) {
      return TrafficStatistics{5, 640, 7, 896, true, {{"replayed", 2}, {"bad-icv", 1}}};
    }
    if (t.name != "to-site-c") return std::nullopt;
    return TrafficStatistics{3, 300, 4, 400, true, {}};
  }
  std::optional<TrafficStatistics> SapStatistics(uint32_t service,
                                                 const TunnelSapId& sap) const override {
    const uint64_t k = sap.kind == SapKind::kPublic ? 1000 : 1;
    return TrafficStatistics{k * service, k * service * 100, k, k * 100, false, {}};
  }
  std::optional<TrafficStatistics> ServiceStatistics(uint32_t service) const override {
    return TrafficStatistics{service, service * 64, 2 * service, service * 128, false, {}};
  }
};

struct Golden {
  std::vector<std::string> words;
  ShowFormat format;
  const char* file;
};

class ShowStatsGolden : public ::testing::TestWithParam<Golden> {};

TEST_P(ShowStatsGolden, MatchesTheCommittedOutput) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  FixedStats runtime;
  auto out = RenderShow(c, runtime, GetParam().words, GetParam().format);
  ASSERT_TRUE(out.ok()) << out.status();
  const std::string file = std::string("show/") + GetParam().file;
  // TUNNELISA_UPDATE_GOLDEN=1 rewrites the file (review the diff before committing it).
  if (std::getenv("TUNNELISA_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(testing::VectorPath(file), std::ios::binary) << *out;
  }
  EXPECT_EQ(*out, ReadVector(file));
}

INSTANTIATE_TEST_SUITE_P(
    All, ShowStatsGolden,
    ::testing::Values(
        Golden{{"service", "id", "101", "stats"}, ShowFormat::kText, "service_101_stats.txt"},
        Golden{{"service", "id", "101", "stats"}, ShowFormat::kJson, "service_101_stats.json"},
        Golden{{"service", "id", "101", "sap", "tunnel-1.private:201", "stats"},
               ShowFormat::kText,
               "sap_private_stats.txt"},
        Golden{{"service", "id", "101", "sap", "tunnel-1.private:201", "stats"},
               ShowFormat::kJson,
               "sap_private_stats.json"},
        Golden{{"service", "id", "100", "sap", "tunnel-1.public:200", "stats"},
               ShowFormat::kText,
               "sap_public_stats.txt"},
        Golden{
            {"ip", "tunnel", "to-site-c", "statistics"}, ShowFormat::kText, "ip_tunnel_stats.txt"},
        Golden{
            {"ip", "tunnel", "to-site-c", "statistics"}, ShowFormat::kJson, "ip_tunnel_stats.json"},
        Golden{{"ipsec", "tunnel", "to-site-b", "statistics"},
               ShowFormat::kText,
               "ipsec_tunnel_stats.txt"},
        Golden{{"ipsec", "tunnel", "to-site-b", "statistics"},
               ShowFormat::kJson,
               "ipsec_tunnel_stats.json"}));

TEST(ShowStats, WithoutCountersSaysSo) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  ConfigRuntimeView runtime(c);
  std::vector<std::string> words = {"ipsec", "tunnel", "to-site-b", "statistics"};
  EXPECT_THAT(*RenderShow(c, runtime, words, ShowFormat::kText),
              HasSubstr("Counters                : not available (no running engine)"));
  EXPECT_THAT(*RenderShow(c, runtime, words, ShowFormat::kJson), HasSubstr("\"statistics\":null"));
  EXPECT_THAT(*ShowServiceStats(c, runtime, "101", ShowFormat::kJson),
              HasSubstr("\"statistics\":null"));
}

TEST(ShowStats, UnknownObjectsAndBadSaps) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  FixedStats runtime;
  EXPECT_EQ(ShowServiceStats(c, runtime, "999", ShowFormat::kText).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      ShowSapStats(c, runtime, "101", "tunnel-1.private:999", ShowFormat::kText).status().code(),
      absl::StatusCode::kNotFound);
  absl::StatusOr<std::string> bad = ShowSapStats(c, runtime, "101", "1/1/1", ShowFormat::kText);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("tunnel-G.private:N"));
  EXPECT_EQ(ShowTunnelStats(c, runtime, "nope", true, ShowFormat::kText).status().code(),
            absl::StatusCode::kNotFound);
  // An ip-tunnel's name is not an ipsec-tunnel's.
  EXPECT_EQ(ShowTunnelStats(c, runtime, "to-site-c", true, ShowFormat::kText).status().code(),
            absl::StatusCode::kNotFound);
  // The SAP must be in the service named.
  EXPECT_EQ(
      ShowSapStats(c, runtime, "100", "tunnel-1.private:201", ShowFormat::kText).status().code(),
      absl::StatusCode::kNotFound);
  auto unknown = RenderShow(c, runtime, std::vector<std::string>{"service", "id", "101", "stat"},
                            ShowFormat::kText);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("service id SERVICE stats"));
}

TEST(ShowStats, DropsAddUpAndSapsSayWhereDropsAre) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  FixedStats runtime;
  std::string t = *ShowTunnelStats(c, runtime, "to-site-b", true, ShowFormat::kText);
  EXPECT_THAT(t, HasSubstr("Dropped                 : 3\n"));
  EXPECT_THAT(t, HasSubstr("  replayed              : 2\n"));
  std::string s = *ShowSapStats(c, runtime, "101", "tunnel-2.private:201", ShowFormat::kText);
  EXPECT_THAT(s, HasSubstr("not counted per SAP"));
}

}  // namespace
}  // namespace tunnelisa::config
