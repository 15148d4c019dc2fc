// End to end: the election routes on a real HttpServer, campaigned for by the agent's real
// ElectionClient over the real HttpClient (net::makeHttpClient).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/election/election_client.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "server/election/election_api.h"
#include "server/election/election_service.h"

namespace sextant::server::election {
namespace {

using namespace std::chrono_literals;
using agent::election::ElectionClient;
using agent::election::ElectionClientOptions;

// Polls `pred` every 5 ms for up to 30 s (generous: ASan on a shared box; never a speed check).
bool waitUntil(const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

class ElectionEndToEnd : public ::testing::Test {
 protected:
  // reply_interval 0 lets the agents keep their 20 ms tick; the 2 s lease is a hundred ticks, so
  // a stalled thread on a loaded box does not lose a seat by accident.
  void startServer(int reply_interval = 0, std::chrono::milliseconds lease = 2s) {
    ElectionServiceOptions o;
    o.reply_interval = reply_interval;
    o.lease = lease;
    service_ = std::make_unique<ElectionService>(o);
    net::Router router;
    registerElectionRoutes(router, *service_, [](std::string_view token) {
      static const std::map<std::string, std::string, std::less<>> kTokens = {
          {"tkn_a", "wksp_1"}, {"tkn_a2", "wksp_1"}, {"tkn_b", "wksp_2"}};
      auto it = kTokens.find(token);
      return it == kTokens.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
    net::HttpServerOptions so;
    so.listen = "127.0.0.1:0";
    so.threads = 2;
    server_ = std::make_unique<net::HttpServer>(so, std::move(router));
    ASSERT_TRUE(server_->start().isOk());
  }
  void TearDown() override {
    for (auto& c : clients_) c->stop();
    if (server_) server_->stop();
  }
  ElectionClient* add(const std::string& id, const std::string& token = "tkn_a") {
    ElectionClientOptions o;
    o.enabled = true;
    o.id = id;
    o.dataway_url = "http://127.0.0.1:" + std::to_string(server_->port()) + "?token=" + token;
    o.tick = 20ms;
    o.request_timeout = 5s;
    clients_.push_back(std::make_unique<ElectionClient>(o, *http_));
    EXPECT_TRUE(clients_.back()->start().isOk());
    return clients_.back().get();
  }
  static std::vector<ElectionClient*> leadersOf(const std::vector<ElectionClient*>& group) {
    std::vector<ElectionClient*> out;
    for (ElectionClient* c : group) {
      if (c->isLeader()) out.push_back(c);
    }
    return out;
  }

  std::unique_ptr<net::HttpClient> http_ = net::makeHttpClient();
  std::unique_ptr<ElectionService> service_;
  std::unique_ptr<net::HttpServer> server_;
  std::vector<std::unique_ptr<ElectionClient>> clients_;
};

TEST_F(ElectionEndToEnd, ThreeAgentsElectExactlyOneLeader) {
  startServer();
  std::vector<ElectionClient*> all = {add("host-a"), add("host-b"), add("host-c")};
  ASSERT_TRUE(waitUntil([&] { return leadersOf(all).size() == 1; }));
  // Let everyone talk to the server a good while longer: still one leader, the server's.
  uint64_t requests = service_->stats().campaigns + service_->stats().heartbeats;
  ASSERT_TRUE(waitUntil(
      [&] { return service_->stats().campaigns + service_->stats().heartbeats >= requests + 30; }));
  std::vector<ElectionClient*> leaders = leadersOf(all);
  ASSERT_EQ(leaders.size(), 1u);
  std::string id = leaders[0]->status().id;
  std::vector<ElectionLeader> seats = service_->leaders();
  ASSERT_EQ(seats.size(), 1u);
  EXPECT_EQ(seats[0].workspace, "wksp_1");
  EXPECT_EQ(seats[0].election_namespace, "default");
  EXPECT_EQ(seats[0].id, id);
  EXPECT_EQ(service_->stats().elections, 1u);
  for (ElectionClient* c : all) {
    EXPECT_EQ(c->status().leader, id);
    EXPECT_EQ(c->status().errors_total, 0u);
  }
}

TEST_F(ElectionEndToEnd, StoppingTheLeaderHandsOverAfterTheLease) {
  startServer();
  std::vector<ElectionClient*> all = {add("host-a"), add("host-b"), add("host-c")};
  ASSERT_TRUE(waitUntil([&] { return leadersOf(all).size() == 1; }));
  ElectionClient* old = leadersOf(all)[0];
  const std::string old_id = old->status().id;
  old->stop();  // returns after its last exchange: no renewal after this
  EXPECT_FALSE(old->isLeader());
  // The stopped agent still holds the seat until its lease runs out (unless it already has).
  const auto before = std::chrono::steady_clock::now();
  std::vector<ElectionLeader> seats = service_->leaders();
  ASSERT_LE(seats.size(), 1u);
  if (!seats.empty()) {
    ASSERT_EQ(seats[0].id, old_id);
  }
  const auto lease_end = seats.empty() ? before : seats[0].expires_at;

  std::vector<ElectionClient*> rest;
  for (ElectionClient* c : all) {
    if (c != old) rest.push_back(c);
  }
  ASSERT_TRUE(waitUntil([&] { return leadersOf(rest).size() == 1; }));
  const std::string new_id = leadersOf(rest)[0]->status().id;
  EXPECT_NE(new_id, old_id);
  seats = service_->leaders();
  ASSERT_EQ(seats.size(), 1u);
  EXPECT_EQ(seats[0].id, new_id);
  // The seat moved only once the old lease was over (server clock, not a timing assertion).
  EXPECT_GE(seats[0].elected_at, lease_end);
  EXPECT_EQ(service_->stats().elections, 2u);
  // The survivors agree on the new leader and stay with it.
  ASSERT_TRUE(waitUntil([&] {
    for (ElectionClient* c : rest) {
      if (c->status().leader != new_id) return false;
    }
    return true;
  }));
  EXPECT_EQ(leadersOf(rest).size(), 1u);
}

TEST_F(ElectionEndToEnd, EachWorkspaceGetsItsOwnLeader) {
  startServer();
  // tkn_a and tkn_a2 are two tokens of workspace 1; tkn_b is workspace 2.
  std::vector<ElectionClient*> ws1 = {add("a1", "tkn_a"), add("a2", "tkn_a"), add("a3", "tkn_a2")};
  std::vector<ElectionClient*> ws2 = {add("b1", "tkn_b"), add("b2", "tkn_b")};
  ElectionClient* stranger = add("x1", "tkn_unknown");
  ASSERT_TRUE(waitUntil([&] { return leadersOf(ws1).size() == 1 && leadersOf(ws2).size() == 1; }));
  ASSERT_TRUE(waitUntil([&] { return stranger->status().errors_total >= 2; }));
  EXPECT_FALSE(stranger->isLeader());
  EXPECT_EQ(stranger->status().last_error,
            R"(election failed: HTTP 403: {"code":403,"errorCode":"kodo.tokenNotFound",)"
            R"("message":"token not found"})");

  std::vector<ElectionLeader> seats = service_->leaders();
  ASSERT_EQ(seats.size(), 2u);
  EXPECT_EQ(seats[0].workspace, "wksp_1");
  EXPECT_EQ(seats[0].id, leadersOf(ws1)[0]->status().id);
  EXPECT_EQ(seats[1].workspace, "wksp_2");
  EXPECT_EQ(seats[1].id, leadersOf(ws2)[0]->status().id);
}

TEST_F(ElectionEndToEnd, ReplyIntervalBecomesTheAgentsTick) {
  startServer(/*reply_interval=*/1, /*lease=*/5s);
  ElectionClient* a = add("host-a");
  ElectionClient* b = add("host-b");
  ASSERT_TRUE(waitUntil([&] {
    return a->status().interval == 1s && b->status().interval == 1s &&
           (a->isLeader() != b->isLeader());
  }));
  EXPECT_EQ(service_->leaders().size(), 1u);
}

}  // namespace
}  // namespace sextant::server::election
