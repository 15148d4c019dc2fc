#include "query/exec/series_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <tuple>

#include "core/testing/temp_dir.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::query {
namespace {

using model::Category;
using model::Point;
using storage::TagMatcher;

constexpr std::int64_t kT0 = 1'763'700'000'000'000'000;  // 2025-11-21

class SeriesSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = storage::testing::openTestEngine(dir_.path());
    ASSERT_TRUE(engine_);
  }
  void write(std::vector<Point> pts) {
    ASSERT_TRUE(storage::testing::writePoints(*engine_, "ws", Category::kMetric, pts).isOk());
  }
  static Point point(std::string m, std::vector<model::Tag> tags, std::vector<model::Field> f,
                     std::int64_t t) {
    Point p;
    p.measurement = std::move(m);
    p.tags = std::move(tags);
    p.fields = std::move(f);
    p.time_ns = t;
    return p;
  }

  sextant::testing::TempDir dir_;
  std::unique_ptr<storage::StorageEngine> engine_;
};

TEST_F(SeriesSourceTest, FieldSeriesAreNumericSortedAndCollapsed) {
  write({point("cpu", {{"host", "b"}},
               {{"usage", 2.0}, {"n", int64_t{7}}, {"note", std::string("x")}}, kT0 + 20),
         point("cpu", {{"host", "a"}}, {{"usage", 1.0}, {"ok", true}}, kT0 + 10),
         point("cpu", {{"host", "a"}}, {{"usage", 3.0}}, kT0)});
  ASSERT_TRUE(engine_->flush().isOk());
  // Late, and a rewrite of an existing timestamp (the last written wins).
  write({point("cpu", {{"host", "a"}}, {{"usage", 4.0}}, kT0 + 5),
         point("cpu", {{"host", "a"}}, {{"usage", 9.0}}, kT0 + 10)});
  FieldSelector sel;
  sel.workspace_id = "ws";
  sel.measurement = "cpu";
  auto got = fetchFieldSeries(*engine_, sel);
  ASSERT_TRUE(got.isOk());
  ASSERT_EQ(got->size(), 4u);  // n{b}, ok{a}, usage{a}, usage{b}; the string field is not a series
  EXPECT_EQ((*got)[0].field, "n");
  EXPECT_EQ((*got)[0].values, std::vector<double>{7});
  EXPECT_EQ((*got)[1].field, "ok");
  EXPECT_EQ((*got)[1].values, std::vector<double>{1});
  const FieldSeries& a = (*got)[2];
  EXPECT_EQ(a.field, "usage");
  EXPECT_EQ(a.tags, (std::vector<model::Tag>{{"host", "a"}}));
  EXPECT_EQ(a.time_ns, (std::vector<std::int64_t>{kT0, kT0 + 5, kT0 + 10}));
  EXPECT_EQ(a.values, (std::vector<double>{3, 4, 9}));
  EXPECT_EQ((*got)[3].tags, (std::vector<model::Tag>{{"host", "b"}}));

  sel.fields = {"usage"};
  sel.tags = {{"host", TagMatcher::kEq, {"b"}}};
  got = fetchFieldSeries(*engine_, sel);
  ASSERT_TRUE(got.isOk());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].values, std::vector<double>{2});
}

TEST_F(SeriesSourceTest, TimesInMillisecondsAreCollapsedAsInNanoseconds) {
  // a: ascending in ns, two samples on one ms (the later ns wins).
  // b: a later part holds earlier times: in ns order 3 ms (30), 5 ms + 100 (20), 5 ms + 500 (10),
  // so 5 ms keeps 10 (the later ns), although 20 was written (and is read) after it.
  constexpr std::int64_t kMs = 1'000'000;
  write({point("cpu", {{"host", "a"}}, {{"usage", 1.0}}, kT0 + kMs + 100),
         point("cpu", {{"host", "a"}}, {{"usage", 2.0}}, kT0 + kMs + 900),
         point("cpu", {{"host", "a"}}, {{"usage", 3.0}}, kT0 + 2 * kMs),
         point("cpu", {{"host", "b"}}, {{"usage", 10.0}}, kT0 + 5 * kMs + 500)});
  ASSERT_TRUE(engine_->flush().isOk());
  write({point("cpu", {{"host", "b"}}, {{"usage", 20.0}}, kT0 + 5 * kMs + 100),
         point("cpu", {{"host", "b"}}, {{"usage", 30.0}}, kT0 + 3 * kMs)});
  const std::int64_t t0 = kT0 / kMs;
  for (unsigned threads : {1u, 2u}) {
    // Six samples read: exactly the cap, also when b makes the shard read again in ns.
    FetchLimits lim{.max_series = 2, .max_samples = 6};
    lim.threads = threads;
    auto got = fetchPromSeries(*engine_, "ws", {{"__name__", TagMatcher::kEq, {"cpu_usage"}}}, t0,
                               t0 + 10, lim);
    ASSERT_TRUE(got.isOk()) << got.status().toString();
    ASSERT_EQ(got->size(), 2u);
    EXPECT_EQ((*got)[0].time_ms, (std::vector<std::int64_t>{t0 + 1, t0 + 2}));
    EXPECT_EQ((*got)[0].values, (std::vector<double>{2, 3}));
    EXPECT_EQ((*got)[1].time_ms, (std::vector<std::int64_t>{t0 + 3, t0 + 5}));
    EXPECT_EQ((*got)[1].values, (std::vector<double>{30, 10}));
  }
  // Only a: no second read.
  FieldSelector sel;
  sel.workspace_id = "ws";
  sel.measurement = "cpu";
  sel.tags = {{"host", TagMatcher::kEq, {"a"}}};
  sel.time_unit_ns = kMs;
  auto a = fetchFieldSeries(*engine_, sel);
  ASSERT_TRUE(a.isOk());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].time_ns, (std::vector<std::int64_t>{t0 + 1, t0 + 2}));
  EXPECT_EQ((*a)[0].values, (std::vector<double>{2, 3}));
}

TEST_F(SeriesSourceTest, PromNamesAreMeasurementUnderscoreField) {
  write({point("istio", {{"app", "reviews"}}, {{"requests_total", 10.0}}, kT0),
         point("istio_requests", {{"app", "x"}}, {{"total", 5.0}}, kT0),  // the same name
         point("node", {{"cpu", "0"}}, {{"load1", 0.5}}, kT0)});
  auto pairs =
      resolveMetricNames(*engine_, "ws", {{"__name__", TagMatcher::kEq, {"istio_requests_total"}}});
  ASSERT_TRUE(pairs.isOk());
  EXPECT_EQ(*pairs, (std::vector<std::pair<std::string, std::string>>{
                        {"istio", "requests_total"}, {"istio_requests", "total"}}));
  pairs = resolveMetricNames(*engine_, "ws", {{"__name__", TagMatcher::kRegex, {"node_.*"}}});
  ASSERT_TRUE(pairs.isOk());
  EXPECT_EQ(*pairs, (std::vector<std::pair<std::string, std::string>>{{"node", "load1"}}));

  auto series = fetchPromSeries(
      *engine_, "ws",
      {{"__name__", TagMatcher::kEq, {"istio_requests_total"}}, {"app", TagMatcher::kNe, {"x"}}},
      kT0 / 1'000'000, kT0 / 1'000'000);
  ASSERT_TRUE(series.isOk());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].labels,
            (std::vector<model::Tag>{{"__name__", "istio_requests_total"}, {"app", "reviews"}}));
  EXPECT_EQ((*series)[0].time_ms, std::vector<std::int64_t>{kT0 / 1'000'000});
  EXPECT_EQ((*series)[0].values, std::vector<double>{10});
  // Outside the time range: nothing.
  series = fetchPromSeries(*engine_, "ws", {{"__name__", TagMatcher::kEq, {"node_load1"}}}, 0,
                           kT0 / 1'000'000 - 1);
  ASSERT_TRUE(series.isOk());
  EXPECT_TRUE(series->empty());
  // A bad regex is an error, not a crash.
  EXPECT_FALSE(
      resolveMetricNames(*engine_, "ws", {{"__name__", TagMatcher::kRegex, {"("}}}).isOk());
}

TEST_F(SeriesSourceTest, FetchLimitsStopTheScan) {
  // cpu_usage{host=a,b,c}: 4 samples each (12); mem_used{host=a}: 4 samples.
  std::vector<Point> pts;
  for (int i = 0; i < 4; ++i) {
    for (const char* h : {"a", "b", "c"}) {
      pts.push_back(point("cpu", {{"host", h}}, {{"usage", double(i)}},
                          kT0 + std::int64_t{i} * 1'000'000'000));
    }
    pts.push_back(point("mem", {{"host", "a"}}, {{"used", double(i)}},
                        kT0 + std::int64_t{i} * 1'000'000'000));
  }
  write(pts);
  const std::int64_t lo = kT0 / 1'000'000, hi = lo + 3'000;
  auto fetch = [&](const char* re, FetchLimits l) {
    return fetchPromSeries(*engine_, "ws", {{"__name__", TagMatcher::kRegex, {re}}}, lo, hi, l);
  };
  // Exactly at the caps: everything.
  auto r = fetch("cpu_usage", {.max_series = 3, .max_samples = 12});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->size(), 3u);
  // One over.
  r = fetch("cpu_usage", {.max_series = 2});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status(), Status(StatusCode::kOutOfRange, std::string(kFetchTooManySeries)));
  r = fetch("cpu_usage", {.max_samples = 11});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status(), Status(StatusCode::kOutOfRange, std::string(kFetchTooManySamples)));
  // The caps hold for all measurements of one selection together.
  r = fetch("cpu_usage|mem_used", {.max_series = 4, .max_samples = 16});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->size(), 4u);
  r = fetch("cpu_usage|mem_used", {.max_series = 3});
  EXPECT_EQ(r.status(), Status(StatusCode::kOutOfRange, std::string(kFetchTooManySeries)));
  r = fetch("cpu_usage|mem_used", {.max_samples = 15});
  EXPECT_EQ(r.status(), Status(StatusCode::kOutOfRange, std::string(kFetchTooManySamples)));
  // A deadline already past.
  r = fetch("cpu_usage", {.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1)});
  EXPECT_EQ(r.status(), Status(StatusCode::kDeadlineExceeded, std::string(kFetchTimedOut)));
  // A client gone.
  FetchLimits gone;
  gone.cancelled = [] { return true; };
  r = fetch("cpu_usage", gone);
  EXPECT_EQ(r.status(), Status(StatusCode::kCancelled, std::string(kFetchCancelled)));
  gone.cancelled = [] { return false; };
  EXPECT_TRUE(fetch("cpu_usage", gone).isOk());
  // fetchFieldSeries takes the same caps from its selector.
  FieldSelector sel;
  sel.workspace_id = "ws";
  sel.measurement = "cpu";
  sel.limits.max_series = 2;
  EXPECT_EQ(fetchFieldSeries(*engine_, sel).status().code(), StatusCode::kOutOfRange);
  sel.limits.max_series = 3;
  EXPECT_TRUE(fetchFieldSeries(*engine_, sel).isOk());
}

TEST_F(SeriesSourceTest, ThreadsScanSlicesOfTheSeries) {
  // 7 hosts x 2 fields over two flushes (parts) and the head: 14 series of 30 samples.
  for (int part = 0; part < 3; ++part) {
    std::vector<Point> pts;
    for (int i = 0; i < 10; ++i) {
      for (int h = 0; h < 7; ++h) {
        const double x = part * 10 + i;
        pts.push_back(point("cpu", {{"host", "h" + std::to_string(h)}},
                            {{"usage", x + h * 0.5}, {"n", std::int64_t{h}}},
                            kT0 + std::int64_t(part * 10 + i) * 1'000'000'000));
      }
    }
    write(pts);
    if (part < 2) {
      ASSERT_TRUE(engine_->flush().isOk());
    }
  }
  const std::int64_t lo = kT0 / 1'000'000, hi = lo + 29'000;
  auto fetch = [&](unsigned threads, FetchLimits l = {}) {
    l.threads = threads;
    return fetchPromSeries(*engine_, "ws", {{"__name__", TagMatcher::kRegex, {"cpu_.*"}}}, lo, hi,
                           l);
  };
  auto one = fetch(1);
  ASSERT_TRUE(one.isOk()) << one.status().toString();
  ASSERT_EQ(one->size(), 14u);
  // Expected by hand: cpu_n{host=h0} first (labels sorted), 30 samples of 0 one second apart.
  EXPECT_EQ((*one)[0].labels, (std::vector<model::Tag>{{"__name__", "cpu_n"}, {"host", "h0"}}));
  ASSERT_EQ((*one)[0].time_ms.size(), 30u);
  EXPECT_EQ((*one)[0].time_ms[29] - (*one)[0].time_ms[0], 29'000);
  // cpu_usage{host=h3}: part*10 + i + 1.5 at second part*10 + i.
  const PromSeries& u3 = (*one)[7 + 3];
  EXPECT_EQ(u3.labels[1].value, "h3");
  for (std::size_t i = 0; i < 30; ++i) EXPECT_EQ(u3.values[i], static_cast<double>(i) + 1.5);
  for (unsigned threads : {2u, 3u, 8u, 20u}) {
    auto got = fetch(threads);
    ASSERT_TRUE(got.isOk()) << got.status().toString();
    ASSERT_EQ(got->size(), one->size()) << threads;
    for (std::size_t i = 0; i < got->size(); ++i) {
      EXPECT_EQ((*got)[i].labels, (*one)[i].labels);
      EXPECT_EQ((*got)[i].time_ms, (*one)[i].time_ms);
      EXPECT_EQ((*got)[i].values, (*one)[i].values);
    }
    // The caps hold for all threads together: 14 series and 420 samples.
    EXPECT_TRUE(fetch(threads, {.max_series = 14, .max_samples = 420}).isOk());
    EXPECT_EQ(fetch(threads, {.max_series = 13}).status(),
              Status(StatusCode::kOutOfRange, std::string(kFetchTooManySeries)));
    EXPECT_EQ(fetch(threads, {.max_samples = 419}).status(),
              Status(StatusCode::kOutOfRange, std::string(kFetchTooManySamples)));
  }
}

TEST_F(SeriesSourceTest, ForEachPromSeriesGivesFetchPromSeriesSeries) {
  // Random data against fetchPromSeries (the materialised fetch): 2 measurements x 45 hosts x
  // 2 numeric fields (one int, one float, each missing from some points) and a string field, in
  // 4 writes: two flushed parts that overlap in time, a third part and the head; times with
  // sub-ms parts, so some samples share a ms and a few share a ns (the last written wins).
  std::mt19937_64 rng(7);
  for (int w = 0; w < 4; ++w) {
    std::vector<Point> pts;
    for (int i = 0; i < 900; ++i) {
      const int host = static_cast<int>(rng() % 45);
      std::vector<model::Field> f;
      if (rng() % 5 != 0) f.push_back({"usage", static_cast<double>(rng() % 1000) / 8});
      if (rng() % 3 != 0) f.push_back({"n", static_cast<std::int64_t>(rng() % 100)});
      f.push_back({"note", std::string("x")});
      const std::int64_t t = kT0 + static_cast<std::int64_t>(rng() % 600) * 250'000'000 +
                             static_cast<std::int64_t>(rng() % 3) * 400'000;
      pts.push_back(point(rng() % 2 ? "cpu" : "mem", {{"host", "h" + std::to_string(host)}},
                          std::move(f), w == 1 ? t - 30'000'000'000 : t));
    }
    write(pts);
    if (w < 3) {
      ASSERT_TRUE(engine_->flush().isOk());
    }
  }
  const std::vector<TagMatcher> matchers = {{"__name__", TagMatcher::kRegex, {"cpu_.*|mem_usage"}},
                                            {"host", TagMatcher::kNe, {"h3"}}};
  const std::int64_t lo = kT0 / 1'000'000 - 20'000, hi = lo + 150'000;
  auto want = fetchPromSeries(*engine_, "ws", matchers, lo, hi);
  ASSERT_TRUE(want.isOk()) << want.status().toString();
  ASSERT_GT(want->size(), 2 * kPromSeriesPerPass);  // several passes
  for (unsigned threads : {1u, 2u, 3u}) {
    std::mutex mu;
    std::vector<PromSeries> got;
    bool bad_worker = false;
    FetchLimits l;
    l.threads = threads;
    Status st = forEachPromSeries(*engine_, "ws", matchers, lo, hi, l,
                                  [&](std::size_t worker, PromSeries& s) {
                                    std::lock_guard g(mu);
                                    bad_worker |= worker >= threads;
                                    got.push_back(std::move(s));
                                    return Status::ok();
                                  });
    ASSERT_TRUE(st.isOk()) << st.toString();
    EXPECT_FALSE(bad_worker);
    std::sort(got.begin(), got.end(), [](const PromSeries& a, const PromSeries& b) {
      return std::lexicographical_compare(
          a.labels.begin(), a.labels.end(), b.labels.begin(), b.labels.end(),
          [](const model::Tag& x, const model::Tag& y) {
            return std::tie(x.key, x.value) < std::tie(y.key, y.value);
          });
    });
    ASSERT_EQ(got.size(), want->size()) << threads;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].labels, (*want)[i].labels) << i;
      EXPECT_EQ(got[i].time_ms, (*want)[i].time_ms) << i;
      EXPECT_EQ(got[i].values, (*want)[i].values) << i;
    }
    // The same caps as fetchPromSeries, over all threads and measurements.
    std::size_t samples = 0;
    for (const PromSeries& s : *want) samples += s.values.size();
    auto count = [&](FetchLimits lim) {
      lim.threads = threads;
      return forEachPromSeries(*engine_, "ws", matchers, lo, hi, lim,
                               [](std::size_t, PromSeries&) { return Status::ok(); });
    };
    EXPECT_EQ(count({.max_series = want->size() - 1}),
              Status(StatusCode::kOutOfRange, std::string(kFetchTooManySeries)));
    EXPECT_TRUE(count({.max_series = want->size()}).isOk());
    EXPECT_EQ(count({.max_samples = samples / 2}),
              Status(StatusCode::kOutOfRange, std::string(kFetchTooManySamples)));
    // A sink error ends the fetch with it.
    st = forEachPromSeries(*engine_, "ws", matchers, lo, hi, l,
                           [](std::size_t, PromSeries&) { return invalidArgument("stop"); });
    EXPECT_EQ(st, invalidArgument("stop"));
  }
}

TEST(MatchersTest, PrometheusSemantics) {
  EXPECT_TRUE(*matches({"a", TagMatcher::kEq, {""}}, ""));
  EXPECT_TRUE(*matches({"a", TagMatcher::kRegex, {"x|"}}, ""));
  EXPECT_FALSE(*matches({"a", TagMatcher::kRegex, {"b"}}, "abc"));  // anchored
  EXPECT_TRUE(*matches({"a", TagMatcher::kNotRegex, {"b"}}, "abc"));
  EXPECT_TRUE(*matches({"a", TagMatcher::kIn, {"x", "y"}}, "y"));
  EXPECT_TRUE(*matches({"a", TagMatcher::kNotIn, {"x", "y"}}, "z"));
}

}  // namespace
}  // namespace sextant::query
