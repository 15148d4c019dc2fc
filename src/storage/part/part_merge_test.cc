// "Merges never change data": the merged part's rows are the stable sort of the inputs' rows by
// (measurement, series id, time), whatever the grouping of the merges.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/testing/mem_file_system.h"
#include "storage/part/part.h"
#include "storage/part/part_test_util.h"

namespace sextant::storage {
namespace {

using testing::flatten;
using testing::GenOptions;
using testing::Row;

std::vector<Row> stableMerge(const std::vector<std::vector<Row>>& inputs) {
  std::vector<Row> all;
  for (const auto& in : inputs) all.insert(all.end(), in.begin(), in.end());
  std::stable_sort(all.begin(), all.end(), [](const Row& a, const Row& b) {
    if (a.measurement != b.measurement) return a.measurement < b.measurement;
    if (a.series != b.series) return a.series < b.series;
    return a.time_ns < b.time_ns;
  });
  return all;
}

std::vector<Row> readRows(const PartReader& r) {
  auto out = testing::scanAll(r);
  EXPECT_TRUE(out.isOk()) << out.status().toString();
  for (const ColumnBatch& b : *out) testing::expectWellFormed(b);
  return out.isOk() ? flatten(*out) : std::vector<Row>{};
}

class Parts {
 public:
  std::unique_ptr<PartReader>& write(const std::vector<ColumnBatch>& batches) {
    const std::string path = "/part-" + std::to_string(readers_.size());
    PartMeta meta;
    meta.value_bloom_columns = {"host", "region"};  // merges must rebuild the value blooms
    auto info = testing::writePart(fs_, path, batches, meta);
    EXPECT_TRUE(info.isOk()) << info.status().toString();
    return open(path);
  }
  std::unique_ptr<PartReader>& merge(std::vector<const PartReader*> in, std::uint32_t level = 1) {
    const std::string path = "/part-" + std::to_string(readers_.size());
    PartMeta meta;
    meta.level = level;
    meta.value_bloom_columns = {"host", "region"};
    for (const PartReader* r : in) meta.sources.push_back(r->info().path);
    auto info = mergeParts(fs_, in, path, meta);
    EXPECT_TRUE(info.isOk()) << info.status().toString();
    EXPECT_EQ(info->meta.level, level);
    EXPECT_EQ(info->meta.sources, meta.sources);
    return open(path);
  }
  ::sextant::testing::MemFileSystem& fs() { return fs_; }

 private:
  std::unique_ptr<PartReader>& open(const std::string& path) {
    auto r = PartReader::open(fs_, path);
    EXPECT_TRUE(r.isOk()) << r.status().toString();
    readers_.push_back(r.isOk() ? std::move(r).value() : nullptr);
    EXPECT_TRUE(readers_.back() == nullptr || readers_.back()->verify().isOk());
    return readers_.back();
  }
  ::sextant::testing::MemFileSystem fs_;
  std::vector<std::unique_ptr<PartReader>> readers_;
};

TEST(PartMergeTest, MergedRowsAreTheStableUnionInKeyOrder) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    Parts parts;
    GenOptions o;
    o.metrics = seed % 2 == 0;
    o.measurements = 2;
    o.max_series = 6;  // few series and a shared time base: many equal keys across inputs
    o.max_rows = seed % 5 == 0 ? 6000 : 150;
    const int n = 1 + static_cast<int>(rng() % 4);
    std::vector<const PartReader*> in;
    std::vector<std::vector<Row>> rows;
    for (int i = 0; i < n; ++i) {
      const std::vector<ColumnBatch> batches = testing::randomBatches(rng, o);
      in.push_back(parts.write(batches).get());
      rows.push_back(flatten(batches));
    }
    const PartReader* merged = parts.merge(in).get();
    ASSERT_NE(merged, nullptr);
    const std::vector<Row> want = stableMerge(rows);
    EXPECT_EQ(readRows(*merged), want);
    EXPECT_EQ(merged->info().rows, want.size());
  }
}

TEST(PartMergeTest, GroupingDoesNotChangeRows) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed * 31);
    Parts parts;
    GenOptions o;
    o.metrics = seed % 2 == 1;
    o.max_series = 8;
    o.max_rows = 400;
    const PartReader* a = parts.write(testing::randomBatches(rng, o)).get();
    const PartReader* b = parts.write(testing::randomBatches(rng, o)).get();
    const PartReader* c = parts.write(testing::randomBatches(rng, o)).get();
    const PartReader* abc = parts.merge({a, b, c}).get();
    const PartReader* ab = parts.merge({a, b}).get();
    const PartReader* ab_c = parts.merge({ab, c}, 2).get();
    const PartReader* bc = parts.merge({b, c}).get();
    const PartReader* a_bc = parts.merge({a, bc}, 2).get();
    const std::vector<Row> want = stableMerge({readRows(*a), readRows(*b), readRows(*c)});
    EXPECT_EQ(readRows(*abc), want);
    EXPECT_EQ(readRows(*ab_c), want);
    EXPECT_EQ(readRows(*a_bc), want);
  }
}

TEST(PartMergeTest, MergeOfNothingIsAnEmptyPart) {
  Parts parts;
  const PartReader* empty = parts.merge({}).get();
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->info().rows, 0u);
  const PartReader* again = parts.merge({empty, empty}).get();
  EXPECT_EQ(again->info().rows, 0u);
}

TEST(PartMergeTest, MergeReportsDamagedInput) {
  Parts parts;
  std::mt19937_64 rng(4);
  const PartReader* a = parts.write(testing::randomBatches(rng, GenOptions{})).get();
  const std::string file = *parts.fs().readFile("/part-0");
  ASSERT_TRUE(parts.fs()
                  .overwrite("/part-0", 12, std::string(1, static_cast<char>(file[12] ^ 0x10)))
                  .isOk());
  auto info = mergeParts(parts.fs(), std::vector<const PartReader*>{a}, "/out", {});
  EXPECT_EQ(info.status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(parts.fs().exists("/out"));
  EXPECT_FALSE(parts.fs().exists("/out.tmp"));
}

}  // namespace
}  // namespace sextant::storage
