#include "codec/point_json/point_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "model/testing/random_points.h"

namespace sextant::codec::json {
namespace {

using model::Array;
using model::Bytes;
using model::Category;
using model::FieldValue;
using model::Point;

constexpr int64_t kNow = 1'800'000'000'000'000'000;

std::vector<Point> jsonOk(std::string_view body, int64_t multiplier = 1,
                          Category cat = Category::kMetric) {
  auto r = decodeJson(body, cat, kNow, multiplier);
  EXPECT_TRUE(r.isOk()) << r.status().toString() << "\n" << body;
  return r.isOk() ? std::move(r).value() : std::vector<Point>{};
}

std::string jsonError(std::string_view body) {
  auto r = decodeJson(body, Category::kMetric, kNow);
  EXPECT_FALSE(r.isOk()) << body;
  if (r.isOk()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

std::vector<Point> pbOk(std::string_view body, Category cat = Category::kMetric) {
  auto r = decodePbJson(body, cat);
  EXPECT_TRUE(r.isOk()) << r.status().toString() << "\n" << body;
  return r.isOk() ? std::move(r).value() : std::vector<Point>{};
}

std::string pbError(std::string_view body) {
  auto r = decodePbJson(body, Category::kMetric);
  EXPECT_FALSE(r.isOk()) << body;
  if (r.isOk()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

// ================================ simple JSON: decoding ================================

TEST(SimpleJsonDecode, PointWithEveryValueKind) {
  auto pts = jsonOk(R"([{"measurement":"cpu","tags":{"host":"a","dc":"x y"},
      "fields":{"usage":1.5,"n":42,"neg":-7,"big":18446744073709551615,"up":true,"s":"text",
                "af":[1,2.5],"as":["a","b"],"ab":[true,false],"empty":[]},
      "time":1700000000000000000}])",
                    1, Category::kLogging);
  ASSERT_EQ(pts.size(), 1u);
  Point want;
  want.category = Category::kLogging;
  want.measurement = "cpu";
  want.addTag("host", "a");
  want.addTag("dc", "x y");
  want.addField("usage", 1.5);
  want.addField("n", 42.0);
  want.addField("neg", -7.0);
  want.addField("big", 18446744073709551615.0);
  want.addField("up", true);
  want.addField("s", std::string("text"));
  want.addField("af", Array{std::vector<double>{1, 2.5}});
  want.addField("as", Array{std::vector<std::string>{"a", "b"}});
  want.addField("ab", Array{std::vector<bool>{true, false}});
  want.addField("empty", Array{});
  want.time_ns = 1'700'000'000'000'000'000;
  EXPECT_EQ(pts[0], want);
}

TEST(SimpleJsonDecode, EveryNumberIsAFloat) {
  // DataKit unmarshals fields into Go interface{}: JSON numbers are float64.
  auto pts = jsonOk(R"([{"measurement":"m","fields":{"i":3,"x":9007199254740993,"e":1e3}}])");
  ASSERT_EQ(pts.size(), 1u);
  for (const auto& f : pts[0].fields) {
    EXPECT_TRUE(std::holds_alternative<double>(f.value)) << f.key;
  }
  EXPECT_EQ(std::get<double>(pts[0].findField("i")->value), 3.0);
  EXPECT_EQ(std::get<double>(pts[0].findField("x")->value), 9007199254740992.0);  // rounded
  EXPECT_EQ(std::get<double>(pts[0].findField("e")->value), 1000.0);
}

TEST(SimpleJsonDecode, TimeDefaultsToNow) {
  auto pts = jsonOk(R"([{"measurement":"a","fields":{"x":1}},
                        {"measurement":"b","fields":{"x":1},"time":null},
                        {"measurement":"c","fields":{"x":1},"time":0}])");
  ASSERT_EQ(pts.size(), 3u);
  for (const auto& p : pts) EXPECT_EQ(p.time_ns, kNow) << p.measurement;
}

TEST(SimpleJsonDecode, TimeIsScaledByThePrecision) {
  std::string body = R"([{"measurement":"m","fields":{"x":1},"time":1700000000}])";
  EXPECT_EQ(jsonOk(body, 1)[0].time_ns, 1700000000);
  EXPECT_EQ(jsonOk(body, 1000)[0].time_ns, 1700000000000);
  EXPECT_EQ(jsonOk(body, 1'000'000)[0].time_ns, 1700000000000000);
  EXPECT_EQ(jsonOk(body, 1'000'000'000)[0].time_ns, 1700000000000000000);
  EXPECT_EQ(jsonOk(body, 0)[0].time_ns, 1700000000);  // < 1 counts as ns
  EXPECT_EQ(jsonOk(R"([{"measurement":"m","time":-2}])", 1000)[0].time_ns, -2000);
  auto r = decodeJson(body, Category::kMetric, kNow, 60'000'000'000);  // minutes: overflows
  ASSERT_FALSE(r.isOk());
  EXPECT_TRUE(contains(r.status().message(), "out of range")) << r.status().message();
}

TEST(SimpleJsonDecode, TimeMustBeAnInt64) {
  EXPECT_TRUE(contains(jsonError(R"([{"measurement":"m","time":1.5}])"), "\"time\""));
  EXPECT_TRUE(contains(jsonError(R"([{"measurement":"m","time":"1"}])"), "\"time\""));
  EXPECT_TRUE(
      contains(jsonError(R"([{"measurement":"m","time":9223372036854775808}])"), "out of range"));
}

TEST(SimpleJsonDecode, OptionalMembersAndUnknownOnes) {
  auto pts = jsonOk(R"([{"measurement":"m"},
                        {"measurement":"n","tags":null,"fields":null,"extra":{"a":[1]}}])");
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_TRUE(pts[0].tags.empty());
  EXPECT_TRUE(pts[0].fields.empty());
  EXPECT_TRUE(pts[1].fields.empty());
  EXPECT_TRUE(jsonOk("[]").empty());
  EXPECT_TRUE(jsonOk(" [ ] ").empty());
}

TEST(SimpleJsonDecode, RepeatedMemberLastOneWins) {
  auto pts = jsonOk(R"([{"measurement":"a","measurement":"b","fields":{"x":1},"fields":{"y":2}}])");
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].measurement, "b");
  ASSERT_EQ(pts[0].fields.size(), 1u);
  EXPECT_EQ(pts[0].fields[0].key, "y");
}

TEST(SimpleJsonDecode, MalformedBodies) {
  EXPECT_TRUE(contains(jsonError(""), "invalid JSON"));
  EXPECT_TRUE(contains(jsonError("[{"), "invalid JSON"));
  EXPECT_TRUE(contains(jsonError("[1,]"), "invalid JSON"));
  EXPECT_TRUE(contains(jsonError(R"({"measurement":"m"})"), "not a JSON array"));
  EXPECT_TRUE(contains(jsonError("\"x\""), "not a JSON array"));
  // simdjson rejects integers beyond 64 bits (Go would read a float).
  EXPECT_TRUE(contains(jsonError(R"([{"measurement":"m","fields":{"x":123456789012345678901}}])"),
                       "invalid JSON"));
  // Invalid UTF-8 in the body.
  EXPECT_TRUE(contains(jsonError("[{\"measurement\":\"\xff\"}]"), "invalid JSON"));
}

TEST(SimpleJsonDecode, ErrorsNameThePointIndex) {
  std::string ok = R"({"measurement":"m","fields":{"x":1}})";
  auto err = [&](std::string_view bad) {
    return jsonError("[" + ok + "," + ok + "," + std::string(bad) + "]");
  };
  EXPECT_EQ(err("3"), "json point 2: not a JSON object");
  EXPECT_EQ(err(R"({"fields":{"x":1}})"), "json point 2: missing \"measurement\"");
  EXPECT_EQ(err(R"({"measurement":5})"), "json point 2: \"measurement\" is not a string");
  EXPECT_EQ(err(R"({"measurement":"m","tags":[]})"), "json point 2: \"tags\" is not an object");
  EXPECT_EQ(err(R"({"measurement":"m","tags":{"h":1}})"),
            "json point 2: tag \"h\": value is not a string");
  EXPECT_EQ(err(R"({"measurement":"m","fields":[1]})"),
            "json point 2: \"fields\" is not an object");
  EXPECT_EQ(err(R"({"measurement":"m","fields":{"x":null}})"),
            "json point 2: field \"x\": value is null");
  EXPECT_EQ(err(R"({"measurement":"m","fields":{"x":{"a":1}}})"),
            "json point 2: field \"x\": value is an object");
  for (std::string_view arr : {"[1,\"a\"]", "[true,1]", "[[1]]", "[null]", "[{}]"}) {
    EXPECT_EQ(err(R"({"measurement":"m","fields":{"x":)" + std::string(arr) + "}}"),
              "json point 2: field \"x\": array elements must be all numbers, all strings or "
              "all booleans")
        << arr;
  }
}

// The points of real DataKit uploads (.decoded.jsonl beside the captured bodies, one simple
// JSON object per line): every number must come back as that float, strings as they are.
TEST(SimpleJsonDecode, DataKitFixturePointsAsSimpleJson) {
  std::filesystem::path dir = std::filesystem::path(SEXTANT_SHARED_DIR) / "fixtures/datakit-upload";
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir;
  simdjson::dom::parser parser;
  int points = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().string().find(".decoded.jsonl") == std::string::npos) continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto pts = jsonOk("[" + line + "]");
      ASSERT_EQ(pts.size(), 1u);
      const Point& p = pts[0];
      simdjson::dom::element doc;
      ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
      EXPECT_EQ(p.measurement, doc["measurement"].get_string().value());
      EXPECT_EQ(p.time_ns, doc["time"].get_int64().value());
      simdjson::dom::object tags = doc["tags"].get_object().value();
      simdjson::dom::object fields = doc["fields"].get_object().value();
      ASSERT_EQ(p.tags.size(), tags.size());
      ASSERT_EQ(p.fields.size(), fields.size());
      for (auto [k, v] : tags) EXPECT_EQ(p.findTag(k)->value, v.get_string().value());
      for (auto [k, v] : fields) {
        const model::Field* f = p.findField(k);
        ASSERT_NE(f, nullptr) << k;
        if (v.is_string()) {
          EXPECT_EQ(f->value, FieldValue(std::string(v.get_string().value())));
        } else {
          EXPECT_EQ(f->value, FieldValue(v.get_double().value())) << k;
        }
      }
      ++points;
    }
  }
  EXPECT_GT(points, 50);
}

// ================================ simple JSON: encoding ================================

TEST(SimpleJsonEncode, WritesTheDataKitShape) {
  Point p;
  p.measurement = "cpu";
  p.addTag("host", "a\"b");
  p.addField("f", 1.5);
  p.addField("i", int64_t{-3});
  p.addField("u", uint64_t{18446744073709551615u});
  p.addField("b", false);
  p.addField("s", std::string("x\ny"));
  p.addField("d", Bytes{"foo"});
  p.addField("a", Array{std::vector<int64_t>{1, 2}});
  p.addField("nan", std::numeric_limits<double>::quiet_NaN());
  p.time_ns = 123;
  std::string out;
  encodeJson(std::vector<Point>{p, Point{}}, &out);
  EXPECT_EQ(out,
            R"([{"measurement":"cpu","tags":{"host":"a\"b"},"fields":{"f":1.5,"i":-3,)"
            R"("u":18446744073709551615,"b":false,"s":"x\ny","d":"Zm9v","a":[1,2],"nan":null},)"
            R"("time":123},{"measurement":"","tags":{},"fields":{},"time":0}])");
}

TEST(SimpleJsonEncode, AppendsToTheOutput) {
  std::string out = "x";
  encodeJson(std::vector<Point>{}, &out);
  EXPECT_EQ(out, "x[]");
}

// The values simple JSON carries: every number comes back as a float (ints and int arrays
// included), strings and bools as they are. Bytes and uints are left out of the generator
// (bytes come back as base64 strings), as are NaN/inf (randomPoint makes finite floats only).
Point asSimpleJsonReadsIt(Point p) {
  for (auto& f : p.fields) {
    if (const auto* i = std::get_if<int64_t>(&f.value)) {
      f.value = static_cast<double>(*i);
    } else if (const auto* a = std::get_if<Array>(&f.value)) {
      if (const auto* ints = std::get_if<std::vector<int64_t>>(&a->items)) {
        std::vector<double> d(ints->begin(), ints->end());
        f.value = Array{std::move(d)};
      }
    }
  }
  return p;
}

TEST(SimpleJsonProperty, RoundTripOfWhatItCanRepresent) {
  std::mt19937_64 rng(21);
  model::testing::RandomPointOptions o;
  o.uints = false;
  o.bytes = false;
  std::vector<Point> pts;
  for (int i = 0; i < 3000; ++i) pts.push_back(model::testing::randomPoint(rng, o));
  std::string body;
  encodeJson(pts, &body);
  auto got = jsonOk(body);
  ASSERT_EQ(got.size(), pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    ASSERT_EQ(got[i], asSimpleJsonReadsIt(pts[i])) << "point " << i;
  }
}

TEST(SimpleJsonProperty, IntsSurviveAsFloats) {
  Point p;
  p.measurement = "m";
  p.addField("small", int64_t{42});
  p.addField("min", int64_t{INT64_MIN});
  p.addField("max", int64_t{INT64_MAX});
  p.addField("uint", uint64_t{UINT64_MAX});
  p.addField("arr", Array{std::vector<int64_t>{-1, 7}});
  p.time_ns = 1;
  std::string body;
  encodeJson(std::vector<Point>{p}, &body);
  auto got = jsonOk(body);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].findField("small")->value, FieldValue(42.0));
  EXPECT_EQ(got[0].findField("min")->value, FieldValue(-9223372036854775808.0));
  EXPECT_EQ(got[0].findField("max")->value, FieldValue(9223372036854775807.0));
  EXPECT_EQ(got[0].findField("uint")->value, FieldValue(18446744073709551615.0));
  EXPECT_EQ(got[0].findField("arr")->value, FieldValue(Array{std::vector<double>{-1, 7}}));
}

TEST(SimpleJsonProperty, BytesComeBackAsBase64Strings) {
  Point p;
  p.measurement = "m";
  p.addField("d", Bytes{std::string("\0\xff", 2)});
  p.time_ns = 1;
  std::string body;
  encodeJson(std::vector<Point>{p}, &body);
  auto got = jsonOk(body);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].findField("d")->value, FieldValue(std::string("AP8=")));
}

// ================================ PBJSON: decoding ================================

TEST(PbJsonDecode, EveryValueForm) {
  auto pts = pbOk(R"([{"name":"m","time":"1700000000000000001","fields":[
      {"key":"host","s":"web","is_tag":true},
      {"key":"old","d":"aDE=","is_tag":true},
      {"key":"i1","i":"-42"},{"key":"i2","i":-43},
      {"key":"u1","u":"18446744073709551615"},{"key":"u2","u":7},
      {"key":"f1","f":1.5},{"key":"f2","f":"2.5"},{"key":"f3","f":3},
      {"key":"b","b":true},{"key":"s","s":"é\n"},
      {"key":"d1","d":"AP8="},{"key":"d2","d":"_-8"},
      {"key":"ai","a":{"@type":"type.googleapis.com/point.Array","arr":[{"i":"1"},{"i":2}]}},
      {"key":"au","a":{"@type":"type.googleapis.com/point.Array","arr":[{"u":"3"}]}},
      {"key":"af","a":{"@type":"type.googleapis.com/point.Array","arr":[{"f":0.5},{"f":"NaN"}]}},
      {"key":"ab","a":{"@type":"type.googleapis.com/point.Array","arr":[{"b":false}]}},
      {"key":"as","a":{"@type":"type.googleapis.com/point.Array","arr":[{"s":"x"},{"s":""}]}},
      {"key":"ad","a":{"@type":"type.googleapis.com/point.Array","arr":[{"d":"Zm9v"}]}},
      {"key":"ae","a":{"@type":"type.googleapis.com/point.Array","arr":[]}},
      {"key":"c","i":"5","type":"COUNT","unit":"B"},{"key":"g","i":"6","type":3}],
      "warns":[{"type":"x","message":"y"}],"debugs":[{"info":"z"}]}])",
                  Category::kTracing);
  ASSERT_EQ(pts.size(), 1u);
  Point want;
  want.category = Category::kTracing;
  want.measurement = "m";
  want.time_ns = 1'700'000'000'000'000'001;
  want.addTag("host", "web");
  want.addTag("old", "h1");
  want.addField("i1", int64_t{-42});
  want.addField("i2", int64_t{-43});
  want.addField("u1", uint64_t{18446744073709551615u});
  want.addField("u2", uint64_t{7});
  want.addField("f1", 1.5);
  want.addField("f2", 2.5);
  want.addField("f3", 3.0);
  want.addField("b", true);
  want.addField("s", std::string("é\n"));
  want.addField("d1", Bytes{std::string("\0\xff", 2)});
  want.addField("d2", Bytes{"\xff\xef"});
  want.addField("ai", Array{std::vector<int64_t>{1, 2}});
  want.addField("au", Array{std::vector<uint64_t>{3}});
  want.addField("af", Array{std::vector<double>{0.5, 0.0}});  // NaN checked below
  want.addField("ab", Array{std::vector<bool>{false}});
  want.addField("as", Array{std::vector<std::string>{"x", ""}});
  want.addField("ad", Array{std::vector<Bytes>{Bytes{"foo"}}});
  want.addField("ae", Array{});
  want.addField("c", int64_t{5});
  want.addField("g", int64_t{6});
  auto& af = std::get<std::vector<double>>(std::get<Array>(pts[0].findField("af")->value).items);
  ASSERT_EQ(af.size(), 2u);
  EXPECT_TRUE(std::isnan(af[1]));
  af[1] = 0.0;
  EXPECT_EQ(pts[0], want);
}

TEST(PbJsonDecode, SpecialFloats) {
  auto pts = pbOk(R"([{"name":"m","fields":[{"key":"a","f":"NaN"},{"key":"b","f":"Infinity"},
      {"key":"c","f":"-Infinity"},{"key":"d","f":-0.0}]}])");
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_TRUE(std::isnan(std::get<double>(pts[0].findField("a")->value)));
  EXPECT_EQ(std::get<double>(pts[0].findField("b")->value),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(std::get<double>(pts[0].findField("c")->value),
            -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::signbit(std::get<double>(pts[0].findField("d")->value)));
}

TEST(PbJsonDecode, DefaultsNullsAndValuelessFields) {
  auto pts =
      pbOk(R"([{"fields":[{"key":"x","i":null,"f":2},{"key":"none"},{"key":"t","is_tag":true},
                                  {"key":"n","i":"1","is_tag":null}],"time":null,"name":null},
                      {}])");
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].measurement, "");
  EXPECT_EQ(pts[0].time_ns, 0);
  EXPECT_TRUE(pts[0].tags.empty());
  ASSERT_EQ(pts[0].fields.size(), 2u);
  EXPECT_EQ(pts[0].fields[0], (model::Field{"x", 2.0}));
  EXPECT_EQ(pts[0].fields[1], (model::Field{"n", int64_t{1}}));
  EXPECT_TRUE(pts[1].fields.empty());
  EXPECT_TRUE(pbOk("[]").empty());
}

TEST(PbJsonDecode, ErrorsNameThePointAndTheField) {
  std::string ok = R"({"name":"m","fields":[{"key":"x","i":"1"}]})";
  auto err = [&](std::string_view bad) { return pbError("[" + ok + "," + std::string(bad) + "]"); };
  EXPECT_EQ(err("[]"), "pbjson point 1: not a JSON object");
  EXPECT_EQ(err(R"({"name":1})"), "pbjson point 1: \"name\" is not a string");
  EXPECT_EQ(err(R"({"fields":{}})"), "pbjson point 1: \"fields\" is not an array");
  EXPECT_EQ(err(R"({"fields":[1]})"), "pbjson point 1: field is not an object");
  EXPECT_EQ(err(R"({"time":"x"})"), "pbjson point 1: \"time\" is not an int64");
  EXPECT_EQ(err(R"({"time":1.5})"), "pbjson point 1: \"time\" is not an int64");
  EXPECT_EQ(err(R"({"fields":[{"key":"k","i":"1","f":1}]})"),
            "pbjson point 1: field \"k\": more than one value");
  for (std::string_view bad :
       {R"("i":"1.5")", R"("i":1.5)", R"("i":"abc")", R"("i":true)", R"("i":"9223372036854775808")",
        R"("u":"-1")", R"("u":-1)", R"("f":"abc")", R"("f":"inf")", R"("f":true)", R"("b":"true")",
        R"("s":1)", R"("d":"!!")", R"("d":1)"}) {
    EXPECT_EQ(err(R"({"fields":[{"key":"k",)" + std::string(bad) + "}]}"),
              "pbjson point 1: field \"k\": malformed value")
        << bad;
  }
  EXPECT_EQ(err(R"({"fields":[{"key":"k","s":"1","is_tag":1}]})"),
            "pbjson point 1: field \"k\": \"is_tag\" is not a boolean");
  EXPECT_EQ(err(R"({"fields":[{"key":"k","i":"1","is_tag":true}]})"),
            "pbjson point 1: tag \"k\": value is not a string");
  EXPECT_EQ(err(R"({"fields":[{"key":"k","i":"1","type":{}}]})"),
            "pbjson point 1: field \"k\": \"type\" is not an enum");
  EXPECT_EQ(err(R"({"fields":[{"key":"k","i":"1","unit":2}]})"),
            "pbjson point 1: field \"k\": \"unit\" is not a string");
}

TEST(PbJsonDecode, BadArrays) {
  auto err = [](std::string_view a) {
    return pbError(R"([{"fields":[{"key":"k","a":)" + std::string(a) + "}]}]");
  };
  const std::string url = R"("@type":"type.googleapis.com/point.Array")";
  EXPECT_TRUE(contains(err("[]"), "\"a\" is not an object"));
  EXPECT_TRUE(contains(err(R"({"arr":[]})"), "not a point.Array"));
  EXPECT_TRUE(
      contains(err(R"({"@type":"type.googleapis.com/point.Map","arr":[]})"), "not a point.Array"));
  EXPECT_TRUE(contains(err("{" + url + R"(,"arr":{}})"), "\"arr\" is not an array"));
  EXPECT_TRUE(contains(err("{" + url + R"(,"arr":[1]})"), "array element is not an object"));
  EXPECT_TRUE(contains(err("{" + url + R"(,"arr":[{}]})"), "array element without a value"));
  EXPECT_TRUE(contains(err("{" + url + R"(,"arr":[{"i":"1","s":"x"}]})"), "more than one value"));
  EXPECT_TRUE(contains(err("{" + url + R"(,"arr":[{"i":"1"},{"s":"x"}]})"), "mixed types"));
  EXPECT_TRUE(contains(err("{" + url + R"(,"arr":[{"i":"x"}]})"), "malformed array element"));
  // Another host in the type URL is fine: Any names the type after the last '/'.
  auto pts =
      pbOk(R"([{"fields":[{"key":"k","a":{"@type":"x.org/point.Array","arr":[{"b":true}]}}]}])");
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].fields[0].value, FieldValue(Array{std::vector<bool>{true}}));
}

TEST(PbJsonDecode, MalformedBodies) {
  EXPECT_TRUE(contains(pbError(""), "invalid PBJSON"));
  EXPECT_TRUE(contains(pbError(R"({"arr":[]})"), "not a JSON array"));
}

// ================================ PBJSON: encoding ================================

TEST(PbJsonEncode, WritesTheProto3JsonShape) {
  Point p;
  p.measurement = "m";
  p.addTag("host", "a");
  p.addField("i", int64_t{-1});
  p.addField("u", uint64_t{2});
  p.addField("f", 0.5);
  p.addField("nan", std::numeric_limits<double>::quiet_NaN());
  p.addField("inf", -std::numeric_limits<double>::infinity());
  p.addField("b", true);
  p.addField("s", std::string("x"));
  p.addField("d", Bytes{"foo"});
  p.addField("a", Array{std::vector<int64_t>{1, 2}});
  p.time_ns = 1700000000000000000;
  std::string out;
  encodePbJson(std::vector<Point>{p}, {}, &out);
  EXPECT_EQ(out,
            R"([{"name":"m","fields":[{"key":"host","s":"a","is_tag":true},{"key":"i","i":"-1"},)"
            R"({"key":"u","u":"2"},{"key":"f","f":0.5},{"key":"nan","f":"NaN"},)"
            R"({"key":"inf","f":"-Infinity"},{"key":"b","b":true},{"key":"s","s":"x"},)"
            R"({"key":"d","d":"Zm9v"},{"key":"a","a":{"@type":"type.googleapis.com/point.Array",)"
            R"("arr":[{"i":"1"},{"i":"2"}]}}],"time":"1700000000000000000"}])");
}

TEST(PbJsonEncode, WarningsPerPoint) {
  Point p;
  p.measurement = "m";
  p.addField("x", true);
  std::vector<std::vector<model::Warning>> warns = {{}, {{"dot_in_key", "a.b"}}};
  std::string out;
  encodePbJson(std::vector<Point>{p, p, p}, warns, &out);
  const std::string body = R"("name":"m","fields":[{"key":"x","b":true}],"time":"0")";
  EXPECT_EQ(out, "[{" + body + "},{" + body +
                     R"(,"warns":[{"type":"dot_in_key","message":"a.b"}]},{)" + body + "}]");
  auto back = pbOk(out);  // warnings are read past
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1], p);
}

TEST(PbJsonEncode, InvalidUtf8BecomesReplacementCharacters) {
  // A tag given as base64 bytes may hold anything; JSON output is always valid UTF-8.
  auto pts = pbOk(R"([{"name":"m","fields":[{"key":"t","d":"qDE=","is_tag":true}]}])");
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].tags[0].value,
            "\xa8"
            "1");
  std::string out;
  encodePbJson(pts, {}, &out);
  EXPECT_NE(out.find("\"s\":\"\xEF\xBF\xBD"
                     "1\""),
            std::string::npos)
      << out;
}

std::vector<Point> randomPoints(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<Point> pts;
  for (int i = 0; i < n; ++i) pts.push_back(model::testing::randomPoint(rng));
  return pts;
}

TEST(PbJsonProperty, RoundTripWithFullTypeFidelity) {
  auto pts = randomPoints(31, 3000);
  std::string body;
  encodePbJson(pts, {}, &body);
  auto got = pbOk(body);
  ASSERT_EQ(got.size(), pts.size());
  for (size_t i = 0; i < pts.size(); ++i) ASSERT_EQ(got[i], pts[i]) << "point " << i;
}

TEST(PbJsonProperty, SpecialValuesRoundTripBitForBit) {
  Point p;
  p.measurement = "m";
  std::vector<double> specials = {-0.0,
                                  std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity(),
                                  5e-324,
                                  DBL_MAX,
                                  std::numeric_limits<double>::quiet_NaN(),
                                  1.2345678901234568e+20};
  p.addField("arr", Array{specials});
  for (size_t i = 0; i < specials.size(); ++i) p.addField("f" + std::to_string(i), specials[i]);
  p.addField("imin", int64_t{INT64_MIN});
  p.addField("umax", uint64_t{UINT64_MAX});
  p.addField("ab", Array{std::vector<Bytes>{Bytes{std::string("\0", 1)}, Bytes{""}}});
  p.addField("au", Array{std::vector<uint64_t>{0, UINT64_MAX}});
  p.time_ns = INT64_MIN;
  std::string body;
  encodePbJson(std::vector<Point>{p}, {}, &body);
  auto got = pbOk(body);
  ASSERT_EQ(got.size(), 1u);
  std::string again;
  encodePbJson(got, {}, &again);
  EXPECT_EQ(again, body);
  for (size_t i = 0; i < specials.size(); ++i) {
    double d = std::get<double>(got[0].findField("f" + std::to_string(i))->value);
    EXPECT_EQ(std::bit_cast<uint64_t>(d), std::bit_cast<uint64_t>(specials[i])) << i;
  }
  EXPECT_EQ(got[0].findField("imin")->value, FieldValue(int64_t{INT64_MIN}));
  EXPECT_EQ(got[0].findField("umax")->value, FieldValue(uint64_t{UINT64_MAX}));
  EXPECT_EQ(got[0].findField("ab")->value, p.findField("ab")->value);
  EXPECT_EQ(got[0].findField("au")->value, p.findField("au")->value);
  EXPECT_EQ(got[0].time_ns, INT64_MIN);
}

}  // namespace
}  // namespace sextant::codec::json
