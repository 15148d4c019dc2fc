// Exposition -> points: the reference's naming and expansion rules as tables with expected
// points written by hand, and the fixtures' real exporters with counts taken from the files.
#include "agent/inputs/prom/prom_convert.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "codec/prometheus_text/prometheus_proto.h"

namespace sextant::agent::inputs::prom {
namespace {

namespace cp = codec::prom;
using model::Point;

constexpr int64_t kNow = 1'700'000'000'000'000'000;

Point pt(std::string m, std::vector<model::Tag> tags, std::vector<model::Field> fields,
         int64_t t = kNow) {
  Point p;
  p.measurement = std::move(m);
  p.tags = std::move(tags);
  p.fields = std::move(fields);
  p.time_ns = t;
  return p;
}

std::vector<Point> run(std::string_view text, const ConvertOptions& o, ScrapeTags st = {},
                       cp::Format f = cp::Format::kText004) {
  auto exp = cp::parse(text, f);
  EXPECT_TRUE(exp.isOk()) << exp.status().message();
  std::vector<Point> out;
  if (exp.isOk()) convert(*exp, o, st, kNow, &out);
  return out;
}

std::string readFixture(const std::string& rel) {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::shared_ptr<const re2::RE2>> res(const std::vector<std::string>& e) {
  auto r = compileRegexes(e);
  EXPECT_TRUE(r.isOk());
  return r.isOk() ? *r : std::vector<std::shared_ptr<const re2::RE2>>{};
}

TEST(PromNames, DefaultSplitAtFirstUnderscore) {
  ConvertOptions o;
  struct Case {
    const char* name;
    const char* measurement;
    const char* field;
  } cases[] = {
      {"node_filesystem_avail_bytes", "node", "filesystem_avail_bytes"},  // reference example
      {"promhttp_metric_handler_errors_total", "promhttp", "metric_handler_errors_total"},
      {"up", "up", "up"},                       // no '_': both the name
      {"abc_", "abc", "abc"},                   // ends with its first '_'
      {"__go_goroutines", "go", "goroutines"},  // leading '_'s stripped
      {"a", "unknown", "unknown"},              // one char left
      {"_", "unknown", "unknown"},              // nothing left
      {"_x", "unknown", "unknown"},             // one char after stripping
      {"etcd_server_has_leader", "etcd", "server_has_leader"},
  };
  for (const Case& c : cases) {
    auto [m, f] = metricNames(c.name, o);
    EXPECT_EQ(m, c.measurement) << c.name;
    EXPECT_EQ(f, c.field) << c.name;
  }
  o.keep_exist_metric_name = true;
  EXPECT_EQ(metricNames("node_load1", o),
            std::make_pair(std::string("node"), std::string("node_load1")));
  o.measurement_prefix = "p_";
  EXPECT_EQ(metricNames("node_load1", o),
            std::make_pair(std::string("p_node"), std::string("node_load1")));
}

TEST(PromNames, RulesBeatMeasurementNameAndPrefixComesLast) {
  ConvertOptions o;
  o.measurement_name = "istio_prom";
  EXPECT_EQ(metricNames("istio_requests_total", o),
            std::make_pair(std::string("istio_prom"), std::string("istio_requests_total")));
  o.measurements = {{"etcd_", "etcd"}, {"etcd_server_", "never"}, {"node_filesystem_", ""}};
  // The first matching rule wins; field = name minus the prefix.
  EXPECT_EQ(metricNames("etcd_server_has_leader", o),
            std::make_pair(std::string("etcd"), std::string("server_has_leader")));
  // Rule without a name: the prefix without its trailing '_'.
  EXPECT_EQ(metricNames("node_filesystem_avail_bytes", o),
            std::make_pair(std::string("node_filesystem"), std::string("avail_bytes")));
  // No rule matches: measurement_name.
  EXPECT_EQ(metricNames("go_goroutines", o),
            std::make_pair(std::string("istio_prom"), std::string("go_goroutines")));
  o.measurement_prefix = "k8s_";
  EXPECT_EQ(metricNames("etcd_server_has_leader", o).first, "k8s_etcd");
  EXPECT_EQ(metricNames("go_goroutines", o).first, "k8s_istio_prom");
}

TEST(PromNames, GoFloatSpelling) {
  struct Case {
    double v;
    const char* s;
  } cases[] = {
      {0.005, "0.005"},
      {0.5, "0.5"},
      {0.99, "0.99"},
      {0, "0"},
      {1, "1"},
      {10, "10"},
      {2.5, "2.5"},
      {100000, "100000"},
      {123456, "123456"},
      {1e6, "1e+06"},
      {1234567, "1.234567e+06"},
      {0.0001, "0.0001"},
      {2.5e-05, "2.5e-05"},
      {-0.5, "-0.5"},
      {1e21, "1e+21"},
      {-1e6, "-1e+06"},
  };
  for (const Case& c : cases) EXPECT_EQ(goFloat(c.v), c.s) << c.v;
  EXPECT_EQ(goFloat(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(goFloat(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(goFloat(std::nan("")), "NaN");
}

constexpr std::string_view kExample = R"(# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"} 3
# TYPE go_goroutines gauge
go_goroutines 8
go_goroutines{x="nan"} NaN
go_goroutines{x="inf"} +Inf
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} 4773 1395066363000
rpc_duration_seconds{quantile="0.99"} NaN
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{path="/a",le="0.05"} 24054
http_request_duration_seconds_bucket{path="/a",le="1000000"} 100392
http_request_duration_seconds_bucket{path="/a",le="+Inf"} 144320
http_request_duration_seconds_sum{path="/a"} 53423
http_request_duration_seconds_count{path="/a"} 144320
# TYPE some_untyped untyped
some_untyped 1.5
)";

TEST(PromConvert, EveryTypeAsTheReferenceDescribes) {
  ConvertOptions o;
  std::vector<Point> want = {
      pt("http", {{"method", "post"}, {"code", "200"}}, {{"requests_total", 1027.0}},
         1395066363000 * 1'000'000),  // honor_timestamps
      pt("http", {{"method", "post"}, {"code", "400"}}, {{"requests_total", 3.0}}),
      pt("go", {}, {{"goroutines", 8.0}}),  // NaN and +Inf samples skipped
      pt("rpc", {}, {{"duration_seconds_count", 2693.0}, {"duration_seconds_sum", 1.7560473e+07}}),
      pt("rpc", {{"quantile", "0.5"}}, {{"duration_seconds", 4773.0}}, 1395066363000 * 1'000'000),
      // quantile 0.99 is NaN: skipped
      pt("http", {{"path", "/a"}},
         {{"request_duration_seconds_count", 144320.0}, {"request_duration_seconds_sum", 53423.0}}),
      pt("http", {{"path", "/a"}, {"le", "0.05"}}, {{"request_duration_seconds_bucket", 24054.0}}),
      pt("http", {{"path", "/a"}, {"le", "1e+06"}},
         {{"request_duration_seconds_bucket", 100392.0}}),
      pt("http", {{"path", "/a"}, {"le", "+Inf"}}, {{"request_duration_seconds_bucket", 144320.0}}),
      pt("some", {}, {{"untyped", 1.5}}),
  };
  std::vector<Point> got = run(kExample, o);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i], want[i]) << i;
    EXPECT_EQ(got[i].tags, want[i].tags) << i << " (tag order)";
  }
  for (const Point& p : got)
    for (const model::Field& f : p.fields)
      EXPECT_EQ(model::fieldType(f.value), model::FieldType::kFloat);

  // A timestamp nanoseconds cannot hold is not honoured.
  auto far =
      run("# TYPE m_x gauge\nm_x 1 9223372036854775807\nm_x{a=\"b\"} 2 -9223372036854775807\n", o);
  ASSERT_EQ(far.size(), 2u);
  EXPECT_EQ(far[0].time_ns, kNow);
  EXPECT_EQ(far[1].time_ns, kNow);

  // Without honor_timestamps every point has the scrape time.
  o.honor_timestamps = false;
  for (const Point& p : run(kExample, o)) EXPECT_EQ(p.time_ns, kNow);
}

TEST(PromConvert, MetricTypesAndNameFilters) {
  ConvertOptions o;
  o.metric_types = {"counter", "gauge"};
  std::set<std::string> fields;
  for (const Point& p : run(kExample, o))
    for (const auto& f : p.fields) fields.insert(p.measurement + "." + f.key);
  EXPECT_EQ(fields, (std::set<std::string>{"http.requests_total", "go.goroutines"}));

  // Unanchored, any of, against the family name (histogram base name, not _bucket).
  o = ConvertOptions{};
  o.metric_name_filter = res({"request_duration", "^go_"});
  fields.clear();
  for (const Point& p : run(kExample, o))
    for (const auto& f : p.fields) fields.insert(p.measurement + "." + f.key);
  EXPECT_EQ(fields, (std::set<std::string>{"go.goroutines", "http.request_duration_seconds_count",
                                           "http.request_duration_seconds_sum",
                                           "http.request_duration_seconds_bucket"}));
  o.metric_name_filter = res({"http_request_duration_seconds_bucket"});  // never matches a family
  EXPECT_TRUE(run(kExample, o).empty());
  // The ignore list wins over the whitelist.
  o.metric_name_filter = res({"go_", "http_"});
  o.metric_name_filter_ignore = res({"^http_requests"});
  fields.clear();
  for (const Point& p : run(kExample, o))
    for (const auto& f : p.fields) fields.insert(p.measurement + "." + f.key);
  EXPECT_EQ(fields, (std::set<std::string>{"go.goroutines", "http.request_duration_seconds_count",
                                           "http.request_duration_seconds_sum",
                                           "http.request_duration_seconds_bucket"}));
  EXPECT_FALSE(compileRegexes({"("}).isOk());
}

TEST(PromConvert, TagPrecedenceIgnoreRenameAndScrapeTags) {
  constexpr std::string_view text =
      "# TYPE m_x gauge\nm_x{a=\"label\",b=\"2\",c=\"3\",instance=\"lbl\"} 1\n";
  ConvertOptions o;
  o.tags = {{"a", "conf"}, {"z", "26"}};
  ScrapeTags st;
  st.tags = {{"host", "10.0.0.1"}, {"instance", "10.0.0.1:9100"}};
  // Configured tags first and never overridden by labels; scrape tags only where absent.
  auto got = run(text, o, st);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].tags, (std::vector<model::Tag>{{"a", "conf"},
                                                  {"z", "26"},
                                                  {"b", "2"},
                                                  {"c", "3"},
                                                  {"instance", "lbl"},
                                                  {"host", "10.0.0.1"}}));
  // tags_ignore removes configured tags and labels alike (an ignored configured key still
  // blocks the label of that key: first add wins, then removal).
  o.tags_ignore = {"a", "c"};
  got = run(text, o, st);
  EXPECT_EQ(got[0].tags, (std::vector<model::Tag>{
                             {"z", "26"}, {"b", "2"}, {"instance", "lbl"}, {"host", "10.0.0.1"}}));
  // Rename: skipped when the new key exists, unless overwrite_exist_tags.
  o.tags_ignore = {};
  o.tags_rename = {{"b", "bee"}, {"c", "z"}};
  got = run(text, o);
  EXPECT_EQ(got[0].tags,
            (std::vector<model::Tag>{
                {"a", "conf"}, {"z", "26"}, {"bee", "2"}, {"c", "3"}, {"instance", "lbl"}}));
  o.overwrite_exist_tags = true;
  got = run(text, o);
  EXPECT_EQ(got[0].tags, (std::vector<model::Tag>{
                             {"a", "conf"}, {"bee", "2"}, {"z", "3"}, {"instance", "lbl"}}));
  // ignore_tag_kv_match deletes the tag, keeps the point.
  o = ConvertOptions{};
  o.ignore_tag_kv_match = {{"b", res({"^[0-9]$"})}, {"c", res({"nomatch"})}};
  got = run(text, o);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].findTag("b"), nullptr);
  ASSERT_NE(got[0].findTag("c"), nullptr);
}

TEST(PromConvert, AsLogging) {
  ConvertOptions o;
  o.as_logging = true;
  auto got = run("# TYPE m_x gauge\nm_x 1\n", o);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].category, model::Category::kLogging);
  EXPECT_EQ(got[0], (Point{model::Category::kLogging,
                           "m",
                           {{"service", "m"}},
                           {{"x", 1.0}, {"status", std::string("INFO")}},
                           kNow}));
  o.logging_service = "svc";
  got = run("# TYPE m_x gauge\nm_x 1\n", o);
  EXPECT_EQ(got[0].findTag("service")->value, "svc");
}

TEST(PromConvert, OpenMetricsInfoTagsAndCounters) {
  constexpr std::string_view text = R"(# TYPE target info
target_info{env="prod",region="eu"} 1
# TYPE req counter
req_total{code="200"} 5
req_created{code="200"} 1.7e9
# TYPE lat histogram
lat_bucket{le="1.0"} 2
lat_bucket{le="+Inf"} 3
lat_sum 4.5
lat_count 3
# EOF
)";
  ConvertOptions o;
  o.tags = {{"env", "conf"}};
  auto got = run(text, o, {}, cp::Format::kOpenMetrics);
  std::vector<Point> want = {
      pt("req", {{"env", "prod"}, {"region", "eu"}, {"code", "200"}}, {{"total", 5.0}}),
      // `lat` has no '_': measurement = field = lat.
      pt("lat", {{"env", "prod"}, {"region", "eu"}}, {{"lat_count", 3.0}, {"lat_sum", 4.5}}),
      // Bucket points do not get info tags (configured tags they do).
      pt("lat", {{"env", "conf"}, {"le", "1"}}, {{"lat_bucket", 2.0}}),
      pt("lat", {{"env", "conf"}, {"le", "+Inf"}}, {{"lat_bucket", 3.0}}),
  };
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
  o.disable_info_tag = true;
  got = run(text, o, {}, cp::Format::kOpenMetrics);
  EXPECT_EQ(got[0].tags, (std::vector<model::Tag>{{"env", "conf"}, {"code", "200"}}));
  // The filter sees the text format's counter name (req_total).
  o.metric_name_filter = res({"^req_total$"});
  EXPECT_EQ(run(text, o, {}, cp::Format::kOpenMetrics).size(), 1u);
}

TEST(PromConvertFixtures, NodeExporterEveryType) {
  // 507 samples: 506 points (the summary's 7 samples make 5 quantile points + 1 aggregate).
  std::string body = readFixture("prometheus/node-exporter-1.5.0_metrics.txt");
  ConvertOptions o;
  auto got = run(body, o);
  EXPECT_EQ(got.size(), 506u);
  bool seen = false;
  for (const Point& p : got) {
    if (p.findField("filesystem_avail_bytes") && p.findTag("mountpoint")->value == "/") {
      seen = true;
      EXPECT_EQ(p, pt("node", {{"device", "/dev/vda"}, {"fstype", "ext4"}, {"mountpoint", "/"}},
                      {{"filesystem_avail_bytes", 7.978835968e+10}}));
    }
  }
  EXPECT_TRUE(seen);
}

TEST(PromConvertFixtures, PrometheusHistogramAndSummary) {
  std::string body = readFixture("prometheus/prometheus-2.42.0_metrics.txt");
  auto got = run(body, ConvertOptions{});
  std::vector<Point> metrics_handler, gc;
  for (const Point& p : got) {
    const model::Tag* h = p.findTag("handler");
    if (p.measurement == "prometheus" && h && h->value == "/metrics" &&
        (p.findField("http_request_duration_seconds_bucket") ||
         p.findField("http_request_duration_seconds_sum")))
      metrics_handler.push_back(p);
    if (p.measurement == "go" &&
        (p.findField("gc_duration_seconds") || p.findField("gc_duration_seconds_sum")))
      gc.push_back(p);
  }
  std::vector<Point> want = {pt("prometheus", {{"handler", "/metrics"}},
                                {{"http_request_duration_seconds_count", 1.0},
                                 {"http_request_duration_seconds_sum", 0.002823364}})};
  for (const char* le : {"0.1", "0.2", "0.4", "1", "3", "8", "20", "60", "120", "+Inf"})
    want.push_back(pt("prometheus", {{"handler", "/metrics"}, {"le", le}},
                      {{"http_request_duration_seconds_bucket", 1.0}}));
  EXPECT_EQ(metrics_handler, want);
  std::vector<Point> want_gc = {
      pt("go", {}, {{"gc_duration_seconds_count", 4.0}, {"gc_duration_seconds_sum", 0.000322551}}),
      pt("go", {{"quantile", "0"}}, {{"gc_duration_seconds", 5.1916e-05}}),
      pt("go", {{"quantile", "0.25"}}, {{"gc_duration_seconds", 8.2362e-05}}),
      pt("go", {{"quantile", "0.5"}}, {{"gc_duration_seconds", 8.5836e-05}}),
      pt("go", {{"quantile", "0.75"}}, {{"gc_duration_seconds", 0.000102437}}),
      pt("go", {{"quantile", "1"}}, {{"gc_duration_seconds", 0.000102437}}),
  };
  EXPECT_EQ(gc, want_gc);
}

TEST(PromConvertFixtures, EtcdWithTheSeedConf) {
  // Seed etcd.conf: metric_types counter+gauge, four unanchored filters, rule etcd_ -> etcd.
  ConvertOptions o;
  o.metric_types = {"counter", "gauge"};
  o.metric_name_filter = res(
      {"etcd_server_proposals", "etcd_server_leader", "etcd_server_has", "etcd_network_client"});
  o.measurements = {{"etcd_", "etcd"}};
  auto got = run(readFixture("prometheus/etcd-3.4.23_metrics_mtls.txt"), o);
  std::map<std::string, double> fields;
  for (const Point& p : got) {
    EXPECT_EQ(p.measurement, "etcd");
    EXPECT_TRUE(p.tags.empty());
    ASSERT_EQ(p.fields.size(), 1u);
    fields[p.fields[0].key] = std::get<double>(p.fields[0].value);
  }
  // grep -E 'etcd_server_proposals|etcd_server_leader|etcd_server_has|etcd_network_client'
  EXPECT_EQ(fields, (std::map<std::string, double>{
                        {"network_client_grpc_received_bytes_total", 0},
                        {"network_client_grpc_sent_bytes_total", 0},
                        {"server_has_leader", 1},
                        {"server_leader_changes_seen_total", 1},
                        {"server_proposals_applied_total", 4},
                        {"server_proposals_committed_total", 4},
                        {"server_proposals_failed_total", 0},
                        {"server_proposals_pending", 0},
                    }));
}

const std::vector<std::string> kIstioFilter = {
    "istio_requests_total",
    "pilot_k8s_cfg_events",
    "istio_build",
    "process_virtual_memory_bytes",
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "envoy_cluster_assignment_stale",
    "go_goroutines",
    "pilot_xds_pushes",
    "pilot_proxy_convergence_time_bucket",
    "citadel_server_root_cert_expiry_timestamp",
    "pilot_conflict_inbound_listener",
    "pilot_conflict_outbound_listener_http_over_current_tcp",
    "pilot_conflict_outbound_listener_tcp_over_current_tcp",
    "pilot_conflict_outbound_listener_tcp_over_current_http",
    "pilot_virt_services",
    "galley_validation_failed",
    "pilot_services",
    "envoy_cluster_upstream_cx_total",
    "envoy_cluster_upstream_cx_connect_fail",
    "envoy_cluster_upstream_cx_active",
    "envoy_cluster_upstream_cx_rx_bytes_total",
    "envoy_cluster_upstream_cx_tx_bytes_total",
    "istio_request_duration_milliseconds_bucket",
    "istio_request_duration_seconds_bucket",
    "istio_request_bytes_bucket",
    "istio_response_bytes_bucket"};
const std::vector<std::string> kIstioIgnore = {"cache",
                                               "cluster_type",
                                               "component",
                                               "destination_app",
                                               "destination_canonical_revision",
                                               "destination_canonical_service",
                                               "destination_cluster",
                                               "destination_principal",
                                               "group",
                                               "grpc_code",
                                               "grpc_method",
                                               "grpc_service",
                                               "grpc_type",
                                               "reason",
                                               "request_protocol",
                                               "request_type",
                                               "resource",
                                               "responce_code_class",
                                               "response_flags",
                                               "source_app",
                                               "source_canonical_revision",
                                               "source_canonical-service",
                                               "source_cluster",
                                               "source_principal",
                                               "source_version",
                                               "wasm_filter"};

TEST(PromConvertFixtures, IstioSidecarWithTheSeedConf) {
  ConvertOptions o;
  o.metric_types = {"counter", "gauge"};
  o.metric_name_filter = res(kIstioFilter);
  o.tags_ignore = kIstioIgnore;
  o.measurement_name = "istio_prom";
  o.tags = {{"namespace", "default"}};
  auto got = run(readFixture("istio/istio-1.5-proxy_stats_prometheus.EXCERPT.txt"), o);
  // 8 samples of 4 families match (python re over the file, NaN-free).
  EXPECT_EQ(got.size(), 8u);
  std::set<std::string> fields;
  for (const Point& p : got) {
    EXPECT_EQ(p.measurement, "istio_prom");
    for (const auto& f : p.fields) fields.insert(f.key);
    for (const std::string& k : kIstioIgnore) EXPECT_EQ(p.findTag(k), nullptr) << k;
    EXPECT_EQ(p.findTag("namespace")->value, "default");
  }
  EXPECT_EQ(fields, (std::set<std::string>{
                        "envoy_5_1___istio_build", "envoy_cluster_upstream_cx_active",
                        "envoy_cluster_upstream_cx_tx_bytes_total", "istio_requests_total"}));
}

TEST(PromConvertFixtures, KubeStateMetricsWithTheSeedConf) {
  ConvertOptions o;
  o.metric_types = {"counter", "gauge"};
  o.metric_name_filter =
      res({"kube_pod_status_phase", "kube_pod_container_status_restarts_total",
           "kube_daemonset_status_desired_number_scheduled", "kube_daemonset_status_number_ready",
           "kube_deployment_spec_replicas", "kube_deployment_status_replicas_available",
           "kube_deployment_status_replicas_unavailable", "kube_replicaset_status_ready_replicas",
           "kube_replicaset_spec_replicas", "kube_pod_container_status_running",
           "kube_pod_container_status_waiting", "kube_pod_container_status_terminated",
           "kube_pod_container_status_ready"});
  o.measurement_name = "prom_state_metrics";
  o.tags_ignore = {"container_id", "image", "node", "uid"};
  auto got = run(readFixture("k8s/kube-state-metrics_metrics_v1.35.txt"), o);
  EXPECT_EQ(got.size(), 288u);  // counted over the file with python re (unanchored)
  std::set<std::string> fields;
  for (const Point& p : got) {
    EXPECT_EQ(p.measurement, "prom_state_metrics");
    fields.insert(p.fields.at(0).key);
    EXPECT_EQ(p.findTag("uid"), nullptr);
  }
  EXPECT_EQ(fields.size(), 14u);  // the 13 names + kube_pod_container_status_terminated_reason
  EXPECT_TRUE(fields.count("kube_pod_container_status_terminated_reason"));
}

// convertInto over the points of earlier scrapes must give exactly what a fresh conversion
// gives: same points in the same order, tags and fields in the same order, NaN equal to NaN.
void expectIdentical(const std::vector<Point>& got, const std::vector<Point>& want,
                     const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    const Point& a = got[i];
    const Point& b = want[i];
    ASSERT_EQ(a.category, b.category) << what << " #" << i;
    ASSERT_EQ(a.measurement, b.measurement) << what << " #" << i;
    ASSERT_EQ(a.time_ns, b.time_ns) << what << " #" << i;
    ASSERT_EQ(a.tags, b.tags) << what << " #" << i << ": " << model::debugString(a);
    ASSERT_EQ(a.fields.size(), b.fields.size())
        << what << " #" << i << ": " << model::debugString(a);
    for (size_t j = 0; j < a.fields.size(); ++j) {
      ASSERT_EQ(a.fields[j].key, b.fields[j].key) << what << " #" << i;
      const auto* x = std::get_if<double>(&a.fields[j].value);
      const auto* y = std::get_if<double>(&b.fields[j].value);
      if (x != nullptr && y != nullptr && std::isnan(*x) && std::isnan(*y)) continue;
      ASSERT_EQ(a.fields[j].value, b.fields[j].value)
          << what << " #" << i << " " << a.fields[j].key;
    }
  }
}

// Option sets exercising every tag rule (the rare ones rewrite the tags after they are written).
std::vector<std::pair<std::string, ConvertOptions>> optionSets() {
  std::vector<std::pair<std::string, ConvertOptions>> sets;
  sets.emplace_back("default", ConvertOptions{});
  ConvertOptions tags;
  tags.tags = {{"cluster", "a-cluster-name-longer-than-sso"}, {"job", "x"}};
  tags.tags_ignore = {"uid", "le"};
  tags.measurement_prefix = "p_";
  sets.emplace_back("tags", tags);
  ConvertOptions rename = tags;
  rename.tags_rename = {{"namespace", "ns"}, {"pod", "cluster"}, {"instance", "inst"}};
  rename.overwrite_exist_tags = true;
  rename.ignore_tag_kv_match = {{"container", res({"^kube"})}};
  sets.emplace_back("rename", rename);
  ConvertOptions logging;
  logging.as_logging = true;
  logging.measurement_name = "m";
  sets.emplace_back("as_logging", logging);
  return sets;
}

const char* const kFixtures[] = {
    "k8s/kube-state-metrics_metrics_v1.35.txt",
    "prometheus/node-exporter-1.5.0_metrics.txt",
    "prometheus/prometheus-2.42.0_metrics.txt",
    "prometheus/etcd-3.4.23_metrics_mtls.txt",
    "istio/istio-1.5-proxy_stats_prometheus.EXCERPT.txt",
    "prometheus/node-exporter-1.5.0_metrics.delimited.pb",  // protobuf exposition
};

TEST(PromConvertInto, ReusedVectorGivesTheFreshConversionOnEveryFixture) {
  ScrapeTags st;
  st.tags = {{"host", "10.0.0.1"}, {"instance", "10.0.0.1:9100"}};
  for (const auto& [name, o] : optionSets()) {
    std::vector<Point> reused;
    // Each fixture twice in a row (the steady state: same series at the same index), then the
    // next one (more or fewer points, other tags, longer or shorter strings), and round again.
    for (int round = 0; round < 2; ++round) {
      for (const char* f : kFixtures) {
        const std::string body = readFixture(f);  // the exposition points into it
        auto exp = std::string_view(f).ends_with(".pb")
                       ? cp::parseProtobuf(body, cp::ErrorPolicy::kLenient)
                       : cp::parse(body, cp::Format::kText004, cp::ErrorPolicy::kLenient);
        ASSERT_TRUE(exp.isOk()) << f;
        ASSERT_GT(exp->sampleCount(), 0u) << f;
        std::vector<Point> fresh;
        const size_t n = convert(*exp, o, st, kNow + round, &fresh);
        for (int again = 0; again < 2; ++again) {
          const size_t m = convertInto(*exp, o, st, kNow + round, 0, &reused);
          EXPECT_EQ(m, n) << name << " " << f;
          reused.resize(m);
          expectIdentical(reused, fresh, name + " " + f);
        }
      }
    }
  }
}

TEST(PromConvertInto, SeriesChangingShapeBetweenScrapes) {
  // Hand-written scrapes of one target: the series at each index gains and loses labels, its
  // values get longer and shorter than the short-string buffer, types change, points come and
  // go; every scrape into the vector of the previous one must equal its fresh conversion.
  const std::string scrapes[] = {
      "a_x{k=\"v\"} 1\na_x{k=\"w\"} 2\n",
      "a_x{k=\"a-value-much-longer-than-fifteen\",l=\"2\",m=\"3\"} 1\na_x 2\na_y 3\na_z 4\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"
      "a_x{k=\"v\"} 5\n",
      "# TYPE s summary\ns{quantile=\"0.5\",svc=\"a-long-service-name-here\"} 1\ns_sum 1\n"
      "s_count 1\n",
      "",
      "a_x{k=\"v\",instance=\"own\",host=\"own-host\"} 7\n",
      "a_x{k=\"v\"} 1\na_x{k=\"w\"} 2\n",
  };
  ScrapeTags st;
  st.tags = {{"host", "a-host-name-longer-than-sso"}, {"instance", "h:1"}};
  for (const auto& [name, o] : optionSets()) {
    std::vector<Point> reused;
    for (int round = 0; round < 2; ++round) {
      for (size_t i = 0; i < std::size(scrapes); ++i) {
        auto exp = cp::parse(scrapes[i], cp::Format::kText004, cp::ErrorPolicy::kLenient);
        ASSERT_TRUE(exp.isOk());
        std::vector<Point> fresh;
        convert(*exp, o, st, kNow, &fresh);
        reused.resize(convertInto(*exp, o, st, kNow, 0, &reused));
        expectIdentical(reused, fresh, name + " scrape " + std::to_string(i));
      }
    }
  }
}

TEST(PromConvertInto, WritesFromStartAndLeavesWhatFollows) {
  // Two targets in one vector (the prom input's layout): the second written after the first,
  // the points after what is written kept for the caller to cut.
  auto one = cp::parse("a_x{k=\"v\"} 1\na_y 2\n", cp::Format::kText004);
  auto two = cp::parse("b_x 3\n", cp::Format::kText004);
  ASSERT_TRUE(one.isOk() && two.isOk());
  ConvertOptions o;
  std::vector<Point> v(5, pt("stale", {{"t", "u"}}, {{"f", 1.0}}));
  EXPECT_EQ(convertInto(*one, o, {}, kNow, 0, &v), 2u);
  EXPECT_EQ(convertInto(*two, o, {}, kNow, 2, &v), 1u);
  ASSERT_EQ(v.size(), 5u);
  v.resize(3);
  expectIdentical(
      v,
      {pt("a", {{"k", "v"}}, {{"x", 1.0}}), pt("a", {}, {{"y", 2.0}}), pt("b", {}, {{"x", 3.0}})},
      "two targets");
  // A start beyond the end grows the vector to it first (default points before).
  std::vector<Point> short_one;
  EXPECT_EQ(convertInto(*two, o, {}, kNow, 2, &short_one), 1u);
  ASSERT_EQ(short_one.size(), 3u);
  EXPECT_EQ(short_one[2].measurement, "b");
}

}  // namespace
}  // namespace sextant::agent::inputs::prom
