#include "tests/test_tools/exposition.h"

#include <cmath>
#include <cstdlib>
#include <set>

namespace tunnelisa::testing {
namespace {

bool ValidName(std::string_view s, bool metric) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (metric && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// ParseLabels: `{a="x",b="y"}` at text[pos] (pos at '{'); advances pos past '}'.
std::optional<std::map<std::string, std::string>> ParseLabels(std::string_view text, size_t& pos,
                                                              std::string& error) {
  std::map<std::string, std::string> labels;
  ++pos;  // '{'
  if (pos < text.size() && text[pos] == '}') {
    ++pos;
    return labels;
  }
  for (;;) {
    size_t eq = text.find('=', pos);
    if (eq == std::string_view::npos) {
      error = "label without '='";
      return std::nullopt;
    }
    std::string name(text.substr(pos, eq - pos));
    if (!ValidName(name, false)) {
      error = "bad label name '" + name + "'";
      return std::nullopt;
    }
    pos = eq + 1;
    if (pos >= text.size() || text[pos] != '"') {
      error = "label value not quoted";
      return std::nullopt;
    }
    ++pos;
    std::string value;
    bool closed = false;
    while (pos < text.size()) {
      char c = text[pos++];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\n') break;
      if (c == '\\') {
        if (pos >= text.size()) break;
        char e = text[pos++];
        if (e == '\\') {
          value += '\\';
        } else if (e == '"') {
          value += '"';
        } else if (e == 'n') {
          value += '\n';
        } else {
          error = std::string("bad escape \\") + e;
          return std::nullopt;
        }
        continue;
      }
      value += c;
    }
    if (!closed) {
      error = "unterminated label value";
      return std::nullopt;
    }
    if (!labels.emplace(name, value).second) {
      error = "label '" + name + "' twice";
      return std::nullopt;
    }
    if (pos < text.size() && text[pos] == ',') {
      ++pos;
      if (pos < text.size() && text[pos] == '}') {  // a trailing comma is allowed
        ++pos;
        return labels;
      }
      continue;
    }
    if (pos < text.size() && text[pos] == '}') {
      ++pos;
      return labels;
    }
    error = "expected ',' or '}' after a label";
    return std::nullopt;
  }
}

}  // namespace

std::optional<double> Exposition::Value(std::string_view name,
                                        const std::map<std::string, std::string>& labels) const {
  for (const ExpositionSample& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return std::nullopt;
}

double Exposition::Sum(std::string_view name,
                       const std::map<std::string, std::string>& match) const {
  double sum = 0;
  for (const ExpositionSample& s : samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [k, v] : match) {
      auto it = s.labels.find(k);
      all = all && it != s.labels.end() && it->second == v;
    }
    if (all) sum += s.value;
  }
  return sum;
}

Exposition ParseExposition(std::string_view text) {
  Exposition out;
  std::string current;           // the family whose samples may follow
  std::set<std::string> closed;  // families whose samples ended
  std::set<std::pair<std::string, std::map<std::string, std::string>>> seen;
  size_t line_no = 0;
  if (!text.empty() && text.back() != '\n') out.errors.push_back("text does not end in a newline");
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    auto fail = [&](const std::string& what) {
      out.errors.push_back("line " + std::to_string(line_no) + ": " + what + ": " +
                           std::string(line));
    };
    if (line.empty()) {
      fail("empty line");
      continue;
    }
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const bool help = line[2] == 'H';
      std::string_view rest = line.substr(7);
      size_t sp = rest.find(' ');
      std::string name(rest.substr(0, sp));
      std::string arg = sp == std::string_view::npos ? "" : std::string(rest.substr(sp + 1));
      if (!ValidName(name, true)) fail("bad metric name");
      if (help) {
        if (out.help.contains(name) || closed.contains(name)) fail("family declared twice");
        if (!current.empty() && current != name) closed.insert(current);
        out.help[name] = arg;
        current = name;
      } else {
        if (current != name || !out.help.contains(name)) fail("TYPE without its HELP before it");
        if (out.types.contains(name)) fail("TYPE twice");
        if (arg != "counter" && arg != "gauge") fail("type is not counter or gauge");
        if (arg == "counter" && !name.ends_with("_total")) fail("counter name without _total");
        out.types[name] = arg;
      }
      continue;
    }
    if (line[0] == '#') {
      fail("comment lines are not written");
      continue;
    }
    ExpositionSample s;
    size_t pos = 0;
    while (pos < line.size() && line[pos] != '{' && line[pos] != ' ') ++pos;
    s.name = std::string(line.substr(0, pos));
    if (!ValidName(s.name, true)) {
      fail("bad metric name");
      continue;
    }
    if (s.name != current || !out.types.contains(s.name)) {
      fail("sample outside its declared family");
      continue;
    }
    if (pos < line.size() && line[pos] == '{') {
      std::string error;
      auto labels = ParseLabels(line, pos, error);
      if (!labels) {
        fail(error);
        continue;
      }
      s.labels = *std::move(labels);
    }
    if (pos >= line.size() || line[pos] != ' ') {
      fail("no blank before the value");
      continue;
    }
    std::string value(line.substr(pos + 1));
    char* endp = nullptr;
    s.value = std::strtod(value.c_str(), &endp);
    if (value.empty() || endp != value.c_str() + value.size() || std::isnan(s.value)) {
      fail("value is not a number");
      continue;
    }
    if (out.types[s.name] == "counter" && s.value < 0) fail("negative counter");
    if (!seen.emplace(s.name, s.labels).second) fail("label set repeated in the family");
    out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace tunnelisa::testing
