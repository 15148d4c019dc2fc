#include "agent/election/election_client.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/election/testing/fake_election_server.h"
#include "net/testing/raw_http.h"

namespace sextant::agent::election {
namespace {

using namespace std::chrono_literals;

// Polls `pred` every 5 ms for up to 20 s (generous: the suite runs under ASan on a shared box).
bool waitUntil(const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

// An HttpClient answering from a script; records every request. When the script runs out it
// repeats its last answer.
class ScriptedHttpClient : public net::HttpClient {
 public:
  using Answer = std::function<Result<net::ClientResponse>()>;

  void push(Answer a) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(a));
  }
  void pushReply(int status, std::string body) {
    push([status, body] {
      net::ClientResponse r;
      r.status = status;
      r.body = body;
      return Result<net::ClientResponse>(r);
    });
  }
  void pushError(Status st) {
    push([st] { return Result<net::ClientResponse>(st); });
  }

  Result<net::ClientResponse> send(const net::ClientRequest& request) override {
    Answer a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      if (script_.empty()) return unavailable("no script");
      a = script_.front();
      if (script_.size() > 1) script_.pop_front();
    }
    return a();
  }

  std::vector<net::ClientRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }

 private:
  mutable std::mutex mu_;
  std::deque<Answer> script_;
  std::vector<net::ClientRequest> requests_;
};

// An HttpClient over real sockets to 127.0.0.1 (net/testing/raw_http), for the fake server.
class RawHttpClient : public net::HttpClient {
 public:
  Result<net::ClientResponse> send(const net::ClientRequest& request) override {
    std::string_view url = request.url;
    constexpr std::string_view kPrefix = "http://127.0.0.1:";
    if (url.substr(0, kPrefix.size()) != kPrefix) return invalidArgument("bad url");
    url.remove_prefix(kPrefix.size());
    size_t slash = url.find('/');
    if (slash == std::string_view::npos) return invalidArgument("bad url");
    int port = std::stoi(std::string(url.substr(0, slash)));
    std::string raw = net::testing::simpleRequest(static_cast<uint16_t>(port), request.method,
                                                  std::string(url.substr(slash)), request.body);
    net::ClientResponse resp;
    resp.status = net::testing::statusOf(raw);
    if (resp.status == 0) return unavailable("no answer");
    resp.body = net::testing::bodyOf(raw);
    return resp;
  }
};

// Records on_change calls.
class Changes {
 public:
  std::function<void(bool)> callback() {
    return [this](bool leader) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(leader);
    };
  }
  std::vector<bool> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<bool> seen_;
};

std::string reply(std::string_view status, std::string_view incumbent, int interval = 0) {
  return R"({"content":{"status":")" + std::string(status) +
         R"(","namespace":"ns","id":"h1","incumbency_id":")" + std::string(incumbent) +
         R"(","error_msg":"","interval":)" + std::to_string(interval) + "}}";
}

ElectionClientOptions options(Changes* changes) {
  ElectionClientOptions o;
  o.enabled = true;
  o.election_namespace = "ns";
  o.id = "h1";
  o.dataway_url = "http://dw.example:9528?token=tkn_x";
  o.tick = 10ms;
  o.request_timeout = 1500ms;
  o.on_change = changes->callback();
  return o;
}

std::string pathOf(const std::string& url) {
  size_t b = url.find('/', url.find("://") + 3);
  return url.substr(b, url.find('?') - b);
}

TEST(ElectionStatusName, DataKitStrings) {
  EXPECT_EQ(electionStatusName(ElectionStatus::kDisabled), "disabled");
  EXPECT_EQ(electionStatusName(ElectionStatus::kSuccess), "success");
  EXPECT_EQ(electionStatusName(ElectionStatus::kDefeat), "defeat");
  EXPECT_EQ(electionStatusName(ElectionStatus::kBanned), "banned");
}

TEST(ElectionClient, DisabledDoesNothing) {
  ScriptedHttpClient http;
  Changes changes;
  ElectionClientOptions o = options(&changes);
  o.enabled = false;
  ElectionClient client(o, http);
  ASSERT_TRUE(client.start().isOk());
  client.stop();
  EXPECT_EQ(client.status().status, ElectionStatus::kDisabled);
  EXPECT_EQ(http.count(), 0u);
  EXPECT_TRUE(changes.seen().empty());
}

TEST(ElectionClient, NodeNotOnWhitelistIsBannedAndNeverCampaigns) {
  ScriptedHttpClient http;
  Changes changes;
  ElectionClientOptions o = options(&changes);
  o.node_whitelist = {"h2", "h3"};
  ElectionClient client(o, http);
  ASSERT_TRUE(client.start().isOk());
  ElectionState st = client.status();
  EXPECT_EQ(st.status, ElectionStatus::kBanned);
  EXPECT_EQ(st.pause_total, 1u);
  EXPECT_EQ(changes.seen(), std::vector<bool>{false});
  client.stop();
  EXPECT_EQ(http.count(), 0u);
  EXPECT_FALSE(client.isLeader());
}

TEST(ElectionClient, WhitelistedNodeCampaigns) {
  ScriptedHttpClient http;
  http.pushReply(200, reply("defeat", "h9"));
  Changes changes;
  ElectionClientOptions o = options(&changes);
  o.node_whitelist = {"h2", "h1"};
  ElectionClient client(o, http);
  ASSERT_TRUE(client.start().isOk());
  ASSERT_TRUE(waitUntil([&] { return http.count() >= 2; }));
  client.stop();
  EXPECT_EQ(client.status().status, ElectionStatus::kDefeat);
  EXPECT_EQ(client.status().leader, "h9");
}

TEST(ElectionClient, CampaignRequestShape) {
  ScriptedHttpClient http;
  http.pushReply(200, reply("defeat", "other"));
  Changes changes;
  ElectionClientOptions o = options(&changes);
  o.id = "host a/1";
  o.dataway_url = "https://openway.example.com/ignored/path?token=tkn_x&extra=1";
  o.headers = {{"User-Agent", "sextant-test"}};
  ElectionClient client(o, http);
  ASSERT_TRUE(client.start().isOk());
  ASSERT_TRUE(waitUntil([&] { return http.count() >= 1; }));
  client.stop();
  net::ClientRequest r = http.requests().front();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(
      r.url,
      "https://openway.example.com/v1/election?extra=1&token=tkn_x&namespace=ns&id=host+a%2F1");
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.timeout, 1500ms);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "sextant-test");
}

TEST(ElectionClient, StartRejectsBadConfiguration) {
  ScriptedHttpClient http;
  Changes changes;
  {
    ElectionClientOptions o = options(&changes);
    o.dataway_url = "http://dw.example:9528?x=1";  // DataKit: "token missing"
    ElectionClient client(o, http);
    Status st = client.start();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("token missing"), std::string::npos);
  }
  {
    ElectionClientOptions o = options(&changes);
    o.dataway_url = "dw.example:9528?token=a";
    ElectionClient client(o, http);
    EXPECT_EQ(client.start().code(), StatusCode::kInvalidArgument);
  }
  {
    ElectionClientOptions o = options(&changes);
    o.id = "";
    ElectionClient client(o, http);
    EXPECT_EQ(client.start().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(http.count(), 0u);
  EXPECT_TRUE(changes.seen().empty());
}

TEST(ElectionClient, WinsKeepsTheSeatAndLosesItOnADefeatHeartbeat) {
  ScriptedHttpClient http;
  http.pushReply(200, reply("success", "h1"));  // campaign
  http.pushReply(200, reply("success", "h1"));  // heartbeat
  http.pushReply(200, reply("defeat", "h2"));   // heartbeat
  http.pushReply(200, reply("defeat", "h2"));   // campaigns from then on
  Changes changes;
  ElectionClient client(options(&changes), http);
  ASSERT_TRUE(client.start().isOk());
  ASSERT_TRUE(waitUntil([&] { return http.count() >= 5; }));
  client.stop();

  std::vector<net::ClientRequest> reqs = http.requests();
  EXPECT_EQ(pathOf(reqs[0].url), "/v1/election");
  EXPECT_EQ(pathOf(reqs[1].url), "/v1/election/heartbeat");
  EXPECT_EQ(reqs[1].url,
            "http://dw.example:9528/v1/election/heartbeat?token=tkn_x&namespace=ns&id=h1");
  EXPECT_EQ(pathOf(reqs[2].url), "/v1/election/heartbeat");
  EXPECT_EQ(pathOf(reqs[3].url), "/v1/election");
  EXPECT_EQ(pathOf(reqs[4].url), "/v1/election");

  EXPECT_EQ(changes.seen(), (std::vector<bool>{false, true, false}));
  ElectionState st = client.status();
  EXPECT_EQ(st.status, ElectionStatus::kDefeat);
  EXPECT_EQ(st.leader, "h2");
  EXPECT_EQ(st.election_namespace, "ns");
  EXPECT_EQ(st.id, "h1");
  EXPECT_EQ(st.pause_total, 2u);
  EXPECT_EQ(st.resume_total, 1u);
  EXPECT_EQ(st.errors_total, 0u);
  EXPECT_EQ(st.last_error, "");
}

TEST(ElectionClient, HeartbeatErrorsDoNotDropLeadership) {
  ScriptedHttpClient http;
  http.pushReply(200, reply("success", "h1"));
  http.pushReply(503, "busy");
  http.pushError(unavailable("connection refused"));
  http.pushReply(200, "not json");
  http.pushReply(200, reply("success", "h1"));
  Changes changes;
  ElectionClient client(options(&changes), http);
  ASSERT_TRUE(client.start().isOk());
  ASSERT_TRUE(waitUntil([&] { return http.count() >= 6; }));
  client.stop();

  std::vector<net::ClientRequest> reqs = http.requests();
  for (size_t i = 1; i < 6; ++i) EXPECT_EQ(pathOf(reqs[i].url), "/v1/election/heartbeat") << i;
  // Only the start (false), the win (true) and stop() (false): errors changed nothing.
  EXPECT_EQ(changes.seen(), (std::vector<bool>{false, true, false}));
  ElectionState st = client.status();
  EXPECT_EQ(st.errors_total, 3u);
  EXPECT_EQ(st.last_error.rfind("election heartbeat failed: bad reply", 0), 0u) << st.last_error;
}

TEST(ElectionClient, CampaignErrorsAreRecordedAndRetried) {
  ScriptedHttpClient http;
  http.pushReply(500, R"({"error_code":"dataway.internal"})");
  http.pushError(Status(StatusCode::kDeadlineExceeded, "timeout"));
  http.pushReply(200, reply("maybe", "h7"));
  http.pushReply(200, R"({"content":{"interval":"4"}})");
  http.pushReply(200, reply("defeat", "h7"));
  Changes changes;
  ElectionClient client(options(&changes), http);
  ASSERT_TRUE(client.start().isOk());

  ASSERT_TRUE(waitUntil([&] { return client.status().errors_total >= 1; }));
  EXPECT_EQ(client.status().last_error,
            R"(election failed: HTTP 500: {"error_code":"dataway.internal"})");
  ASSERT_TRUE(waitUntil([&] { return http.count() >= 6; }));
  client.stop();

  ElectionState st = client.status();
  EXPECT_EQ(st.errors_total, 4u);  // 500, timeout, unknown status, bad interval
  EXPECT_EQ(st.status, ElectionStatus::kDefeat);
  EXPECT_EQ(st.leader, "h7");
  EXPECT_EQ(st.interval, 10ms);  // no reply carried a positive interval
  for (const auto& r : http.requests()) EXPECT_EQ(pathOf(r.url), "/v1/election");
  EXPECT_EQ(changes.seen(), std::vector<bool>{false});
}

TEST(ElectionClient, UnknownStatusIsAnError) {
  ScriptedHttpClient http;
  http.pushReply(200, reply("maybe", "h7"));
  Changes changes;
  ElectionClient client(options(&changes), http);
  ASSERT_TRUE(client.start().isOk());
  ASSERT_TRUE(waitUntil([&] { return client.status().errors_total >= 1; }));
  client.stop();
  EXPECT_EQ(client.status().last_error, "unknown election status: maybe");
  EXPECT_EQ(client.status().status, ElectionStatus::kDefeat);
}

TEST(ElectionClient, ReplyIntervalReplacesTheTick) {
  ScriptedHttpClient http;
  http.pushReply(200, reply("defeat", "h2", /*interval=*/3600));
  Changes changes;
  ElectionClient client(options(&changes), http);  // tick 10 ms
  ASSERT_TRUE(client.start().isOk());
  ASSERT_TRUE(waitUntil([&] { return client.status().interval == 3600s; }));
  // With the 10 ms tick there would be dozens of campaigns by now; the reply said an hour.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(http.count(), 1u);
  client.stop();  // interrupts the hour-long sleep
  EXPECT_EQ(http.count(), 1u);
}

TEST(ElectionClient, ErrorsRetryAtTheCurrentInterval) {
  ScriptedHttpClient http;
  http.pushError(unavailable("refused"));
  http.pushReply(200, reply("defeat", "h2", /*interval=*/3600));
  Changes changes;
  ElectionClient client(options(&changes), http);
  ASSERT_TRUE(client.start().isOk());
  // The error is retried after the 10 ms tick; the reply then sets an hour.
  ASSERT_TRUE(waitUntil([&] { return client.status().interval == 3600s; }));
  client.stop();
  EXPECT_EQ(http.count(), 2u);
}

TEST(ElectionClient, StopWhileLeaderReportsNotLeader) {
  ScriptedHttpClient http;
  http.pushReply(200, reply("success", "h1", 3600));
  Changes changes;
  ElectionClient client(options(&changes), http);
  ASSERT_TRUE(client.start().isOk());
  ASSERT_TRUE(waitUntil([&] { return client.isLeader(); }));
  client.stop();
  EXPECT_FALSE(client.isLeader());
  EXPECT_EQ(changes.seen(), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(client.status().status, ElectionStatus::kDefeat);
  client.stop();  // idempotent
  EXPECT_EQ(changes.seen().size(), 3u);
}

// --- against the fake election server -----------------------------------------------------

class ElectionWithServer : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::FakeElectionServerOptions o;
    o.lease = 2s;
    o.reply_interval = 0;  // clients keep their 20 ms tick
    server_ = std::make_unique<testing::FakeElectionServer>(o);
    ASSERT_TRUE(server_->start().isOk());
  }
  void TearDown() override {
    for (auto& c : clients_) c->stop();
    server_->stop();
  }
  ElectionClient* add(const std::string& id, const std::string& ns = "default",
                      const std::string& token = "tkn_a") {
    ElectionClientOptions o;
    o.enabled = true;
    o.id = id;
    o.election_namespace = ns;
    o.dataway_url = server_->datawayUrl(token);
    o.tick = 20ms;
    o.request_timeout = 5s;
    clients_.push_back(std::make_unique<ElectionClient>(o, http_));
    EXPECT_TRUE(clients_.back()->start().isOk());
    return clients_.back().get();
  }
  std::vector<ElectionClient*> leaders() {
    std::vector<ElectionClient*> out;
    for (auto& c : clients_) {
      if (c->isLeader()) out.push_back(c.get());
    }
    return out;
  }

  RawHttpClient http_;
  std::unique_ptr<testing::FakeElectionServer> server_;
  std::vector<std::unique_ptr<ElectionClient>> clients_;
};

TEST_F(ElectionWithServer, ThreeClientsElectOneLeader) {
  add("a");
  add("b");
  add("c");
  ASSERT_TRUE(waitUntil([&] { return leaders().size() == 1; }));
  // Let everyone campaign a few more times: still exactly one leader, the server's.
  uint64_t campaigns = server_->campaigns();
  ASSERT_TRUE(waitUntil([&] { return server_->campaigns() >= campaigns + 6; }));
  std::vector<ElectionClient*> now = leaders();
  ASSERT_EQ(now.size(), 1u);
  std::string id = now[0]->status().id;
  EXPECT_EQ(server_->leader("tkn_a", "default"), id);
  for (auto& c : clients_) EXPECT_EQ(c->status().leader, id);
  EXPECT_GT(server_->heartbeats(), 0u);
}

TEST_F(ElectionWithServer, AnotherClientTakesOverWhenTheLeaderStops) {
  add("a");
  add("b");
  add("c");
  ASSERT_TRUE(waitUntil([&] { return leaders().size() == 1; }));
  ElectionClient* old = leaders()[0];
  std::string old_id = old->status().id;
  old->stop();
  EXPECT_FALSE(old->isLeader());
  // The seat stays with the stopped node until its 2 s lease runs out, then another wins it.
  ASSERT_TRUE(waitUntil([&] {
    std::vector<ElectionClient*> l = leaders();
    return l.size() == 1 && l[0] != old;
  }));
  std::string new_id = leaders()[0]->status().id;
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(server_->leader("tkn_a", "default"), new_id);
}

TEST_F(ElectionWithServer, NamespacesAndTokensAreIndependent) {
  ElectionClient* a = add("a", "ns1");
  ElectionClient* b = add("b", "ns2");
  ElectionClient* c = add("c", "ns1", "tkn_other");
  ASSERT_TRUE(waitUntil([&] { return a->isLeader() && b->isLeader() && c->isLeader(); }));
  EXPECT_EQ(server_->leader("tkn_a", "ns1"), "a");
  EXPECT_EQ(server_->leader("tkn_a", "ns2"), "b");
  EXPECT_EQ(server_->leader("tkn_other", "ns1"), "c");
  ElectionClient* d = add("d", "ns1");
  uint64_t campaigns = server_->campaigns();
  ASSERT_TRUE(waitUntil([&] { return server_->campaigns() >= campaigns + 3; }));
  EXPECT_FALSE(d->isLeader());
  EXPECT_EQ(d->status().leader, "a");
}

TEST_F(ElectionWithServer, ErrorRepliesKeepClientsCampaigning) {
  server_->failRequests(503, R"({"message":"overloaded"})");
  ElectionClient* a = add("a");
  ASSERT_TRUE(waitUntil([&] { return a->status().errors_total >= 2; }));
  EXPECT_FALSE(a->isLeader());
  EXPECT_EQ(a->status().last_error, R"(election failed: HTTP 503: {"message":"overloaded"})");
  server_->failRequests(0);
  ASSERT_TRUE(waitUntil([&] { return a->isLeader(); }));
  // Heartbeat errors: the leader keeps its seat (DataKit) until a heartbeat says defeat.
  server_->failRequests(500, "down");
  uint64_t errors = a->status().errors_total;
  ASSERT_TRUE(waitUntil([&] { return a->status().errors_total >= errors + 2; }));
  EXPECT_TRUE(a->isLeader());
  EXPECT_EQ(a->status().last_error, "election heartbeat failed: HTTP 500: down");
}

TEST_F(ElectionWithServer, ReplyIntervalFromTheServerIsHonoured) {
  server_->setReplyInterval(3600);
  ElectionClient* a = add("a");
  ASSERT_TRUE(waitUntil([&] { return a->status().interval == 3600s; }));
  EXPECT_TRUE(a->isLeader());
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(server_->campaigns() + server_->heartbeats(), 1u);
}

// The same over the real HttpClient (Beast, keep-alive pool) instead of the raw test client.
TEST(ElectionOverRealHttpClient, ElectsAndHandsOver) {
  testing::FakeElectionServerOptions so;
  so.lease = 1s;
  so.reply_interval = 0;
  testing::FakeElectionServer server(so);
  ASSERT_TRUE(server.start().isOk());
  std::unique_ptr<net::HttpClient> http = net::makeHttpClient();
  std::vector<std::unique_ptr<ElectionClient>> clients;
  for (const char* id : {"a", "b"}) {
    ElectionClientOptions o;
    o.enabled = true;
    o.id = id;
    o.dataway_url = server.datawayUrl("tkn_real");
    o.tick = 20ms;
    o.request_timeout = 5s;
    clients.push_back(std::make_unique<ElectionClient>(o, *http));
    ASSERT_TRUE(clients.back()->start().isOk());
  }
  ASSERT_TRUE(waitUntil([&] { return clients[0]->isLeader() != clients[1]->isLeader(); }));
  size_t first = clients[0]->isLeader() ? 0 : 1;
  EXPECT_EQ(server.leader("tkn_real", "default"), clients[first]->status().id);
  clients[first]->stop();
  ASSERT_TRUE(waitUntil([&] { return clients[1 - first]->isLeader(); }));
  EXPECT_EQ(server.leader("tkn_real", "default"), clients[1 - first]->status().id);
  EXPECT_EQ(clients[1 - first]->status().errors_total, 0u);
  for (auto& c : clients) c->stop();
  server.stop();
}

// --- the fake server's wire format ---------------------------------------------------------

TEST(FakeElectionServer, RepliesInDataKitsShape) {
  testing::FakeElectionServerOptions o;
  o.lease = 60s;
  testing::FakeElectionServer server(o);
  ASSERT_TRUE(server.start().isOk());
  auto post = [&](const std::string& target) {
    return net::testing::simpleRequest(server.port(), "POST", target);
  };
  std::string r = post("/v1/election?token=t&namespace=ns&id=a");
  EXPECT_EQ(net::testing::statusOf(r), 200);
  EXPECT_EQ(net::testing::bodyOf(r),
            R"({"content":{"status":"success","namespace":"ns","id":"a","incumbency_id":"a",)"
            R"("error_msg":"","interval":4}})");
  r = post("/v1/election?token=t&namespace=ns&id=b");
  EXPECT_EQ(net::testing::bodyOf(r),
            R"({"content":{"status":"defeat","namespace":"ns","id":"b","incumbency_id":"a",)"
            R"("error_msg":"","interval":4}})");
  r = post("/v1/election/heartbeat?token=t&namespace=ns&id=b");
  EXPECT_NE(net::testing::bodyOf(r).find(R"("status":"defeat")"), std::string::npos);
  r = post("/v1/election/heartbeat?token=t&namespace=ns&id=a");
  EXPECT_NE(net::testing::bodyOf(r).find(R"("status":"success")"), std::string::npos);
  r = post("/v1/election?namespace=ns&id=a");
  EXPECT_EQ(net::testing::statusOf(r), 401);
  r = post("/v1/election?token=t&namespace=ns");
  EXPECT_EQ(net::testing::statusOf(r), 400);
  EXPECT_EQ(server.campaigns(), 4u);
  EXPECT_EQ(server.heartbeats(), 2u);
  server.stop();
}

TEST(FakeElectionServer, AnExpiredLeaseGoesToTheNextCampaigner) {
  testing::FakeElectionServerOptions o;
  o.lease = 50ms;
  testing::FakeElectionServer server(o);
  ASSERT_TRUE(server.start().isOk());
  auto post = [&](const std::string& target) {
    return net::testing::bodyOf(net::testing::simpleRequest(server.port(), "POST", target));
  };
  EXPECT_NE(post("/v1/election?token=t&namespace=&id=a").find(R"("status":"success")"),
            std::string::npos);
  ASSERT_TRUE(waitUntil([&] { return server.leader("t", "").empty(); }));
  EXPECT_NE(post("/v1/election?token=t&namespace=&id=b").find(R"("status":"success")"),
            std::string::npos);
  EXPECT_EQ(server.leader("t", ""), "b");
  EXPECT_NE(post("/v1/election/heartbeat?token=t&namespace=&id=a").find(R"("status":"defeat")"),
            std::string::npos);
  server.stop();
}

}  // namespace
}  // namespace sextant::agent::election
