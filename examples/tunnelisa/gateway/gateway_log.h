// File: examples/tunnelisa/gateway/gateway_log.h
//
// GatewayLog: the log of `tunnelisa run`: the engine's LogSink and EventListener and the
// gateway's own messages, one line each with a UTC timestamp, to stderr or to a file
// (`--log FILE`, appended). Messages that could repeat per packet (a send error) go through
// WarnOnce so a flood logs one line per kind. With `--syslog` every line and event also goes
// to a syslog collector as an RFC 5424 message (SyslogEventLog, syslog_sender.h); drop
// counters are reported, never single packets (PollDrops).
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_LOG_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_LOG_H_

#include <cstdio>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "examples/tunnelisa/gateway/syslog_sender.h"
#include "tunnelisa/events.h"
#include "tunnelisa/host.h"
#include "tunnelisa/syslog_events.h"

namespace tunnelisa::gateway {

class GatewayLog final : public LogSink, public EventListener {
 public:
  // Open: stderr when `path` is empty, else the file opened for appending.
  static absl::StatusOr<std::unique_ptr<GatewayLog>> Open(const std::string& path);
  ~GatewayLog() override;
  GatewayLog(const GatewayLog&) = delete;
  GatewayLog& operator=(const GatewayLog&) = delete;

  // LogSink (the engine's control-path messages).
  void Log(LogLevel level, std::string_view message) override;
  // EventListener: one line per SA lifetime, IKE, ISA or tunnel event.
  void OnSaLifetime(const SaLifetimeEvent& event) override;
  void OnIke(const IkeEvent& event) override;
  void OnIsa(const IsaEvent& event) override;
  void OnTunnel(const TunnelEvent& event) override;

  void Info(std::string_view message) { Log(LogLevel::kInfo, message); }
  void Warning(std::string_view message) { Log(LogLevel::kWarning, message); }
  void Error(std::string_view message) { Log(LogLevel::kError, message); }
  // Flushing. A line is written to the file as it is logged (a test or an operator tails the
  // log while we run), except on a thread that called DeferFlushOnThisThread: there lines wait
  // in the stdio buffer until that thread calls FlushDeferred, which the gateway's control
  // thread does before it sends a packet, delivers one, answers a control request or waits in
  // poll. So a line is in the file before anything the peer or an operator sees after it, and
  // a handshake's lines (about seven) cost one or two writes instead of one each.
  // Thread-safe (stdio locks each line and flush); the deferral is per thread.
  void DeferFlushOnThisThread();
  void FlushDeferred() {
    if (flush_pending_) FlushPending();
  }

  // WarnOnce: logs `message` the first time `key` is seen, then nothing for that key.
  void WarnOnce(std::string_view key, std::string_view message);

  // EnableSyslog: from now on every line and event also goes to `target` (unix:PATH or
  // udp:ADDRESS:PORT) with `facility`; HOSTNAME is gethostname(), PROCID our pid. Before the
  // gateway starts (not thread-safe against concurrent logging). Errors: a bad target.
  absl::Status EnableSyslog(std::string_view target, SyslogFacility facility);
  // syslog: the sender (its counters), or null without --syslog.
  const SyslogSender* syslog() const { return syslog_sender_.get(); }
  // DropPollDue / PollDrops: the control thread's look at the engine's drop counters, once a
  // second: each report of the SyslogDropReporter (at most one per reason per 10 s) becomes
  // an event line and, with --syslog, a message.
  bool DropPollDue(MonoTime now) const { return now >= next_drop_poll_; }
  void PollDrops(MonoTime now, std::span<const uint64_t, kNumDropReasons> drops);

 private:
  explicit GatewayLog(std::FILE* out, bool owned) : out_(out), owned_(owned) {}
  void Line(std::string_view level, std::string_view message);
  void FlushPending();

  // Per thread: whether lines wait for FlushDeferred, and whether some are waiting.
  static thread_local bool defer_flush_;
  static thread_local bool flush_pending_;

  std::FILE* out_;
  bool owned_;
  std::mutex warned_mutex_;  // worker threads warn too (stdio locks each line itself)
  std::set<std::string, std::less<>> warned_;
  std::unique_ptr<SyslogSender> syslog_sender_;
  std::unique_ptr<SyslogEventLog> syslog_;
  SyslogDropReporter drop_reporter_;
  MonoTime next_drop_poll_;
};

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_GATEWAY_LOG_H_
