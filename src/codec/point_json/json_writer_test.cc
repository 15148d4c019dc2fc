#include "codec/point_json/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <limits>
#include <random>

namespace sextant::codec::json {
namespace {

std::string jsonString(std::string_view s) {
  std::string out;
  appendJsonString(s, &out);
  return out;
}

std::string jsonNumber(double v) {
  std::string out;
  appendJsonNumber(v, &out);
  return out;
}

// What simdjson reads back from one JSON value.
simdjson::dom::element parsed(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element e;
  EXPECT_EQ(parser.parse(json).get(e), simdjson::SUCCESS) << json;
  return e;
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(jsonString(""), R"("")");
  EXPECT_EQ(jsonString("plain text"), R"("plain text")");
  EXPECT_EQ(jsonString("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(jsonString("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(jsonString(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(jsonString("\x7f/<>&"), "\"\x7f/<>&\"");  // no escaping needed
}

TEST(JsonWriter, KeepsValidUtf8) {
  EXPECT_EQ(jsonString("é中文😀"), "\"é中文😀\"");
  EXPECT_EQ(jsonString("\xF4\x8F\xBF\xBF"), "\"\xF4\x8F\xBF\xBF\"");  // U+10FFFF
}

TEST(JsonWriter, EscapesLineAndParagraphSeparators) {
  EXPECT_EQ(jsonString("a\u2028b\u2029c"), R"("a\u2028b\u2029c")");
}

TEST(JsonWriter, ReplacesEachInvalidUtf8ByteWithReplacementCharacter) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(jsonString("a\x80z"), "\"a" + r + "z\"");                      // stray continuation
  EXPECT_EQ(jsonString("\xE4\xB8"), "\"" + r + r + "\"");                  // truncated sequence
  EXPECT_EQ(jsonString("\xC0\x80"), "\"" + r + r + "\"");                  // overlong NUL
  EXPECT_EQ(jsonString("\xE0\x80\x80"), "\"" + r + r + r + "\"");          // overlong
  EXPECT_EQ(jsonString("\xED\xA0\x80"), "\"" + r + r + r + "\"");          // surrogate
  EXPECT_EQ(jsonString("\xF4\x90\x80\x80"), "\"" + r + r + r + r + "\"");  // > U+10FFFF
  EXPECT_EQ(jsonString("\xFF"), "\"" + r + "\"");
  EXPECT_EQ(jsonString("ok\xE4\xB8\xAD\xE4"), "\"ok中" + r + "\"");
}

TEST(JsonWriter, AnyBytesMakeValidJson) {
  std::mt19937_64 rng(5);
  simdjson::dom::parser parser;
  for (int i = 0; i < 3000; ++i) {
    std::string s(rng() % 24, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    std::string json = jsonString(s);
    std::string_view back;
    ASSERT_EQ(parsed(parser, json).get(back), simdjson::SUCCESS);
    // Valid UTF-8 (checked by simdjson's validator) comes back unchanged.
    if (simdjson::validate_utf8(s.data(), s.size())) {
      EXPECT_EQ(back, s);
    }
  }
}

TEST(JsonWriter, Numbers) {
  EXPECT_EQ(jsonNumber(1.5), "1.5");
  EXPECT_EQ(jsonNumber(100), "100.0");
  EXPECT_EQ(jsonNumber(0), "0.0");
  EXPECT_EQ(jsonNumber(-0.0), "-0.0");
  EXPECT_EQ(jsonNumber(-2.25), "-2.25");
  EXPECT_EQ(jsonNumber(1e300), "1e+300");
  EXPECT_EQ(jsonNumber(5e-324), "5e-324");
  EXPECT_EQ(jsonNumber(0.1), "0.1");
  EXPECT_EQ(jsonNumber(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(jsonNumber(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(jsonNumber(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonWriter, NumbersReadBackBitForBitAsFloats) {
  std::mt19937_64 rng(9);
  simdjson::dom::parser parser;
  std::vector<double> values = {1.2345678901234568e+20,
                                -9.223372036854777e18,
                                1e21,
                                1e22,
                                DBL_MAX,
                                DBL_MIN,
                                -0.0,
                                123456789.0,
                                4.9e-324};
  for (int i = 0; i < 5000; ++i) {
    double d = std::bit_cast<double>(rng());
    if (std::isfinite(d)) values.push_back(d);
  }
  for (double d : values) {
    std::string json = jsonNumber(d);
    simdjson::dom::element e = parsed(parser, json);
    ASSERT_EQ(e.type(), simdjson::dom::element_type::DOUBLE) << json;
    EXPECT_EQ(std::bit_cast<uint64_t>(e.get_double().value_unsafe()), std::bit_cast<uint64_t>(d))
        << json;
  }
}

TEST(JsonWriter, PutsCommasAndColonsInPlace) {
  std::string out;
  JsonWriter w(&out);
  w.beginObject();
  w.key("a");
  w.integer(-1);
  w.key("b");
  w.beginArray();
  w.unsignedInteger(UINT64_MAX);
  w.boolean(true);
  w.null();
  w.beginObject();
  w.endObject();
  w.beginArray();
  w.endArray();
  w.number(2.5);
  w.endArray();
  w.key("c\"");
  w.string("d");
  w.key("e");
  w.rawValue("{\"x\":1}");
  w.key("i");
  w.integer(INT64_MIN);
  w.endObject();
  EXPECT_EQ(out, R"({"a":-1,"b":[18446744073709551615,true,null,{},[],2.5],"c\"":"d","e":{"x":1},)"
                 R"("i":-9223372036854775808})");
}

TEST(JsonWriter, AppendsToTheOutput) {
  std::string out = "x";
  JsonWriter w(&out);
  w.beginArray();
  w.endArray();
  EXPECT_EQ(out, "x[]");
}

}  // namespace
}  // namespace sextant::codec::json
