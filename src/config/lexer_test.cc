#include "config/lexer.h"

#include <string>

#include "gtest/gtest.h"

namespace tunnelisa::config::internal {
namespace {

std::vector<LexedLine> LexAll(std::string_view text, LexerLimits limits = {}) {
  Lexer lexer(text, limits);
  std::vector<LexedLine> lines;
  LexedLine line;
  while (lexer.Next(&line)) lines.push_back(line);
  return lines;
}

TEST(Lexer, WordsQuotesCommentsAndColumns) {
  auto lines = LexAll("  interface \"gre tunnel to cel\" tunnel create  # note\n");
  ASSERT_EQ(lines.size(), 1u);
  const auto& t = lines[0].tokens;
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].text, "interface");
  EXPECT_EQ(t[0].column, 3);
  EXPECT_EQ(t[1].text, "gre tunnel to cel");
  EXPECT_TRUE(t[1].quoted);
  EXPECT_EQ(t[1].column, 13);
  EXPECT_EQ(t[3].text, "create");
}

TEST(Lexer, EscapesInQuotedStrings) {
  auto lines = LexAll(R"(pre-shared-key "a\"b\\c")");
  ASSERT_EQ(lines[0].tokens.size(), 2u);
  EXPECT_EQ(lines[0].tokens[1].text, "a\"b\\c");
}

TEST(Lexer, CrLfAndLineNumbers) {
  auto lines = LexAll("a\r\n\r\nb");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].line, 3);
  EXPECT_EQ(lines[2].tokens[0].text, "b");
  EXPECT_TRUE(lines[1].tokens.empty());
}

TEST(Lexer, UnterminatedQuote) {
  auto lines = LexAll("interface \"abc\n");
  EXPECT_EQ(lines[0].error, "unterminated quoted string");
  EXPECT_EQ(lines[0].error_column, 11);
  EXPECT_TRUE(lines[0].tokens.empty());
}

TEST(Lexer, NulByteAndControlCharacters) {
  std::string text = "ab";
  text += '\0';
  text += "c\nx\x01y\n";
  auto lines = LexAll(text);
  EXPECT_EQ(lines[0].error, "NUL byte");
  EXPECT_EQ(lines[0].error_column, 3);
  EXPECT_EQ(lines[1].error, "control character 0x01");
}

TEST(Lexer, LongLineIsAnErrorNotAHang) {
  std::string text(10 * 1024 * 1024, 'a');
  auto lines = LexAll(text);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].error, "line is 10485760 bytes long; the limit is 65536");
}

TEST(Lexer, TooManyWords) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "w ";
  auto lines = LexAll(text);
  EXPECT_EQ(lines[0].error, "more than 256 words on one line");
}

TEST(Lexer, QuoteMustEndAWord) {
  EXPECT_EQ(LexAll("a\"b\"c")[0].error, "unexpected '\"' inside a word");
  EXPECT_EQ(LexAll("\"b\"c")[0].error, "a quoted string must be followed by a blank");
}

}  // namespace
}  // namespace tunnelisa::config::internal
