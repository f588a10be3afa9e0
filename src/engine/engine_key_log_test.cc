// Host::key_log (tunnelisa/key_log.h) with two engines in one process: every SA the engines
// install is reported once by each side, and the two sides report the same keys (A's outbound
// ESP SA is B's inbound one, byte for byte; both report the same IKEv2 SA), also across an
// IKE SA rekey; IKEv1 quick-mode and manually keyed SAs are reported too.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gtest/gtest.h"
#include "tunnelisa/key_log.h"

namespace tunnelisa::testing {
namespace {

// RecordingKeyLog: each report as its Wireshark row (or the formatter's refusal).
class RecordingKeyLog final : public KeyLog {
 public:
  void OnEspSa(const EspSaKeys& sa) override {
    absl::StatusOr<std::string> line = WiresharkEspSaLine(sa);
    esp.push_back(line.ok() ? *line : std::string(line.status().message()));
  }
  void OnIkev2Sa(const Ikev2SaKeys& sa) override {
    absl::StatusOr<std::string> line = WiresharkIkev2Line(sa);
    ike.push_back(line.ok() ? *line : std::string(line.status().message()));
  }
  std::vector<std::string> esp;
  std::vector<std::string> ike;
};

// Tally: how many times each row was reported.
std::map<std::string, int> Tally(const std::vector<std::string>& rows) {
  std::map<std::string, int> n;
  for (const std::string& r : rows) ++n[r];
  return n;
}

// RowOf: the ESP row with SPI `spi`, or "".
std::string RowOf(const std::vector<std::string>& rows, uint32_t spi) {
  const std::string key = absl::StrFormat("\"0x%08x\"", spi);
  for (const std::string& r : rows) {
    if (r.find(key) != std::string::npos) return r;
  }
  return "";
}

std::unique_ptr<RouterPair> MakeLoggedPair(const IkeSettings& a, const IkeSettings& b,
                                           RecordingKeyLog& log) {
  EngineOptions options;
  options.host.key_log = &log;
  return std::make_unique<RouterPair>(Dynamic(ReadEngineVector("router_a.cfg"), a, true),
                                      Dynamic(ReadEngineVector("router_b.cfg"), b, false),
                                      MonoTime{}, &options);
}

TEST(EngineKeyLog, BothSidesReportTheSameChildAndIkeSa) {
  RecordingKeyLog log;
  auto pair = MakeLoggedPair({}, {}, log);
  pair->Pump(At(0));
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(Traffic(*pair, At(1)));
  // Two ESP SAs (one CHILD SA), each reported by both engines: A's outbound is B's inbound.
  ASSERT_EQ(log.esp.size(), 4u);
  std::map<std::string, int> esp = Tally(log.esp);
  ASSERT_EQ(esp.size(), 2u);
  for (const auto& [row, n] : esp) EXPECT_EQ(n, 2) << row;
  // ChildUp: a router's child-up event (its inbound SPI, the IKE SPIs).
  auto child_up = [](Router& r) -> const RecordingEvents::Ike* {
    for (const RecordingEvents::Ike& e : r.events.ike) {
      if (e.kind == IkeEventKind::kChildUp) return &e;
    }
    return nullptr;
  };
  const RecordingEvents::Ike* child = child_up(pair->a());
  const RecordingEvents::Ike* b_child = child_up(pair->b());
  ASSERT_NE(child, nullptr);
  ASSERT_NE(b_child, nullptr);
  // A's inbound SA carries B's packets (2.2.2.2 -> 1.1.1.2), its outbound the other way; the
  // router configurations' ESP transform is aes256 + sha1.
  const std::string in = RowOf(log.esp, child->child_spi_in);
  const std::string out = RowOf(log.esp, b_child->child_spi_in);  // A's outbound SPI
  EXPECT_EQ(in.rfind(R"("IPv4","2.2.2.2","1.1.1.2",)", 0), 0u) << in;
  EXPECT_EQ(out.rfind(R"("IPv4","1.1.1.2","2.2.2.2",)", 0), 0u) << out;
  EXPECT_NE(in.find(R"("AES-CBC [RFC3602]","0x)"), std::string::npos) << in;
  EXPECT_NE(in.find(R"("HMAC-SHA-1-96 [RFC2404]","0x)"), std::string::npos) << in;
  // 32-byte AES-256 and 20-byte HMAC-SHA-1 keys, in hex.
  EXPECT_EQ(in.size(), out.size());
  EXPECT_NE(in, out);  // each direction has its own keys
  // One IKE SA, reported by both with the SPIs the events name (aes128 + sha1 for IKE).
  ASSERT_EQ(log.ike.size(), 2u);
  EXPECT_EQ(log.ike[0], log.ike[1]);
  EXPECT_EQ(
      log.ike[0].rfind(absl::StrFormat("%016x,%016x,", child->ike_spi_i, child->ike_spi_r), 0), 0u)
      << log.ike[0];
  EXPECT_NE(log.ike[0].find(R"("AES-CBC-128 [RFC3602]")"), std::string::npos);
  EXPECT_NE(log.ike[0].find(R"("HMAC_SHA1_96 [RFC2404]")"), std::string::npos);
}

TEST(EngineKeyLog, AeadSuitesAndAnIkeSaRekey) {
  IkeSettings s;
  s.ike_encryption = "aes256gcm16";
  s.esp_encryption = "aes128gcm16";
  s.esp_auth = "";
  s.lifetimes = "    isakmp-lifetime 1200\n";
  IkeSettings b = s;
  b.lifetimes = "    isakmp-lifetime 3600\n";
  RecordingKeyLog log;
  auto pair = MakeLoggedPair(s, b, log);
  pair->Pump(At(0));
  ASSERT_EQ(log.ike.size(), 2u);
  EXPECT_NE(log.ike[0].find(R"("AES-GCM-256 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]")"),
            std::string::npos)
      << log.ike[0];
  ASSERT_FALSE(log.esp.empty());
  EXPECT_NE(log.esp[0].find(R"("AES-GCM with 16 octet ICV [RFC4106]","0x)"), std::string::npos)
      << log.esp[0];
  EXPECT_NE(log.esp[0].find(R"(,"NULL","0x")"), std::string::npos) << log.esp[0];
  // Past A's 1200 s IKE lifetime: the new IKE SA's keys are reported by both.
  for (int t = 1; t <= 1250; t += 10) {
    pair->a().engine->OnTimer(At(t));
    pair->b().engine->OnTimer(At(t));
    pair->Pump(At(t));
  }
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kIkeRekeyed), 1u);
  ASSERT_EQ(log.ike.size(), 4u);
  std::map<std::string, int> ike = Tally(log.ike);
  ASSERT_EQ(ike.size(), 2u);
  for (const auto& [row, n] : ike) EXPECT_EQ(n, 2) << row;
  std::map<std::string, int> esp = Tally(log.esp);
  for (const auto& [row, n] : esp) EXPECT_EQ(n, 2) << row;
  EXPECT_TRUE(Traffic(*pair, At(1260)));
}

TEST(EngineKeyLog, ManualSasAreReported) {
  RecordingKeyLog log;
  EngineOptions options;
  options.host.key_log = &log;
  RouterPair pair(ReadEngineVector("router_a.cfg"), ReadEngineVector("router_b.cfg"), MonoTime{},
                  &options);
  EXPECT_TRUE(Traffic(pair, At(1)));
  EXPECT_TRUE(log.ike.empty());
  // router_a.cfg's two security-associations (router_b.cfg's mirror them): each row reported
  // by both routers, with the configuration's keys.
  ASSERT_EQ(log.esp.size(), 4u);
  std::map<std::string, int> esp = Tally(log.esp);
  ASSERT_EQ(esp.size(), 2u);
  EXPECT_EQ(esp[R"("IPv4","1.1.1.2","2.2.2.2","0x000007d0","AES-CBC [RFC3602]",)"
                R"("0x606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f",)"
                R"("HMAC-SHA-1-96 [RFC2404]","0x404142434445464748494a4b4c4d4e4f50515253")"],
            2);
  EXPECT_EQ(esp[R"("IPv4","2.2.2.2","1.1.1.2","0x000003e8","AES-CBC [RFC3602]",)"
                R"("0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",)"
                R"("HMAC-SHA-1-96 [RFC2404]","0x000102030405060708090a0b0c0d0e0f10111213")"],
            2);
}

TEST(EngineKeyLog, Ikev1QuickModeSasAreReportedNotPhase1) {
  IkeSettings v1;
  v1.ike_version = 1;
  RecordingKeyLog log;
  auto pair = MakeLoggedPair(v1, v1, log);
  pair->Pump(At(0));
  ASSERT_EQ(pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(Traffic(*pair, At(1)));
  EXPECT_TRUE(log.ike.empty());  // IKEv1 SAs are not reported (key_log.h)
  ASSERT_EQ(log.esp.size(), 4u);
  std::map<std::string, int> esp = Tally(log.esp);
  ASSERT_EQ(esp.size(), 2u);
  for (const auto& [row, n] : esp) EXPECT_EQ(n, 2) << row;
}

}  // namespace
}  // namespace tunnelisa::testing
