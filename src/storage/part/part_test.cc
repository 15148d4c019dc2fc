#include "storage/part/part.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/testing/fault_injection_file_system.h"
#include "core/testing/mem_file_system.h"
#include "core/testing/temp_dir.h"
#include "storage/encoding/block.h"
#include "storage/part/part_format.h"
#include "storage/part/part_test_util.h"

namespace sextant::storage {
namespace {

using testing::flatten;
using testing::GenOptions;
using testing::Row;

ColumnBatch floatBatch(std::string m, std::uint64_t series, std::int64_t t0, std::size_t rows) {
  ColumnBatch b;
  b.measurement = std::move(m);
  b.series_id = series;
  std::vector<double> v;
  for (std::size_t i = 0; i < rows; ++i) {
    b.time_ns.push_back(t0 + static_cast<std::int64_t>(i) * 1000);
    v.push_back(static_cast<double>(i) / 4);
  }
  b.columns.push_back(Column{"f", ColumnKind::kField, model::FieldType::kFloat, v, {}});
  return b;
}

std::unique_ptr<PartReader> openOk(FileSystem& fs, const std::string& path) {
  auto r = PartReader::open(fs, path);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? std::move(r).value() : nullptr;
}

void roundTrip(bool metrics, std::uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  ::sextant::testing::MemFileSystem fs;
  ASSERT_TRUE(fs.createDirs("/p").isOk());
  GenOptions o;
  o.metrics = metrics;
  o.measurements = 1 + static_cast<int>(seed % 5);
  o.max_rows = seed % 3 == 0 ? 3000 : 200;
  const std::vector<ColumnBatch> in = testing::randomBatches(rng, o);
  PartMeta meta;
  meta.level = 2;
  meta.max_lsn = 77;
  meta.sources = {"a", "b"};
  meta.text_columns = {"message"};
  auto info = testing::writePart(fs, "/p/part", in, meta);
  ASSERT_TRUE(info.isOk()) << info.status().toString();
  EXPECT_FALSE(fs.exists("/p/part.tmp"));
  auto r = openOk(fs, "/p/part");
  ASSERT_NE(r, nullptr);
  const std::vector<Row> rows = flatten(in);
  const PartInfo& ri = r->info();
  EXPECT_EQ(ri.rows, rows.size());
  EXPECT_EQ(ri.rows, info->rows);
  EXPECT_EQ(ri.granules, info->granules);
  EXPECT_EQ(ri.file_bytes, *fs.fileSize("/p/part"));
  EXPECT_EQ(ri.file_bytes, info->file_bytes);
  EXPECT_EQ(ri.meta.level, 2u);
  EXPECT_EQ(ri.meta.max_lsn, 77u);
  EXPECT_EQ(ri.meta.sources, meta.sources);
  EXPECT_EQ(ri.meta.text_columns, meta.text_columns);
  std::vector<std::string> ms;
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const Row& row : rows) {
    if (ms.empty() || ms.back() != row.measurement) ms.push_back(row.measurement);
    lo = std::min(lo, row.time_ns);
    hi = std::max(hi, row.time_ns);
  }
  EXPECT_EQ(ri.measurements, ms);
  EXPECT_EQ(info->measurements, ms);
  EXPECT_EQ(ri.min_time_ns, lo);
  EXPECT_EQ(ri.max_time_ns, hi);
  PartScanStats stats;
  auto out = testing::scanAll(*r, {}, &stats);
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  EXPECT_EQ(flatten(*out), rows);
  EXPECT_EQ(stats.rows_returned, rows.size());
  EXPECT_EQ(stats.granules_total, ri.granules);
  EXPECT_EQ(stats.granules_read, ri.granules);
  for (const ColumnBatch& b : *out) testing::expectWellFormed(b);
  if (metrics) {
    for (const ColumnBatch& b : *out) EXPECT_NE(b.series_id, 0u);
  } else {
    for (const ColumnBatch& b : *out) EXPECT_EQ(b.series_id, 0u);
    EXPECT_EQ(out->size(), ri.granules);  // events: one batch per granule
  }
  EXPECT_TRUE(r->verify().isOk());
}

TEST(PartTest, RoundTripEvents) {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) roundTrip(false, seed);
}

TEST(PartTest, RoundTripMetrics) {
  for (std::uint64_t seed = 100; seed <= 112; ++seed) roundTrip(true, seed);
}

TEST(PartTest, RoundTripOnRealFileSystem) {
  ::sextant::testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::mt19937_64 rng(5);
  const std::vector<ColumnBatch> in = testing::randomBatches(rng, GenOptions{});
  const std::string path = dir.path() + "/part-1";
  auto info = testing::writePart(realFileSystem(), path, in);
  ASSERT_TRUE(info.isOk()) << info.status().toString();
  auto r = openOk(realFileSystem(), path);
  ASSERT_NE(r, nullptr);
  auto out = testing::scanAll(*r);
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  EXPECT_EQ(flatten(*out), flatten(in));
  EXPECT_TRUE(r->verify().isOk());
}

TEST(PartTest, MetricsBatchesHoldOneSeriesEach) {
  ::sextant::testing::MemFileSystem fs;
  std::vector<ColumnBatch> in;
  for (std::uint64_t s = 1; s <= 5; ++s) in.push_back(floatBatch("cpu", s * 3, 0, 10));
  ASSERT_TRUE(testing::writePart(fs, "/part", in).isOk());
  auto r = openOk(fs, "/part");
  auto out = testing::scanAll(*r);
  ASSERT_TRUE(out.isOk());
  ASSERT_EQ(out->size(), 5u);  // one granule, five series
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ((*out)[i], in[i]);
  EXPECT_EQ(r->info().granules, 1u);
}

TEST(PartTest, GranuleBoundaries) {
  struct Case {
    std::vector<ColumnBatch> in;
    std::uint64_t granules;
  };
  std::vector<Case> cases;
  cases.push_back({{floatBatch("m", 1, 0, 8192)}, 1});
  cases.push_back({{floatBatch("m", 1, 0, 8193)}, 2});
  cases.push_back({{floatBatch("m", 1, 0, 8191), floatBatch("m", 1, 8191 * 1000, 2)}, 2});
  cases.push_back({{floatBatch("a", 1, 0, 100), floatBatch("b", 1, 0, 100)}, 2});
  cases.push_back({{floatBatch("a", 0, 0, 100), floatBatch("b", 0, 0, 100)}, 2});
  cases.push_back({{floatBatch("m", 1, 0, 3 * 8192)}, 3});
  {
    std::vector<ColumnBatch> many;  // 100 series x 100 rows: granules span series
    for (std::uint64_t s = 1; s <= 100; ++s) many.push_back(floatBatch("m", s, 0, 100));
    cases.push_back({many, 2});
  }
  for (const Case& c : cases) {
    ::sextant::testing::MemFileSystem fs;
    auto info = testing::writePart(fs, "/part", c.in);
    ASSERT_TRUE(info.isOk());
    EXPECT_EQ(info->granules, c.granules);
    auto r = openOk(fs, "/part");
    PartScanStats stats;
    auto out = testing::scanAll(*r, {}, &stats);
    ASSERT_TRUE(out.isOk());
    EXPECT_EQ(flatten(*out), flatten(c.in));
    EXPECT_EQ(stats.granules_total, c.granules);
    for (const ColumnBatch& b : *out) testing::expectWellFormed(b);
  }
}

TEST(PartTest, LargeValuesCutGranulesEarly) {
  ::sextant::testing::MemFileSystem fs;
  ColumnBatch b;
  b.measurement = "logs";
  std::vector<std::string> text;
  for (std::size_t i = 0; i < 70; ++i) {
    b.time_ns.push_back(static_cast<std::int64_t>(i));
    text.push_back(std::string(std::size_t{1} << 20, static_cast<char>('a' + i % 26)));
  }
  b.columns.push_back(Column{"message",
                             ColumnKind::kField,
                             model::FieldType::kString,
                             ColumnValues(std::in_place_index<4>, std::move(text)),
                             {}});
  auto info = testing::writePart(fs, "/part", {b});
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(info->granules, 2u);  // 64 MiB of text per granule at most: 64 + 6 rows
  auto r = openOk(fs, "/part");
  auto out = testing::scanAll(*r);
  ASSERT_TRUE(out.isOk());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].rows(), 64u);
  EXPECT_EQ(flatten(*out), flatten({b}));
}

TEST(PartTest, QueryFiltersMatchBruteForce) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    ::sextant::testing::MemFileSystem fs;
    GenOptions o;
    o.metrics = seed % 2 == 0;
    o.measurements = 4;
    o.max_rows = seed % 4 < 2 ? 2500 : 400;
    const std::vector<ColumnBatch> in = testing::randomBatches(rng, o);
    ASSERT_TRUE(testing::writePart(fs, "/part", in).isOk());
    auto r = openOk(fs, "/part");
    const std::vector<Row> rows = flatten(in);
    for (int k = 0; k < 25; ++k) {
      PartQuery q;
      std::vector<std::uint64_t> series;
      const PartInfo& info = r->info();
      const std::int64_t span = info.max_time_ns - info.min_time_ns + 1;
      if (rng() % 2 == 0) {
        q.min_time_ns =
            info.min_time_ns + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span));
        q.max_time_ns =
            q.min_time_ns + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span)) / 4;
      }
      if (rng() % 3 == 0) {
        for (const std::string& m : info.measurements) {
          if (rng() % 2 == 0) q.measurements.push_back(m);
        }
        if (q.measurements.empty()) q.measurements.push_back("nope");
      }
      if (o.metrics && rng() % 2 == 0) {
        for (std::uint64_t s = 1; s <= 20; ++s) {
          if (rng() % 4 == 0) series.push_back(s);
        }
        q.series = &series;
      }
      if (rng() % 3 == 0) {
        q.columns = {"v", "host"};
        if (rng() % 2 == 0) q.columns.push_back("absent-column");
      }
      if (rng() % 6 == 0) q.no_columns = true;
      PartScanStats stats;
      auto out = testing::scanAll(*r, q, &stats);
      ASSERT_TRUE(out.isOk()) << out.status().toString();
      const std::vector<Row> want = testing::bruteForce(rows, q);
      EXPECT_EQ(flatten(*out), want) << "query " << k;
      EXPECT_EQ(stats.rows_returned, want.size());
      for (const ColumnBatch& b : *out) {
        testing::expectWellFormed(b);
        if (q.no_columns) {
          EXPECT_TRUE(b.columns.empty());
        }
      }
    }
  }
}

TEST(PartTest, MarksSkipGranules) {
  ::sextant::testing::MemFileSystem fs;
  std::vector<ColumnBatch> in;
  for (std::uint64_t s = 1; s <= 10; ++s) in.push_back(floatBatch("m", s, 0, 8192));
  ASSERT_TRUE(testing::writePart(fs, "/part", in).isOk());
  auto r = openOk(fs, "/part");
  const std::vector<std::uint64_t> series = {3, 7};
  PartQuery q;
  q.series = &series;
  PartScanStats stats;
  auto out = testing::scanAll(*r, q, &stats);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(stats.granules_total, 10u);
  EXPECT_EQ(stats.granules_read, 2u);
  EXPECT_EQ(stats.rows_returned, 2u * 8192);
  PartQuery t;
  t.min_time_ns = 8192 * 1000;  // after every row
  PartScanStats tstats;
  ASSERT_TRUE(testing::scanAll(*r, t, &tstats).isOk());
  EXPECT_EQ(tstats.granules_read, 0u);
  EXPECT_EQ(tstats.blocks_read, 0u);
  PartQuery c;
  c.no_columns = true;
  PartScanStats cstats;
  ASSERT_TRUE(testing::scanAll(*r, c, &cstats).isOk());
  EXPECT_EQ(cstats.blocks_read, 10u * 2);  // time and series blocks only
}

TEST(PartTest, TokensSkipGranulesWithoutThem) {
  ::sextant::testing::MemFileSystem fs;
  std::vector<ColumnBatch> in;
  std::vector<std::string> msgs;
  for (std::size_t i = 0; i < 4 * 8192; ++i) {
    std::string m = "GET /api/" + std::to_string(i % 50) + " status=200";
    if (i == 2 * 8192 + 17) m = "panic: Needle in the haystack";
    msgs.push_back(m);
  }
  ColumnBatch b;
  b.measurement = "nginx";
  for (std::size_t i = 0; i < msgs.size(); ++i) b.time_ns.push_back(static_cast<std::int64_t>(i));
  b.columns.push_back(Column{"message",
                             ColumnKind::kField,
                             model::FieldType::kString,
                             ColumnValues(std::in_place_index<4>, msgs),
                             {}});
  b.columns.push_back(Column{"host",
                             ColumnKind::kTag,
                             model::FieldType::kString,
                             ColumnValues(std::in_place_index<4>, msgs.size(), "web-1"),
                             {}});
  in.push_back(b);
  PartMeta meta;
  meta.text_columns = {"message"};
  ASSERT_TRUE(testing::writePart(fs, "/part", in, meta).isOk());
  auto r = openOk(fs, "/part");
  PartQuery q;
  q.tokens = {"needle", "haystack"};
  PartScanStats stats;
  auto out = testing::scanAll(*r, q, &stats);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(stats.granules_total, 4u);
  EXPECT_EQ(stats.granules_read, 1u);
  std::size_t hits = 0;
  for (const Row& row : flatten(*out)) {
    for (const auto& [k, v] : row.values) {
      if (k.name == "message" && testing::hasToken(std::get<std::string>(v), "needle")) ++hits;
    }
  }
  EXPECT_EQ(hits, 1u);
  q.tokens = {"web"};  // tags are not in text_columns
  PartScanStats none;
  ASSERT_TRUE(testing::scanAll(*r, q, &none).isOk());
  EXPECT_EQ(none.granules_read, 0u);
  q.tokens = {"api", "status"};
  PartScanStats all;
  ASSERT_TRUE(testing::scanAll(*r, q, &all).isOk());
  EXPECT_EQ(all.granules_read, 4u);
}

TEST(PartTest, TokensNeverMissRandomRows) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    std::mt19937_64 rng(seed);
    ::sextant::testing::MemFileSystem fs;
    GenOptions o;
    o.metrics = false;
    o.max_rows = 3000;
    const std::vector<ColumnBatch> in = testing::randomBatches(rng, o);
    PartMeta meta;
    meta.text_columns = {"message"};
    ASSERT_TRUE(testing::writePart(fs, "/part", in, meta).isOk());
    auto r = openOk(fs, "/part");
    for (const std::string token : {"alpha", "timeout", "中文", "x_1", "nothing"}) {
      PartQuery q;
      q.tokens = {token};
      auto out = testing::scanAll(*r, q);
      ASSERT_TRUE(out.isOk());
      auto matching = [&](const std::vector<Row>& rows) {
        std::vector<Row> m;
        for (const Row& row : rows) {
          for (const auto& [k, v] : row.values) {
            if (k.name == "message" && k.type == model::FieldType::kString &&
                testing::hasToken(std::get<std::string>(v), token)) {
              m.push_back(row);
              break;
            }
          }
        }
        return m;
      };
      EXPECT_EQ(matching(flatten(*out)), matching(flatten(in))) << token;
    }
  }
}

TEST(PartTest, OutOfOrderAddIsInvalidArgument) {
  ::sextant::testing::MemFileSystem fs;
  PartWriter w(fs, "/part", {});
  ASSERT_TRUE(w.add(floatBatch("m", 5, 1000, 10)).isOk());
  auto code = [&](const ColumnBatch& b) { return w.add(b).code(); };
  EXPECT_EQ(code(floatBatch("a", 9, 0, 1)), StatusCode::kInvalidArgument);      // measurement
  EXPECT_EQ(code(floatBatch("m", 4, 99999, 1)), StatusCode::kInvalidArgument);  // series
  EXPECT_EQ(code(floatBatch("m", 5, 0, 1)), StatusCode::kInvalidArgument);      // time
  ColumnBatch back = floatBatch("m", 6, 0, 3);
  back.time_ns[2] = -1;
  EXPECT_EQ(code(back), StatusCode::kInvalidArgument);  // time within a batch
  ColumnBatch short_col = floatBatch("m", 6, 0, 3);
  std::get<2>(short_col.columns[0].values).pop_back();
  EXPECT_EQ(code(short_col), StatusCode::kInvalidArgument);
  ColumnBatch bad_present = floatBatch("m", 6, 0, 3);
  bad_present.columns[0].present = {1, 0};
  EXPECT_EQ(code(bad_present), StatusCode::kInvalidArgument);
  ColumnBatch bad_type = floatBatch("m", 6, 0, 3);
  bad_type.columns[0].type = model::FieldType::kInt;
  EXPECT_EQ(code(bad_type), StatusCode::kInvalidArgument);
  ColumnBatch dup = floatBatch("m", 6, 0, 3);
  dup.columns.push_back(dup.columns[0]);
  EXPECT_EQ(code(dup), StatusCode::kInvalidArgument);
  // Rejected batches change nothing; equal keys are fine.
  ASSERT_TRUE(w.add(floatBatch("m", 5, 10000, 2)).isOk());
  ASSERT_TRUE(w.add(floatBatch("z", 1, 0, 2)).isOk());
  auto info = w.finish();
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(info->rows, 14u);
  EXPECT_EQ(w.add(floatBatch("z", 2, 0, 1)).code(), StatusCode::kInvalidArgument);
}

TEST(PartTest, EmptyPart) {
  ::sextant::testing::MemFileSystem fs;
  auto info = testing::writePart(fs, "/part", {ColumnBatch{}});
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(info->rows, 0u);
  auto r = openOk(fs, "/part");
  EXPECT_EQ(r->info().granules, 0u);
  EXPECT_TRUE(r->info().measurements.empty());
  auto out = testing::scanAll(*r);
  ASSERT_TRUE(out.isOk());
  EXPECT_TRUE(out->empty());
  EXPECT_TRUE(r->verify().isOk());
}

TEST(PartTest, UnfinishedWriterLeavesNothing) {
  ::sextant::testing::MemFileSystem fs;
  {
    PartWriter w(fs, "/part", {});
    for (std::uint64_t s = 1; s <= 3; ++s) ASSERT_TRUE(w.add(floatBatch("m", s, 0, 8192)).isOk());
    EXPECT_TRUE(fs.exists("/part.tmp"));
    EXPECT_FALSE(fs.exists("/part"));
  }
  EXPECT_FALSE(fs.exists("/part.tmp"));
  EXPECT_FALSE(fs.exists("/part"));
}

TEST(PartTest, StaleTmpIsReplaced) {
  ::sextant::testing::MemFileSystem fs;
  {
    auto f = fs.openAppend("/part.tmp");
    ASSERT_TRUE(f.isOk());
    ASSERT_TRUE((*f)->append("garbage from a crash").isOk());
  }
  std::vector<ColumnBatch> in = {floatBatch("m", 1, 0, 10)};
  ASSERT_TRUE(testing::writePart(fs, "/part", in).isOk());
  auto r = openOk(fs, "/part");
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->verify().isOk());
}

TEST(PartTest, ScanStopsAtCallbackError) {
  ::sextant::testing::MemFileSystem fs;
  std::vector<ColumnBatch> in;
  for (std::uint64_t s = 1; s <= 5; ++s) in.push_back(floatBatch("m", s, 0, 10));
  ASSERT_TRUE(testing::writePart(fs, "/part", in).isOk());
  auto r = openOk(fs, "/part");
  int calls = 0;
  Status st = r->scan({}, [&](ColumnBatch&&) {
    ++calls;
    return calls == 2 ? internalError("stop") : Status::ok();
  });
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_EQ(calls, 2);
}

TEST(PartTest, CrashNeverLeavesPartialPart) {
  std::mt19937_64 rng(9);
  GenOptions o;
  o.max_rows = 4000;
  const std::vector<ColumnBatch> in = testing::randomBatches(rng, o);
  const std::vector<Row> rows = flatten(in);
  using Mode = ::sextant::testing::FaultInjectionFileSystem::CrashMode;
  int published = 0;
  bool done = false;
  for (std::int64_t ops = 0; !done && ops < 1000; ++ops) {
    for (Mode mode : {Mode::kDropUnsynced, Mode::kTornWrite, Mode::kTornWriteGarbage}) {
      SCOPED_TRACE("ops " + std::to_string(ops));
      ::sextant::testing::MemFileSystem mem;
      ::sextant::testing::FaultInjectionFileSystem fs(mem);
      fs.failAfter(ops);
      bool finished = false;
      {
        PartWriter w(fs, "/part", {});
        Status st;
        for (const ColumnBatch& b : in) {
          st = w.add(b);
          if (!st.isOk()) break;
        }
        if (st.isOk()) finished = w.finish().isOk();
        done = done || finished;
        ASSERT_TRUE(fs.crash(mode, static_cast<std::uint64_t>(ops)).isOk());
      }
      fs.restart();
      if (!fs.exists("/part")) {
        EXPECT_FALSE(finished);
        continue;
      }
      ++published;
      auto r = PartReader::open(fs, "/part");
      ASSERT_TRUE(r.isOk()) << r.status().toString();
      ASSERT_TRUE((*r)->verify().isOk());
      auto out = testing::scanAll(**r);
      ASSERT_TRUE(out.isOk());
      EXPECT_EQ(flatten(*out), rows);
    }
  }
  EXPECT_GT(published, 0);
}

// The offsets of every block of a part, from its footer.
std::vector<PartBlockRef> blocksOf(FileSystem& fs, const std::string& path) {
  std::string file = *fs.readFile(path);
  auto t =
      decodePartTrailer(std::string_view(file).substr(file.size() - kPartTrailerSize), file.size());
  EXPECT_TRUE(t.isOk());
  auto f =
      decodePartMeta(std::string_view(file).substr(t->meta_offset, t->meta_length), t->meta_offset);
  EXPECT_TRUE(f.isOk());
  std::vector<PartBlockRef> refs;
  for (const GranuleMark& g : f->granules) {
    refs.push_back(g.time);
    if (g.series.length != 0) refs.push_back(g.series);
    if (g.bloom.length != 0) refs.push_back(g.bloom);
    for (const PartColumnBlock& c : g.columns) refs.push_back(c.block);
  }
  return refs;
}

std::vector<ColumnBatch> damageCorpus() {
  std::mt19937_64 rng(3);
  GenOptions o;
  o.max_rows = 1000;
  o.measurements = 2;
  return testing::randomBatches(rng, o);
}

TEST(PartTest, FooterDamageIsDataLoss) {
  ::sextant::testing::MemFileSystem fs;
  PartMeta meta;
  meta.text_columns = {"message"};
  ASSERT_TRUE(testing::writePart(fs, "/part", damageCorpus(), meta).isOk());
  const std::string file = *fs.readFile("/part");
  auto t =
      decodePartTrailer(std::string_view(file).substr(file.size() - kPartTrailerSize), file.size());
  ASSERT_TRUE(t.isOk());
  std::mt19937_64 rng(1);
  std::vector<std::uint64_t> offsets;
  for (std::uint64_t i = 0; i < kPartHeaderSize; ++i) offsets.push_back(i);
  for (std::uint64_t i = t->meta_offset; i < file.size(); ++i) {
    if (i >= file.size() - kPartTrailerSize || rng() % 8 == 0) offsets.push_back(i);
  }
  for (std::uint64_t off : offsets) {
    const char flipped = static_cast<char>(file[off] ^ (1 << (rng() % 8)));
    ASSERT_TRUE(fs.overwrite("/part", off, std::string(1, flipped)).isOk());
    auto r = PartReader::open(fs, "/part");
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << "offset " << off;
    if (!r.isOk()) {
      EXPECT_NE(r.status().message().find("/part"), std::string::npos);
    }
    ASSERT_TRUE(fs.overwrite("/part", off, file.substr(off, 1)).isOk());
  }
  // Truncated files.
  for (std::uint64_t size : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{39},
                             std::uint64_t{file.size() / 2}, std::uint64_t{file.size() - 1}}) {
    ::sextant::testing::MemFileSystem cut;
    ASSERT_TRUE(writeFileAtomically(cut, "/part", file.substr(0, size)).isOk());
    EXPECT_EQ(PartReader::open(cut, "/part").status().code(), StatusCode::kDataLoss) << size;
  }
  EXPECT_EQ(PartReader::open(fs, "/missing").status().code(), StatusCode::kNotFound);
}

TEST(PartTest, BlockDamageIsDataLossNamingThePart) {
  ::sextant::testing::MemFileSystem fs;
  PartMeta meta;
  meta.text_columns = {"message"};
  ASSERT_TRUE(testing::writePart(fs, "/part-7", damageCorpus(), meta).isOk());
  const std::string file = *fs.readFile("/part-7");
  std::mt19937_64 rng(2);
  for (const PartBlockRef& ref : blocksOf(fs, "/part-7")) {
    for (int k = 0; k < 3; ++k) {
      const std::uint64_t off = ref.offset + rng() % ref.length;
      const char flipped = static_cast<char>(file[off] ^ (1 << (rng() % 8)));
      ASSERT_TRUE(fs.overwrite("/part-7", off, std::string(1, flipped)).isOk());
      auto r = PartReader::open(fs, "/part-7");
      ASSERT_TRUE(r.isOk()) << "open reads the footer only";
      Status v = (*r)->verify();
      EXPECT_EQ(v.code(), StatusCode::kDataLoss) << "offset " << off;
      EXPECT_NE(v.message().find("part /part-7"), std::string::npos) << v.message();
      ASSERT_TRUE(fs.overwrite("/part-7", off, file.substr(off, 1)).isOk());
    }
  }
  // A scan that reads a damaged block stops with DataLoss.
  const PartBlockRef first = blocksOf(fs, "/part-7").front();
  ASSERT_TRUE(
      fs.overwrite("/part-7", first.offset + first.length - 1,
                   std::string(1, static_cast<char>(file[first.offset + first.length - 1] ^ 1)))
          .isOk());
  auto r = PartReader::open(fs, "/part-7");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(testing::scanAll(**r).status().code(), StatusCode::kDataLoss);
}

// Time blocks that pass their checksums but break the granule's rules: a series' times out of
// order, a time outside the granule's mark. Each is DataLoss on a reader's first read of the
// granule (readGranule checks a granule's rows once per reader; its CRC covers later reads).
TEST(PartTest, RechecksummedRowDamageIsDataLoss) {
  // Two series with times far apart at random: the time block holds plain 64-bit values (deltas
  // would take 9 bytes), so a block re-encoded with changed times keeps its size.
  std::mt19937_64 rng(5);
  std::vector<ColumnBatch> in;
  std::vector<std::int64_t> times;  // the granule's time block: series 1's rows, then series 2's
  for (std::uint64_t s = 1; s <= 2; ++s) {
    ColumnBatch b = floatBatch("cpu", s, 0, 40);
    std::int64_t t = 0;
    for (std::int64_t& x : b.time_ns) x = t += static_cast<std::int64_t>(rng() >> 8) + 1;
    times.insert(times.end(), b.time_ns.begin(), b.time_ns.end());
    in.push_back(std::move(b));
  }
  struct Case {
    const char* what;
    void (*damage)(std::vector<std::int64_t>&);
  };
  const Case cases[] = {
      {"rows out of order", [](std::vector<std::int64_t>& t) { std::swap(t[3], t[4]); }},
      // Every time is at least 1: the mark's minimum.
      {"outside the mark's bounds", [](std::vector<std::int64_t>& t) { t[0] = 0; }},
  };
  for (const Case& c : cases) {
    ::sextant::testing::MemFileSystem fs;
    ASSERT_TRUE(testing::writePart(fs, "/part", in).isOk());
    const PartBlockRef time_block = blocksOf(fs, "/part").front();
    std::vector<std::int64_t> damaged = times;
    c.damage(damaged);
    std::string block;
    const std::size_t n = damaged.size();
    encoding::encodeBlock(ColumnValues(std::in_place_index<0>, std::move(damaged)), {}, 0, n,
                          encoding::BlockHint::kTimestamps, &block);
    ASSERT_EQ(block.size(), time_block.length) << c.what;
    ASSERT_TRUE(fs.overwrite("/part", time_block.offset, block).isOk());
    for (int reader = 0; reader < 2; ++reader) {  // every reader checks on its first read
      auto r = openOk(fs, "/part");
      ASSERT_NE(r, nullptr);
      auto out = testing::scanAll(*r);
      EXPECT_EQ(out.status().code(), StatusCode::kDataLoss) << c.what;
      EXPECT_NE(out.status().message().find(c.what), std::string::npos) << out.status().message();
    }
  }
}

}  // namespace
}  // namespace sextant::storage
