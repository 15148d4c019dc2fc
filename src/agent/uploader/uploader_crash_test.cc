// Crash safety: a child process writes through an Uploader whose DataWay is down and is killed
// with SIGKILL at an arbitrary moment; a new Uploader on the same directory must deliver every
// point the child's write() had acknowledged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "agent/uploader/testing/fake_dataway.h"
#include "agent/uploader/uploader.h"
#include "core/testing/temp_dir.h"
#include "net/http_client.h"

namespace sextant::agent {
namespace {

using namespace std::chrono_literals;

constexpr int kPointsPerBatch = 7;

std::vector<model::Point> crashBatch(int32_t b) {
  std::vector<model::Point> out;
  for (int i = 0; i < kPointsPerBatch; ++i) {
    model::Point p;
    p.measurement = "crash";
    p.addTag("batch", std::to_string(b));
    p.addField("seq", static_cast<int64_t>(b) * kPointsPerBatch + i);
    p.addField("pad", std::string(200, static_cast<char>('a' + b % 26)));
    p.time_ns = 1700000000000000000 + b;
    out.push_back(std::move(p));
  }
  return out;
}

UploaderOptions crashOptions(const std::string& url, const std::string& dir) {
  UploaderOptions o;
  o.urls = {url};
  o.queue_dir = dir;
  o.retry_delay = 5ms;
  o.retry_backoff_max = 20ms;
  o.max_raw_body_size = 1000;        // several bodies per batch
  o.queue_segment_bytes = 16 << 10;  // many segment rotations
  o.timeout = 2s;
  return o;
}

// The child: writes batches forever, reporting each acknowledged batch number on `fd`.
[[noreturn]] void child(const std::string& url, const std::string& dir, int fd) {
  auto client = net::makeHttpClient();
  auto u = Uploader::create(crashOptions(url, dir), realFileSystem(), *client);
  if (!u.isOk()) _exit(2);
  if (!(*u)->start().isOk()) _exit(3);
  for (int32_t b = 0;; ++b) {
    if (!(*u)->write(model::Category::kMetric, crashBatch(b)).isOk()) _exit(4);
    if (::write(fd, &b, sizeof(b)) != sizeof(b)) _exit(5);
  }
}

void crashRound(int kill_after) {
  sextant::testing::TempDir dir;
  testing::FakeDataway dw;
  ASSERT_TRUE(dw.start().isOk());
  const std::string url = dw.url();
  dw.stop();  // the backend is down while the child writes

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    child(url, dir.path(), fds[1]);
  }
  ::close(fds[1]);
  int32_t acked = -1;
  int32_t b = 0;
  while (acked + 1 < kill_after && ::read(fds[0], &b, sizeof(b)) == sizeof(b)) acked = b;
  ::kill(pid, SIGKILL);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  // Acknowledgements already in the pipe count too.
  while (::read(fds[0], &b, sizeof(b)) == sizeof(b)) acked = b;
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited with " << WEXITSTATUS(wstatus);
  ASSERT_GE(acked, kill_after - 1);

  ASSERT_TRUE(dw.start().isOk());  // same port, so the same queue directory
  auto client = net::makeHttpClient();
  auto u = Uploader::create(crashOptions(url, dir.path()), realFileSystem(), *client);
  ASSERT_TRUE(u.isOk());
  ASSERT_TRUE((*u)->start().isOk());
  ASSERT_TRUE((*u)->waitIdle(30s));

  // Every acknowledged point arrived, batches in order; a batch the child was writing when it
  // died may have arrived in part, and bodies sent before the crash may come twice.
  auto got = dw.points(model::Category::kMetric);
  std::set<int64_t> seen;
  int64_t last = -1;
  for (const auto& p : got) {
    int64_t seq = std::get<int64_t>(p.findField("seq")->value);
    if (seen.count(seq) == 0) {
      EXPECT_GT(seq, last) << "out of order";
      last = seq;
    }
    seen.insert(seq);
  }
  for (int64_t seq = 0; seq < int64_t{acked + 1} * kPointsPerBatch; ++seq) {
    ASSERT_TRUE(seen.count(seq)) << "acknowledged point " << seq << " lost (acked batches 0.."
                                 << acked << ")";
  }
}

TEST(UploaderCrashTest, KilledWriterLosesNoAcknowledgedPoint) {
  crashRound(5);
  crashRound(60);
}

}  // namespace
}  // namespace sextant::agent
