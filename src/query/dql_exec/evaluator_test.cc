#include "query/dql_exec/evaluator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "query/dql_exec/test_util.h"
#include "query/dql_exec/values.h"

namespace sextant::query::dql_exec {
namespace {

using model::Category;
using testing::D;
using testing::I;
using testing::kT0;
using testing::N;
using testing::Rows;
using testing::S;

class DqlEvalTest : public testing::EngineTest {};

// --- Metrics: aggregates, BY, buckets -------------------------------------------------------

TEST_F(DqlEvalTest, AvgByHostOneBucketWithoutInterval) {
  seedCpu();
  QueryOutput r = run("M::cpu:(avg(usage)) BY host");
  ASSERT_EQ(r.series.size(), 3u);
  EXPECT_EQ(r.series[0].name, "cpu");
  EXPECT_EQ(r.series[0].tags, (std::vector<model::Tag>{{"host", "a"}}));
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "avg(usage)"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(25)}}));  // (10+20+30+40)/4
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), D(2)}}));   // (1+3)/2
  EXPECT_EQ(r.series[2].tags, (std::vector<model::Tag>{{"host", "c"}}));
  EXPECT_EQ(r.series[2].values, (Rows{{I(kT0), D(100)}}));
}

TEST_F(DqlEvalTest, SumByClusterInMinuteBucketsNewestFirst) {
  seedCpu();
  QueryOutput r = run("M::cpu:(sum(usage) AS s) [::1m] BY cluster");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "s"}));
  // c1: [0,60s) 10+20+1 = 31; [60s,120s) 30+40+3 = 73.
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 60'000), D(73)}, {I(kT0), D(31)}}));
  EXPECT_EQ(r.series[1].tags, (std::vector<model::Tag>{{"cluster", "c2"}}));
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), D(100)}}));
  EXPECT_EQ(r.total_hits, 3);
}

TEST_F(DqlEvalTest, EveryAggregate) {
  seedCpu();
  // All seven values: 10 20 30 40 1 3 100.
  QueryOutput r =
      run("M::cpu:(count(usage), min(usage), max(usage), first(usage), last(usage), median(usage), "
          "percentile(usage, 50), p99(usage), count_distinct(host), spread(usage), "
          "count(*) AS rows)");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(
      r.series[0].columns,
      (std::vector<std::string>{"time", "count(usage)", "min(usage)", "max(usage)", "first(usage)",
                                "last(usage)", "median(usage)", "percentile(usage, 50)",
                                "p99(usage)", "count_distinct(host)", "spread(usage)", "rows"}));
  EXPECT_EQ(
      r.series[0].values,
      (Rows{{I(kT0), I(7), D(1), D(100), D(10), D(40), D(20), D(20), D(100), I(3), D(99), I(7)}}));
}

TEST_F(DqlEvalTest, StddevAndDistinct) {
  seedCpu();
  // a: 10 20 30 40, mean 25, sample variance (225+25+25+225)/3.
  QueryOutput r = run("M::cpu:(stddev(usage)) {host = 'a'}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_DOUBLE_EQ(std::get<double>(r.series[0].values[0][1]), std::sqrt(500.0 / 3));
  r = run("M::cpu:(distinct(host)) {cluster = 'c1'}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), S("a")}, {I(kT0), S("b")}}));
}

TEST_F(DqlEvalTest, ArithmeticBetweenAggregates) {
  seedCpu();
  QueryOutput r =
      run("M::cpu:(max(usage) - min(usage) AS spread, sum(usage) / count(usage)) {host = 'a'}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].columns,
            (std::vector<std::string>{"time", "spread", "sum(usage) / count(usage)"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(30), D(25)}}));
}

TEST_F(DqlEvalTest, TagAndFieldFilters) {
  seedCpu();
  auto sum = [&](const std::string& filter) {
    QueryOutput r = run("M::cpu:(sum(usage)) " + filter);
    if (r.series.size() != 1) return Value();
    return r.series[0].values[0][1];
  };
  EXPECT_EQ(sum("{host IN ['a', 'c']}"), D(200));
  EXPECT_EQ(sum("{host != 'a'}"), D(104));
  EXPECT_EQ(sum("{host =~ 'b|c'}"), D(104));
  EXPECT_EQ(sum("{host = re('b|c')}"), D(104));
  EXPECT_EQ(sum("{host != re('b|c')}"), D(100));
  EXPECT_EQ(sum("{host = wildcard('?')}"), D(204));
  EXPECT_EQ(sum("{NOT host = 'a' AND cluster = 'c1'}"), D(4));
  EXPECT_EQ(sum("{usage > 25}"), D(170));
  EXPECT_EQ(sum("{host NOT IN ['a'] OR usage >= 40}"), D(144));
  EXPECT_EQ(sum("{host = 'a', usage <= 20}"), D(30));
  EXPECT_EQ(sum("{host = 'nope'}"), N());
}

TEST_F(DqlEvalTest, RawRowsAndArithmetic) {
  seedCpu();
  QueryOutput r = run("M::cpu:(usage) {host = 'b'}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "usage"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 70'000), D(3)}, {I(kT0 + 10'000), D(1)}}));
  r = run("M::cpu:(usage * 2 AS u2) {host = 'b'} ORDER BY time ASC");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 10'000), D(2)}, {I(kT0 + 70'000), D(6)}}));
}

TEST_F(DqlEvalTest, OrderLimitOffset) {
  seedCpu();
  QueryOutput r =
      run("M::cpu:(avg(usage)) {host = 'a'} [::30s] ORDER BY time ASC LIMIT 2 OFFSET 1");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 30'000), D(20)}, {I(kT0 + 60'000), D(30)}}));
  r = run("M::cpu:(avg(usage)) {host = 'a'} [::30s] LIMIT 1");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 90'000), D(40)}}));
  EXPECT_EQ(r.total_hits, 4);
}

TEST_F(DqlEvalTest, SorderSlimitSoffset) {
  seedCpu();
  QueryOutput r = run("M::cpu:(avg(usage) AS u) BY host SORDER BY u DESC SLIMIT 2");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].tags[0].value, "c");  // 100
  EXPECT_EQ(r.series[1].tags[0].value, "a");  // 25
  r = run("M::cpu:(avg(usage) AS u) BY host SORDER BY host DESC SOFFSET 1");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].tags[0].value, "b");
  EXPECT_EQ(r.series[1].tags[0].value, "a");
  // Request-level slimit when the query has none.
  EvalOptions o = opts();
  o.slimit = 1;
  r = run("M::cpu:(avg(usage)) BY host", o);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].tags[0].value, "a");
}

TEST_F(DqlEvalTest, Having) {
  seedCpu();
  QueryOutput r = run("M::cpu:(max(usage) AS m) BY host HAVING m > 20");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].tags[0].value, "a");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(40)}}));
  EXPECT_EQ(r.series[1].tags[0].value, "c");
  // count(*) reads every field; its alias in HAVING is not a field to read.
  r = run("M::cpu:(count(*) AS n) BY host HAVING n >= 2");
  ASSERT_EQ(r.series.size(), 2u);  // a: 4 rows, b: 2, c: 1
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), I(2)}}));
  // An aggregate that is not a target.
  r = run("M::cpu:(last(usage)) BY host HAVING min(usage) < 5");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].tags[0].value, "b");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(3)}}));
}

TEST_F(DqlEvalTest, Fill) {
  // gap.v: 0 at +0 s, 30 at +90 s: buckets of 30 s at +0 +30 +60 +90.
  write(Category::kMetric, {testing::point("gap", {{"k", "x"}}, {{"v", 0.0}}, kT0),
                            testing::point("gap", {{"k", "x"}}, {{"v", 30.0}}, kT0 + 90'000)});
  auto col = [&](const std::string& mode) {
    QueryOutput r = run("M::gap:(fill(avg(v), " + mode + ")) [::30s] ORDER BY time ASC");
    std::vector<Value> out;
    if (r.series.size() == 1) {
      for (const auto& row : r.series[0].values) out.push_back(row[1]);
    }
    return out;
  };
  EXPECT_EQ(col("linear"), (std::vector<Value>{D(0), D(10), D(20), D(30)}));
  EXPECT_EQ(col("previous"), (std::vector<Value>{D(0), D(0), D(0), D(30)}));
  EXPECT_EQ(col("7"), (std::vector<Value>{D(0), I(7), I(7), D(30)}));
  EXPECT_EQ(col("null"), (std::vector<Value>{D(0), N(), N(), D(30)}));
  // Result rows count against max_rows: 2 rows read, 4 filled rows made.
  EvalOptions o = opts();
  o.max_rows = 4;
  EXPECT_EQ(run("M::gap:(fill(avg(v), 0)) [::30s]", o).series[0].values.size(), 4u);
  o.max_rows = 3;
  EXPECT_EQ(runError("M::gap:(fill(avg(v), 0)) [::30s]", o),
            Status(StatusCode::kOutOfRange,
                   "the query's result has more than 3 rows; use a longer interval or narrow the "
                   "time range or the BY keys"));
  // Without fill, empty buckets are left out.
  QueryOutput r = run("M::gap:(avg(v)) [::30s]");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 90'000), D(30)}, {I(kT0), D(0)}}));
}

// --- Rollups -----------------------------------------------------------------------------

TEST_F(DqlEvalTest, IrateRollupPerSeriesThenSum) {
  seedNet();
  QueryOutput r = run("M::net:(sum(bytes)) [::1m:irate] ORDER BY time ASC");
  ASSERT_EQ(r.series.size(), 1u);
  // a: [0,60s) last two 300->450 over 15 s = 10; [60,120s) 60->210 over 15 s = 10.
  // b: [0,60s) 1000->1600 over 30 s = 20; [60,120s) 1900->2800 over 30 s = 30.
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(30)}, {I(kT0 + 60'000), D(40)}}));
}

TEST_F(DqlEvalTest, RateRollupUsesThePreviousSampleAndCounterResets) {
  seedNet();
  QueryOutput r = run("M::net:(sum(bytes)) [::1m:rate] BY host ORDER BY time ASC");
  ASSERT_EQ(r.series.size(), 2u);
  // a: [0,60s) 0..450 over 45 s = 10; [60,120s) from 450@45s: +150, reset +60, +150 = 360 over
  // 45 s = 8.
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(10)}, {I(kT0 + 60'000), D(8)}}));
  // b: 600 over 30 s = 20; from 1600@30s to 2800@90s = 1200 over 60 s = 20.
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), D(20)}, {I(kT0 + 60'000), D(20)}}));
  // Without an interval: one window over the range. a: 600 + 60 + 150 = 810 over 90 s.
  r = run("M::net:(last(bytes)) [:::rate] BY host");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(9)}}));
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), D(20)}}));  // 1800 over 90 s
}

TEST_F(DqlEvalTest, SimpleRollups) {
  seedNet();
  // b in 1-minute buckets: max of {1000,1600} and {1900,2800}; summed with a {450, 600}.
  QueryOutput r = run("M::net:(sum(bytes)) [::1m:max] ORDER BY time ASC");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(2050)}, {I(kT0 + 60'000), D(3400)}}));
  r = run("M::net:(avg(bytes)) {host = 'b'} [::1m:avg] ORDER BY time ASC");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(1300)}, {I(kT0 + 60'000), D(2350)}}));
}

// --- Outer functions ---------------------------------------------------------------------

TEST_F(DqlEvalTest, SelectorsStampTheirPointsTimeWithoutAnInterval) {
  seedCpu();
  // InfluxQL: a lone first()/last() without GROUP BY time returns the selected point's time.
  QueryOutput r = run("M::cpu:(last(usage)) BY host");
  ASSERT_EQ(r.series.size(), 3u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 90'000), D(40)}}));
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0 + 70'000), D(3)}}));
  EXPECT_EQ(r.series[2].values, (Rows{{I(kT0 + 30'000), D(100)}}));
  r = run("M::cpu:(first(usage) AS f) BY host");
  ASSERT_EQ(r.series.size(), 3u);
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0 + 10'000), D(1)}}));
  // With an interval: the bucket's start.
  r = run("M::cpu:(last(usage)) [::1m] BY host");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 60'000), D(40)}, {I(kT0), D(20)}}));
  // Several aggregates, or an expression over one: the window's start.
  r = run("M::cpu:(last(usage), max(usage)) BY host");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(40), D(40)}}));
  r = run("M::cpu:(last(usage) * 2) BY host");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(80)}}));
  // Events too (the row path).
  seedLogs();
  r = run("L::nginx:(last(bytes)) BY host");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 4'000), I(30)}}));
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0 + 65'000), I(50)}}));
}

TEST_F(DqlEvalTest, TimeZoneAlignsBuckets) {
  // kT0 is 2025-11-21 04:40 UTC = 12:40 in Shanghai (UTC+8, no DST); +12 h is 00:40 on the 22nd
  // there, still the 21st in UTC.
  write(Category::kMetric, {testing::point("x", {{"h", "a"}}, {{"v", 1.0}}, kT0),
                            testing::point("x", {{"h", "a"}}, {{"v", 2.0}}, kT0 + 43'200'000)});
  EvalOptions o = opts(kT0 - 86'400'000, kT0 + 86'400'000);
  constexpr std::int64_t kH = 3'600'000;
  constexpr std::int64_t kMin = 60'000;
  // UTC: one day from 2025-11-21 00:00 UTC (kT0 - 4 h 40 min).
  QueryOutput r = run("M::x:(sum(v)) [::1d]", o);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 - 4 * kH - 40 * kMin), D(3)}}));
  // Shanghai days start at 16:00 UTC: 2025-11-20 16:00 UTC and 2025-11-21 16:00 UTC.
  for (std::string tz : {"Asia/Shanghai", "+8", "+08:00"}) {
    SCOPED_TRACE(tz);
    r = run("M::x:(sum(v)) [::1d] tz('" + tz + "')", o);
    ASSERT_EQ(r.series.size(), 1u);
    EXPECT_EQ(r.series[0].values,
              (Rows{{I(kT0 + 11 * kH + 20 * kMin), D(2)}, {I(kT0 - 12 * kH - 40 * kMin), D(1)}}));
  }
  // fill() walks the local days too.
  r = run("M::x:(fill(sum(v), 0)) [::1d] tz('Asia/Shanghai')", opts(kT0, kT0 + 2 * 86'400'000));
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 35 * kH + 20 * kMin), I(0)},
                                      {I(kT0 + 11 * kH + 20 * kMin), D(2)},
                                      {I(kT0 - 12 * kH - 40 * kMin), D(1)}}));
  // A half-hour zone (Kolkata, UTC+5:30) moves hour buckets by 30 minutes.
  r = run("M::x:(sum(v)) [::1h] tz('Asia/Kolkata')", o);
  EXPECT_EQ(r.series[0].values,
            (Rows{{I(kT0 + 12 * kH - 10 * kMin), D(2)}, {I(kT0 - 10 * kMin), D(1)}}));
  // Unknown zone: InvalidArgument at the name's position.
  Status st = runError("M::x:(sum(v)) [::1d] tz('Mars/Base')", o);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message().rfind("1:25: unknown time zone 'Mars/Base'", 0), 0u) << st.message();
  st = runError("M::x:(sum(v)) [::1d] tz('../../etc/passwd')", o);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
}

TEST_F(DqlEvalTest, TimeZoneDaysAcrossADaylightSavingChange) {
  // New York falls back on 2025-11-02 at 06:00 UTC (EDT -4 -> EST -5): that local day has 25 h.
  // Points at 2025-11-02 03:00 UTC (Nov 1, 23:00 EDT), 2025-11-02 12:00 UTC (Nov 2, 07:00 EST)
  // and 2025-11-03 06:00 UTC (Nov 3, 01:00 EST).
  write(Category::kMetric, {testing::point("x", {}, {{"v", 1.0}}, 1'762'052'400'000),
                            testing::point("x", {}, {{"v", 2.0}}, 1'762'084'800'000),
                            testing::point("x", {}, {{"v", 4.0}}, 1'762'149'600'000)});
  // 2025-10-31 00:00 UTC .. 2025-11-04 00:00 UTC.
  EvalOptions o = opts(1'761'868'800'000, 1'762'214'400'000);
  o.now_ms = 1'762'214'400'000;
  // Local midnights: Nov 1 and Nov 2 at 04:00 UTC, Nov 3 at 05:00 UTC.
  QueryOutput r = run("M::x:(sum(v)) [::1d] tz('America/New_York')", o);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(1'762'146'000'000), D(4)},
                                      {I(1'762'056'000'000), D(2)},
                                      {I(1'761'969'600'000), D(1)}}));
  // fill() steps local days: Oct 30 and 31 at 04:00 UTC, then the 25-hour day to Nov 3 05:00.
  r = run("M::x:(fill(sum(v), 0)) [::1d] tz('America/New_York')", o);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(1'762'146'000'000), D(4)},
                                      {I(1'762'056'000'000), D(2)},
                                      {I(1'761'969'600'000), D(1)},
                                      {I(1'761'883'200'000), I(0)},
                                      {I(1'761'796'800'000), I(0)}}));
}

TEST_F(DqlEvalTest, SeriesSum) {
  seedCpu();
  QueryOutput r = run("series_sum(\"M::cpu:(last(usage)) BY host\")");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_TRUE(r.series[0].tags.empty());
  // 40 + 3 + 100; one row per series (no interval): one sum at the newest point's time (+90 s).
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 90'000), D(143)}}));
  // With an interval, rows add up per bucket: +0 s: 20 (a) + 1 (b) + 100 (c); +60 s: 40 + 3.
  r = run("series_sum(\"M::cpu:(last(usage)) [::1m] BY host\")");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 60'000), D(43)}, {I(kT0), D(121)}}));
  // sumBy: one sum per cluster (c1: a 40 + b 3 at the newer time, a's +90 s; c2: c 100 at +30 s).
  for (const char* by : {"sumBy=['cluster']", "sumBy='cluster'"}) {
    r = run(std::string("series_sum(dql=\"M::cpu:(last(usage)) BY cluster, host\", ") + by + ")");
    ASSERT_EQ(r.series.size(), 2u) << by;
    EXPECT_EQ(r.series[0].tags, (std::vector<model::Tag>{{"cluster", "c1"}}));
    EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 90'000), D(43)}}));
    EXPECT_EQ(r.series[1].tags, (std::vector<model::Tag>{{"cluster", "c2"}}));
    EXPECT_EQ(r.series[1].values, (Rows{{I(kT0 + 30'000), D(100)}}));
  }
}

TEST_F(DqlEvalTest, DifferenceAndDerivatives) {
  seedCpu();
  seedNet();
  QueryOutput r = run("difference(\"M::cpu:(avg(usage)) {host = 'a'} [::30s]\")");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values,
            (Rows{{I(kT0 + 90'000), D(10)}, {I(kT0 + 60'000), D(10)}, {I(kT0 + 30'000), D(10)}}));
  // a in 15 s buckets: 0 150 300 450 600 60 210: +10/s except the reset (dropped).
  r = run(
      "non_negative_derivative(\"M::net:(last(bytes)) {host = 'a'} [::15s]\") ORDER BY time ASC");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 15'000), D(10)},
                                      {I(kT0 + 30'000), D(10)},
                                      {I(kT0 + 45'000), D(10)},
                                      {I(kT0 + 60'000), D(10)},
                                      {I(kT0 + 90'000), D(10)}}));
  // irate keeps the reset: 60 over 15 s = 4.
  r = run("irate(\"M::net:(last(bytes)) {host = 'a'} [::15s]\") ORDER BY time ASC");
  ASSERT_EQ(r.series[0].values.size(), 6u);
  EXPECT_EQ(r.series[0].values[4], (std::vector<Value>{I(kT0 + 75'000), D(4)}));
  // non_negative_difference drops the reset (60 - 600); derivative keeps it: -540 / 15 s.
  r = run(
      "non_negative_difference(\"M::net:(last(bytes)) {host = 'a'} [::15s]\") ORDER BY time ASC");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 15'000), D(150)},
                                      {I(kT0 + 30'000), D(150)},
                                      {I(kT0 + 45'000), D(150)},
                                      {I(kT0 + 60'000), D(150)},
                                      {I(kT0 + 90'000), D(150)}}));
  r = run("derivative(\"M::net:(last(bytes)) {host = 'a'} [::15s]\") ORDER BY time ASC");
  ASSERT_EQ(r.series[0].values.size(), 6u);
  EXPECT_EQ(r.series[0].values[4], (std::vector<Value>{I(kT0 + 75'000), D(-36)}));
  // rate: one value per series, the average increase per second: 810 over 90 s.
  r = run("rate(\"M::net:(last(bytes)) {host = 'a'} [::15s]\")");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 90'000), D(9)}}));
}

TEST_F(DqlEvalTest, ChainedIrateSeriesSum) {
  seedNet();
  QueryOutput r =
      run("irate(\"M::net:(last(bytes)) [::15s] BY host\").series_sum() ORDER BY time ASC");
  ASSERT_EQ(r.series.size(), 1u);
  // a: +10/s at 15 30 45 60 90 s and 4 at 75 s; b: 20 at 30 s, 10 at 60 s, 30 at 90 s.
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 15'000), D(10)},
                                      {I(kT0 + 30'000), D(30)},
                                      {I(kT0 + 45'000), D(10)},
                                      {I(kT0 + 60'000), D(20)},
                                      {I(kT0 + 75'000), D(4)},
                                      {I(kT0 + 90'000), D(40)}}));
}

TEST_F(DqlEvalTest, CellFunctions) {
  seedCpu();
  QueryOutput r = run("abs(\"M::cpu:(min(usage) - 50) {host = 'a'}\")");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(40)}}));
  r = run("log10(\"M::cpu:(max(usage)) {host = 'c'}\")");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(2)}}));
  r = run("log2(eval(A / 5, A=\"M::cpu:(max(usage)) {host = 'a'}\"))");  // log2(40 / 5)
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(3)}}));
  r = run("round(eval(A / 3, A=\"M::cpu:(max(usage)) {host = 'c'}\"))");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(33)}}));
  r = run("cumsum(\"M::cpu:(avg(usage)) {host = 'a'} [::30s]\") ORDER BY time ASC");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(10)},
                                      {I(kT0 + 30'000), D(30)},
                                      {I(kT0 + 60'000), D(60)},
                                      {I(kT0 + 90'000), D(100)}}));
}

TEST_F(DqlEvalTest, MovingAverage) {
  seedCpu();
  // a in 30 s buckets: 10 20 30 40.
  const std::string a = "\"M::cpu:(avg(usage)) {host = 'a'} [::30s]\"";
  QueryOutput r = run("moving_average(" + a + ", 2)");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values,
            (Rows{{I(kT0 + 90'000), D(35)}, {I(kT0 + 60'000), D(25)}, {I(kT0 + 30'000), D(15)}}));
  r = run("moving_average(dql=" + a + ", size=3) ORDER BY time ASC");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 60'000), D(20)}, {I(kT0 + 90'000), D(30)}}));
  // Chained after cumsum (10 30 60 100).
  r = run("cumsum(" + a + ").moving_average(size=2) ORDER BY time ASC");
  EXPECT_EQ(r.series[0].values,
            (Rows{{I(kT0 + 30'000), D(20)}, {I(kT0 + 60'000), D(45)}, {I(kT0 + 90'000), D(80)}}));
  // A window wider than the series: no rows.
  r = run("moving_average(" + a + ", 5)");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_TRUE(r.series[0].values.empty());
}

TEST_F(DqlEvalTest, CountFilter) {
  seedCpu();
  seedLogs();
  // last(usage) per host: a 40, b 3, c 100.
  QueryOutput r = run("count_filter(dql=\"M::cpu:(last(usage) AS u) BY host\", expr='u > 5')");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].tags[0].value, "a");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 90'000), D(40)}}));
  EXPECT_EQ(r.series[1].tags[0].value, "c");
  // The condition unquoted, and names from the series' tags.
  r = run("count_filter(\"M::cpu:(last(usage) AS u) BY host\", expr=host != 'a' AND u < 50)");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].tags[0].value, "b");
  // Guance's form: backticks quote a value inside the string.
  r = run("count_filter(dql=\"L::nginx:(status, host)\", expr=\"status != `200`\")");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 4'000), S("500"), S("web-1")},
                                      {I(kT0 + 3'000), S("404"), S("web-1")},
                                      {I(kT0 + 2'000), S("500"), S("web-2")}}));
}

TEST_F(DqlEvalTest, SubqueriesNestThreeDeep) {
  seedCpu();
  // a's points over 15: 20 30 40; last() carries the selected point's time.
  QueryOutput r = run("M::(M::(M::cpu:(usage) {host = 'a'}):(usage) {usage > 15}):(last(usage))");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 90'000), D(40)}}));
  EXPECT_NE(runError("M::(M::cpu),(M::mem)").message().find("cannot have sibling"),
            std::string::npos);
}

TEST_F(DqlEvalTest, Eval) {
  seedCpu();
  QueryOutput r =
      run("eval(A / B, A=\"M::cpu:(sum(usage)) {cluster = 'c1'}\", "
          "B=\"M::cpu:(count(usage)) {cluster = 'c1'}\")");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "A / B"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(104.0 / 6.0)}}));
  // Matched by tags, with an alias.
  r =
      run("eval(A / B, alias='avg', A=\"M::cpu:(sum(usage)) BY host\", "
          "B=\"M::cpu:(count(usage)) BY host\")");
  ASSERT_EQ(r.series.size(), 3u);
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "avg"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(25)}}));
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), D(2)}}));
  EXPECT_EQ(r.series[2].values, (Rows{{I(kT0), D(100)}}));
  // A single series broadcasts: max per host minus the overall min (1).
  r = run("eval(A - B, A=\"M::cpu:(max(usage)) BY host\", B=\"M::cpu:(min(usage))\")");
  ASSERT_EQ(r.series.size(), 3u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(39)}}));
  EXPECT_EQ(r.series[2].values, (Rows{{I(kT0), D(99)}}));
  // Nested outer functions inside eval.
  r = run("eval(A / 1000, A=\"series_sum(\\\"M::cpu:(last(usage)) BY host\\\")\")");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 90'000), D(0.143)}}));
}

TEST_F(DqlEvalTest, SubqueryAsSource) {
  seedCpu();
  QueryOutput r = run("M::(M::cpu:(max(usage) AS m) BY host):(sum(m))");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(143)}}));
}

TEST_F(DqlEvalTest, TimeExpressionsOverrideTheRequestRange) {
  seedCpu();
  // Relative to now (kT0 + 120 s): the last 60 s hold a@60 a@90 b@70.
  QueryOutput r = run("M::cpu:(count(usage)) [60s]");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 60'000), I(3)}}));
  // Absolute epoch ms bounds.
  r = run("M::cpu:(count(usage)) [" + std::to_string(kT0 + 30'000) + ":" +
          std::to_string(kT0 + 30'000) + "]");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 30'000), I(2)}}));  // a@30 and c@30
  // Default range: the last 15 minutes before now.
  EvalOptions o;
  o.now_ms = kT0 + 120'000;
  r = run("M::cpu:(count(usage))", o);
  EXPECT_EQ(r.series[0].values[0][1], I(7));
}

TEST_F(DqlEvalTest, DashboardVariables) {
  seedCpu();
  auto sum = [&](std::vector<std::string> values) {
    EvalOptions o = opts();
    o.variables["h"] = std::move(values);
    QueryOutput r = run("M::cpu:(sum(usage)) {host = '#{h}'}", o);
    return r.series.empty() ? Value() : r.series[0].values[0][1];
  };
  EXPECT_EQ(sum({"a"}), D(100));
  EXPECT_EQ(sum({"__all__"}), D(204));
  EXPECT_EQ(sum({"a", "c"}), D(200));
}

// --- Events ------------------------------------------------------------------------------

TEST_F(DqlEvalTest, LogRowsAllColumnsNewestFirst) {
  seedLogs();
  QueryOutput r = run("L::nginx");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].name, "nginx");
  EXPECT_EQ(r.series[0].columns,
            (std::vector<std::string>{"time", "bytes", "host", "message", "status"}));
  ASSERT_EQ(r.series[0].values.size(), 5u);
  EXPECT_EQ(r.series[0].values[0], (std::vector<Value>{I(kT0 + 65'000), I(50), S("web-2"),
                                                       S("GET /health ok"), S("200")}));
  EXPECT_EQ(r.series[0].values[4][0], I(kT0 + 1'000));
  EXPECT_EQ(r.total_hits, 5);
}

TEST_F(DqlEvalTest, LogFullTextAndProjection) {
  seedLogs();
  QueryOutput r = run("L::nginx:(host, bytes) {message = 'error'}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values,
            (Rows{{I(kT0 + 4'000), S("web-1"), I(30)}, {I(kT0 + 2'000), S("web-2"), I(10)}}));
  r = run("L::nginx:(status) {match('Timeout')}");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 2'000), S("500")}}));
  // The same condition written on the field (pushed down to storage's full-text scan too).
  r = run("L::nginx:(status) {message = match('Timeout')}");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 2'000), S("500")}}));
  r = run("L::nginx:(status) {message != 'error', host = 'web-1'}");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 3'000), S("404")}, {I(kT0 + 1'000), S("200")}}));
  r = run("L::nginx:(bytes) {status = wildcard('5*') OR bytes > 60} ORDER BY bytes ASC");
  EXPECT_EQ(r.series[0].values,
            (Rows{{I(kT0 + 2'000), I(10)}, {I(kT0 + 4'000), I(30)}, {I(kT0 + 1'000), I(100)}}));
}

TEST_F(DqlEvalTest, LogAggregates) {
  seedLogs();
  QueryOutput r = run("L::nginx:(count(*)) BY status");
  ASSERT_EQ(r.series.size(), 3u);
  EXPECT_EQ(r.series[0].tags, (std::vector<model::Tag>{{"status", "200"}}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(2)}}));
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), I(1)}}));
  EXPECT_EQ(r.series[2].values, (Rows{{I(kT0), I(2)}}));
  r = run("L::nginx:(count(*) AS n) [::1m]");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 60'000), I(1)}, {I(kT0), I(4)}}));
  r = run("L::nginx:(sum(bytes), avg(bytes), max(bytes)) {host = 'web-1'}");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(150), D(50), I(100)}}));
  r = run("L::nginx:(count(*) AS count) BY status SORDER BY count DESC, status ASC SLIMIT 2");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].tags[0].value, "200");
  EXPECT_EQ(r.series[1].tags[0].value, "500");
}

TEST_F(DqlEvalTest, LogPagingWithLimitAndSearchAfter) {
  seedLogs();
  QueryOutput r = run("L::nginx:(bytes) LIMIT 2");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 65'000), I(50)}, {I(kT0 + 4'000), I(30)}}));
  EXPECT_EQ(r.search_after, (std::vector<Value>{I(kT0 + 4'000), I(1)}));
  EXPECT_EQ(r.total_hits, 5);
  EvalOptions o = opts();
  o.search_after = r.search_after;
  r = run("L::nginx:(bytes) LIMIT 2", o);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 3'000), I(20)}, {I(kT0 + 2'000), I(10)}}));
  o.search_after = r.search_after;
  r = run("L::nginx:(bytes) LIMIT 2", o);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 1'000), I(100)}}));
  EXPECT_TRUE(r.search_after.empty());
  // The default row limit applies to listings only.
  o = opts();
  o.default_limit = 3;
  r = run("L::nginx", o);
  EXPECT_EQ(r.series[0].values.size(), 3u);
  r = run("L::nginx:(bytes) LIMIT 1 OFFSET 1");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 4'000), I(30)}}));
}

TEST_F(DqlEvalTest, SeveralSourcesRegexAndStar) {
  seedLogs();
  write(Category::kLogging, {testing::point("app", {{"host", "web-1"}},
                                            {{"message", std::string("boom")}}, kT0 + 5'000)});
  EXPECT_EQ(run("L::*:(count(*))").series[0].values, (Rows{{I(kT0), I(6)}}));
  EXPECT_EQ(run("L::re('ng.*'):(count(*))").series[0].values, (Rows{{I(kT0), I(5)}}));
  // Measurements listed by name: one series each, named after it (re() and * pool them).
  QueryOutput r = run("L::nginx,app:(count(*)) {host = 'web-1'}");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].name, "app");
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "count(*)"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(1)}}));
  EXPECT_EQ(r.series[1].name, "nginx");
  EXPECT_EQ(r.series[1].columns, (std::vector<std::string>{"time", "count(*)"}));
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), I(3)}}));
  EXPECT_EQ(run("L::re('.*'):(count(*)) {host = 'web-1'}").series.size(), 1u);
  r = run("L::nginx,app:(message) {host = 'web-1'} BY host");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].name, "app");
  EXPECT_EQ(r.series[0].tags, (std::vector<model::Tag>{{"host", "web-1"}}));
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "message"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 5'000), S("boom")}}));
  EXPECT_EQ(r.series[1].name, "nginx");
  EXPECT_EQ(r.series[1].values.size(), 3u);
  EXPECT_EQ(run("L::app:(count(__source)) BY source").series[0].tags[0].value, "app");
}

TEST_F(DqlEvalTest, CiNamespaceIsGitlabLogs) {
  auto pipe = [](std::string status, std::string ref, std::int64_t s) {
    return testing::point("gitlab_pipeline",
                          {{"ci_status", std::move(status)}, {"ref", std::move(ref)}},
                          {{"duration", std::int64_t{60}}}, kT0 + s * 1000);
  };
  write(Category::kLogging,
        {pipe("failed", "main", 1), pipe("success", "main", 2), pipe("failed", "dev", 3)});
  QueryOutput r = run("CI::gitlab_pipeline:(count(*)) {ci_status = 'failed'} BY ref");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].tags[0].value, "dev");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(1)}}));
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), I(1)}}));
  EXPECT_EQ(run("CI::`*`:(count(*))").series[0].values, (Rows{{I(kT0), I(3)}}));
}

// --- Objects -----------------------------------------------------------------------------

class DqlObjectTest : public testing::EngineTest {
 protected:
  // test_data.h podPoints(): pod-1 Running (1) and pod-2 Pending (0) at +0 s, then pod-1
  // Failed (3) at +10 s.
  void seedPods() {
    write(Category::kObject, testing::podPoints(0));
    write(Category::kObject, testing::podPoints(1));
  }
};

TEST_F(DqlObjectTest, LatestState) {
  seedPods();
  QueryOutput r = run("O::kubelet_pod:(count(__source)) BY namespace");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(1)}}));
  r = run("O::kubelet_pod:(count(status)) {status NOT IN ['Running', 'Succeeded']}");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(2)}}));
  r = run("O::kubelet_pod:(last(restarts) AS restarts) BY name SORDER BY restarts DESC SLIMIT 1");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].tags[0].value, "pod-1");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 10'000), I(3)}}));  // last(): the point's time
  r = run("O::kubelet_pod:(name, status) {namespace = 'default'}");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 10'000), S("pod-1"), S("Failed")}}));
}

TEST_F(DqlObjectTest, HistoryScansEveryVersion) {
  seedPods();
  QueryOutput r = run("OH::kubelet_pod:(count(*))");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(3)}}));
}

// --- FILTER / LINK ------------------------------------------------------------------------

class DqlJoinTest : public testing::EngineTest {
 protected:
  // Objects of class ecs (name tag; hostname, region, cl fields): ecs-1 (a, r1, c1) at +0 s,
  // ecs-2 (c, r2, c1) at +10 s, ecs-3 (z, r1, c9) at +20 s. cpu (seedCpu): a/c1, b/c1, c/c2.
  void seedEcs() { write(Category::kObject, testing::ecsPoints()); }
  // Objects of class site: one, host = web-2 (the nginx logs of seedLogs have web-1, web-2).
  void seedSite() { write(Category::kObject, testing::sitePoints()); }
};

TEST_F(DqlJoinTest, FilterKeepsTheLeftGroupsWhoseKeyIsOnTheRight) {
  seedCpu();
  seedEcs();
  // ecs hostnames a, c, z: cpu hosts a and c stay, b goes.
  QueryOutput r =
      run("M::cpu:(avg(usage)) BY host FILTER O::ecs:(hostname) WITH {host = hostname}");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].tags, (std::vector<model::Tag>{{"host", "a"}}));
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "avg(usage)"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(25)}}));
  EXPECT_EQ(r.series[1].tags, (std::vector<model::Tag>{{"host", "c"}}));
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), D(100)}}));
  // Rows are filtered before aggregating: without BY, the sum of a's and c's points.
  r = run("M::cpu:(sum(usage)) FILTER O::ecs:(hostname) WITH {host = hostname}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(200)}}));  // 10+20+30+40 + 100
}

TEST_F(DqlJoinTest, FilterOnRowsWithTheJoinedQuerysOwnClauses) {
  seedCpu();
  seedEcs();
  // Only ecs in r1 (a, z): a's rows, newest first, and the key need not be a target.
  QueryOutput r =
      run("M::cpu:(usage) FILTER O::ecs:(hostname) {region = 'r1'} WITH {host = hostname}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "usage"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 90'000), D(40)},
                                      {I(kT0 + 60'000), D(30)},
                                      {I(kT0 + 30'000), D(20)},
                                      {I(kT0), D(10)}}));
  // Nothing on the right: nothing on the left.
  r =
      run("M::cpu:(sum(usage)) FILTER O::ecs:(hostname) {region = 'nowhere'} WITH {host = "
          "hostname}");
  EXPECT_TRUE(r.series.empty());
  // The left statement's own filter still applies.
  r = run("M::cpu:(count(usage)) {usage > 15} BY host FILTER O::ecs WITH {host = hostname}");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(3)}}));  // a: 20 30 40
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), I(1)}}));  // c: 100
}

TEST_F(DqlJoinTest, FilterWithSeveralKeysMatchesWholeTuples) {
  seedCpu();
  seedEcs();
  // (hostname, cl): (a, c1) (c, c1) (z, c9); cpu (host, cluster): (a, c1) (b, c1) (c, c2).
  QueryOutput r =
      run("M::cpu:(count(usage)) BY host FILTER O::ecs:(hostname, cl) WITH {host = hostname, "
          "cluster = cl}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].tags, (std::vector<model::Tag>{{"host", "a"}}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(4)}}));
}

TEST_F(DqlJoinTest, FilterReadsOnlyTheMatchingSeriesOfAMetric) {
  seedCpu();
  seedEcs();
  // The right side reads the 3 ecs objects; the key tag goes to the series index, so only c's
  // one point is read (4 rows in all). Reading every cpu point (7) would be over 5.
  EvalOptions o = opts();
  o.max_rows = 5;
  QueryOutput r = run(
      "M::cpu:(count(usage)) FILTER O::ecs:(hostname) {region = 'r2'} WITH {host = hostname}", o);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(1)}}));
  EXPECT_EQ(runError("M::cpu:(count(usage))", o).code(), StatusCode::kOutOfRange);
}

TEST_F(DqlJoinTest, FilterKeysFromTheRightsTagsAndHaving) {
  seedCpu();
  // Hosts whose max usage is over 5: a (40) and c (100); b (3) is not.
  QueryOutput r =
      run("M::cpu:(count(usage)) BY host FILTER M::cpu:(max(usage) AS m) BY host HAVING m > 5 "
          "WITH {host = host}");
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].tags[0].value, "a");
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(4)}}));
  EXPECT_EQ(r.series[1].tags[0].value, "c");
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), I(1)}}));
}

TEST_F(DqlJoinTest, FilterOverLogsColumnarAndRowPathsAgree) {
  seedLogs();
  seedSite();
  // web-2's logs: 500 at +2 s and 200 at +65 s.
  for (bool columnar : {true, false}) {
    EvalOptions o = opts();
    o.columnar = columnar;
    QueryOutput r =
        run("L::nginx:(count(*)) BY status FILTER O::site:(host) WITH {host = host}", o);
    ASSERT_EQ(r.series.size(), 2u) << columnar;
    EXPECT_EQ(r.series[0].tags, (std::vector<model::Tag>{{"status", "200"}}));
    EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), I(1)}}));
    EXPECT_EQ(r.series[1].tags, (std::vector<model::Tag>{{"status", "500"}}));
    EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), I(1)}}));
  }
  QueryOutput r = run("L::nginx:(message) FILTER O::site:(host) WITH {host = host}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 65'000), S("GET /health ok")},
                                      {I(kT0 + 2'000), S("upstream timeout error")}}));
}

TEST_F(DqlJoinTest, FilterInsideASubqueryAndKeysOfDifferentTypes) {
  seedCpu();
  seedEcs();
  QueryOutput r =
      run("M::(M::cpu:(usage) FILTER O::ecs:(hostname) WITH {host = hostname}):(sum(usage))");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(200)}}));
  // Keys match by their text: the float 100 (c's usage) matches the string field '100'.
  write(Category::kObject,
        {testing::point("limits", {{"name", "l1"}}, {{"v", std::string("100")}}, kT0)});
  r = run("M::cpu:(host, usage) FILTER O::limits:(v) WITH {usage = v}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 30'000), S("c"), D(100)}}));
}

TEST_F(DqlJoinTest, LinkAddsTheNewestMatchingRowsColumns) {
  seedCpu();
  seedEcs();
  // ecs rows newest first: ecs-3 (z: no cpu), ecs-2 (c), ecs-1 (a); last(usage) per host.
  QueryOutput r =
      run("O::ecs:(name, hostname, region) LINK M::cpu:(last(usage) AS u) BY host WITH "
          "{hostname = host}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].columns,
            (std::vector<std::string>{"time", "name", "hostname", "region", "u"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 20'000), S("ecs-3"), S("z"), S("r1"), N()},
                                      {I(kT0 + 10'000), S("ecs-2"), S("c"), S("r2"), D(100)},
                                      {I(kT0), S("ecs-1"), S("a"), S("r1"), D(40)}}));
  // A row listing on the right: the newest row per key (a: 40 at +90 s); the key column
  // (host) is not added.
  r = run("O::ecs:(hostname) LINK M::cpu:(usage, host) WITH {hostname = host}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "hostname", "usage"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 20'000), S("z"), N()},
                                      {I(kT0 + 10'000), S("c"), D(100)},
                                      {I(kT0), S("a"), D(40)}}));
}

TEST_F(DqlJoinTest, SeveralLinksShareTheKeysAndRenameClashingColumns) {
  seedCpu();
  seedNet();
  seedEcs();
  // net: last(bytes) a = 210, b = 2800. The second `u` is named after its series: net.u.
  QueryOutput r =
      run("O::ecs:(hostname) LINK M::cpu:(last(usage) AS u) BY host LINK M::net:(last(bytes) AS u) "
          "BY host WITH {hostname = host}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "hostname", "u", "net.u"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0 + 20'000), S("z"), N(), N()},
                                      {I(kT0 + 10'000), S("c"), D(100), N()},
                                      {I(kT0), S("a"), D(40), D(210)}}));
}

TEST_F(DqlJoinTest, LinkOntoGroupedSeriesByTheirTags) {
  seedCpu();
  seedEcs();
  // The left key is a tag of the outer result; every series keeps its tags and rows.
  QueryOutput r =
      run("M::cpu:(avg(usage)) BY host LINK O::ecs:(hostname, region) WITH {host = hostname}");
  ASSERT_EQ(r.series.size(), 3u);
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"time", "avg(usage)", "region"}));
  EXPECT_EQ(r.series[0].values, (Rows{{I(kT0), D(25), S("r1")}}));
  EXPECT_EQ(r.series[1].tags[0].value, "b");
  EXPECT_EQ(r.series[1].values, (Rows{{I(kT0), D(2), N()}}));
  EXPECT_EQ(r.series[2].values, (Rows{{I(kT0), D(100), S("r2")}}));
}

// --- IN lists ----------------------------------------------------------------------------

class DqlInListTest : public testing::EngineTest {
 protected:
  // logging mix, tag id, fields i (int), f (float), s (string), b (bool), some missing:
  //   r1: i=1  f=1.5  s='1'    b=true
  //   r2: i=2  f=2.0  s='abc'  b=false
  //   r3: i=0  f=-0.0 s=''     (no b)
  //   r4: (no i) f=10 s='2.5'  b=true
  //   r5: i=-7 (no f) s='true' (no b)
  void seedMix() {
    auto row = [](std::string id, std::vector<model::Field> fields, std::int64_t s) {
      return testing::point("mix", {{"id", std::move(id)}}, std::move(fields), kT0 + s * 1000);
    };
    write(Category::kLogging,
          {row("r1", {{"i", std::int64_t{1}}, {"f", 1.5}, {"s", std::string("1")}, {"b", true}}, 1),
           row("r2", {{"i", std::int64_t{2}}, {"f", 2.0}, {"s", std::string("abc")}, {"b", false}},
               2),
           row("r3", {{"i", std::int64_t{0}}, {"f", -0.0}, {"s", std::string()}}, 3),
           row("r4", {{"f", 10.0}, {"s", std::string("2.5")}, {"b", true}}, 4),
           row("r5", {{"i", std::int64_t{-7}}, {"s", std::string("true")}}, 5)});
  }
  // The ids of the rows the filter keeps, sorted.
  std::vector<std::string> ids(const std::string& filter) {
    QueryOutput r = run("L::mix:(id) " + filter);
    std::vector<std::string> out;
    for (const Series& s : r.series) {
      for (const auto& v : s.values) out.push_back(std::get<std::string>(v[1]));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // ids() of a filter with one `[` (a list of literals: prepared once), and of the same filter
  // with a non-literal item that matches nothing added (compared item by item): both must be
  // `want`.
  void expectIds(const std::string& filter, std::vector<std::string> want) {
    EXPECT_EQ(ids(filter), want) << filter;
    std::string linear = filter;
    linear.replace(linear.find('['), 1, "[abs(-987654), ");
    EXPECT_EQ(ids(linear), want) << linear;
  }
};

TEST_F(DqlInListTest, TypedComparisonsAsTheOtherOperators) {
  seedMix();
  using V = std::vector<std::string>;
  // Ints: equal ints exactly, floats and bools as numbers, number strings by their value.
  expectIds("{i IN [2.0, '-7', true]}", V{"r1", "r2", "r5"});
  // A missing value is '' against strings, and nothing against numbers; nil matches nothing.
  expectIds("{i IN ['', 5]}", V{"r4"});
  expectIds("{i NOT IN ['', 5]}", V{"r1", "r2", "r3", "r5"});
  expectIds("{i IN [nil, 5]}", V{});
  expectIds("{i NOT IN [nil]}", V{"r1", "r2", "r3", "r4", "r5"});
  // Floats: -0.0 equals 0; 2.0 equals 2; number strings by value ('1e1' = 10).
  expectIds("{f IN [0, 2, 'x']}", V{"r2", "r3"});
  expectIds("{f IN ['1.5', '1e1']}", V{"r1", "r4"});
  // Strings: equal strings; a number string against numbers by value; another string against
  // a number's or bool's text ('true' = true).
  expectIds("{s IN [1, 'abc', 2.5]}", V{"r1", "r2", "r4"});
  expectIds("{s IN [true, '']}", V{"r1", "r3", "r5"});
  expectIds("{s IN ['1.0', 'ABC']}", V{});
  // Bools: as 1 and 0, and as the text 'true' / 'false'.
  expectIds("{b IN [1]}", V{"r1", "r4"});
  expectIds("{b IN ['false']}", V{"r2"});
  expectIds("{b IN [0.0, 'x']}", V{"r2"});
  expectIds("{b NOT IN [false]}", V{"r1", "r3", "r4", "r5"});
}

TEST_F(DqlInListTest, ListsInHavingSubqueriesAndJoinsAndWithVariables) {
  seedMix();
  using V = std::vector<std::string>;
  expectIds("{i IN [1, 2] OR s IN ['true']}", V{"r1", "r2", "r5"});
  // A subquery's filter and the outer filter.
  QueryOutput r = run("L::(L::mix:(id, i) {i IN [0, 1, 2]}):(count(*)) {i NOT IN [1]}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values[0][1], I(2));  // r2, r3
  // HAVING over an aggregate.
  r = run("L::mix:(count(*) AS n) BY b HAVING n IN [1]");
  ASSERT_EQ(r.series.size(), 1u);  // b = false: r2 (true: r1 r4, missing: r3 r5)
  EXPECT_EQ(r.series[0].tags, (std::vector<model::Tag>{{"b", "false"}}));
  EXPECT_EQ(r.series[0].values[0][1], I(1));
  // A list that comes from a variable is prepared after the substitution.
  EvalOptions o = opts();
  o.variables["ids"] = {"r2", "r5"};
  r = run("L::mix:(count(*)) {id IN [#{ids}]}", o);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values[0][1], I(2));
}

TEST(DqlConstInListTest, AgreesWithCompareValuesOnEveryPair) {
  // Every value against every list of up to two items from the same grid: contains() must be
  // the linear rule (compareValues == 0, null as '' against strings) written out here.
  auto lit = [](const Value& v) {
    dql::Expr e;
    if (isNull(v)) {
      e.kind = dql::ExprKind::kNil;
    } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
      e.kind = dql::ExprKind::kInt;
      e.int_value = *i;
    } else if (const auto* d = std::get_if<double>(&v)) {
      e.kind = dql::ExprKind::kFloat;
      e.float_value = *d;
    } else if (const auto* b = std::get_if<bool>(&v)) {
      e.kind = dql::ExprKind::kBool;
      e.bool_value = *b;
    } else {
      e.kind = dql::ExprKind::kString;
      e.text = std::get<std::string>(v);
    }
    return e;
  };
  std::vector<Value> items = {N(),         I(0),         I(1),      I(-7),      I(9007199254740993),
                              D(0.0),      D(-0.0),      D(1.0),    D(1.5),     D(1e300),
                              Value(true), Value(false), S(""),     S("1"),     S("1.0"),
                              S("1.5"),    S("abc"),     S("true"), S("false"), S("nan"),
                              S("inf"),    S("-0"),      S(" 1")};
  std::vector<Value> values = items;
  values.push_back(D(std::nan("")));
  values.push_back(D(HUGE_VAL));
  values.push_back(D(9007199254740992.0));
  auto linear = [](const Value& a, const std::vector<Value>& list) {
    for (const Value& b : list) {
      Value x = a;
      if (isNull(x) && std::holds_alternative<std::string>(b)) x = std::string();
      std::optional<int> c = compareValues(x, b);
      if (c && *c == 0) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (std::size_t j = i; j < items.size(); ++j) {
      std::vector<Value> list = {items[i], items[j]};
      std::unique_ptr<ConstInList> set = ConstInList::make({lit(list[0]), lit(list[1])});
      ASSERT_NE(set, nullptr);
      for (const Value& a : values) {
        EXPECT_EQ(set->contains(a), linear(a, list))
            << toText(a) << " (" << a.index() << ") IN [" << toText(list[0]) << " ("
            << list[0].index() << "), " << toText(list[1]) << " (" << list[1].index() << ")]";
      }
    }
  }
  // A non-literal item: not prepared.
  dql::Expr call;
  call.kind = dql::ExprKind::kCall;
  call.text = "abs";
  EXPECT_EQ(ConstInList::make({lit(I(1)), call}), nullptr);
}

// --- show_* ------------------------------------------------------------------------------

TEST_F(DqlEvalTest, ShowFunctions) {
  seedCpu();
  seedNet();
  seedLogs();
  QueryOutput r = run("show_measurement()");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"name"}));
  EXPECT_EQ(r.series[0].values, (Rows{{S("cpu")}, {S("net")}}));
  r = run("show_tag_key(from=['cpu'])");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].name, "cpu");
  EXPECT_EQ(r.series[0].values, (Rows{{S("cluster")}, {S("host")}}));
  r = run("show_tag_value(from=['cpu'], keyin=['host']) {cluster = 'c1'}");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].columns, (std::vector<std::string>{"key", "value"}));
  EXPECT_EQ(r.series[0].values, (Rows{{S("host"), S("a")}, {S("host"), S("b")}}));
  EvalOptions o = opts();
  o.variables["c"] = {"__all__"};
  r = run("show_tag_value(from=['cpu'], keyin=['host']) {cluster = '#{c}'} [5m]", o);
  EXPECT_EQ(r.series[0].values.size(), 3u);
  r = run("show_field_key(from=['cpu'])");
  EXPECT_EQ(r.series[0].values, (Rows{{S("usage"), S("float")}}));
  r = run("show_logging_source()");
  EXPECT_EQ(r.series[0].values, (Rows{{S("nginx")}}));
  r = run("show_logging_field('nginx')");
  EXPECT_EQ(r.series[0].values, (Rows{{S("bytes"), S("integer")},
                                      {S("host"), S("tag")},
                                      {S("message"), S("string")},
                                      {S("status"), S("tag")}}));
}

TEST_F(DqlEvalTest, ShowTagValueHonoursTheTimeRange) {
  seedCpu();  // host a at +0..+90 s, b at +10 and +70 s, c at +30 s only
  // The request's time_range: from +60 s on only a and b have points.
  QueryOutput r = run("show_tag_value(from=['cpu'], keyin=['host'])", opts(kT0 + 60'000));
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{S("host"), S("a")}, {S("host"), S("b")}}));
  // The query's own range wins: [1m] is +60 s..+120 s (now is +120 s).
  r = run("show_tag_value(from=['cpu'], keyin=['host']) [1m]", opts(kT0, kT0 + 119'999));
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values, (Rows{{S("host"), S("a")}, {S("host"), S("b")}}));
  // Up to +20 s: a and b; c (at +30 s) appears only once the range reaches it.
  r = run("show_tag_value(from=['cpu'], keyin=['host', 'cluster'])", opts(kT0, kT0 + 20'000));
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values,
            (Rows{{S("cluster"), S("c1")}, {S("host"), S("a")}, {S("host"), S("b")}}));
  // No point in the range: no series.
  r = run("show_tag_value(from=['cpu'], keyin=['host'])", opts(kT0 + 100'000));
  EXPECT_TRUE(r.series.empty());
}

// --- Errors ------------------------------------------------------------------------------

TEST_F(DqlEvalTest, Errors) {
  seedCpu();
  Status st = runError("M::cpu:(avg(usage)");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message().rfind("1:", 0), 0u) << st.message();
  st = runError("histogram(\"M::cpu:(avg(usage))\")");
  EXPECT_NE(st.message().find("unsupported outer function histogram"), std::string::npos);
  st = runError("M::cpu:(top(usage, 3))");
  EXPECT_NE(st.message().find("unsupported aggregate function top"), std::string::npos);
  st = runError("TSM::*:(sum(count))");
  EXPECT_EQ(st.code(), StatusCode::kUnimplemented);
  st = runError("M::cpu:(avg(usage)) {host = re('(')}");
  EXPECT_NE(st.message().find("bad regex"), std::string::npos);
  st = runError("M::cpu:(avg(usage)) {host = #{h}}");
  EXPECT_NE(st.message().find("#{h}"), std::string::npos);
  st = runError("M::cpu:(avg(usage)) [::1m:nosuch]");
  EXPECT_NE(st.message().find("unsupported rollup"), std::string::npos);
  st = runError("M::cpu:(avg(usage)) [::1ms]");
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EvalOptions o = opts();
  o.max_rows = 3;
  st = runError("M::cpu:(avg(usage))", o);
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
}

TEST_F(DqlEvalTest, ErrorsNameTheirPosition) {
  seedCpu();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"M::cpu:(top(usage, 3))", "1:9: unsupported aggregate function top()"},
      {"M::cpu:(avg(usage), sum(*))", "1:21: sum(*) is not supported"},
      {"M::cpu:(percentile(usage))", "1:9: percentile() takes a field and a number"},
      {"M::cpu:(avg(usage)) BY 1 + 2", "1:24: BY takes tag or field names"},
      {"M::cpu:(nosuch(usage))", "1:9: unsupported function nosuch()"},
      {"M::cpu:(avg(usage)) {host = #{h}}", "1:29: dashboard variable #{h} has no value"},
      {"M::cpu:(avg(usage)) {host = wildcard('a*') AND wildcard('b')}",
       "1:48: wildcard() is only supported"},
      {"M::cpu:(avg(usage))\n  [10m:20m]", "2:3: the time range starts after it ends"},
      {"M::cpu FILTER O::ecs:(top(x, 3)) WITH {host = hostname}",
       "1:23: unsupported aggregate function top()"},
      {"M::cpu LINK M::mem:(x)\n  LINK M::disk:(top(x, 3)) WITH {host = host}",
       "2:17: unsupported aggregate function top()"},
      {"M::cpu FILTER TSM::x WITH {host = host}", "1:15: namespace TSM:: is not supported"},
      {"moving_average(\"M::cpu:(avg(usage))\", size=0)",
       "1:1: moving_average() takes a window size"},
      {"count_filter(\"M::cpu:(avg(usage))\")", "1:1: count_filter() needs expr="},
      {"count_filter(\"M::cpu:(usage)\", expr='usage > ')",
       "1:37: in count_filter expr: 1:9: expected an expression"},
      {"count_filter(\"M::cpu:(usage)\", expr='usage > 1} LIMIT 5 #')",
       "1:37: count_filter(): expr must be one condition"},
      {"TSM::*:(sum(count))", "1:1: namespace TSM:: is not supported"},
  };
  for (const auto& [q, want] : cases) {
    Status st = runError(q);
    EXPECT_TRUE(st.code() == StatusCode::kInvalidArgument ||
                st.code() == StatusCode::kUnimplemented)
        << q;
    EXPECT_EQ(st.message().rfind(want, 0), 0u) << q << " -> " << st.message();
  }
}

TEST_F(DqlEvalTest, PerQueryLimits) {
  seedCpu();   // 3 series (a, b, c), 7 rows
  seedLogs();  // 5 rows, statuses 200, 404, 500
  EXPECT_EQ(EvalOptions{}.max_rows, 10'000'000u);
  EXPECT_EQ(EvalOptions{}.max_series, 300'000u);
  EXPECT_EQ(EvalOptions{}.timeout, std::chrono::minutes(2));
  const std::string by_host = "M::cpu:(avg(usage)) BY host";
  QueryOutput all = run(by_host);
  ASSERT_EQ(all.series.size(), 3u);

  // Series: 3 read + 3 groups made.
  EvalOptions o = opts();
  o.max_series = 6;
  EXPECT_EQ(run(by_host, o).series, all.series);  // at the limit: the same answer
  const std::string series_msg = " series; narrow the filter, the time range or the BY keys";
  for (std::size_t limit : {5u, 2u}) {  // over while grouping; over while reading
    o.max_series = limit;
    EXPECT_EQ(runError(by_host, o),
              Status(StatusCode::kOutOfRange,
                     "the query reads or groups more than " + std::to_string(limit) + series_msg));
  }
  o = opts();
  o.max_series = 3;
  EXPECT_EQ(run("L::nginx:(count(*)) BY status", o).series.size(), 3u);
  o.max_series = 2;
  EXPECT_EQ(runError("L::nginx:(count(*)) BY status", o),
            Status(StatusCode::kOutOfRange, "the query reads or groups more than 2" + series_msg));

  // Rows: metrics stop while scanning, events per batch.
  o = opts();
  o.max_rows = 7;
  EXPECT_EQ(run(by_host, o).series, all.series);
  o.max_rows = 6;
  EXPECT_EQ(runError(by_host, o),
            Status(StatusCode::kOutOfRange,
                   "the query reads more than 6 rows; narrow the time range or the filter"));
  o.max_rows = 5;
  EXPECT_EQ(run("L::nginx:(count(*))", o).series[0].values[0][1], Value(std::int64_t{5}));
  o.max_rows = 4;
  EXPECT_EQ(runError("L::nginx:(count(*))", o),
            Status(StatusCode::kOutOfRange,
                   "the query reads more than 4 rows; narrow the time range or the filter"));

  // Timeout.
  o = opts();
  o.timeout = std::chrono::milliseconds(0);
  for (const char* q : {"M::cpu:(avg(usage)) BY host", "L::nginx:(count(*))"}) {
    EXPECT_EQ(runError(q, o), Status(StatusCode::kDeadlineExceeded,
                                     "the query timed out after 0 ms; narrow the time range or "
                                     "the filter"));
  }
  o.timeout = std::chrono::seconds(60);
  EXPECT_EQ(run(by_host, o).series, all.series);

  // Cancellation: checked with the timeout.
  o.cancelled = [] { return true; };
  for (const char* q : {"M::cpu:(avg(usage)) BY host", "L::nginx:(count(*))"}) {
    EXPECT_EQ(runError(q, o),
              Status(StatusCode::kCancelled, "the query was cancelled: the client went away"));
  }
  o.cancelled = [] { return false; };
  EXPECT_EQ(run(by_host, o).series, all.series);
}

// --- Found by fuzz_dql_eval (evaluator_fuzz.cc) ---------------------------------------------

TEST_F(DqlEvalTest, FuzzDistinctInsideAnExpressionIsAnError) {
  // distinct() in an expression read an empty value list (out of bounds).
  seedCpu();
  for (const char* q : {"M::cpu:(count = distinct(host))", "M::cpu:(distinct(host) + 1)",
                        "M::cpu:(count(usage)) HAVING distinct(host) = 'a'"}) {
    Status st = runError(q);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << q;
    EXPECT_NE(st.message().find("1:1: distinct() must be the only target"), std::string::npos)
        << st.message();
  }
}

}  // namespace
}  // namespace sextant::query::dql_exec
