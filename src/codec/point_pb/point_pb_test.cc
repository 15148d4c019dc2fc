// Tests of the hand-written PBPoints codec. libprotobuf (classes generated from point.proto)
// is the independent oracle: what we encode must parse there field by field, and what it
// serializes must decode here. Real DataKit 1.84.1 uploads are decoded and checked against
// their .decoded.jsonl.
#include "codec/point_pb/point_pb.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <sstream>

#include "codec/point_pb/point.pb.h"
#include "codec/point_pb/testing/expect_json.h"
#include "core/testing/read_file.h"
#include "model/testing/random_points.h"

namespace sextant::codec::pb {
namespace {

using model::Array;
using model::Bytes;
using model::Category;
using model::FieldValue;
using model::Point;

// ---- helpers building wire bytes by hand (independent of the encoder under test) ----

std::string varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}
std::string key(uint32_t field, uint32_t wire_type) { return varint(field << 3 | wire_type); }
std::string lenField(uint32_t field, std::string_view payload) {
  return key(field, 2) + varint(payload.size()) + std::string(payload);
}
std::string varintField(uint32_t field, uint64_t v) { return key(field, 0) + varint(v); }
std::string pointsOf(std::string_view point_msg) { return lenField(1, point_msg); }

// ---- oracle helpers ----

void expectSameValue(const point::Field& m, const FieldValue& v) {
  std::visit(
      [&m](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          ASSERT_EQ(m.val_case(), point::Field::kI);
          EXPECT_EQ(m.i(), x);
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          ASSERT_EQ(m.val_case(), point::Field::kU);
          EXPECT_EQ(m.u(), x);
        } else if constexpr (std::is_same_v<T, double>) {
          ASSERT_EQ(m.val_case(), point::Field::kF);
          EXPECT_EQ(std::bit_cast<uint64_t>(m.f()), std::bit_cast<uint64_t>(x));
        } else if constexpr (std::is_same_v<T, bool>) {
          ASSERT_EQ(m.val_case(), point::Field::kB);
          EXPECT_EQ(m.b(), x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          ASSERT_EQ(m.val_case(), point::Field::kS);
          EXPECT_EQ(m.s(), x);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          ASSERT_EQ(m.val_case(), point::Field::kD);
          EXPECT_EQ(m.d(), x.data);
        } else {
          ASSERT_EQ(m.val_case(), point::Field::kA);
          EXPECT_EQ(m.a().type_url(), "type.googleapis.com/point.Array");
          point::Array arr;
          ASSERT_TRUE(m.a().UnpackTo(&arr));
          ASSERT_EQ(static_cast<size_t>(arr.arr_size()), x.size());
          std::visit(
              [&arr](const auto& items) {
                using E = typename std::decay_t<decltype(items)>::value_type;
                for (size_t k = 0; k < items.size(); ++k) {
                  const point::BasicTypes& e = arr.arr(static_cast<int>(k));
                  if constexpr (std::is_same_v<E, int64_t>) {
                    ASSERT_EQ(e.x_case(), point::BasicTypes::kI);
                    EXPECT_EQ(e.i(), items[k]);
                  } else if constexpr (std::is_same_v<E, uint64_t>) {
                    ASSERT_EQ(e.x_case(), point::BasicTypes::kU);
                    EXPECT_EQ(e.u(), items[k]);
                  } else if constexpr (std::is_same_v<E, double>) {
                    ASSERT_EQ(e.x_case(), point::BasicTypes::kF);
                    EXPECT_EQ(std::bit_cast<uint64_t>(e.f()), std::bit_cast<uint64_t>(items[k]));
                  } else if constexpr (std::is_same_v<E, bool>) {
                    ASSERT_EQ(e.x_case(), point::BasicTypes::kB);
                    EXPECT_EQ(e.b(), items[k]);
                  } else if constexpr (std::is_same_v<E, std::string>) {
                    ASSERT_EQ(e.x_case(), point::BasicTypes::kS);
                    EXPECT_EQ(e.s(), items[k]);
                  } else {
                    ASSERT_EQ(e.x_case(), point::BasicTypes::kD);
                    EXPECT_EQ(e.d(), items[k].data);
                  }
                }
              },
              x.items);
        }
      },
      v);
}

// Checks that the libprotobuf message `m` carries exactly point `p` (tags first, then fields,
// in the model's order).
void expectMessageIs(const point::PBPoint& m, const Point& p) {
  EXPECT_EQ(m.name(), p.measurement);
  EXPECT_EQ(m.time(), p.time_ns);
  ASSERT_EQ(static_cast<size_t>(m.fields_size()), p.tags.size() + p.fields.size());
  size_t i = 0;
  for (const auto& t : p.tags) {
    const point::Field& f = m.fields(static_cast<int>(i++));
    EXPECT_TRUE(f.is_tag());
    EXPECT_EQ(f.key(), t.key);
    ASSERT_EQ(f.val_case(), point::Field::kS);
    EXPECT_EQ(f.s(), t.value);
  }
  for (const auto& fl : p.fields) {
    const point::Field& f = m.fields(static_cast<int>(i++));
    EXPECT_FALSE(f.is_tag());
    EXPECT_EQ(f.key(), fl.key);
    expectSameValue(f, fl.value);
  }
}

// Builds the libprotobuf message of a point (fields before tags, to differ from our order).
point::PBPoint toMessage(const Point& p) {
  point::PBPoint m;
  m.set_name(p.measurement);
  m.set_time(p.time_ns);
  for (const auto& fl : p.fields) {
    point::Field* f = m.add_fields();
    f->set_key(fl.key);
    std::visit(
        [f](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, int64_t>) {
            f->set_i(x);
          } else if constexpr (std::is_same_v<T, uint64_t>) {
            f->set_u(x);
          } else if constexpr (std::is_same_v<T, double>) {
            f->set_f(x);
          } else if constexpr (std::is_same_v<T, bool>) {
            f->set_b(x);
          } else if constexpr (std::is_same_v<T, std::string>) {
            f->set_s(x);
          } else if constexpr (std::is_same_v<T, Bytes>) {
            f->set_d(x.data);
          } else {
            point::Array arr;
            std::visit(
                [&arr](const auto& items) {
                  using E = typename std::decay_t<decltype(items)>::value_type;
                  for (size_t k = 0; k < items.size(); ++k) {
                    point::BasicTypes* e = arr.add_arr();
                    if constexpr (std::is_same_v<E, int64_t>) {
                      e->set_i(items[k]);
                    } else if constexpr (std::is_same_v<E, uint64_t>) {
                      e->set_u(items[k]);
                    } else if constexpr (std::is_same_v<E, double>) {
                      e->set_f(items[k]);
                    } else if constexpr (std::is_same_v<E, bool>) {
                      e->set_b(items[k]);
                    } else if constexpr (std::is_same_v<E, std::string>) {
                      e->set_s(items[k]);
                    } else {
                      e->set_d(items[k].data);
                    }
                  }
                },
                x.items);
            f->mutable_a()->PackFrom(arr);
          }
        },
        fl.value);
    f->set_type(point::GAUGE);  // not in the model: must be read past
    f->set_unit("B");
  }
  for (const auto& t : p.tags) {
    point::Field* f = m.add_fields();
    f->set_key(t.key);
    f->set_s(t.value);
    f->set_is_tag(true);
  }
  return m;
}

std::vector<Point> decodeOk(std::string_view body, Category cat = Category::kMetric) {
  auto r = decode(body, cat);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? std::move(r).value() : std::vector<Point>{};
}

std::string decodeError(std::string_view body) {
  auto r = decode(body, Category::kMetric);
  EXPECT_FALSE(r.isOk()) << "decoded " << (r.isOk() ? r->size() : 0) << " points";
  if (r.isOk()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

Point samplePoint() {
  Point p;
  p.measurement = "cpu";
  p.addTag("host", "a");
  p.addField("usage", 1.5);
  p.addField("n", int64_t{-3});
  p.time_ns = 1'700'000'000'000'000'000;
  return p;
}

// ---- decoding rules ----

TEST(PointPbDecode, EmptyBodyHasNoPoints) { EXPECT_TRUE(decodeOk("").empty()); }

TEST(PointPbDecode, HandBuiltPoint) {
  std::string tag = lenField(1, "host") + lenField(11, "web-1") + varintField(8, 1);
  std::string f_int = lenField(1, "n") + varintField(2, static_cast<uint64_t>(int64_t{-7}));
  std::string f_uint = lenField(1, "u") + varintField(3, UINT64_MAX);
  std::string f_bool = lenField(1, "ok") + varintField(5, 1);
  std::string f_str = lenField(1, "msg") + lenField(11, "hello");
  std::string f_bytes = lenField(1, "raw") + lenField(6, std::string("\0\xff", 2));
  uint64_t bits = std::bit_cast<uint64_t>(2.5);
  std::string f_float = lenField(1, "f") + key(4, 1);
  for (int i = 0; i < 8; ++i) f_float.push_back(static_cast<char>(bits >> (8 * i)));
  std::string pt = lenField(1, "m") + lenField(2, tag) + lenField(2, f_int) + lenField(2, f_uint) +
                   lenField(2, f_bool) + lenField(2, f_str) + lenField(2, f_bytes) +
                   lenField(2, f_float) + varintField(3, 123456789);
  auto pts = decodeOk(pointsOf(pt), Category::kLogging);
  ASSERT_EQ(pts.size(), 1u);
  Point want;
  want.category = Category::kLogging;
  want.measurement = "m";
  want.addTag("host", "web-1");
  want.addField("n", int64_t{-7});
  want.addField("u", uint64_t{UINT64_MAX});
  want.addField("ok", true);
  want.addField("msg", std::string("hello"));
  want.addField("raw", Bytes{std::string("\0\xff", 2)});
  want.addField("f", 2.5);
  want.time_ns = 123456789;
  EXPECT_EQ(pts[0], want);
}

TEST(PointPbDecode, CategoryComesFromTheCaller) {
  std::string body;
  encode(std::vector<Point>{samplePoint(), samplePoint()}, &body);
  for (Category c : model::kAllCategories) {
    auto pts = decodeOk(body, c);
    ASSERT_EQ(pts.size(), 2u);
    EXPECT_EQ(pts[0].category, c);
    EXPECT_EQ(pts[1].category, c);
  }
}

TEST(PointPbDecode, KeyMayFollowValueAndLastScalarWins) {
  // Protobuf fields may come in any order; a repeated scalar keeps its last value.
  std::string f = varintField(2, 5) + lenField(1, "first") + lenField(1, "k") + varintField(2, 9);
  std::string tag = varintField(8, 1) + lenField(11, "v") + lenField(1, "t");
  std::string pt =
      varintField(3, 1) + lenField(2, f) + lenField(2, tag) + lenField(1, "m") + varintField(3, 42);
  auto pts = decodeOk(pointsOf(pt));
  ASSERT_EQ(pts.size(), 1u);
  ASSERT_EQ(pts[0].fields.size(), 1u);
  EXPECT_EQ(pts[0].fields[0].key, "k");
  EXPECT_EQ(pts[0].fields[0].value, FieldValue(int64_t{9}));
  ASSERT_EQ(pts[0].tags.size(), 1u);
  EXPECT_EQ(pts[0].tags[0], (model::Tag{"t", "v"}));
  EXPECT_EQ(pts[0].measurement, "m");
  EXPECT_EQ(pts[0].time_ns, 42);
}

TEST(PointPbDecode, TagValueMayBeBytes) {
  std::string tag = lenField(1, "host") + lenField(6, "h1") + varintField(8, 1);
  auto pts = decodeOk(pointsOf(lenField(1, "m") + lenField(2, tag)));
  ASSERT_EQ(pts.size(), 1u);
  ASSERT_EQ(pts[0].tags.size(), 1u);
  EXPECT_EQ(pts[0].tags[0], (model::Tag{"host", "h1"}));
}

TEST(PointPbDecode, FieldsWithoutValueAreDropped) {
  std::string nil_field = lenField(1, "nothing");
  std::string nil_tag = lenField(1, "t") + varintField(8, 1);
  std::string ok = lenField(1, "x") + varintField(5, 0);
  auto pts = decodeOk(
      pointsOf(lenField(1, "m") + lenField(2, nil_field) + lenField(2, nil_tag) + lenField(2, ok)));
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_TRUE(pts[0].tags.empty());
  ASSERT_EQ(pts[0].fields.size(), 1u);
  EXPECT_EQ(pts[0].fields[0].value, FieldValue(false));
}

TEST(PointPbDecode, UnknownFieldsAreSkippedAtEveryLevel) {
  // Unknown numbers of every wire type, including a nested group.
  std::string unknown = varintField(20, 300) + key(21, 1) + std::string(8, 'x') +
                        lenField(22, "zzz") + key(23, 5) + std::string(4, 'y') + key(24, 3) +
                        varintField(1, 1) + key(25, 3) + key(25, 4) + key(24, 4);
  std::string elem = unknown + varintField(1, 7);
  std::string array = unknown + lenField(1, elem) + lenField(1, varintField(1, 8));
  std::string any = unknown + lenField(1, "type.googleapis.com/point.Array") + lenField(2, array);
  std::string f = unknown + lenField(1, "arr") + lenField(7, any);
  std::string tag = lenField(1, "t") + unknown + lenField(11, "v") + varintField(8, 1);
  std::string warn = lenField(1, "w") + lenField(2, "msg");
  std::string pt = unknown + lenField(1, "m") + lenField(2, f) + lenField(2, tag) +
                   lenField(4, warn) + lenField(5, lenField(1, "dbg")) + varintField(3, 5);
  auto pts = decodeOk(unknown + pointsOf(pt) + unknown);
  ASSERT_EQ(pts.size(), 1u);
  Point want;
  want.measurement = "m";
  want.addTag("t", "v");
  want.addField("arr", Array{std::vector<int64_t>{7, 8}});
  want.time_ns = 5;
  EXPECT_EQ(pts[0], want);
}

TEST(PointPbDecode, MetricTypeUnitWarnsAndDebugsAreReadPast) {
  point::PBPoints msg;
  point::PBPoint* m = msg.add_arr();
  m->set_name("m");
  point::Field* f = m->add_fields();
  f->set_key("bytes");
  f->set_i(10);
  f->set_type(point::COUNT);
  f->set_unit("B");
  point::Warn* w = m->add_warns();
  w->set_type("dot_in_key");
  w->set_msg("x");
  m->add_debugs()->set_info("debug");
  auto pts = decodeOk(msg.SerializeAsString());
  ASSERT_EQ(pts.size(), 1u);
  ASSERT_EQ(pts[0].fields.size(), 1u);
  EXPECT_EQ(pts[0].fields[0], (model::Field{"bytes", int64_t{10}}));
}

TEST(PointPbDecode, NonMinimalVarintsAreAccepted) {
  // 5 encoded as a 3-byte varint (0x85 0x80 0x00) as a length and as a value.
  std::string pt = key(1, 2) + std::string("\x81\x80\x00", 3) + "m" + key(3, 0) +
                   std::string("\x85\x80\x00", 3) +
                   lenField(2, lenField(1, "x") + varintField(5, 1));
  auto pts = decodeOk(pointsOf(pt));
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].measurement, "m");
  EXPECT_EQ(pts[0].time_ns, 5);
}

TEST(PointPbDecode, AnyTypeUrlIsMatchedByItsLastSegment) {
  std::string array = lenField(1, lenField(6, "a")) + lenField(1, lenField(6, "b"));
  std::string any = lenField(1, "example.com/x/point.Array") + lenField(2, array);
  auto pts =
      decodeOk(pointsOf(lenField(1, "m") + lenField(2, lenField(1, "k") + lenField(7, any))));
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].fields[0].value, FieldValue(Array{std::vector<std::string>{"a", "b"}}));
}

TEST(PointPbDecode, EmptyArrayIsTheDefaultArray) {
  std::string any = lenField(1, std::string(kArrayTypeUrl));
  auto pts =
      decodeOk(pointsOf(lenField(1, "m") + lenField(2, lenField(1, "k") + lenField(7, any))));
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].fields[0].value, FieldValue(Array{}));
}

// ---- malformed input ----

TEST(PointPbDecode, TruncatedVarint) {
  std::string good = pointsOf(lenField(1, "m"));
  EXPECT_NE(decodeError(good + "\x80").find("malformed"), std::string::npos);     // key
  decodeError(good + "\x0a\x85");                                                 // length
  decodeError(pointsOf(key(3, 0) + "\xff"));                                      // time
  decodeError(pointsOf(lenField(2, lenField(1, "k") + key(2, 0) + "\x80\x80")));  // value
}

TEST(PointPbDecode, VarintLongerThanTenBytes) {
  EXPECT_FALSE(
      decode(pointsOf(key(3, 0) + std::string(10, '\xff') + "\x01"), Category::kMetric).isOk());
  // Ten bytes is the maximum and is fine.
  EXPECT_TRUE(
      decode(pointsOf(key(3, 0) + std::string(9, '\xff') + "\x01"), Category::kMetric).isOk());
}

TEST(PointPbDecode, LengthPastTheEnd) {
  std::string body = key(1, 2) + varint(100) + "short";
  decodeError(body);
  std::string inner = key(1, 2) + varint(50) + "m";
  decodeError(pointsOf(inner));
  decodeError(pointsOf(lenField(2, lenField(1, "k") + key(11, 2) + varint(9) + "ab")));
  // A length bigger than any buffer must not allocate: it is rejected.
  decodeError(key(1, 2) + varint(UINT64_MAX));
}

TEST(PointPbDecode, WrongWireTypeForAKnownField) {
  decodeError(key(1, 0) + varint(3));                                         // arr as varint
  decodeError(pointsOf(varintField(1, 3)));                                   // name as varint
  decodeError(pointsOf(lenField(3, "x")));                                    // time as bytes
  decodeError(pointsOf(varintField(2, 1)));                                   // fields as varint
  decodeError(pointsOf(lenField(2, varintField(1, 1))));                      // key as varint
  decodeError(pointsOf(lenField(2, lenField(1, "k") + varintField(4, 1))));   // f as varint
  decodeError(pointsOf(lenField(2, lenField(1, "k") + lenField(2, "1"))));    // i as bytes
  decodeError(pointsOf(lenField(2, lenField(1, "k") + lenField(8, "1"))));    // is_tag as bytes
  decodeError(pointsOf(lenField(2, lenField(1, "k") + varintField(7, 1))));   // a as varint
  decodeError(pointsOf(lenField(2, lenField(1, "k") + varintField(10, 1))));  // unit as varint
  decodeError(pointsOf(varintField(4, 1)));                                   // warns as varint
}

TEST(PointPbDecode, InvalidKeys) {
  decodeError(std::string("\x00\x01", 2));  // field number 0
  decodeError(key(5, 6) + "x");             // wire type 6 does not exist
  decodeError(key(5, 7) + "x");             // nor 7
  decodeError(key(5, 4));                   // end-group without a start
  decodeError(key(5, 3) + key(6, 4));       // end-group of another field
  decodeError(key(5, 3));                   // group never closed
}

TEST(PointPbDecode, GroupsNestedTooDeep) {
  std::string ok, deep;
  for (int i = 0; i < 64; ++i) ok += key(9, 3);
  for (int i = 0; i < 64; ++i) ok += key(9, 4);
  EXPECT_TRUE(decode(ok, Category::kMetric).isOk());
  for (int i = 0; i < 65; ++i) deep += key(9, 3);
  for (int i = 0; i < 65; ++i) deep += key(9, 4);
  decodeError(deep);
  // A huge nesting does not recurse (no stack overflow).
  std::string huge;
  for (int i = 0; i < 100000; ++i) huge += key(9, 3);
  decodeError(huge);
}

TEST(PointPbDecode, TagWithNonStringValue) {
  std::string tag = lenField(1, "host") + varintField(2, 1) + varintField(8, 1);
  std::string msg = decodeError(pointsOf(lenField(1, "m") + lenField(2, tag)));
  EXPECT_NE(msg.find("tag value is not a string"), std::string::npos) << msg;
  EXPECT_NE(msg.find("host"), std::string::npos) << msg;
}

TEST(PointPbDecode, BadArrays) {
  auto withAny = [](std::string_view any) {
    return pointsOf(lenField(1, "m") + lenField(2, lenField(1, "arr") + lenField(7, any)));
  };
  std::string url = lenField(1, std::string(kArrayTypeUrl));
  std::string mixed = lenField(1, varintField(1, 1)) + lenField(1, lenField(6, "s"));
  EXPECT_NE(decodeError(withAny(url + lenField(2, mixed))).find("mixed"), std::string::npos);
  std::string empty_elem = lenField(1, varintField(1, 1)) + lenField(1, "");
  EXPECT_NE(decodeError(withAny(url + lenField(2, empty_elem))).find("without a value"),
            std::string::npos);
  EXPECT_NE(decodeError(withAny(lenField(1, "type.googleapis.com/point.Map"))).find("point.Array"),
            std::string::npos);
  EXPECT_NE(decodeError(withAny(lenField(2, ""))).find("point.Array"), std::string::npos);
  decodeError(withAny(url + lenField(2, lenField(1, lenField(1, "x")))));  // i as bytes
  decodeError(withAny(url + lenField(2, varintField(1, 3))));              // arr as varint
}

TEST(PointPbDecode, ErrorNamesThePointIndex) {
  std::string good = pointsOf(lenField(1, "m") + lenField(2, lenField(1, "x") + varintField(5, 1)));
  std::string bad = pointsOf(lenField(1, "m") + lenField(2, lenField(1, "x") + lenField(4, "")));
  std::string msg = decodeError(good + good + bad + good);
  EXPECT_NE(msg.find("point 2"), std::string::npos) << msg;
}

TEST(PointPbDecode, EveryTruncationAndByteFlipIsHandled) {
  std::mt19937_64 rng(7);
  std::vector<Point> pts;
  for (int i = 0; i < 5; ++i) pts.push_back(model::testing::randomPoint(rng));
  std::string body;
  encode(pts, &body);
  for (size_t n = 0; n < body.size(); ++n) {
    auto r = decode(std::string_view(body).substr(0, n), Category::kMetric);
    if (r.isOk()) {
      EXPECT_LE(r->size(), pts.size());
    }
  }
  for (int i = 0; i < 2000; ++i) {
    std::string m = body;
    m[rng() % m.size()] = static_cast<char>(rng());
    auto r = decode(m, Category::kMetric);  // any result but a crash
    (void)r;
  }
}

// ---- encoding ----

TEST(PointPbEncode, AppendsToTheOutput) {
  std::string out = "prefix";
  encode(std::vector<Point>{samplePoint()}, &out);
  ASSERT_EQ(out.substr(0, 6), "prefix");
  auto pts = decodeOk(std::string_view(out).substr(6));
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0], samplePoint());
}

TEST(PointPbEncode, NoPointsIsAnEmptyBody) {
  std::string out;
  encode(std::vector<Point>{}, &out);
  EXPECT_TRUE(out.empty());
}

TEST(PointPbEncode, OracleParsesEveryFieldType) {
  Point p;
  p.measurement = "all";
  p.addTag("host", "h");
  p.addTag("empty", "");
  p.addField("i", int64_t{INT64_MIN});
  p.addField("i0", int64_t{0});
  p.addField("u", uint64_t{UINT64_MAX});
  p.addField("f", -0.0);
  p.addField("inf", std::numeric_limits<double>::infinity());
  p.addField("b", false);
  p.addField("s", std::string(""));
  p.addField("d", Bytes{std::string("\0\x01\xfe", 3)});
  p.addField("ai", Array{std::vector<int64_t>{-1, 0, INT64_MAX}});
  p.addField("au", Array{std::vector<uint64_t>{0, UINT64_MAX}});
  p.addField("af", Array{std::vector<double>{1.5, -2.25}});
  p.addField("ab", Array{std::vector<bool>{true, false, true}});
  p.addField("as", Array{std::vector<std::string>{"x", "", "中文"}});
  p.addField("ad", Array{std::vector<Bytes>{Bytes{"\xff"}, Bytes{""}}});
  p.time_ns = -5;
  std::string body;
  encode(std::vector<Point>{p}, &body);
  point::PBPoints msg;
  ASSERT_TRUE(msg.ParseFromString(body));
  ASSERT_EQ(msg.arr_size(), 1);
  expectMessageIs(msg.arr(0), p);
  EXPECT_EQ(msg.arr(0).warns_size(), 0);
  EXPECT_EQ(body, msg.SerializeAsString());
  auto back = decodeOk(body);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].fields.size(), p.fields.size());
  // -0.0 and infinity survive bit for bit (Point's == would accept +0.0 for -0.0).
  EXPECT_TRUE(std::signbit(std::get<double>(back[0].findField("f")->value)));
  EXPECT_EQ(back[0], p);
}

// Every string length around the short-copy sizes (0-3, 4-7, 8-16, longer), in every place a
// string is written, read back by libprotobuf.
TEST(PointPbEncode, EveryShortStringLength) {
  for (size_t n = 0; n <= 40; ++n) {
    std::string text;
    for (size_t i = 0; i < n; ++i) text.push_back(static_cast<char>('a' + (i * 7 + n) % 26));
    Point p;
    p.measurement = "m" + text;
    p.addTag("k" + text, "v" + text);
    p.addField("f" + text, text);
    p.addField("b" + text, Bytes{text});
    p.addField("a" + text, Array{std::vector<std::string>{text, text + "x"}});
    p.time_ns = 1;
    for (bool append : {false, true}) {
      std::string body("\x0a\x00", 2);  // an empty point in front: writes land mid-buffer
      if (append) {
        appendPoint(p, &body);
      } else {
        encode(std::vector<Point>{p}, &body);
      }
      point::PBPoints msg;
      ASSERT_TRUE(msg.ParseFromString(body)) << n;
      ASSERT_EQ(msg.arr_size(), 2) << n;
      expectMessageIs(msg.arr(1), p);
    }
  }
}

// The view of a point (scalars and strings), read back by libprotobuf: the point it shows, with
// the same bytes as appendPoint(Point); random points and every short string length.
TEST(PointPbEncode, AppendPointFromViews) {
  std::mt19937_64 rng(20261124);
  model::testing::RandomPointOptions ro;
  ro.bytes = ro.arrays = false;
  for (int i = 0; i < 500; ++i) {
    const Point p = model::testing::randomPoint(rng, ro);
    const model::PointView v = model::viewOf(p);
    std::string from_view("\x0a\x00", 2), from_point("\x0a\x00", 2);
    appendPoint(v, &from_view);
    appendPoint(p, &from_point);
    point::PBPoints msg;
    ASSERT_TRUE(msg.ParseFromString(from_view)) << i;
    ASSERT_EQ(msg.arr_size(), 2) << i;
    expectMessageIs(msg.arr(1), p);
    ASSERT_EQ(from_view, from_point) << model::debugString(p);
    // Into a caller's buffer: the same bytes with room to spare (the one-pass writer) and with
    // exactly the room needed (the sized one); nothing written and 0 with less.
    const std::string want = from_point.substr(2);
    for (size_t room : {size_t{1} << 20, want.size(), want.size() - 1}) {
      std::string buf(std::max(room, size_t{1}), '\x7f');
      const size_t n = appendPoint(v, buf.data(), room);
      if (room < want.size()) {
        EXPECT_EQ(n, 0u);
        EXPECT_EQ(buf, std::string(buf.size(), '\x7f'));
      } else {
        ASSERT_EQ(n, want.size()) << room;
        EXPECT_EQ(buf.substr(0, n), want) << room << " " << model::debugString(p);
      }
    }
  }
  for (size_t n = 0; n <= 40; ++n) {
    const std::string text(n, static_cast<char>('a' + n % 26));
    Point p;
    p.measurement = text;
    p.addTag(text, text);
    p.addField(text + "s", text);
    p.addField(text + "i", int64_t{-1});
    p.time_ns = 0;  // no time on the wire
    model::PointView v;
    v.measurement = text;
    v.tags.push_back({text, text});
    model::FieldView& s = v.fields.emplace_back();
    s.key = p.fields[0].key;
    s.type = model::FieldType::kString;
    s.s = text;
    model::FieldView& i = v.fields.emplace_back();
    i.key = p.fields[1].key;
    i.type = model::FieldType::kInt;
    i.i = -1;
    std::string body;
    appendPoint(v, &body);
    point::PBPoints msg;
    ASSERT_TRUE(msg.ParseFromString(body)) << n;
    ASSERT_EQ(msg.arr_size(), 1) << n;
    expectMessageIs(msg.arr(0), p);
    std::string buf(1 << 20, '\0');
    ASSERT_EQ(appendPoint(v, buf.data(), buf.size()), body.size()) << n;
    EXPECT_EQ(buf.substr(0, body.size()), body) << n;
  }
  // Around the one-pass writer's limits: messages of 120-130 bytes, points of 16 KiB and more.
  for (size_t len : {size_t{1}, size_t{90}, size_t{95}, size_t{100}, size_t{118}, size_t{119},
                     size_t{120}, size_t{121}, size_t{126}, size_t{127}, size_t{128}}) {
    for (size_t count : {size_t{1}, size_t{100}, size_t{130}, size_t{140}, size_t{200}}) {
      Point p;
      p.measurement = std::string(len, 'm');
      for (size_t i = 0; i < count; ++i) {
        const std::string key = std::to_string(i) + std::string(len, 'k');
        p.addTag(key, "v");
        p.addField(key + "s", std::string(len / 2, 's'));
      }
      model::PointView v;  // views of p's strings, now that p is complete
      v.measurement = p.measurement;
      for (const model::Tag& t : p.tags) v.tags.push_back({t.key, t.value});
      for (const model::Field& field : p.fields) {
        model::FieldView& f = v.fields.emplace_back();
        f.key = field.key;
        f.type = model::FieldType::kString;
        f.s = std::get<std::string>(field.value);
      }
      p.time_ns = 1;
      v.time_ns = 1;
      std::string want;
      appendPoint(p, &want);
      std::string buf(want.size() + (1 << 20), '\0');
      ASSERT_EQ(appendPoint(v, buf.data(), buf.size()), want.size()) << len << " " << count;
      EXPECT_EQ(buf.substr(0, want.size()), want) << len << " " << count;
    }
  }
}

TEST(PointPbEncode, NanSurvives) {
  Point p = samplePoint();
  p.addField("nan", std::numeric_limits<double>::quiet_NaN());
  std::string body;
  encode(std::vector<Point>{p}, &body);
  auto back = decodeOk(body);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_TRUE(std::isnan(std::get<double>(back[0].findField("nan")->value)));
}

TEST(PointPbEncode, DefaultsAreOmittedAsInProto3) {
  Point p;
  p.addField("", int64_t{1});
  std::string body;
  encode(std::vector<Point>{p}, &body);
  // arr { fields { i: 1 } }: no name, no key, no time on the wire.
  EXPECT_EQ(body, lenField(1, lenField(2, varintField(2, 1))));
  point::PBPoints msg;
  ASSERT_TRUE(msg.ParseFromString(body));
  expectMessageIs(msg.arr(0), p);
}

TEST(PointPbEncode, WarningsAreWrittenPerPoint) {
  std::vector<Point> pts = {samplePoint(), samplePoint(), samplePoint()};
  std::vector<std::vector<model::Warning>> warns = {{{"dot_in_key", "key a.b"}, {"no_field", ""}},
                                                    {}};  // shorter than pts
  std::string body;
  encode(pts, warns, &body);
  point::PBPoints msg;
  ASSERT_TRUE(msg.ParseFromString(body));
  ASSERT_EQ(msg.arr_size(), 3);
  ASSERT_EQ(msg.arr(0).warns_size(), 2);
  EXPECT_EQ(msg.arr(0).warns(0).type(), "dot_in_key");
  EXPECT_EQ(msg.arr(0).warns(0).msg(), "key a.b");
  EXPECT_EQ(msg.arr(0).warns(1).type(), "no_field");
  EXPECT_EQ(msg.arr(0).warns(1).msg(), "");
  EXPECT_EQ(msg.arr(1).warns_size(), 0);
  EXPECT_EQ(msg.arr(2).warns_size(), 0);
  for (int i = 0; i < 3; ++i) expectMessageIs(msg.arr(i), pts[i]);
  EXPECT_EQ(body, msg.SerializeAsString());
  // Warnings are not part of the decoded point.
  auto back = decodeOk(body);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0], pts[0]);
}

// ---- properties against the oracle ----

constexpr int kRandomPoints = 3000;

std::vector<Point> randomPoints(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<Point> pts;
  for (int i = 0; i < n; ++i) {
    model::testing::RandomPointOptions o;
    o.category = model::kAllCategories[static_cast<size_t>(i) % model::kAllCategories.size()];
    pts.push_back(model::testing::randomPoint(rng, o));
  }
  return pts;
}

TEST(PointPbProperty, OracleParsesWhatWeEncode) {
  auto pts = randomPoints(1, kRandomPoints);
  std::string body;
  encode(pts, &body);
  point::PBPoints msg;
  ASSERT_TRUE(msg.ParseFromString(body));
  ASSERT_EQ(static_cast<size_t>(msg.arr_size()), pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    SCOPED_TRACE(debugString(pts[i]));
    expectMessageIs(msg.arr(static_cast<int>(i)), pts[i]);
    if (HasFailure()) break;
  }
  // The bytes are libprotobuf's own serialization of the same message.
  EXPECT_EQ(body, msg.SerializeAsString());
}

TEST(PointPbProperty, AppendPointWritesWhatTheOracleParses) {
  auto pts = randomPoints(4, 500);
  std::string body = "prefix";  // appends, never overwrites
  for (const auto& p : pts) appendPoint(p, &body);
  ASSERT_EQ(body.substr(0, 6), "prefix");
  body.erase(0, 6);
  point::PBPoints msg;
  ASSERT_TRUE(msg.ParseFromString(body));
  ASSERT_EQ(static_cast<size_t>(msg.arr_size()), pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    SCOPED_TRACE(debugString(pts[i]));
    expectMessageIs(msg.arr(static_cast<int>(i)), pts[i]);
    if (HasFailure()) break;
  }
  EXPECT_TRUE(body == msg.SerializeAsString());
}

TEST(PointPbProperty, WeDecodeWhatTheOracleEncodes) {
  auto pts = randomPoints(2, kRandomPoints);
  point::PBPoints msg;
  for (const auto& p : pts) *msg.add_arr() = toMessage(p);
  std::string body = msg.SerializeAsString();
  auto got = decodeOk(body, Category::kMetric);
  ASSERT_EQ(got.size(), pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    Point want = pts[i];
    want.category = Category::kMetric;
    ASSERT_EQ(got[i], want) << "point " << i;
  }
}

TEST(PointPbProperty, RoundTrip) {
  auto pts = randomPoints(3, kRandomPoints);
  for (size_t i = 0; i < pts.size(); ++i) {
    std::string body;
    encode(std::span<const Point>(&pts[i], 1), &body);
    auto got = decodeOk(body, pts[i].category);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(got[0], pts[i]) << "point " << i;
  }
}

// ---- real DataKit uploads ----

using ::sextant::testing::readFile;

std::string gunzip(std::string_view in) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END) << "inflate: " << rc;
    out.append(buf, sizeof(buf) - zs.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&zs);
  return out;
}

TEST(PointPbFixtures, DataKitUploadsDecodeAsCaptured) {
  std::filesystem::path dir = std::filesystem::path(SEXTANT_SHARED_DIR) / "fixtures/datakit-upload";
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir;
  int files = 0, points = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".body") continue;
    std::string stem = entry.path().stem().string();  // "<category>-<n>"
    SCOPED_TRACE(stem);
    auto category = model::parseCategory(stem.substr(0, stem.rfind('-')));
    ASSERT_TRUE(category.has_value());
    auto pts = decodeOk(gunzip(readFile(entry.path())), *category);
    std::filesystem::path jsonl = entry.path();
    jsonl.replace_extension(".decoded.jsonl");
    std::istringstream lines(readFile(jsonl));
    std::string line;
    size_t i = 0;
    simdjson::dom::parser parser;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      ASSERT_LT(i, pts.size());
      simdjson::dom::element doc;
      ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
      EXPECT_EQ(pts[i].category, *category);
      testing::expectMatchesJson(pts[i], doc);
      ++i;
      ++points;
    }
    EXPECT_EQ(i, pts.size());
    // Re-encoding a real upload and decoding it again gives the same points.
    std::string again;
    encode(pts, &again);
    EXPECT_EQ(decodeOk(again, *category), pts);
    ++files;
  }
  EXPECT_EQ(files, 27);
  EXPECT_GT(points, 0);
}

}  // namespace
}  // namespace sextant::codec::pb
