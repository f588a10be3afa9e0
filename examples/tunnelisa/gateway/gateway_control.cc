// File: examples/tunnelisa/gateway/gateway_control.cc
//
// The gateway's control requests (control_protocol.h): show, sessions, counters, initiate,
// rekey, config reload, isa fail / recover, metrics.
#include <charconv>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"
#include "examples/tunnelisa/gateway/gateway.h"
#include "tunnelisa/metrics_text.h"

namespace tunnelisa::gateway {
namespace {

constexpr char kRequests[] =
    "requests: show [--json] WORDS... | sessions | counters | initiate SERVICE NAME | "
    "rekey SERVICE NAME child|ike | config reload [FILE] | isa CARD/MDA fail|recover | metrics";

void Row(std::string& out, std::string_view name, uint64_t value) {
  absl::StrAppendFormat(&out, "  %-22s %d\n", name, value);
}

std::string Ago(MonoTime then, MonoTime now) {
  return absl::StrFormat("%.1fs ago", (now - then).seconds());
}

// ParseTunnel: the ipsec-tunnel `SERVICE NAME` of words[1] and words[2]; nullopt when the
// service is not a decimal number.
std::optional<config::TunnelKey> ParseTunnel(const std::vector<std::string>& words) {
  uint32_t service = 0;
  const std::string& id = words[1];
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), service);
  if (ec != std::errc() || end != id.data() + id.size()) return std::nullopt;
  return config::TunnelKey{service, words[2]};
}

}  // namespace

absl::StatusOr<std::string> Gateway::HandleControl(const std::vector<std::string>& words) {
  ++counters_.control_requests;  // the control thread's
  const std::string& verb = words[0];
  if (verb == "show") {
    std::vector<std::string> rest(words.begin() + 1, words.end());
    config::ShowFormat format = config::ShowFormat::kText;
    if (!rest.empty() && rest[0] == "--json") {
      format = config::ShowFormat::kJson;
      rest.erase(rest.begin());
    }
    return engine_->Show(rest, format);
  }
  if (verb == "config") {
    if ((words.size() != 2 && words.size() != 3) || words[1] != "reload") {
      return absl::InvalidArgumentError("usage: config reload [FILE]");
    }
    if (absl::Status s = Reload(words.size() == 3 ? words[2] : ""); !s.ok()) {
      log_.Error(absl::StrFormat("control: configuration not reloaded: %s", s.message()));
      return s;
    }
    return absl::StrFormat("configuration reloaded from %s\n", options_.config_path);
  }
  if (verb == "isa") {
    // A simulated card failure or recovery (Engine::SetIsaHealth): what a host reports when
    // an MS-ISA or the worker serving its slot dies or comes back.
    std::optional<config::IsaSlot> isa;
    if (words.size() == 3 && (words[2] == "fail" || words[2] == "recover")) {
      isa = config::IsaSlot::Parse(words[1]);
    }
    if (!isa) return absl::InvalidArgumentError("usage: isa CARD/MDA fail|recover");
    const bool healthy = words[2] == "recover";
    const MonoTime now = Now();
    absl::Status s = engine_->SetIsaHealth(*isa, healthy, now);
    RefreshTimer(now);  // moved dynamic tunnels started IKE
    if (!s.ok()) return s;
    log_.Info(absl::StrFormat("control: isa %s %s", isa->ToString(), words[2]));
    return absl::StrFormat("ISA %s %s\n", isa->ToString(), healthy ? "recovered" : "failed");
  }
  if (verb == "sessions" && words.size() == 1) return FormatSessions(Now());
  if (verb == "counters" && words.size() == 1) return FormatCounters();
  if (verb == "metrics" && words.size() == 1) return FormatMetrics();
  if (verb == "initiate") {
    std::optional<config::TunnelKey> tunnel;
    if (words.size() == 3) tunnel = ParseTunnel(words);
    if (!tunnel) {
      return absl::InvalidArgumentError("usage: initiate SERVICE NAME (an ipsec-tunnel)");
    }
    const MonoTime now = Now();
    absl::Status s = engine_->Initiate(*tunnel, now);
    RefreshTimer(now);  // IKE armed its retransmission timer
    if (!s.ok()) return s;
    log_.Info(
        absl::StrFormat("control: initiate ipsec-tunnel %d/%s", tunnel->service, tunnel->name));
    return absl::StrFormat("initiating IKE for ipsec-tunnel \"%s\" in service %d\n", tunnel->name,
                           tunnel->service);
  }
  if (verb == "rekey") {
    std::optional<config::TunnelKey> tunnel;
    if (words.size() == 4 && (words[3] == "child" || words[3] == "ike")) {
      tunnel = ParseTunnel(words);
    }
    if (!tunnel) {
      return absl::InvalidArgumentError(
          "usage: rekey SERVICE NAME child|ike (an ipsec-tunnel's CHILD SA or IKE SA)");
    }
    const bool ike = words[3] == "ike";
    const MonoTime now = Now();
    absl::Status s = engine_->Rekey(*tunnel, ike, now);
    RefreshTimer(now);  // IKE armed its retransmission timer
    if (!s.ok()) return s;
    log_.Info(absl::StrFormat("control: rekey %s ipsec-tunnel %d/%s", words[3], tunnel->service,
                              tunnel->name));
    return absl::StrFormat("rekeying the %s SA of ipsec-tunnel \"%s\" in service %d\n",
                           ike ? "IKE" : "CHILD", tunnel->name, tunnel->service);
  }
  return absl::InvalidArgumentError(absl::StrFormat("unknown request '%s'; %s", verb, kRequests));
}

std::string Gateway::FormatCounters() const {
  const EngineCounters c = engine_->counters();
  std::string out = "engine:\n";
  for (const auto& [name, value] : {std::pair{"public-in", c.public_in},
                                    {"private-in", c.private_in},
                                    {"sent-public", c.sent_public},
                                    {"delivered-private", c.delivered_private},
                                    {"consumed", c.consumed},
                                    {"to-control", c.to_control},
                                    {"ike-in", c.ike_in},
                                    {"ike-drops", c.ike_drops},
                                    {"dropped", c.total_drops()}}) {
    Row(out, name, value);
  }
  absl::StrAppendFormat(&out, "engine drops by reason:\n");
  for (size_t i = 1; i < kNumDropReasons; ++i) {
    if (c.drops[i] != 0) Row(out, DropReasonName(static_cast<DropReason>(i)), c.drops[i]);
  }
  out += "gateway:\n";
  for (const auto& [name, field] : GatewayCounters::kFields) {
    uint64_t sum = (counters_.*field).value();
    for (const auto& w : workers_) sum += (WorkerCounters(*w).*field).value();
    Row(out, name, sum);
  }
  if (const SyslogSender* syslog = log_.syslog()) {  // --syslog
    Row(out, "syslog-sent", syslog->sent());
    Row(out, "syslog-errors", syslog->errors());
  }
  return out;
}

std::string Gateway::FormatMetrics() const {
  MetricsText m;
  m.Family("tunnelisa_gateway_events_total", MetricsText::kCounter,
           "What tunnelisa run itself counts (sockets, TUNs, control requests, handoffs), all "
           "threads; `tunnelisa show --control PATH counters` lists the same.");
  for (const auto& [name, field] : GatewayCounters::kFields) {
    uint64_t sum = (counters_.*field).value();
    for (const auto& w : workers_) sum += (WorkerCounters(*w).*field).value();
    m.Sample({{"event", name}}, sum);
  }
  if (metrics_) {
    m.Family("tunnelisa_gateway_scrapes_total", MetricsText::kCounter,
             "HTTP requests to --metrics-listen: served (200), refused (4xx, 5xx), dropped "
             "(timed out or closed early).");
    // This scrape is counted once its answer is sent: it is not in its own figures.
    m.Sample({{"result", "served"}}, metrics_->served());
    m.Sample({{"result", "refused"}}, metrics_->refused());
    m.Sample({{"result", "dropped"}}, metrics_->dropped());
  }
  return engine_->Metrics() + m.Take();
}

std::string Gateway::FormatSessions(MonoTime now) const {
  std::vector<Engine::SessionRecord> sessions = engine_->IkeSessions();
  std::string out = absl::StrFormat("IKE sessions: %d\n", sessions.size());
  for (const Engine::SessionRecord& s : sessions) {
    absl::StrAppendFormat(&out, "%s  service %d  peer %s", s.tunnel, s.service, s.peer.ToString());
    if (!s.peer_id.empty()) absl::StrAppendFormat(&out, "  id \"%s\"", s.peer_id);
    if (!s.user.empty()) absl::StrAppendFormat(&out, "  user \"%s\"", s.user);
    if (s.inner_address) absl::StrAppendFormat(&out, "  inner %s", s.inner_address->ToString());
    absl::StrAppendFormat(&out, "\n  %s\n  setup %s", s.algorithms, Ago(s.setup, now));
    if (s.teardown) {
      absl::StrAppendFormat(&out, ", down %s: %s", Ago(*s.teardown, now), s.teardown_reason);
    } else {
      out += ", up";
    }
    out += "\n";
  }
  return out;
}

}  // namespace tunnelisa::gateway
