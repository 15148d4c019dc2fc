#include "query/dql/lexer.h"

#include <gtest/gtest.h>

#include <vector>

namespace sextant::query::dql {
namespace {

std::vector<Token> lexAll(std::string_view src) {
  Lexer lex(src);
  std::vector<Token> out;
  for (int i = 0; i < 1000; ++i) {
    Token t = lex.next();
    out.push_back(t);
    if (t.kind == Tok::kEnd || t.kind == Tok::kError) break;
  }
  return out;
}

std::vector<Tok> kinds(std::string_view src) {
  std::vector<Tok> out;
  for (const Token& t : lexAll(src)) out.push_back(t.kind);
  return out;
}

TEST(DqlLexer, Punctuation) {
  EXPECT_EQ(kinds(":: : ( ) { } [ ] , . + - * / % ^"),
            (std::vector<Tok>{Tok::kDoubleColon, Tok::kColon, Tok::kLParen, Tok::kRParen,
                              Tok::kLBrace, Tok::kRBrace, Tok::kLBracket, Tok::kRBracket,
                              Tok::kComma, Tok::kDot, Tok::kPlus, Tok::kMinus, Tok::kStar,
                              Tok::kSlash, Tok::kPercent, Tok::kCaret, Tok::kEnd}));
  EXPECT_EQ(kinds("= == != <> < <= > >= =~ !~ && ||"),
            (std::vector<Tok>{Tok::kEq, Tok::kEq, Tok::kNe, Tok::kNe, Tok::kLt, Tok::kLe, Tok::kGt,
                              Tok::kGe, Tok::kRegexEq, Tok::kRegexNe, Tok::kAndAnd, Tok::kOrOr,
                              Tok::kEnd}));
}

TEST(DqlLexer, NumbersAndDurations) {
  auto t = lexAll("42 3.5 5.67E3 1e-3 5m 1h30m 100ms 2us 3ns 1w 1y 1d");
  ASSERT_EQ(t.size(), 13u);
  EXPECT_EQ(t[0].kind, Tok::kInt);
  EXPECT_EQ(t[0].int_value, 42);
  EXPECT_EQ(t[1].kind, Tok::kFloat);
  EXPECT_EQ(t[1].float_value, 3.5);
  EXPECT_EQ(t[2].float_value, 5670.0);
  EXPECT_EQ(t[3].float_value, 0.001);
  EXPECT_EQ(t[4].kind, Tok::kDuration);
  EXPECT_EQ(t[4].int_value, 300'000'000'000);
  EXPECT_EQ(t[5].int_value, 5400'000'000'000);
  EXPECT_EQ(t[6].int_value, 100'000'000);
  EXPECT_EQ(t[7].int_value, 2000);
  EXPECT_EQ(t[8].int_value, 3);
  EXPECT_EQ(t[9].int_value, 7 * 86400'000'000'000);
  EXPECT_EQ(t[10].int_value, 365 * 86400'000'000'000);
  EXPECT_EQ(t[11].int_value, 86400'000'000'000);
  EXPECT_EQ(lexAll("9223372036854775807")[0].int_value, INT64_MAX);
  EXPECT_EQ(lexAll("9223372036854775808")[0].kind, Tok::kError);
  EXPECT_EQ(lexAll("5min")[0].kind, Tok::kError);
  EXPECT_EQ(lexAll("1.5s")[0].kind, Tok::kError);
}

TEST(DqlLexer, ParseDuration) {
  int64_t ns = 0;
  EXPECT_TRUE(parseDuration("1m30s", &ns));
  EXPECT_EQ(ns, 90'000'000'000);
  EXPECT_FALSE(parseDuration("", &ns));
  EXPECT_FALSE(parseDuration("5", &ns));
  EXPECT_FALSE(parseDuration("m", &ns));
  EXPECT_FALSE(parseDuration("5M", &ns));
  EXPECT_FALSE(parseDuration("300y", &ns));  // overflows int64 ns
  EXPECT_TRUE(parseDuration("292y", &ns));
}

TEST(DqlLexer, IdentifiersStringsAndSpecialForms) {
  auto t = lexAll(
      "cpu _a1 使用率 a.b @x.y `by x` 'it\\'s' \"d\\\"q\" re'a+' re\"b\" re`c\\d` "
      "b64'aGk=' #{host} re b64");
  ASSERT_EQ(t.size(), 16u);
  EXPECT_EQ(t[0].kind, Tok::kIdent);
  EXPECT_EQ(t[0].text, "cpu");
  EXPECT_EQ(t[1].text, "_a1");
  EXPECT_EQ(t[2].kind, Tok::kIdent);
  EXPECT_EQ(t[2].text, "使用率");
  EXPECT_EQ(t[3].text, "a.b");
  EXPECT_EQ(t[4].text, "message@json.x.y");
  EXPECT_EQ(t[5].kind, Tok::kQuotedIdent);
  EXPECT_EQ(t[5].text, "by x");
  EXPECT_EQ(t[6].kind, Tok::kString);
  EXPECT_EQ(t[6].text, "it's");
  EXPECT_EQ(t[7].text, "d\"q");
  EXPECT_EQ(t[8].kind, Tok::kRegex);
  EXPECT_EQ(t[8].text, "a+");
  EXPECT_EQ(t[9].text, "b");
  EXPECT_EQ(t[10].text, "c\\d");  // backticks take no escapes
  EXPECT_EQ(t[11].kind, Tok::kString);
  EXPECT_EQ(t[11].text, "hi");
  EXPECT_EQ(t[12].kind, Tok::kVar);
  EXPECT_EQ(t[12].text, "host");
  EXPECT_EQ(t[13].kind, Tok::kIdent);  // `re` not followed by a quote is a name
  EXPECT_EQ(t[14].text, "b64");
}

TEST(DqlLexer, CommentsAndPositions) {
  auto t = lexAll("# comment\n  cpu # more\n\tx");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].text, "cpu");
  EXPECT_EQ(t[0].pos.line, 2u);
  EXPECT_EQ(t[0].pos.col, 3u);
  EXPECT_EQ(t[1].text, "x");
  EXPECT_EQ(t[1].pos.line, 3u);
  EXPECT_EQ(t[1].pos.col, 2u);
  // A token after a multi-line string is on the right line.
  auto s = lexAll("'a\nb' c");
  EXPECT_EQ(s[1].pos.line, 2u);
  EXPECT_EQ(s[1].pos.col, 4u);
}

TEST(DqlLexer, Errors) {
  EXPECT_EQ(lexAll("'abc")[0].text, "1:1: unterminated string");
  EXPECT_EQ(lexAll("  `abc")[0].text, "1:3: unterminated `quoted name`");
  EXPECT_EQ(lexAll("x $")[1].text, "1:3: unexpected character '$'");
  EXPECT_EQ(lexAll("\x01")[0].text, "1:1: unexpected character '\\x01'");
  EXPECT_EQ(lexAll("#{a")[0].text, "1:1: unterminated variable '#{'");
  EXPECT_EQ(lexAll("b64'***'")[0].text, "1:1: invalid base64 string");
}

}  // namespace
}  // namespace sextant::query::dql
