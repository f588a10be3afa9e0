// File: tunnelisa/syslog_events.h
//
// The engine's events as RFC 5424 syslog messages (syslog.h), for any host:
//
//  - SyslogSink: where finished messages go (the host's socket: one message per datagram).
//  - SyslogEventLog: an EventListener and LogSink that formats each IKE, ISA, tunnel and
//    SA-lifetime event and each control-path log message into one message with the MSGID of its
//    kind and an SD-ELEMENT [tunnelisa@32473 ...] (32473 is RFC 5612's example enterprise number:
//    tunnelisa has none of its own). The catalogue of MSGIDs, severities and SD params is in
//    docs/gateway.md, "Syslog".
//  - SyslogDropReporter: encryption / decryption errors happen per packet on the workers, so
//    they are never logged per packet: the control thread polls the drop counters
//    (EngineCounters::drops) and the reporter says, at most once per reason per interval,
//    "N packets dropped: REASON in the last S s".
//
// Example (a host with its own socket):
//   class UdpSink final : public tunnelisa::SyslogSink {
//     void Send(std::string_view m) override { send(fd, m.data(), m.size(), MSG_DONTWAIT); }
//   };
//   tunnelisa::SyslogEventLog syslog(tunnelisa::SyslogFormatter({.hostname = "gw1"}), sink);
//   host.events = &syslog;   // or forward to it from the host's own listener
//   host.log = &syslog;
//   tunnelisa::SyslogDropReporter drops;              // 10 s, the ESP error reasons
//   ... every second on the control thread:
//   for (const auto& r : drops.Poll(now, engine.counters().drops)) syslog.ReportDrops(r);
#ifndef TUNNELISA_SYSLOG_EVENTS_H_
#define TUNNELISA_SYSLOG_EVENTS_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "tunnelisa/drop_reason.h"
#include "tunnelisa/events.h"
#include "tunnelisa/host.h"
#include "tunnelisa/syslog.h"
#include "tunnelisa/time.h"

namespace tunnelisa {

// SyslogSink: the host's way to a collector. Send gets one complete message; it must not
// block (a lost message is better than a stalled gateway) and must not call back into the
// Engine. Called from whichever thread called the SyslogEventLog.
class SyslogSink {
 public:
  virtual ~SyslogSink() = default;
  virtual void Send(std::string_view message) = 0;
};

// SyslogDropReporter: the rate limiter for per-packet errors. Control thread only (it keeps
// state); it reads counters, it never sees packets.
//
// Policy: Poll compares each watched reason's counter with the value it last reported. New
// drops of a reason are reported at the first Poll at least `interval` after that reason's
// previous report (at once when the reason has been quiet for an interval), with their count
// and the time since the reason was last quiet or reported. So a flood costs one message per
// reason per interval, and a lone drop is reported within one poll period.
class SyslogDropReporter {
 public:
  using Reasons = std::bitset<kNumDropReasons>;
  // DefaultReasons: the ESP encryption / decryption errors (the guide's "errors during
  // encryption or decryption"): unknown-spi, seq-zero, replayed, left-of-window,
  // bad-esp-length, bad-icv, bad-padding, bad-next-header, malformed-inner,
  // selector-mismatch, sa-expired, seq-exhausted, sa-not-active, crypto-error, wrong-tunnel.
  static Reasons DefaultReasons();
  // AllReasons: every reason but kNone.
  static Reasons AllReasons();

  struct Report {
    DropReason reason = DropReason::kNone;
    uint64_t packets = 0;  // new drops since the last report
    Duration window;       // over this long
  };

  explicit SyslogDropReporter(Duration interval = Duration::Seconds(10),
                              Reasons reasons = DefaultReasons());

  // Poll: `drops` are cumulative counters (EngineCounters::drops). The first Poll only takes
  // the baseline; a counter that went down (a new engine) is a new baseline, not a report.
  // Returns the reports due now, in DropReason order.
  std::vector<Report> Poll(MonoTime now, std::span<const uint64_t, kNumDropReasons> drops);

  Duration interval() const { return interval_; }

 private:
  struct State {
    uint64_t reported = 0;  // the counter's value when last reported (or baselined)
    MonoTime quiet_since;   // start of the window of the drops not yet reported
    MonoTime last_report;   // when this reason was last reported
    bool ever_reported = false;
  };
  Duration interval_;
  Reasons reasons_;
  bool started_ = false;
  std::array<State, kNumDropReasons> state_{};
};

// SyslogEventLog: events and log messages to syslog. Thread safety: every method may be
// called from any thread, concurrently, when the sink allows it (formatting keeps no
// state), so a host can also give it its workers' warnings. Control path: it allocates.
class SyslogEventLog final : public EventListener, public LogSink {
 public:
  // kSdId: the SD-ID of tunnelisa's SD-ELEMENTs (RFC 5424 6.3.2 name@<enterprise number>;
  // 32473 is reserved for documentation by RFC 5612).
  static constexpr std::string_view kSdId = "tunnelisa@32473";

  // `sink` must outlive this. `clock` gives TIMESTAMPs (null: absl::Now()); a test passes a
  // fixed one.
  SyslogEventLog(SyslogFormatter formatter, SyslogSink& sink,
                 std::function<absl::Time()> clock = nullptr);

  void OnSaLifetime(const SaLifetimeEvent& event) override;
  void OnIke(const IkeEvent& event) override;
  void OnIsa(const IsaEvent& event) override;
  // OnTunnel: MSGID "tunnel-up" (notice) / "tunnel-down" (warning).
  void OnTunnel(const TunnelEvent& event) override;
  // Log: MSGID "log", severity info / warning / error by level.
  void Log(LogLevel level, std::string_view message) override;
  // ReportDrops: one SyslogDropReporter report, MSGID "drops", severity warning.
  void ReportDrops(const SyslogDropReporter::Report& report);
  // Emit: a message of the host's own, with `params` in tunnelisa's SD-ELEMENT.
  void Emit(SyslogSeverity severity, std::string_view msgid, std::vector<SyslogParam> params,
            std::string_view msg);

  const SyslogFormatter& formatter() const { return formatter_; }

 private:
  SyslogFormatter formatter_;
  SyslogSink& sink_;
  std::function<absl::Time()> clock_;
};

// SyslogDropText: "N packets dropped: REASON (description) in the last S s", the MSG of a
// drop report (hosts that also log locally use the same words).
std::string SyslogDropText(const SyslogDropReporter::Report& report);

}  // namespace tunnelisa

#endif  // TUNNELISA_SYSLOG_EVENTS_H_
