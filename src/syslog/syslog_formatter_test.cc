// SyslogFormatter: each RFC 5424 rule it implements, one test each.
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tunnelisa/syslog.h"

namespace tunnelisa {
namespace {

// 2026-12-07T07:40:09.123456Z
const absl::Time kTime = absl::FromUnixMicros(1796629209123456);

SyslogFormatter Formatter(size_t max_size = 2048) {
  return SyslogFormatter({.facility = SyslogFacility::kLocal0,
                          .hostname = "gw1.example.net",
                          .app_name = "tunnelisa",
                          .procid = "4711",
                          .max_size = max_size});
}

TEST(SyslogFormatterTest, WholeMessage) {
  const std::string m = Formatter().Format(
      {.severity = SyslogSeverity::kWarning,
       .time = kTime,
       .msgid = "auth-failed",
       .sd = {{"tunnelisa@32473", {{"tunnel", "ipsec-tunnel 101/to-b"}, {"peer", "192.0.2.2"}}}},
       .msg = "IKE authentication failed"});
  EXPECT_EQ(m,
            "<132>1 2026-12-07T07:40:09.123456Z gw1.example.net tunnelisa 4711 auth-failed "
            "[tunnelisa@32473 tunnel=\"ipsec-tunnel 101/to-b\" peer=\"192.0.2.2\"] "
            "IKE authentication failed");
}

TEST(SyslogFormatterTest, PriIsFacilityTimesEightPlusSeverity) {
  // RFC 5424 6.2.1's own examples: kern/emergency is 0, local4/notice is 165.
  EXPECT_EQ(SyslogPri(SyslogFacility::kKern, SyslogSeverity::kEmergency), 0);
  EXPECT_EQ(SyslogPri(SyslogFacility::kLocal4, SyslogSeverity::kNotice), 165);
  EXPECT_EQ(SyslogPri(SyslogFacility::kDaemon, SyslogSeverity::kError), 27);
  EXPECT_EQ(SyslogPri(SyslogFacility::kLocal7, SyslogSeverity::kDebug), 191);
  // No leading zeros: "<0>", "<8>".
  SyslogFormatter kern({.facility = SyslogFacility::kKern});
  EXPECT_TRUE(kern.Format({.severity = SyslogSeverity::kEmergency}).starts_with("<0>1 "));
  SyslogFormatter user({.facility = SyslogFacility::kUser});
  EXPECT_TRUE(user.Format({.severity = SyslogSeverity::kEmergency}).starts_with("<8>1 "));
}

TEST(SyslogFormatterTest, FacilityNames) {
  EXPECT_EQ(ParseSyslogFacility("daemon"), SyslogFacility::kDaemon);
  EXPECT_EQ(ParseSyslogFacility("auth"), SyslogFacility::kAuth);
  EXPECT_EQ(ParseSyslogFacility("authpriv"), SyslogFacility::kAuthPriv);
  EXPECT_EQ(ParseSyslogFacility("local0"), SyslogFacility::kLocal0);
  EXPECT_EQ(ParseSyslogFacility("local5"), SyslogFacility::kLocal5);
  EXPECT_EQ(ParseSyslogFacility("local7"), SyslogFacility::kLocal7);
  for (const char* bad : {"local8", "local", "LOCAL0", "local00", "", "kern"}) {
    EXPECT_EQ(ParseSyslogFacility(bad), std::nullopt) << bad;
  }
}

TEST(SyslogFormatterTest, NilValues) {
  // No hostname, no procid, no time, no MSGID, no SD, no MSG: every field is "-" and there
  // is no trailing space.
  SyslogFormatter f({.facility = SyslogFacility::kDaemon, .app_name = ""});
  EXPECT_EQ(f.Format({.severity = SyslogSeverity::kInfo}), "<30>1 - - - - - -");
  // An SD-ELEMENT whose SD-ID cleans to nothing is left out, and SD becomes the NILVALUE.
  EXPECT_EQ(f.Format({.severity = SyslogSeverity::kInfo, .sd = {{"\"=] ", {{"a", "b"}}}}}),
            "<30>1 - - - - - -");
}

TEST(SyslogFormatterTest, TimestampUtcMicrosecondsUpperCaseTZ) {
  EXPECT_EQ(SyslogTimestamp(kTime), "2026-12-07T07:40:09.123456Z");
  EXPECT_EQ(SyslogTimestamp(absl::FromUnixSeconds(0)), "1970-01-01T00:00:00.000000Z");
  // Nanoseconds are cut to TIME-SECFRAC's six digits.
  EXPECT_EQ(SyslogTimestamp(absl::FromUnixNanos(1999)), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(SyslogTimestamp(absl::InfinitePast()), "-");
  EXPECT_EQ(SyslogTimestamp(absl::InfiniteFuture()), "-");
  // DATE-FULLYEAR is 4DIGIT: outside 0000..9999 there is no valid TIMESTAMP.
  EXPECT_EQ(SyslogTimestamp(
                absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0), absl::UTCTimeZone())),
            "-");
}

TEST(SyslogFormatterTest, HeaderFieldsArePrintUsAsciiAndCut) {
  SyslogFormatter f({.facility = SyslogFacility::kDaemon,
                     .hostname = "gw one\xC3\xA9",  // a space and a non-ASCII letter
                     .app_name = std::string(60, 'a'),
                     .procid = std::string(200, '7')});
  EXPECT_EQ(f.options().hostname, "gw_one__");
  EXPECT_EQ(f.options().app_name, std::string(48, 'a'));
  EXPECT_EQ(f.options().procid, std::string(128, '7'));
  const std::string m = f.Format({.msgid = std::string(40, 'm') + "\x7f"});
  EXPECT_EQ(m, "<30>1 - gw_one__ " + std::string(48, 'a') + " " + std::string(128, '7') + " " +
                   std::string(32, 'm') + " -");
  // HOSTNAME is cut at 255.
  SyslogFormatter h({.hostname = std::string(300, 'h')});
  EXPECT_EQ(h.options().hostname, std::string(255, 'h'));
}

TEST(SyslogFormatterTest, ParamValueEscaping) {
  EXPECT_EQ(SyslogEscapeParamValue(R"(a"b\c]d)"), R"(a\"b\\c\]d)");
  EXPECT_EQ(SyslogEscapeParamValue("plain [text] = ok"), "plain [text\\] = ok");
  // Control characters and octets that are not UTF-8 become '?'; UTF-8 stays.
  EXPECT_EQ(SyslogEscapeParamValue("a\nb\x01"), "a?b?");
  EXPECT_EQ(SyslogEscapeParamValue("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(SyslogEscapeParamValue("bad\xC3 \xFF \xED\xA0\x80"), "bad? ? ???");
  const std::string m = Formatter().Format({.sd = {{"x@32473", {{"id", R"(CN="a\b]")"}}}}});
  EXPECT_TRUE(m.ends_with(R"( [x@32473 id="CN=\"a\\b\]\""])")) << m;
}

TEST(SyslogFormatterTest, SdNamesLoseExcludedCharactersAndAreCut) {
  const std::string m = Formatter().Format(
      {.sd = {{"my id@32473", {{"a=b", "1"}, {std::string(40, 'n'), "2"}, {"]\"", "3"}}},
              {"second@32473", {}}}});
  EXPECT_TRUE(m.ends_with("[myid@32473 ab=\"1\" " + std::string(32, 'n') + "=\"2\"][second@32473]"))
      << m;
}

TEST(SyslogFormatterTest, MsgBomOnlyForNonAscii) {
  SyslogFormatter f({});
  EXPECT_EQ(f.Format({.msg = "plain"}), "<30>1 - - tunnelisa - - - plain");
  EXPECT_EQ(f.Format({.msg = "user j\xC3\xBCrgen"}),
            "<30>1 - - tunnelisa - - - \xEF\xBB\xBFuser j\xC3\xBCrgen");
  // One line: control characters become '?'.
  EXPECT_EQ(f.Format({.msg = "a\r\nb"}), "<30>1 - - tunnelisa - - - a??b");
}

TEST(SyslogFormatterTest, LongMsgIsCutToMaxSize) {
  SyslogFormatter f = Formatter(600);
  const std::string m = f.Format({.severity = SyslogSeverity::kInfo,
                                  .time = kTime,
                                  .msgid = "log",
                                  .msg = std::string(1000, 'x')});
  EXPECT_EQ(m.size(), 600u);
  EXPECT_TRUE(m.ends_with("xxx"));
  // UTF-8 is cut on a character boundary: the message is shorter rather than broken.
  const std::string prefix =
      "<134>1 2026-12-07T07:40:09.123456Z gw1.example.net tunnelisa 4711 log - \xEF\xBB\xBF";
  std::string two_byte;
  for (int i = 0; i < 400; ++i) two_byte += "\xC3\xA9";
  const std::string u = f.Format({.time = kTime, .msgid = "log", .msg = two_byte});
  ASSERT_TRUE(u.starts_with(prefix)) << u.substr(0, 100);
  EXPECT_LE(u.size(), 600u);
  EXPECT_GE(u.size(), 599u);
  EXPECT_EQ((u.size() - prefix.size()) % 2, 0u);  // whole characters only
}

TEST(SyslogFormatterTest, LongSdLosesParamsFromTheEnd) {
  SyslogFormatter f = Formatter(600);
  const std::string m =
      f.Format({.time = kTime,
                .msgid = "x",
                .sd = {{"a@32473", {{"first", "1"}, {"big", std::string(700, 'v')}}}},
                .msg = "text"});
  EXPECT_EQ(m,
            "<134>1 2026-12-07T07:40:09.123456Z gw1.example.net tunnelisa 4711 x "
            "[a@32473 first=\"1\"] text");
  // With the largest header the SD keeps its bare SD-ID and the MSG what is left.
  SyslogFormatter tiny({.hostname = std::string(255, 'h'),
                        .app_name = std::string(48, 'a'),
                        .procid = std::string(128, 'p'),
                        .max_size = 1});  // raised to kMinMaxSize
  EXPECT_EQ(tiny.options().max_size, SyslogFormatter::kMinMaxSize);
  const std::string t = tiny.Format({.time = kTime,
                                     .msgid = std::string(32, 'm'),
                                     .sd = {{"a@32473", {{"v", std::string(100, 'v')}}}},
                                     .msg = "dropped"});
  EXPECT_LE(t.size(), SyslogFormatter::kMinMaxSize);
  EXPECT_EQ(t.size(), SyslogFormatter::kMinMaxSize);
  EXPECT_TRUE(t.ends_with(std::string(32, 'm') + " [a@32473] d")) << t;
}

}  // namespace
}  // namespace tunnelisa
