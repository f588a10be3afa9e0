// File: tunnelisa/syslog.h
//
// SyslogFormatter: RFC 5424 syslog messages, for a host that reports tunnelisa's events to a
// syslog collector (the guide's "Reporting (syslog, traps) for authentication failures and
// other IPSec errors"). It only builds the bytes of one message; the host sends them (one
// message per UDP datagram, RFC 5426, or to a local Unix datagram socket such as /dev/log).
// syslog_events.h turns the engine's events into messages.
//
//   SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]
//   HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
//
// Example:
//   tunnelisa::SyslogFormatter f({.facility = tunnelisa::SyslogFacility::kLocal0,
//                                 .hostname = "gw1.example.net", .app_name = "tunnelisa",
//                                 .procid = "4711"});
//   std::string m = f.Format({.severity = tunnelisa::SyslogSeverity::kWarning,
//                             .time = absl::Now(), .msgid = "auth-failed",
//                             .sd = {{"tunnelisa@32473", {{"peer", "192.0.2.2"}}}},
//                             .msg = "IKE authentication failed"});
//   // <132>1 2026-12-07T07:40:09.123456Z gw1.example.net tunnelisa 4711 auth-failed
//   //     [tunnelisa@32473 peer="192.0.2.2"] IKE authentication failed
//
// Thread safety: Format is const and keeps no state; any thread may call it at any time.
// Control path only (it allocates).
#ifndef TUNNELISA_SYSLOG_H_
#define TUNNELISA_SYSLOG_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace tunnelisa {

// SyslogFacility: RFC 5424 section 6.2.1, table 1 (the numbers are the wire values).
enum class SyslogFacility : uint8_t {
  kKern = 0,
  kUser = 1,
  kDaemon = 3,
  kAuth = 4,
  kAuthPriv = 10,
  kLocal0 = 16,
  kLocal1 = 17,
  kLocal2 = 18,
  kLocal3 = 19,
  kLocal4 = 20,
  kLocal5 = 21,
  kLocal6 = 22,
  kLocal7 = 23,
};

// ParseSyslogFacility: "daemon", "auth", "authpriv", "user" or "local0".."local7"; nullopt
// for anything else.
std::optional<SyslogFacility> ParseSyslogFacility(std::string_view name);

// SyslogSeverity: RFC 5424 section 6.2.1, table 2.
enum class SyslogSeverity : uint8_t {
  kEmergency = 0,
  kAlert = 1,
  kCritical = 2,
  kError = 3,
  kWarning = 4,
  kNotice = 5,
  kInfo = 6,
  kDebug = 7,
};

// SyslogPri: the PRI value, facility * 8 + severity (0..191).
int SyslogPri(SyslogFacility facility, SyslogSeverity severity);

// SyslogParam / SyslogSdElement: one SD-ELEMENT, `[SD-ID PARAM-NAME="value" ...]`. Names are
// cleaned to the SD-NAME characters (an SD-ID or PARAM-NAME left empty drops the element or
// param); values are escaped (SyslogEscapeParamValue).
struct SyslogParam {
  std::string name;
  std::string value;
};
struct SyslogSdElement {
  std::string id;  // e.g. "tunnelisa@32473" (name@private-enterprise-number)
  std::vector<SyslogParam> params;
};

// SyslogMessage: what varies per message. `time` InfinitePast (or out of the years
// 0000..9999) is sent as the NILVALUE; `msgid` "" is the NILVALUE; `sd` empty is the
// NILVALUE; `msg` "" sends no MSG part.
struct SyslogMessage {
  SyslogSeverity severity = SyslogSeverity::kInfo;
  absl::Time time = absl::InfinitePast();
  std::string_view msgid;
  std::vector<SyslogSdElement> sd;
  std::string_view msg;
};

// SyslogFormatter: the fixed part of every message (facility, HOSTNAME, APP-NAME, PROCID)
// and the size limit.
class SyslogFormatter {
 public:
  struct Options {
    SyslogFacility facility = SyslogFacility::kDaemon;
    std::string hostname;                // "" = NILVALUE; else cut to 255 PRINTUSASCII
    std::string app_name = "tunnelisa";  // cut to 48 PRINTUSASCII
    std::string procid;                  // "" = NILVALUE; cut to 128 PRINTUSASCII
    // max_size: the largest message Format returns, in octets; at least kMinMaxSize (smaller
    // values are raised to it). RFC 5424 6.1: receivers "SHOULD be able to accept messages up
    // to and including 2048 octets".
    size_t max_size = 2048;
  };
  // kMinMaxSize: room for the largest HEADER (503 octets) with some SD or MSG.
  static constexpr size_t kMinMaxSize = 512;

  explicit SyslogFormatter(Options options);

  // Format: one complete message, at most max_size octets. An over-long message loses MSG
  // octets first (cut at a UTF-8 character boundary), then SD-PARAMs from the end, then the
  // whole STRUCTURED-DATA (NILVALUE).
  std::string Format(const SyslogMessage& message) const;

  const Options& options() const { return options_; }

 private:
  Options options_;  // cleaned: header fields already valid
};

// SyslogEscapeParamValue: a PARAM-VALUE with '"', '\' and ']' escaped by '\'; bytes that are
// not UTF-8, and control characters, become '?'.
std::string SyslogEscapeParamValue(std::string_view value);

// SyslogTimestamp: `time` as the RFC 5424 TIMESTAMP ("2026-12-07T07:40:09.123456Z"), or "-".
std::string SyslogTimestamp(absl::Time time);

}  // namespace tunnelisa

#endif  // TUNNELISA_SYSLOG_H_
