#include "pipeline/funcs/strings.h"

#include <gtest/gtest.h>

namespace sextant::pipeline::funcs {
namespace {

TEST(UrlDecode, DecodesEscapesAndPlus) {
  auto r = urlDecode("a%20b+c%2Fd%e4%B8%ad");
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(*r, "a b c/d\xe4\xb8\xad");
  EXPECT_EQ(*urlDecode(""), "");
  EXPECT_EQ(*urlDecode("http%3A%2F%2Fwww.example.com%2F%3Fq%3D1%26x%3Dy"),
            "http://www.example.com/?q=1&x=y");
}

TEST(UrlDecode, BadEscapesAreErrors) {
  for (const char* s : {"%", "%2", "abc%zz", "%g0", "100%"}) {
    auto r = urlDecode(s);
    EXPECT_FALSE(r.isOk()) << s;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(GoDuration, ParsesGoSyntax) {
  EXPECT_EQ(*parseGoDuration("0"), 0);
  EXPECT_EQ(*parseGoDuration("1h2m3.5s"), 3723500000000);
  EXPECT_EQ(*parseGoDuration("-1.5ms"), -1500000);
  EXPECT_EQ(*parseGoDuration("300us"), 300000);
  EXPECT_EQ(*parseGoDuration("300\xc2\xb5s"), 300000);  // U+00B5 micro sign
  EXPECT_EQ(*parseGoDuration("300\xce\xbcs"), 300000);  // U+03BC greek mu
  EXPECT_EQ(*parseGoDuration("+5s"), 5000000000);
  EXPECT_EQ(*parseGoDuration("1ns"), 1);
  EXPECT_EQ(*parseGoDuration(".5s"), 500000000);
  EXPECT_EQ(*parseGoDuration("5.s"), 5000000000);
  EXPECT_EQ(*parseGoDuration("1h1h"), 7200000000000);
  EXPECT_EQ(*parseGoDuration("2562047h47m16.854775807s"), INT64_MAX);
  EXPECT_EQ(*parseGoDuration("-2562047h47m16.854775808s"), INT64_MIN);
}

TEST(GoDuration, RejectsBadInput) {
  for (const char* s : {"", "-", "1", "s", "1x", "1.s.", "..1s", "1 s", "h1", "+", "1sm"}) {
    EXPECT_FALSE(parseGoDuration(s).isOk()) << s;
  }
  EXPECT_EQ(parseGoDuration("2562047h47m16.854775808s").status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(parseGoDuration("9999999999999999999ns").status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(parseGoDuration("3000000h").status().code(), StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace sextant::pipeline::funcs
