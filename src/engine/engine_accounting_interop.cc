// RADIUS accounting through the engine against a real server: Debian's freeradius, which
// tests/radius/run_freeradius_test.sh (case engine-accounting) starts on loopback and points
// this test at through the environment:
//   TUNNELISA_RADIUS_ACCT    "127.0.0.1:ACCT_PORT:SECRET": the server's accounting port
//   TUNNELISA_RADIUS_DETAIL  the detail file its `detail` module writes the records to
// Router B (the ipsec-gw with radius-accounting-policy "acct") sends over a real UDP socket;
// an IKEv2 remote-access client comes up, sends bursts, rekeys and leaves; the records the
// server wrote are then read back from the detail file. Without the environment the test
// skips (it is not a unit test: ctest runs it only through the script).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "engine/engine_accounting_test_util.h"
#include "gtest/gtest.h"

namespace tunnelisa::testing {
namespace {

// UdpRadius: the host's RADIUS transport: one UDP socket on 127.0.0.1.
class UdpRadius final : public radius::RadiusTransport {
 public:
  UdpRadius() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  }
  ~UdpRadius() override { close(fd_); }
  void Send(const radius::RadiusServerAddress& to, std::span<const uint8_t> datagram) override {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(to.port);
    std::memcpy(&a.sin_addr, to.address.bytes(), 4);
    (void)sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&a),
                 sizeof(a));
  }
  // Receive: waits (at most `wait_ms`) for one datagram and hands it to `engine`.
  bool Receive(Engine& engine, MonoTime now, int wait_ms) {
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, wait_ms) <= 0) return false;
    std::vector<uint8_t> buffer(4096);
    sockaddr_in from{};
    socklen_t len = sizeof(from);
    const ssize_t n =
        recvfrom(fd_, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) return false;
    buffer.resize(static_cast<size_t>(n));
    engine.OnRadiusDatagram(
        {.address = IpAddress::V4Bytes(reinterpret_cast<uint8_t*>(&from.sin_addr)),
         .port = ntohs(from.sin_port)},
        buffer, now);
    return true;
  }

 private:
  int fd_ = -1;
};

// DetailRecords: freeradius's detail file as records (blank-line separated), each its
// "Attribute = value" lines (quotes removed).
std::vector<std::map<std::string, std::string>> DetailRecords(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::vector<std::map<std::string, std::string>> out;
  for (absl::string_view record : absl::StrSplit(s.str(), "\n\n", absl::SkipWhitespace())) {
    std::map<std::string, std::string> attrs;
    for (absl::string_view line : absl::StrSplit(record, '\n')) {
      const size_t eq = line.find(" = ");
      if (eq == absl::string_view::npos) continue;
      std::string key(absl::StripAsciiWhitespace(line.substr(0, eq)));
      std::string value(absl::StripAsciiWhitespace(line.substr(eq + 3)));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      attrs[key] = value;
    }
    out.push_back(std::move(attrs));
  }
  return out;
}

TEST(AccountingInterop, FreeradiusRecordsStartInterimAndStopWithTheCounters) {
  const char* server = std::getenv("TUNNELISA_RADIUS_ACCT");
  const char* detail = std::getenv("TUNNELISA_RADIUS_DETAIL");
  if (server == nullptr || detail == nullptr) {
    GTEST_SKIP() << "TUNNELISA_RADIUS_ACCT / TUNNELISA_RADIUS_DETAIL not set (run by "
                    "tests/radius/run_freeradius_test.sh)";
  }
  std::vector<std::string> parts = absl::StrSplit(server, ':');
  ASSERT_EQ(parts.size(), 3u) << server;
  const int acct_port = std::atoi(parts[1].c_str());
  UdpRadius transport;
  EngineOptions options;
  options.host.radius = &transport;
  RouterPair pair(
      AccountingClientConfig(),
      AccountingGateway("no shutdown", "address " + parts[0] + " secret \"" + parts[2] + "\"",
                        "      acct-port " + std::to_string(acct_port) + "\n" + "      auth-port " +
                            std::to_string(acct_port - 1) + "\n"),
      At(0), &options);
  Engine& gw = *pair.b().engine;
  // Answered: waits (real time, at most 10 s) until `n` records were acknowledged.
  auto answered = [&](uint64_t n, MonoTime now) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (gw.accounting_counters().responses < n && std::chrono::steady_clock::now() < until) {
      transport.Receive(gw, now, 100);
    }
    return gw.accounting_counters().responses >= n;
  };

  pair.Pump(At(0));
  ASSERT_EQ(pair.b().events.Count(IkeEventKind::kChildUp), 1u);
  ASSERT_TRUE(answered(1, At(0)));
  ASSERT_TRUE(AccountingBursts(pair, At(10), 3));
  gw.OnTimer(At(300));  // update-interval 5
  ASSERT_TRUE(answered(2, At(300)));
  ASSERT_TRUE(pair.a().engine->Rekey(kIpsec, /*ike=*/false, At(310)).ok());
  pair.Pump(At(310));
  ASSERT_TRUE(AccountingBursts(pair, At(320), 2));
  pair.a().engine->Shutdown(At(400));
  pair.Pump(At(400));
  ASSERT_TRUE(answered(3, At(400)));
  const AccountingCounters c = gw.accounting_counters();
  EXPECT_EQ(c.starts + c.interims + c.stops, 3u);
  EXPECT_EQ(c.timeouts, 0u);

  std::vector<std::map<std::string, std::string>> records = DetailRecords(detail);
  ASSERT_EQ(records.size(), 3u) << "records in " << detail;
  const std::vector<std::string> types = {"Start", "Interim-Update", "Stop"};
  const std::string id = records[0]["Acct-Session-Id"];
  EXPECT_EQ(id.size(), 16u);
  for (size_t k = 0; k < 3; ++k) {
    std::map<std::string, std::string>& r = records[k];
    SCOPED_TRACE(types[k]);
    EXPECT_EQ(r["Acct-Status-Type"], types[k]);
    EXPECT_EQ(r["Acct-Session-Id"], id);
    EXPECT_EQ(r["User-Name"], "alice.example.com");
    EXPECT_EQ(r["Framed-IP-Address"], "10.9.0.10");
    EXPECT_EQ(r["NAS-Identifier"], "gw-b");
    EXPECT_EQ(r["Calling-Station-Id"], "1.1.1.2");
    EXPECT_EQ(r["Called-Station-Id"], "2.2.2.2");
    EXPECT_EQ(r["NAS-Port-Type"], "Virtual");
    EXPECT_EQ(r["Service-Type"], "Framed-User");
    EXPECT_EQ(r["Acct-Authentic"], "RADIUS");
  }
  EXPECT_EQ(records[0].count("Acct-Input-Octets"), 0u);
  EXPECT_EQ(records[1]["Acct-Input-Packets"], "24");
  EXPECT_EQ(records[1]["Acct-Output-Packets"], "24");
  EXPECT_EQ(records[1]["Acct-Input-Octets"], std::to_string(3 * kUpOctetsPerRound));
  EXPECT_EQ(records[1]["Acct-Output-Octets"], std::to_string(3 * kDownOctetsPerRound));
  EXPECT_EQ(records[1]["Acct-Input-Gigawords"], "0");
  EXPECT_EQ(records[1]["Acct-Session-Time"], "300");
  EXPECT_EQ(records[2]["Acct-Input-Packets"], "40");
  EXPECT_EQ(records[2]["Acct-Output-Packets"], "40");
  EXPECT_EQ(records[2]["Acct-Input-Octets"], std::to_string(5 * kUpOctetsPerRound));
  EXPECT_EQ(records[2]["Acct-Output-Octets"], std::to_string(5 * kDownOctetsPerRound));
  EXPECT_EQ(records[2]["Acct-Session-Time"], "400");
  EXPECT_EQ(records[2]["Acct-Terminate-Cause"], "User-Request");
  std::printf("detail: 3 records of session %s match\n", id.c_str());
}

}  // namespace
}  // namespace tunnelisa::testing
