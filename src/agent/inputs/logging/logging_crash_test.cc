// The durability promise under kill -9: a child process tails a file that grows with numbered
// lines and feeds them to a feeder that appends them to an output file with fsync (a durable
// feed). The parent kills the child with SIGKILL several times while the file grows, restarts
// it, and finally checks that every line reached the output (no loss) and that lines fed twice
// stay within the documented window (what was fed in the last checkpoint interval before each
// kill).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/inputs/logging/logging_input.h"
#include "agent/inputs/logging/logging_testing.h"
#include "core/testing/child_process.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent::inputs::logging {
namespace {

// Appends each batch's messages to a file with one write() and an fsync before returning ok.
class FsyncFeeder : public Feeder {
 public:
  explicit FsyncFeeder(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {}
  ~FsyncFeeder() override { ::close(fd_); }
  Status feed(model::Category, std::vector<model::Point>&& points, const FeedOptions&) override {
    std::string data;
    for (const auto& p : points) {
      data += std::get<std::string>(p.findField("message")->value);
      data += '\n';
    }
    if (::write(fd_, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
      return internalError("write");
    }
    if (::fsync(fd_) != 0) return internalError("fsync");
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view) override {}

 private:
  int fd_;
};

[[noreturn]] void runChild(const std::string& dir) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  FsyncFeeder feeder(dir + "/out.txt");
  LoggingConfig c;
  c.logfiles = {dir + "/app.log"};
  c.checkpoint_path = dir + "/cache/logging.checkpoint";
  c.decoder.auto_multiline = false;
  InputEnv env;
  env.feeder = &feeder;
  auto in = LoggingInput::create(c, env);
  if (!in.isOk() || !(*in)->start().isOk()) ::_exit(3);
  while (true) ::pause();
}

pid_t spawn(const std::string& dir) {
  pid_t pid = ::fork();
  if (pid == 0) runChild(dir);
  return pid;
}

TEST(LoggingCrash, KillNineLosesNothing) {
  sextant::testing::TempDir tmp;
  const std::string dir = tmp.path();
  const std::string log = dir + "/app.log";
  constexpr int kLines = 14000;
  constexpr int kPerTick = 40;  // every 20 ms: 2000 lines/s
  constexpr std::chrono::milliseconds kTick(20);
  // Kill times vary around the checkpoint interval so kills land at every phase of it.
  const std::vector<std::chrono::milliseconds> kill_after = {
      std::chrono::milliseconds(700), std::chrono::milliseconds(1500),
      std::chrono::milliseconds(1100), std::chrono::milliseconds(1900),
      std::chrono::milliseconds(900)};
  testing::appendFile(log, "");

  pid_t child = spawn(dir);
  ASSERT_GT(child, 0);
  int kills = 0;
  auto last_kill = std::chrono::steady_clock::now();
  int fd = ::open(log.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < kLines; i += kPerTick) {
    std::string chunk;
    for (int k = i; k < i + kPerTick && k < kLines; ++k) chunk += "n" + std::to_string(k) + "\n";
    ASSERT_EQ(::write(fd, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    std::this_thread::sleep_for(kTick);
    if (kills < static_cast<int>(kill_after.size()) &&
        std::chrono::steady_clock::now() - last_kill >= kill_after[static_cast<size_t>(kills)]) {
      ASSERT_NE(sextant::testing::killAndWait(child, SIGKILL), -1);
      ++kills;
      child = spawn(dir);
      ASSERT_GT(child, 0);
      last_kill = std::chrono::steady_clock::now();
    }
  }
  ::close(fd);

  auto readOut = [&] {
    std::map<int, int> seen;
    std::ifstream in(dir + "/out.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.size() > 1 && line[0] == 'n') ++seen[std::stoi(line.substr(1))];
    }
    return seen;
  };
  ASSERT_TRUE(testing::waitFor([&] { return readOut().size() == static_cast<size_t>(kLines); },
                               std::chrono::seconds(30)));
  ASSERT_NE(sextant::testing::killAndWait(child, SIGKILL), -1);

  std::map<int, int> seen = readOut();
  int duplicates = 0;
  for (int i = 0; i < kLines; ++i) {
    ASSERT_GE(seen[i], 1) << "line " << i << " lost";
    duplicates += seen[i] - 1;
  }
  // The window: at most one checkpoint interval (1 s) of lines (2000/s) per kill, plus up to a
  // second for the checkpoint write and scheduling on a loaded machine.
  const int bound = kills * 2000 * 2;
  std::printf("kills=%d duplicates=%d bound=%d\n", kills, duplicates, bound);
  EXPECT_EQ(kills, 5);
  EXPECT_LE(duplicates, bound);
}

}  // namespace
}  // namespace sextant::agent::inputs::logging
