// The prom input: [[inputs.prom]] parsing (the seeds' confs, errors, clamps), the annotation,
// scraping a local HTTP server and a file, failures and health, and scheduling with the
// InputRunner (a stuck target does not hold up another input).
#include "agent/inputs/prom/prom_input.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "agent/runtime/input_runner.h"
#include "codec/prometheus_text/prometheus_proto.h"
#include "codec/prometheus_text/prometheus_proto_testing.h"
#include "core/testing/read_file.h"
#include "core/testing/temp_dir.h"
#include "net/http_server.h"

namespace sextant::agent::inputs::prom {
namespace {

using std::chrono::seconds;

using ::sextant::testing::readFile;

std::string testdata(const std::string& name) {
  return readFile(std::string(SEXTANT_SOURCE_DIR) + "/src/agent/inputs/prom/testdata/" + name);
}

// The first [[inputs.prom]] block of a conf text.
Result<PromConfig> parseConf(const std::string& text, const std::string& file = "prom.conf") {
  auto doc = config::ConfigTable::parse(text, file);
  if (!doc.isOk()) return doc.status();
  auto inputs = doc->table("inputs");
  if (!inputs.isOk()) return inputs.status();
  auto blocks = (*inputs)->tableArray("prom");
  if (!blocks.isOk()) return blocks.status();
  return parsePromConfig(blocks->at(0));
}

TEST(PromConfig, EtcdSeed) {
  auto c = parseConf(testdata("etcd.conf"));
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->urls, std::vector<std::string>{"https://172.16.0.229:2379/metrics"});
  EXPECT_EQ(c->source, "etcd");
  EXPECT_EQ(c->interval, seconds(60));
  EXPECT_EQ(c->timeout, seconds(30));
  EXPECT_TRUE(c->election);
  EXPECT_EQ(c->convert.metric_types, (std::vector<std::string>{"counter", "gauge"}));
  EXPECT_EQ(c->convert.metric_name_filter.size(), 4u);
  ASSERT_EQ(c->convert.measurements.size(), 1u);
  EXPECT_EQ(c->convert.measurements[0].prefix, "etcd_");
  EXPECT_EQ(c->convert.measurements[0].name, "etcd");
  // tls_open without tls_ca: verification skipped, the client certificate sent.
  EXPECT_TRUE(c->tls.insecure_skip_verify);
  EXPECT_TRUE(c->tls.ca_files.empty());
  EXPECT_EQ(c->tls.cert_file, "/etc/kubernetes/pki/etcd/peer.crt");
  EXPECT_EQ(c->tls.key_file, "/etc/kubernetes/pki/etcd/peer.key");
  EXPECT_EQ(c->bearer_token, "");  // [inputs.prom.auth] commented out
}

TEST(PromConfig, KubeStateMetricsAndIstioSeeds) {
  auto ksm = parseConf(testdata("kube-state-metrics.conf"));
  ASSERT_TRUE(ksm.isOk()) << ksm.status().message();
  EXPECT_EQ(ksm->urls.size(), 2u);
  EXPECT_EQ(ksm->source, "prom_state_metrics");
  EXPECT_EQ(ksm->convert.measurement_name, "prom_state_metrics");
  EXPECT_EQ(ksm->convert.metric_name_filter.size(), 13u);
  EXPECT_EQ(ksm->convert.tags_ignore.size(), 66u);
  // A conf file is not templated: the placeholders stay as written.
  EXPECT_EQ(ksm->convert.tags, (std::vector<std::pair<std::string, std::string>>{
                                   {"namespace", "$NAMESPACE"}, {"pod_name", "$PODNAME"}}));

  for (const char* f : {"prom-istiod.conf", "prom-ingressgateway.conf"}) {
    auto c = parseConf(testdata(f));
    ASSERT_TRUE(c.isOk()) << f << ": " << c.status().message();
    ASSERT_EQ(c->urls.size(), 1u) << f;  // deprecated `url`
    EXPECT_EQ(c->convert.measurement_name, "istio_prom");
    EXPECT_EQ(c->convert.metric_name_filter.size(), 27u);
    EXPECT_EQ(c->convert.tags_ignore.size(), 26u);
    EXPECT_EQ(c->interval, seconds(60));
  }
}

TEST(PromConfig, EveryOptionAndClamps) {
  auto c = parseConf(R"([[inputs.prom]]
urls = ["http://a:1/metrics"]
url = "http://ignored:2/metrics"
interval = "100ms"
timeout = "1s"
ignore_req_err = true
election = false
disable_instance_tag = true
prefer_protobuf = true
metric_types = ["Counter", "HISTOGRAM"]
metric_name_filter_ignore = ["^go_"]
measurement_prefix = "p_"
keep_exist_metric_name = true
honor_timestamps = false
disable_info_tag = true
tags_ignore = ["x"]
insecure_skip_verify = true
ca_certs = ["/ca.pem", "/ca2.pem"]
cert = "/c.pem"
cert_key = "/k.pem"
server_name = "etcd.local"
bearer_token_file = "/top"
[inputs.prom.tags_rename]
  overwrite_exist_tags = true
  [inputs.prom.tags_rename.mapping]
    a = "b"
[inputs.prom.ignore_tag_kv_match]
  k = ["^v", "w$"]
[inputs.prom.as_logging]
  enable = true
  service = "svc"
[inputs.prom.http_headers]
  X-Foo = "bar"
[inputs.prom.auth]
  type = "bearer_token"
  token = "tok"
[inputs.prom.tags]
  t = "1"
)");
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->urls, std::vector<std::string>{"http://a:1/metrics"});  // url only when urls empty
  EXPECT_EQ(c->interval, seconds(1));                                  // clamped to [1s, 5m]
  EXPECT_EQ(c->timeout, seconds(3));                                   // at least 3s
  EXPECT_TRUE(c->ignore_req_err);
  EXPECT_FALSE(c->election);
  EXPECT_TRUE(c->disable_instance_tag);
  EXPECT_TRUE(c->prefer_protobuf);
  EXPECT_FALSE(PromConfig{}.prefer_protobuf);  // DataKit's text Accept by default
  EXPECT_EQ(c->convert.metric_types, (std::vector<std::string>{"counter", "histogram"}));
  EXPECT_EQ(c->convert.metric_name_filter_ignore.size(), 1u);
  EXPECT_EQ(c->convert.measurement_prefix, "p_");
  EXPECT_TRUE(c->convert.keep_exist_metric_name);
  EXPECT_FALSE(c->convert.honor_timestamps);
  EXPECT_TRUE(c->convert.disable_info_tag);
  EXPECT_TRUE(c->convert.overwrite_exist_tags);
  EXPECT_EQ(c->convert.tags_rename, (std::map<std::string, std::string>{{"a", "b"}}));
  ASSERT_EQ(c->convert.ignore_tag_kv_match.size(), 1u);
  EXPECT_EQ(c->convert.ignore_tag_kv_match[0].second.size(), 2u);
  EXPECT_TRUE(c->convert.as_logging);
  EXPECT_EQ(c->convert.logging_service, "svc");
  EXPECT_EQ(c->http_headers, (std::map<std::string, std::string>{{"X-Foo", "bar"}}));
  EXPECT_EQ(c->bearer_token, "tok");
  EXPECT_EQ(c->bearer_token_file, "/top");
  EXPECT_TRUE(c->tls.insecure_skip_verify);
  EXPECT_EQ(c->tls.ca_files, (std::vector<std::string>{"/ca.pem", "/ca2.pem"}));
  EXPECT_EQ(c->tls.cert_file, "/c.pem");
  EXPECT_EQ(c->tls.key_file, "/k.pem");
  EXPECT_EQ(c->tls.server_name, "etcd.local");
  PromInput in(*c);
  EXPECT_EQ(in.category(), model::Category::kLogging);
  EXPECT_FALSE(in.election());

  auto slow = parseConf("[[inputs.prom]]\nurls = [\"http://a/\"]\ninterval = \"1h\"\n");
  ASSERT_TRUE(slow.isOk());
  EXPECT_EQ(slow->interval, std::chrono::minutes(5));
  // tls_open with a CA verifies.
  auto ca =
      parseConf("[[inputs.prom]]\nurls = [\"https://a/\"]\ntls_open = true\ntls_ca = \"/ca\"\n");
  ASSERT_TRUE(ca.isOk());
  EXPECT_FALSE(ca->tls.insecure_skip_verify);
  EXPECT_EQ(ca->tls.ca_files, std::vector<std::string>{"/ca"});
  // uds_path: every URL is dialled on the socket.
  auto uds = parseConf("[[inputs.prom]]\nurls = [\"http://a/\"]\nuds_path = \"/s\"\n");
  ASSERT_TRUE(uds.isOk()) << uds.status().message();
  EXPECT_EQ(uds->uds_path, "/s");
  // The *_base64 variants decode to inline PEM (base64 of "CA-PEM", "CERT", "KEY"; newlines in
  // the base64 are ignored).
  auto b64 = parseConf(
      "[[inputs.prom]]\nurls = [\"https://a/\"]\nca_certs_base64 = [\"Q0Et\\nUEVN\"]\n"
      "cert_base64 = \"Q0VSVA==\"\ncert_key_base64 = \"S0VZ\"\n");
  ASSERT_TRUE(b64.isOk()) << b64.status().message();
  EXPECT_EQ(b64->tls.ca_pem, "CA-PEM\n");
  EXPECT_EQ(b64->tls.cert_pem, "CERT");
  EXPECT_EQ(b64->tls.key_pem, "KEY");
}

TEST(PromConfig, Errors) {
  auto bad = parseConf(
      "[[inputs.prom]]\nurls = [\"http://a/\"]\nmetric_name_filter = [\"ok\", \"(\"]\n", "t.conf");
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("t.conf:3: [inputs.prom] metric_name_filter"),
            std::string::npos)
      << bad.status().message();
  EXPECT_NE(bad.status().message().find("'('"), std::string::npos);
  auto none = parseConf("[[inputs.prom]]\nsource = \"x\"\n");
  ASSERT_FALSE(none.isOk());
  EXPECT_NE(none.status().message().find("no URL"), std::string::npos);
  auto bad64 =
      parseConf("[[inputs.prom]]\nurls = [\"http://a/\"]\ncert_base64 = \"!!\"\n", "t.conf");
  ASSERT_FALSE(bad64.isOk());
  EXPECT_NE(bad64.status().message().find("t.conf:3: [inputs.prom] cert_base64"), std::string::npos)
      << bad64.status().message();
  auto type = parseConf("[[inputs.prom]]\nurls = \"http://a/\"\n");
  EXPECT_FALSE(type.isOk());
}

TEST(PromConfig, SidecarAnnotationIsTemplatedThenParsed) {
  PodFacts pod{"10.244.1.7", "bookinfo", "productpage-v1-x2x8k", "node-2"};
  auto cs = parsePromInstancesAnnotation(testdata("sidecar-annotation.toml"), pod);
  ASSERT_TRUE(cs.isOk()) << cs.status().message();
  ASSERT_EQ(cs->size(), 1u);
  const PromConfig& c = cs->front();
  EXPECT_EQ(c.urls, std::vector<std::string>{"http://10.244.1.7:15020/stats/prometheus"});
  EXPECT_EQ(c.source, "bookinfo-istio-product");
  EXPECT_FALSE(c.election);  // the annotation's default
  EXPECT_EQ(c.convert.tags,
            (std::vector<std::pair<std::string, std::string>>{{"namespace", "bookinfo"}}));
  EXPECT_EQ(c.convert.measurement_name, "istio_prom");

  // Without a source: "<namespace>/<podname>"; two blocks.
  auto two = parsePromInstancesAnnotation(
      "[[inputs.prom]]\nurls = [\"http://$IP:9100/metrics\"]\n[inputs.prom.tags]\nnode = "
      "\"$NODENAME\"\n[[inputs.prom]]\nurl = \"http://$IP:8080/m\"\nelection = true\n",
      pod);
  ASSERT_TRUE(two.isOk()) << two.status().message();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].source, "bookinfo/productpage-v1-x2x8k");
  EXPECT_EQ((*two)[0].convert.tags,
            (std::vector<std::pair<std::string, std::string>>{{"node", "node-2"}}));
  EXPECT_EQ((*two)[1].urls, std::vector<std::string>{"http://10.244.1.7:8080/m"});
  EXPECT_TRUE((*two)[1].election);
  // A TOML error names the annotation.
  auto broken = parsePromInstancesAnnotation("[[inputs.prom]\n", pod);
  ASSERT_FALSE(broken.isOk());
  EXPECT_NE(broken.status().message().find("bookinfo/productpage-v1-x2x8k"), std::string::npos);
}

TEST(PromInputRegistry, CreatesFromTheRegistry) {
  const InputFactory* f = findInput("prom");
  ASSERT_NE(f, nullptr);
  auto doc =
      config::ConfigTable::parse("[[inputs.prom]]\nurls = [\"http://127.0.0.1:1/m\"]\n", "p");
  ASSERT_TRUE(doc.isOk());
  auto blocks = (*doc->table("inputs"))->tableArray("prom");
  auto in = f->create(blocks->at(0), InputEnv{});
  ASSERT_TRUE(in.isOk()) << in.status().message();
  EXPECT_EQ((*in)->name(), "prom");
  EXPECT_EQ((*in)->interval(), seconds(30));
  EXPECT_TRUE((*in)->election());
}

// A local exporter: /metrics answers `body`, records the request's headers.
struct Exporter {
  std::string body =
      "# TYPE node_load1 gauge\nnode_load1 0.5\n# TYPE up_total counter\n"
      "up_total{job=\"x\"} 3\n";
  std::mutex mu;
  net::KeyValues last_headers;
  std::atomic<int> delay_ms{0};
  std::unique_ptr<net::HttpServer> server;

  void start() {
    net::Router r;
    r.add("GET", "/metrics", [this](net::HttpRequest& req) {
      if (int d = delay_ms.load()) std::this_thread::sleep_for(std::chrono::milliseconds(d));
      std::lock_guard lock(mu);
      last_headers = req.headers;
      net::HttpResponse resp = net::HttpResponse::text(200, body);
      resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return resp;
    });
    r.add("GET", "/fail", [](net::HttpRequest&) { return net::HttpResponse::text(500, "boom"); });
    net::HttpServerOptions o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    server = std::make_unique<net::HttpServer>(o, std::move(r));
    ASSERT_TRUE(server->start().isOk());
  }
  std::string url(const std::string& path = "/metrics") {
    return "http://" + server->boundAddress() + path;
  }
  std::string header(std::string_view name) {
    std::lock_guard lock(mu);
    for (const auto& [k, v] : last_headers)
      if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0) return v;
    return "";
  }
};

constexpr int64_t kNow = 1'700'000'000'000'000'000;

TEST(PromInput, ScrapesWithHeadersTokenFileAndInstanceTag) {
  Exporter ex;
  ex.start();
  testing::TempDir dir;
  std::string token_file = dir.path() + "/token";
  std::ofstream(token_file) << "s3cret\n";
  PromConfig c;
  c.urls = {ex.url()};
  c.source = "node";
  c.bearer_token_file = token_file;
  c.http_headers = {{"X-Scope", "tenant-1"}};
  c.convert.tags = {{"env", "test"}};
  PromInput in(c);
  std::vector<model::Point> out;
  ASSERT_TRUE(in.collect(kNow, &out).isOk());
  const std::string instance = ex.server->boundAddress();
  std::vector<model::Point> want(3);
  want[0].measurement = "node";
  want[0].tags = {{"env", "test"}, {"instance", instance}};  // loopback: no host tag
  want[0].fields = {{"load1", 0.5}};
  want[1].measurement = "up";
  want[1].tags = {{"env", "test"}, {"job", "x"}, {"instance", instance}};
  want[1].fields = {{"total", 3.0}};
  want[2].measurement = "collector";  // DataKit's up metric
  want[2].tags = {{"job", "node"}, {"instance", instance}};
  want[2].fields = {{"up", int64_t{1}}};
  for (auto& p : want) p.time_ns = kNow;
  EXPECT_EQ(out, want);
  EXPECT_EQ(ex.header("Authorization"), "Bearer s3cret");
  EXPECT_EQ(ex.header("X-Scope"), "tenant-1");
  EXPECT_NE(ex.header("Accept").find("text/plain;version=0.0.4"), std::string::npos);

  auto health = in.targets();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_EQ(health[0].target, ex.url());
  EXPECT_TRUE(health[0].up);
  EXPECT_EQ(health[0].scrapes, 1);
  EXPECT_EQ(health[0].failures, 0);
  EXPECT_EQ(health[0].last_samples, 2);
  EXPECT_GT(health[0].last_duration.count(), 0);

  // disable_instance_tag; a configured token wins over none.
  c.disable_instance_tag = true;
  c.bearer_token = "inline";
  PromInput in2(c);
  out.clear();
  ASSERT_TRUE(in2.collect(kNow, &out).isOk());
  EXPECT_EQ(out[0].findTag("instance"), nullptr);
  EXPECT_EQ(ex.header("Authorization"), "Bearer inline");
}

// prefer_protobuf: the exporter answers protobuf (built by libprotobuf from the same families)
// when asked, text otherwise; both scrapes give the same points. An exporter without protobuf
// answers text to the same Accept header, which is read by its Content-Type.
TEST(PromInput, PreferProtobufNegotiatesAndGivesTheSamePoints) {
  const std::string text = readFile(std::string(SEXTANT_SHARED_DIR) +
                                    "/fixtures/prometheus/prometheus-2.42.0_metrics.txt");
  ASSERT_FALSE(text.empty());
  auto parsed = codec::prom::parse(text, codec::prom::Format::kText004);
  ASSERT_TRUE(parsed.isOk());
  const std::string pb =
      codec::prom::testing::delimited(codec::prom::testing::toMetricFamilies(*parsed));
  bool speaks_protobuf = true;
  std::string last_accept;
  std::mutex mu;
  net::Router r;
  r.add("GET", "/metrics", [&](net::HttpRequest& req) {
    std::lock_guard lock(mu);
    last_accept.clear();
    for (const auto& [k, v] : req.headers)
      if (strcasecmp(k.c_str(), "Accept") == 0) last_accept = v;
    if (speaks_protobuf && last_accept.find("application/vnd.google.protobuf") == 0) {
      net::HttpResponse resp = net::HttpResponse::text(200, pb);
      resp.content_type = std::string(codec::prom::kProtobufContentType);
      return resp;
    }
    net::HttpResponse resp = net::HttpResponse::text(200, text);
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return resp;
  });
  net::HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  net::HttpServer server(o, std::move(r));
  ASSERT_TRUE(server.start().isOk());

  PromConfig c;
  c.urls = {"http://" + server.boundAddress() + "/metrics"};
  std::vector<model::Point> as_text, as_pb, fallback;
  ASSERT_TRUE(PromInput(c).collect(kNow, &as_text).isOk());
  EXPECT_EQ(last_accept, "text/plain;version=0.0.4;q=1,*/*;q=0.1");
  c.prefer_protobuf = true;
  ASSERT_TRUE(PromInput(c).collect(kNow, &as_pb).isOk());
  EXPECT_EQ(last_accept, codec::prom::kProtobufAcceptHeader);
  {
    std::lock_guard lock(mu);
    speaks_protobuf = false;
  }
  ASSERT_TRUE(PromInput(c).collect(kNow, &fallback).isOk());
  EXPECT_GT(as_text.size(), 100u);
  EXPECT_EQ(as_text, as_pb);
  EXPECT_EQ(as_text, fallback);
}

// uds_path: the URL's host is not dialled (it does not resolve); the socket is, and its absence
// is the error (the transport itself: net's HttpClientUnixSocketTest).
TEST(PromInput, UdsPathDialsTheSocketNotTheHost) {
  PromConfig c;
  c.urls = {"http://no-such-host.invalid/metrics"};
  c.uds_path = "/nonexistent-dir/exporter.sock";
  PromInput in(c);
  std::vector<model::Point> out;
  Status st = in.collect(kNow, &out);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message().find("resolve"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("connect"), std::string::npos) << st.message();
}

TEST(PromInput, FailuresAreReportedPerTargetAndOthersStillScraped) {
  Exporter ex;
  ex.start();
  PromConfig c;
  c.source = "s";
  // A closed port (bound then released), an HTTP 500, and a good target.
  std::string dead;
  {
    Exporter gone;
    gone.start();
    dead = gone.url();
    gone.server->stop();
  }
  c.urls = {dead, ex.url("/fail"), ex.url()};
  PromInput in(c);
  std::vector<model::Point> out;
  Status st = in.collect(kNow, &out);
  EXPECT_FALSE(st.isOk());
  EXPECT_NE(st.message().find(dead), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("and 1 more"), std::string::npos) << st.message();
  int ups = 0, downs = 0, data = 0;
  for (const auto& p : out) {
    if (p.measurement == "collector") {
      (std::get<int64_t>(p.fields[0].value) == 1 ? ups : downs)++;
    } else {
      ++data;
    }
  }
  EXPECT_EQ(ups, 1);
  EXPECT_EQ(downs, 2);
  EXPECT_EQ(data, 2);
  auto h = in.targets();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_FALSE(h[0].up);
  EXPECT_EQ(h[0].failures, 1);
  EXPECT_FALSE(h[0].last_error.empty());
  EXPECT_FALSE(h[1].up);
  EXPECT_NE(h[1].last_error.find("HTTP 500"), std::string::npos);
  EXPECT_TRUE(h[2].up);

  // ignore_req_err: the dead target gives no point and no error (an HTTP 500 still does).
  c.urls = {dead};
  c.ignore_req_err = true;
  PromInput quiet(c);
  out.clear();
  EXPECT_TRUE(quiet.collect(kNow, &out).isOk());
  EXPECT_TRUE(out.empty());
}

TEST(PromInput, ReadsALocalFile) {
  testing::TempDir dir;
  std::string path = dir.path() + "/metrics.txt";
  std::ofstream(path) << "# TYPE go_goroutines gauge\ngo_goroutines 7\n";
  PromConfig c;
  c.urls = {path, dir.path() + "/missing.txt"};
  PromInput in(c);
  std::vector<model::Point> out;
  Status st = in.collect(kNow, &out);
  EXPECT_FALSE(st.isOk());    // the missing file
  ASSERT_EQ(out.size(), 1u);  // no instance tag, no up point for files
  model::Point want;
  want.measurement = "go";
  want.fields = {{"goroutines", 7.0}};
  want.time_ns = kNow;
  EXPECT_EQ(out[0], want);
}

// Counts collections; a fast neighbour of the prom input in the runner.
class TickInput final : public Input {
 public:
  std::string_view name() const override { return "tick"; }
  std::chrono::nanoseconds interval() const override { return std::chrono::milliseconds(50); }
  Status collect(int64_t, std::vector<model::Point>*) override {
    ++ticks;
    return Status::ok();
  }
  std::atomic<int> ticks{0};
};

class NullFeeder final : public Feeder {
 public:
  Status feed(model::Category, std::vector<model::Point>&&, const FeedOptions&) override {
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view message) override {
    std::lock_guard lock(mu);
    errors.emplace_back(message);
  }
  std::mutex mu;
  std::vector<std::string> errors;
};

TEST(PromInput, AStuckTargetTimesOutAndDoesNotHoldUpOtherInputs) {
  Exporter ex;
  ex.delay_ms = 4500;  // longer than the 3 s timeout
  ex.start();
  PromConfig c;
  c.urls = {ex.url()};
  c.timeout = seconds(3);
  c.interval = seconds(1);
  NullFeeder feeder;
  InputRunnerOptions ro;
  ro.feeder = &feeder;
  ro.start_delay = [](const InputStats&) { return std::chrono::nanoseconds(0); };
  InputRunner runner(ro);
  runner.add(std::make_unique<PromInput>(c));
  auto tick = std::make_unique<TickInput>();
  TickInput* ticks = tick.get();
  runner.add(std::move(tick));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(runner.start().isOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // The prom scrape is still waiting; the other input ran all along.
  EXPECT_GE(ticks->ticks.load(), 10);
  EXPECT_EQ(runner.stats()[0].errors, 0);
  // The scrape ends at the timeout, counted as an error of the target.
  for (int i = 0; i < 100 && runner.stats()[0].errors == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, seconds(4)) << "the scrape was not bounded by its 3 s timeout";
  auto stats = runner.stats();
  EXPECT_EQ(stats[0].errors, 1);
  ASSERT_EQ(stats[0].targets.size(), 1u);
  EXPECT_FALSE(stats[0].targets[0].up);
  EXPECT_EQ(stats[0].targets[0].failures, 1);
  EXPECT_GE(stats[0].targets[0].last_duration, seconds(3));
  runner.stop();
  std::lock_guard lock(feeder.mu);
  ASSERT_FALSE(feeder.errors.empty());
  EXPECT_NE(feeder.errors[0].find(ex.url()), std::string::npos) << feeder.errors[0];
}

// Records what the runner feeds; feedReusable copies the points and leaves them with the caller
// (as the point path's fast path does).
class ReusableFeeder final : public Feeder {
 public:
  Status feed(model::Category, std::vector<model::Point>&& points, const FeedOptions&) override {
    fed.push_back(std::move(points));
    return Status::ok();
  }
  Status feedReusable(model::Category, std::vector<model::Point>& points,
                      const FeedOptions& o) override {
    EXPECT_EQ(o.input, "prom");
    EXPECT_TRUE(o.election);
    fed.push_back(points);
    storage.push_back(points.data());
    ++reusable_feeds;
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view) override {}
  std::vector<std::vector<model::Point>> fed;
  std::vector<const model::Point*> storage;  // the fed vector's buffer, per feedReusable
  int reusable_feeds = 0;
};

TEST(PromInput, TheRunnerFeedsTheReusedPointsOfEachCollectionInOneFeed) {
  Exporter ex;
  ex.start();
  PromConfig c;
  c.urls = {ex.url(), ex.url("/fail"), ex.url()};
  c.convert.tags = {{"env", "a-value-longer-than-the-sso-buffer"}};
  ReusableFeeder feeder;
  InputRunnerOptions ro;
  ro.feeder = &feeder;
  ro.now_ns = [] { return kNow; };
  InputRunner runner(ro);
  runner.add(std::make_unique<PromInput>(c));
  const std::string bodies[] = {
      // Grows, shrinks, changes its labels; the third repeats the first (the steady state).
      ex.body,
      "# TYPE node_load1 gauge\nnode_load1{cpu=\"0\",mode=\"a-long-mode-name-here\"} 0.5\n"
      "node_load1{cpu=\"1\"} 1.5\nnode_load5 2\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
      "h_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n",
      ex.body,
      ex.body,
  };
  size_t points = 0;
  for (const std::string& body : bodies) {
    {
      std::lock_guard lock(ex.mu);
      ex.body = body;
    }
    EXPECT_FALSE(runner.collectNow(0).isOk());  // the /fail target
    std::vector<model::Point> want;
    EXPECT_FALSE(PromInput(c).collect(kNow, &want).isOk());
    ASSERT_FALSE(feeder.fed.empty());
    EXPECT_EQ(feeder.fed.back(), want);
    for (size_t i = 0; i < want.size() && i < feeder.fed.back().size(); ++i)  // and in order
      EXPECT_EQ(feeder.fed.back()[i].tags, want[i].tags) << i;
    points += want.size();
  }
  EXPECT_EQ(feeder.reusable_feeds, 4);  // one feed per collection, as before
  EXPECT_EQ(feeder.fed.size(), 4u);
  // The last two collections had the same points: the vector was not reallocated.
  EXPECT_EQ(feeder.storage[2], feeder.storage[3]);
  auto stats = runner.stats();
  EXPECT_EQ(stats[0].collects, 4);
  EXPECT_EQ(stats[0].feeds, 4);
  EXPECT_EQ(stats[0].points, static_cast<int64_t>(points));
  EXPECT_EQ(stats[0].errors, 4);
}

TEST(PromInput, KeepsOnlyTheLastCollectionsPoints) {
  Exporter ex;
  ex.start();
  // One label set per sample: one point each, plus the `collector` point.
  std::string big = "# TYPE g gauge\n";
  const size_t n = 3000;
  for (size_t i = 0; i < n; ++i) big += "g{i=\"" + std::to_string(i) + "\"} 1\n";
  {
    std::lock_guard lock(ex.mu);
    ex.body = big;
  }
  PromConfig c;
  c.urls = {ex.url()};
  ReusableFeeder feeder;
  InputRunnerOptions ro;
  ro.feeder = &feeder;
  ro.now_ns = [] { return kNow; };
  InputRunner runner(ro);
  auto input = std::make_unique<PromInput>(c);
  const PromInput* prom = input.get();
  runner.add(std::move(input));
  ASSERT_TRUE(runner.collectNow(0).isOk());
  ASSERT_EQ(feeder.fed.size(), 1u);
  EXPECT_EQ(feeder.fed[0].size(), n + 1);
  EXPECT_EQ(prom->keptPoints(), n + 1);
  {  // a smaller collection frees the points it does not use
    std::lock_guard lock(ex.mu);
    ex.body = "g 1\n";
  }
  ASSERT_TRUE(runner.collectNow(0).isOk());
  ASSERT_EQ(feeder.fed.size(), 2u);
  EXPECT_EQ(feeder.fed[1].size(), 2u);
  EXPECT_EQ(prom->keptPoints(), 2u);
}

}  // namespace
}  // namespace sextant::agent::inputs::prom
