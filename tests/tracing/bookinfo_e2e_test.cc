// Issue 6's end-to-end test: real tracing clients from npm (zipkin-js with B3 shared span ids,
// the OpenTelemetry SDK with its Zipkin exporter and its OTLP/protobuf exporter; bookinfo.cjs)
// send a Bookinfo-shaped call tree to our agent, configured with the seed's zipkin.conf; the
// agent ships to our server; the server's APM deriver and query APIs must show the canary:
// reviews v1 : v2 = 9 : 1, v2 -> ratings present, v1 -> ratings absent.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "agent/agent.h"
#include "core/testing/temp_dir.h"
#include "net/http_client.h"
#include "server/server.h"
#include "storage/engine/storage_engine.h"

namespace sextant {
namespace {

constexpr int kTracesPerFamily = 60;  // 54 via reviews v1, 6 via reviews v2 (3 ratings errors)
constexpr int kFamilies = 3;

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs a shell command; its stdout and exit status.
std::pair<std::string, int> run(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return {"", -1};
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int status = ::pclose(f);
  return {out, status};
}

class BookinfoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions so;
    so.data_dir = dir_.path() + "/data";
    so.listen = "127.0.0.1:0";
    so.apm.trace_idle = std::chrono::milliseconds(500);
    so.apm.trace_max_wait = std::chrono::milliseconds(5000);
    so.apm.minute_grace = std::chrono::milliseconds(0);
    server_ = std::make_unique<server::Server>(so);
    ASSERT_TRUE(server_->start().isOk());
    token_ = server_->defaultToken();

    const std::string install = dir_.path() + "/agent";
    std::filesystem::create_directories(install + "/conf.d/zipkin");
    std::filesystem::create_directories(install + "/conf.d/opentelemetry");
    std::ofstream(install + "/conf.d/datakit.conf")
        << "default_enabled_inputs = []\n[dataway]\n  urls = [\"http://" << server_->listenAddress()
        << "?token=" << token_ << "\"]\n[io]\n  flush_interval = \"100ms\"\n";
    // The seed's zipkin.conf (../shared/seeds, Rancher guide §3.5), unchanged.
    std::ofstream(install + "/conf.d/zipkin/zipkin.conf")
        << "      [[inputs.zipkin]]\n"
           "        pathV1 = \"/api/v1/spans\"\n"
           "        pathV2 = \"/api/v2/spans\"\n"
           "        customer_tags = [\"project\",\"version\",\"env\"]\n";
    std::ofstream(install + "/conf.d/opentelemetry/opentelemetry.conf")
        << "[[inputs.opentelemetry]]\n  customer_tags = [\"project\"]\n";
    agent_ = std::make_unique<agent::Agent>(agent::AgentOptions{install, "127.0.0.1:0", false});
    ASSERT_TRUE(agent_->start().isOk());
  }

  void TearDown() override {
    if (agent_) agent_->stop();
    if (server_) server_->stop();
  }

  // GET on the server with the workspace token; the parsed JSON body.
  simdjson::dom::element get(const std::string& path_and_query, int* status = nullptr) {
    net::ClientRequest req;
    req.url = "http://" + server_->listenAddress() + path_and_query +
              (path_and_query.find('?') == std::string::npos ? "?" : "&") + "token=" + token_;
    auto resp = client_->send(req);
    EXPECT_TRUE(resp.isOk()) << path_and_query;
    if (!resp.isOk()) return {};
    if (status) *status = resp->status;
    EXPECT_EQ(resp->status, 200) << path_and_query << ": " << resp->body;
    bodies_.push_back(resp->body);
    simdjson::dom::element e;
    EXPECT_EQ(parser_.parse(bodies_.back()).get(e), simdjson::SUCCESS) << resp->body;
    return e;
  }

  std::string range() const {
    return "start=" + std::to_string(base_us_ / 1000 - 60'000) +
           "&end=" + std::to_string(nowUs() / 1000 + 60'000);
  }

  testing::TempDir dir_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<agent::Agent> agent_;
  std::unique_ptr<net::HttpClient> client_ = net::makeHttpClient();
  std::string token_;
  int64_t base_us_ = 0;
  simdjson::dom::parser parser_;
  std::deque<std::string> bodies_;
};

TEST_F(BookinfoTest, RealClientsShowTheCanaryInApm) {
  // Spans a few minutes back, so their minutes are closed when the deriver writes them.
  base_us_ = (nowUs() / 60'000'000 - 4) * 60'000'000 + 1'000'000;
  const std::string cmd =
      "NODE_PATH='" SEXTANT_SOURCE_DIR "/deps/npm/node_modules' node '" SEXTANT_SOURCE_DIR
      "/tests/tracing/bookinfo.cjs' --agent http://" +
      agent_->listenAddress() + " --traces " + std::to_string(kTracesPerFamily) + " --base-us " +
      std::to_string(base_us_) + " 2>&1";
  auto [out, status] = run(cmd);
  ASSERT_EQ(status, 0) << "bookinfo.cjs failed (deps/npm installed by scripts/install-deps.sh?):\n"
                       << out;
  simdjson::dom::parser p;
  simdjson::dom::element summary;
  ASSERT_EQ(p.parse(out.substr(out.rfind('{', out.find("\"zipkin-js\"")))).get(summary),
            simdjson::SUCCESS)
      << out;
  std::string zipkin_trace(std::string_view(summary["zipkin-js"]["trace_ids"].at(0)));
  std::string otlp_trace(std::string_view(summary["otel-otlp"]["trace_ids"].at(0)));
  ASSERT_TRUE(agent_->waitUploaded(std::chrono::seconds(30)));

  // Every span stored as a tracing point: 5 spans per trace through reviews v1, 7 through v2.
  const int spans_per_family = (kTracesPerFamily * 9 / 10) * 5 + (kTracesPerFamily / 10) * 7;
  std::map<std::string, int> stored;
  storage::ScanRequest scan;
  for (int attempt = 0; attempt < 100; ++attempt) {
    stored.clear();
    for (const std::string& ws : server_->storage()->workspaces()) {
      scan.workspace_id = ws;
      scan.category = model::Category::kTracing;
      scan.columns = {"trace_id"};
      ASSERT_TRUE(server_->storage()
                      ->scan(scan,
                             [&](storage::ColumnBatch&& b) {
                               stored[b.measurement] += static_cast<int>(b.rows());
                               return Status::ok();
                             })
                      .isOk());
    }
    if (stored["zipkin"] + stored["opentelemetry"] >= kFamilies * spans_per_family) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(stored["zipkin"], 2 * spans_per_family);  // zipkin-js + OTel's Zipkin exporter
  EXPECT_EQ(stored["opentelemetry"], spans_per_family);

  // The service map with env/version split, once the deriver has written the minutes.
  std::map<std::pair<std::string, std::string>, int64_t> calls;
  for (int attempt = 0; attempt < 150; ++attempt) {
    calls.clear();
    simdjson::dom::element map = get("/v1/apm/service_map?split=true&" + range());
    for (simdjson::dom::element e : map["edges"].get_array()) {
      calls[{std::string(std::string_view(e["source"])),
             std::string(std::string_view(e["target"]))}] += int64_t(e["calls"]);
    }
    if (calls[{"reviews:prod:v2", "ratings:prod:v1"}] >= kFamilies * kTracesPerFamily / 10 &&
        calls[{"productpage:prod:v1", "reviews:prod:v1"}] >= kFamilies * kTracesPerFamily * 9 / 10)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const int64_t v1 = calls[{"productpage:prod:v1", "reviews:prod:v1"}];
  const int64_t v2 = calls[{"productpage:prod:v1", "reviews:prod:v2"}];
  EXPECT_EQ(v1, kFamilies * kTracesPerFamily * 9 / 10);
  EXPECT_EQ(v2, kFamilies * kTracesPerFamily / 10);
  EXPECT_EQ(v1, 9 * v2);  // the 90/10 canary
  EXPECT_EQ((calls[{"reviews:prod:v2", "ratings:prod:v1"}]), kFamilies * kTracesPerFamily / 10);
  EXPECT_EQ(calls.count({"reviews:prod:v1", "ratings:prod:v1"}), 0u);  // v1 never calls ratings
  EXPECT_EQ((calls[{"productpage:prod:v1", "details:prod:v1"}]), kFamilies * kTracesPerFamily);
  for (const auto& [edge, n] : calls) {
    EXPECT_NE(edge.first.substr(0, edge.first.find(':')),
              edge.second.substr(0, edge.second.find(':')))
        << "same-service edge " << edge.first << " -> " << edge.second;
  }

  // The derived points chart with PromQL (Prometheus HTTP API) and DQL (/v1/query/raw).
  simdjson::dom::element prom =
      get("/api/v1/query?query=sum%20by%20(source_version)%20(sum_over_time(apm_edge_calls%7B"
          "target_service%3D%22ratings%22%7D%5B1h%5D))");
  simdjson::dom::array result = prom["data"]["result"].get_array();
  ASSERT_EQ(result.size(), 1u) << bodies_.back();
  EXPECT_EQ(std::string_view(result.at(0)["metric"]["source_version"]), "v2");
  EXPECT_EQ(std::string_view(result.at(0)["value"].at(1)),
            std::to_string(kFamilies * kTracesPerFamily / 10));
  {
    net::ClientRequest req;
    req.method = "POST";
    req.url = "http://" + server_->listenAddress() + "/v1/query/raw?token=" + token_;
    req.body =
        R"({"queries":[{"qtype":"dql","query":"M::apm_service:(sum(requests)) {service = 'reviews'} BY version","time_range":[)" +
        std::to_string(base_us_ / 1000 - 60'000) + "," + std::to_string(nowUs() / 1000) + "]}]}";
    auto resp = client_->send(req);
    ASSERT_TRUE(resp.isOk());
    EXPECT_EQ(resp->status, 200) << resp->body;
    // reviews' requests by version, as counted above.
    simdjson::dom::element doc;
    ASSERT_EQ(parser_.parse(resp->body).get(doc), simdjson::SUCCESS) << resp->body;
    std::map<std::string, double> by_version;
    for (simdjson::dom::element series : doc["content"].at(0)["series"].get_array()) {
      by_version[std::string(std::string_view(series["tags"]["version"]))] =
          double(series["values"].at(0).at(1));
    }
    EXPECT_EQ(by_version["v1"], kFamilies * kTracesPerFamily * 9 / 10) << resp->body;
    EXPECT_EQ(by_version["v2"], kFamilies * kTracesPerFamily / 10) << resp->body;
  }

  // Without the split: one node per service.
  simdjson::dom::element merged = get("/v1/apm/service_map?split=false&" + range());
  std::set<std::string> nodes;
  for (simdjson::dom::element n : merged["nodes"].get_array())
    nodes.insert(std::string(std::string_view(n["id"])));
  EXPECT_EQ(nodes, (std::set<std::string>{"productpage", "details", "reviews", "ratings"}));

  // The service list: requests are entry spans; ratings' errors are the failed calls.
  std::map<std::string, std::pair<int64_t, int64_t>> red;
  for (simdjson::dom::element s : get("/v1/apm/services?" + range())["services"].get_array())
    red[std::string(std::string_view(s["service"]))] = {int64_t(s["requests"]),
                                                        int64_t(s["errors"])};
  EXPECT_EQ(red["productpage"].first, kFamilies * kTracesPerFamily);
  EXPECT_EQ(red["reviews"].first, kFamilies * kTracesPerFamily);
  EXPECT_EQ(red["ratings"].first, kFamilies * kTracesPerFamily / 10);
  EXPECT_EQ(red["ratings"].second, kFamilies * kTracesPerFamily / 20);
  EXPECT_EQ(red["productpage"].second, 0);

  // Trace by id (zipkin-js trace 0 goes through reviews v1: 5 spans, the root first).
  simdjson::dom::element trace = get("/v1/apm/trace/" + zipkin_trace + "?" + range());
  simdjson::dom::array spans = trace["spans"].get_array();
  ASSERT_EQ(spans.size(), 5u);
  EXPECT_EQ(std::string_view(spans.at(0)["service"]), "productpage");
  EXPECT_EQ(int64_t(spans.at(0)["depth"]), 0);
  EXPECT_EQ(int64_t(trace["duration_us"]), 50'000);
  // B3 shared ids: reviews' server span nests under productpage's client span (depth 2), so the
  // services' self times add up to the trace's duration.
  int64_t self_sum = 0;
  for (simdjson::dom::element s : trace["services"].get_array()) self_sum += int64_t(s["self_us"]);
  EXPECT_EQ(self_sum, 50'000);
  int max_depth = 0;
  for (simdjson::dom::element s : spans) max_depth = std::max(max_depth, int(int64_t(s["depth"])));
  EXPECT_EQ(max_depth, 2);
  simdjson::dom::element otlp = get("/v1/apm/trace/" + otlp_trace + "?" + range());
  EXPECT_EQ(otlp["spans"].get_array().size(), 5u);
  self_sum = 0;
  for (simdjson::dom::element s : otlp["services"].get_array()) self_sum += int64_t(s["self_us"]);
  EXPECT_EQ(self_sum, int64_t(otlp["duration_us"]));

  // Trace search: the failed ratings calls.
  simdjson::dom::element errors = get("/v1/apm/traces?service=ratings&status=error&" + range());
  EXPECT_EQ(errors["traces"].get_array().size(),
            static_cast<size_t>(kFamilies * kTracesPerFamily / 20));

  // The Zipkin v2 query API (what Grafana's Zipkin data source and the Zipkin UI call).
  std::set<std::string> services;
  for (simdjson::dom::element s : get("/api/v2/services").get_array())
    services.insert(std::string(std::string_view(s)));
  EXPECT_TRUE(services.count("reviews") && services.count("ratings") &&
              services.count("productpage") && services.count("details"));
  simdjson::dom::array zspans = get("/api/v2/trace/" + zipkin_trace).get_array();
  EXPECT_EQ(zspans.size(), 5u);
  for (simdjson::dom::element s : zspans) EXPECT_EQ(std::string_view(s["traceId"]), zipkin_trace);
  bool ratings_dep = false;
  for (simdjson::dom::element d : get("/api/v2/dependencies?endTs=" +
                                      std::to_string(nowUs() / 1000 + 60'000) + "&lookback=3600000")
                                      .get_array()) {
    if (std::string_view(d["parent"]) == "reviews" && std::string_view(d["child"]) == "ratings") {
      ratings_dep = true;
      EXPECT_EQ(int64_t(d["callCount"]), kFamilies * kTracesPerFamily / 10);
    }
  }
  EXPECT_TRUE(ratings_dep);
}

}  // namespace
}  // namespace sextant
