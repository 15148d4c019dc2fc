// The agent process end to end over real sockets: config file, listen address, routes.
#include "agent/agent.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "agent/uploader/testing/fake_dataway.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/testing/raw_http.h"
#include "server/election/election_api.h"
#include "server/election/election_service.h"

namespace sextant::agent {
namespace {

using net::testing::bodyOf;
using net::testing::simpleRequest;
using net::testing::statusOf;

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sextant-agent-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "conf.d");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void writeConf(const std::string& text) {
    std::ofstream(dir_ / "conf.d" / "datakit.conf") << text;
  }
  uint16_t portOf(const Agent& a) {
    std::string addr = a.listenAddress();
    return static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
  }
  std::filesystem::path dir_;
};

TEST_F(AgentTest, ListensWhereDatakitConfSays) {
  writeConf("[http_api]\n  listen = \"127.0.0.1:0\"\n");
  Agent agent(AgentOptions{dir_.string(), "", false});
  ASSERT_TRUE(agent.start().isOk());
  uint16_t port = portOf(agent);
  std::string r = simpleRequest(port, "GET", "/v1/ping");
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_NE(bodyOf(r).find("\"content\":{\"version\""), std::string::npos) << r;
  EXPECT_NE(r.find("X-DataKit: "), std::string::npos);
  r = simpleRequest(port, "GET", "/v1/ntp");
  EXPECT_NE(bodyOf(r).find("\"timestamp_sec\":"), std::string::npos) << r;
  r = simpleRequest(port, "POST", "/v1/write/metric", "cpu x=1");
  EXPECT_EQ(statusOf(r), 200) << r;
  r = simpleRequest(port, "GET", "/no/such/page");
  EXPECT_EQ(statusOf(r), 404);
  EXPECT_NE(bodyOf(r).find("Welcome to use DataKit"), std::string::npos);
  agent.stop();
}

TEST_F(AgentTest, ListenFlagOverridesConfAnd404PageCanBeDisabled) {
  writeConf("[http_api]\n  listen = \"127.0.0.1:1\"\n  disable_404page = true\n");
  Agent agent(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  ASSERT_TRUE(agent.start().isOk());
  std::string r = simpleRequest(portOf(agent), "GET", "/nope");
  EXPECT_EQ(statusOf(r), 404);
  EXPECT_EQ(bodyOf(r).find("Welcome"), std::string::npos);
}

TEST_F(AgentTest, CorsPreflightAndEchoedOrigin) {
  writeConf("[http_api]\n  listen = \"127.0.0.1:0\"\n");
  Agent agent(AgentOptions{dir_.string(), "", false});
  ASSERT_TRUE(agent.start().isOk());
  uint16_t port = portOf(agent);
  std::string r = simpleRequest(port, "OPTIONS", "/v1/write/rum?precision=ms", "",
                                "Origin: http://shop.example\r\n"
                                "Access-Control-Request-Headers: content-type\r\n");
  EXPECT_EQ(statusOf(r), 204) << r;
  EXPECT_NE(r.find("Access-Control-Allow-Origin: http://shop.example"), std::string::npos) << r;
  EXPECT_NE(r.find("Access-Control-Allow-Methods: POST, OPTIONS, GET, PUT"), std::string::npos);
  EXPECT_NE(r.find("Access-Control-Allow-Credentials: true"), std::string::npos);
  EXPECT_NE(r.find("Access-Control-Max-Age: 7200"), std::string::npos);
  EXPECT_NE(r.find("Access-Control-Allow-Headers: content-type"), std::string::npos);
  // Any path answers a preflight, and real requests carry the headers too.
  EXPECT_EQ(statusOf(simpleRequest(port, "OPTIONS", "/any/thing")), 204);
  r = simpleRequest(port, "POST", "/v1/write/metric", "cpu x=1", "Origin: http://shop.example\r\n");
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_NE(r.find("Access-Control-Allow-Origin: http://shop.example"), std::string::npos) << r;
  // Without an Origin there is nothing to echo.
  r = simpleRequest(port, "GET", "/v1/ping");
  EXPECT_EQ(r.find("Access-Control-Allow-Origin"), std::string::npos) << r;
}

// An HTTP-push input's own counters reach the agent's /metrics: a RUM batch without app_id is a
// bad request of the rum input.
TEST_F(AgentTest, MetricsShowInputEventCounters) {
  writeConf("[http_api]\n  listen = \"127.0.0.1:0\"\n");
  std::filesystem::create_directories(dir_ / "conf.d" / "rum");
  std::ofstream(dir_ / "conf.d" / "rum" / "rum.conf") << "[[inputs.rum]]\n";
  Agent agent(AgentOptions{dir_.string(), "", false});
  ASSERT_TRUE(agent.start().isOk());
  uint16_t port = portOf(agent);
  std::string r = simpleRequest(port, "POST", "/v1/write/rum?precision=ms",
                                "view,sdk_name=x is_active=true 1700000000000\n");
  EXPECT_EQ(statusOf(r), 400) << r;
  std::string metrics = bodyOf(simpleRequest(port, "GET", "/metrics"));
  EXPECT_NE(metrics.find("sextant_input_events_total{input=\"rum\",instance=\"0\","
                         "event=\"requests\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sextant_input_events_total{input=\"rum\",instance=\"0\","
                         "event=\"bad_requests\"} 1\n"),
            std::string::npos)
      << metrics;
  agent.stop();
}

TEST_F(AgentTest, CorsOnlyForAllowedOrigins) {
  writeConf(
      "[http_api]\n  listen = \"127.0.0.1:0\"\n  allowed_cors_origins = [\"http://ok.example\"]\n");
  Agent agent(AgentOptions{dir_.string(), "", false});
  ASSERT_TRUE(agent.start().isOk());
  uint16_t port = portOf(agent);
  std::string r =
      simpleRequest(port, "OPTIONS", "/v1/write/rum", "", "Origin: http://ok.example\r\n");
  EXPECT_NE(r.find("Access-Control-Allow-Origin: http://ok.example"), std::string::npos) << r;
  r = simpleRequest(port, "OPTIONS", "/v1/write/rum", "", "Origin: http://evil.example\r\n");
  EXPECT_EQ(statusOf(r), 204);
  EXPECT_EQ(r.find("Access-Control-Allow-Origin"), std::string::npos) << r;
}

TEST_F(AgentTest, BrokenConfigIsAClearStartError) {
  writeConf("[http_api]\n  timeout = \"ten seconds\"\n");
  Agent agent(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  Status st = agent.start();
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("datakit.conf:2: [http_api] timeout"), std::string::npos)
      << st.message();
}

TEST_F(AgentTest, BusyPortIsAClearStartError) {
  writeConf("");
  Agent first(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  ASSERT_TRUE(first.start().isOk());
  Agent second(AgentOptions{dir_.string(), first.listenAddress(), false});
  Status st = second.start();
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("cannot listen on " + first.listenAddress()), std::string::npos)
      << st.message();
}

TEST_F(AgentTest, ContainerModeReadsEnvHttpListen) {
  writeConf("[http_api]\n  listen = \"127.0.0.1:1\"\n");
  setenv("ENV_HTTP_LISTEN", "127.0.0.1:0", 1);
  Agent agent(AgentOptions{dir_.string(), "", true});
  Status st = agent.start();
  unsetenv("ENV_HTTP_LISTEN");
  ASSERT_TRUE(st.isOk()) << st.toString();
  EXPECT_EQ(statusOf(simpleRequest(portOf(agent), "GET", "/v1/ping")), 200);
}

using namespace std::chrono_literals;

bool waitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::string hostName() {
  char buf[256] = {};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

TEST_F(AgentTest, HostPointsArriveAsGzippedProtobufWithGlobalTags) {
  testing::FakeDataway dw;
  ASSERT_TRUE(dw.start().isOk());
  writeConf(
      "default_enabled_inputs = [\"mem\"]\n"
      "[global_host_tags]\n  env = \"prod\"\n  ip = \"__datakit_ip\"\n"
      "[dataway]\n  urls = [\"" +
      dw.url() +
      "\"]\n"
      "[io]\n  flush_interval = \"100ms\"\n");
  std::filesystem::create_directories(dir_ / "conf.d" / "host");
  std::ofstream(dir_ / "conf.d" / "host" / "system.conf")
      << "[[inputs.system]]\n  interval = \"1s\"\n  [inputs.system.tags]\n    env = "
         "\"system-own\"\n";
  Agent agent(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  ASSERT_TRUE(agent.start().isOk());
  model::Point p;
  ASSERT_TRUE(waitFor(
      [&] {
        for (const model::Point& q : dw.points(model::Category::kMetric)) {
          if (q.measurement == "system") p = q;
        }
        return p.measurement == "system";
      },
      15s));
  ASSERT_NE(p.findTag("host"), nullptr);
  EXPECT_EQ(p.findTag("host")->value, hostName());
  EXPECT_EQ(p.findTag("env")->value, "system-own");  // the input's tag wins over global tags
  ASSERT_NE(p.findTag("ip"), nullptr);
  EXPECT_NE(p.findTag("ip")->value, "__datakit_ip");

  testing::FakeDataway::Body body = dw.lastBody();
  auto header = [&](std::string_view name) {
    for (const auto& [k, v] : body.headers) {
      if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0) return v;
    }
    return std::string();
  };
  EXPECT_EQ(header("Content-Type"), "application/protobuf; proto=com.guance.Point");
  EXPECT_EQ(header("Content-Encoding"), "gzip");
  EXPECT_EQ(header("X-Points"), std::to_string(body.points));
  EXPECT_TRUE(header("User-Agent").starts_with("datakit-linux-")) << header("User-Agent");
  EXPECT_NE(body.target.find("token=tkn_test"), std::string::npos) << body.target;

  // Written points get the global tags too (without overriding theirs), and the write is
  // answered after the points are queued.
  std::string r = simpleRequest(portOf(agent), "POST", "/v1/write/logging?precision=s",
                                "app,env=dev message=\"hello\" 1700000000\n");
  ASSERT_EQ(statusOf(r), 200) << r;
  ASSERT_TRUE(dw.waitForPoints(model::Category::kLogging, 1, 10s));
  model::Point log = dw.points(model::Category::kLogging).front();
  EXPECT_EQ(log.findTag("env")->value, "dev");
  EXPECT_EQ(log.findTag("host")->value, hostName());
  // More than 2 h old: re-timed to now, the old time kept in __orig_time (DataKit's default).
  ASSERT_NE(log.findField("__orig_time"), nullptr);
  EXPECT_EQ(std::get<int64_t>(log.findField("__orig_time")->value), 1700000000000000000);
  agent.stop();
}

// The logging input's filters and storage index end to end: file -> pipeline (sets status) ->
// ignore_status and field_white_list -> uploader with X-Storage-Index-Name.
TEST_F(AgentTest, LoggingFiltersAndStorageIndexReachDataway) {
  testing::FakeDataway dw;
  ASSERT_TRUE(dw.start().isOk());
  writeConf("default_enabled_inputs = []\n[dataway]\n  urls = [\"" + dw.url() +
            "\"]\n[io]\n  flush_interval = \"100ms\"\n");
  std::filesystem::create_directories(dir_ / "pipeline" / "logging");
  std::ofstream(dir_ / "pipeline" / "logging" / "app.p")
      << "grok(_, \"%{WORD:status} %{WORD:lvl} %{GREEDYDATA:rest}\")\n";
  std::ofstream(dir_ / "app.log") << "debug L1 one\nerror L2 two\ninfo L3 three\n";
  std::filesystem::create_directories(dir_ / "conf.d" / "log");
  std::ofstream(dir_ / "conf.d" / "log" / "logging.conf")
      << "[[inputs.logging]]\n  logfiles = [\"" << (dir_ / "app.log").string()
      << "\"]\n  source = \"app\"\n  pipeline = \"app.p\"\n"
         "  ignore_status = [\"debug\"]\n  field_white_list = [\"lvl\"]\n"
         "  storage_index = \"idx1\"\n  from_beginning = true\n";
  Agent agent(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  ASSERT_TRUE(agent.start().isOk());
  ASSERT_TRUE(dw.waitForPoints(model::Category::kLogging, 2, 15s));
  std::this_thread::sleep_for(300ms);  // a third point would show
  std::vector<model::Point> got = dw.points(model::Category::kLogging);
  ASSERT_EQ(got.size(), 2u);
  for (size_t i = 0; i < got.size(); ++i) {
    const model::Point& p = got[i];
    std::vector<std::string> keys;
    for (const auto& f : p.fields) keys.push_back(f.key);
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, (std::vector<std::string>{"lvl", "message", "status"}));  // `rest` dropped
    EXPECT_EQ(std::get<std::string>(p.findField("lvl")->value), i == 0 ? "L2" : "L3");
  }
  for (const testing::FakeDataway::Body& b : dw.bodies()) {
    if (b.target.find("/v1/write/logging") == std::string::npos) continue;
    std::string index = "<absent>";
    for (const auto& [k, v] : b.headers) {
      if (strcasecmp(k.c_str(), "X-Storage-Index-Name") == 0) index = v;
    }
    EXPECT_EQ(index, "idx1");
  }
  agent.stop();
}

TEST_F(AgentTest, SeedSnippetsAndABrokenFileStillStart) {
  std::filesystem::create_directories(dir_ / "conf.d" / "prom");
  std::filesystem::create_directories(dir_ / "conf.d" / "zipkin");
  const std::filesystem::path seeds =
      std::filesystem::path(SEXTANT_SOURCE_DIR) / "src/config/testdata/seeds";
  std::filesystem::copy_file(seeds / "kube-state-metrics.conf",
                             dir_ / "conf.d" / "prom" / "kube-state-metrics.conf");
  std::filesystem::copy_file(seeds / "zipkin.conf", dir_ / "conf.d" / "zipkin" / "zipkin.conf");
  std::ofstream(dir_ / "conf.d" / "broken.conf") << "[[inputs.cpu]\ninterval = \"1s\"\n";
  std::ofstream(dir_ / "conf.d" / "mem.conf") << "[[inputs.mem]]\n  interval = \"10x\"\n";
  writeConf("default_enabled_inputs = [\"swap\", \"host_processes\"]\n");
  Agent agent(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  ASSERT_TRUE(agent.start().isOk());
  AgentStatus st = agent.status();
  EXPECT_EQ(st.inputs, 3u);  // swap, the seed's kube-state-metrics prom input and its zipkin
  std::string all;
  for (const std::string& m : st.config_messages) all += m + "\n";
  EXPECT_NE(all.find("broken.conf:1"), std::string::npos) << all;
  EXPECT_NE(all.find("mem.conf:2: [inputs.mem] interval: bad duration '10x'"), std::string::npos)
      << all;
  EXPECT_EQ(all.find("unknown input 'prom'"), std::string::npos) << all;
  EXPECT_EQ(all.find("unknown input 'zipkin'"), std::string::npos) << all;
  EXPECT_NE(all.find("default_enabled_inputs: unknown input 'host_processes'"), std::string::npos)
      << all;
  // The messages are on /metrics too.
  std::string metrics = bodyOf(simpleRequest(portOf(agent), "GET", "/metrics"));
  EXPECT_NE(metrics.find("datakit_config_messages{message=\"warning: "), std::string::npos);
  // The seed's zipkin input serves its routes on the agent's port.
  EXPECT_EQ(statusOf(simpleRequest(portOf(agent), "POST", "/api/v2/spans", "[]",
                                   "Content-Type: application/json\r\n")),
            200);
  EXPECT_EQ(statusOf(simpleRequest(portOf(agent), "POST", "/api/v1/spans", "<x/>",
                                   "Content-Type: text/xml\r\n")),
            400);
}

// SIGHUP reload replaces inputs that serve routes while requests reach them: every request is
// answered (200 by an input, 404 in the moment between the old input's routes and the new
// one's), none reaches a destroyed input (the sanitizers would say so).
TEST_F(AgentTest, ReloadUnderRequestsToInputRoutes) {
  std::filesystem::create_directories(dir_ / "conf.d" / "zipkin");
  std::ofstream(dir_ / "conf.d" / "zipkin" / "zipkin.conf") << "[[inputs.zipkin]]\n";
  // No per-client rate limit: the client below sends as fast as it can.
  writeConf("default_enabled_inputs = []\n[http_api]\n  request_rate_limit = 0.0\n");
  Agent agent(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  ASSERT_TRUE(agent.start().isOk());
  const uint16_t port = portOf(agent);
  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, not_found{0}, other{0};
  std::thread client([&] {
    while (!done) {
      int status = statusOf(
          simpleRequest(port, "POST", "/api/v2/spans", "[]", "Content-Type: application/json\r\n"));
      ++(status == 200 ? ok : status == 404 ? not_found : other);
    }
  });
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(agent.reload().isOk());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  done = true;
  client.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(statusOf(simpleRequest(port, "POST", "/api/v2/spans", "[]",
                                   "Content-Type: application/json\r\n")),
            200);
  agent.stop();
}

TEST_F(AgentTest, MetricsLastErrorAndGlobalTagsRoutes) {
  writeConf("default_enabled_inputs = []\n[global_host_tags]\n  cluster = \"c1\"\n");
  Agent agent(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  ASSERT_TRUE(agent.start().isOk());
  uint16_t port = portOf(agent);
  ASSERT_EQ(statusOf(simpleRequest(port, "POST", "/v1/write/metric?input=my-app", "m v=1i")), 200);

  std::string r = simpleRequest(port, "POST", "/v1/lasterror",
                                R"({"input":"ext-collector","source":"x","err_content":"boom"})");
  EXPECT_EQ(statusOf(r), 200) << r;
  r = simpleRequest(port, "POST", "/v1/lasterror", R"({"input":"ext"})");
  EXPECT_EQ(statusOf(r), 400);
  EXPECT_NE(bodyOf(r).find("datakit.badRequest"), std::string::npos);
  EXPECT_EQ(statusOf(simpleRequest(port, "POST", "/v1/lasterror", "not json")), 400);

  std::string metrics = bodyOf(simpleRequest(port, "GET", "/metrics"));
  EXPECT_NE(metrics.find("datakit_io_feed_point_total{name=\"my-app\",category=\"metric\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("datakit_last_err{source=\"ext-collector\",error=\"boom\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("datakit_http_api_total{api=\"/v1/write/:category\",method=\"POST\","
                         "status=\"200\"} 1\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("datakit_io_dropped_point_total{reason=\"no_dataway\"} 1\n"),
            std::string::npos);

  r = simpleRequest(port, "GET", "/v1/global/host/tags");
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_NE(bodyOf(r).find("\"cluster\":\"c1\""), std::string::npos) << r;
  r = simpleRequest(port, "POST", "/v1/global/host/tags?team=obs");
  EXPECT_EQ(statusOf(r), 200) << r;
  // Host mode: the change is written back into datakit.conf.
  std::ifstream in(dir_ / "conf.d" / "datakit.conf");
  std::string conf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(conf.find("team = \"obs\""), std::string::npos) << conf;
  r = simpleRequest(port, "POST", "/v1/global/election/tags?a=b");
  EXPECT_EQ(statusOf(r), 500);  // election disabled
}

TEST_F(AgentTest, ElectionMakesThisAgentLeader) {
  // The server's election service, with every token in one workspace.
  server::election::ElectionService service;
  net::Router router;
  server::election::registerElectionRoutes(
      router, service, [](std::string_view) { return std::optional<std::string>("wksp_test"); });
  net::HttpServerOptions so;
  so.listen = "127.0.0.1:0";
  net::HttpServer es(so, std::move(router));
  ASSERT_TRUE(es.start().isOk());
  writeConf("default_enabled_inputs = []\n[dataway]\n  urls = [\"http://" + es.boundAddress() +
            "?token=tkn_e\"]\n[election]\n  enable = true\n  namespace = \"ns1\"\n");
  Agent agent(AgentOptions{dir_.string(), "127.0.0.1:0", false});
  ASSERT_TRUE(agent.start().isOk());
  EXPECT_TRUE(waitFor([&] {
    auto leaders = service.leaders();
    return leaders.size() == 1 && leaders[0].id == hostName() &&
           leaders[0].election_namespace == "ns1";
  }));
  std::string metrics;
  EXPECT_TRUE(waitFor([&] {
    metrics = bodyOf(simpleRequest(portOf(agent), "GET", "/metrics"));
    return metrics.find("datakit_election_status{namespace=\"ns1\",status=\"success\"") !=
           std::string::npos;
  })) << metrics;
  agent.stop();
}

TEST_F(AgentTest, ContainerModeTakesDataKitEnvironment) {
  testing::FakeDataway dw;
  ASSERT_TRUE(dw.start().isOk());
  writeConf("");
  const std::vector<std::pair<std::string, std::string>> env = {
      {"ENV_DATAWAY", dw.url()},
      {"ENV_HTTP_LISTEN", "127.0.0.1:0"},
      {"ENV_HOSTNAME", "node-7"},
      {"ENV_GLOBAL_HOST_TAGS", "cluster=k8s-a,host_ip=__datakit_ip"},
      {"ENV_DEFAULT_ENABLED_INPUTS", "mem"},
      {"ENV_INPUT_MEM_INTERVAL", "1s"},
      {"ENV_IO_FLUSH_INTERVAL", "100ms"}};
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  Agent agent(AgentOptions{dir_.string(), "", true});
  Status st = agent.start();
  for (const auto& [k, v] : env) unsetenv(k.c_str());
  ASSERT_TRUE(st.isOk()) << st.toString();
  EXPECT_EQ(agent.status().inputs, 1u);
  model::Point mem;
  ASSERT_TRUE(waitFor(
      [&] {
        for (const model::Point& q : dw.points(model::Category::kMetric)) {
          if (q.measurement == "mem") mem = q;
        }
        return mem.measurement == "mem";
      },
      15s));
  EXPECT_EQ(mem.findTag("host")->value, "node-7");
  EXPECT_EQ(mem.findTag("cluster")->value, "k8s-a");
  ASSERT_NE(mem.findTag("host_ip"), nullptr);
  EXPECT_NE(mem.findTag("host_ip")->value, "__datakit_ip");
  std::string ping = bodyOf(simpleRequest(portOf(agent), "GET", "/v1/ping"));
  EXPECT_NE(ping.find("\"host\":\"node-7\""), std::string::npos) << ping;
}

// AgentOptions::http_client replaces the agent's own client for uploads (the DataWay host does not
// resolve: only the given client can answer).
TEST_F(AgentTest, UploadsThroughTheGivenHttpClient) {
  class Recording final : public net::HttpClient {
   public:
    Result<net::ClientResponse> send(const net::ClientRequest& request) override {
      std::lock_guard lock(mu);
      urls.push_back(request.url);
      net::ClientResponse r;
      r.status = 200;
      return r;
    }
    std::mutex mu;
    std::vector<std::string> urls;
  } client;
  writeConf(
      "default_enabled_inputs = []\n[dataway]\n  urls = "
      "[\"http://dataway.invalid:9528?token=tkn_x\"]"
      "\n[io]\n  flush_interval = \"100ms\"\n");
  AgentOptions o{dir_.string(), "127.0.0.1:0", false};
  o.http_client = &client;
  Agent agent(o);
  ASSERT_TRUE(agent.start().isOk());
  std::string r = simpleRequest(portOf(agent), "POST", "/v1/write/metric", "cpu x=1");
  ASSERT_EQ(statusOf(r), 200) << r;
  ASSERT_TRUE(agent.waitUploaded(10s));
  EXPECT_EQ(agent.status().uploaded_points, 1u);
  agent.stop();
  std::lock_guard lock(client.mu);
  ASSERT_EQ(client.urls.size(), 1u);
  EXPECT_EQ(client.urls[0], "http://dataway.invalid:9528/v1/write/metric?token=tkn_x");
}

}  // namespace
}  // namespace sextant::agent
