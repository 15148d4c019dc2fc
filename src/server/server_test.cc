// The server over real sockets: tokens, ingest into the WAL and reading it back, the routes a
// real DataKit calls, the real DataKit 1.84.1 uploads of ../shared/fixtures/datakit-upload, and
// our own agent shipping to it.
#include "server/server.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "agent/agent.h"
#include "codec/point_pb/point_pb.h"
#include "codec/point_pb/testing/expect_json.h"
#include "core/testing/temp_dir.h"
#include "net/testing/raw_http.h"

namespace sextant::server {
namespace {

using net::testing::bodyOf;
using net::testing::rawExchange;
using net::testing::simpleRequest;
using net::testing::statusOf;

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint16_t portOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

struct Stored {
  std::string workspace_id;
  model::Category category;
  std::vector<model::Point> points;
};

std::vector<Stored> replayAll(const std::string& dir) {
  std::vector<Stored> out;
  Status st = replayWal(dir, [&](const std::string& ws, model::Category c, std::string_view pb) {
    auto pts = codec::pb::decode(pb, c);
    if (!pts.isOk()) return pts.status();
    out.push_back({ws, c, std::move(pts).value()});
    return Status::ok();
  });
  EXPECT_TRUE(st.isOk()) << st.toString();
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.data_dir = dir_.path() + "/data";
    o.listen = "127.0.0.1:0";
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

TEST_F(ServerTest, AcceptedPointsAreInTheWalAfterRestart) {
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

  std::vector<Stored> stored = replayAll(dataDir());
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].category, model::Category::kLogging);
  EXPECT_TRUE(stored[0].workspace_id.starts_with("wksp_"));
  ASSERT_EQ(stored[0].points.size(), 2u);
  const model::Point& p = stored[0].points[0];
  EXPECT_EQ(p.measurement, "nginx");
  EXPECT_EQ(p.findTag("host")->value, "web-1");
  EXPECT_EQ(std::get<std::string>(p.findField("message")->value), "GET /");
  EXPECT_EQ(std::get<int64_t>(p.findField("bytes")->value), 512);
  EXPECT_EQ(p.time_ns, 1700000000000000000);
  EXPECT_EQ(stored[0].points[1].time_ns, 1700000000000000001);
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

// Every captured DataKit 1.84.1 upload, replayed with its own headers (gzip + protobuf, X-Points,
// X-Pkg-Id, ...), is accepted and reads back from the WAL exactly as the capture decodes.
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
  }
  server_->stop();
  server_.reset();

  std::vector<Stored> stored = replayAll(dataDir());
  ASSERT_EQ(stored.size(), order.size());
  simdjson::dom::parser parser;
  size_t points = 0;
  for (size_t i = 0; i < stored.size(); ++i) {
    SCOPED_TRACE(order[i].filename().string());
    std::istringstream lines(readFile(order[i]));
    std::string line;
    size_t j = 0;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      ASSERT_LT(j, stored[i].points.size());
      simdjson::dom::element doc;
      ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
      codec::pb::testing::expectMatchesJson(stored[i].points[j], doc);
      ++j;
    }
    EXPECT_EQ(j, stored[i].points.size());
    points += j;
  }
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

// Our agent ships to our server: a point written to the agent is in the server's WAL.
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
  std::vector<Stored> stored = replayAll(dataDir());
  ASSERT_EQ(stored.size(), 1u);
  ASSERT_EQ(stored[0].points.size(), 1u);
  const model::Point& p = stored[0].points[0];
  EXPECT_EQ(p.measurement, "disk");
  EXPECT_EQ(p.findTag("device")->value, "sda");
  EXPECT_NE(p.findTag("host"), nullptr);  // the agent's global host tag
  EXPECT_EQ(std::get<double>(p.findField("used_percent")->value), 42.5);
}

}  // namespace
}  // namespace sextant::server
