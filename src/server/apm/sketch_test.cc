#include "server/apm/sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace sextant::apm {
namespace {

// The exact "lower" quantile the sketch approximates: sorted[floor(q * (n-1))].
double exactQuantile(std::vector<double> sorted, double q) {
  std::sort(sorted.begin(), sorted.end());
  return sorted[static_cast<size_t>(std::floor(q * static_cast<double>(sorted.size() - 1)))];
}

constexpr double kQuantiles[] = {0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999};

// Relative error bound with a hair of slack for the floating-point log at bucket borders.
void expectWithinAccuracy(const Sketch& s, const std::vector<double>& values) {
  for (double q : kQuantiles) {
    const double want = exactQuantile(values, q);
    const double got = s.quantile(q);
    EXPECT_LE(std::abs(got - want), 0.01 * std::abs(want) * (1 + 1e-9))
        << "q=" << q << " want " << want << " got " << got;
  }
  EXPECT_EQ(s.quantile(0.0), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(s.quantile(1.0), *std::max_element(values.begin(), values.end()));
}

Sketch sketchOf(const std::vector<double>& values) {
  Sketch s;
  for (double v : values) s.add(v);
  return s;
}

TEST(SketchTest, EmptyAnswersNaN) {
  Sketch s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.count(), 0u);
  EXPECT_TRUE(std::isnan(s.quantile(0.5)));
  EXPECT_TRUE(std::isnan(s.min()));
  EXPECT_TRUE(std::isnan(s.max()));
  EXPECT_EQ(s.sum(), 0.0);
}

TEST(SketchTest, UniformWithinOnePercent) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> dist(1.0, 1e6);
  std::vector<double> values(100000);
  for (double& v : values) v = dist(rng);
  Sketch s = sketchOf(values);
  EXPECT_EQ(s.count(), 100000u);
  expectWithinAccuracy(s, values);
}

TEST(SketchTest, ExponentialWithinOnePercent) {
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> dist(1.0 / 2000.0);  // mean 2 ms in µs
  std::vector<double> values(100000);
  for (double& v : values) v = 1.0 + dist(rng);
  expectWithinAccuracy(sketchOf(values), values);
}

TEST(SketchTest, LongTailedWithinOnePercent) {
  // Pareto (alpha 1.1) over integer microseconds: most requests fast, a few take minutes.
  std::mt19937_64 rng(1234);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> values(100000);
  for (double& v : values) v = std::floor(100.0 / std::pow(1.0 - u(rng), 1.0 / 1.1));
  expectWithinAccuracy(sketchOf(values), values);
}

TEST(SketchTest, ConstantIsExact) {
  std::vector<double> values(100000, 4242.0);
  Sketch s = sketchOf(values);
  expectWithinAccuracy(s, values);
  // Clamped to [min, max]: every quantile of a constant is the constant.
  EXPECT_EQ(s.quantile(0.5), 4242.0);
  EXPECT_EQ(s.sum(), 4242.0 * 100000);
}

TEST(SketchTest, ZeroNegativeAndNonFinite) {
  Sketch s;
  s.add(0.0);
  s.add(-5.0);
  s.add(std::nan(""));
  s.add(INFINITY);
  s.add(10.0);
  EXPECT_EQ(s.count(), 3u);  // NaN and inf ignored
  EXPECT_EQ(s.min(), -5.0);
  EXPECT_EQ(s.max(), 10.0);
  EXPECT_EQ(s.sum(), 5.0);
  EXPECT_EQ(s.quantile(0.5), 0.0);  // rank 1 of 3 is in the zero bucket
  EXPECT_TRUE(std::isnan(s.quantile(-0.1)));
  EXPECT_TRUE(std::isnan(s.quantile(1.5)));
  EXPECT_TRUE(std::isnan(s.quantile(std::nan(""))));
}

TEST(SketchTest, SumSaturatesAndStillRoundTrips) {
  Sketch s;
  s.add(1e308);
  s.add(1e308, 3);
  EXPECT_EQ(s.sum(), std::numeric_limits<double>::max());
  EXPECT_EQ(s.max(), 1e308);
  Sketch neg;
  neg.add(-1e308, 4);
  s.merge(neg);
  EXPECT_TRUE(std::isfinite(s.sum()));
  Result<Sketch> back = Sketch::decode(s.encode());
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, s);
}

TEST(SketchTest, AddWithCountEqualsRepeatedAdd) {
  Sketch a;
  Sketch b;
  a.add(123.0, 5);
  a.add(7.0, 0);  // no-op
  for (int i = 0; i < 5; ++i) b.add(123.0);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.count(), 5u);
  EXPECT_EQ(a.sum(), 615.0);
}

TEST(SketchTest, MergeEqualsSketchOfUnion) {
  std::mt19937_64 rng(99);
  std::lognormal_distribution<double> dist(7.0, 1.5);
  std::vector<double> all;
  Sketch a;
  Sketch b;
  for (int i = 0; i < 50000; ++i) {
    // Integer microseconds: sums are exact in any order, so == can compare them.
    const double v = std::floor(1.0 + dist(rng));
    all.push_back(v);
    (i % 3 == 0 ? a : b).add(v);
  }
  Sketch merged = a;
  merged.merge(b);
  Sketch direct = sketchOf(all);
  EXPECT_EQ(merged, direct);
  for (double q : kQuantiles) EXPECT_EQ(merged.quantile(q), direct.quantile(q)) << q;
  expectWithinAccuracy(merged, all);

  Sketch empty;
  empty.merge(a);
  EXPECT_EQ(empty, a);
  Sketch a2 = a;
  a2.merge(Sketch());
  EXPECT_EQ(a2, a);
}

TEST(SketchTest, EncodingOfOneValueIsAsDocumented) {
  Sketch s;
  s.add(1.0);  // bucket index ceil(log_gamma(1)) = 0
  const std::string want(
      "\x01"                              // version
      "\x01"                              // count
      "\x00\x00\x00\x00\x00\x00\xf0\x3f"  // sum 1.0
      "\x00\x00\x00\x00\x00\x00\xf0\x3f"  // min 1.0
      "\x00\x00\x00\x00\x00\x00\xf0\x3f"  // max 1.0
      "\x00"                              // zero count
      "\x00"                              // zigzag(first index 0)
      "\x01"                              // bucket count
      "\x01",                             // bucket 0 count
      30);
  EXPECT_EQ(s.encode(), want);
}

TEST(SketchTest, EncodeDecodeRoundTrip) {
  std::mt19937_64 rng(5);
  std::exponential_distribution<double> dist(1e-3);
  Sketch s;
  s.add(0.0, 3);
  for (int i = 0; i < 10000; ++i) s.add(0.5 + dist(rng));
  std::string bytes;
  s.encode(&bytes);
  Result<Sketch> back = Sketch::decode(bytes);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(back->count(), s.count());
  EXPECT_EQ(back->sum(), s.sum());
  for (double q : kQuantiles) EXPECT_EQ(back->quantile(q), s.quantile(q));

  Result<Sketch> empty = Sketch::decode(Sketch().encode());
  ASSERT_TRUE(empty.isOk());
  EXPECT_TRUE(empty->empty());
  // Small values (negative bucket indices) survive the zigzag.
  Sketch small;
  small.add(1e-6);
  small.add(0.01);
  Result<Sketch> small_back = Sketch::decode(small.encode());
  ASSERT_TRUE(small_back.isOk());
  EXPECT_EQ(*small_back, small);
}

TEST(SketchTest, DecodeRejectsEveryTruncation) {
  Sketch s;
  for (int i = 1; i <= 300; ++i) s.add(i * 17.0);
  const std::string bytes = s.encode();
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<Sketch> r = Sketch::decode(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(r.isOk()) << "prefix " << n;
    if (!r.isOk()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

std::string header(uint8_t version, uint64_t count, double sum, double min, double max) {
  std::string out;
  out.push_back(static_cast<char>(version));
  out.push_back(static_cast<char>(count));  // counts < 128 in these tests
  for (double d : {sum, min, max}) {
    uint64_t bits = 0;
    std::memcpy(&bits, &d, 8);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
  }
  return out;
}

TEST(SketchTest, DecodeRejectsGarbage) {
  auto bad = [](const std::string& bytes) {
    Result<Sketch> r = Sketch::decode(bytes);
    return !r.isOk() && r.status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad(""));
  EXPECT_TRUE(bad("garbage"));
  // A valid two-value sketch, then variations of it.
  const std::string ok = header(1, 2, 3.0, 1.0, 2.0) + std::string("\x00\x00\x02\x01\x01", 5);
  Result<Sketch> good = Sketch::decode(ok);
  ASSERT_TRUE(good.isOk()) << good.status().toString();
  EXPECT_EQ(good->count(), 2u);
  EXPECT_TRUE(bad(header(2, 2, 3.0, 1.0, 2.0) + std::string("\x00\x00\x02\x01\x01", 5)));
  EXPECT_TRUE(bad(ok + "x"));  // trailing byte
  EXPECT_TRUE(bad(header(1, 3, 3.0, 1.0, 2.0) + std::string("\x00\x00\x02\x01\x01", 5)));
  EXPECT_TRUE(bad(header(1, 2, 3.0, 2.0, 1.0) + std::string("\x00\x00\x02\x01\x01", 5)));
  EXPECT_TRUE(bad(header(1, 2, 3.0, NAN, 2.0) + std::string("\x00\x00\x02\x01\x01", 5)));
  EXPECT_TRUE(bad(header(1, 2, NAN, 1.0, 2.0) + std::string("\x00\x00\x02\x01\x01", 5)));
  EXPECT_TRUE(bad(header(1, 0, 1.0, 0.0, 0.0) + std::string("\x00\x00\x00", 3)));
  // bucket_count 4096 (> 2048) as varint 0x80 0x20.
  EXPECT_TRUE(bad(header(1, 2, 3.0, 1.0, 2.0) + std::string("\x00\x00\x80\x20\x01\x01", 6)));
  // First index 2^40 (zigzag), out of the range of doubles.
  EXPECT_TRUE(
      bad(header(1, 1, 1.0, 1.0, 1.0) + std::string("\x00\x80\x80\x80\x80\x80\x40\x01\x01", 9)));
  // First index INT64_MAX - 7 (zigzag 2^64 - 16: varint f0 ff ff ff ff ff ff ff ff 01) with 64
  // buckets: first + count overflows int64 (a fuzz finding; the check must not compute it).
  EXPECT_TRUE(bad(header(1, 1, 1.0, 1.0, 1.0) +
                  std::string("\x00\xf0\xff\xff\xff\xff\xff\xff\xff\xff\x01\x40", 12)));
  // Counts overflowing uint64 (two buckets of 2^63).
  std::string overflow = header(1, 0, 1.0, 1.0, 1.0);
  overflow += std::string("\x00\x00\x02", 3);
  for (int b = 0; b < 2; ++b) {
    overflow += std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 10);
  }
  EXPECT_TRUE(bad(overflow));
  // An 11-byte varint.
  EXPECT_TRUE(bad(std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12)));
}

TEST(SketchTest, CollapseKeepsHighQuantilesAccurate) {
  // 6000 values, each in its own bucket (geometric with ratio 1.021, just above gamma ~ 1.0202):
  // the dense range would need ~6200 buckets, so the lowest ~two thirds collapse.
  std::vector<double> values;
  double v = 1e-6;
  for (int i = 0; i < 6000; ++i) {
    values.push_back(v);
    v *= 1.021;
  }
  // Add in a shuffled order so both the upward and downward extension paths run.
  std::vector<double> shuffled = values;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(3));
  Sketch s = sketchOf(shuffled);
  EXPECT_LE(s.bucketCount(), Sketch::kMaxBuckets);
  EXPECT_EQ(s.count(), 6000u);
  for (double q : {0.7, 0.9, 0.95, 0.99, 0.999}) {
    const double want = exactQuantile(values, q);
    EXPECT_LE(std::abs(s.quantile(q) - want), 0.01 * want * (1 + 1e-9)) << q;
  }
  EXPECT_EQ(s.quantile(1.0), values.back());
  EXPECT_EQ(s.quantile(0.0), values.front());
  // Merging two collapsed sketches stays bounded and accurate at the top.
  Sketch other = sketchOf(values);
  s.merge(other);
  EXPECT_LE(s.bucketCount(), Sketch::kMaxBuckets);
  std::vector<double> twice = values;
  twice.insert(twice.end(), values.begin(), values.end());
  const double want = exactQuantile(twice, 0.99);
  EXPECT_LE(std::abs(s.quantile(0.99) - want), 0.01 * want * (1 + 1e-9));
  // And survives an encode/decode round trip.
  Result<Sketch> back = Sketch::decode(s.encode());
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, s);
}

}  // namespace
}  // namespace sextant::apm
