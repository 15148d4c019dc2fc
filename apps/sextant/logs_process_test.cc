// Issue 7's end-to-end log test: the real `sextant agent` binary tails files that a writer keeps
// appending to and rotating (rename + create, and one copytruncate), and ships to a real server
// (in this process); the server's DQL then counts the lines: every line exactly once. The second
// test kills the agent with SIGKILL while it is tailing, rotates while it is down, restarts it:
// no line lost, and duplicates only from the window since the last checkpoint.
//
// Lines: SEXTANT_E2E_LOG_LINES (default 200000; the issue's 1 M: run with 1000000).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "core/testing/temp_dir.h"
#include "net/http_client.h"
#include "server/server.h"
#include "sextant_process_testing.h"

namespace sextant {
namespace {

using namespace std::chrono_literals;
using sextant::testing::AgentProcess;

int64_t totalLines() {
  const char* v = std::getenv("SEXTANT_E2E_LOG_LINES");
  return v != nullptr && *v != '\0' ? std::atoll(v) : 200'000;
}

// Appends numbered lines to <dir>/app.log and rotates it: rename to app.log.<k> + a new app.log
// every `rotate_every` lines; rotation number `copytruncate_at` copies to copy-<k>.bak (outside
// the agent's glob) and truncates in place instead. copytruncate loses what the tailer has not
// read yet by design (logrotate says so too), so `before_copytruncate` (given the lines written
// so far) may wait for the reader first, as a real tailer keeps up between logrotate runs.
class LogWriter {
 public:
  LogWriter(std::string dir, int64_t rotate_every, int copytruncate_at,
            std::function<void(int64_t)> before_copytruncate = {})
      : dir_(std::move(dir)),
        rotate_every_(rotate_every),
        copytruncate_at_(copytruncate_at),
        before_copytruncate_(std::move(before_copytruncate)) {
    out_.open(path(), std::ios::app);
  }
  // Writes lines [next, until).
  void writeUntil(int64_t until) {
    std::string buf;
    for (; next_ < until; ++next_) {
      char line[96];
      int n = std::snprintf(line, sizeof(line),
                            "2026-11-22T03:00:00Z INFO line-%09lld user=u%lld took=%lldms\n",
                            static_cast<long long>(next_), static_cast<long long>(next_ % 97),
                            static_cast<long long>(next_ % 1000));
      buf.append(line, static_cast<size_t>(n));
      if (buf.size() > (64 << 10)) flush(&buf);
      if ((next_ + 1) % rotate_every_ == 0) {
        flush(&buf);
        rotate();
      }
    }
    flush(&buf);
  }
  void rotate() {
    out_.close();
    ++rotations_;
    if (rotations_ == copytruncate_at_) {
      if (before_copytruncate_) before_copytruncate_(next_ + 1);
      std::filesystem::copy_file(path(), dir_ + "/copy-" + std::to_string(rotations_) + ".bak");
      std::filesystem::resize_file(path(), 0);
    } else {
      std::filesystem::rename(path(), path() + "." + std::to_string(rotations_));
    }
    out_.open(path(), std::ios::app);
  }
  int64_t written() const { return next_; }

 private:
  std::string path() const { return dir_ + "/app.log"; }
  void flush(std::string* buf) {
    out_ << *buf;
    out_.flush();
    buf->clear();
  }

  std::string dir_;
  int64_t rotate_every_;
  int copytruncate_at_;
  std::function<void(int64_t)> before_copytruncate_;
  int rotations_ = 0;
  int64_t next_ = 0;
  std::ofstream out_;
};

class LogsProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions so;
    so.data_dir = dir_.path() + "/data";
    so.listen = "127.0.0.1:0";
    server_ = std::make_unique<server::Server>(so);
    ASSERT_TRUE(server_->start().isOk());
    std::filesystem::create_directories(logs());
    std::filesystem::create_directories(install() + "/conf.d/log");
    std::ofstream(install() + "/conf.d/datakit.conf")
        << "default_enabled_inputs = []\n[dataway]\n  urls = [\"http://" << server_->listenAddress()
        << "?token=" << server_->defaultToken() << "\"]\n";
    std::ofstream(install() + "/conf.d/log/app.conf")
        << "[[inputs.logging]]\n  logfiles = [\"" << logs() << "/app.log*\"]\n"
        << "  source = \"e2e\"\n  checkpoint_interval = \"500ms\"\n";
  }

  std::string install() const { return dir_.path() + "/agent"; }
  std::string logs() const { return dir_.path() + "/logs"; }

  // count(message) and count_distinct(message) of the e2e log lines in the server.
  std::pair<int64_t, int64_t> counts() {
    net::ClientRequest req;
    req.method = "POST";
    req.url =
        "http://" + server_->listenAddress() + "/v1/query/raw?token=" + server_->defaultToken();
    req.body =
        R"json({"queries":[{"qtype":"dql","query":"L::e2e:(count(message), count_distinct(message))","time_range":[0,)json" +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count() +
                       3'600'000) +
        "]}]}";
    auto resp = client_->send(req);
    if (!resp.isOk() || resp->status != 200) return {-1, -1};
    simdjson::dom::element doc;
    if (parser_.parse(resp->body).get(doc) != simdjson::SUCCESS) return {-1, -1};
    simdjson::dom::array series;
    if (doc["content"].at(0)["series"].get(series) != simdjson::SUCCESS || series.size() == 0)
      return {0, 0};
    simdjson::dom::array row = series.at(0)["values"].at(0).get_array();
    return {int64_t(double(row.at(1))), int64_t(double(row.at(2)))};
  }

  // Waits until the server holds at least `want` distinct lines (duplicates do not count: with
  // them the total passes `want` before the last lines are in); the last counts.
  std::pair<int64_t, int64_t> waitFor(int64_t want, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::pair<int64_t, int64_t> c{0, 0};
    while (std::chrono::steady_clock::now() < deadline) {
      c = counts();
      if (c.second >= want) break;
      std::this_thread::sleep_for(300ms);
    }
    return c;
  }

  sextant::testing::TempDir dir_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<net::HttpClient> client_ = net::makeHttpClient();
  simdjson::dom::parser parser_;
};

TEST_F(LogsProcessTest, RotatingFilesEveryLineExactlyOnce) {
  const int64_t n = totalLines();
  AgentProcess agent(install());
  ASSERT_NE(agent.port(), 0);
  // 7 rotations, the third a copytruncate once the agent has shipped what was written.
  LogWriter writer(logs(), n / 7 + 1, 3, [&](int64_t written) { waitFor(written, 300s); });
  std::thread write([&] {
    for (int64_t at = 0; at < n; at += n / 20 + 1) {
      writer.writeUntil(std::min(n, at + n / 20 + 1));
      std::this_thread::sleep_for(50ms);  // the agent tails while the writer goes on
    }
  });
  write.join();
  auto [count, distinct] = waitFor(n, 300s);
  EXPECT_EQ(distinct, n);
  EXPECT_EQ(count, n) << "duplicates without a crash";
  std::this_thread::sleep_for(1500ms);  // nothing more arrives
  EXPECT_EQ(counts().first, n);
}

TEST_F(LogsProcessTest, Kill9LosesNothingAndDuplicatesOnlyTheLastWindow) {
  const int64_t n = totalLines();
  const int64_t phase1 = n * 2 / 5, phase2 = n * 3 / 5;
  LogWriter writer(logs(), n / 5 + 1, 0);
  auto agent = std::make_unique<AgentProcess>(install());
  ASSERT_NE(agent->port(), 0);
  // Phase 1: written, shipped and checkpointed (the checkpoint interval is 500 ms).
  writer.writeUntil(phase1);
  ASSERT_EQ(waitFor(phase1, 300s).first, phase1);
  std::this_thread::sleep_for(1500ms);
  // Phase 2: killed while tailing it.
  std::thread write([&] { writer.writeUntil(phase2); });
  waitFor(phase1 + (phase2 - phase1) / 4, 300s);
  agent->kill(SIGKILL);
  write.join();
  agent.reset();
  // While the agent is down: a rotation (the rotated file keeps its checkpoint by identity).
  writer.rotate();
  writer.writeUntil(phase2 + n / 10);
  agent = std::make_unique<AgentProcess>(install());
  ASSERT_NE(agent->port(), 0);
  writer.writeUntil(n);
  waitFor(n, 300s);
  std::this_thread::sleep_for(1500ms);  // late duplicates too
  auto [count, distinct] = counts();
  EXPECT_EQ(distinct, n) << "a line was lost";
  EXPECT_GE(count, n);
  // Duplicates: only lines fed after the last checkpoint before the kill, all in phase 2.
  EXPECT_LE(count - n, phase2 - phase1) << "duplicates beyond the checkpoint window";
  std::printf("kill -9: %lld lines, %lld duplicates\n", static_cast<long long>(n),
              static_cast<long long>(count - n));
}

}  // namespace
}  // namespace sextant
