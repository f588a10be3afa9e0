// The engine's statistics (`show ... stats` / `statistics`) and Metrics() after bursts of
// traffic through two engines back to back: packets and octets per tunnel, SAP and service,
// drops by reason where the engine counts them per object (per SA, per GRE tunnel), per ISA
// and IKE figures; the exposition text is parsed back with a strict checker.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/exposition.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Action = Verdict::Action;

std::string ShowJson(const Engine& e, std::vector<std::string> words) {
  absl::StatusOr<std::string> out = e.Show(words, config::ShowFormat::kJson);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "";
}

Exposition MetricsOf(const Engine& e) {
  Exposition m = ParseExposition(e.Metrics());
  EXPECT_THAT(m.errors, ElementsAre());
  return m;
}

// Traffic: a burst of 5 through A's GRE-over-IPsec tunnel, one ESP packet replayed twice to
// B, and a GRE packet with outer CE over a Not-ECT payload (RFC 6040) to A's plain-gre.
class EngineStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ab_ = MakeUdpPacket(Ip("172.16.1.10"), Ip("172.16.2.20"), 100, 1);
    std::vector<EngineVerdict> v = pair_.a().PrivateBurst(kVprn101, {ab_, ab_, ab_, ab_, ab_});
    for (const EngineVerdict& x : v) ASSERT_EQ(x.action, Action::kForward);
    ASSERT_EQ(pair_.a().transport.public_out.size(), 5u);
    const std::vector<uint8_t> esp = pair_.a().transport.public_out[0].bytes;
    EXPECT_EQ(pair_.Pump(), 5u);
    ASSERT_EQ(pair_.b().transport.private_out.size(), 5u);
    for (int i = 0; i < 2; ++i) EXPECT_EQ(pair_.b().Public(esp).reason, DropReason::kReplayed);
    // plain-gre: 2.2.2.3 -> 1.1.1.3; the payload goes to A's LAN 172.17.1.0/24.
    std::vector<uint8_t> inner = MakeUdpPacket(Ip("172.17.2.20"), Ip("172.17.1.10"), 50, 2);
    std::vector<uint8_t> gre = WrapIpv4(inner, Ip("2.2.2.3"), Ip("1.1.1.3"), 47);
    EXPECT_EQ(pair_.a().Public(gre).action, Action::kDeliver);
    gre[1] |= 0x03;                           // outer ECN CE
    gre = SetIpv4Source(gre, Ip("2.2.2.3"));  // the header checksum again
    EXPECT_EQ(pair_.a().Public(gre).reason, DropReason::kEcnCeNotEct);
    inner_ = ab_.size();
    gre_ = inner_ + 20 + 4;
    plain_inner_ = inner.size();
  }
  RouterPair pair_;
  std::vector<uint8_t> ab_;
  uint64_t inner_ = 0, gre_ = 0, plain_inner_ = 0;
};

TEST_F(EngineStatsTest, ShowStatisticsCountTheBurst) {
  const Engine& a = *pair_.a().engine;
  const Engine& b = *pair_.b().engine;
  const std::string ipsec_out =
      "\"in_packets\":0,\"in_octets\":0,\"out_packets\":5,\"out_octets\":" +
      std::to_string(5 * gre_) + ",\"drops\":{}";
  EXPECT_THAT(ShowJson(a, {"ipsec", "tunnel", kIpsec.name, "statistics"}), HasSubstr(ipsec_out));
  // B decrypted the 5 and dropped the 2 replays on the inbound SA.
  EXPECT_THAT(ShowJson(b, {"ipsec", "tunnel", kIpsec.name, "statistics"}),
              HasSubstr("\"in_packets\":5,\"in_octets\":" + std::to_string(5 * gre_) +
                        ",\"out_packets\":0,\"out_octets\":0,\"drops\":{\"replayed\":2}"));
  EXPECT_THAT(ShowJson(a, {"ip", "tunnel", "protected-gre-tunnel", "statistics"}),
              HasSubstr("\"out_packets\":5,\"out_octets\":" + std::to_string(5 * inner_)));
  EXPECT_THAT(ShowJson(a, {"ip", "tunnel", "plain-gre", "statistics"}),
              HasSubstr("\"in_packets\":1,\"in_octets\":" + std::to_string(plain_inner_) +
                        ",\"out_packets\":0,\"out_octets\":0,\"drops\":{\"ecn-ce-not-ect\":1}"));
  // VPRN 101's three SAPs on the path each count the 5; IES 100's public SAP the ESP packets.
  EXPECT_THAT(ShowJson(a, {"service", "id", "101", "stats"}),
              HasSubstr("\"out_packets\":15,\"out_octets\":" +
                        std::to_string(5 * (inner_ + 2 * gre_)) + ",\"drops\":null"));
  EXPECT_THAT(ShowJson(a, {"service", "id", "100", "sap", "tunnel-1.public:200", "stats"}),
              HasSubstr("\"out_packets\":5,"));
  // Text: SR OS's columns.
  absl::StatusOr<std::string> text =
      b.Show(std::vector<std::string>{"ipsec", "tunnel", kIpsec.name, "statistics"});
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("Ingress (decrypted)     : 5                       " +
                               std::to_string(5 * gre_) + "\n"));
  EXPECT_THAT(*text, HasSubstr("Dropped                 : 2\n  replayed              : 2\n"));
  absl::StatusOr<std::string> sap = a.Show(
      std::vector<std::string>{"service", "id", "101", "sap", "tunnel-1.private:201", "stats"});
  ASSERT_TRUE(sap.ok()) << sap.status();
  EXPECT_THAT(*sap, HasSubstr("Egress (into tunnels)   : 5 "));
  EXPECT_THAT(*sap, HasSubstr("not counted per SAP"));
}

TEST_F(EngineStatsTest, MetricsCountTheBurst) {
  Exposition a = MetricsOf(*pair_.a().engine);
  Exposition b = MetricsOf(*pair_.b().engine);
  const std::string ipsec = kIpsec.name;
  EXPECT_EQ(a.Value("tunnelisa_ipsec_tunnel_packets_total",
                    {{"service", "101"}, {"tunnel", ipsec}, {"direction", "out"}}),
            5);
  EXPECT_EQ(a.Value("tunnelisa_ipsec_tunnel_octets_total",
                    {{"service", "101"}, {"tunnel", ipsec}, {"direction", "out"}}),
            5 * gre_);
  EXPECT_EQ(a.Value("tunnelisa_ipsec_tunnel_up", {{"service", "101"}, {"tunnel", ipsec}}), 1);
  EXPECT_EQ(a.Value("tunnelisa_ip_tunnel_packets_total",
                    {{"service", "101"}, {"tunnel", "protected-gre-tunnel"}, {"direction", "out"}}),
            5);
  // Per SA: A's outbound SA (SPI 2000) sent the 5; B's inbound one dropped the replays.
  EXPECT_EQ(a.Value("tunnelisa_sa_packets_total", {{"service", "101"},
                                                   {"owner", "ipsec-tunnel"},
                                                   {"tunnel", ipsec},
                                                   {"spi", "2000"},
                                                   {"direction", "out"}}),
            5);
  EXPECT_EQ(b.Sum("tunnelisa_sa_packets_total", {{"direction", "in"}, {"spi", "2000"}}), 5);
  EXPECT_EQ(b.Sum("tunnelisa_sa_drops_total", {{"reason", "replayed"}, {"direction", "in"}}), 2);
  EXPECT_EQ(b.Value("tunnelisa_ipsec_tunnel_drops_total",
                    {{"service", "101"}, {"tunnel", ipsec}, {"reason", "replayed"}}),
            2);
  EXPECT_EQ(b.Value("tunnelisa_engine_drops_total", {{"reason", "replayed"}}), 2);
  // Every drop reason has an engine-wide sample, zero or not.
  EXPECT_EQ(a.Sum("tunnelisa_engine_drops_total"), 1);  // the CE packet
  size_t reasons = 0;
  for (const ExpositionSample& s : a.samples) reasons += s.name == "tunnelisa_engine_drops_total";
  EXPECT_EQ(reasons, kNumDropReasons - 1);
  // The GRE tunnel's own drop, and its ISA's.
  EXPECT_EQ(a.Value("tunnelisa_ip_tunnel_drops_total",
                    {{"service", "102"}, {"tunnel", "plain-gre"}, {"reason", "ecn-ce-not-ect"}}),
            1);
  EXPECT_EQ(
      a.Sum("tunnelisa_isa_drops_total", {{"plane", "ip-tunnel"}, {"reason", "ecn-ce-not-ect"}}),
      1);
  EXPECT_EQ(a.Sum("tunnelisa_isa_packets_total", {{"operation", "encrypt"}}), 5);
  EXPECT_EQ(b.Sum("tunnelisa_isa_packets_total", {{"operation", "decrypt"}}), 5);
  EXPECT_EQ(b.Sum("tunnelisa_isa_drops_total", {{"plane", "esp"}, {"reason", "replayed"}}), 2);
  EXPECT_GE(a.Sum("tunnelisa_isa_healthy"), 1);
  EXPECT_EQ(a.Sum("tunnelisa_isa_sas"), 2);  // manual keying: one SA each way
  // SAPs and services.
  EXPECT_EQ(a.Value("tunnelisa_service_packets_total", {{"service", "101"}, {"direction", "out"}}),
            15);
  EXPECT_EQ(a.Value("tunnelisa_sap_packets_total",
                    {{"service", "100"}, {"sap", "tunnel-1.public:200"}, {"direction", "out"}}),
            5);
  EXPECT_EQ(b.Value("tunnelisa_sap_packets_total",
                    {{"service", "100"}, {"sap", "tunnel-1.public:200"}, {"direction", "in"}}),
            5);  // the SAP counts what its tunnels passed: not the 2 replays
  EXPECT_EQ(a.Value("tunnelisa_engine_packets_total", {{"event", "private_in"}}), 5);
  // IKE: none here, but the families are there.
  EXPECT_EQ(a.Value("tunnelisa_ike_sas"), 0);
  EXPECT_EQ(a.types["tunnelisa_ike_datagrams_total"], "counter");
}

// ShowTraffic: the four figures of a `show ... stats` JSON answer (the per-object queries
// SapTraffic / ServiceTraffic answer it).
std::map<std::string, double> ShowTraffic(const Engine& e, std::vector<std::string> words) {
  const std::string json = ShowJson(e, std::move(words));
  std::map<std::string, double> out;
  for (const char* field : {"in_packets", "in_octets", "out_packets", "out_octets"}) {
    const std::string key = absl::StrCat("\"", field, "\":");
    const size_t at = json.find(key);
    EXPECT_NE(at, std::string::npos) << json;
    if (at != std::string::npos) out[field] = std::stod(json.substr(at + key.size()));
  }
  return out;
}

TEST_F(EngineStatsTest, MetricsSapAndServiceTotalsAgreeWithShow) {
  // Metrics sums every SAP and service in one pass over the tunnels; `show` asks one object
  // at a time. Every sample must agree, on both routers, and none may be missing.
  for (const Router* r : {&pair_.a(), &pair_.b()}) {
    const Engine& e = *r->engine;
    Exposition m = MetricsOf(e);
    size_t saps = 0, services = 0;
    for (const ExpositionSample& s : m.samples) {
      const bool sap =
          s.name == "tunnelisa_sap_packets_total" || s.name == "tunnelisa_sap_octets_total";
      const bool service =
          s.name == "tunnelisa_service_packets_total" || s.name == "tunnelisa_service_octets_total";
      if (!sap && !service) continue;
      std::vector<std::string> words = {"service", "id", s.labels.at("service")};
      if (sap) words.insert(words.end(), {"sap", s.labels.at("sap")});
      words.push_back("stats");
      const std::string field =
          absl::StrCat(s.labels.at("direction"),
                       absl::EndsWith(s.name, "_octets_total") ? "_octets" : "_packets");
      EXPECT_EQ(s.value, ShowTraffic(e, words)[field])
          << s.name << " " << absl::StrJoin(words, " ");
      (sap ? saps : services) += 1;
    }
    // 2 directions x packets and octets per object; the test configuration has several of each.
    EXPECT_GE(saps, 4u * 3);
    EXPECT_GE(services, 4u * 2);
  }
  // And the traffic is there to be counted: VPRN 101 sent the burst through three SAPs.
  EXPECT_EQ(
      MetricsOf(*pair_.a().engine)
          .Value("tunnelisa_service_packets_total", {{"service", "101"}, {"direction", "out"}}),
      15);
}

TEST(EngineMetrics, IkeAndGatewaySessionFigures) {
  RouterPair pair(Dynamic(ReadEngineVector("router_a.cfg"), {}, true), GatewayConfig());
  pair.Pump(At(0));
  ASSERT_TRUE(TrafficBursts(pair, At(1), /*rounds=*/2, /*burst=*/4));
  Exposition a = MetricsOf(*pair.a().engine);
  Exposition b = MetricsOf(*pair.b().engine);
  EXPECT_EQ(a.Value("tunnelisa_ike_sas"), 1);
  EXPECT_EQ(b.Value("tunnelisa_ike_sas"), 1);
  EXPECT_GE(b.Value("tunnelisa_ike_datagrams_total").value_or(0), 2);  // IKE_SA_INIT, IKE_AUTH
  EXPECT_EQ(b.Value("tunnelisa_ike_auth_failures_total"), 0);
  // B's session SAs are an ipsec-gw's; 8 packets each way went through them.
  EXPECT_EQ(b.Sum("tunnelisa_sa_packets_total", {{"owner", "ipsec-gw"}, {"direction", "in"}}), 8);
  EXPECT_EQ(b.Sum("tunnelisa_sa_packets_total", {{"owner", "ipsec-gw"}, {"direction", "out"}}), 8);
  EXPECT_EQ(a.Sum("tunnelisa_sa_packets_total", {{"owner", "ipsec-tunnel"}, {"direction", "out"}}),
            8);
  EXPECT_EQ(a.Value("tunnelisa_ipsec_tunnel_packets_total",
                    {{"service", "101"}, {"tunnel", kIpsec.name}, {"direction", "in"}}),
            8);
}

}  // namespace
}  // namespace tunnelisa::testing
