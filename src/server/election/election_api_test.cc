#include "server/election/election_api.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "net/http_server.h"
#include "net/testing/raw_http.h"

namespace sextant::server::election {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

// Two tokens of workspace "wksp_1", one of "wksp_2"; anything else is unknown.
std::optional<std::string> resolve(std::string_view token) {
  static const std::map<std::string, std::string, std::less<>> kTokens = {
      {"tkn_a", "wksp_1"}, {"tkn_a2", "wksp_1"}, {"tkn_b", "wksp_2"}};
  auto it = kTokens.find(token);
  if (it == kTokens.end()) return std::nullopt;
  return it->second;
}

net::HttpRequest request(const std::string& path, const std::string& query) {
  net::HttpRequest req;
  req.method = "POST";
  req.path = path;
  req.target = path + "?" + query;
  req.query = net::parseQuery(query);
  return req;
}

class ElectionApiTest : public ::testing::Test {
 protected:
  ElectionApiTest() {
    ElectionServiceOptions o;
    o.lease = 15s;
    o.reply_interval = 4;
    o.clock = [this] { return now_; };
    service_ = std::make_unique<ElectionService>(o);
  }
  net::HttpResponse campaign(const std::string& query) {
    return handleElection(request("/v1/election", query), *service_, resolve, false);
  }
  net::HttpResponse heartbeat(const std::string& query) {
    return handleElection(request("/v1/election/heartbeat", query), *service_, resolve, true);
  }

  TimePoint now_ = TimePoint{} + 100h;
  std::unique_ptr<ElectionService> service_;
};

TEST_F(ElectionApiTest, CampaignAndHeartbeatRepliesInDataKitsShape) {
  net::HttpResponse r = campaign("token=tkn_a&namespace=ns&id=host-a");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"content":{"status":"success","namespace":"ns","id":"host-a",)"
                    R"("incumbency_id":"host-a","error_msg":"","interval":4}})");
  r = campaign("token=tkn_a&namespace=ns&id=host-b");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"content":{"status":"defeat","namespace":"ns","id":"host-b",)"
                    R"("incumbency_id":"host-a","error_msg":"","interval":4}})");
  r = heartbeat("token=tkn_a&namespace=ns&id=host-a");
  EXPECT_EQ(r.body, R"({"content":{"status":"success","namespace":"ns","id":"host-a",)"
                    R"("incumbency_id":"host-a","error_msg":"","interval":4}})");
  r = heartbeat("token=tkn_a&namespace=ns&id=host-b");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"({"content":{"status":"defeat","namespace":"ns","id":"host-b",)"
            R"("incumbency_id":"host-a","error_msg":"no live lease for this id","interval":4}})");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0],
            (std::pair<std::string, std::string>("X-Content-Type-Options", "nosniff")));
}

TEST_F(ElectionApiTest, ExpiredLeaseHandsOverAndOldLeaderIsDefeated) {
  ASSERT_NE(campaign("token=tkn_a&namespace=default&id=a").body.find(R"("status":"success")"),
            std::string::npos);
  now_ += 15s;
  EXPECT_EQ(heartbeat("token=tkn_a&namespace=default&id=a").body,
            R"({"content":{"status":"defeat","namespace":"default","id":"a",)"
            R"("incumbency_id":"","error_msg":"no live lease for this id","interval":4}})");
  EXPECT_EQ(campaign("token=tkn_a&namespace=default&id=b").body,
            R"({"content":{"status":"success","namespace":"default","id":"b",)"
            R"("incumbency_id":"b","error_msg":"","interval":4}})");
}

TEST_F(ElectionApiTest, NamespaceDefaultsToDefault) {
  EXPECT_EQ(campaign("token=tkn_a&id=a").body,
            R"({"content":{"status":"success","namespace":"default","id":"a",)"
            R"("incumbency_id":"a","error_msg":"","interval":4}})");
  // An empty namespace is the same seat.
  EXPECT_EQ(campaign("token=tkn_a&namespace=&id=b").body,
            R"({"content":{"status":"defeat","namespace":"default","id":"b",)"
            R"("incumbency_id":"a","error_msg":"","interval":4}})");
  EXPECT_NE(campaign("token=tkn_a&namespace=default&id=c").body.find(R"("incumbency_id":"a")"),
            std::string::npos);
}

TEST_F(ElectionApiTest, SeatsBelongToWorkspacesNotTokens) {
  EXPECT_NE(campaign("token=tkn_a&id=a").body.find(R"("status":"success")"), std::string::npos);
  // Another token of the same workspace: same seat.
  EXPECT_EQ(campaign("token=tkn_a2&id=b").body,
            R"({"content":{"status":"defeat","namespace":"default","id":"b",)"
            R"("incumbency_id":"a","error_msg":"","interval":4}})");
  // Another workspace: its own seat.
  EXPECT_EQ(campaign("token=tkn_b&id=b").body,
            R"({"content":{"status":"success","namespace":"default","id":"b",)"
            R"("incumbency_id":"b","error_msg":"","interval":4}})");
  std::vector<ElectionLeader> l = service_->leaders();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0], (ElectionLeader{"wksp_1", "default", "a", now_, now_ + 15s}));
  EXPECT_EQ(l[1], (ElectionLeader{"wksp_2", "default", "b", now_, now_ + 15s}));
}

TEST_F(ElectionApiTest, TokenErrors) {
  net::HttpResponse r = campaign("namespace=ns&id=a");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"code":401,"errorCode":"dataway.emptyToken","message":"token missing"})");
  EXPECT_EQ(r.headers.size(), 1u);
  r = heartbeat("token=&namespace=ns&id=a");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"code":401,"errorCode":"dataway.emptyToken","message":"token missing"})");
  r = campaign("token=tkn_nope&namespace=ns&id=a");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"code":403,"errorCode":"kodo.tokenNotFound","message":"token not found"})");
  r = heartbeat("token=tkn_nope&namespace=ns&id=a");
  EXPECT_EQ(r.status, 403);
  // Token errors come first, even when the id is missing too.
  EXPECT_EQ(campaign("token=tkn_nope").status, 403);
  // No resolver at all: every token is unknown.
  r = handleElection(request("/v1/election", "token=tkn_a&id=a"), *service_, nullptr, false);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(service_->stats().campaigns + service_->stats().heartbeats, 0u);
}

TEST_F(ElectionApiTest, IdErrors) {
  net::HttpResponse r = campaign("token=tkn_a&namespace=ns");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":400,"errorCode":"dataway.emptyElectionID","message":"id missing"})");
  EXPECT_EQ(heartbeat("token=tkn_a&namespace=ns&id=").status, 400);

  std::string long_value(1025, 'x');
  r = campaign("token=tkn_a&id=" + long_value);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"code":400,"errorCode":"dataway.electionParamTooLong","message":"id longer than 1024 bytes"})");
  r = campaign("token=tkn_a&id=a&namespace=" + long_value);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":400,"errorCode":"dataway.electionParamTooLong",)"
                    R"("message":"namespace longer than 1024 bytes"})");
  // 1024 bytes is fine.
  EXPECT_EQ(campaign("token=tkn_a&id=" + std::string(1024, 'y')).status, 200);
  EXPECT_EQ(service_->stats().campaigns, 1u);
}

TEST_F(ElectionApiTest, PercentDecodedValuesAreEscapedInTheReply) {
  // DataKit query-escapes namespace and id; the reply echoes the decoded values as JSON.
  EXPECT_EQ(campaign("token=tkn_a&namespace=a%22b%5Cc&id=h%C3%A9te%0A").body,
            "{\"content\":{\"status\":\"success\",\"namespace\":\"a\\\"b\\\\c\",\"id\":"
            "\"h\xC3\xA9te\\n\","
            "\"incumbency_id\":\"h\xC3\xA9te\\n\",\"error_msg\":\"\",\"interval\":4}}");
}

TEST(ElectionReplyJson, AllMembersInOrder) {
  ElectionReply r;
  EXPECT_EQ(electionReplyJson(r),
            R"({"content":{"status":"defeat","namespace":"","id":"","incumbency_id":"",)"
            R"("error_msg":"","interval":0}})");
  r.success = true;
  r.election_namespace = "n";
  r.id = "i";
  r.incumbency_id = "i";
  r.error_msg = "m";
  r.interval = 86400;
  EXPECT_EQ(electionReplyJson(r),
            R"({"content":{"status":"success","namespace":"n","id":"i","incumbency_id":"i",)"
            R"("error_msg":"m","interval":86400}})");
}

// The routes on a real HttpServer, driven with raw HTTP bytes.
TEST(ElectionRoutes, ServeBothPathsOverHttp) {
  ElectionService service;
  net::Router router;
  registerElectionRoutes(router, service, resolve);
  net::HttpServerOptions so;
  so.listen = "127.0.0.1:0";
  net::HttpServer server(so, std::move(router));
  ASSERT_TRUE(server.start().isOk());

  std::string r = net::testing::simpleRequest(server.port(), "POST",
                                              "/v1/election?token=tkn_a&namespace=ns&id=a");
  EXPECT_EQ(net::testing::statusOf(r), 200);
  EXPECT_NE(r.find("Content-Type: application/json"), std::string::npos);
  EXPECT_EQ(net::testing::bodyOf(r),
            R"({"content":{"status":"success","namespace":"ns","id":"a","incumbency_id":"a",)"
            R"("error_msg":"","interval":4}})");
  r = net::testing::simpleRequest(server.port(), "POST",
                                  "/v1/election/heartbeat?token=tkn_a&namespace=ns&id=a");
  EXPECT_EQ(net::testing::bodyOf(r),
            R"({"content":{"status":"success","namespace":"ns","id":"a","incumbency_id":"a",)"
            R"("error_msg":"","interval":4}})");
  r = net::testing::simpleRequest(server.port(), "POST", "/v1/election?token=tkn_x&id=a");
  EXPECT_EQ(net::testing::statusOf(r), 403);
  EXPECT_EQ(service.stats().campaigns, 1u);
  EXPECT_EQ(service.stats().heartbeats, 1u);
  server.stop();
}

}  // namespace
}  // namespace sextant::server::election
