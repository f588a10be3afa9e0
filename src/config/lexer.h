// File: src/config/lexer.h
//
// Lexer: splits configuration text into lines of words, the way the SR OS CLI reads a script.
// A word is a run of non-blank characters or a double-quoted string (with \" and \\ escapes);
// '#' at the start of a word starts a comment that runs to the end of the line. Internal to
// the config layer; the parser is its only caller.
#ifndef TUNNELISA_SRC_CONFIG_LEXER_H_
#define TUNNELISA_SRC_CONFIG_LEXER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelisa::config::internal {

struct Token {
  std::string text;     // unquoted and unescaped
  int column = 0;       // 1-based byte column of the word's first character (the quote)
  bool quoted = false;  // written as "..."
};

struct LexedLine {
  int line = 0;  // 1-based
  std::vector<Token> tokens;
  // error: empty if the line lexed cleanly; else the message and its column.
  std::string error;
  int error_column = 0;
};

struct LexerLimits {
  size_t max_line_length = 64 * 1024;  // bytes, without the newline
  size_t max_words_per_line = 256;
};

// Lexer: iterates over the lines of `text` (which must outlive it). Never fails as a whole:
// each malformed line carries its own error (NUL byte, control character, unterminated
// quote, line too long, too many words) and no tokens. Linear time in the input size.
class Lexer {
 public:
  explicit Lexer(std::string_view text, LexerLimits limits = {});
  // Next: the next line; false at the end of the input.
  bool Next(LexedLine* out);

 private:
  void LexLine(std::string_view line, LexedLine* out) const;

  std::string_view text_;
  LexerLimits limits_;
  size_t pos_ = 0;
  int line_ = 0;
};

}  // namespace tunnelisa::config::internal

#endif  // TUNNELISA_SRC_CONFIG_LEXER_H_
