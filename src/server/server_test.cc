// The server over real sockets: tokens, ingest into the WAL and reading it back, the routes a
// real DataKit calls, the real DataKit 1.84.1 uploads of ../shared/fixtures/datakit-upload, and
// our own agent shipping to it.
#include "server/server.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "agent/agent.h"
#include "codec/point_pb/point_pb.h"
#include "codec/point_pb/testing/expect_json.h"
#include "core/testing/read_file.h"
#include "core/testing/temp_dir.h"
#include "net/testing/raw_http.h"
#include "server/in_process_client.h"

namespace sextant::server {
namespace {

using net::testing::bodyOf;
using net::testing::rawExchange;
using net::testing::simpleRequest;
using net::testing::statusOf;

using ::sextant::testing::readFile;

uint16_t portOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

// What a stopped server's data dir holds, read through the storage engine's scan API.
struct Stored {
  std::set<std::string> workspace_ids;
  std::map<model::Category, std::vector<model::Point>> points;
};

Stored readAll(const std::string& dir) {
  Stored out;
  Status st = readStoredPoints(
      dir, [&](const std::string& ws, model::Category c, std::vector<model::Point>&& pts) {
        out.workspace_ids.insert(ws);
        auto& v = out.points[c];
        v.insert(v.end(), std::make_move_iterator(pts.begin()), std::make_move_iterator(pts.end()));
        return Status::ok();
      });
  EXPECT_TRUE(st.isOk()) << st.toString();
  return out;
}

// measurement, time and sorted tags of a point: how a stored point is matched to the capture.
std::string identity(const model::Point& p) {
  std::vector<model::Tag> tags = p.tags;
  std::sort(tags.begin(), tags.end(), [](auto& a, auto& b) { return a.key < b.key; });
  std::string k = p.measurement + "@" + std::to_string(p.time_ns);
  for (const model::Tag& t : tags) k += "," + t.key + "=" + t.value;
  return k;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.data_dir = dir_.path() + "/data";
    o.listen = "127.0.0.1:0";
    // Captures and fixed times stay (DataKit re-stamps some captured points near 1970).
    o.retention.fill(std::chrono::hours(24 * 365 * 100));
    server_ = std::make_unique<Server>(o);
    ASSERT_TRUE(server_->start().isOk());
    port_ = portOf(server_->listenAddress());
    token_ = server_->defaultToken();
  }
  std::string dataDir() const { return dir_.path() + "/data"; }

  sextant::testing::TempDir dir_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::string token_;
};

TEST_F(ServerTest, DefaultTokenIsWrittenAndChecked) {
  ASSERT_EQ(token_.size(), 36u);
  EXPECT_TRUE(token_.starts_with("tkn_"));
  std::string file = readFile(dataDir() + "/default.token");
  EXPECT_NE(file.find(token_), std::string::npos);
  std::string r = simpleRequest(port_, "GET", "/v1/check/token/" + token_);
  EXPECT_EQ(statusOf(r), 200) << r;
  r = simpleRequest(port_, "GET", "/v1/check/token/tkn_00000000000000000000000000000000");
  EXPECT_EQ(statusOf(r), 403);
  EXPECT_NE(bodyOf(r).find("kodo.tokenNotFound"), std::string::npos);
}

TEST_F(ServerTest, WritesNeedAKnownToken) {
  std::string r =
      simpleRequest(port_, "POST", "/v1/write/metric", "cpu usage=1 1700000000000000000");
  EXPECT_EQ(statusOf(r), 401) << r;
  EXPECT_NE(bodyOf(r).find("dataway.emptyToken"), std::string::npos);
  r = simpleRequest(port_, "POST", "/v1/write/metric?token=tkn_ffffffffffffffffffffffffffffffff",
                    "cpu usage=1 1700000000000000000");
  EXPECT_EQ(statusOf(r), 403);
  r = simpleRequest(port_, "POST", "/v1/write/metric", "cpu usage=1 1700000000000000000",
                    "Authorization: Bearer " + token_ + "\r\n");
  EXPECT_EQ(statusOf(r), 200) << r;
  EXPECT_EQ(server_->stats().auth_failures, 2u);
}

TEST_F(ServerTest, AcceptedPointsAreStoredAfterRestart) {
  std::string r = simpleRequest(
      port_, "POST", "/v1/write/logging?token=" + token_,
      "nginx,host=web-1 message=\"GET /\",status=\"info\",bytes=512i 1700000000000000000\n"
      "nginx,host=web-2 message=\"POST /\",status=\"warn\" 1700000000000000001\n");
  ASSERT_EQ(statusOf(r), 200) << r;
  r = simpleRequest(port_, "POST", "/v1/write/metricz?token=" + token_, "x v=1");
  EXPECT_EQ(statusOf(r), 400);
  r = simpleRequest(port_, "POST", "/v1/write/metric?token=" + token_, "bad line");
  EXPECT_EQ(statusOf(r), 400);
  EXPECT_NE(bodyOf(r).find("unable to parse"), std::string::npos) << r;
  server_->stop();
  server_.reset();

  Stored stored = readAll(dataDir());
  ASSERT_EQ(stored.workspace_ids.size(), 1u);
  EXPECT_TRUE(stored.workspace_ids.begin()->starts_with("wksp_"));
  ASSERT_EQ(stored.points.size(), 1u);
  const std::vector<model::Point>& pts = stored.points[model::Category::kLogging];
  ASSERT_EQ(pts.size(), 2u);
  const model::Point& p = pts[0];
  EXPECT_EQ(p.measurement, "nginx");
  EXPECT_EQ(p.findTag("host")->value, "web-1");
  EXPECT_EQ(std::get<std::string>(p.findField("message")->value), "GET /");
  EXPECT_EQ(std::get<int64_t>(p.findField("bytes")->value), 512);
  EXPECT_EQ(p.time_ns, 1700000000000000000);
  EXPECT_EQ(pts[1].time_ns, 1700000000000000001);
  EXPECT_EQ(pts[1].findField("bytes"), nullptr);
}

TEST_F(ServerTest, RoutesARealDataKitCalls) {
  EXPECT_EQ(statusOf(simpleRequest(port_, "GET", "/v1/ping")), 200);
  std::string r = simpleRequest(port_, "GET", "/v1/ntp");
  EXPECT_NE(bodyOf(r).find("\"timestamp_sec\":"), std::string::npos);
  EXPECT_EQ(statusOf(simpleRequest(port_, "GET", "/v1/datakit/pull?filters=true&token=" + token_)),
            200);
  EXPECT_EQ(statusOf(simpleRequest(port_, "POST", "/v1/write/heartbeat?token=" + token_, "{}")),
            200);
  r = simpleRequest(port_, "POST", "/v1/workspace?token=" + token_,
                    "{\"token\":[\"" + token_ + "\"]}");
  EXPECT_EQ(statusOf(r), 200) << r;
  r = simpleRequest(port_, "POST", "/v1/election?token=" + token_ + "&namespace=ns&id=node-1");
  EXPECT_EQ(statusOf(r), 200) << r;
  EXPECT_NE(bodyOf(r).find("\"status\":\"success\""), std::string::npos) << r;
  r = simpleRequest(port_, "GET", "/metrics");
  EXPECT_NE(bodyOf(r).find("sextant_election_seats 1"), std::string::npos) << r;
}

// Every API route counts its requests by status: a bad query to the log API and a missing
// dashboard show up in /metrics under their route patterns.
TEST_F(ServerTest, MetricsCountApiRequestsByRouteAndStatus) {
  std::string r = simpleRequest(port_, "POST", "/v1/logs/search?limit=0&token=" + token_);
  ASSERT_EQ(statusOf(r), 400) << r;
  r = simpleRequest(port_, "GET", "/v1/dashboards/nope?token=" + token_);
  ASSERT_EQ(statusOf(r), 404) << r;
  r = simpleRequest(port_, "GET", "/v1/dashboards/nope?token=" + token_);
  std::string metrics = bodyOf(simpleRequest(port_, "GET", "/metrics"));
  EXPECT_NE(metrics.find("sextant_http_api_total{api=\"/v1/logs/search\",method=\"POST\","
                         "status=\"400\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sextant_http_api_total{api=\"/v1/dashboards/:id\",method=\"GET\","
                         "status=\"404\"} 2\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sextant_http_api_elapsed_seconds_count{api=\"/v1/logs/search\","),
            std::string::npos);
}

// Every captured DataKit 1.84.1 upload, replayed with its own headers (gzip + protobuf, X-Points,
// X-Pkg-Id, ...), is accepted and reads back through the storage engine's scan API exactly as the
// capture decodes.
TEST_F(ServerTest, RealDataKitUploadsReadBackExactly) {
  const std::filesystem::path fixtures =
      std::filesystem::path(SEXTANT_SHARED_DIR) / "fixtures/datakit-upload";
  std::map<std::string, std::filesystem::path> jsonl_of;  // in request order below
  std::vector<std::filesystem::path> requests;
  for (const auto& e : std::filesystem::directory_iterator(fixtures)) {
    if (e.path().string().ends_with(".request.txt")) requests.push_back(e.path());
  }
  std::sort(requests.begin(), requests.end());
  ASSERT_EQ(requests.size(), 27u);
  std::vector<std::filesystem::path> order;
  std::vector<model::Category> categories;
  for (const auto& req_path : requests) {
    std::string stem = req_path.filename().string();
    stem = stem.substr(0, stem.size() - std::string(".request.txt").size());
    std::istringstream head(readFile(req_path));
    std::string request_line, line, headers;
    std::getline(head, request_line);
    std::string target = request_line.substr(
        5, request_line.rfind(' ') == 4 ? std::string::npos : request_line.find(' ', 5) - 5);
    target = target.substr(0, target.find("token=")) + "token=" + token_;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      std::string lower = line;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower.starts_with("host:") || lower.starts_with("content-length:")) continue;
      headers += line + "\r\n";
    }
    std::string body = readFile(fixtures / (stem + ".body"));
    std::string raw = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                      headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                      body;
    std::string resp = rawExchange(port_, raw);
    ASSERT_EQ(statusOf(resp), 200) << stem << ": " << resp;
    order.push_back(fixtures / (stem + ".decoded.jsonl"));
    std::string cat = target.substr(std::string("/v1/write/").size());
    cat = cat.substr(0, cat.find('?'));
    ASSERT_TRUE(model::parseCategory(cat)) << cat;
    categories.push_back(*model::parseCategory(cat));
  }
  server_->stop();
  server_.reset();

  // Every captured point is stored once with every typed field; nothing else is stored but the
  // APM points the server derives from the captured spans.
  Stored stored = readAll(dataDir());
  std::map<model::Category, std::multimap<std::string, const model::Point*>> by_identity;
  size_t stored_points = 0, derived = 0;
  for (const auto& [c, pts] : stored.points) {
    for (const model::Point& p : pts) {
      if (c == model::Category::kMetric && p.measurement.rfind("apm_", 0) == 0) {
        ++derived;
        continue;
      }
      by_identity[c].emplace(identity(p), &p);
      ++stored_points;
    }
  }
  EXPECT_EQ(derived > 0, stored.points.count(model::Category::kTracing) > 0);
  simdjson::dom::parser parser;
  size_t points = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    SCOPED_TRACE(order[i].filename().string());
    std::istringstream lines(readFile(order[i]));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      simdjson::dom::element doc;
      ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
      model::Point key;
      std::string_view m;
      ASSERT_EQ(doc["measurement"].get(m), simdjson::SUCCESS);
      key.measurement = std::string(m);
      ASSERT_EQ(doc["time"].get(key.time_ns), simdjson::SUCCESS);
      simdjson::dom::object tags;
      ASSERT_EQ(doc["tags"].get(tags), simdjson::SUCCESS);
      for (auto [k, v] : tags)
        key.addTag(std::string(k), std::string(v.get_string().value_unsafe()));
      auto& candidates = by_identity[categories[i]];
      auto it = candidates.find(identity(key));
      ASSERT_NE(it, candidates.end()) << line;
      codec::pb::testing::expectMatchesJson(*it->second, doc);
      candidates.erase(it);
      ++points;
    }
  }
  EXPECT_EQ(points, stored_points);
  EXPECT_GT(points, 27u);
}

TEST(ServerLimits, PerTokenRateLimitAnswers429) {
  sextant::testing::TempDir dir;
  ServerOptions o;
  o.data_dir = dir.path() + "/data";
  o.listen = "127.0.0.1:0";
  o.write_rate_limit = 0.001;  // a burst of one request, then (practically) no refill
  Server server(o);
  ASSERT_TRUE(server.start().isOk());
  const uint16_t port = portOf(server.listenAddress());
  const std::string target = "/v1/write/metric?token=" + server.defaultToken();
  EXPECT_EQ(statusOf(simpleRequest(port, "POST", target, "m v=1")), 200);
  std::string r = simpleRequest(port, "POST", target, "m v=2");
  EXPECT_EQ(statusOf(r), 429) << r;
  EXPECT_NE(bodyOf(r).find("dataway.tooManyRequests"), std::string::npos);
  EXPECT_EQ(server.stats().rate_limited, 1u);
}

// Points older than the category's retention are rejected with a message per point and counted.
TEST(ServerLimits, PointsOlderThanRetentionAreRejected) {
  sextant::testing::TempDir dir;
  ServerOptions o;
  o.data_dir = dir.path() + "/data";
  o.listen = "127.0.0.1:0";
  Server server(o);  // default retention: metrics 30 days
  ASSERT_TRUE(server.start().isOk());
  const uint16_t port = portOf(server.listenAddress());
  const std::string target = "/v1/write/metric?token=" + server.defaultToken();
  const std::string now = std::to_string(std::time(nullptr)) + "000000000";
  const std::string old = "1000000000000000000";  // 2001
  std::string r = simpleRequest(port, "POST", target, "m v=1 " + old + "\nm v=2 " + now + "\n");
  ASSERT_EQ(statusOf(r), 200) << r;
  EXPECT_NE(bodyOf(r).find("\"accepted\":1,\"rejected\":1"), std::string::npos) << r;
  EXPECT_NE(bodyOf(r).find("point 0 (m): time " + old + " is older than the retention of metric"),
            std::string::npos)
      << r;
  r = simpleRequest(port, "POST", target, "m v=3 " + old + "\n");
  EXPECT_EQ(statusOf(r), 400) << r;
  EXPECT_NE(bodyOf(r).find("dataway.pointsRejected"), std::string::npos) << r;
  r = simpleRequest(port, "GET", "/metrics");
  EXPECT_NE(
      bodyOf(r).find("sextant_ingest_rejected_points_total{reason=\"older_than_retention\"} 2"),
      std::string::npos)
      << r;
  server.stop();
  std::vector<double> stored;
  ASSERT_TRUE(readStoredPoints(o.data_dir, [&](const std::string&, model::Category,
                                               std::vector<model::Point>&& pts) {
                for (const model::Point& p : pts)
                  stored.push_back(std::get<double>(p.fields[0].value));
                return Status::ok();
              }).isOk());
  EXPECT_EQ(stored, (std::vector<double>{2}));
}

// Our agent ships to our server: a point written to the agent is stored by the server.
TEST_F(ServerTest, OurAgentShipsToOurServer) {
  sextant::testing::TempDir agent_dir;
  std::filesystem::create_directories(agent_dir.path() + "/conf.d");
  std::ofstream(agent_dir.path() + "/conf.d/datakit.conf")
      << "default_enabled_inputs = []\n[dataway]\n  urls = [\"http://127.0.0.1:" << port_
      << "?token=" << token_ << "\"]\n";
  agent::Agent a(agent::AgentOptions{agent_dir.path(), "127.0.0.1:0", false});
  ASSERT_TRUE(a.start().isOk());
  std::string r = simpleRequest(
      portOf(a.listenAddress()), "POST", "/v1/write/metric?precision=s",
      "disk,device=sda used_percent=42.5 " + std::to_string(std::time(nullptr)) + "\n");
  ASSERT_EQ(statusOf(r), 200) << r;
  ASSERT_TRUE(a.waitUploaded(std::chrono::seconds(20)));
  a.stop();
  server_->stop();
  server_.reset();
  Stored stored = readAll(dataDir());
  ASSERT_EQ(stored.points.size(), 1u);
  ASSERT_EQ(stored.points[model::Category::kMetric].size(), 1u);
  const model::Point& p = stored.points[model::Category::kMetric][0];
  EXPECT_EQ(p.measurement, "disk");
  EXPECT_EQ(p.findTag("device")->value, "sda");
  EXPECT_NE(p.findTag("host"), nullptr);  // the agent's global host tag
  EXPECT_EQ(std::get<double>(p.findField("used_percent")->value), 42.5);
}

// The agent's /v1/query/raw is DataKit's DQL proxy: a body without a token gets the DataWay's,
// and the server answers it from what the agent uploaded; a wrong token in the body is refused.
TEST_F(ServerTest, AgentForwardsQueryRawToItsDataway) {
  sextant::testing::TempDir agent_dir;
  std::filesystem::create_directories(agent_dir.path() + "/conf.d");
  std::ofstream(agent_dir.path() + "/conf.d/datakit.conf")
      << "default_enabled_inputs = []\n[dataway]\n  urls = [\"http://127.0.0.1:" << port_
      << "?token=" << token_ << "\"]\n";
  agent::Agent a(agent::AgentOptions{agent_dir.path(), "127.0.0.1:0", false});
  ASSERT_TRUE(a.start().isOk());
  const int64_t now = std::time(nullptr);
  std::string r = simpleRequest(portOf(a.listenAddress()), "POST", "/v1/write/metric?precision=s",
                                "disk,device=sda used_percent=42.5 " + std::to_string(now) + "\n");
  ASSERT_EQ(statusOf(r), 200) << r;
  ASSERT_TRUE(a.waitUploaded(std::chrono::seconds(20)));
  const std::string query =
      "{\"queries\":[{\"qtype\":\"dql\",\"query\":\"M::disk:(last(used_percent))\","
      "\"time_range\":[" +
      std::to_string((now - 600) * 1000) + "," + std::to_string((now + 60) * 1000) + "]}]}";
  r = simpleRequest(portOf(a.listenAddress()), "POST", "/v1/query/raw", query);
  ASSERT_EQ(statusOf(r), 200) << r;
  EXPECT_NE(bodyOf(r).find("42.5"), std::string::npos) << r;
  // The body's own token is used (and checked by the server).
  r = simpleRequest(portOf(a.listenAddress()), "POST", "/v1/query/raw",
                    "{\"token\":\"tkn_wrong\"," + query.substr(1));
  EXPECT_EQ(statusOf(r), 403) << r;
  r = simpleRequest(portOf(a.listenAddress()), "POST", "/v1/query/raw", "not json");
  EXPECT_EQ(statusOf(r), 400) << r;
  a.stop();
}

// `sextant standalone`'s path: the agent hands its batches to the server through the in-process
// client; points are stored, and the HTTP listener sees no write. Other URLs would go to
// `unused` (a client that fails the test).
TEST_F(ServerTest, OurAgentShipsInProcess) {
  class Unused final : public net::HttpClient {
    Result<net::ClientResponse> send(const net::ClientRequest& request) override {
      ADD_FAILURE() << "forwarded " << request.url;
      return unavailable("unused");
    }
  } unused;
  InProcessClient in_process(*server_, unused);
  sextant::testing::TempDir agent_dir;
  std::filesystem::create_directories(agent_dir.path() + "/conf.d");
  std::ofstream(agent_dir.path() + "/conf.d/datakit.conf")
      << "default_enabled_inputs = []\n[io]\n  flush_interval = \"100ms\"\n";
  agent::AgentOptions o{agent_dir.path(), "127.0.0.1:0", false};
  o.dataway_url = "http://" + server_->listenAddress() + "?token=" + token_;
  o.http_client = &in_process;
  agent::Agent a(o);
  ASSERT_TRUE(a.start().isOk());
  const int64_t now = std::time(nullptr);
  std::string lp;
  for (int i = 0; i < 100; ++i) {
    lp += "disk,device=sd" + std::to_string(i) + " used_percent=" + std::to_string(i) + ".5 " +
          std::to_string(now) + "\n";
  }
  std::string r =
      simpleRequest(portOf(a.listenAddress()), "POST", "/v1/write/metric?precision=s", lp);
  ASSERT_EQ(statusOf(r), 200) << r;
  r = simpleRequest(portOf(a.listenAddress()), "POST", "/v1/write/logging?precision=s",
                    "nginx,host=web message=\"GET /\" " + std::to_string(now) + "\n");
  ASSERT_EQ(statusOf(r), 200) << r;
  ASSERT_TRUE(a.waitUploaded(std::chrono::seconds(20)));
  EXPECT_EQ(a.status().uploaded_points, 101u);
  ServerStats s = server_->stats();
  EXPECT_EQ(s.accepted_points, 101u);
  EXPECT_GE(s.in_process_write_requests, 2u);
  EXPECT_EQ(s.http_write_requests, 0u);
  std::string metrics = bodyOf(simpleRequest(port_, "GET", "/metrics"));
  EXPECT_NE(metrics.find("sextant_ingest_write_requests_total{transport=\"http\"} 0\n"),
            std::string::npos)
      << metrics;
  a.stop();
  server_->stop();
  server_.reset();

  Stored stored = readAll(dataDir());
  ASSERT_EQ(stored.points[model::Category::kMetric].size(), 100u);
  ASSERT_EQ(stored.points[model::Category::kLogging].size(), 1u);
  std::set<std::string> devices;
  for (const model::Point& p : stored.points[model::Category::kMetric]) {
    EXPECT_EQ(p.measurement, "disk");
    ASSERT_NE(p.findTag("host"), nullptr);  // the agent's global host tag
    devices.insert(p.findTag("device")->value);
    const double v = std::get<double>(p.findField("used_percent")->value);
    EXPECT_EQ(p.findTag("device")->value, "sd" + std::to_string(static_cast<int>(v)));
    EXPECT_EQ(p.time_ns, now * 1'000'000'000);
  }
  EXPECT_EQ(devices.size(), 100u);
  const model::Point& log = stored.points[model::Category::kLogging][0];
  EXPECT_EQ(std::get<std::string>(log.findField("message")->value), "GET /");
}

}  // namespace
}  // namespace sextant::server
