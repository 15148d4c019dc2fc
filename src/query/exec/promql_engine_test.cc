// Engine behaviour the scripts cannot express (range-vector results, options, limits, fetch
// counts) and the evaluator over the real storage engine.
#include "query/exec/promql_engine.h"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <thread>

#include "codec/point_pb/point_pb.h"
#include "core/testing/temp_dir.h"
#include "query/exec/promql_functions.h"
#include "query/promql/parser.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::query::promql {
namespace {

ExprPtr mustParse(std::string_view q) {
  auto r = parse(q);
  EXPECT_TRUE(r.isOk()) << q << ": " << r.status().toString();
  return r.isOk() ? std::move(r).value() : nullptr;
}

// metric{job="a"}: value i at i minutes, i = 0..10.
// A result's values and times as bits, for bit-for-bit comparisons.
std::vector<std::uint64_t> resultBits(const QueryResult& r) {
  std::vector<std::uint64_t> out;
  for (const SeriesValues& s : r.series) {
    for (double v : s.v) out.push_back(std::bit_cast<std::uint64_t>(v));
    for (std::int64_t t : s.t_ms) out.push_back(static_cast<std::uint64_t>(t));
  }
  return out;
}

MemoryQueryable minuteSeries() {
  PromSeries s;
  s.labels = {{"__name__", "metric"}, {"job", "a"}};
  for (int i = 0; i <= 10; ++i) {
    s.time_ms.push_back(i * 60'000);
    s.values.push_back(i);
  }
  return MemoryQueryable({s});
}

TEST(PromqlEngineTest, InstantRangeVectorReturnsRawSamples) {
  MemoryQueryable q = minuteSeries();
  auto e = mustParse("metric[2m]");
  auto r = evalInstant(q, *e, 5 * 60'000);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->type, ValueType::kMatrix);
  ASSERT_EQ(r->series.size(), 1u);
  // [3m, 5m], both ends included (Prometheus 2.x); the name is kept.
  EXPECT_EQ(r->series[0].t_ms, (std::vector<int64_t>{180'000, 240'000, 300'000}));
  EXPECT_EQ(r->series[0].v, (std::vector<double>{3, 4, 5}));
  EXPECT_EQ(r->series[0].labels[0].value, "metric");

  // A subquery at the top: the inner evaluation's points at 60 s multiples.
  e = mustParse("metric[2m:1m] offset 1m");
  r = evalInstant(q, *e, 5 * 60'000 + 30'000);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].t_ms, (std::vector<int64_t>{180'000, 240'000}));
  EXPECT_EQ(r->series[0].v, (std::vector<double>{3, 4}));
}

TEST(PromqlEngineTest, LeftOpenRangesOption) {
  MemoryQueryable q = minuteSeries();
  auto e = mustParse("count_over_time(metric[5m])");
  auto closed = evalInstant(q, *e, 5 * 60'000);
  EngineOptions o;
  o.left_open_ranges = true;  // Prometheus 3
  auto open = evalInstant(q, *e, 5 * 60'000, o);
  ASSERT_TRUE(closed.isOk() && open.isOk());
  EXPECT_EQ(closed->series[0].v[0], 6);
  EXPECT_EQ(open->series[0].v[0], 5);
  // Lookback: the sample at 0 is exactly 5m old at 5m.
  PromSeries s{{{"__name__", "once"}}, {0}, {1}};
  MemoryQueryable q2({s});
  auto sel = mustParse("once");
  EXPECT_EQ(evalInstant(q2, *sel, 5 * 60'000)->series.size(), 1u);
  EXPECT_EQ(evalInstant(q2, *sel, 5 * 60'000, o)->series.size(), 0u);
}

TEST(PromqlEngineTest, ResultTypes) {
  MemoryQueryable q = minuteSeries();
  auto r = evalInstant(q, *mustParse("1 + 2"), 1000);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->type, ValueType::kScalar);
  EXPECT_EQ(r->scalar, 3);
  EXPECT_EQ(r->t_ms, 1000);
  r = evalInstant(q, *mustParse("\"hi\""), 1000);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->type, ValueType::kString);
  EXPECT_EQ(r->string, "hi");
  r = evalInstant(q, *mustParse("metric"), 90'000);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->type, ValueType::kVector);
  EXPECT_EQ(r->t_ms, 90'000);
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].t_ms, std::vector<int64_t>{90'000});

  r = evalRange(q, *mustParse("metric[1m]"), 0, 60'000, 10'000);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(),
            "invalid expression type \"range vector\" for range query, must be Scalar or instant "
            "Vector");
  r = evalRange(q, *mustParse("\"x\""), 0, 60'000, 10'000);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(),
            "invalid expression type \"string\" for range query, must be Scalar or instant Vector");
  EXPECT_FALSE(evalRange(q, *mustParse("metric"), 0, 60'000, 0).isOk());
  r = evalRange(q, *mustParse("2"), 0, 60'000, 30'000);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->type, ValueType::kMatrix);
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_TRUE(r->series[0].labels.empty());
  EXPECT_EQ(r->series[0].v, (std::vector<double>{2, 2, 2}));
}

TEST(PromqlEngineTest, FetchesOncePerSelector) {
  MemoryQueryable q = minuteSeries();
  auto r = evalRange(q, *mustParse("rate(metric[2m]) + metric"), 0, 600'000, 1000);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(q.selects(), 2);                        // 601 steps, two selectors
  EXPECT_EQ(r->series[0].t_ms.size(), 601u - 60u);  // rate needs two samples: from 1m on
  MemoryQueryable q2 = minuteSeries();
  r = evalRange(q2, *mustParse("max_over_time(rate(metric[2m])[5m:30s])"), 0, 600'000, 15'000);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(q2.selects(), 1);
}

TEST(PromqlEngineTest, StaleMarkersLeaveRanges) {
  PromSeries s{{{"__name__", "m"}}, {0, 60'000, 120'000, 180'000}, {1, 2, staleNaN(), 4}};
  MemoryQueryable q({s});
  auto r = evalInstant(q, *mustParse("count_over_time(m[3m])"), 180'000);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->series[0].v[0], 3);
  EXPECT_TRUE(isStaleNaN(staleNaN()));
  EXPECT_FALSE(isStaleNaN(std::nan("")));
}

TEST(PromqlEngineTest, SampleLimitAndTimeout) {
  MemoryQueryable q = minuteSeries();
  EngineOptions o;
  o.max_samples = 5;
  auto r = evalInstant(q, *mustParse("sum_over_time(metric[10m])"), 600'000, o);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(r.status().message(),
            "query processing would load too many samples into memory in query execution");
  EngineOptions t;
  t.timeout = std::chrono::milliseconds(-1);
  r = evalInstant(q, *mustParse("metric"), 0, t);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
}

// a{i="1"}, a{i="2"} and b: value 1 every minute from 0 to 10 minutes (11 samples each).
MemoryQueryable limitSeries() {
  MemoryQueryable q;
  for (std::vector<model::Tag> l : {std::vector<model::Tag>{{"__name__", "a"}, {"i", "1"}},
                                    std::vector<model::Tag>{{"__name__", "a"}, {"i", "2"}},
                                    std::vector<model::Tag>{{"__name__", "b"}}}) {
    PromSeries s{l, {}, {}};
    for (int i = 0; i <= 10; ++i) {
      s.time_ms.push_back(i * 60'000);
      s.values.push_back(1);
    }
    q.add(std::move(s));
  }
  return q;
}

constexpr std::string_view kSamplesMsg =
    "query processing would load too many samples into memory in query execution";

TEST(PromqlEngineTest, SamplesAreCountedWhileHeld) {
  MemoryQueryable q = limitSeries();
  const int64_t t = 600'000;
  // b[10m]: 11 samples fetched, 1 point produced, then the 11 are freed (1 held). Then
  // a[10m]: 22 fetched + 2 produced: 25 at once; the sum of all loads is 36.
  auto e = mustParse("sum_over_time(b[10m]) + sum(sum_over_time(a[10m]))");
  auto r = evalInstant(q, *e, t);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->peak_samples, 25u);
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].v[0], 33);
  EngineOptions o;
  o.max_samples = 25;
  auto at = evalInstant(q, *e, t, o);
  ASSERT_TRUE(at.isOk()) << at.status().toString();
  EXPECT_EQ(at->series[0].v, r->series[0].v);  // under the limit: the same answer
  o.max_samples = 24;
  at = evalInstant(q, *e, t, o);
  ASSERT_FALSE(at.isOk());
  EXPECT_EQ(at.status(), Status(StatusCode::kOutOfRange, std::string(kSamplesMsg)));
  // An instant selector: a over [5m, 10m] is 12 samples, 2 points produced.
  r = evalInstant(q, *mustParse("a"), t);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->peak_samples, 14u);
  // A range query: 11 steps of 1m over [0, 10m] select b over [-5m, 10m] (11 samples) and
  // produce 11 points.
  r = evalRange(q, *mustParse("b"), 0, t, 60'000);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->peak_samples, 22u);
  r = evalRange(q, *mustParse("b"), 0, t, 60'000, EngineOptions{.max_samples = 21});
  EXPECT_EQ(r.status(), Status(StatusCode::kOutOfRange, std::string(kSamplesMsg)));
}

TEST(PromqlEngineTest, SeriesLimit) {
  MemoryQueryable q = limitSeries();
  const int64_t t = 600'000;
  auto r = evalInstant(q, *mustParse("a"), t, EngineOptions{.max_series = 2});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->series.size(), 2u);
  r = evalInstant(q, *mustParse("a"), t, EngineOptions{.max_series = 1});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status(), Status(StatusCode::kOutOfRange,
                               "the number of series selected by the query exceeds the limit of "
                               "1; narrow down the selectors or the time range"));
  // All selectors of a query together: 2 + 1 series.
  auto e = mustParse("sum(rate(a[5m])) + b");
  r = evalRange(q, *e, 0, t, 60'000, EngineOptions{.max_series = 3});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  r = evalRange(q, *e, 0, t, 60'000, EngineOptions{.max_series = 2});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(r.status().message(),
            "the number of series selected by the query exceeds the limit of 2; narrow down the "
            "selectors or the time range");
  // The default is VictoriaMetrics' -search.maxUniqueTimeseries.
  EXPECT_EQ(EngineOptions{}.max_series, 300'000u);
  EXPECT_EQ(EngineOptions{}.max_samples, 50'000'000u);
  EXPECT_EQ(EngineOptions{}.timeout, std::chrono::minutes(2));
}

// A Queryable that takes its time (a slow disk).
class SlowQueryable : public Queryable {
 public:
  explicit SlowQueryable(MemoryQueryable q) : q_(std::move(q)) {}
  Result<std::vector<PromSeries>> select(const std::vector<LabelMatcher>& m, int64_t min_ms,
                                         int64_t max_ms, const FetchLimits& limits) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return q_.select(m, min_ms, max_ms, limits);
  }

 private:
  MemoryQueryable q_;
};

TEST(PromqlEngineTest, TimeoutIsCheckedAfterEachFetch) {
  SlowQueryable q(limitSeries());
  auto e = mustParse("sum(a) + b");
  auto r = evalRange(q, *e, 0, 600'000, 60'000, EngineOptions{.timeout = std::chrono::seconds(60)});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  r = evalRange(q, *e, 0, 600'000, 60'000, EngineOptions{.timeout = std::chrono::milliseconds(10)});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status(),
            Status(StatusCode::kDeadlineExceeded, "query timed out in query execution"));
}

// Cancellation (the client went away) is checked where the timeout is: a query whose probe turns
// true after a few checks stops with Cancelled; a probe that stays false changes nothing.
TEST(PromqlEngineTest, CancelledProbeEndsTheQuery) {
  SlowQueryable q(limitSeries());
  auto e = mustParse("sum(a) + b");
  int calls = 0;
  EngineOptions o{.timeout = std::chrono::seconds(60)};
  o.cancelled = [&calls] { return ++calls > 1; };
  auto r = evalRange(q, *e, 0, 600'000, 60'000, o);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status(), Status(StatusCode::kCancelled,
                               "query cancelled in query execution: the client went away"));
  EXPECT_EQ(calls, 2);
  o.cancelled = [] { return false; };
  EXPECT_TRUE(evalRange(q, *e, 0, 600'000, 60'000, o).isOk());
}

TEST(PromqlEngineTest, InstantVectorKeepsPrometheusOrder) {
  MemoryQueryable q;
  for (int i = 0; i < 4; ++i) {
    q.add(PromSeries{{{"__name__", "x"}, {"i", std::to_string(i)}}, {0}, {double((i * 3) % 4)}});
  }
  auto r = evalInstant(q, *mustParse("sort_desc(x)"), 0);
  ASSERT_TRUE(r.isOk());
  std::vector<double> got;
  for (const auto& s : r->series) got.push_back(s.v[0]);
  EXPECT_EQ(got, (std::vector<double>{3, 2, 1, 0}));
  r = evalRange(q, *mustParse("sort_desc(x)"), 0, 0, 1000);  // range results: by labels
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->series[0].labels[1].value, "0");
}

TEST(PromqlEngineTest, AggregationGroupsKeepFirstSeenOrder) {
  // Input series are in label order: {g=a,i=2} before {g=b,i=1}; grouped by i, group "2" is met
  // first and Prometheus answers it first.
  MemoryQueryable q;
  q.add(PromSeries{{{"__name__", "x"}, {"g", "a"}, {"i", "2"}}, {0}, {5}});
  q.add(PromSeries{{{"__name__", "x"}, {"g", "b"}, {"i", "1"}}, {0}, {7}});
  for (const char* e : {"sum by (i) (x)", "avg by (i) (x)", "max by (i) (x)"}) {
    auto r = evalInstant(q, *mustParse(e), 0);
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    ASSERT_EQ(r->series.size(), 2u) << e;
    EXPECT_EQ(r->series[0].labels, (std::vector<model::Tag>{{"i", "2"}})) << e;
    EXPECT_EQ(r->series[0].v, std::vector<double>{5}) << e;
    EXPECT_EQ(r->series[1].v, std::vector<double>{7}) << e;
  }
}

TEST(PromqlEngineTest, ThreadsDoNotChangeResults) {
  // 300 series x 2400 samples 15 s apart: counters with resets, gauges with NaN, +Inf and stale
  // markers; every query answers bit for bit the same on 1 thread and on several.
  MemoryQueryable q;
  for (int i = 0; i < 300; ++i) {
    PromSeries s;
    s.labels = {{"__name__", i % 3 == 0 ? "g" : "c"},
                {"i", std::to_string(i)},
                {"svc", "s" + std::to_string(i % 7)}};
    double c = 0;
    for (int k = 0; k < 2400; ++k) {
      if (i == 5 && k > 1000 && k < 1100) continue;  // a gap
      s.time_ms.push_back(k * 15'000 + (i % 5) * 1000);
      c = (k + i) % 500 == 0 ? 0 : c + (k * 7 + i) % 13;
      double v = c;
      if (i % 3 == 0) v = std::sin(k * 0.01 + i) * 100;
      if (i == 3 && k % 97 == 0) v = std::nan("");
      if (i == 6 && k == 50) v = std::numeric_limits<double>::infinity();
      if (i == 9 && k % 400 == 399) v = staleNaN();
      s.values.push_back(v);
    }
    q.add(std::move(s));
  }
  const char* queries[] = {
      "rate(c[5m])",
      "sum by (svc) (rate(c[5m]))",
      "increase(c[1h])",
      "avg_over_time(g[10m])",
      "stddev_over_time(g[10m])",
      "quantile_over_time(0.9, g[10m])",
      "avg by (svc) (g)",
      "stddev(g)",
      "count(g)",
      "min by (svc) (g) + max by (svc) (g)",
      "group by (svc) (c)",
      "topk(3, rate(c[5m]))",
      "absent_over_time(nothing[5m])",
      "histogram_quantile(0.9, sum by (le) (rate(c[5m])))",
  };
  for (const char* text : queries) {
    auto e = mustParse(text);
    EngineOptions one;
    one.threads = 1;
    auto want = evalRange(q, *e, 3'600'000, 10 * 3'600'000, 60'000, one);
    ASSERT_TRUE(want.isOk()) << text << ": " << want.status().toString();
    for (unsigned threads : {2u, 3u, 8u}) {
      EngineOptions o;
      o.threads = threads;
      auto got = evalRange(q, *e, 3'600'000, 10 * 3'600'000, 60'000, o);
      ASSERT_TRUE(got.isOk()) << text << ": " << got.status().toString();
      ASSERT_EQ(got->series.size(), want->series.size()) << text;
      for (std::size_t i = 0; i < got->series.size(); ++i) {
        EXPECT_EQ(got->series[i].labels, want->series[i].labels) << text;
      }
      EXPECT_EQ(resultBits(*got), resultBits(*want)) << text << " on " << threads << " threads";
    }
  }
}

TEST(PromqlFunctionsTest, AvgOverTime4IsAvgOverTimeFourTimes) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> vals = {
      {1, 2, 3.5, 1e300, 1e300, -7},
      {0.1, 0.2, 0.3},
      {inf, 5, inf, -inf, 2},
      {},
      {std::nan(""), 1, 2},
      {-inf, -inf, 3},
      {1e-300, 3e-301, 0.7, 0.1, 0.2, 0.30000000000000004, 9, 11, 13},
  };
  std::vector<int64_t> t(16, 0);
  for (size_t a = 0; a < vals.size(); ++a) {
    fn::Window w[4];
    for (size_t j = 0; j < 4; ++j) {
      const std::vector<double>& v = vals[(a + j) % vals.size()];
      w[j] = fn::Window{t.data(), v.data(), v.size()};
    }
    double got[4];
    fn::avgOverTime4(w, got);
    for (size_t j = 0; j < 4; ++j) {
      if (w[j].n == 0) continue;
      EXPECT_EQ(std::bit_cast<std::uint64_t>(got[j]),
                std::bit_cast<std::uint64_t>(fn::avgOverTime(w[j])))
          << a << " " << j;
    }
  }
  // By hand: the mean of 1, 2, 3.5 and of 0.1, 0.2, 0.3 (Prometheus' running mean).
  fn::Window w[4] = {{t.data(), vals[0].data(), 3}, {t.data(), vals[1].data(), 3}, {}, {}};
  double got[4];
  fn::avgOverTime4(w, got);
  EXPECT_DOUBLE_EQ(got[0], 6.5 / 3);
  EXPECT_DOUBLE_EQ(got[1], 0.2);
}

// Prometheus' extrapolatedRate (promql/functions.go) transcribed as it is, without a memo: the
// reference RateMemo must equal bit for bit. nullopt below two samples.
std::optional<double> extrapolatedRate(fn::Window w, int64_t range_start_ms, int64_t range_end_ms,
                                       int64_t range_ms, bool is_counter, bool is_rate) {
  if (w.n < 2) return std::nullopt;
  double result = w.v[w.n - 1] - w.v[0];
  if (is_counter && w.reset_sum != nullptr) {
    result += w.reset_sum[w.n - 1] - w.reset_sum[0];
  } else if (is_counter) {
    double prev = w.v[0];
    for (size_t i = 1; i < w.n; ++i) {
      if (w.v[i] < prev) result += prev;
      prev = w.v[i];
    }
  }
  double duration_to_start = static_cast<double>(w.t[0] - range_start_ms) / 1000;
  double duration_to_end = static_cast<double>(range_end_ms - w.t[w.n - 1]) / 1000;
  double sampled = static_cast<double>(w.t[w.n - 1] - w.t[0]) / 1000;
  double avg_between = sampled / static_cast<double>(w.n - 1);
  if (is_counter && result > 0 && w.v[0] >= 0) {
    double duration_to_zero = sampled * (w.v[0] / result);
    if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
  }
  double threshold = avg_between * 1.1;
  double extrapolate_to = sampled;
  extrapolate_to += duration_to_start < threshold ? duration_to_start : avg_between / 2;
  extrapolate_to += duration_to_end < threshold ? duration_to_end : avg_between / 2;
  double factor = extrapolate_to / sampled;
  if (is_rate) factor /= static_cast<double>(range_ms) / 1000;
  return result * factor;
}

// One series' windows as the engine walks them (range 5m, steps of 60 s), through one RateMemo,
// against extrapolatedRate window by window.
void expectRateMemoIsExtrapolatedRate(const std::vector<int64_t>& t, const std::vector<double>& v,
                                      int64_t step_ms, const std::string& what) {
  std::vector<double> rs;
  fn::resetSums(v.data(), v.size(), &rs);
  const int64_t range = 300'000;
  for (int kind = 0; kind < 3; ++kind) {  // rate, increase, delta
    const bool is_counter = kind < 2, is_rate = kind == 0;
    fn::RateMemo memo(range, is_counter, is_rate);
    size_t lo = 0, hi = 0, windows = 0;
    for (int64_t end = t.front(); end <= t.back() + range; end += step_ms) {
      const int64_t start = end - range;
      while (hi < t.size() && t[hi] <= end) ++hi;
      while (lo < hi && t[lo] < start) ++lo;
      if (hi - lo < 2) continue;
      fn::Window w{t.data() + lo, v.data() + lo, hi - lo, is_counter ? rs.data() + lo : nullptr};
      const double want = *extrapolatedRate(w, start, end, range, is_counter, is_rate);
      // The engine passes no reset sums for a series without resets.
      if (is_counter && !fn::hasResets(v.data(), v.size())) w.reset_sum = nullptr;
      const double got = memo.at(w, start, end);
      ASSERT_EQ(std::bit_cast<std::uint64_t>(got), std::bit_cast<std::uint64_t>(want))
          << what << " kind " << kind << " end " << end << " got " << got << " want " << want;
      ++windows;
    }
    EXPECT_GT(windows, 10u) << what;
  }
}

TEST(PromqlFunctionsTest, RateMemoIsExtrapolatedRate) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    // Regular or jittered times, gaps; counters from zero or from far above the window's
    // increase, resets, small and huge values, flat runs, negative starts (delta).
    std::vector<int64_t> t;
    std::vector<double> v;
    const int64_t interval = std::array<int64_t, 4>{15'000, 10'000, 30'000, 7'000}[round % 4];
    const bool jitter = round % 3 == 1;
    const double scale = std::array<double, 5>{1, 1e-3, 1e6, 1e-300, 1e300}[round % 5];
    double x = round % 2 == 0 ? 0 : scale * 1000;
    if (round % 7 == 3) x = -scale;
    int64_t now = 1'000'000 + static_cast<int64_t>(rng() % 60'000);
    for (int i = 0; i < 400; ++i) {
      t.push_back(now);
      v.push_back(x);
      now += interval + (jitter ? static_cast<int64_t>(rng() % 2000) - 1000 : 0);
      if (rng() % 50 == 0) now += interval * static_cast<int64_t>(1 + rng() % 30);  // a gap
      const uint64_t r = rng() % 100;
      if (r < 3 && (round / 5) % 2 == 0) {           // some series without resets
        x = scale * static_cast<double>(rng() % 5);  // a reset (to zero or not)
      } else if (r < 20) {
        // flat
      } else {
        x += scale * static_cast<double>(rng() % 1000) / 7;
      }
    }
    const int64_t step = std::array<int64_t, 3>{60'000, 15'000, 47'000}[round % 3];
    expectRateMemoIsExtrapolatedRate(t, v, step, "round " + std::to_string(round));
  }
}

TEST(PromqlEngineTest, DenseAggregationSameOnAnyNumberOfThreads) {
  // Enough points for the dense aggregation to split its steps between workers: 300 series x
  // 4000 steps, in 7 groups, some starting late or with gaps (the groups' output order comes from
  // their first step and series), values with mixed signs and magnitudes.
  MemoryQueryable q;
  std::mt19937_64 rng(11);
  for (int i = 0; i < 300; ++i) {
    PromSeries s;
    s.labels = {{"__name__", "m"}, {"g", std::to_string(i % 7)}, {"i", std::to_string(i)}};
    const int first = i % 7 == 3 ? 2500 + i : (i % 5 == 0 ? i : 0);
    for (int k = first; k < 4000; ++k) {
      if ((k + i) % 97 == 0) continue;  // a gap
      s.time_ms.push_back(static_cast<int64_t>(k) * 1000);
      s.values.push_back(static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) *
                         std::array<double, 3>{1e-3, 1, 1e9}[rng() % 3]);
    }
    q.add(std::move(s));
  }
  for (const char* op : {"sum", "avg", "count", "group", "min", "max", "stddev", "stdvar"}) {
    auto e = mustParse(std::string(op) + " by (g) (m)");
    EngineOptions one, many;
    one.threads = 1;
    many.threads = 4;
    auto a = evalRange(q, *e, 0, 3'999'000, 1000, one);
    auto b = evalRange(q, *e, 0, 3'999'000, 1000, many);
    ASSERT_TRUE(a.isOk() && b.isOk()) << op;
    ASSERT_EQ(a->series.size(), 7u) << op;
    ASSERT_EQ(a->series.size(), b->series.size()) << op;
    for (size_t j = 0; j < a->series.size(); ++j) {
      EXPECT_EQ(a->series[j].labels, b->series[j].labels) << op;
      EXPECT_EQ(a->series[j].t_ms, b->series[j].t_ms) << op;
      ASSERT_EQ(a->series[j].v.size(), b->series[j].v.size()) << op;
      for (size_t k = 0; k < a->series[j].v.size(); ++k) {
        ASSERT_EQ(std::bit_cast<std::uint64_t>(a->series[j].v[k]),
                  std::bit_cast<std::uint64_t>(b->series[j].v[k]))
            << op << " " << j << " " << k;
      }
    }
  }
}

TEST(PromqlEngineTest, TopkBottomkSelectAsAStableSortByRank) {
  // 40 series with many ties, NaNs and signed zeros; the expected selection is the first k of
  // the series (in label order) stable-sorted by rank, NaN last, written out here in the test.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::array<double, 7> pool = {1, 2, 2, 3, nan, -0.0, 0.0};
  MemoryQueryable q;
  std::vector<std::pair<double, std::string>> items;  // (value, i label), label order
  for (int i = 0; i < 40; ++i) {
    PromSeries s;
    char name[16];
    std::snprintf(name, sizeof(name), "%02d", i);
    s.labels = {{"__name__", "m"}, {"i", name}};
    s.time_ms = {0};
    s.values = {pool[static_cast<size_t>(i * 5 % 7)]};
    items.emplace_back(s.values[0], name);
    q.add(std::move(s));
  }
  for (bool top : {true, false}) {
    std::vector<std::pair<double, std::string>> ranked = items;
    std::stable_sort(ranked.begin(), ranked.end(), [top](const auto& a, const auto& b) {
      if (std::isnan(a.first)) return false;
      if (std::isnan(b.first)) return true;
      return top ? a.first > b.first : a.first < b.first;
    });
    for (size_t k : {1u, 2u, 3u, 7u, 12u, 39u, 40u, 45u}) {
      const std::string query =
          std::string(top ? "topk(" : "bottomk(") + std::to_string(k) + ", m)";
      auto e = mustParse(query);
      auto r = evalInstant(q, *e, 0);
      ASSERT_TRUE(r.isOk()) << query << ": " << r.status().toString();
      std::set<std::string> want, got;
      for (size_t j = 0; j < std::min(k, ranked.size()); ++j) want.insert(ranked[j].second);
      for (const SeriesValues& sv : r->series) {
        for (const model::Tag& t : sv.labels) {
          if (t.key == "i") got.insert(t.value);
        }
      }
      EXPECT_EQ(got, want) << query;
    }
  }
}

TEST(PromqlFunctionsTest, HasResets) {
  const std::vector<double> up = {0, 1, 1, 2, 5}, down = {0, 1, 3, 2, 5};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> with_nan = {1, nan, 0};
  EXPECT_FALSE(fn::hasResets(up.data(), up.size()));
  EXPECT_TRUE(fn::hasResets(down.data(), down.size()));
  EXPECT_FALSE(fn::hasResets(down.data(), 0));
  EXPECT_FALSE(fn::hasResets(down.data(), 1));
  EXPECT_FALSE(fn::hasResets(with_nan.data(), with_nan.size()));  // comparisons with NaN: none
  // A single drop at every position of every length (pairs and the odd tail).
  for (size_t n = 0; n < 10; ++n) {
    std::vector<double> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i);
    EXPECT_FALSE(fn::hasResets(x.data(), n)) << n;
    for (size_t at = 1; at < n; ++at) {
      std::vector<double> y = x;
      y[at] = y[at - 1] - 0.5;
      for (size_t i = at + 1; i < n; ++i) y[i] = y[at] + static_cast<double>(i);
      EXPECT_TRUE(fn::hasResets(y.data(), n)) << n << " " << at;
    }
  }
}

TEST(PromqlFunctionsTest, RateMemoZeroPointCut) {
  // A counter starting at zero under regular steps: the first windows' shapes repeat while the
  // zero point cuts their start (then no more as the counter grows); and one from a small value.
  for (double first : {0.0, 0.5, 3.0}) {
    std::vector<int64_t> t;
    std::vector<double> v;
    for (int i = 0; i < 200; ++i) {
      t.push_back(1'000'000 + i * 15'000);
      v.push_back(first + i * 2.0);
    }
    expectRateMemoIsExtrapolatedRate(t, v, 60'000, "first " + std::to_string(first));
  }
}

TEST(PromqlEngineTest, HostileQueriesFailCleanly) {
  MemoryQueryable q = minuteSeries();
  // Each either evaluates or returns an error; none may crash, overflow or allocate without
  // bound (the test build runs under ASan and UBSan).
  for (const char* query : {
           "metric offset 290000000y",
           "metric offset -290000000y",
           "rate(metric[290000000y])",
           "metric @ 9223372036854775",
           "sum_over_time(metric[290000000y:1ms])",
           "sum_over_time(metric[1h:1ms])",
           "max_over_time(metric[100y:1s] offset -100y)",
           "count_over_time(metric[5m:1m] @ -9223372036854775)",
           "topk(1e300, metric)",
           "round(metric, 0)",
           "histogram_quantile(0.5, metric)",
           "label_replace(metric, \"a\", \"$99999999999\", \"job\", \"(.*)\")",
       }) {
    auto e = parse(query);
    if (!e.isOk()) continue;  // the parser's bounds
    EngineOptions o;
    o.max_samples = 1'000'000;
    auto r = evalInstant(q, **e, 300'000, o);
    auto rr = evalRange(q, **e, INT64_MIN / 2, INT64_MAX / 2, INT64_MAX / 4, o);
    SUCCEED() << query << (r.isOk() ? "" : r.status().toString())
              << (rr.isOk() ? "" : rr.status().toString());
  }
  auto e = mustParse("metric");
  auto r = evalRange(q, *e, 0, 1'000'000'000, 1, EngineOptions{.max_samples = 1000});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
}

// ---- over the storage engine ----

constexpr int64_t kT0Ms = 1'763'700'000'000;  // 2025-11-21, a multiple of 15 s

class PromqlStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = storage::testing::openTestEngine(dir_.path());
    ASSERT_TRUE(engine_);
  }
  void write(std::vector<model::Point> pts) {
    ASSERT_TRUE(
        storage::testing::writePoints(*engine_, "ws", model::Category::kMetric, pts).isOk());
  }

  sextant::testing::TempDir dir_;
  std::unique_ptr<storage::StorageEngine> engine_;
};

TEST_F(PromqlStorageTest, RateOverStoredCounters) {
  // cpu,host=a usage += 15 every 15 s (1/s); host=b += 30 (2/s); 41 samples over 10 minutes.
  std::vector<model::Point> pts;
  for (int i = 0; i <= 40; ++i) {
    for (auto [host, per] : {std::pair{"a", 15.0}, std::pair{"b", 30.0}}) {
      model::Point p;
      p.measurement = "cpu";
      p.tags = {{"host", host}};
      p.fields = {{"usage", per * i}};
      p.time_ns = (kT0Ms + i * 15'000) * 1'000'000;
      pts.push_back(p);
    }
  }
  write(pts);
  ASSERT_TRUE(engine_->flush().isOk());
  auto q = storageQueryable(*engine_, "ws");
  int64_t t = kT0Ms + 600'000;

  auto r = evalInstant(*q, *mustParse("rate(cpu_usage[5m])"), t);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  ASSERT_EQ(r->series.size(), 2u);
  EXPECT_EQ(r->series[0].labels, (std::vector<model::Tag>{{"host", "a"}}));
  EXPECT_DOUBLE_EQ(r->series[0].v[0], 1);
  EXPECT_DOUBLE_EQ(r->series[1].v[0], 2);

  r = evalInstant(*q, *mustParse("sum(rate(cpu_usage{host=~\"a|b\"}[5m]))"), t);
  ASSERT_TRUE(r.isOk());
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_DOUBLE_EQ(r->series[0].v[0], 3);

  r = evalInstant(*q, *mustParse("cpu_usage{host!=\"a\"}"), t);
  ASSERT_TRUE(r.isOk());
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].labels,
            (std::vector<model::Tag>{{"__name__", "cpu_usage"}, {"host", "b"}}));
  EXPECT_EQ(r->series[0].v[0], 1200);

  // A range query from 5m to 10m at 1m: every step has full windows.
  r = evalRange(*q, *mustParse("sum by (host) (increase(cpu_usage[1m]))"), kT0Ms + 300'000, t,
                60'000);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  ASSERT_EQ(r->series.size(), 2u);
  EXPECT_EQ(r->series[0].v, std::vector<double>(6, 60));
  EXPECT_EQ(r->series[1].v, std::vector<double>(6, 120));
  EXPECT_EQ(r->series[0].t_ms.front(), kT0Ms + 300'000);

  r = evalInstant(*q, *mustParse("nonexistent_metric"), t);
  ASSERT_TRUE(r.isOk());
  EXPECT_TRUE(r->series.empty());
}

TEST_F(PromqlStorageTest, StreamedSelectionsMatchTheMaterialisedPath) {
  // 60 series x 600 samples 15 s apart (counters with resets, gauges with NaN, +Inf, a gap),
  // the same in storage (measurement m, fields c and g: m_c, m_g; three writes, two flushed)
  // and in memory. Streamed selectors and range functions answer bit for bit as the materialised
  // path, on one thread and on several, with the same peak sample count.
  MemoryQueryable mem;
  std::vector<std::vector<model::Point>> writes(3);
  for (int i = 0; i < 60; ++i) {
    const bool gauge = i % 3 == 0;
    PromSeries s;
    s.labels = {{"__name__", gauge ? "m_g" : "m_c"},
                {"i", std::to_string(i)},
                {"svc", "s" + std::to_string(i % 7)}};
    double c = 0;
    for (int k = 0; k < 600; ++k) {
      if (i == 5 && k > 100 && k < 150) continue;  // a gap
      const int64_t t = kT0Ms + k * 15'000 + (i % 5) * 1000;
      c = (k + i) % 170 == 0 ? 0 : c + (k * 7 + i) % 13;
      double v = gauge ? std::sin(k * 0.01 + i) * 100 : c;
      if (i == 3 && k % 97 == 0) v = std::nan("");
      if (i == 6 && k == 50) v = std::numeric_limits<double>::infinity();
      s.time_ms.push_back(t);
      s.values.push_back(v);
      model::Point p;
      p.measurement = "m";
      p.tags = {{"i", s.labels[1].value}, {"svc", s.labels[2].value}};
      p.fields = {{gauge ? "g" : "c", v}};
      p.time_ns = t * 1'000'000;
      writes[static_cast<size_t>(k * 3 / 600)].push_back(std::move(p));
    }
    mem.add(std::move(s));
  }
  for (size_t w = 0; w < writes.size(); ++w) {
    write(writes[w]);
    if (w < 2) {
      ASSERT_TRUE(engine_->flush().isOk());
    }
  }
  auto stored = storageQueryable(*engine_, "ws");
  const int64_t at = kT0Ms + 5'000'000;
  const std::string queries[] = {
      "rate(m_c[5m])",
      "increase(m_c[10m])",
      "irate(m_c[1m])",
      "delta(m_g[5m])",
      "idelta(m_g[5m])",
      "deriv(m_g[10m])",
      "predict_linear(m_g[10m], 600)",
      "resets(m_c[10m])",
      "changes(m_g[10m])",
      "holt_winters(m_g[10m], 0.3, 0.6)",
      "avg_over_time(m_g[10m])",
      "min_over_time(m_g[10m])",
      "max_over_time(m_g[10m])",
      "sum_over_time(m_g[10m])",
      "count_over_time(m_c[2m])",
      "quantile_over_time(0.9, m_g[10m])",
      "stddev_over_time(m_g[10m])",
      "stdvar_over_time(m_g[10m])",
      "last_over_time(m_g[3m])",
      "present_over_time(m_c[1m])",
      "rate(m_c[5m] offset 7m)",
      "rate(m_c[5m] @ " + std::to_string(at / 1000) + ")",
      "sum by (svc) (rate(m_c[5m]))",
      "rate({__name__=~\"m_.*\", svc!=\"s2\"}[5m])",
      "m_g",
      "count(m_g)",
      "sum by (svc) (m_c)",
      "timestamp(m_c offset 3m)",
      "m_g @ " + std::to_string(at / 1000),
      "max_over_time(m_g[10m:1m])",
  };
  for (Queryable* q : {static_cast<Queryable*>(&mem), stored.get()}) {
    for (const std::string& text : queries) {
      auto e = mustParse(text);
      for (unsigned threads : {1u, 2u, 3u}) {
        EngineOptions materialised{.threads = threads, .stream_selections = false};
        EngineOptions streamed{.threads = threads};
        auto want = evalRange(*q, *e, kT0Ms + 600'000, kT0Ms + 9'000'000, 60'000, materialised);
        ASSERT_TRUE(want.isOk()) << text << ": " << want.status().toString();
        ASSERT_FALSE(want->series.empty()) << text;
        auto got = evalRange(*q, *e, kT0Ms + 600'000, kT0Ms + 9'000'000, 60'000, streamed);
        ASSERT_TRUE(got.isOk()) << text << ": " << got.status().toString();
        ASSERT_EQ(got->series.size(), want->series.size()) << text;
        for (size_t i = 0; i < got->series.size(); ++i) {
          EXPECT_EQ(got->series[i].labels, want->series[i].labels) << text;
        }
        EXPECT_EQ(resultBits(*got), resultBits(*want)) << text << " on " << threads << " threads";
        EXPECT_EQ(got->peak_samples, want->peak_samples) << text;
      }
    }
  }
  // Errors of the per-series function end a streamed query as the materialised one.
  auto e = mustParse("holt_winters(m_g[10m], 1.5, 0.5)");
  auto r = evalRange(*stored, *e, kT0Ms + 600'000, kT0Ms + 9'000'000, 60'000);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PromqlStorageTest, LimitsOverStoredSeries) {
  // cpu,host=a|b usage every 15 s over 10 minutes: 41 samples per series.
  std::vector<model::Point> pts;
  for (int i = 0; i <= 40; ++i) {
    for (const char* host : {"a", "b"}) {
      model::Point p;
      p.measurement = "cpu";
      p.tags = {{"host", host}};
      p.fields = {{"usage", double(i)}};
      p.time_ns = (kT0Ms + i * 15'000) * 1'000'000;
      pts.push_back(p);
    }
  }
  write(pts);
  auto q = storageQueryable(*engine_, "ws");
  const int64_t t = kT0Ms + 600'000;
  auto e = mustParse("count_over_time(cpu_usage[10m])");
  // 82 samples fetched, 2 points produced.
  auto r = evalInstant(*q, *e, t, EngineOptions{.max_samples = 84});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  ASSERT_EQ(r->series.size(), 2u);
  EXPECT_EQ(r->series[0].v[0], 41);
  EXPECT_EQ(r->peak_samples, 84u);
  // Over the budget while fetching: the storage scan stops and the error is Prometheus'.
  r = evalInstant(*q, *e, t, EngineOptions{.max_samples = 60});
  EXPECT_EQ(r.status(), Status(StatusCode::kOutOfRange, std::string(kSamplesMsg)));
  r = evalInstant(*q, *e, t, EngineOptions{.max_series = 1});
  EXPECT_EQ(r.status(), Status(StatusCode::kOutOfRange,
                               "the number of series selected by the query exceeds the limit of "
                               "1; narrow down the selectors or the time range"));
  r = evalInstant(*q, *e, t, EngineOptions{.timeout = std::chrono::milliseconds(0)});
  EXPECT_EQ(r.status(),
            Status(StatusCode::kDeadlineExceeded, "query timed out in query execution"));
}

}  // namespace
}  // namespace sextant::query::promql
