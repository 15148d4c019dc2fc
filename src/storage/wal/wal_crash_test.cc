// Crash tests: whatever point a simulated power loss hits (FaultInjectionFileSystem over memory,
// many seeds, 1-4 appending threads, checkpoints), reopening loses no record acknowledged under
// kEveryCommit (or synced under kInterval), replays only intact records in LSN order, never
// reports corruption (a crash only tears the tail) and never gives an acknowledged LSN again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/testing/child_process.h"
#include "core/testing/fault_injection_file_system.h"
#include "core/testing/mem_file_system.h"
#include "core/testing/temp_dir.h"
#include "storage/wal/wal.h"
#include "storage/wal/wal_test_util.h"

namespace sextant::storage {
namespace {

using sextant::testing::FaultInjectionFileSystem;
using sextant::testing::MemFileSystem;
using sextant::testing::TempDir;
using testing::payloadIndex;
using testing::testPayload;
using CrashMode = FaultInjectionFileSystem::CrashMode;

struct Model {
  std::map<std::uint64_t, std::uint64_t> must;  // LSN -> payload index: must replay
  std::set<std::uint64_t> attempted;            // payload indexes ever appended
  std::uint64_t checkpoint = 0;                 // the highest LSN a checkpoint was asked for
  std::uint64_t max_acked = 0;                  // the highest LSN append() ever returned
  // What the checks saw (so that a run that checks nothing fails).
  std::uint64_t verified = 0;  // required records found again
  std::uint64_t torn = 0;      // torn tails recovery cut off
};

// Opens after a crash and checks what replay hands out against the model. Records found on disk
// are durable from now on (open syncs them), so they join `must`.
std::unique_ptr<Wal> reopenAndCheck(FaultInjectionFileSystem& fs, const WalOptions& o, Model& m,
                                    std::uint64_t seed) {
  Result<std::unique_ptr<Wal>> opened = Wal::open(fs, o);
  EXPECT_TRUE(opened.isOk()) << "seed " << seed << ": " << opened.status().toString();
  if (!opened.isOk()) return nullptr;
  std::unique_ptr<Wal> wal = std::move(opened).value();
  EXPECT_EQ(wal->stats().corrupt_segments, 0u) << "seed " << seed;
  m.torn += wal->stats().torn_tails;
  for (const WalDamage& d : wal->damage()) {
    EXPECT_EQ(d.kind, WalDamage::Kind::kTornTail) << "seed " << seed << ": " << d.reason;
  }
  std::map<std::uint64_t, std::uint64_t> seen;
  std::set<std::uint64_t> seen_index;
  std::uint64_t prev = 0;
  Status st = wal->replay(m.checkpoint + 1, [&](std::uint64_t lsn, std::string_view payload) {
    std::optional<std::uint64_t> index = payloadIndex(payload);
    EXPECT_TRUE(index.has_value()) << "corrupt payload at LSN " << lsn << ", seed " << seed;
    EXPECT_GT(lsn, prev) << "seed " << seed;
    prev = lsn;
    if (index) {
      EXPECT_TRUE(m.attempted.count(*index)) << "never appended: " << *index;
      EXPECT_TRUE(seen_index.insert(*index).second) << "twice: " << *index << ", seed " << seed;
      seen[lsn] = *index;
    }
    return Status::ok();
  });
  EXPECT_TRUE(st.isOk()) << st.toString();
  for (const auto& [lsn, index] : m.must) {
    if (lsn <= m.checkpoint) continue;
    auto it = seen.find(lsn);
    EXPECT_TRUE(it != seen.end()) << "lost LSN " << lsn << ", seed " << seed;
    if (it != seen.end()) {
      ++m.verified;
      EXPECT_EQ(it->second, index) << "LSN " << lsn << ", seed " << seed;
    }
  }
  for (const auto& [lsn, index] : seen) m.must[lsn] = index;
  if (o.sync == SyncPolicy::kEveryCommit) {
    EXPECT_GT(wal->stats().next_lsn, m.max_acked) << "an acknowledged LSN would be reused";
  }
  return wal;
}

// One session that ends in a power loss: `threads` appenders until the file system dies
// (failAfter) or the work ends; thread 0 sometimes checkpoints (and, under kInterval, syncs).
void crashRound(std::mt19937_64& rng, FaultInjectionFileSystem& fs, const WalOptions& o, Model& m,
                int threads, CrashMode mode, std::uint64_t seed,
                std::atomic<std::uint64_t>& index) {
  std::unique_ptr<Wal> wal = reopenAndCheck(fs, o, m, seed);
  if (!wal) return;
  fs.failAfter(static_cast<std::int64_t>(rng() % 250));
  std::mutex mu;  // guards m
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t, thread_seed = rng()] {
      std::mt19937_64 r(thread_seed);
      std::vector<std::pair<std::uint64_t, std::uint64_t>>
          unsynced;  // kInterval: acked, not synced
      for (int step = 0; step < 60; ++step) {
        const std::uint64_t i = index++;
        {
          std::lock_guard lock(mu);
          m.attempted.insert(i);
        }
        Result<std::uint64_t> lsn = wal->append(testPayload(i, 1 + r() % 400));
        if (!lsn.isOk()) break;
        std::lock_guard lock(mu);
        m.max_acked = std::max(m.max_acked, *lsn);
        if (o.sync == SyncPolicy::kEveryCommit) {
          m.must[*lsn] = i;
        } else {
          unsynced.emplace_back(*lsn, i);
        }
        if (t == 0 && r() % 10 == 0 && o.sync != SyncPolicy::kEveryCommit) {
          if (!wal->sync().isOk()) break;
          for (const auto& [l, k] : unsynced) m.must[l] = k;
          unsynced.clear();
        }
        if (t == 0 && r() % 15 == 0) {
          m.checkpoint = std::max(m.checkpoint, *lsn);
          if (!wal->checkpoint(*lsn).isOk()) break;
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  EXPECT_EQ(wal->stats().corrupt_segments, 0u) << "seed " << seed;
  ASSERT_TRUE(fs.crash(mode, seed).isOk());
  wal.reset();  // dies with the "machine": its destructor's sync fails
  fs.restart();
}

void runCrashSeeds(SyncPolicy policy, CrashMode mode, int max_threads, int seeds) {
  std::uint64_t verified = 0;
  std::uint64_t torn = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    const std::uint64_t s = static_cast<std::uint64_t>(seed);
    std::mt19937_64 rng(s * 7919 + static_cast<std::uint64_t>(mode));
    MemFileSystem mem;
    FaultInjectionFileSystem fs(mem);
    WalOptions o;
    o.dir = "/wal";
    o.segment_bytes = 2048;  // frequent rotation
    o.sync = policy;
    o.sync_interval = std::chrono::hours(1);  // kInterval: only explicit syncs (deterministic)
    Model m;
    std::atomic<std::uint64_t> index{0};
    const int threads = 1 + seed % max_threads;
    for (int round = 0; round < 4; ++round) {
      crashRound(rng, fs, o, m, threads, mode, s, index);
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "policy " << static_cast<int>(policy) << " mode " << static_cast<int>(mode)
                      << " threads " << threads << " seed " << seed << " round " << round;
        return;
      }
    }
    reopenAndCheck(fs, o, m, s);
    if (::testing::Test::HasFailure()) return;
    verified += m.verified;
    torn += m.torn;
  }
  EXPECT_GT(verified, 100u);
  if (mode != CrashMode::kDropUnsynced) {
    EXPECT_GT(torn, 10u);
  }
}

TEST(WalCrashTest, DropUnsyncedLosesNoAcknowledgedRecord) {
  runCrashSeeds(SyncPolicy::kEveryCommit, CrashMode::kDropUnsynced, 4, 300);
}

TEST(WalCrashTest, TornWriteLosesNoAcknowledgedRecord) {
  runCrashSeeds(SyncPolicy::kEveryCommit, CrashMode::kTornWrite, 4, 300);
}

TEST(WalCrashTest, TornWriteWithGarbageLosesNoAcknowledgedRecord) {
  runCrashSeeds(SyncPolicy::kEveryCommit, CrashMode::kTornWriteGarbage, 4, 300);
}

TEST(WalCrashTest, IntervalAndNonePoliciesKeepWhatWasSynced) {
  runCrashSeeds(SyncPolicy::kInterval, CrashMode::kTornWriteGarbage, 1, 100);
  runCrashSeeds(SyncPolicy::kNone, CrashMode::kTornWrite, 1, 100);
  runCrashSeeds(SyncPolicy::kNone, CrashMode::kDropUnsynced, 1, 50);
}

// A real crash: a child process appends from 4 threads with kEveryCommit on the real file system
// and reports each acknowledged (LSN, payload index) through a pipe; it is killed with SIGKILL
// mid-stream. Every reported record must replay with its payload; LSNs have no holes (a killed
// process loses nothing the kernel already has) and nothing is reported corrupt.
TEST(WalCrashTest, SigkilledWriterOnTheRealFileSystem) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  WalOptions o;
  o.dir = joinPath(tmp.path(), "data/wal");
  o.segment_bytes = 64 << 10;  // rotates every ~15 records

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    Result<std::unique_ptr<Wal>> wal = Wal::open(realFileSystem(), o);
    if (!wal.isOk()) ::_exit(2);
    std::vector<std::thread> threads;
    for (std::uint64_t t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (std::uint64_t i = 0; i < 100000; ++i) {
          const std::uint64_t index = t * 1'000'000 + i;
          Result<std::uint64_t> lsn = (*wal)->append(testPayload(index, 4000));
          if (!lsn.isOk()) ::_exit(3);
          const std::uint64_t pair[2] = {*lsn, index};  // one atomic pipe write
          if (::write(fds[1], pair, sizeof(pair)) != static_cast<ssize_t>(sizeof(pair))) {
            ::_exit(4);
          }
        }
      });
    }
    for (std::thread& th : threads) th.join();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::map<std::uint64_t, std::uint64_t> reported;  // LSN -> payload index
  auto readOne = [&] {
    std::uint64_t pair[2];
    if (!sextant::testing::readFull(fds[0], pair, sizeof(pair))) return false;
    reported[pair[0]] = pair[1];
    return true;
  };
  while (reported.size() < 100 && readOne()) {
  }
  int status = sextant::testing::killAndWait(pid, SIGKILL);
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited early";
  while (readOne()) {  // what it reported before dying
  }
  ::close(fds[0]);
  ASSERT_GE(reported.size(), 100u);

  Result<std::unique_ptr<Wal>> wal = Wal::open(realFileSystem(), o);
  ASSERT_TRUE(wal.isOk()) << wal.status().toString();
  EXPECT_EQ((*wal)->stats().corrupt_segments, 0u);
  std::uint64_t expected_lsn = 1;
  std::size_t found = 0;
  Status st = (*wal)->replay(1, [&](std::uint64_t lsn, std::string_view payload) {
    EXPECT_EQ(lsn, expected_lsn++);
    std::optional<std::uint64_t> index = payloadIndex(payload);
    EXPECT_TRUE(index.has_value()) << "corrupt record after SIGKILL at LSN " << lsn;
    auto it = reported.find(lsn);
    if (it != reported.end()) {
      ++found;
      EXPECT_EQ(index, it->second) << "LSN " << lsn;
    }
    return Status::ok();
  });
  ASSERT_TRUE(st.isOk()) << st.toString();
  EXPECT_EQ(found, reported.size());
}

}  // namespace
}  // namespace sextant::storage
