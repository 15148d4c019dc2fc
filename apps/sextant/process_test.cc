// The `sextant agent` process end to end: the real binary, a fake DataWay on loopback, clients
// writing line protocol. The backend goes away (503, then down) under steady writes and the agent
// is killed with SIGKILL and restarted on the same install dir: every point the agent answered
// 200 for must reach the backend (at-least-once: duplicates allowed, losses not).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "agent/uploader/testing/fake_dataway.h"
#include "codec/point_pb/point_pb.h"
#include "core/testing/temp_dir.h"
#include "net/testing/raw_http.h"
#include "server/server.h"
#include "sextant_process_testing.h"

namespace sextant {
namespace {

using namespace std::chrono_literals;
using net::testing::simpleRequest;
using net::testing::statusOf;
using sextant::testing::AgentProcess;
using sextant::testing::SextantProcess;

void writeFile(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// Posts batch `b` (points b*kPerBatch .. +kPerBatch-1, field seq) and says whether the agent
// answered 200.
constexpr int kPerBatch = 50;
bool postBatch(uint16_t port, int b) {
  std::string body;
  for (int i = 0; i < kPerBatch; ++i) {
    int seq = b * kPerBatch + i;
    body +=
        "steady,writer=t seq=" + std::to_string(seq) + "i,pad=\"" + std::string(100, 'x') + "\"\n";
  }
  return statusOf(simpleRequest(port, "POST", "/v1/write/metric", body)) == 200;
}

std::set<int64_t> seqsReceived(const agent::testing::FakeDataway& dw) {
  std::set<int64_t> out;
  for (const model::Point& p : dw.points(model::Category::kMetric)) {
    if (p.measurement != "steady") continue;
    if (const model::Field* f = p.findField("seq")) out.insert(std::get<int64_t>(f->value));
  }
  return out;
}

TEST(AgentProcessTest, EveryAcceptedPointArrivesAcrossOutageAndKill9) {
  sextant::testing::TempDir dir;
  agent::testing::FakeDataway dw;
  ASSERT_TRUE(dw.start().isOk());
  writeFile(std::filesystem::path(dir.path()) / "conf.d" / "datakit.conf",
            "default_enabled_inputs = []\n"
            "[dataway]\n  urls = [\"" +
                dw.url() +
                "\"]\n  retry_delay = \"50ms\"\n"
                "  timeout_v2 = \"2s\"\n"
                "[io]\n  flush_interval = \"100ms\"\n");

  std::mutex mu;
  std::set<int64_t> accepted;
  auto post = [&](uint16_t port, int b) {
    if (!postBatch(port, b)) return false;
    std::lock_guard lock(mu);
    for (int i = 0; i < kPerBatch; ++i) accepted.insert(b * kPerBatch + i);
    return true;
  };
  int batch = 0;
  {
    AgentProcess agent(dir.path());
    ASSERT_NE(agent.port(), 0) << "agent did not start";
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(post(agent.port(), batch++));  // backend up
    dw.failWith(503);
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(post(agent.port(), batch++));  // answers 503
    dw.stop();
    // Backend down; a writer keeps posting while the agent is killed mid-stream.
    std::atomic<int> next{batch};
    std::thread writer([&] {
      while (post(agent.port(), next++)) {
      }
    });
    std::this_thread::sleep_for(500ms);
    int status = agent.kill(SIGKILL);
    writer.join();
    batch = next;
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }
  EXPECT_GT(accepted.size(), 40u * kPerBatch) << "the agent refused writes while the backend "
                                                 "was away";
  dw.failWith(0);
  ASSERT_TRUE(dw.start().isOk());
  {
    AgentProcess agent(dir.path());  // drains what the killed one queued
    ASSERT_NE(agent.port(), 0) << "agent did not restart";
    for (int i = 0; i < 10; ++i) post(agent.port(), batch++);
    for (int i = 0; i < 300 && seqsReceived(dw).size() < accepted.size(); ++i) {
      std::this_thread::sleep_for(50ms);
    }
    agent.kill(SIGTERM);
  }
  std::set<int64_t> got = seqsReceived(dw);
  std::vector<int64_t> missing;
  std::set_difference(accepted.begin(), accepted.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  EXPECT_TRUE(missing.empty()) << missing.size() << " accepted points never arrived, first "
                               << (missing.empty() ? -1 : missing.front());
  // Beyond those, at most the batch in flight at the kill may arrive (queued, answer lost), and
  // nothing that was never sent.
  EXPECT_LE(got.size(), accepted.size() + kPerBatch);
  EXPECT_LT(*got.rbegin(), static_cast<int64_t>(batch) * kPerBatch);
}

TEST(AgentProcessTest, SighupReloadsInputsAndKeepsQueuedData) {
  sextant::testing::TempDir dir;
  agent::testing::FakeDataway dw;
  ASSERT_TRUE(dw.start().isOk());
  const std::string url = dw.url();
  dw.stop();  // data accepted before the reload waits in the queue
  writeFile(std::filesystem::path(dir.path()) / "conf.d" / "datakit.conf",
            "default_enabled_inputs = []\n"
            "[dataway]\n  urls = [\"" +
                url +
                "\"]\n  retry_delay = \"50ms\"\n"
                "[io]\n  flush_interval = \"100ms\"\n");
  AgentProcess agent(dir.path());
  ASSERT_NE(agent.port(), 0);
  std::string metrics = net::testing::bodyOf(simpleRequest(agent.port(), "GET", "/metrics"));
  EXPECT_EQ(metrics.find("input=\"mem\""), std::string::npos);
  ASSERT_TRUE(postBatch(agent.port(), 0));

  // A new input file, then SIGHUP: the mem input runs and the queued batch is still delivered.
  writeFile(std::filesystem::path(dir.path()) / "conf.d" / "host" / "mem.conf",
            "[[inputs.mem]]\n  interval = \"1s\"\n");
  agent.signal(SIGHUP);
  for (int i = 0; i < 200 && metrics.find("input=\"mem\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    metrics = net::testing::bodyOf(simpleRequest(agent.port(), "GET", "/metrics"));
  }
  EXPECT_NE(metrics.find("input=\"mem\""), std::string::npos) << metrics;
  ASSERT_TRUE(dw.start().isOk());
  EXPECT_TRUE(dw.waitForPoints(model::Category::kMetric, kPerBatch, 20s));
  bool mem_arrived = false;
  for (int i = 0; i < 200 && !mem_arrived; ++i) {
    for (const model::Point& p : dw.points(model::Category::kMetric)) {
      mem_arrived = mem_arrived || p.measurement == "mem";
    }
    if (!mem_arrived) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(mem_arrived);
  EXPECT_EQ(seqsReceived(dw).size(), static_cast<size_t>(kPerBatch));
}

// `sextant server` under steady writes is killed with SIGKILL while its storage engine flushes and
// merges every 50 ms: every batch it answered 200 for is stored afterwards.
TEST(ServerProcessTest, EveryAcknowledgedPointSurvivesKill9) {
  sextant::testing::TempDir dir;
  const std::string data = dir.path() + "/data";
  SextantProcess server(
      {"server", "--data-dir", data, "--listen", "127.0.0.1:0", "--flush-interval", "50ms"});
  ASSERT_NE(server.port(), 0) << "server did not start";
  std::ifstream token_file(data + "/default.token");
  std::string token;
  token_file >> token;
  ASSERT_TRUE(token.starts_with("tkn_")) << token;

  std::mutex mu;
  std::set<int64_t> acked;
  std::atomic<int> next{0};
  std::vector<std::thread> writers;
  const std::string now = std::to_string(std::time(nullptr)) + "000000000";
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&] {
      for (;;) {
        int b = next++;
        std::string body;
        for (int i = 0; i < kPerBatch; ++i) {
          body += "steady seq=" + std::to_string(b * kPerBatch + i) + "i " + now + "\n";
        }
        std::string r =
            simpleRequest(server.port(), "POST", "/v1/write/metric?token=" + token, body);
        if (statusOf(r) != 200) return;  // killed
        std::lock_guard lock(mu);
        for (int i = 0; i < kPerBatch; ++i) acked.insert(b * kPerBatch + i);
      }
    });
  }
  std::this_thread::sleep_for(700ms);
  int status = server.kill(SIGKILL);
  size_t parts = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(data + "/storage")) {
    parts += e.path().extension() == ".part" ? 1 : 0;
  }
  EXPECT_GT(parts, 0u) << "no flush happened before the kill";
  for (auto& t : writers) t.join();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_GT(acked.size(), 0u);

  std::set<int64_t> stored;
  Status st = server::readStoredPoints(
      data, [&](const std::string&, model::Category, std::vector<model::Point>&& pts) {
        for (const model::Point& p : pts)
          stored.insert(std::get<int64_t>(p.findField("seq")->value));
        return Status::ok();
      });
  ASSERT_TRUE(st.isOk()) << st.toString();
  std::vector<int64_t> missing;
  std::set_difference(acked.begin(), acked.end(), stored.begin(), stored.end(),
                      std::back_inserter(missing));
  EXPECT_TRUE(missing.empty()) << missing.size() << " acknowledged points lost of " << acked.size();
}

// `sextant standalone`: a point written to the agent is stored by the backend.
TEST(StandaloneProcessTest, AgentShipsToItsOwnServer) {
  sextant::testing::TempDir dir;
  writeFile(std::filesystem::path(dir.path()) / "conf.d" / "datakit.conf",
            "default_enabled_inputs = []\n[io]\n  flush_interval = \"100ms\"\n");
  SextantProcess standalone({"standalone", "--install-dir", dir.path(), "--listen", "127.0.0.1:0",
                             "--server-listen", "127.0.0.1:0"});
  ASSERT_NE(standalone.port(), 0) << "standalone did not start";
  ASSERT_TRUE(postBatch(standalone.port(), 0));
  std::string metrics;
  for (int i = 0; i < 300; ++i) {
    metrics = net::testing::bodyOf(simpleRequest(standalone.port(), "GET", "/metrics"));
    if (metrics.find("status=\"ok\"} " + std::to_string(kPerBatch)) != std::string::npos) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(metrics.find("datakit_io_dataway_point_total"), std::string::npos) << metrics;
  // The agent hands its batches to the server in-process: the server's listener saw no write.
  ASSERT_NE(standalone.serverPort(), 0);
  std::string server_metrics =
      net::testing::bodyOf(simpleRequest(standalone.serverPort(), "GET", "/metrics"));
  EXPECT_NE(server_metrics.find("sextant_ingest_write_requests_total{transport=\"http\"} 0\n"),
            std::string::npos)
      << server_metrics;
  EXPECT_EQ(
      server_metrics.find("sextant_ingest_write_requests_total{transport=\"in_process\"} 0\n"),
      std::string::npos)
      << server_metrics;
  standalone.kill(SIGTERM);
  std::set<int64_t> stored;
  Status st = server::readStoredPoints(
      dir.path() + "/data",
      [&](const std::string&, model::Category, std::vector<model::Point>&& pts) {
        for (const model::Point& p : pts) {
          if (const model::Field* f = p.findField("seq"))
            stored.insert(std::get<int64_t>(f->value));
        }
        return Status::ok();
      });
  ASSERT_TRUE(st.isOk()) << st.toString();
  EXPECT_EQ(stored.size(), static_cast<size_t>(kPerBatch));
}

}  // namespace
}  // namespace sextant
