// File: tunnelisa/metrics_text.h
//
// MetricsText: writes metrics in Prometheus' text exposition format (version 0.0.4, the
// format a scraper gets with "Content-Type: text/plain; version=0.0.4"):
//
//   # HELP tunnelisa_ipsec_tunnel_packets_total Payload packets through the tunnel.
//   # TYPE tunnelisa_ipsec_tunnel_packets_total counter
//   tunnelisa_ipsec_tunnel_packets_total{service="101",tunnel="to-b",direction="in"} 12
//
// Each metric family is declared once (HELP and TYPE lines) and its samples follow it; label
// values are escaped as the format says (backslash, double quote and line feed become \\, \"
// and \n). Engine::Metrics writes the engine's families with it; a host appends its own
// (`tunnelisa run` adds its socket counters) by continuing the same text.
//
// Example:
//   MetricsText m;
//   m.Family("myhost_rx_packets_total", MetricsText::kCounter, "Packets read.");
//   m.Sample({{"port", "eth0"}}, 42);
//   std::string text = m.Take();
//
// Control path; not thread-safe (one writer per thread).
#ifndef TUNNELISA_METRICS_TEXT_H_
#define TUNNELISA_METRICS_TEXT_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace tunnelisa {

class MetricsText {
 public:
  enum Type { kCounter, kGauge };
  using Label = std::pair<std::string_view, std::string_view>;

  // Family: starts the family `name` (its HELP and TYPE lines); the samples that follow
  // belong to it. A name must match [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in "_total", and
  // a family may be declared once per text: a violation is a programming error
  // (TUNNELISA_BUG, fatal in debug builds; in release the family is skipped with its samples).
  void Family(std::string_view name, Type type, std::string_view help);
  // Sample: one sample of the current family. Label names must match [a-zA-Z_][a-zA-Z0-9_]*
  // (a programming error otherwise, as above); label values may hold anything.
  void Sample(std::span<const Label> labels, uint64_t value);
  void Sample(std::initializer_list<Label> labels, uint64_t value) {
    Sample(std::span<const Label>(labels.begin(), labels.size()), value);
  }
  // Append: adds `other`'s families (a text another writer produced); families declared in
  // both are a programming error as in Family.
  void Append(MetricsText&& other);
  const std::string& text() const { return text_; }
  std::string Take() { return std::move(text_); }

  // EscapeLabelValue: the value as it appears between the quotes of a label.
  static std::string EscapeLabelValue(std::string_view value);
  // ValidName: whether `name` may name a metric (`metric` true) or a label.
  static bool ValidName(std::string_view name, bool metric);

 private:
  std::string text_;
  std::set<std::string, std::less<>> families_;
  std::string current_;  // "" when the current family was refused
};

}  // namespace tunnelisa

#endif  // TUNNELISA_METRICS_TEXT_H_
