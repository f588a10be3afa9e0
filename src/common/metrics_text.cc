// MetricsText: Prometheus' text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
#include "tunnelisa/metrics_text.h"

#include "common/bug.h"
#include "common/str_cat.h"

namespace tunnelisa {
namespace {

bool NameChar(char c, bool first, bool metric) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (alpha || (metric && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

// EscapeHelp: HELP text escapes only backslash and line feed (the format's rule for it).
std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool MetricsText::ValidName(std::string_view name, bool metric) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!NameChar(name[i], i == 0, metric)) return false;
  }
  // Label names starting with "__" are reserved for Prometheus' own use.
  return metric || !name.starts_with("__");
}

std::string MetricsText::EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void MetricsText::Family(std::string_view name, Type type, std::string_view help) {
  current_.clear();
  const bool bad_name = !ValidName(name, /*metric=*/true) ||
                        (type == kCounter) != name.ends_with("_total") || families_.contains(name);
  if (TUNNELISA_BUG_IF(metrics_family_name, bad_name)) return;
  families_.emplace(name);
  current_ = std::string(name);
  StrAppend(text_, "# HELP ", name, " ", EscapeHelp(help), "\n# TYPE ", name, " ",
            type == kCounter ? "counter" : "gauge", "\n");
}

void MetricsText::Sample(std::span<const Label> labels, uint64_t value) {
  if (TUNNELISA_BUG_IF(metrics_sample_without_family, current_.empty())) return;
  std::string line = current_;
  if (!labels.empty()) {
    line += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (TUNNELISA_BUG_IF(metrics_label_name, !ValidName(labels[i].first, /*metric=*/false))) {
        return;
      }
      StrAppend(line, i == 0 ? "" : ",", labels[i].first, "=\"", EscapeLabelValue(labels[i].second),
                "\"");
    }
    line += '}';
  }
  StrAppend(text_, line, " ", value, "\n");
}

void MetricsText::Append(MetricsText&& other) {
  for (const std::string& f : other.families_) {
    if (TUNNELISA_BUG_IF(metrics_family_twice, families_.contains(f))) return;
  }
  families_.merge(other.families_);
  text_ += other.text_;
  current_.clear();
}

}  // namespace tunnelisa
