// The built-in dashboard queries of ../shared/reference/platform.md §2 (the hand-expanded list of
// query/dql/dashboards_test.cc, read from there) must plan and run without error over a small
// seeded dataset, with every variable set to "__all__" and to a concrete value. TSM:: (APM topology
// pre-aggregates) is not supported yet and is expected to fail with Unimplemented.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "query/dql/dql.h"
#include "query/dql_exec/query_raw.h"
#include "query/dql_exec/test_util.h"

namespace sextant::query::dql_exec {
namespace {

using model::Category;
using testing::kT0;
using testing::point;

// The hand-expanded dashboard queries are the list kDashboardQueries of
// src/query/dql/dashboards_test.cc (owned by the parser's tests); read from there so the two
// never drift apart: the C++ string literals between `kDashboardQueries[] = {` and `};`,
// adjacent literals concatenated, `//` comments skipped.
std::vector<std::string> dashboardQueries() {
  std::ifstream in(std::string(SEXTANT_SOURCE_DIR) + "/src/query/dql/dashboards_test.cc");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::size_t begin = text.find("kDashboardQueries[] = {");
  std::size_t end = text.find("\n};", begin);
  std::vector<std::string> out;
  if (begin == std::string::npos || end == std::string::npos) return out;
  std::string cur;
  for (std::size_t i = text.find('{', begin) + 1; i < end; ++i) {
    char ch = text[i];
    if (ch == '/' && text[i + 1] == '/') {
      i = text.find('\n', i);
    } else if (ch == '"') {
      for (++i; i < end && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;  // \" and \\ (the only escapes the list uses)
        cur.push_back(text[i]);
      }
    } else if (ch == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

class DashboardRunTest : public testing::EngineTest {
 protected:
  void seed() {
    std::vector<model::Point> m;
    auto add = [&](std::string meas, std::vector<model::Tag> tags,
                   std::vector<std::string> fields) {
      for (int i = 0; i < 4; ++i) {
        std::vector<model::Field> f;
        for (const auto& name : fields) f.push_back({name, static_cast<double>(10 * i + 1)});
        m.push_back(point(meas, tags, f, kT0 + i * 30'000));
      }
    };
    std::vector<model::Tag> k8s = {{"cluster_name_k8s", "k1"},
                                   {"namespace", "default"},
                                   {"node_name", "n1"},
                                   {"pod_name", "p1"},
                                   {"host", "h1"}};
    add("kubernetes", k8s, {"node", "pod", "container", "deployment", "service", "daemonset"});
    add("kube_pod", k8s,
        {"cpu_usage", "cpu_usage_millicores", "memory_usage_bytes", "ready", "restarts",
         "network_bytes_rcvd", "network_bytes_sent"});
    add("cpu", {{"host", "h1"}, {"cluster_name_k8s", "k1"}}, {"usage_total", "usage_system"});
    add("mem", {{"host", "h1"}}, {"used_percent", "total", "free"});
    add("etcd", {{"host", "h1"}, {"cluster_name_k8s", "k1"}},
        {"etcd_server_has_leader", "etcd_network_client_grpc_received_bytes_total",
         "etcd_server_proposals_committed_total", "etcd_server_proposals_applied_total"});
    add("istio_prom",
        {{"reporter", "destination"}, {"response_code", "200"}, {"destination_service", "s"}},
        {"istio_requests_total"});
    add("docker_containers", {{"host", "h1"}, {"container_name", "c1"}},
        {"cpu_usage", "mem_usage", "network_bytes_rcvd"});
    write(Category::kMetric, m);
    write(Category::kObject,
          {point("kubelet_pod", {{"name", "p1"}, {"namespace", "default"}},
                 {{"status", std::string("Running")}, {"restarts", std::int64_t{1}}}, kT0),
           point("HOST", {{"name", "h1"}, {"host", "h1"}, {"os", "linux"}}, {{"load", 1.5}}, kT0)});
    write(Category::kLogging,
          {point("kubernetes_events", {{"cluster_name_k8s", "k1"}, {"reason", "BackOff"}},
                 {{"message", std::string("back-off restarting")}}, kT0 + 1'000),
           point("gitlab_pipeline", {{"ref", "main"}, {"ci_status", "failed"}},
                 {{"duration", std::int64_t{5}}}, kT0 + 2'000)});
  }
};

TEST_F(DashboardRunTest, EveryDashboardQueryRuns) {
  seed();
  int ran = 0;
  std::vector<std::string> queries = dashboardQueries();
  ASSERT_GT(queries.size(), 100u);
  for (const std::string& text : queries) {
    Result<dql::Query> q = dql::parse(text);
    ASSERT_TRUE(q.isOk()) << text;
    std::vector<std::string> names = dql::referencedVariables(*q);
    for (const char* value : {"__all__", "h1"}) {
      EvalOptions o = opts();
      for (const auto& n : names) o.variables[n] = {value};
      Result<QueryOutput> r = evaluate(*engine_, "ws", *q, o);
      if (q->ns == dql::Namespace::kTSM && q->kind == dql::Query::Kind::kSelect) {
        EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented) << text;
        continue;
      }
      EXPECT_TRUE(r.isOk()) << text << " with " << value << ": " << r.status().toString();
      ++ran;
    }
  }
  EXPECT_GT(ran, 150);
}

TEST_F(DashboardRunTest, SomeDashboardQueriesGiveTheExpectedNumbers) {
  seed();
  // kubernetes.pod is 1 11 21 31 at +0 +30 +60 +90 s: last = 31; one series (one cluster).
  QueryOutput r =
      run("series_sum(\"M::kubernetes:(last(pod)) {cluster_name_k8s = 'k1'} BY cluster_name_k8s, "
          "namespace\")");
  ASSERT_EQ(r.series.size(), 1u);
  // last() without an interval carries its point's time (+90 s).
  EXPECT_EQ(r.series[0].values, (testing::Rows{{testing::I(kT0 + 90'000), testing::D(31)}}));
  r = run("O::kubelet_pod:(count(status)) {status = 'Running'} BY pod_name");
  ASSERT_EQ(r.series.size(), 1u);  // objects carry no pod_name tag: one group ""
  EXPECT_EQ(r.series[0].values[0][1], testing::I(1));
  r = run("O::HOST:(distinct('host')) {'os' = 'linux'} [10m]");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values[0][1], testing::S("h1"));
  r = run("show_tag_value(from=['kubernetes'], keyin=['cluster_name_k8s'])[5m]");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].values,
            (testing::Rows{{testing::S("cluster_name_k8s"), testing::S("k1")}}));
}

}  // namespace
}  // namespace sextant::query::dql_exec

namespace sextant::query::dql_exec {
namespace {

// Hostile and odd statements (the parser's fuzz seed corpus, extreme bounds and arguments) must
// give a result or a clean error, never a crash (the test build runs under ASan and UBSan).
TEST_F(DashboardRunTest, HostileStatementsNeverCrash) {
  seed();
  std::vector<std::string> texts = {
      "M::cpu:(avg(usage_total)) [99999999999999999:999999999999999999]",
      "M::cpu:(avg(usage_total)) [1000000w::1ns]",
      "M::cpu:(avg(usage_total)) [::1000000w:rate]",
      "M::cpu:(p99999999(usage_total), percentile(usage_total, 1e300))",
      "M::cpu:(percentile(usage_total, -5)) [:::p123456]",
      "M::cpu:(int(usage_total * 1e300), round(usage_total, 400), log(usage_total, 0))",
      "M::cpu:(usage_total) LIMIT 0 OFFSET 99999999999",
      "M::cpu:(avg(usage_total)) BY host SLIMIT 0 SOFFSET 9999999999",
      "eval(A / B, A=\"M::cpu:(avg(usage_total))\", B=\"M::mem:(avg(used_percent)) BY host\")",
      "series_sum(\"show_measurement()\")",
      "M::(M::(M::cpu:(last(usage_total)) BY host):(sum(last(usage_total)))):(max(x))",
  };
  for (const auto& entry : std::filesystem::directory_iterator(
           std::string(SEXTANT_SOURCE_DIR) + "/src/query/dql/testdata/fuzz_corpus")) {
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    texts.push_back(ss.str());
  }
  EvalOptions o = opts();
  o.search_after = {Value(9.9e300), Value(-1e300)};
  o.limit = -3;
  for (const std::string& t : texts) {
    Result<QueryOutput> r = evaluateText(*engine_, "ws", t, o);
    if (!r.isOk()) {
      EXPECT_FALSE(r.status().message().empty()) << t;
    }
  }
  for (std::int64_t bound : {INT64_MIN, INT64_MAX, std::int64_t{0}}) {
    EvalOptions x = opts();
    x.start_ms = bound;
    x.now_ms = bound == 0 ? 1 : bound;
    Result<QueryOutput> r = evaluateText(*engine_, "ws", "M::cpu:(count(usage_total)) [::1h]", x);
    (void)r;
  }
}

}  // namespace
}  // namespace sextant::query::dql_exec
