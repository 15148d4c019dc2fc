#include "query/promql/text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sextant::query::promql {
namespace {

TEST(PromqlText, GoFormatFloat) {
  // fmt.Sprint(float64) outputs, as Go prints them.
  EXPECT_EQ(goFormatFloat(0), "0");
  EXPECT_EQ(goFormatFloat(1), "1");
  EXPECT_EQ(goFormatFloat(-1.5), "-1.5");
  EXPECT_EQ(goFormatFloat(0.1), "0.1");
  EXPECT_EQ(goFormatFloat(100000), "100000");
  EXPECT_EQ(goFormatFloat(999999), "999999");
  EXPECT_EQ(goFormatFloat(1e6), "1e+06");
  EXPECT_EQ(goFormatFloat(1.5e7), "1.5e+07");
  EXPECT_EQ(goFormatFloat(123456789), "1.23456789e+08");
  EXPECT_EQ(goFormatFloat(1e21), "1e+21");
  EXPECT_EQ(goFormatFloat(1e100), "1e+100");
  EXPECT_EQ(goFormatFloat(0.0001), "0.0001");
  EXPECT_EQ(goFormatFloat(0.00001), "1e-05");
  EXPECT_EQ(goFormatFloat(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(goFormatFloat(5e-324), "5e-324");
  EXPECT_EQ(goFormatFloat(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(goFormatFloat(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(goFormatFloat(std::nan("")), "NaN");
  EXPECT_EQ(goFormatFloat(-0.0), "-0");
}

TEST(PromqlText, GoQuote) {
  EXPECT_EQ(goQuote(""), "\"\"");
  EXPECT_EQ(goQuote("abc"), "\"abc\"");
  EXPECT_EQ(goQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(goQuote("\n\t\r\a\b\f\v"), "\"\\n\\t\\r\\a\\b\\f\\v\"");
  EXPECT_EQ(goQuote(std::string_view("\0\x1f\x7f", 3)), "\"\\x00\\x1f\\x7f\"");
  EXPECT_EQ(goQuote("\xff"), "\"\\xff\"");
  EXPECT_EQ(goQuote("\xc3\xa9"), "\"\xc3\xa9\"");             // é is printable
  EXPECT_EQ(goQuote("\xc2\xa0"), "\"\\u00a0\"");              // NBSP is not
  EXPECT_EQ(goQuote("\xe2\x80\x8b"), "\"\\u200b\"");          // zero-width space
  EXPECT_EQ(goQuote("\xf3\xa0\x80\x81"), "\"\\U000e0001\"");  // language tag
  EXPECT_EQ(goQuote("\xef\xbf\xbd"), "\"\xef\xbf\xbd\"");     // U+FFFD itself
  EXPECT_EQ(goQuoteRune('x'), "'x'");
  EXPECT_EQ(goQuoteRune('\''), "'\\''");
  EXPECT_EQ(goQuoteRune('\n'), "'\\n'");
  EXPECT_EQ(goQuoteRune(-1), "'\xef\xbf\xbd'");
  EXPECT_EQ(goFormatRuneU('q'), "U+0071 'q'");
  EXPECT_EQ(goFormatRuneU(7), "U+0007");
}

TEST(PromqlText, Unquote) {
  EXPECT_EQ(unquote("\"a\\nb\""), "a\nb");
  EXPECT_EQ(unquote("'a\\'b'"), "a'b");
  EXPECT_EQ(unquote("\"\\x41\\101\\u00e9\\U0001F600\""), "AA\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(unquote("`a\\nb`"), "a\\nb");
  EXPECT_EQ(unquote("\"\\xff\""), "\xff");
  EXPECT_EQ(unquote("\"a"), std::nullopt);
  EXPECT_EQ(unquote("\"\\q\""), std::nullopt);
  EXPECT_EQ(unquote("'\\\"'"), std::nullopt);
}

TEST(PromqlText, Durations) {
  std::string err;
  EXPECT_EQ(parseDuration("5m", &err), 5 * 60 * 1000);
  EXPECT_EQ(parseDuration("1h30m", &err), 90 * 60 * 1000);
  EXPECT_EQ(parseDuration("100ms", &err), 100);
  EXPECT_EQ(parseDuration("1m5ms", &err), 60 * 1000 + 5);
  EXPECT_EQ(parseDuration("1y", &err), 365LL * 86400 * 1000);
  EXPECT_EQ(parseDuration("2w", &err), 14LL * 86400 * 1000);
  EXPECT_EQ(parseDuration("0", &err), 0);
  EXPECT_EQ(parseDuration("0s", &err), 0);
  EXPECT_EQ(parseDuration("1y1w1d1h1m1s1ms", &err),
            ((((365LL + 7 + 1) * 24 + 1) * 60 + 1) * 60 + 1) * 1000 + 1);
  EXPECT_EQ(parseDuration("5", &err), std::nullopt);
  EXPECT_EQ(err, "not a valid duration string: \"5\"");
  EXPECT_EQ(parseDuration("1s1m", &err), std::nullopt);
  EXPECT_EQ(parseDuration("", &err), std::nullopt);
  EXPECT_EQ(err, "empty duration string");
  EXPECT_EQ(parseDuration("300y", &err), std::nullopt);
  EXPECT_EQ(err, "duration out of range");
  EXPECT_EQ(parseDuration("292y", &err), 292LL * 365 * 86400 * 1000);

  EXPECT_EQ(formatDuration(0), "0s");
  EXPECT_EQ(formatDuration(90 * 60 * 1000), "1h30m");
  EXPECT_EQ(formatDuration(7LL * 86400 * 1000), "1w");
  EXPECT_EQ(formatDuration(8LL * 86400 * 1000), "8d");
  EXPECT_EQ(formatDuration(365LL * 86400 * 1000), "1y");
  EXPECT_EQ(formatDuration(366LL * 86400 * 1000), "366d");
  EXPECT_EQ(formatDuration(1500), "1s500ms");
  EXPECT_EQ(formatDuration(1), "1ms");
}

}  // namespace
}  // namespace sextant::query::promql
