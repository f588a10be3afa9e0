#include "config/lexer.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace tunnelisa::config::internal {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// IsBadControl: control characters other than tab (and the CR of a CRLF ending, which the
// caller strips), and DEL.
bool IsBadControl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

std::string DescribeByte(unsigned char c) {
  if (c == 0) return "NUL byte";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "control character 0x";
  s += kHex[c >> 4];
  s += kHex[c & 15];
  return s;
}

}  // namespace

Lexer::Lexer(std::string_view text, LexerLimits limits) : text_(text), limits_(limits) {}

bool Lexer::Next(LexedLine* out) {
  if (pos_ >= text_.size()) return false;
  const char* start = text_.data() + pos_;
  const void* nl = std::memchr(start, '\n', text_.size() - pos_);
  size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : text_.size() - pos_;
  std::string_view line(start, len);
  pos_ += len + (nl ? 1 : 0);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++line_;
  out->line = line_;
  out->tokens.clear();
  out->error.clear();
  out->error_column = 0;
  if (line.size() > limits_.max_line_length) {
    out->error = absl::StrCat("line is ", line.size(), " bytes long; the limit is ",
                              limits_.max_line_length);
    out->error_column = static_cast<int>(limits_.max_line_length) + 1;
    return true;
  }
  LexLine(line, out);
  if (!out->error.empty()) out->tokens.clear();
  return true;
}

void Lexer::LexLine(std::string_view line, LexedLine* out) const {
  size_t i = 0;
  const size_t n = line.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (IsBlank(line[i])) {
      ++i;
      continue;
    }
    if (IsBadControl(c)) {
      out->error = DescribeByte(c);
      out->error_column = static_cast<int>(i) + 1;
      return;
    }
    if (line[i] == '#') return;  // comment to the end of the line
    if (out->tokens.size() >= limits_.max_words_per_line) {
      out->error = absl::StrCat("more than ", limits_.max_words_per_line, " words on one line");
      out->error_column = static_cast<int>(i) + 1;
      return;
    }
    Token tok;
    tok.column = static_cast<int>(i) + 1;
    if (line[i] == '"') {
      tok.quoted = true;
      size_t j = i + 1;
      bool closed = false;
      while (j < n) {
        unsigned char d = static_cast<unsigned char>(line[j]);
        if (line[j] == '"') {
          closed = true;
          break;
        }
        if (IsBadControl(d)) {
          out->error = DescribeByte(d) + " inside a quoted string";
          out->error_column = static_cast<int>(j) + 1;
          return;
        }
        if (line[j] == '\\' && j + 1 < n && (line[j + 1] == '"' || line[j + 1] == '\\')) {
          tok.text += line[j + 1];
          j += 2;
          continue;
        }
        tok.text += line[j];
        ++j;
      }
      if (!closed) {
        out->error = "unterminated quoted string";
        out->error_column = tok.column;
        return;
      }
      i = j + 1;
      if (i < n && !IsBlank(line[i])) {
        out->error = "a quoted string must be followed by a blank";
        out->error_column = static_cast<int>(i) + 1;
        return;
      }
    } else {
      size_t j = i;
      while (j < n && !IsBlank(line[j])) {
        unsigned char d = static_cast<unsigned char>(line[j]);
        if (IsBadControl(d)) {
          out->error = DescribeByte(d);
          out->error_column = static_cast<int>(j) + 1;
          return;
        }
        if (line[j] == '"') {
          out->error = "unexpected '\"' inside a word";
          out->error_column = static_cast<int>(j) + 1;
          return;
        }
        ++j;
      }
      tok.text.assign(line.substr(i, j - i));
      i = j;
    }
    out->tokens.push_back(std::move(tok));
  }
}

}  // namespace tunnelisa::config::internal
