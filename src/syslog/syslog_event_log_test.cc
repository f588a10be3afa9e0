// SyslogEventLog: every event kind to one message with its MSGID, severity and SD params.
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tunnelisa/syslog_events.h"

namespace tunnelisa {
namespace {

class RecordingSink final : public SyslogSink {
 public:
  void Send(std::string_view m) override { messages.emplace_back(m); }
  std::vector<std::string> messages;
};

class SyslogEventLogTest : public ::testing::Test {
 protected:
  SyslogEventLogTest()
      : log_(SyslogFormatter({.facility = SyslogFacility::kLocal0,
                              .hostname = "gw1",
                              .app_name = "tunnelisa",
                              .procid = "77"}),
             sink_, [] { return absl::FromUnixMicros(1796629209123456); }) {}
  const std::string& Only() {
    EXPECT_EQ(sink_.messages.size(), 1u);
    if (sink_.messages.empty()) sink_.messages.emplace_back();
    return sink_.messages.back();
  }
  static constexpr std::string_view kHead = "1 2026-12-07T07:40:09.123456Z gw1 tunnelisa 77 ";

  RecordingSink sink_;
  SyslogEventLog log_;
};

TEST_F(SyslogEventLogTest, AuthFailedIsAWarningWithPeerAndIdentity) {
  IkeEvent e;
  e.kind = IkeEventKind::kAuthFailed;
  e.tunnel = "ipsec-tunnel 101/to-b";
  e.peer = *IpAddress::Parse("192.0.2.2");
  e.peer_port = 500;
  e.peer_id = "CN=gw \"b\" [lab]";
  e.ike_spi_i = 0x0123456789abcdef;
  e.ike_spi_r = 0xfedcba9876543210;
  e.detail = "AUTH payload does not verify";
  log_.OnIke(e);
  // local0 (16) * 8 + warning (4) = 132.
  EXPECT_EQ(Only(), std::string("<132>") + std::string(kHead) +
                        "auth-failed [tunnelisa@32473 tunnel=\"ipsec-tunnel 101/to-b\" "
                        "peer=\"192.0.2.2\" peer-port=\"500\" peer-id=\"CN=gw \\\"b\\\" "
                        "[lab\\]\" ike-spi-i=\"0123456789abcdef\" ike-spi-r=\"fedcba9876543210\" "
                        "detail=\"AUTH payload does not verify\"] auth-failed "
                        "ipsec-tunnel 101/to-b peer 192.0.2.2: AUTH payload does not verify");
}

TEST_F(SyslogEventLogTest, IkeKindsSeveritiesAndChildSpis) {
  struct Case {
    IkeEventKind kind;
    int pri;
    std::string_view msgid;
  };
  for (const Case& c :
       {Case{IkeEventKind::kIkeUp, 133, "ike-up"}, Case{IkeEventKind::kIkeDown, 133, "ike-down"},
        Case{IkeEventKind::kIkeRekeyed, 134, "ike-rekeyed"},
        Case{IkeEventKind::kChildUp, 133, "child-up"},
        Case{IkeEventKind::kChildDown, 133, "child-down"},
        Case{IkeEventKind::kChildRekeyed, 134, "child-rekeyed"},
        Case{IkeEventKind::kNegotiationFailed, 132, "negotiation-failed"}}) {
    sink_.messages.clear();
    IkeEvent e;
    e.kind = c.kind;
    e.tunnel = "ipsec-gw ra";
    e.peer = *IpAddress::Parse("2001:db8::7");
    e.peer_port = 4500;
    e.child_spi_in = 0xc0000001;
    e.child_spi_out = 0x00abcdef;
    e.user = "alice";
    e.inner_address = *IpAddress::Parse("10.99.0.5");
    log_.OnIke(e);
    const std::string& m = Only();
    // (StrFormat: g++ 12 -O3 sees a false -Wrestrict in "<" + std::to_string(...).)
    EXPECT_TRUE(m.starts_with(absl::StrFormat("<%d>%s%s [tunnelisa@32473 ", c.pri, kHead, c.msgid)))
        << m;
    EXPECT_NE(m.find(" peer=\"2001:db8::7\" peer-port=\"4500\" user=\"alice\" "
                     "inner-address=\"10.99.0.5\" "),
              std::string::npos)
        << m;
    EXPECT_NE(m.find(" spi-in=\"0xc0000001\" spi-out=\"0x00abcdef\"]"), std::string::npos) << m;
  }
}

TEST_F(SyslogEventLogTest, IsaEvents) {
  log_.OnIsa({.kind = IsaEventKind::kIsaFailed,
              .group = 0,
              .card = 1,
              .mda = 2,
              .detail = "control request"});
  EXPECT_EQ(Only(), std::string("<131>") + std::string(kHead) +
                        "isa-failed [tunnelisa@32473 isa=\"1/2\" detail=\"control request\"] "
                        "isa-failed isa 1/2: control request");
  sink_.messages.clear();
  log_.OnIsa({.kind = IsaEventKind::kGroupDown, .group = 1, .detail = "no healthy ISA"});
  EXPECT_EQ(Only(), std::string("<131>") + std::string(kHead) +
                        "group-down [tunnelisa@32473 tunnel-group=\"1\" detail=\"no healthy "
                        "ISA\"] group-down tunnel-group 1: no healthy ISA");
  sink_.messages.clear();
  log_.OnIsa({.kind = IsaEventKind::kIsaActive, .group = 2, .card = 3, .mda = 1});
  EXPECT_EQ(Only(), std::string("<133>") + std::string(kHead) +
                        "isa-active [tunnelisa@32473 tunnel-group=\"2\" isa=\"3/1\"] "
                        "isa-active tunnel-group 2 isa 3/1");
}

TEST_F(SyslogEventLogTest, TunnelDownIsAWarningUpANotice) {
  log_.OnTunnel({.kind = TunnelKind::kGre,
                 .service = 102,
                 .name = "plain-gre",
                 .up = false,
                 .reasons = "tunnel-group 1 is operationally down",
                 .cause = "ISA 1/1 failed"});
  // local0 (16) * 8 + warning (4) = 132.
  EXPECT_EQ(Only(), std::string("<132>") + std::string(kHead) +
                        "tunnel-down [tunnelisa@32473 kind=\"gre-tunnel\" service=\"102\" "
                        "tunnel=\"plain-gre\" reasons=\"tunnel-group 1 is operationally down\" "
                        "cause=\"ISA 1/1 failed\"] gre-tunnel 102/plain-gre down: tunnel-group 1 "
                        "is operationally down (ISA 1/1 failed)");
  sink_.messages.clear();
  log_.OnTunnel({.kind = TunnelKind::kIpsec,
                 .service = 101,
                 .name = "to-b",
                 .up = true,
                 .cause = "configuration applied"});
  EXPECT_EQ(Only(), std::string("<133>") + std::string(kHead) +
                        "tunnel-up [tunnelisa@32473 kind=\"ipsec-tunnel\" service=\"101\" "
                        "tunnel=\"to-b\" cause=\"configuration applied\"] ipsec-tunnel "
                        "101/to-b up (configuration applied)");
  sink_.messages.clear();
  // A name with the characters RFC 5424 6.3.3 escapes in PARAM-VALUE.
  log_.OnTunnel({.kind = TunnelKind::kIpIp, .service = 7, .name = "a\"b]c", .up = true});
  EXPECT_EQ(Only(), std::string("<133>") + std::string(kHead) +
                        "tunnel-up [tunnelisa@32473 kind=\"ip-ip-tunnel\" service=\"7\" "
                        "tunnel=\"a\\\"b\\]c\"] ip-ip-tunnel 7/a\"b]c up");
}

TEST_F(SyslogEventLogTest, SaLifetimeSoftIsInfoHardIsWarning) {
  log_.OnSaLifetime({.spi = 0x1234,
                     .direction = SaDirection::kInbound,
                     .kind = LifetimeKind::kBytes,
                     .hard = false});
  EXPECT_EQ(Only(), std::string("<134>") + std::string(kHead) +
                        "sa-lifetime [tunnelisa@32473 spi=\"0x00001234\" direction=\"inbound\" "
                        "limit=\"soft\" kind=\"bytes\"] SA 0x00001234 inbound reached its soft "
                        "bytes limit");
  sink_.messages.clear();
  log_.OnSaLifetime({.spi = 0xffffffff, .kind = LifetimeKind::kSequence, .hard = true});
  EXPECT_TRUE(Only().starts_with("<132>")) << Only();
  EXPECT_NE(Only().find("limit=\"hard\" kind=\"sequence\""), std::string::npos);
}

TEST_F(SyslogEventLogTest, LogLevelsAndNoSd) {
  log_.Log(LogLevel::kInfo, "configuration applied");
  log_.Log(LogLevel::kWarning, "w");
  log_.Log(LogLevel::kError, "e");
  ASSERT_EQ(sink_.messages.size(), 3u);
  EXPECT_EQ(sink_.messages[0],
            std::string("<134>") + std::string(kHead) + "log - configuration applied");
  EXPECT_TRUE(sink_.messages[1].starts_with("<132>"));
  EXPECT_TRUE(sink_.messages[2].starts_with("<131>"));
}

TEST_F(SyslogEventLogTest, DropReport) {
  log_.ReportDrops({.reason = DropReason::kBadIcv, .packets = 42, .window = Duration::Seconds(10)});
  EXPECT_EQ(Only(), std::string("<132>") + std::string(kHead) +
                        "drops [tunnelisa@32473 reason=\"bad-icv\" packets=\"42\" "
                        "window-ms=\"10000\"] 42 packets dropped: bad-icv (integrity check "
                        "failed) in the last 10.0 s");
}

}  // namespace
}  // namespace tunnelisa
