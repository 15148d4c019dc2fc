#include "model/check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "model/testing/random_points.h"

namespace sextant::model {

void PrintTo(const Warning& w, std::ostream* os) { *os << w.type << ": " << w.message; }

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Outcome {
  Point point;
  std::vector<Warning> warnings;
  Status status;

  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const Warning& w : warnings) out.push_back(w.type);
    return out;
  }
};

Outcome run(Point p, const CheckOptions& opts = {}) {
  Outcome o;
  o.status = normalize(p, opts, &o.warnings);
  o.point = std::move(p);
  return o;
}

Point point(Category c, std::string measurement, std::vector<Tag> tags, std::vector<Field> fields) {
  Point p;
  p.category = c;
  p.measurement = std::move(measurement);
  p.tags = std::move(tags);
  p.fields = std::move(fields);
  p.time_ns = 1'700'000'000'000'000'000;
  return p;
}

Point metric(std::vector<Tag> tags, std::vector<Field> fields) {
  return point(Category::kMetric, "cpu", std::move(tags), std::move(fields));
}

// Order-sensitive comparison (Point::operator== ignores the order of tags and fields).
void expectSame(const Point& actual, const Point& expected) {
  EXPECT_EQ(debugString(actual), debugString(expected));
  EXPECT_EQ(actual, expected);
}

// A reference UTF-8 validator, independent of the one under test.
bool isUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

const std::string kFFFD = "\xEF\xBF\xBD";

// ---------------------------------------------------------------------------------------------
// Valid points

TEST(CheckTest, ValidPointOfEveryCategoryIsUntouched) {
  for (Category c : kAllCategories) {
    Point p = point(c, "m", {{"host", "a"}, {"region", "eu-1"}},
                    {{"value", 1.5}, {"n", int64_t{3}}, {"u", uint64_t{7}}, {"ok", true}});
    if (c != Category::kMetric) p.addField("msg", std::string("hello\nworld \"quoted\""));
    if (c == Category::kLogging) p.addTag("status", "warn");
    if (c == Category::kObject) p.addTag("name", "obj-1");
    if (c == Category::kMetric) {
      p.addTag("key.with.dots", "v");
      p.addField("arr", Array{std::vector<std::string>{"a", "b"}});
    }
    const Point before = p;
    EXPECT_TRUE(isNormalized(p, {})) << categoryName(c);
    Outcome o = run(p);
    EXPECT_TRUE(o.status.isOk());
    EXPECT_THAT(o.warnings, IsEmpty()) << categoryName(c);
    expectSame(o.point, before);
  }
}

TEST(CheckTest, Utf8AndEmptyTagValuesAreValid) {
  Point p = metric({{"城市", "北京"}, {"empty", ""}, {"emoji", "👍"}}, {{"v", 1.0}});
  EXPECT_TRUE(isNormalized(p, {}));
  Outcome o = run(p);
  EXPECT_THAT(o.warnings, IsEmpty());
  expectSame(o.point, p);
}

// ---------------------------------------------------------------------------------------------
// Measurement

TEST(CheckTest, EmptyMeasurementBecomesDefault) {
  Outcome o = run(point(Category::kMetric, "", {}, {{"v", 1.0}}));
  EXPECT_EQ(o.point.measurement, "__default");
  EXPECT_THAT(o.types(), ElementsAre("invalid_measurement"));
  EXPECT_EQ(o.warnings[0].message, "empty measurement, use __default");
}

TEST(CheckTest, LongMeasurementIsTrimmed) {
  CheckOptions opts;
  opts.max_measurement_len = 3;
  Outcome o = run(point(Category::kMetric, "abc-def", {}, {{"v", 1.0}}), opts);
  EXPECT_EQ(o.point.measurement, "abc");
  EXPECT_THAT(o.types(), ElementsAre("invalid_measurement"));
  EXPECT_EQ(o.warnings[0].message, "exceed max measurement length(3), got length 7, trimmed");
}

TEST(CheckTest, EmptyMeasurementWithSmallLimitGetsTrimmedDefault) {
  CheckOptions opts;
  opts.max_measurement_len = 3;
  Outcome o = run(point(Category::kMetric, "", {}, {{"v", 1.0}}), opts);
  EXPECT_EQ(o.point.measurement, "__d");
  EXPECT_THAT(o.types(), ElementsAre("invalid_measurement", "invalid_measurement"));
}

TEST(CheckTest, MeasurementIsCutAtCharacterBoundary) {
  CheckOptions opts;
  opts.max_measurement_len = 5;  // "中" is 3 bytes, "文" would end at 6
  Outcome o = run(point(Category::kMetric, "中文👍", {}, {{"v", 1.0}}), opts);
  EXPECT_EQ(o.point.measurement, "中");
  opts.max_measurement_len = 2;  // not even one character fits: falls back to the default
  o = run(point(Category::kMetric, "中文", {}, {{"v", 1.0}}), opts);
  EXPECT_EQ(o.point.measurement, "__");
}

TEST(CheckTest, InvalidUtf8MeasurementIsRepaired) {
  Outcome o = run(point(Category::kMetric,
                        "a\xff\xfe"
                        "b\xc3",
                        {}, {{"v", 1.0}}));
  EXPECT_EQ(o.point.measurement, "a" + kFFFD + "b" + kFFFD);
  EXPECT_THAT(o.types(), ElementsAre("invalid_utf8_string"));
}

// ---------------------------------------------------------------------------------------------
// Counts

TEST(CheckTest, ExtraFieldsAreDeleted) {
  CheckOptions opts;
  opts.max_fields = 2;
  Outcome o = run(metric({}, {{"c", 1.0}, {"a", 2.0}, {"b", 3.0}}), opts);
  expectSame(o.point, metric({}, {{"c", 1.0}, {"a", 2.0}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_fields"));
  EXPECT_EQ(o.warnings[0].message, "exceed max field count(2), got 3 fields, extra fields deleted");
}

TEST(CheckTest, ExtraTagsAreDeleted) {
  CheckOptions opts;
  opts.max_tags = 1;
  Outcome o = run(metric({{"t2", "x"}, {"t1", "y"}}, {{"v", 1.0}}), opts);
  expectSame(o.point, metric({{"t2", "x"}}, {{"v", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_tags"));
  EXPECT_EQ(o.warnings[0].message, "exceed max tag count(1), got 2 tags, extra tags deleted");
}

TEST(CheckTest, ZeroLimitsMeanNoLimit) {
  CheckOptions opts;
  opts.max_tags = opts.max_fields = opts.max_tag_key_len = opts.max_tag_value_len = 0;
  opts.max_measurement_len = opts.max_field_key_len = opts.max_field_value_len = 0;
  opts.max_tag_key_value_compose_len = 0;
  Point p = point(Category::kLogging, std::string(5000, 'm'), {}, {});
  for (int i = 0; i < 300; ++i) p.addTag("t" + std::to_string(i), std::string(2000, 'v'));
  for (int i = 0; i < 1100; ++i) p.addField("f" + std::to_string(i), std::string(300, 'x'));
  p.addField("status", std::string("ok"));
  EXPECT_TRUE(isNormalized(p, opts));
  Outcome o = run(p, opts);
  EXPECT_THAT(o.warnings, IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// Keys

TEST(CheckTest, LongTagKeyIsTruncated) {
  CheckOptions opts;
  opts.max_tag_key_len = 4;
  Outcome o = run(metric({{"region", "eu"}}, {{"v", 1.0}}), opts);
  expectSame(o.point, metric({{"regi", "eu"}}, {{"v", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_tag_key_len"));
  EXPECT_EQ(o.warnings[0].message, "exceed max tag key length(4), got 6, key truncated");
}

TEST(CheckTest, LongFieldKeyIsTruncatedAtCharacterBoundary) {
  CheckOptions opts;
  opts.max_field_key_len = 4;
  Outcome o = run(metric({}, {{"a中文", 1.0}}), opts);  // 'a' + 3 + 3 bytes
  expectSame(o.point, metric({}, {{"a中", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_field_key_len"));
  EXPECT_EQ(o.warnings[0].message, "exceed max field key length(4), got length 7, key truncated");
}

TEST(CheckTest, TagKeyNewlineAndTrailingBackslashes) {
  Outcome o = run(metric({{"a\nb\\\\", "v"}}, {{"f", 1.0}}));
  expectSame(o.point, metric({{"a b", "v"}}, {{"f", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("invalid_tag_key"));
}

TEST(CheckTest, FieldKeyNewlineAndTrailingBackslash) {
  Outcome o = run(metric({}, {{"x\ny\\", 1.0}}));
  expectSame(o.point, metric({}, {{"x y", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("found_new_line_or_tail_espace"));
}

TEST(CheckTest, KeysThatBecomeEmptyAreDropped) {
  Outcome o = run(metric({{"\\\\", "v"}, {"h", "x"}}, {{"\\", 1.0}, {"f", 2.0}}));
  expectSame(o.point, metric({{"h", "x"}}, {{"f", 2.0}}));
  EXPECT_THAT(o.types(), ElementsAre("invalid_tag_key", "tag_disabled",
                                     "found_new_line_or_tail_espace", "field_disabled"));
  EXPECT_EQ(o.warnings[1].message, "empty tag key disabled");
}

TEST(CheckTest, EmptyKeysAreDropped) {
  Outcome o = run(metric({{"", "v"}}, {{"", 1.0}, {"f", 2.0}}));
  expectSame(o.point, metric({}, {{"f", 2.0}}));
  EXPECT_THAT(o.types(), ElementsAre("tag_disabled", "field_disabled"));
}

TEST(CheckTest, TagValueNewlineAndTrailingBackslash) {
  Outcome o = run(metric({{"t", "line1\nline2\\\\"}}, {{"f", 1.0}}));
  expectSame(o.point, metric({{"t", "line1 line2"}}, {{"f", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("found_new_line_or_tail_espace"));
}

TEST(CheckTest, LongTagValueIsTruncated) {
  CheckOptions opts;
  opts.max_tag_value_len = 4;
  Outcome o = run(metric({{"t", "abcdef"}}, {{"f", 1.0}}), opts);
  expectSame(o.point, metric({{"t", "abcd"}}, {{"f", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_tag_value_len"));
  EXPECT_EQ(o.warnings[0].message, "exceed max tag value length(4), got 6, value truncated");
}

TEST(CheckTest, TagValueCutThatExposesBackslashIsRepaired) {
  CheckOptions opts;
  opts.max_tag_value_len = 3;
  Outcome o = run(metric({{"t", "ab\\cd"}}, {{"f", 1.0}}), opts);
  expectSame(o.point, metric({{"t", "ab"}}, {{"f", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_tag_value_len", "found_new_line_or_tail_espace"));
  EXPECT_TRUE(isNormalized(o.point, opts));
}

TEST(CheckTest, TagValueIsCutAtCharacterBoundary) {
  CheckOptions opts;
  opts.max_tag_value_len = 7;
  Outcome o = run(metric({{"t", "ab北京"}}, {{"f", 1.0}}), opts);  // 2 + 3 + 3 bytes
  expectSame(o.point, metric({{"t", "ab北"}}, {{"f", 1.0}}));
}

// ---------------------------------------------------------------------------------------------
// Dots in keys

TEST(CheckTest, DotsInKeysOfLoggingAndObjectBecomeUnderscores) {
  for (Category c : {Category::kLogging, Category::kObject}) {
    Point p = point(c, "m", {{"k8s.pod", "p"}, {"status", "ok"}, {"name", "n"}}, {{"a.b.c", 1.0}});
    Outcome o = run(p);
    expectSame(o.point, point(c, "m", {{"k8s_pod", "p"}, {"status", "ok"}, {"name", "n"}},
                              {{"a_b_c", 1.0}}));
    EXPECT_THAT(o.types(), ElementsAre("invalid_tag_key", "dot_in_key")) << categoryName(c);
    EXPECT_EQ(o.warnings[0].message, "invalid tag key `k8s.pod': found `.'");
    EXPECT_EQ(o.warnings[1].message, "invalid field key `a.b.c': found `.'");
  }
}

TEST(CheckTest, DotsInKeysOfOtherCategoriesAreKept) {
  for (Category c :
       {Category::kMetric, Category::kCustomObject, Category::kNetwork, Category::kKeyEvent,
        Category::kTracing, Category::kRum, Category::kSecurity}) {
    Point p = point(c, "m", {{"k8s.pod", "p"}}, {{"a.b", 1.0}});
    Outcome o = run(p);
    expectSame(o.point, p);
    EXPECT_THAT(o.warnings, IsEmpty()) << categoryName(c);
  }
}

TEST(CheckTest, RenamedKeyThatCollidesIsDroppedWhateverItsPosition) {
  // "a.b" becomes "a_b", which exists: the renamed one goes, before or after the original.
  for (bool renamed_first : {true, false}) {
    std::vector<Field> fields = {{"a.b", 1.0}, {"a_b", 2.0}};
    if (!renamed_first) std::swap(fields[0], fields[1]);
    Outcome o = run(point(Category::kLogging, "m", {{"status", "ok"}}, fields));
    expectSame(o.point, point(Category::kLogging, "m", {{"status", "ok"}}, {{"a_b", 2.0}}));
    EXPECT_THAT(o.types(), ElementsAre("dot_in_key", "invalid_tag_key"));
    EXPECT_EQ(o.warnings[1].message, "field key \"a_b\" exist after adjust");
  }
}

TEST(CheckTest, TruncatedTagKeyThatCollidesWithFieldIsDropped) {
  CheckOptions opts;
  opts.max_tag_key_len = 3;
  Outcome o = run(metric({{"hostname", "a"}}, {{"hos", 1.0}}), opts);
  expectSame(o.point, metric({}, {{"hos", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_tag_key_len", "invalid_tag_key"));
}

// ---------------------------------------------------------------------------------------------
// Duplicate keys

TEST(CheckTest, TagAndFieldWithSameKeyKeepTheTag) {
  Outcome o = run(metric({{"host", "a"}}, {{"host", 1.0}, {"v", 2.0}}));
  expectSame(o.point, metric({{"host", "a"}}, {{"v", 2.0}}));
  EXPECT_THAT(o.types(), ElementsAre("same_tag_field_key"));
  EXPECT_EQ(o.warnings[0].message, "same key `host' in tag and field, key dropped");
}

TEST(CheckTest, DuplicateTagsAndFieldsKeepTheFirst) {
  Outcome o = run(metric({{"t", "1"}, {"u", "x"}, {"t", "2"}}, {{"f", 1.0}, {"f", int64_t{2}}}));
  expectSame(o.point, metric({{"t", "1"}, {"u", "x"}}, {{"f", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("key_name_conflict", "key_name_conflict"));
  EXPECT_EQ(o.warnings[0].message, "same key (\"t\")");
}

TEST(CheckTest, DuplicatesInLargePoints) {
  Point p = metric({}, {});
  for (int i = 0; i < 40; ++i) p.addTag("t" + std::to_string(i), "v");
  for (int i = 0; i < 40; ++i) p.addField("f" + std::to_string(i), int64_t{i});
  Point expected = p;
  EXPECT_TRUE(isNormalized(p, {}));
  p.addField("t7", 1.0);
  p.addField("f39", 1.0);
  EXPECT_FALSE(isNormalized(p, {}));
  Outcome o = run(p);
  expectSame(o.point, expected);
  EXPECT_THAT(o.types(), ElementsAre("same_tag_field_key", "key_name_conflict"));
}

// ---------------------------------------------------------------------------------------------
// Field values

TEST(CheckTest, MetricDropsStringAndBytesFieldsButKeepsArrays) {
  Outcome o = run(metric({}, {{"s", std::string("x")},
                              {"b", Bytes{"\x01\x02"}},
                              {"arr", Array{std::vector<std::string>{"a"}}},
                              {"v", 1.0}}));
  expectSame(o.point, metric({}, {{"arr", Array{std::vector<std::string>{"a"}}}, {"v", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("invalid_field_value_type", "invalid_field_value_type"));
  EXPECT_EQ(o.warnings[0].message,
            "field(s) dropped with string value, when [DisableStringField] enabled");
}

TEST(CheckTest, StringFieldsAllowedOutsideMetric) {
  for (Category c : {Category::kCustomObject, Category::kTracing, Category::kRum,
                     Category::kNetwork, Category::kKeyEvent, Category::kSecurity}) {
    Point p = point(c, "m", {}, {{"s", std::string("x")}, {"b", Bytes{"\xff"}}});
    Outcome o = run(p);
    EXPECT_THAT(o.warnings, IsEmpty()) << categoryName(c);
    expectSame(o.point, p);
  }
}

TEST(CheckTest, CategoryRulesCanBeSwitchedOff) {
  CheckOptions opts;
  opts.category_rules = false;
  Point p = metric({}, {{"s", std::string("x")}});
  EXPECT_THAT(run(p, opts).warnings, IsEmpty());
  Point log = point(Category::kLogging, "m", {{"a.b", "x"}}, {{"source", std::string("y")}});
  Outcome o = run(log, opts);
  EXPECT_THAT(o.warnings, IsEmpty());
  expectSame(o.point, log);
}

TEST(CheckTest, LongStringFieldIsTruncatedAtCharacterBoundary) {
  CheckOptions opts;
  opts.max_field_value_len = 4;
  Outcome o =
      run(point(Category::kLogging, "m", {{"status", "ok"}},
                {{"msg", std::string("ab中d")}, {"raw", Bytes{"\x01\x02\x03\xe4\xb8\xad"}}}),
          opts);
  expectSame(o.point, point(Category::kLogging, "m", {{"status", "ok"}},
                            {{"msg", std::string("ab")}, {"raw", Bytes{"\x01\x02\x03\xe4"}}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_field_value_len", "exceed_max_field_value_len"));
  EXPECT_EQ(o.warnings[0].message,
            "field (msg) exceed max field value length(4), got 6, value truncated");
}

TEST(CheckTest, InfinityIsClampedAndNaNKept) {
  const double inf = std::numeric_limits<double>::infinity();
  Outcome o = run(metric({}, {{"p", inf}, {"n", -inf}, {"x", 1.0}}));
  expectSame(
      o.point,
      metric({}, {{"p", 18446744073709551615.0}, {"n", -9223372036854775808.0}, {"x", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("convert_inf_to_max_value", "convert_inf_to_min_value"));
  EXPECT_EQ(o.warnings[0].message, "+inf value from \"p\" convert to max-uint64");

  Point nan = metric({}, {{"v", std::nan("")}});
  EXPECT_TRUE(isNormalized(nan, {}));
  o = run(nan);
  EXPECT_THAT(o.warnings, IsEmpty());
  EXPECT_TRUE(std::isnan(std::get<double>(o.point.fields[0].value)));
}

TEST(CheckTest, UintFieldsKeptByDefault) {
  Point p = metric({}, {{"u", std::numeric_limits<uint64_t>::max()}});
  Outcome o = run(p);
  EXPECT_THAT(o.warnings, IsEmpty());
  expectSame(o.point, p);
}

TEST(CheckTest, UintFieldsConvertedWhenDisallowed) {
  CheckOptions opts;
  opts.allow_uint_fields = false;
  const uint64_t big = uint64_t{1} << 63;
  Outcome o = run(metric({}, {{"small", uint64_t{42}}, {"big", big}, {"v", 1.0}}), opts);
  expectSame(o.point, metric({}, {{"small", int64_t{42}}, {"v", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_field_value_int"));
  EXPECT_EQ(o.warnings[0].message,
            "too large int field: key=big, value=9223372036854775808(> 9223372036854775807)");
  EXPECT_FALSE(isNormalized(metric({}, {{"small", uint64_t{42}}}), opts));
}

// ---------------------------------------------------------------------------------------------
// UTF-8

TEST(CheckTest, InvalidUtf8IsReplacedEverywhereButBytes) {
  Point p = point(Category::kCustomObject, "m", {{"k\xff", "v\xc3"}},
                  {{"f\xe2\x82", std::string("a\xed\xa0\x80z")},  // surrogate: invalid
                   {"arr", Array{std::vector<std::string>{"ok", "x\xf8y"}}},
                   {"raw", Bytes{"\xff\xfe"}}});
  Outcome o = run(p);
  expectSame(o.point, point(Category::kCustomObject, "m", {{"k" + kFFFD, "v" + kFFFD}},
                            {{"f" + kFFFD, std::string("a" + kFFFD + "z")},
                             {"arr", Array{std::vector<std::string>{"ok", "x" + kFFFD + "y"}}},
                             {"raw", Bytes{"\xff\xfe"}}}));
  EXPECT_THAT(o.types(),
              ElementsAre("invalid_utf8_string", "invalid_utf8_string", "invalid_utf8_string",
                          "invalid_utf8_string", "invalid_utf8_string"));
}

TEST(CheckTest, Utf8RepairMatchesReferenceValidator) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> pieces = {"a",
                                           "é",
                                           "中",
                                           "👍",
                                           "\x80",
                                           "\xc0\xaf",
                                           "\xe0\x80\xaf",
                                           "\xed\xa0\x80",
                                           "\xf4\x90\x80\x80",
                                           "\xf0\x9f",
                                           "\xff",
                                           "\xc3",
                                           "\xe4\xb8",
                                           "\n"};
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) s += pieces[rng() % pieces.size()];
    if (rng() % 4 == 0) {
      for (int k = 0; k < 4; ++k) s.push_back(static_cast<char>(rng() & 0xff));
    }
    Point p = point(Category::kTracing, "m", {}, {{"s", s}});
    const bool valid = isUtf8(s);
    EXPECT_EQ(isNormalized(p, {}), valid) << ::testing::PrintToString(s);
    Outcome o = run(p);
    const std::string& out = std::get<std::string>(o.point.fields[0].value);
    EXPECT_TRUE(isUtf8(out)) << ::testing::PrintToString(s);
    if (valid) {
      EXPECT_EQ(out, s);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tag key/value compose length

TEST(CheckTest, TagsBeyondComposeLimitAreDropped) {
  CheckOptions opts;
  opts.max_tag_key_value_compose_len = 10;
  // a: 5 bytes, b: 6 (crosses 10), c: 2 (would fit, but every tag after the crossing goes).
  Outcome o = run(metric({{"a", "1234"}, {"b", "12345"}, {"c", "1"}}, {{"v", 1.0}}), opts);
  expectSame(o.point, metric({{"a", "1234"}}, {{"v", 1.0}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_tag_key_value_compose"));
  EXPECT_EQ(o.warnings[0].message,
            "exceed max tag key-value compose length(10), got 13, dropped 2 tags: \"b\",\"c\"");
  // Exactly at the limit is fine.
  EXPECT_TRUE(isNormalized(metric({{"a", "1234"}, {"b", "1234"}}, {{"v", 1.0}}), opts));
}

TEST(CheckTest, DefaultComposeLimitIs64KiB) {
  Point p = metric({}, {{"v", 1.0}});
  for (int i = 0; i < 100; ++i) p.addTag("tag" + std::to_string(100 + i), std::string(1000, 'x'));
  Outcome o = run(p);  // 100 * (6 + 1000) = 100600 bytes > 65536
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_tag_key_value_compose"));
  EXPECT_EQ(o.point.tags.size(), 65u);  // 65 * 1006 = 65390 <= 65536 < 66 * 1006
}

// ---------------------------------------------------------------------------------------------
// Required and forbidden keys

TEST(CheckTest, LoggingWithoutStatusGetsInfo) {
  Outcome o =
      run(point(Category::kLogging, "nginx", {{"host", "a"}}, {{"message", std::string("GET /")}}));
  expectSame(o.point, point(Category::kLogging, "nginx", {{"host", "a"}},
                            {{"message", std::string("GET /")}, {"status", std::string("info")}}));
  EXPECT_THAT(o.types(), ElementsAre("add_required_kv"));
  EXPECT_EQ(o.warnings[0].message, "add required key-value \"status\": \"info\"");
}

TEST(CheckTest, LoggingStatusAsFieldOrTagIsEnough) {
  EXPECT_TRUE(
      isNormalized(point(Category::kLogging, "l", {}, {{"status", std::string("error")}}), {}));
  EXPECT_TRUE(
      isNormalized(point(Category::kLogging, "l", {{"status", "error"}}, {{"m", 1.0}}), {}));
}

TEST(CheckTest, LoggingForbidsSourceAndDate) {
  Outcome o = run(point(Category::kLogging, "l", {{"source", "x"}, {"host", "h"}},
                        {{"date", int64_t{1}}, {"message", std::string("m")}}));
  expectSame(o.point, point(Category::kLogging, "l", {{"host", "h"}},
                            {{"message", std::string("m")}, {"status", std::string("info")}}));
  EXPECT_THAT(o.types(), ElementsAre("tag_disabled", "field_disabled", "add_required_kv"));
  EXPECT_EQ(o.warnings[0].message, "tag key \"source\" disabled");
  EXPECT_EQ(o.warnings[1].message, "field key \"date\" disabled");
}

TEST(CheckTest, ObjectWithoutNameGetsDefaultAndForbidsClassAndDate) {
  Outcome o =
      run(point(Category::kObject, "host", {{"class", "c"}}, {{"date", int64_t{1}}, {"cpu", 2.0}}));
  expectSame(o.point, point(Category::kObject, "host", {},
                            {{"cpu", 2.0}, {"name", std::string("default")}}));
  EXPECT_THAT(o.types(), ElementsAre("tag_disabled", "field_disabled", "add_required_kv"));
}

TEST(CheckTest, CustomObjectHasNoRequiredOrForbiddenKeys) {
  Point p = point(Category::kCustomObject, "c", {{"class", "c"}}, {{"date", int64_t{1}}});
  Outcome o = run(p);
  EXPECT_THAT(o.warnings, IsEmpty());
  expectSame(o.point, p);
}

TEST(CheckTest, RequiredKeyMakesRoomWithinMaxFields) {
  CheckOptions opts;
  opts.max_fields = 2;
  Outcome o = run(point(Category::kLogging, "l", {}, {{"a", 1.0}, {"b", 2.0}, {"c", 3.0}}), opts);
  expectSame(o.point,
             point(Category::kLogging, "l", {}, {{"a", 1.0}, {"status", std::string("info")}}));
  EXPECT_THAT(o.types(), ElementsAre("exceed_max_fields", "add_required_kv", "exceed_max_fields"));
  EXPECT_TRUE(isNormalized(o.point, opts));
}

TEST(CheckTest, RequiredKeysIgnoreKeyLengthLimits) {
  CheckOptions opts;
  opts.max_field_key_len = 3;
  opts.max_tag_key_len = 3;
  opts.max_field_value_len = 2;
  Outcome o = run(point(Category::kLogging, "l", {}, {{"msg", 1.0}}), opts);
  expectSame(o.point,
             point(Category::kLogging, "l", {}, {{"msg", 1.0}, {"status", std::string("in")}}));
  EXPECT_THAT(o.types(), ElementsAre("add_required_kv"));
  EXPECT_TRUE(isNormalized(o.point, opts));
  EXPECT_TRUE(isNormalized(point(Category::kObject, "o", {{"name", "n"}}, {{"v", 1.0}}), opts));
}

TEST(CheckTest, DisabledKeysOption) {
  CheckOptions opts;
  opts.disabled_keys = {"secret", "token"};
  Outcome o = run(metric({{"secret", "s"}, {"h", "x"}}, {{"token", 1.0}, {"v", 2.0}}), opts);
  expectSame(o.point, metric({{"h", "x"}}, {{"v", 2.0}}));
  EXPECT_THAT(o.types(), ElementsAre("tag_disabled", "field_disabled"));
}

// ---------------------------------------------------------------------------------------------
// No field

TEST(CheckTest, PointWithoutFieldsIsReportedAndKept) {
  Outcome o = run(metric({{"h", "x"}}, {}));
  expectSame(o.point, metric({{"h", "x"}}, {}));
  EXPECT_THAT(o.types(), ElementsAre("no_field"));
  EXPECT_EQ(o.warnings[0].message, "no field");
}

TEST(CheckTest, MetricWithOnlyStringFieldsEndsWithoutFields) {
  Outcome o = run(metric({}, {{"s", std::string("x")}}));
  EXPECT_THAT(o.point.fields, IsEmpty());
  EXPECT_THAT(o.types(), ElementsAre("invalid_field_value_type", "no_field"));
}

// ---------------------------------------------------------------------------------------------
// Strict mode

TEST(CheckTest, StrictModeFailsWithFirstWarningButStillNormalises) {
  CheckOptions opts;
  opts.strict = true;
  Outcome o = run(point(Category::kLogging, "", {{"a.b", "v"}}, {{"m", 1.0}}), opts);
  ASSERT_FALSE(o.status.isOk());
  EXPECT_EQ(o.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(o.status.message(), "invalid_measurement: empty measurement, use __default");
  expectSame(o.point, point(Category::kLogging, "__default", {{"a_b", "v"}},
                            {{"m", 1.0}, {"status", std::string("info")}}));
  EXPECT_THAT(o.types(), ElementsAre("invalid_measurement", "invalid_tag_key", "add_required_kv"));
}

TEST(CheckTest, StrictModeAcceptsValidPointsAndWorksWithoutWarningVector) {
  CheckOptions opts;
  opts.strict = true;
  Point ok = metric({{"h", "x"}}, {{"v", 1.0}});
  EXPECT_TRUE(normalize(ok, opts, nullptr).isOk());
  Point bad = metric({{"h", "x\n"}}, {{"v", 1.0}});
  Status s = normalize(bad, opts, nullptr);
  EXPECT_EQ(s.message(),
            "found_new_line_or_tail_espace: invalid tag value \"x\\n\", found \\n or tail \\");
  EXPECT_EQ(bad.tags[0].value, "x ");
}

TEST(CheckTest, LongValuesAreAbbreviatedInMessages) {
  Outcome o = run(metric({{"t", std::string(100, 'a') + "\n"}}, {{"v", 1.0}}));
  EXPECT_EQ(o.warnings.at(0).message,
            "invalid tag value \"" + std::string(64, 'a') + "\"..., found \\n or tail \\");
}

// ---------------------------------------------------------------------------------------------
// Properties over random points

// Makes a random point messier: invalid UTF-8, newlines, trailing backslashes, dots, long
// strings, duplicate keys, infinities, uints, forbidden and missing required keys.
void mess(Point& p, std::mt19937_64& rng) {
  auto coin = [&](int n) { return rng() % n == 0; };
  auto garble = [&](std::string& s) {
    switch (rng() % 7) {
      case 0: s += "\xff"; break;
      case 1: s.insert(0, "\n"); break;
      case 2: s += "\\\\"; break;
      case 3: s += ".x"; break;
      case 4: s += std::string(rng() % 40, "中a\\"[rng() % 3]); break;
      case 5: s = "\xe4\xb8"; break;
      default: s.clear(); break;
    }
  };
  if (coin(4)) garble(p.measurement);
  for (Tag& t : p.tags) {
    if (coin(4)) garble(t.key);
    if (coin(4)) garble(t.value);
  }
  for (Field& f : p.fields) {
    if (coin(4)) garble(f.key);
    if (auto* s = std::get_if<std::string>(&f.value); s && coin(3)) garble(*s);
    if (auto* d = std::get_if<double>(&f.value); d && coin(5)) {
      *d = coin(2) ? std::numeric_limits<double>::infinity()
                   : -std::numeric_limits<double>::infinity();
    }
  }
  if (coin(5) && !p.tags.empty()) p.addField(p.tags[0].key, 1.0);
  if (coin(5) && !p.fields.empty()) p.addTag(p.fields[0].key, "dup");
  if (coin(5) && !p.fields.empty()) p.addField(p.fields[0].key, int64_t{1});
  if (coin(6)) p.addField("source", std::string("s"));
  if (coin(6)) p.addTag("class", "c");
  if (coin(6)) p.addTag("status", "ok");
  if (coin(8)) p.fields.clear();
}

void checkIdempotent(const CheckOptions& opts, uint64_t seed, int per_category) {
  std::mt19937_64 rng(seed);
  for (Category c : kAllCategories) {
    testing::RandomPointOptions ro;
    ro.category = c;
    for (int i = 0; i < per_category; ++i) {
      Point p = testing::randomPoint(rng, ro);
      if (i % 2 == 1) mess(p, rng);
      const Point original = p;

      std::vector<Warning> first;
      ASSERT_TRUE(normalize(p, opts, &first).isOk());
      // Valid before <=> untouched and silent.
      EXPECT_EQ(isNormalized(original, opts), first.empty() && p == original)
          << debugString(original);

      const Point once = p;
      std::vector<Warning> second;
      ASSERT_TRUE(normalize(p, opts, &second).isOk());
      EXPECT_EQ(p, once) << debugString(original);
      if (p.fields.empty()) {
        ASSERT_EQ(second.size(), 1u) << debugString(original);
        EXPECT_EQ(second[0].type, kWarnNoField);
      } else {
        EXPECT_THAT(second, IsEmpty()) << debugString(original) << "\n" << debugString(once);
        EXPECT_TRUE(isNormalized(p, opts));
      }

      EXPECT_TRUE(isUtf8(p.measurement));
      for (const Tag& t : p.tags) EXPECT_TRUE(isUtf8(t.key) && isUtf8(t.value));
      for (const Field& f : p.fields) {
        EXPECT_TRUE(isUtf8(f.key));
        if (auto* s = std::get_if<std::string>(&f.value)) {
          EXPECT_TRUE(isUtf8(*s));
        }
      }
    }
  }
}

TEST(CheckPropertyTest, NormalizeIsIdempotentWithDefaultLimits) {
  checkIdempotent(CheckOptions{}, 1, 400);
}

TEST(CheckPropertyTest, NormalizeIsIdempotentWithTightLimits) {
  CheckOptions opts;
  opts.max_measurement_len = 5;
  opts.max_tags = 3;
  opts.max_fields = 3;
  opts.max_tag_key_len = 4;
  opts.max_field_key_len = 4;
  opts.max_tag_value_len = 6;
  opts.max_field_value_len = 7;
  opts.max_tag_key_value_compose_len = 16;
  opts.allow_uint_fields = false;
  checkIdempotent(opts, 2, 400);
}

// A batch whose points repeat their names while the values change: ViewCheck checks only the
// values of a point whose names passed before, and must still catch every bad value.
TEST(ViewCheckTest, RepeatedNamesStillHaveTheirValuesChecked) {
  CheckOptions opts;
  opts.max_tag_value_len = 8;
  opts.max_tag_key_value_compose_len = 11;
  opts.allow_uint_fields = false;
  ViewCheck check(opts);
  auto point = [](std::string host, FieldValue v) {
    Point p;
    p.measurement = "cpu";
    p.addTag("host", std::move(host));
    p.addField("v", std::move(v));
    return p;
  };
  struct Case {
    Point p;
    bool want;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const Case cases[] = {
      {point("a", 1.5), true},
      {point("b", 2.5), true},
      {point("toolong-1", 1.0), false},       // tag value over 8 bytes
      {point("c", inf), false},               // +Inf is repaired
      {point("d", uint64_t{1}), false},       // uint with allow_uint_fields off
      {point("e", int64_t{1}), true},         //
      {point("f\\", 1.0), false},             // trailing backslash
      {point("g\xff", 1.0), false},           // invalid UTF-8
      {point("h", std::string("s")), false},  // a string in a metric
      {point("1234567", 1.0), true},          // 4 + 7 bytes: within the compose limit
      {point("12345678", 1.0), false},        // 4 + 8 bytes: over it
      {point("", 1.0), true},                 // (an empty tag value is valid here)
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(debugString(c.p));
    EXPECT_EQ(check.isNormalized(viewOf(c.p)), c.want);
    EXPECT_EQ(isNormalized(c.p, opts), c.want);
  }
  // Other names after the repeated ones: the whole check again (a duplicate key here).
  Point p = point("a", 1.0);
  p.addField("host", 2.0);
  EXPECT_FALSE(check.isNormalized(viewOf(p)));
  // Another category with the same names: logging requires status.
  p = point("a", 1.0);
  p.category = Category::kLogging;
  EXPECT_FALSE(check.isNormalized(viewOf(p)));
  p.addField("status", std::string("ok"));
  EXPECT_TRUE(check.isNormalized(viewOf(p)));
}

// Random batches (scalars and strings, odd characters, every category, tight and default
// limits, names repeated from the previous point with new values): ViewCheck, isNormalized() on
// views and isNormalized() on the points agree.
TEST(ViewCheckTest, AgreesWithIsNormalizedOnRandomBatches) {
  std::mt19937_64 rng(20261125);
  const Category categories[] = {Category::kMetric, Category::kLogging, Category::kObject,
                                 Category::kTracing};
  CheckOptions tight;
  tight.max_tags = 3;
  tight.max_fields = 3;
  tight.max_tag_value_len = 6;
  tight.max_field_value_len = 7;
  tight.max_tag_key_value_compose_len = 16;
  tight.allow_uint_fields = false;
  int valid = 0;
  for (const CheckOptions& opts : {CheckOptions{}, tight}) {
    for (int batch = 0; batch < 60; ++batch) {
      testing::RandomPointOptions ro;
      ro.category = categories[batch % 4];
      ro.bytes = ro.arrays = false;
      ro.odd_chars = batch % 3 == 0;
      ViewCheck check(opts);
      Point prev = testing::randomPoint(rng, ro);
      for (int i = 0; i < 40; ++i) {
        Point p = testing::randomPoint(rng, ro);
        if (rng() % 4 != 0) {  // the previous point's names with this point's values
          Point same = prev;
          for (size_t t = 0; t < same.tags.size() && t < p.tags.size(); ++t) {
            same.tags[t].value = p.tags[t].value;
          }
          for (size_t f = 0; f < same.fields.size() && f < p.fields.size(); ++f) {
            same.fields[f].value = p.fields[f].value;
          }
          p = same;
        }
        if (ro.category == Category::kLogging && rng() % 2) p.addTag("status", "ok");
        const bool want = isNormalized(p, opts);
        valid += want ? 1 : 0;
        ASSERT_EQ(isNormalized(viewOf(p), opts), want) << debugString(p);
        ASSERT_EQ(check.isNormalized(viewOf(p)), want) << debugString(p);
        prev = p;
      }
    }
  }
  EXPECT_GT(valid, 200);
}

}  // namespace
}  // namespace sextant::model
