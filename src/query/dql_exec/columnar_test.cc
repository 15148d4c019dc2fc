// The columnar aggregate path (EvalOptions::columnar, aggregates straight from storage's column
// batches) gives the row path's results: every statement runs both ways over the same data
// (several measurements, parts and the head, absent values, ints, dyadic floats, bools, strings,
// a tag and a field of one name) and the outputs must be equal. A few counts are also checked by
// hand.
#include <gtest/gtest.h>

#include "query/dql_exec/test_util.h"

namespace sextant::query::dql_exec {
namespace {

using namespace testing;  // NOLINT

class DqlColumnarTest : public EngineTest {
 protected:
  // logging "app" and "web", 600 rows each over 10 minutes (one per second), in three parts and
  // the head. Row i: tag host "h<i % 3>"; field status "info"/"warn"/"error" (i % 5 < 3 / == 3 /
  // == 4); bytes (int) i % 7 except every 4th row (absent); ratio (float) (i % 8) / 4.0;
  // ok (bool) i % 2; code (string) "<i % 4>00"; message "req <i> done" with "slow" when
  // i % 10 == 0. "web" also has a tag named status ("tag-<i % 2>") on every row.
  void seed() {
    for (int part = 0; part < 4; ++part) {
      std::vector<model::Point> pts;
      for (int i = part * 150; i < (part + 1) * 150; ++i) {
        for (std::string m : {"app", "web"}) {
          std::vector<model::Tag> tags = {{"host", "h" + std::to_string(i % 3)}};
          if (m == "web") tags.push_back({"status", "tag-" + std::to_string(i % 2)});
          std::vector<model::Field> fields;
          const char* status = i % 5 < 3 ? "info" : (i % 5 == 3 ? "warn" : "error");
          fields.push_back({"status", std::string(status)});
          if (i % 4 != 0) fields.push_back({"bytes", std::int64_t{i % 7}});
          fields.push_back({"ratio", (i % 8) / 4.0});
          fields.push_back({"ok", i % 2 == 1});
          fields.push_back({"code", std::to_string(i % 4) + "00"});
          fields.push_back(
              {"message", "req " + std::to_string(i) + (i % 10 == 0 ? " slow" : "") + " done"});
          pts.push_back(point(m, std::move(tags), std::move(fields), kT0 + i * 1000));
        }
      }
      write(model::Category::kLogging, std::move(pts));
      if (part < 3) {
        ASSERT_TRUE(engine_->flush().isOk());
      }
    }
  }

  EvalOptions window(bool columnar) const {
    EvalOptions o = opts(kT0, kT0 + 600'000 - 1);
    o.columnar = columnar;
    return o;
  }
};

TEST_F(DqlColumnarTest, SameResultsAsRowPath) {
  seed();
  const std::vector<std::string> queries = {
      "L::app:(count(*)) [::1m] BY status",
      "L::re('.*'):(count(*)) [::1m] BY status",
      "L::*:(count(*)) BY status",
      "L::app,web:(count(*)) [::2m] BY host, status",
      "L::web:(count(*)) BY status",
      "L::*:(count(*)) BY nope",
      "L::*:(count(*)) BY source",
      "L::*:(count(bytes), sum(bytes), avg(bytes), min(bytes), max(bytes)) [::1m] BY host",
      "L::*:(sum(ratio), avg(ratio), min(ratio), max(ratio), spread(ratio)) [::3m]",
      "L::*:(count(ok), sum(ok), min(ok), max(ok)) BY host",
      "L::*:(count(code), count_distinct(code), sum(code), max(code)) BY status",
      "L::*:(median(bytes), p90(ratio), percentile(bytes, 50), stddev(ratio)) BY host",
      "L::*:(distinct(code)) BY host",
      "L::*:(count(*) / 2 AS half, sum(bytes) + max(ratio) AS x) [::1m] BY status",
      "L::*:(count(*) AS n) [::1m] BY status HAVING n > 20",
      "L::*:(fill(count(*), 0)) {bytes > 3} [::1m] BY status",
      "L::*:(sum(bytes * 2), count(*)) BY host",
      "L::*:(count(*)) {match('slow')} [::1m]",
      "L::*:(count(*)) {message = 'slow' AND host = 'h1'} BY status",
      "L::*:(count(*)) {status IN ['warn', 'error'] OR bytes = 6} BY host",
      "L::*:(count(*)) {bytes >= 2 AND ratio < 1.5} [::1m] BY host, status",
      "L::*:(count(*)) {status = re('w.*')} BY source",
      "L::*:(count(*)) [::1m] BY status SLIMIT 2 SORDER BY status DESC",
      "L::*:(count(*)) [::1m] BY status ORDER BY time ASC LIMIT 3",
      "L::app:(count(*), max(bytes)) [2m:1m:10s] BY host",
  };
  for (const std::string& q : queries) {
    SCOPED_TRACE(q);
    QueryOutput col = run(q, window(true));
    QueryOutput row = run(q, window(false));
    EXPECT_FALSE(row.series.empty());
    EXPECT_EQ(col.series, row.series);
    EXPECT_EQ(col.total_hits, row.total_hits);
  }
}

TEST_F(DqlColumnarTest, CountsByHand) {
  seed();
  // app: 600 rows, per minute 60: status info 36, warn 12, error 12 (i % 5 over 60 rows).
  QueryOutput out = run("L::app:(count(*)) [::1m] BY status", window(true));
  ASSERT_EQ(out.series.size(), 3u);
  EXPECT_EQ(out.series[0].tags, (std::vector<model::Tag>{{"status", "error"}}));
  EXPECT_EQ(out.series[1].tags, (std::vector<model::Tag>{{"status", "info"}}));
  ASSERT_EQ(out.series[1].values.size(), 10u);
  EXPECT_EQ(out.series[1].values[0], (std::vector<Value>{I(kT0 + 540'000), I(36)}));
  EXPECT_EQ(out.series[0].values[9], (std::vector<Value>{I(kT0), I(12)}));
  // web's tag `status` comes before its field of that name (tags are columns first).
  out = run("L::web:(count(*)) BY status", window(true));
  ASSERT_EQ(out.series.size(), 2u);
  EXPECT_EQ(out.series[0].tags, (std::vector<model::Tag>{{"status", "tag-0"}}));
  EXPECT_EQ(out.series[0].values[0][1], I(300));
  // bytes over app: rows with i % 4 != 0 (450), values i % 7.
  out = run("L::app:(count(bytes), max(bytes))", window(true));
  ASSERT_EQ(out.series.size(), 1u);
  EXPECT_EQ(out.series[0].values[0][1], I(450));
  EXPECT_EQ(out.series[0].values[0][2], I(6));
  // match('slow'): every 10th row of each source.
  out = run("L::*:(count(*)) {match('slow')}", window(true));
  ASSERT_EQ(out.series.size(), 1u);
  EXPECT_EQ(out.series[0].values[0][1], I(120));
}

}  // namespace
}  // namespace sextant::query::dql_exec
