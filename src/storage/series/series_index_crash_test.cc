// Crash tests: whatever point a simulated power loss hits (FaultInjectionFileSystem over memory,
// every crash mode, many seeds), reopening keeps every series created before a successful sync()
// with the same id, holds only series that were created with the id they have, reports no
// corruption (a crash only tears the tail) and keeps ids dense.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "core/testing/fault_injection_file_system.h"
#include "core/testing/mem_file_system.h"
#include "storage/series/series_index.h"

namespace sextant::storage {
namespace {

using sextant::testing::FaultInjectionFileSystem;
using sextant::testing::MemFileSystem;
using CrashMode = FaultInjectionFileSystem::CrashMode;

constexpr char kPath[] = "/data/series.log";

// Series number i of a universe of 400 ("m<i%3>", host and sometimes pod tags).
std::string measurementOf(int i) { return "m" + std::to_string(i % 3); }
std::vector<model::Tag> tagsOf(int i) {
  std::vector<model::Tag> t{{"host", "h" + std::to_string(i)}};
  if (i % 4 == 0) t.push_back({"pod", std::string(static_cast<std::size_t>(i % 50), 'p')});
  return t;
}

struct Model {
  std::map<std::uint64_t, int> durable;          // id -> series: survives every crash
  std::map<std::uint64_t, std::set<int>> given;  // id -> every series ever given that id
  std::uint64_t verified = 0;
  std::uint64_t torn = 0;
};

std::unique_ptr<SeriesIndex> reopenAndCheck(FileSystem& fs, Model& m, std::uint64_t seed) {
  Result<std::unique_ptr<SeriesIndex>> opened = SeriesIndex::open(fs, kPath);
  EXPECT_TRUE(opened.isOk()) << "seed " << seed << ": " << opened.status().toString();
  if (!opened.isOk()) return nullptr;
  std::unique_ptr<SeriesIndex> idx = std::move(opened).value();
  const SeriesIndexStats s = idx->stats();
  EXPECT_EQ(s.corrupt_bytes, 0u) << "seed " << seed << ": " << idx->damage();
  if (s.torn_bytes > 0) ++m.torn;
  EXPECT_EQ(s.next_id, s.series + 1) << "seed " << seed;  // dense
  for (const auto& [id, i] : m.durable) {
    std::optional<SeriesKey> k = idx->lookup(id);
    EXPECT_TRUE(k.has_value()) << "lost id " << id << ", seed " << seed;
    if (!k) continue;
    EXPECT_EQ(k->measurement, measurementOf(i)) << "id " << id << ", seed " << seed;
    EXPECT_EQ(k->tags, tagsOf(i)) << "id " << id << ", seed " << seed;
    ++m.verified;
  }
  // Everything loaded is durable now (open syncs it) and must have been created with its id.
  for (std::uint64_t id = 1; id <= s.series; ++id) {
    std::optional<SeriesKey> k = idx->lookup(id);
    EXPECT_TRUE(k.has_value()) << "hole at id " << id << ", seed " << seed;
    if (!k) continue;
    int found = -1;
    for (int i : m.given[id]) {
      if (k->measurement == measurementOf(i) && k->tags == tagsOf(i)) found = i;
    }
    EXPECT_GE(found, 0) << "id " << id << " holds a series never given that id, seed " << seed;
    if (found >= 0) m.durable[id] = found;
  }
  return idx;
}

void runCrashSeeds(CrashMode mode, int seeds) {
  std::uint64_t verified = 0;
  std::uint64_t torn = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    const std::uint64_t s = static_cast<std::uint64_t>(seed);
    std::mt19937_64 rng(s * 7919 + static_cast<std::uint64_t>(mode));
    MemFileSystem mem;
    ASSERT_TRUE(mem.createDirs("/data").isOk());
    FaultInjectionFileSystem fs(mem);
    Model m;
    for (int round = 0; round < 5; ++round) {
      std::unique_ptr<SeriesIndex> idx = reopenAndCheck(fs, m, s);
      if (!idx || ::testing::Test::HasFailure()) {
        ADD_FAILURE() << "mode " << static_cast<int>(mode) << " seed " << seed << " round "
                      << round;
        return;
      }
      fs.failAfter(static_cast<std::int64_t>(rng() % 12));
      std::map<std::uint64_t, int> created;  // since the last successful sync
      for (int step = 0; step < 300; ++step) {
        const int i = static_cast<int>(rng() % 400);
        Result<std::uint64_t> id = idx->getOrCreate(measurementOf(i), tagsOf(i));
        if (!id.isOk()) break;
        m.given[*id].insert(i);
        created[*id] = i;
        if (rng() % 40 == 0) {
          if (!idx->sync().isOk()) break;
          for (const auto& [cid, ci] : created) m.durable[cid] = ci;
          created.clear();
        }
      }
      ASSERT_TRUE(fs.crash(mode, s * 31 + static_cast<std::uint64_t>(round)).isOk());
      idx.reset();  // dies with the "machine": its destructor's writes fail
      fs.restart();
    }
    reopenAndCheck(fs, m, s);
    if (::testing::Test::HasFailure()) return;
    verified += m.verified;
    torn += m.torn;
  }
  EXPECT_GT(verified, 1000u);
  if (mode != CrashMode::kDropUnsynced) {
    EXPECT_GT(torn, 10u);
  }
}

TEST(SeriesIndexCrashTest, DropUnsyncedKeepsSyncedSeries) {
  runCrashSeeds(CrashMode::kDropUnsynced, 200);
}

TEST(SeriesIndexCrashTest, TornWriteKeepsSyncedSeries) {
  runCrashSeeds(CrashMode::kTornWrite, 200);
}

TEST(SeriesIndexCrashTest, TornWriteWithGarbageKeepsSyncedSeries) {
  runCrashSeeds(CrashMode::kTornWriteGarbage, 200);
}

}  // namespace
}  // namespace sextant::storage
