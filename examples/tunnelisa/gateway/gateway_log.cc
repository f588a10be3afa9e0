// File: examples/tunnelisa/gateway/gateway_log.cc
#include "examples/tunnelisa/gateway/gateway_log.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"

namespace tunnelisa::gateway {
namespace {

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayLog>> GatewayLog::Open(const std::string& path) {
  if (path.empty()) return std::unique_ptr<GatewayLog>(new GatewayLog(stderr, false));
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot open log file %s: %s", path, std::strerror(errno)));
  }
  return std::unique_ptr<GatewayLog>(new GatewayLog(f, true));
}

GatewayLog::~GatewayLog() {
  if (owned_) std::fclose(out_);
}

void GatewayLog::Line(std::string_view level, std::string_view message) {
  // Wall-clock time for people reading the log (the engine itself only sees monotonic time).
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::fprintf(out_, "%s.%03ldZ %.*s: %.*s\n", stamp, ts.tv_nsec / 1000000,
               static_cast<int>(level.size()), level.data(), static_cast<int>(message.size()),
               message.data());
  if (defer_flush_) {
    flush_pending_ = true;  // FlushDeferred writes it before this thread's next output or wait
  } else {
    std::fflush(out_);  // one line at a time: a test or an operator tails the log while we run
  }
}

thread_local bool GatewayLog::defer_flush_ = false;
thread_local bool GatewayLog::flush_pending_ = false;

void GatewayLog::DeferFlushOnThisThread() { defer_flush_ = true; }

void GatewayLog::FlushPending() {
  flush_pending_ = false;
  std::fflush(out_);
}

void GatewayLog::Log(LogLevel level, std::string_view message) {
  Line(LevelName(level), message);
  if (syslog_) syslog_->Log(level, message);
}

absl::Status GatewayLog::EnableSyslog(std::string_view target, SyslogFacility facility) {
  // The sender's own failure is logged here only: sending it to the collector that just
  // failed would not help.
  absl::StatusOr<std::unique_ptr<SyslogSender>> sender =
      SyslogSender::Open(target, [this](const std::string& m) { Line("warning", m); });
  if (!sender.ok()) return sender.status();
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  syslog_sender_ = *std::move(sender);
  syslog_ =
      std::make_unique<SyslogEventLog>(SyslogFormatter({.facility = facility,
                                                        .hostname = host,
                                                        .app_name = "tunnelisa",
                                                        .procid = absl::StrFormat("%d", getpid())}),
                                       *syslog_sender_);
  return absl::OkStatus();
}

void GatewayLog::PollDrops(MonoTime now, std::span<const uint64_t, kNumDropReasons> drops) {
  next_drop_poll_ = now + Duration::Seconds(1);
  for (const SyslogDropReporter::Report& r : drop_reporter_.Poll(now, drops)) {
    Line("event", SyslogDropText(r));
    if (syslog_) syslog_->ReportDrops(r);
  }
}

void GatewayLog::WarnOnce(std::string_view key, std::string_view message) {
  {
    std::lock_guard<std::mutex> lock(warned_mutex_);
    if (warned_.find(key) != warned_.end()) return;
    warned_.emplace(key);
  }
  Warning(message);
}

void GatewayLog::OnSaLifetime(const SaLifetimeEvent& e) {
  Line("event",
       absl::StrFormat("sa-lifetime %s %s limit: spi 0x%08x %s, cookie %d",
                       e.hard ? "hard" : "soft", LifetimeKindName(e.kind), e.spi,
                       e.direction == SaDirection::kInbound ? "inbound" : "outbound", e.cookie));
  if (syslog_) syslog_->OnSaLifetime(e);
}

void GatewayLog::OnIke(const IkeEvent& e) {
  std::string line = absl::StrFormat("ike %s %s peer %s:%d", IkeEventKindName(e.kind), e.tunnel,
                                     e.peer.ToString(), e.peer_port);
  if (!e.peer_id.empty()) absl::StrAppendFormat(&line, " id \"%s\"", e.peer_id);
  absl::StrAppendFormat(&line, " ike-spi %016x/%016x", e.ike_spi_i, e.ike_spi_r);
  if (e.child_spi_in != 0 || e.child_spi_out != 0) {
    absl::StrAppendFormat(&line, " child-spi in 0x%08x out 0x%08x", e.child_spi_in,
                          e.child_spi_out);
  }
  if (!e.detail.empty()) absl::StrAppendFormat(&line, ": %s", e.detail);
  Line("event", line);
  if (syslog_) syslog_->OnIke(e);
}

void GatewayLog::OnTunnel(const TunnelEvent& e) {
  std::string line = absl::StrFormat("tunnel %s %d/%s %s", TunnelKindName(e.kind), e.service,
                                     e.name, e.up ? "up" : "down");
  if (!e.reasons.empty()) absl::StrAppendFormat(&line, ": %s", e.reasons);
  if (!e.cause.empty()) absl::StrAppendFormat(&line, " (%s)", e.cause);
  Line("event", line);
  if (syslog_) syslog_->OnTunnel(e);
}

void GatewayLog::OnIsa(const IsaEvent& e) {
  std::string line = absl::StrFormat("isa %s", IsaEventKindName(e.kind));
  if (e.group != 0) absl::StrAppendFormat(&line, " tunnel-group %d", e.group);
  if (e.card != 0) absl::StrAppendFormat(&line, " isa %d/%d", e.card, e.mda);
  if (!e.detail.empty()) absl::StrAppendFormat(&line, ": %s", e.detail);
  Line("event", line);
  if (syslog_) syslog_->OnIsa(e);
}

}  // namespace tunnelisa::gateway
