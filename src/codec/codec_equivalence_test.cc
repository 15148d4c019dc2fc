// Cross-codec properties: the same points sent as line protocol, simple JSON, PBJSON and
// protobuf decode to equal points once normalised, for random points of every category and for
// real DataKit uploads.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "codec/compression/compression.h"
#include "codec/line_protocol/line_protocol.h"
#include "codec/point_json/point_json.h"
#include "codec/point_pb/point_pb.h"
#include "model/check.h"
#include "model/testing/random_points.h"

namespace sextant::codec {
namespace {

using model::Category;
using model::Point;

Point normalised(Point p) {
  model::CheckOptions opts;
  (void)model::normalize(p, opts, nullptr);
  return p;
}

std::vector<Point> viaLineProtocol(const std::vector<Point>& pts, Category c) {
  std::string text;
  lp::encode(pts, &text);
  lp::DecodeOptions opts;
  opts.category = c;
  opts.precision = lp::Precision::kNanosecond;
  lp::DecodeResult r = lp::decode(text, opts);
  EXPECT_TRUE(r.ok()) << r.errorMessage();
  return r.points;
}

std::vector<Point> viaProtobuf(const std::vector<Point>& pts, Category c) {
  std::string body;
  pb::encode(pts, &body);
  auto r = pb::decode(body, c);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? std::move(r).value() : std::vector<Point>{};
}

std::vector<Point> viaPbJson(const std::vector<Point>& pts, Category c) {
  std::string body;
  json::encodePbJson(pts, {}, &body);
  auto r = json::decodePbJson(body, c);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? std::move(r).value() : std::vector<Point>{};
}

std::vector<Point> viaJson(const std::vector<Point>& pts, Category c) {
  std::string body;
  json::encodeJson(pts, &body);
  auto r = json::decodeJson(body, c, /*now_ns=*/0);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? std::move(r).value() : std::vector<Point>{};
}

class CodecEquivalenceTest : public ::testing::TestWithParam<Category> {};

// Every codec with full type fidelity carries any point; after normalisation all agree.
TEST_P(CodecEquivalenceTest, TypedCodecsAgreeAfterNormalisation) {
  const Category c = GetParam();
  std::mt19937_64 rng(1234 + static_cast<int>(c));
  model::testing::RandomPointOptions opts;
  opts.category = c;
  std::vector<Point> pts;
  for (int i = 0; i < 400; ++i) pts.push_back(model::testing::randomPoint(rng, opts));

  auto lp_pts = viaLineProtocol(pts, c);
  auto pb_pts = viaProtobuf(pts, c);
  auto pbjson_pts = viaPbJson(pts, c);
  ASSERT_EQ(lp_pts.size(), pts.size());
  ASSERT_EQ(pb_pts.size(), pts.size());
  ASSERT_EQ(pbjson_pts.size(), pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    Point want = normalised(pts[i]);
    EXPECT_EQ(normalised(lp_pts[i]), want) << "line protocol, point " << i;
    EXPECT_EQ(normalised(pb_pts[i]), want) << "protobuf, point " << i;
    EXPECT_EQ(normalised(pbjson_pts[i]), want) << "pbjson, point " << i;
  }
}

// Simple JSON has no integer or bytes types (DataKit reads every number as a float), so it is
// compared on the points it can carry: floats, bools, strings and arrays of those.
TEST_P(CodecEquivalenceTest, SimpleJsonAgreesOnWhatItCanCarry) {
  const Category c = GetParam();
  std::mt19937_64 rng(99 + static_cast<int>(c));
  model::testing::RandomPointOptions opts;
  opts.category = c;
  opts.uints = false;
  opts.bytes = false;
  std::vector<Point> pts;
  for (int i = 0; i < 400; ++i) {
    Point p = model::testing::randomPoint(rng, opts);
    // Keep only float-exact values: drop ints and int arrays.
    std::erase_if(p.fields, [](const model::Field& f) {
      if (std::holds_alternative<int64_t>(f.value)) return true;
      if (auto* a = std::get_if<model::Array>(&f.value))
        return std::holds_alternative<std::vector<int64_t>>(a->items);
      return false;
    });
    if (p.fields.empty()) p.addField("v", 1.25);
    pts.push_back(std::move(p));
  }
  auto json_pts = viaJson(pts, c);
  auto lp_pts = viaLineProtocol(pts, c);
  ASSERT_EQ(json_pts.size(), pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    EXPECT_EQ(normalised(json_pts[i]), normalised(lp_pts[i])) << "point " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllCategories, CodecEquivalenceTest,
                         ::testing::ValuesIn(model::kAllCategories), [](const auto& param_info) {
                           return std::string(model::categoryName(param_info.param));
                         });

// The same two points written by hand in each wire format.
TEST(CodecEquivalenceHandWritten, SamePointsInEveryFormat) {
  const std::string lp_text =
      "nginx,host=web-1,app.name=shop message=\"GET / 200\",bytes=512i,ok=true "
      "1700000000000000000\n"
      "nginx,host=web-2 message=\"timeout\",latency=1.5,status=\"error\" 1700000000000000001\n";
  const std::string pbjson_text = R"([
    {"name":"nginx","fields":[
      {"key":"host","s":"web-1","is_tag":true},{"key":"app.name","s":"shop","is_tag":true},
      {"key":"message","s":"GET / 200"},{"key":"bytes","i":"512"},{"key":"ok","b":true}],
     "time":"1700000000000000000"},
    {"name":"nginx","fields":[
      {"key":"host","s":"web-2","is_tag":true},{"key":"message","s":"timeout"},
      {"key":"latency","f":1.5},{"key":"status","s":"error"}],
     "time":"1700000000000000001"}])";
  lp::DecodeOptions lopts;
  lopts.category = Category::kLogging;
  auto from_lp = lp::decode(lp_text, lopts);
  ASSERT_TRUE(from_lp.ok()) << from_lp.errorMessage();
  auto from_pbjson = json::decodePbJson(pbjson_text, Category::kLogging);
  ASSERT_TRUE(from_pbjson.isOk()) << from_pbjson.status().toString();

  // The expected result, by hand: logging turns '.' into '_' and adds status="info".
  Point a;
  a.category = Category::kLogging;
  a.measurement = "nginx";
  a.addTag("host", "web-1");
  a.addTag("app_name", "shop");
  a.addField("message", std::string("GET / 200"));
  a.addField("bytes", int64_t{512});
  a.addField("ok", true);
  a.addField("status", std::string("info"));
  a.time_ns = 1'700'000'000'000'000'000;
  Point b;
  b.category = Category::kLogging;
  b.measurement = "nginx";
  b.addTag("host", "web-2");
  b.addField("message", std::string("timeout"));
  b.addField("latency", 1.5);
  b.addField("status", std::string("error"));
  b.time_ns = 1'700'000'000'000'000'001;

  ASSERT_EQ(from_lp.points.size(), 2u);
  ASSERT_EQ(from_pbjson->size(), 2u);
  EXPECT_EQ(normalised(from_lp.points[0]), a);
  EXPECT_EQ(normalised(from_lp.points[1]), b);
  EXPECT_EQ(normalised((*from_pbjson)[0]), a);
  EXPECT_EQ(normalised((*from_pbjson)[1]), b);

  // And through protobuf built from the PBJSON points.
  std::string pb_body;
  pb::encode(*from_pbjson, &pb_body);
  auto from_pb = pb::decode(pb_body, Category::kLogging);
  ASSERT_TRUE(from_pb.isOk());
  EXPECT_EQ(normalised((*from_pb)[0]), a);
  EXPECT_EQ(normalised((*from_pb)[1]), b);
}

// Real uploads from DataKit 1.84.1: protobuf -> points -> line protocol -> points is lossless.
TEST(CodecEquivalenceFixtures, DataKitUploadsSurviveLineProtocol) {
  const std::filesystem::path dir =
      std::filesystem::path(SEXTANT_SHARED_DIR) / "fixtures/datakit-upload";
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir;
  int bodies = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".body") continue;
    std::string name = entry.path().stem().string();
    std::optional<Category> c = model::parseCategory(name.substr(0, name.rfind('-')));
    ASSERT_TRUE(c.has_value()) << name;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto raw = decompress(ss.str(), ContentEncoding::kGzip, 64 << 20);
    ASSERT_TRUE(raw.isOk()) << name;
    auto pts = pb::decode(*raw, *c);
    ASSERT_TRUE(pts.isOk()) << name << ": " << pts.status().toString();
    ASSERT_FALSE(pts->empty()) << name;
    auto back = viaLineProtocol(*pts, *c);
    ASSERT_EQ(back.size(), pts->size()) << name;
    for (size_t i = 0; i < back.size(); ++i) {
      // Line protocol cannot carry an empty tag value (DataKit's RUM uploads have `ip=""`):
      // the encoder leaves such tags out, everything else must survive.
      Point want = (*pts)[i];
      std::erase_if(want.tags, [](const model::Tag& t) { return t.value.empty(); });
      EXPECT_EQ(back[i], want) << name << " #" << i;
    }
    ++bodies;
  }
  EXPECT_GE(bodies, 20);
}

}  // namespace
}  // namespace sextant::codec
