#include "agent/election/election_client.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

}  // namespace
}  // namespace sextant::agent::election
