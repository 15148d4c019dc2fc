// Crash tests: whatever point a crash hits, reopening loses no record whose put() was durable
// and never returns a corrupt one. Simulated crashes (FaultInjectionFileSystem over memory, many
// seeds) and a real one (a child process writing to the real file system, killed with SIGKILL).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <set>

#include "agent/queue/disk_queue.h"
#include "agent/queue/queue_test_util.h"
#include "core/testing/child_process.h"
#include "core/testing/fault_injection_file_system.h"
#include "core/testing/mem_file_system.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent {
namespace {

using sextant::testing::FaultInjectionFileSystem;
using sextant::testing::MemFileSystem;
using sextant::testing::TempDir;
using testing::recordIndex;
using testing::testRecord;
using CrashMode = FaultInjectionFileSystem::CrashMode;

constexpr char kDir[] = "/q";

// What the test knows about the queue's contents, in put order.
struct Model {
  std::set<std::uint64_t> must;           // durable and not durably acked: must come back
  std::set<std::uint64_t> may;            // may come back (not durable, or acked but not durably)
  std::set<std::uint64_t> unsynced_puts;  // kInterval: put ok, not yet covered by a sync
  std::set<std::uint64_t> unsynced_acks;  // kInterval: acked, cursor maybe not written
};

// Checks a record the queue returned against the model: intact, expected, in FIFO order.
void checkPeeked(const QueueRecord& r, const Model& m, std::optional<std::uint64_t> last_acked,
                 std::uint64_t seed, std::uint64_t* index) {
  std::optional<std::uint64_t> i = recordIndex(r);
  ASSERT_TRUE(i.has_value()) << "corrupt record returned, seed " << seed;
  ASSERT_TRUE(m.may.count(*i)) << "record " << *i << " should not exist, seed " << seed;
  // The oldest record that must be there is not skipped; within a session no record comes twice.
  if (!m.must.empty()) {
    ASSERT_LE(*i, *m.must.begin()) << "skipped a durable record, seed " << seed;
  }
  if (last_acked) {
    ASSERT_GT(*i, *last_acked) << "out of order, seed " << seed;
  }
  *index = *i;
}

// One session that ends in a crash: open (recovering from the previous crash), a random
// workload until the file system dies (failAfter) or the work ends, then power loss.
void crashRound(std::mt19937_64& rng, FaultInjectionFileSystem& fs, const DiskQueueOptions& o,
                std::uint64_t& next_index, Model& m, CrashMode mode, std::uint64_t seed) {
  const bool every_put = o.sync == SyncPolicy::kEveryPut;
  const bool every_ack = o.sync_interval.count() == 0;  // the cursor is written on every ack
  {
    Result<std::unique_ptr<DiskQueue>> opened = DiskQueue::open(fs, o);
    ASSERT_TRUE(opened.isOk()) << "seed " << seed << ": " << opened.status().toString();
    std::unique_ptr<DiskQueue> q = std::move(opened).value();
    EXPECT_EQ(q->stats().corrupt_skips, 0u) << "seed " << seed;
    EXPECT_EQ(q->stats().cursor_resets, 0u) << "seed " << seed;
    fs.failAfter(static_cast<std::int64_t>(rng() % 300));
    std::optional<std::uint64_t> last_acked;
    for (int step = 0; step < 150; ++step) {
      const unsigned op = rng() % 10;
      if (op < 6) {  // put
        const std::uint64_t i = next_index++;
        m.may.insert(i);
        if (!q->put(testRecord(i, 1 + rng() % 700)).isOk()) break;
        if (every_put) {
          m.must.insert(i);
        } else {
          m.unsynced_puts.insert(i);
        }
      } else if (op < 9) {  // the consumer: peek, sometimes ack
        Result<std::optional<QueueRecord>> r = q->peek();
        if (!r.isOk()) break;
        if (!r->has_value()) continue;
        std::uint64_t i = 0;
        checkPeeked(**r, m, last_acked, seed, &i);
        if (::testing::Test::HasFatalFailure()) return;
        if (rng() % 4 == 0) continue;  // "send failed": peek again later
        Status st = q->ack();
        last_acked = i;
        // Acked: no longer required after a crash; gone for good once the cursor is durable.
        m.must.erase(i);
        m.unsynced_puts.erase(i);
        if (every_ack && st.isOk()) {
          m.may.erase(i);
        } else {
          m.unsynced_acks.insert(i);
        }
        if (!st.isOk()) break;
      } else {  // sync
        if (!q->sync().isOk()) break;
        m.must.insert(m.unsynced_puts.begin(), m.unsynced_puts.end());
        m.unsynced_puts.clear();
        for (std::uint64_t a : m.unsynced_acks) m.may.erase(a);
        m.unsynced_acks.clear();
      }
    }
    EXPECT_EQ(q->stats().corrupt_skips, 0u) << "seed " << seed;
    ASSERT_TRUE(fs.crash(mode, seed).isOk());
    // The queue dies with the "machine": its destructor's syncs fail.
  }
  fs.restart();
  // What was not known to be durable stays possible (in `may`) but is not required.
  m.unsynced_puts.clear();
  m.unsynced_acks.clear();
}

// After the last crash: everything still required comes back, in order, intact.
void drainAndCheck(FaultInjectionFileSystem& fs, const DiskQueueOptions& o, Model m,
                   std::uint64_t seed) {
  Result<std::unique_ptr<DiskQueue>> opened = DiskQueue::open(fs, o);
  ASSERT_TRUE(opened.isOk()) << "seed " << seed << ": " << opened.status().toString();
  DiskQueue& q = **opened;
  std::optional<std::uint64_t> last_acked;
  while (true) {
    Result<std::optional<QueueRecord>> r = q.peek();
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    if (!r->has_value()) break;
    std::uint64_t i = 0;
    checkPeeked(**r, m, last_acked, seed, &i);
    if (::testing::Test::HasFatalFailure()) return;
    m.must.erase(i);
    last_acked = i;
    ASSERT_TRUE(q.ack().isOk());
  }
  EXPECT_EQ(q.stats().corrupt_skips, 0u) << "seed " << seed;
  EXPECT_TRUE(m.must.empty()) << "lost " << m.must.size() << " durable records, the first "
                              << (m.must.empty() ? 0 : *m.must.begin()) << ", seed " << seed;
}

void runCrashSeeds(SyncPolicy policy, std::chrono::milliseconds interval, CrashMode mode,
                   int seeds) {
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 7919 + static_cast<int>(mode));
    MemFileSystem mem;
    FaultInjectionFileSystem fs(mem);
    DiskQueueOptions o;
    o.dir = kDir;
    o.segment_bytes = 2048;  // frequent rotation
    o.max_bytes = 64 << 20;  // no drops: every record is accounted for
    o.sync = policy;
    // A clock that jumps 0-400 ms per reading: with a 1 s interval, data syncs (kInterval) and
    // cursor writes happen at unpredictable points; the model only counts on explicit sync()
    // calls, or on every put / every ack when the policy promises that.
    o.sync_interval = interval;
    auto clock_rng = std::make_shared<std::mt19937_64>(static_cast<std::uint64_t>(seed));
    auto t = std::make_shared<std::chrono::steady_clock::time_point>();
    o.clock = [clock_rng, t] {
      *t += std::chrono::milliseconds((*clock_rng)() % 400);
      return *t;
    };
    std::uint64_t next_index = 0;
    Model m;
    for (int round = 0; round < 4; ++round) {
      crashRound(rng, fs, o, next_index, m, mode, static_cast<std::uint64_t>(seed));
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "policy " << static_cast<int>(policy) << " interval " << interval.count()
                      << " mode " << static_cast<int>(mode) << " seed " << seed << " round "
                      << round;
        return;
      }
    }
    drainAndCheck(fs, o, m, static_cast<std::uint64_t>(seed));
    if (::testing::Test::HasFailure()) return;
  }
}

using std::chrono::milliseconds;

// Sync every put; the cursor written on every ack (interval 0) or lagging (1 s).
TEST(DiskQueueCrashTest, DropUnsyncedLosesNoDurableRecord) {
  runCrashSeeds(SyncPolicy::kEveryPut, milliseconds(0), CrashMode::kDropUnsynced, 200);
  runCrashSeeds(SyncPolicy::kEveryPut, milliseconds(1000), CrashMode::kDropUnsynced, 100);
}

TEST(DiskQueueCrashTest, TornWriteLosesNoDurableRecord) {
  runCrashSeeds(SyncPolicy::kEveryPut, milliseconds(0), CrashMode::kTornWrite, 200);
  runCrashSeeds(SyncPolicy::kEveryPut, milliseconds(1000), CrashMode::kTornWrite, 100);
}

TEST(DiskQueueCrashTest, TornWriteWithGarbageLosesNoDurableRecord) {
  runCrashSeeds(SyncPolicy::kEveryPut, milliseconds(0), CrashMode::kTornWriteGarbage, 200);
  runCrashSeeds(SyncPolicy::kEveryPut, milliseconds(1000), CrashMode::kTornWriteGarbage, 100);
}

TEST(DiskQueueCrashTest, IntervalPolicyKeepsWhatWasSynced) {
  runCrashSeeds(SyncPolicy::kInterval, milliseconds(1000), CrashMode::kTornWriteGarbage, 200);
  runCrashSeeds(SyncPolicy::kInterval, milliseconds(1000), CrashMode::kDropUnsynced, 100);
}

// A real crash: a child process puts records with fsync on the real file system and reports
// each acknowledged index through a pipe; it is killed with SIGKILL mid-stream. Every record it
// reported must be there after reopening, in order, intact.
TEST(DiskQueueCrashTest, SigkilledWriterOnTheRealFileSystem) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  DiskQueueOptions o;
  o.dir = joinPath(tmp.path(), "cache/sextant-queue/logging");
  o.segment_bytes = 64 << 10;  // rotates every ~15 records
  o.sync = SyncPolicy::kEveryPut;

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    Result<std::unique_ptr<DiskQueue>> q = DiskQueue::open(realFileSystem(), o);
    if (!q.isOk()) ::_exit(2);
    for (std::uint64_t i = 0; i < 100000; ++i) {
      if (!(*q)->put(testRecord(i, 4000)).isOk()) ::_exit(3);
      if (::write(fds[1], &i, sizeof(i)) != static_cast<ssize_t>(sizeof(i))) ::_exit(4);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::vector<std::uint64_t> reported;
  auto readOne = [&] {
    std::uint64_t i;
    if (!sextant::testing::readFull(fds[0], &i, sizeof(i))) return false;
    reported.push_back(i);
    return true;
  };
  while (reported.size() < 60 && readOne()) {
  }
  int status = sextant::testing::killAndWait(pid, SIGKILL);
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited early";
  while (readOne()) {  // what it reported before dying
  }
  ::close(fds[0]);
  ASSERT_GE(reported.size(), 60u);

  Result<std::unique_ptr<DiskQueue>> q = DiskQueue::open(realFileSystem(), o);
  ASSERT_TRUE(q.isOk()) << q.status().toString();
  EXPECT_EQ((*q)->stats().corrupt_skips, 0u);
  std::vector<std::uint64_t> got;
  while (true) {
    Result<std::optional<QueueRecord>> r = (*q)->peek();
    ASSERT_TRUE(r.isOk());
    if (!r->has_value()) break;
    std::optional<std::uint64_t> i = recordIndex(**r);
    ASSERT_TRUE(i.has_value()) << "corrupt record after SIGKILL";
    got.push_back(*i);
    ASSERT_TRUE((*q)->ack().isOk());
  }
  // 0..last reported, plus at most the one record in flight when the signal landed.
  ASSERT_GE(got.size(), reported.size());
  ASSERT_LE(got.size(), reported.size() + 1);
  for (std::size_t k = 0; k < got.size(); ++k) EXPECT_EQ(got[k], k);
}

}  // namespace
}  // namespace sextant::agent
