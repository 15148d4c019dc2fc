#include "storage/part/part_format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "core/crc32c.h"

namespace sextant::storage {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

TEST(PartFormatTest, HeaderBytes) {
  EXPECT_EQ(encodePartHeader(), bytes({'S', 'X', 'P', 'T', 2, 0, 0, 0}));
  EXPECT_EQ(encodePartHeader(1), bytes({'S', 'X', 'P', 'T', 1, 0, 0, 0}));
  EXPECT_TRUE(checkPartHeader(encodePartHeader()).isOk());
  EXPECT_TRUE(checkPartHeader(encodePartHeader(1)).isOk());  // version 1 still reads
  EXPECT_EQ(partHeaderVersion(encodePartHeader(1)), 1);
  EXPECT_EQ(checkPartHeader("SXPT").code(), StatusCode::kDataLoss);
  EXPECT_EQ(checkPartHeader(bytes({'S', 'X', 'P', 'U', 1, 0, 0, 0})).code(), StatusCode::kDataLoss);
  EXPECT_EQ(checkPartHeader(bytes({'S', 'X', 'P', 'T', 3, 0, 0, 0})).code(), StatusCode::kDataLoss);
  EXPECT_EQ(checkPartHeader(bytes({'S', 'X', 'P', 'T', 0, 0, 0, 0})).code(), StatusCode::kDataLoss);
  EXPECT_EQ(checkPartHeader(bytes({'S', 'X', 'P', 'T', 1, 0, 0, 1})).code(), StatusCode::kDataLoss);
}

TEST(PartFormatTest, TrailerBytesByHand) {
  PartTrailer t{0x0102030405060708ull, 0x20, 0xAABBCCDDu, 1};
  std::string want = bytes(
      {8, 7, 6, 5, 4, 3, 2, 1, 0x20, 0, 0, 0, 0, 0, 0, 0, 0xDD, 0xCC, 0xBB, 0xAA, 1, 0, 0, 0});
  const std::uint32_t crc = crc32c(want);
  want += bytes({static_cast<int>(crc & 0xFF), static_cast<int>((crc >> 8) & 0xFF),
                 static_cast<int>((crc >> 16) & 0xFF), static_cast<int>(crc >> 24)});
  want += "TPXS";
  EXPECT_EQ(encodePartTrailer(t), want);
  const std::uint64_t file_size = t.meta_offset + t.meta_length + kPartTrailerSize;
  auto d = decodePartTrailer(want, file_size);
  ASSERT_TRUE(d.isOk());
  EXPECT_EQ(*d, t);
  // The meta must end where the trailer starts.
  EXPECT_EQ(decodePartTrailer(want, file_size + 1).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(decodePartTrailer(want, 39).status().code(), StatusCode::kDataLoss);
  for (std::size_t i = 0; i < want.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = want;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(decodePartTrailer(bad, file_size).isOk()) << i << " " << bit;
    }
  }
}

TEST(PartFormatTest, MetaBytesByHandVersion1) {
  PartFooter f;
  f.version = 1;
  f.meta.level = 3;
  f.meta.max_lsn = 9;
  f.meta.sources = {"p1"};
  f.rows = 2;
  f.min_time_ns = -1;
  f.max_time_ns = 5;
  f.measurements = {"m"};
  f.columns = {PartColumnKey{"v", ColumnKind::kField, model::FieldType::kInt}};
  GranuleMark g;
  g.rows = 2;
  g.min_time_ns = -1;
  g.max_time_ns = 5;
  g.time = {8, 10};
  g.columns = {PartColumnBlock{0, {18, 6}}};
  f.granules = {g};
  std::string want =
      bytes({3,    0,    0,    0,    9,    0,    0,    0,    0,   0,   0, 0,  // level, max_lsn
             1,    0,    0,    0,    2,    0,    0,    0,    'p', '1',        // sources
             0,    0,    0,    0,                                             // text columns
             2,    0,    0,    0,    0,    0,    0,    0,                     // rows
             0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 5,   0,   0, 0, 0, 0, 0, 0,
             1,    0,    0,    0,    1,    0,    0,    0,    'm',          // measurements
             1,    0,    0,    0,    1,    0,    0,    0,    'v', 1,   0,  // columns
             1,    0,    0,    0,                                          // granules
             0,    0,    0,    0,    2,    0,    0,    0,                  // measurement, rows
             0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 5,   0,   0, 0, 0, 0, 0, 0});
  want += std::string(16, '\0');                         // series bounds
  want += bytes({8, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0});  // time block
  want += std::string(12 + 12 + 4, '\0');                // series, bloom, bloom crc
  want += bytes({1, 0, 0, 0, 0, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0});
  EXPECT_EQ(encodePartMeta(f), want);
  auto d = decodePartMeta(want, 24, 1);
  ASSERT_TRUE(d.isOk()) << d.status().toString();
  EXPECT_EQ(d->version, 1);
  EXPECT_EQ(d->meta.level, 3u);
  EXPECT_EQ(d->meta.sources, f.meta.sources);
  EXPECT_EQ(d->columns, f.columns);
  EXPECT_EQ(d->granules, f.granules);
  // The column block ends at 24: a meta starting at 23 cannot hold it.
  EXPECT_EQ(decodePartMeta(want, 23, 1).status().code(), StatusCode::kDataLoss);
  // Every truncation is DataLoss.
  for (std::size_t n = 0; n < want.size(); ++n) {
    EXPECT_EQ(decodePartMeta(want.substr(0, n), 24, 1).status().code(), StatusCode::kDataLoss) << n;
  }
  EXPECT_EQ(decodePartMeta(want + "x", 24, 1).status().code(), StatusCode::kDataLoss);
  // Read as version 2 the same bytes do not parse (no flags byte, no value bloom columns).
  EXPECT_EQ(decodePartMeta(want, 24, 2).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(decodePartMeta(want, 24, 3).status().code(), StatusCode::kDataLoss);
}

TEST(PartFormatTest, MetaBytesByHandVersion2) {
  PartFooter f;
  f.meta.value_bloom_columns = {"id"};
  f.rows = 2;
  f.measurements = {"m"};
  f.columns = {PartColumnKey{"id", ColumnKind::kField, model::FieldType::kString},
               PartColumnKey{"v", ColumnKind::kField, model::FieldType::kInt}};
  GranuleMark g;
  g.rows = 2;
  g.time = {8, 10};
  PartColumnBlock id{0, {18, 6}, {}};
  id.stats.flags = PartColumnStats::kAllPresent | PartColumnStats::kValueBloom;
  id.stats.value_bloom = {24, 16};
  id.stats.value_bloom_crc = 0x01020304;
  PartColumnBlock v{1, {40, 6}, {}};
  v.stats.flags = PartColumnStats::kRange;
  v.stats.min = static_cast<std::uint64_t>(std::int64_t{-2});
  v.stats.max = 300;
  g.columns = {id, v};
  f.granules = {g};
  std::string want = std::string(12, '\0');                 // level, max_lsn
  want += std::string(8, '\0');                             // sources, text columns
  want += bytes({1, 0, 0, 0, 2, 0, 0, 0, 'i', 'd'});        // value bloom columns
  want += bytes({2, 0, 0, 0, 0, 0, 0, 0});                  // rows
  want += std::string(16, '\0');                            // min, max time
  want += bytes({1, 0, 0, 0, 1, 0, 0, 0, 'm'});             // measurements
  want += bytes({2, 0, 0, 0, 2, 0, 0, 0, 'i', 'd', 1, 4});  // column id
  want += bytes({1, 0, 0, 0, 'v', 1, 0});                   // column v
  want += bytes({1, 0, 0, 0});                              // granules
  want += bytes({0, 0, 0, 0, 2, 0, 0, 0});                  // measurement, rows
  want += std::string(32, '\0');                            // time and series bounds
  want += bytes({8, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0});     // time block
  want += std::string(12 + 12 + 4, '\0');                   // series, bloom, bloom crc
  want += bytes({2, 0, 0, 0});                              // column blocks
  want += bytes({0, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0});
  want += bytes({6});  // all present | value bloom
  want += bytes({24, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 4, 3, 2, 1});
  want += bytes({1, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0});
  want += bytes({1});  // range
  want += bytes({0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x2C, 1, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(encodePartMeta(f), want);
  auto d = decodePartMeta(want, 46);
  ASSERT_TRUE(d.isOk()) << d.status().toString();
  EXPECT_EQ(d->version, 2);
  EXPECT_EQ(d->meta.value_bloom_columns, f.meta.value_bloom_columns);
  EXPECT_EQ(d->granules, f.granules);
  // The value bloom ends at 40: a meta at 39 cannot hold it.
  EXPECT_EQ(decodePartMeta(want, 39).status().code(), StatusCode::kDataLoss);
  for (std::size_t n = 0; n < want.size(); ++n) {
    EXPECT_EQ(decodePartMeta(want.substr(0, n), 46).status().code(), StatusCode::kDataLoss) << n;
  }
}

// A valid two-granule footer to break in one place at a time.
PartFooter validFooter() {
  PartFooter f;
  f.measurements = {"a", "b"};
  f.columns = {PartColumnKey{"t", ColumnKind::kTag, model::FieldType::kString},
               PartColumnKey{"v", ColumnKind::kField, model::FieldType::kFloat}};
  GranuleMark g0;
  g0.measurement = 0;
  g0.rows = 10;
  g0.min_time_ns = 1;
  g0.max_time_ns = 9;
  g0.min_series = 1;
  g0.max_series = 4;
  g0.time = {8, 10};
  g0.series = {18, 10};
  g0.columns = {PartColumnBlock{0, {28, 10}}, PartColumnBlock{1, {38, 10}}};
  GranuleMark g1 = g0;
  g1.measurement = 1;
  g1.min_series = 0;
  g1.max_series = 0;
  g1.series = {};
  g1.time = {48, 10};
  g1.columns = {PartColumnBlock{1, {58, 10}}};
  f.granules = {g0, g1};
  f.rows = 20;
  f.min_time_ns = 1;
  f.max_time_ns = 9;
  return f;
}

TEST(PartFormatTest, MetaValidation) {
  const std::uint64_t meta_offset = 68;
  ASSERT_TRUE(decodePartMeta(encodePartMeta(validFooter()), meta_offset).isOk());
  std::vector<std::pair<const char*, void (*)(PartFooter&)>> breaks = {
      {"measurements out of order",
       [](PartFooter& f) { std::swap(f.measurements[0], f.measurements[1]); }},
      {"columns out of order", [](PartFooter& f) { std::swap(f.columns[0], f.columns[1]); }},
      {"duplicate column", [](PartFooter& f) { f.columns[1] = f.columns[0]; }},
      {"bad kind", [](PartFooter& f) { f.columns[0].kind = static_cast<ColumnKind>(2); }},
      {"bad type", [](PartFooter& f) { f.columns[0].type = static_cast<model::FieldType>(7); }},
      {"bad measurement index", [](PartFooter& f) { f.granules[1].measurement = 2; }},
      {"granules out of order", [](PartFooter& f) { std::swap(f.granules[0], f.granules[1]); }},
      {"zero rows",
       [](PartFooter& f) {
         f.granules[0].rows = 0;
         f.rows = 10;
       }},
      {"too many rows",
       [](PartFooter& f) {
         f.granules[0].rows = 8193;
         f.rows = 8203;
       }},
      {"row sum", [](PartFooter& f) { f.rows = 21; }},
      {"time bounds", [](PartFooter& f) { f.granules[0].min_time_ns = 10; }},
      {"part time", [](PartFooter& f) { f.max_time_ns = 10; }},
      {"series bounds", [](PartFooter& f) { f.granules[0].min_series = 5; }},
      {"block past meta", [](PartFooter& f) { f.granules[1].columns[0].block.length = 11; }},
      {"block in header", [](PartFooter& f) { f.granules[0].time.offset = 7; }},
      {"empty time block", [](PartFooter& f) { f.granules[0].time.length = 0; }},
      {"empty column block", [](PartFooter& f) { f.granules[0].columns[0].block.length = 0; }},
      {"column index", [](PartFooter& f) { f.granules[0].columns[1].column = 2; }},
      {"column order",
       [](PartFooter& f) { std::swap(f.granules[0].columns[0], f.granules[0].columns[1]); }},
      {"series ids without block", [](PartFooter& f) { f.granules[1].max_series = 3; }},
      {"bloom crc without bloom", [](PartFooter& f) { f.granules[1].bloom_crc = 1; }},
      {"unused measurement", [](PartFooter& f) { f.measurements.push_back("c"); }},
      {"huge offset", [](PartFooter& f) { f.granules[0].time.offset = UINT64_MAX - 2; }},
  };
  for (const auto& [name, mutate] : breaks) {
    PartFooter f = validFooter();
    mutate(f);
    EXPECT_EQ(decodePartMeta(encodePartMeta(f), meta_offset).status().code(), StatusCode::kDataLoss)
        << name;
  }
}

TEST(PartFormatTest, StatisticsValidation) {
  // validFooter's columns: t (tag string), v (float).
  const std::uint64_t meta_offset = 68;
  auto withStats = [](PartFooter& f) {
    PartColumnStats& v = f.granules[1].columns[0].stats;
    v.flags = PartColumnStats::kRange | PartColumnStats::kNaN | PartColumnStats::kAllPresent;
    double lo = -1.5, hi = 2.0;
    std::memcpy(&v.min, &lo, 8);
    std::memcpy(&v.max, &hi, 8);
    PartColumnStats& t = f.granules[0].columns[0].stats;
    t.flags = PartColumnStats::kValueBloom;
    t.value_bloom = {28, 5};
  };
  {
    PartFooter f = validFooter();
    withStats(f);
    ASSERT_TRUE(decodePartMeta(encodePartMeta(f), meta_offset).isOk());
  }
  std::vector<std::pair<const char*, void (*)(PartFooter&)>> breaks = {
      {"unknown flag", [](PartFooter& f) { f.granules[1].columns[0].stats.flags |= 16; }},
      {"range on a string", [](PartFooter& f) { f.granules[0].columns[0].stats.flags |= 1; }},
      {"NaN on a string", [](PartFooter& f) { f.granules[0].columns[0].stats.flags |= 8; }},
      {"value bloom on a float",
       [](PartFooter& f) {
         f.granules[1].columns[0].stats.flags |= PartColumnStats::kValueBloom;
         f.granules[1].columns[0].stats.value_bloom = {28, 5};
       }},
      {"NaN bounds",
       [](PartFooter& f) {
         const double nan = std::numeric_limits<double>::quiet_NaN();
         std::memcpy(&f.granules[1].columns[0].stats.max, &nan, 8);
       }},
      {"min above max",
       [](PartFooter& f) {
         std::swap(f.granules[1].columns[0].stats.min, f.granules[1].columns[0].stats.max);
       }},
      {"empty value bloom",
       [](PartFooter& f) { f.granules[0].columns[0].stats.value_bloom.length = 0; }},
      {"value bloom past meta",
       [](PartFooter& f) {
         f.granules[0].columns[0].stats.value_bloom = {60, 9};
       }},
  };
  for (const auto& [name, mutate] : breaks) {
    PartFooter f = validFooter();
    withStats(f);
    mutate(f);
    EXPECT_EQ(decodePartMeta(encodePartMeta(f), meta_offset).status().code(), StatusCode::kDataLoss)
        << name;
  }
  // Bounds without the range flag are not encoded, but a bool range above 1 is refused.
  PartFooter f = validFooter();
  f.columns[1].type = model::FieldType::kBool;
  f.granules[1].columns[0].stats.flags = PartColumnStats::kRange;
  f.granules[1].columns[0].stats.max = 2;
  EXPECT_EQ(decodePartMeta(encodePartMeta(f), meta_offset).status().code(), StatusCode::kDataLoss);
  f.granules[1].columns[0].stats.max = 1;
  EXPECT_TRUE(decodePartMeta(encodePartMeta(f), meta_offset).isOk());
}

TEST(PartFormatTest, ImplausibleCountsAreRejectedBeforeAllocating) {
  std::string meta = bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF});
  EXPECT_EQ(decodePartMeta(meta, 8).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace sextant::storage
