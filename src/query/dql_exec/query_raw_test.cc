#include "query/dql_exec/query_raw.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "query/dql_exec/test_util.h"

namespace sextant::query::dql_exec {
namespace {

using testing::kT0;

class QueryRawTest : public testing::EngineTest {
 protected:
  QueryRawResponse post(const std::string& body) {
    QueryRawOptions o;
    o.now_ms = kT0 + 120'000;
    return handleQueryRaw(body, "ws", *engine_, o);
  }
  simdjson::dom::element parse(const std::string& body) {
    padded_ = simdjson::padded_string(body);
    simdjson::dom::element e;
    EXPECT_EQ(parser_.parse(padded_).get(e), simdjson::SUCCESS) << body;
    return e;
  }
  std::string range() const {
    return "[" + std::to_string(kT0) + "," + std::to_string(kT0 + 119'999) + "]";
  }

  simdjson::dom::parser parser_;
  simdjson::padded_string padded_;
};

TEST_F(QueryRawTest, ResponseShape) {
  seedCpu();
  QueryRawResponse r =
      post(R"j({"queries":[{"qtype":"dql","query":{"q":"M::cpu:(avg(usage)) [::1m] BY host",)j"
           R"("time_range":)" +
           range() + R"(,"slimit":1}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::element doc = parse(r.body);
  simdjson::dom::array content = doc["content"].get_array().value();
  ASSERT_EQ(content.size(), 1u);
  simdjson::dom::element c0 = content.at(0).value();
  EXPECT_EQ(c0["total_hits"].get_int64().value(), 5);  // rows of a, b, c (before slimit)
  EXPECT_EQ(c0["query_type"].get_string().value(), "guancedb");
  EXPECT_TRUE(c0["cost"].is_string());
  simdjson::dom::array series = c0["series"].get_array().value();
  ASSERT_EQ(series.size(), 1u);
  simdjson::dom::element s = series.at(0).value();
  EXPECT_EQ(s["name"].get_string().value(), "cpu");
  EXPECT_EQ(s["tags"]["host"].get_string().value(), "a");
  simdjson::dom::array cols = s["columns"].get_array().value();
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols.at(0).get_string().value(), "time");
  EXPECT_EQ(cols.at(1).get_string().value(), "avg(usage)");
  simdjson::dom::array values = s["values"].get_array().value();
  ASSERT_EQ(values.size(), 2u);
  // a: [60 s, 120 s) avg(30, 40) = 35, newest first; time in ms as an integer.
  EXPECT_EQ(values.at(0).at(0).get_int64().value(), kT0 + 60'000);
  EXPECT_EQ(values.at(0).at(1).get_double().value(), 35.0);
  EXPECT_EQ(values.at(1).at(1).get_double().value(), 15.0);
}

// A DQL entry's "interval" (seconds) buckets a query whose time clause has no interval, as
// [::1m] would; the query's own interval wins; without either, one bucket.
TEST_F(QueryRawTest, DqlIntervalBucketsQueriesWithoutOne) {
  seedCpu();
  auto values = [&](const std::string& q, const std::string& interval) {
    QueryRawResponse r = post(R"({"queries":[{"qtype":"dql","query":{"q":")" + q +
                              R"(","time_range":)" + range() + interval + "}}]}");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::pair<std::int64_t, double>> out;
    if (r.status != 200) return out;
    simdjson::dom::element doc = parse(r.body);
    simdjson::dom::element s = doc["content"].at(0)["series"].at(0).value();
    EXPECT_EQ(s["tags"]["host"].get_string().value(), "a");
    simdjson::dom::array rows = s["values"].get_array().value();
    for (simdjson::dom::element row : rows) {
      out.emplace_back(row.at(0).get_int64().value(), row.at(1).get_double().value());
    }
    return out;
  };
  using Rows = std::vector<std::pair<std::int64_t, double>>;
  // host a: 10 and 20 in [0, 60 s), 30 and 40 in [60 s, 120 s) (test_util.h seedCpu).
  const Rows by_minute = {{kT0 + 60'000, 35.0}, {kT0, 15.0}};
  EXPECT_EQ(values("M::cpu:(avg(usage)) BY host", R"(,"interval":60)"), by_minute);
  EXPECT_EQ(values("M::cpu:(avg(usage)) [::1m] BY host", R"(,"interval":3600)"), by_minute);
  EXPECT_EQ(values("M::cpu:(avg(usage)) BY host", ""), (Rows{{kT0, 25.0}}));
  EXPECT_EQ(post(R"({"queries":[{"qtype":"dql","query":{"q":"M::cpu","interval":-5}}]})").status,
            400);
}

TEST_F(QueryRawTest, FlatEntriesSeveralQueriesVariablesAndEcho) {
  seedCpu();
  seedLogs();
  QueryRawResponse r =
      post(R"({"echo_explain":true,"queries":[)"
           R"j({"qtype":"dql","query":"M::cpu:(sum(usage)) {host = '#{h}'}","time_range":)j" +
           range() +
           R"(,"variables":{"h":["a","c"]}},)"
           R"j({"query":{"q":"L::nginx:(bytes, status)","time_range":)j" +
           range() + R"(,"limit":2}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::element doc = parse(r.body);
  simdjson::dom::array content = doc["content"].get_array().value();
  ASSERT_EQ(content.size(), 2u);
  simdjson::dom::element c0 = content.at(0).value();
  EXPECT_EQ(c0["raw_query"].get_string().value(), "M::cpu:(sum(usage)) {host = '#{h}'}");
  EXPECT_EQ(c0["series"].at(0)["values"].at(0).at(1).get_double().value(), 200.0);  // a + c
  simdjson::dom::element c1 = content.at(1).value();
  EXPECT_EQ(c1["total_hits"].get_int64().value(), 5);
  simdjson::dom::array rows = c1["series"].at(0)["values"].get_array().value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.at(0).at(1).get_int64().value(), 50);
  EXPECT_EQ(rows.at(0).at(2).get_string().value(), "200");
  simdjson::dom::array after = c1["search_after"].get_array().value();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after.at(0).get_int64().value(), kT0 + 4'000);
  EXPECT_EQ(after.at(1).get_int64().value(), 1);

  // The next page with that cursor.
  r = post(R"j({"queries":[{"query":{"q":"L::nginx:(bytes)","time_range":)j" + range() +
           R"(,"limit":2,"search_after":[)" + std::to_string(kT0 + 4'000) + R"(,1]}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  doc = parse(r.body);
  rows = doc["content"].at(0)["series"].at(0)["values"].get_array().value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.at(0).at(1).get_int64().value(), 20);
  EXPECT_EQ(rows.at(1).at(1).get_int64().value(), 10);
}

TEST_F(QueryRawTest, Errors) {
  QueryRawResponse r = post("{not json");
  EXPECT_EQ(r.status, 400);
  simdjson::dom::element doc = parse(r.body);
  EXPECT_EQ(doc["error_code"].get_string().value(), "dql.BadRequest");

  r = post(R"j({"queries":[{"qtype":"dql","query":{"q":"M::cpu:(avg(usage)"}}]})j");
  EXPECT_EQ(r.status, 400);
  doc = parse(r.body);
  EXPECT_EQ(doc["error_code"].get_string().value(), "dql.ParseError");
  EXPECT_EQ(std::string(doc["message"].get_string().value()).rfind("1:", 0), 0u);

  r = post(R"j({"queries":[{"qtype":"dql","query":{"q":"moving_average(\"M::cpu\")"}}]})j");
  EXPECT_EQ(r.status, 400);
  doc = parse(r.body);
  EXPECT_EQ(doc["error_code"].get_string().value(), "dql.QueryError");

  r = post(R"({"queries":[{"qtype":"sql","query":{"q":"select 1"}}]})");
  EXPECT_EQ(r.status, 400);
  r = post(R"({"queries":[{"query":{"q":"M::cpu","time_range":"x"}}]})");
  EXPECT_EQ(r.status, 400);
  r = post(R"({"queries":[{"query":{"q":"M::cpu","limit":"ten"}}]})");
  EXPECT_EQ(r.status, 400);
  r = post(R"({"nothing":[]})");
  EXPECT_EQ(r.status, 400);
  r = post(R"({"queries":[{"qtype":"promql","query":{"q":"sum(("}}]})");
  EXPECT_EQ(r.status, 400);
  doc = parse(r.body);
  EXPECT_EQ(doc["error_code"].get_string().value(), "promql.ParseError");
}

TEST_F(QueryRawTest, PromqlEntriesAreRangeQueries) {
  seedCpu();
  QueryRawResponse r =
      post(R"({"queries":[{"qtype":"promql","query":{"q":"cpu_usage{host=\"a\"}","time_range":[)" +
           std::to_string(kT0) + "," + std::to_string(kT0 + 90'000) + R"(],"interval":30}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::element doc = parse(r.body);
  simdjson::dom::element s = doc["content"].at(0)["series"].at(0).value();
  EXPECT_EQ(s["name"].get_string().value(), "cpu_usage");
  EXPECT_EQ(s["tags"]["host"].get_string().value(), "a");
  EXPECT_EQ(s["tags"]["cluster"].get_string().value(), "c1");
  EXPECT_EQ(s["columns"].at(1).get_string().value(), "cpu_usage");
  simdjson::dom::array values = s["values"].get_array().value();
  ASSERT_EQ(values.size(), 4u);  // steps at +0 +30 +60 +90 s: 10 20 30 40
  EXPECT_EQ(values.at(0).at(0).get_int64().value(), kT0);
  EXPECT_EQ(values.at(0).at(1).get_double().value(), 10.0);
  EXPECT_EQ(values.at(3).at(1).get_double().value(), 40.0);
}

TEST_F(QueryRawTest, LimitsAnswer422AndTimeouts503) {
  seedCpu();  // 3 series, 7 rows
  auto send = [&](const QueryRawOptions& o, const std::string& qtype, const std::string& q) {
    QueryRawOptions with_now = o;
    with_now.now_ms = kT0 + 120'000;
    return handleQueryRaw(R"({"queries":[{"qtype":")" + qtype + R"(","query":{"q":")" + q +
                              R"(","time_range":)" + range() + "}}]}",
                          "ws", *engine_, with_now);
  };
  auto expect = [&](const QueryRawResponse& r, int status, std::string_view code,
                    std::string_view message) {
    EXPECT_EQ(r.status, status) << r.body;
    simdjson::dom::element doc = parse(r.body);
    EXPECT_EQ(doc["error_code"].get_string().value(), code) << r.body;
    EXPECT_EQ(doc["message"].get_string().value(), message) << r.body;
  };
  QueryRawOptions o;
  o.dql.max_rows = 7;  // exactly what M::cpu reads
  EXPECT_EQ(send(o, "dql", "M::cpu:(avg(usage))").status, 200);
  o.dql.max_rows = 6;
  expect(send(o, "dql", "M::cpu:(avg(usage))"), 422, "dql.QueryLimitExceeded",
         "the query reads more than 6 rows; narrow the time range or the filter");
  o = {};
  o.dql.max_series = 2;
  expect(send(o, "dql", "M::cpu:(avg(usage)) BY host"), 422, "dql.QueryLimitExceeded",
         "the query reads or groups more than 2 series; narrow the filter, the time range or the "
         "BY keys");
  o = {};
  o.dql.timeout = std::chrono::milliseconds(0);
  expect(send(o, "dql", "M::cpu:(avg(usage))"), 503, "dql.QueryTimeout",
         "the query timed out after 0 ms; narrow the time range or the filter");
  // PromQL entries take the PromQL limits.
  o = {};
  o.promql.max_samples = 1;
  expect(send(o, "promql", "cpu_usage"), 422, "promql.QueryLimitExceeded",
         "query processing would load too many samples into memory in query execution");
  o = {};
  o.promql.max_series = 2;
  expect(send(o, "promql", "cpu_usage"), 422, "promql.QueryLimitExceeded",
         "the number of series selected by the query exceeds the limit of 2; narrow down the "
         "selectors or the time range");
  o = {};
  o.promql.timeout = std::chrono::milliseconds(0);
  expect(send(o, "promql", "cpu_usage"), 503, "promql.QueryTimeout",
         "query timed out in query execution");
  EXPECT_EQ(send(QueryRawOptions{}, "promql", "cpu_usage").status, 200);
  // A client that went away: 499 (nobody reads it; for the logs).
  o = {};
  o.dql.cancelled = [] { return true; };
  expect(send(o, "dql", "M::cpu:(avg(usage))"), 499, "dql.QueryCancelled",
         "the query was cancelled: the client went away");
  o = {};
  o.promql.cancelled = [] { return true; };
  expect(send(o, "promql", "cpu_usage"), 499, "promql.QueryCancelled",
         "query cancelled in query execution: the client went away");
}

}  // namespace
}  // namespace sextant::query::dql_exec
