#include "config/text_table.h"

#include <algorithm>

namespace tunnelisa::config::internal {
namespace {

constexpr size_t kMinWidth = 79;

std::string RuleLine(char c, size_t width) { return std::string(width, c) + "\n"; }

std::string Pad(const std::string& s, size_t width) {
  if (s.size() >= width) return s;
  return s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string TextTable::Render(const std::string& footer) const {
  // One width per column across every line of a record; lines after the first are indented
  // by two spaces, which their first cell's width includes.
  std::vector<size_t> widths;
  auto widen = [&](size_t line, const TableLine& cells) {
    if (widths.size() < cells.size()) widths.resize(cells.size(), 0);
    for (size_t c = 0; c < cells.size(); ++c) {
      size_t len = cells[c].size() + (line > 0 && c == 0 ? 2 : 0);
      widths[c] = std::max(widths[c], len);
    }
  };
  for (size_t l = 0; l < headings_.size(); ++l) widen(l, headings_[l]);
  for (const auto& rec : records_) {
    for (size_t l = 0; l < rec.size(); ++l) widen(l, rec[l]);
  }
  auto format = [&](size_t line, const TableLine& cells) {
    std::string s = line == 0 ? "" : "  ";
    for (size_t c = 0; c < cells.size(); ++c) {
      size_t w = widths[c] - (line > 0 && c == 0 ? 2 : 0);
      s += c + 1 == cells.size() ? cells[c] : Pad(cells[c], w) + "  ";
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::vector<std::string> lines;
  size_t width = kMinWidth;
  for (size_t l = 0; l < headings_.size(); ++l) lines.push_back(format(l, headings_[l]));
  size_t heading_count = lines.size();
  for (const auto& rec : records_) {
    for (size_t l = 0; l < rec.size() && l < headings_.size(); ++l) {
      lines.push_back(format(l, rec[l]));
    }
  }
  for (const std::string& l : lines) width = std::max(width, l.size() - 1);
  std::string out = RuleLine('=', width) + title_ + "\n" + RuleLine('=', width);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i == heading_count) out += RuleLine('-', width);
    out += lines[i];
  }
  if (records_.empty()) {
    out += RuleLine('-', width);
    out += "No entries found.\n";
  }
  out += RuleLine('-', width);
  out += footer + "\n";
  out += RuleLine('=', width);
  return out;
}

std::string DetailBlock::Render() const {
  size_t key_width = 0;
  for (const auto& [k, v] : rows_) {
    if (k != "\x01") key_width = std::max(key_width, k.size());
  }
  std::string body;
  size_t width = kMinWidth;
  std::vector<std::string> lines;
  for (const auto& [k, v] : rows_) {
    if (k == "\x01") {
      lines.push_back("\x01");
      continue;
    }
    lines.push_back(Pad(k, key_width) + " : " + v);
    width = std::max(width, lines.back().size());
  }
  std::string out = RuleLine('=', width) + title_ + "\n" + RuleLine('=', width);
  for (const std::string& l : lines) out += l == "\x01" ? RuleLine('-', width) : l + "\n";
  out += RuleLine('=', width);
  return out;
}

}  // namespace tunnelisa::config::internal
