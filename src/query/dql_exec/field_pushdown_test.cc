// The filter's top-level field comparisons are pushed into ScanRequest::fields: results are those
// of the same filter without pushdown (written `(...) OR false`, which is never pushed), and the
// rows read shrink (EvalOptions::max_rows counts them).
#include <gtest/gtest.h>

#include "query/dql_exec/test_util.h"

namespace sextant::query::dql_exec {
namespace {

using namespace testing;  // NOLINT

class DqlPushdownTest : public EngineTest {
 protected:
  // logging "span" (tag status, fields duration, trace_id, maybe tags/arrays) at +0..+n-1 ms:
  // row i has duration i (int) for i % 3 == 0, i + 0.5 (float) for i % 3 == 1, none for
  // i % 3 == 2; trace_id "t<i / 10>" except every 11th row ("" there); status "500" when
  // i % 4 == 0, else "200". logging "other" holds duration as a string ("1500", "abc"), an array
  // field `arr` and a tag named like a field elsewhere.
  void seed(int n) {
    std::vector<model::Point> pts;
    for (int i = 0; i < n; ++i) {
      std::vector<model::Field> fields;
      if (i % 3 == 0) fields.push_back({"duration", std::int64_t{i}});
      if (i % 3 == 1) fields.push_back({"duration", i + 0.5});
      fields.push_back({"trace_id", i % 11 == 0 ? std::string() : "t" + std::to_string(i / 10)});
      pts.push_back(
          point("span", {{"status", i % 4 == 0 ? "500" : "200"}}, std::move(fields), kT0 + i));
    }
    model::Array arr;
    arr.items = std::vector<std::int64_t>{1, 2};
    pts.push_back(point("other", {{"trace_id", "t1"}},
                        {{"duration", std::string("1500")}, {"arr", model::FieldValue(arr)}},
                        kT0 + 5));
    pts.push_back(point("other", {}, {{"duration", std::string("abc")}}, kT0 + 6));
    write(model::Category::kLogging, std::move(pts));
  }
};

TEST_F(DqlPushdownTest, SameResultsAsWithoutPushdown) {
  seed(3000);
  const std::vector<std::string> filters = {
      "duration > 1000",
      "duration >= 1000.5 AND trace_id = 't150'",
      "duration < 20",
      "duration <= '100'",
      "duration = 999",
      "duration != 999",
      "duration > 'abc'",
      "duration IN [3, 4.5, 1500]",
      "duration NOT IN [3, 4.5]",
      "trace_id = ''",
      "trace_id != ''",
      "trace_id IN ['t1', '']",
      "trace_id NOT IN ['t1', '']",
      "trace_id = 't1'",
      "status = 500",
      "status > 250",
      "exists(duration)",
      "NOT exists(duration)",
      "arr = '[1,2]'",
      "arr > 5",
      "duration > 10 AND (status = '200' OR trace_id = 't3')",
      "nope = 1",
      "nope != 1",
  };
  for (const std::string& f : filters) {
    SCOPED_TRACE(f);
    for (std::string src : {"span", "*"}) {
      const std::string plain = "L::" + src + ":(count(*)) {" + f + "}";
      const std::string off = "L::" + src + ":(count(*)) {(" + f + ") OR false}";
      EXPECT_EQ(run(plain).series, run(off).series);
      const std::string rows = "L::" + src + ":(duration, trace_id) {" + f + "} LIMIT 5000";
      const std::string rows_off =
          "L::" + src + ":(duration, trace_id) {(" + f + ") OR false} LIMIT 5000";
      EXPECT_EQ(run(rows).series, run(rows_off).series);
    }
  }
  // A few counts by hand: durations above 2990 are 2991, 2994, 2997 (ints) and 2992.5, 2995.5,
  // 2998.5 (floats); between 1499.5 and 1500.5: span's 1500 and other's "1500".
  auto count = [&](const std::string& q) {
    QueryOutput r = run(q);
    return r.series.empty() ? Value() : r.series[0].values[0][1];
  };
  EXPECT_EQ(count("L::span:(count(*)) {duration > 2990}"), I(6));
  // t150 is rows 1500..1509: durations at all but 1502, 1505, 1508; 1507 (11 * 137) has ''.
  EXPECT_EQ(count("L::span:(count(*)) {duration >= 1000.5, trace_id = 't150'}"), I(6));
  EXPECT_EQ(count("L::*:(count(*)) {duration > 1499.5, duration < 1500.5}"), I(2));
  EXPECT_EQ(count("L::span:(count(*)) {trace_id = ''}"), I(273));  // every 11th of 3000
  EXPECT_EQ(count("L::span:(count(*)) {NOT exists(duration)}"), I(1000));
}

TEST_F(DqlPushdownTest, SelectiveFiltersReadFewerRows) {
  seed(3000);
  EvalOptions o = opts();
  o.max_rows = 500;  // rows read per statement
  Result<QueryOutput> r = evaluateText(*engine_, "ws", "L::span:(count(*)) {duration > 2700}", o);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->series[0].values[0][1], I(199));  // ints 2703..2997, floats 2701.5..2998.5
  // Not pushed (OR at the top): every row is read, over the guard.
  Result<QueryOutput> all =
      evaluateText(*engine_, "ws", "L::span:(count(*)) {duration > 2700 OR false}", o);
  EXPECT_EQ(all.status().code(), StatusCode::kOutOfRange);
  // trace_id equality after a flush (value blooms, parts).
  ASSERT_TRUE(engine_->flush().isOk());
  r = evaluateText(*engine_, "ws", "L::span:(trace_id) {trace_id = 't42'}", o);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->series[0].values.size(), 9u);  // rows 420..429 but 429 (11 * 39: trace_id '')
}

}  // namespace
}  // namespace sextant::query::dql_exec
