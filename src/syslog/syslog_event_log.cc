// SyslogEventLog: the engine's events as RFC 5424 messages (include/tunnelisa/syslog_events.h;
// the catalogue is docs/gateway.md, "Syslog").
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "tunnelisa/syslog_events.h"

namespace tunnelisa {
namespace {

// IkeSeverity: failures are what an operator must see (warning); an SA coming or going is
// significant but normal (notice); rekeys are routine (info).
SyslogSeverity IkeSeverity(IkeEventKind kind) {
  switch (kind) {
    case IkeEventKind::kAuthFailed:
    case IkeEventKind::kNegotiationFailed:
      return SyslogSeverity::kWarning;
    case IkeEventKind::kIkeUp:
    case IkeEventKind::kIkeDown:
    case IkeEventKind::kChildUp:
    case IkeEventKind::kChildDown:
      return SyslogSeverity::kNotice;
    case IkeEventKind::kIkeRekeyed:
    case IkeEventKind::kChildRekeyed:
      return SyslogSeverity::kInfo;
  }
  return SyslogSeverity::kNotice;
}

// IsaSeverity: a failed ISA or a group with no ISA left loses traffic (error); the rest is
// the redundancy doing its job (notice).
SyslogSeverity IsaSeverity(IsaEventKind kind) {
  switch (kind) {
    case IsaEventKind::kIsaFailed:
    case IsaEventKind::kGroupDown:
      return SyslogSeverity::kError;
    case IsaEventKind::kIsaRecovered:
    case IsaEventKind::kIsaActive:
    case IsaEventKind::kIsaStandby:
    case IsaEventKind::kGroupUp:
      return SyslogSeverity::kNotice;
  }
  return SyslogSeverity::kNotice;
}

SyslogSeverity LogSeverity(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return SyslogSeverity::kInfo;
    case LogLevel::kWarning:
      return SyslogSeverity::kWarning;
    case LogLevel::kError:
      return SyslogSeverity::kError;
  }
  return SyslogSeverity::kInfo;
}

}  // namespace

std::string SyslogDropText(const SyslogDropReporter::Report& r) {
  return absl::StrFormat("%d packets dropped: %s (%s) in the last %.1f s", r.packets,
                         DropReasonName(r.reason), DropReasonDescription(r.reason),
                         r.window.seconds());
}

SyslogEventLog::SyslogEventLog(SyslogFormatter formatter, SyslogSink& sink,
                               std::function<absl::Time()> clock)
    : formatter_(std::move(formatter)), sink_(sink), clock_(std::move(clock)) {}

void SyslogEventLog::Emit(SyslogSeverity severity, std::string_view msgid,
                          std::vector<SyslogParam> params, std::string_view msg) {
  SyslogMessage m{.severity = severity,
                  .time = clock_ ? clock_() : absl::Now(),
                  .msgid = msgid,
                  .sd = {},
                  .msg = msg};
  if (!params.empty()) m.sd.push_back({.id = std::string(kSdId), .params = std::move(params)});
  sink_.Send(formatter_.Format(m));
}

void SyslogEventLog::OnIke(const IkeEvent& e) {
  std::vector<SyslogParam> p;
  p.push_back({"tunnel", std::string(e.tunnel)});
  if (e.peer.is_set()) {
    p.push_back({"peer", e.peer.ToString()});
    p.push_back({"peer-port", StrCat(e.peer_port)});
  }
  if (!e.peer_id.empty()) p.push_back({"peer-id", std::string(e.peer_id)});
  if (!e.user.empty()) p.push_back({"user", std::string(e.user)});
  if (e.inner_address.is_set()) p.push_back({"inner-address", e.inner_address.ToString()});
  p.push_back({"ike-spi-i", absl::StrFormat("%016x", e.ike_spi_i)});
  p.push_back({"ike-spi-r", absl::StrFormat("%016x", e.ike_spi_r)});
  if (e.child_spi_in != 0 || e.child_spi_out != 0) {
    p.push_back({"spi-in", absl::StrFormat("0x%08x", e.child_spi_in)});
    p.push_back({"spi-out", absl::StrFormat("0x%08x", e.child_spi_out)});
  }
  if (!e.detail.empty()) p.push_back({"detail", std::string(e.detail)});
  std::string msg = absl::StrFormat("%s %s peer %s", IkeEventKindName(e.kind), e.tunnel,
                                    e.peer.is_set() ? e.peer.ToString() : "unknown");
  if (!e.detail.empty()) StrAppend(msg, ": ", e.detail);
  Emit(IkeSeverity(e.kind), IkeEventKindName(e.kind), std::move(p), msg);
}

void SyslogEventLog::OnIsa(const IsaEvent& e) {
  std::vector<SyslogParam> p;
  std::string msg(IsaEventKindName(e.kind));
  if (e.group != 0) {
    p.push_back({"tunnel-group", StrCat(e.group)});
    StrAppend(msg, " tunnel-group ", e.group);
  }
  if (e.card != 0) {
    p.push_back({"isa", absl::StrFormat("%d/%d", e.card, e.mda)});
    absl::StrAppendFormat(&msg, " isa %d/%d", e.card, e.mda);
  }
  if (!e.detail.empty()) {
    p.push_back({"detail", std::string(e.detail)});
    StrAppend(msg, ": ", e.detail);
  }
  Emit(IsaSeverity(e.kind), IsaEventKindName(e.kind), std::move(p), msg);
}

void SyslogEventLog::OnTunnel(const TunnelEvent& e) {
  std::vector<SyslogParam> p = {{"kind", std::string(TunnelKindName(e.kind))},
                                {"service", StrCat(e.service)},
                                {"tunnel", std::string(e.name)}};
  std::string msg =
      StrCat(TunnelKindName(e.kind), " ", e.service, "/", e.name, e.up ? " up" : " down");
  if (!e.reasons.empty()) {
    p.push_back({"reasons", std::string(e.reasons)});
    StrAppend(msg, ": ", e.reasons);
  }
  if (!e.cause.empty()) {
    p.push_back({"cause", std::string(e.cause)});
    StrAppend(msg, " (", e.cause, ")");
  }
  // A tunnel going down loses its traffic (warning); one coming up is news (notice).
  Emit(e.up ? SyslogSeverity::kNotice : SyslogSeverity::kWarning,
       e.up ? "tunnel-up" : "tunnel-down", std::move(p), msg);
}

void SyslogEventLog::OnSaLifetime(const SaLifetimeEvent& e) {
  const std::string_view limit = e.hard ? "hard" : "soft";
  const std::string_view direction = e.direction == SaDirection::kInbound ? "inbound" : "outbound";
  std::vector<SyslogParam> p = {{"spi", absl::StrFormat("0x%08x", e.spi)},
                                {"direction", std::string(direction)},
                                {"limit", std::string(limit)},
                                {"kind", std::string(LifetimeKindName(e.kind))}};
  // A soft limit starts a rekey (routine); a hard one stops the SA's traffic.
  Emit(e.hard ? SyslogSeverity::kWarning : SyslogSeverity::kInfo, "sa-lifetime", std::move(p),
       absl::StrFormat("SA 0x%08x %s reached its %s %s limit", e.spi, direction, limit,
                       LifetimeKindName(e.kind)));
}

void SyslogEventLog::Log(LogLevel level, std::string_view message) {
  Emit(LogSeverity(level), "log", {}, message);
}

void SyslogEventLog::ReportDrops(const SyslogDropReporter::Report& r) {
  Emit(SyslogSeverity::kWarning, "drops",
       {{"reason", std::string(DropReasonName(r.reason))},
        {"packets", StrCat(r.packets)},
        {"window-ms", StrCat(r.window.ns / 1000000)}},
       SyslogDropText(r));
}

}  // namespace tunnelisa
