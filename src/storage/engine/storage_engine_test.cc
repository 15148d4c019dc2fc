#include "storage/engine/storage_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "codec/point_pb/point_pb.h"
#include "core/testing/fault_injection_file_system.h"
#include "core/testing/mem_file_system.h"
#include "core/testing/temp_dir.h"
#include "model/testing/random_points.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::storage {
namespace {

using model::Category;
using model::Point;
using sextant::testing::TempDir;

constexpr std::int64_t kDay = 86'400'000'000'000;
constexpr std::int64_t kBase = 20'000 * kDay;  // 2024-10-04

StorageOptions manualOptions(const std::string& dir) {
  StorageOptions o;
  o.data_dir = dir;
  o.background = false;
  o.now_ns = [] { return kBase + 3 * kDay; };
  return o;
}

std::vector<Point> randomPoints(std::mt19937_64& rng, Category c, int n, int days = 3) {
  model::testing::RandomPointOptions ro;
  ro.category = c;
  std::vector<Point> out;
  while (static_cast<int>(out.size()) < n) {
    Point p = model::testing::randomPoint(rng, ro);
    if (model::testing::containsNan(std::span<const Point>(&p, 1)) || p.fields.empty()) continue;
    p.category = c;
    p.measurement = "m" + std::to_string(rng() % 4);  // several rows per measurement / series
    p.time_ns = kBase + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(days * kDay));
    out.push_back(std::move(p));
  }
  return out;
}

using sextant::storage::testing::writePoints;

std::vector<Point> scanAll(StorageEngine& e, const ScanRequest& req) {
  std::vector<Point> out;
  Status st = e.scan(req, [&](ColumnBatch&& b) {
    for (std::size_t r = 0; r < b.rows(); ++r) out.push_back(rowToPoint(b, r, req.category));
    return Status::ok();
  });
  EXPECT_TRUE(st.isOk()) << st.toString();
  return out;
}

std::vector<Point> scanAll(StorageEngine& e, std::string ws, Category c) {
  ScanRequest req;
  req.workspace_id = std::move(ws);
  req.category = c;
  return scanAll(e, req);
}

// Multisets of points, compared in a canonical order.
void expectSamePoints(std::vector<Point> got, std::vector<Point> want) {
  auto key = [](const Point& p) { return model::debugString(p); };
  auto canon = [&](std::vector<Point>& v) {
    for (Point& p : v) {
      std::sort(p.tags.begin(), p.tags.end(), [](auto& a, auto& b) { return a.key < b.key; });
      std::sort(p.fields.begin(), p.fields.end(), [](auto& a, auto& b) { return a.key < b.key; });
    }
    std::sort(v.begin(), v.end(), [&](const Point& a, const Point& b) { return key(a) < key(b); });
  };
  canon(got);
  canon(want);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << i;
}

std::vector<std::string> filesEndingWith(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().string().ends_with(suffix)) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(StorageEngineTest, EveryCategoryReadsBackFromHeadPartsAndAfterReopen) {
  TempDir dir;
  std::mt19937_64 rng(1);
  std::map<Category, std::vector<Point>> written;
  {
    auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
    ASSERT_TRUE(e.isOk()) << e.status().toString();
    for (Category c : model::kAllCategories) {
      for (int batch = 0; batch < 3; ++batch) {
        std::vector<Point> pts = randomPoints(rng, c, 40);
        written[c].insert(written[c].end(), pts.begin(), pts.end());
        ASSERT_TRUE(writePoints(**e, "ws1", c, pts).isOk());
      }
      expectSamePoints(scanAll(**e, "ws1", c), written[c]);  // from the head
    }
    ASSERT_TRUE((*e)->flush().isOk());
    EXPECT_GT((*e)->stats().parts, 0u);
    EXPECT_EQ((*e)->stats().head_rows, 0u);
    for (Category c : model::kAllCategories) {
      expectSamePoints(scanAll(**e, "ws1", c), written[c]);  // from parts
    }
    // More rows that stay in the head (and the WAL) across the reopen.
    std::vector<Point> more = randomPoints(rng, Category::kLogging, 25);
    written[Category::kLogging].insert(written[Category::kLogging].end(), more.begin(), more.end());
    ASSERT_TRUE(writePoints(**e, "ws1", Category::kLogging, more).isOk());
  }
  auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
  ASSERT_TRUE(e.isOk()) << e.status().toString();
  for (Category c : model::kAllCategories) {
    expectSamePoints(scanAll(**e, "ws1", c), written[c]);
  }
  EXPECT_TRUE(scanAll(**e, "other", Category::kMetric).empty());
  EXPECT_TRUE((*e)->damage().empty());
}

TEST(StorageEngineTest, MetricsKeepSeriesTagsInTheIndexAndFilterByMatchers) {
  TempDir dir;
  auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
  ASSERT_TRUE(e.isOk());
  std::vector<Point> pts;
  for (int i = 0; i < 100; ++i) {
    Point p;
    p.measurement = i % 2 ? "cpu" : "mem";
    p.tags = {{"region", i % 3 ? "eu" : "us"}, {"host", "h" + std::to_string(i % 5)}};
    p.fields = {{"v", static_cast<double>(i)}, {"n", int64_t{i}}};
    p.time_ns = kBase + std::int64_t{i} * 10'000'000'000;
    pts.push_back(p);
  }
  ASSERT_TRUE(writePoints(**e, "ws", Category::kMetric, pts).isOk());
  for (bool flushed : {false, true}) {
    if (flushed) {
      ASSERT_TRUE((*e)->flush().isOk());
    }
    ScanRequest req;
    req.workspace_id = "ws";
    req.measurements = {"cpu"};
    req.tags = {{"region", TagMatcher::kEq, {"us"}}, {"host", TagMatcher::kRegex, {"h[13]"}}};
    req.min_time_ns = kBase + 100'000'000'000;
    std::vector<Point> want;
    for (const Point& p : pts) {
      if (p.measurement == "cpu" && p.findTag("region")->value == "us" &&
          (p.findTag("host")->value == "h1" || p.findTag("host")->value == "h3") &&
          p.time_ns >= req.min_time_ns) {
        want.push_back(p);
      }
    }
    ASSERT_FALSE(want.empty());
    expectSamePoints(scanAll(**e, req), want);
    // Projection: only v.
    req.columns = {"v"};
    for (Point& p : want) p.fields.erase(p.fields.begin() + 1);
    expectSamePoints(scanAll(**e, req), want);
  }
  const std::vector<PartColumnKey> cpu_columns = {
      {"n", ColumnKind::kField, model::FieldType::kInt},
      {"v", ColumnKind::kField, model::FieldType::kFloat}};
  EXPECT_EQ((*e)->columns("ws", Category::kMetric, "cpu"), cpu_columns);  // from parts
  Point extra = pts[1];
  extra.fields = {{"v", int64_t{1}}};
  ASSERT_TRUE(writePoints(**e, "ws", Category::kMetric, {extra}).isOk());
  std::vector<PartColumnKey> more = cpu_columns;
  more.insert(more.begin() + 1, {"v", ColumnKind::kField, model::FieldType::kInt});
  EXPECT_EQ((*e)->columns("ws", Category::kMetric, "cpu"), more);  // and the head
  EXPECT_TRUE((*e)->columns("ws", Category::kMetric, "nope").empty());
  SeriesIndex* idx = (*e)->seriesIndex("ws");
  ASSERT_NE(idx, nullptr);
  EXPECT_EQ(idx->measurements(), (std::vector<std::string>{"cpu", "mem"}));
  EXPECT_EQ((*e)->measurements("ws", Category::kMetric), (std::vector<std::string>{"cpu", "mem"}));
}

TEST(StorageEngineTest, OnlyRowsWithColumnsDropsOtherFieldsSeries) {
  // http{kind=a}: x only; http{kind=b}: y only; http{kind=c}: x and y on alternate points.
  std::vector<Point> pts;
  for (int i = 0; i < 60; ++i) {
    Point p;
    p.measurement = "http";
    const char* kind = i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c";
    p.tags = {{"kind", kind}};
    const bool x = kind[0] == 'a' || (kind[0] == 'c' && i % 2 == 0);
    p.fields = {{x ? "x" : "y", static_cast<double>(i)}};
    p.time_ns = kBase + std::int64_t{i} * 10'000'000'000;
    pts.push_back(p);
  }
  std::vector<Point> want;  // the points with x, by hand: kind a, and kind c at even i
  for (const Point& p : pts) {
    if (p.fields[0].key == "x") want.push_back(p);
  }
  ASSERT_EQ(want.size(), 30u);  // 20 of a, 10 of c
  // Head only, parts only, and half in each.
  for (int layout = 0; layout < 3; ++layout) {
    TempDir d;
    auto en = StorageEngine::open(realFileSystem(), manualOptions(d.path()));
    ASSERT_TRUE(en.isOk());
    const std::size_t half = layout == 2 ? pts.size() / 2 : pts.size();
    ASSERT_TRUE(writePoints(**en, "ws", Category::kMetric,
                            std::vector<Point>(pts.begin(), pts.begin() + half))
                    .isOk());
    if (layout >= 1) {
      ASSERT_TRUE((*en)->flush().isOk());
    }
    if (half < pts.size()) {
      ASSERT_TRUE(writePoints(**en, "ws", Category::kMetric,
                              std::vector<Point>(pts.begin() + half, pts.end()))
                      .isOk());
    }
    ScanRequest req;
    req.workspace_id = "ws";
    req.measurements = {"http"};
    req.columns = {"x"};
    req.only_rows_with_columns = true;
    expectSamePoints(scanAll(**en, req), want);
    // Without the option every row of the selected series comes back (b's without fields).
    req.only_rows_with_columns = false;
    EXPECT_EQ(scanAll(**en, req).size(), pts.size()) << layout;
  }
}

TEST(StorageEngineTest, SeriesPerPassReturnsTheSameRowsSeriesBySeriesPass) {
  // 7 series x 40 points over two parts and the head (a series in several parts and the head).
  std::vector<Point> pts;
  for (int i = 0; i < 280; ++i) {
    Point p;
    p.measurement = "cpu";
    p.tags = {{"host", "h" + std::to_string(i % 7)}};
    p.fields = {{"usage", static_cast<double>(i)}};
    p.time_ns = kBase + std::int64_t{i} * 1'000'000'000;
    pts.push_back(p);
  }
  TempDir d;
  auto en = StorageEngine::open(realFileSystem(), manualOptions(d.path()));
  ASSERT_TRUE(en.isOk());
  for (int third = 0; third < 3; ++third) {
    ASSERT_TRUE(
        writePoints(**en, "ws", Category::kMetric,
                    std::vector<Point>(pts.begin() + third * 93,
                                       third == 2 ? pts.end() : pts.begin() + (third + 1) * 93))
            .isOk());
    if (third < 2) {
      ASSERT_TRUE((*en)->flush().isOk());
    }
  }
  for (std::uint32_t shards : {1u, 2u}) {
    std::vector<Point> all;
    std::map<std::uint64_t, int> pass_of;  // series id -> the pass its rows came in
    int passes = 0;
    for (std::uint32_t shard = 0; shard < shards; ++shard) {
      ScanRequest req;
      req.workspace_id = "ws";
      req.measurements = {"cpu"};
      req.series_shard = shard;
      req.series_shards = shards;
      req.series_per_pass = 3;
      req.pass_done = [&] {
        ++passes;
        return Status::ok();
      };
      Status st = (*en)->scan(req, [&](ColumnBatch&& b) {
        auto [it, fresh] = pass_of.try_emplace(b.series_id, passes);
        EXPECT_EQ(it->second, passes) << "series " << b.series_id << " in two passes";
        for (std::size_t r = 0; r < b.rows(); ++r) {
          all.push_back(rowToPoint(b, r, Category::kMetric));
        }
        return Status::ok();
      });
      ASSERT_TRUE(st.isOk()) << st.toString();
    }
    // 7 series in passes of 3: 3, 3, 1 on one shard; slices of 3 and 4 series on two shards:
    // one pass and two (3, 1).
    EXPECT_EQ(passes, 3) << shards;
    EXPECT_EQ(pass_of.size(), 7u);
    for (auto it = pass_of.begin(); std::next(it) != pass_of.end(); ++it) {
      EXPECT_LE(it->second, std::next(it)->second) << "passes go in series id order";
    }
    expectSamePoints(all, pts);
  }
  // Interleaved shards (series_shard_block 2 of 7 series): shard 0 takes the 1st, 2nd, 5th and
  // 6th ids, shard 1 the 3rd, 4th and 7th; together every row once.
  {
    std::vector<Point> all;
    std::vector<std::vector<std::uint64_t>> ids(2);
    for (std::uint32_t shard = 0; shard < 2; ++shard) {
      ScanRequest req;
      req.workspace_id = "ws";
      req.measurements = {"cpu"};
      req.series_shard = shard;
      req.series_shards = 2;
      req.series_shard_block = 2;
      Status st = (*en)->scan(req, [&](ColumnBatch&& b) {
        if (ids[shard].empty() || ids[shard].back() != b.series_id) {
          ids[shard].push_back(b.series_id);
        }
        for (std::size_t r = 0; r < b.rows(); ++r) {
          all.push_back(rowToPoint(b, r, Category::kMetric));
        }
        return Status::ok();
      });
      ASSERT_TRUE(st.isOk()) << st.toString();
      std::sort(ids[shard].begin(), ids[shard].end());
      ids[shard].erase(std::unique(ids[shard].begin(), ids[shard].end()), ids[shard].end());
    }
    expectSamePoints(all, pts);
    std::vector<std::uint64_t> sorted = ids[0];
    sorted.insert(sorted.end(), ids[1].begin(), ids[1].end());
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted.size(), 7u);
    EXPECT_EQ(ids[0], (std::vector<std::uint64_t>{sorted[0], sorted[1], sorted[4], sorted[5]}));
    EXPECT_EQ(ids[1], (std::vector<std::uint64_t>{sorted[2], sorted[3], sorted[6]}));
  }
  // A pass_done error ends the scan with it.
  ScanRequest req;
  req.workspace_id = "ws";
  req.measurements = {"cpu"};
  req.series_per_pass = 2;
  int batches_after = 0;
  bool stopped = false;
  req.pass_done = [&] {
    stopped = true;
    return Status(StatusCode::kCancelled, "stop");
  };
  Status st = (*en)->scan(req, [&](ColumnBatch&&) {
    if (stopped) ++batches_after;
    return Status::ok();
  });
  EXPECT_EQ(st.code(), StatusCode::kCancelled);
  EXPECT_EQ(batches_after, 0);
}

TEST(StorageEngineTest, ScanSeriesRowsSeesTheRowsOfScan) {
  // Random metrics over three days in parts (flushed twice) and the head, read as views and as
  // batches: the same points, with and without field predicates, projections and passes.
  std::mt19937_64 rng(11);
  TempDir d;
  auto en = StorageEngine::open(realFileSystem(), manualOptions(d.path()));
  ASSERT_TRUE(en.isOk());
  std::string m1_field;  // a field some m1 point has
  for (int w = 0; w < 3; ++w) {
    std::vector<Point> pts = randomPoints(rng, Category::kMetric, 300);
    for (const Point& p : pts) {
      if (p.measurement == "m1" && m1_field.empty()) m1_field = p.fields[0].key;
    }
    ASSERT_TRUE(writePoints(**en, "ws", Category::kMetric, std::move(pts)).isOk());
    if (w < 2) {
      ASSERT_TRUE((*en)->flush().isOk());
    }
  }
  auto viewsToPoints = [&](const ScanRequest& req) {
    std::vector<Point> out;
    Status st = (*en)->scanSeriesRows(req, [&](const SeriesRowsView& v) {
      for (std::size_t r = 0; r < v.rows; ++r) {
        Point p;
        p.category = Category::kMetric;
        p.measurement = *v.measurement;
        p.time_ns = v.time_ns[r];
        p.tags = *v.series_tags;
        for (const Column& c : *v.columns) {
          if (c.isPresent(v.offset + r)) p.addField(c.name, c.valueAt(v.offset + r));
        }
        // A batch leaves out columns without a value; a row without any is still a row.
        out.push_back(std::move(p));
      }
      return Status::ok();
    });
    EXPECT_TRUE(st.isOk()) << st.toString();
    return out;
  };
  for (int variant = 0; variant < 4; ++variant) {
    ScanRequest req;
    req.workspace_id = "ws";
    if (variant >= 1) req.measurements = {"m1"};
    if (variant == 2) {
      req.fields = {FieldPredicate{m1_field, FieldPredicate::kExists, {}}};
    }
    if (variant == 3) {
      req.series_per_pass = 2;
      req.min_time_ns = kBase + kDay / 2;
      req.max_time_ns = kBase + 2 * kDay;
    }
    std::vector<Point> want = scanAll(**en, req);
    ASSERT_FALSE(want.empty()) << variant;
    expectSamePoints(viewsToPoints(req), want);
  }
  ScanRequest events;
  events.workspace_id = "ws";
  events.category = Category::kLogging;
  EXPECT_EQ(
      (*en)->scanSeriesRows(events, [](const SeriesRowsView&) { return Status::ok(); }).code(),
      StatusCode::kInvalidArgument);
}

TEST(StorageEngineTest, EventsFilterByTagsAndFullText) {
  TempDir dir;
  auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
  ASSERT_TRUE(e.isOk());
  std::vector<Point> pts;
  const char* messages[] = {"GET /api/users 200 OK", "POST /api/login 500 Internal Error",
                            "timeout talking to Redis", "GET /health 200 ok"};
  for (int i = 0; i < 400; ++i) {
    Point p;
    p.category = Category::kLogging;
    p.measurement = i % 2 ? "nginx" : "app";
    p.tags = {{"service", i % 4 == 0 ? "web" : "api"}};
    if (i % 5 == 0) p.tags.push_back({"status", "error"});
    p.fields = {{"message", std::string(messages[i % 4])}};
    p.time_ns = kBase + std::int64_t{i} * 1'000'000'000;
    pts.push_back(p);
  }
  ASSERT_TRUE(writePoints(**e, "ws", Category::kLogging, pts).isOk());
  for (bool flushed : {false, true}) {
    if (flushed) {
      ASSERT_TRUE((*e)->flush().isOk());
    }
    ScanRequest req;
    req.workspace_id = "ws";
    req.category = Category::kLogging;
    req.text = "ERROR internal";
    req.tags = {{"status", TagMatcher::kNe, {"error"}}};
    std::vector<Point> want;
    for (const Point& p : pts) {
      const std::string& m = std::get<std::string>(p.fields[0].value);
      if (m.find("Internal Error") != std::string::npos && p.findTag("status") == nullptr) {
        want.push_back(p);
      }
    }
    ASSERT_FALSE(want.empty());
    expectSamePoints(scanAll(**e, req), want);
    // Projection keeps filters working on columns that are not returned.
    req.columns = {"service"};
    std::vector<Point> projected = scanAll(**e, req);
    ASSERT_EQ(projected.size(), want.size());
    for (const Point& p : projected) {
      EXPECT_TRUE(p.fields.empty());
      ASSERT_EQ(p.tags.size(), 1u);
      EXPECT_EQ(p.tags[0].key, "service");
    }
  }
  // The bloom filters skip granules: a token that is nowhere reads no granule.
  ScanRequest miss;
  miss.workspace_id = "ws";
  miss.category = Category::kLogging;
  miss.text = "kafka";
  ScanStats st;
  ASSERT_TRUE((*e)->scan(
                      miss, [](ColumnBatch&&) { return Status::ok(); }, &st)
                  .isOk());
  EXPECT_EQ(st.rows, 0u);
  EXPECT_GT(st.granules_total, 0u);
  EXPECT_EQ(st.granules_read, 0u);
  EXPECT_EQ((*e)->measurements("ws", Category::kLogging),
            (std::vector<std::string>{"app", "nginx"}));
}

TEST(StorageEngineTest, MergesNeverChangeData) {
  TempDir dir;
  std::mt19937_64 rng(7);
  StorageOptions o = manualOptions(dir.path());
  o.merge_min_parts = 2;
  o.merge_max_parts = 3;
  auto e = StorageEngine::open(realFileSystem(), o);
  ASSERT_TRUE(e.isOk());
  std::map<Category, std::vector<Point>> written;
  for (int round = 0; round < 7; ++round) {
    for (Category c : {Category::kMetric, Category::kLogging, Category::kObject}) {
      std::vector<Point> pts = randomPoints(rng, c, 60, 1);
      written[c].insert(written[c].end(), pts.begin(), pts.end());
      ASSERT_TRUE(writePoints(**e, "ws", c, pts).isOk());
    }
    ASSERT_TRUE((*e)->flush().isOk());
  }
  std::uint64_t parts_before = (*e)->stats().parts;
  int merges = 0;
  for (bool merged = true; merged;) {
    ASSERT_TRUE((*e)->mergeOnce(&merged).isOk());
    merges += merged ? 1 : 0;
    for (auto& [c, pts] : written) expectSamePoints(scanAll(**e, "ws", c), pts);
  }
  EXPECT_GT(merges, 2);
  EXPECT_LT((*e)->stats().parts, parts_before);
  e = Result<std::unique_ptr<StorageEngine>>(invalidArgument("closed"));
  // Merged-away files are gone; a reopen serves the same rows.
  auto again = StorageEngine::open(realFileSystem(), o);
  ASSERT_TRUE(again.isOk());
  for (auto& [c, pts] : written) expectSamePoints(scanAll(**again, "ws", c), pts);
  EXPECT_EQ(filesEndingWith(dir.path() + "/storage", ".part").size(), (*again)->stats().parts);
}

TEST(StorageEngineTest, RecoveryRemovesPartsCoveredByAMergeAndUnfinishedFlushes) {
  TempDir dir;
  std::mt19937_64 rng(3);
  StorageOptions o = manualOptions(dir.path());
  o.merge_min_parts = 2;
  std::vector<Point> all;
  std::string saved_name, saved_bytes;
  {
    auto e = StorageEngine::open(realFileSystem(), o);
    ASSERT_TRUE(e.isOk());
    for (int i = 0; i < 2; ++i) {
      std::vector<Point> pts = randomPoints(rng, Category::kLogging, 50, 1);
      all.insert(all.end(), pts.begin(), pts.end());
      ASSERT_TRUE(writePoints(**e, "ws", Category::kLogging, pts).isOk());
      ASSERT_TRUE((*e)->flush().isOk());
    }
    // Keep a copy of an input of the coming merge, as if its deletion had not happened.
    std::vector<std::string> inputs = filesEndingWith(dir.path() + "/storage", ".part");
    ASSERT_EQ(inputs.size(), 2u);
    saved_name = inputs[0];
    saved_bytes = *realFileSystem().readFile(saved_name);
    bool merged = false;
    ASSERT_TRUE((*e)->mergeOnce(&merged).isOk());
    ASSERT_TRUE(merged);
  }
  ASSERT_TRUE(writeFileAtomically(realFileSystem(), saved_name, saved_bytes).isOk());
  // Then a flush whose checkpoint "never happened": its level-0 part is newer than the
  // checkpoint, so recovery drops it and replays its rows from the WAL, without duplicates.
  std::string cp = dir.path() + "/storage/CHECKPOINT";
  std::string old_checkpoint = *realFileSystem().readFile(cp);
  {
    auto e = StorageEngine::open(realFileSystem(), o);
    ASSERT_TRUE(e.isOk());
    expectSamePoints(scanAll(**e, "ws", Category::kLogging), all);
    std::vector<Point> pts = randomPoints(rng, Category::kLogging, 30, 1);
    all.insert(all.end(), pts.begin(), pts.end());
    ASSERT_TRUE(writePoints(**e, "ws", Category::kLogging, pts).isOk());
    ASSERT_TRUE((*e)->flush().isOk());
    // The WAL as a crash right now would leave it (a clean close deletes it once checkpointed).
    std::filesystem::copy(dir.path() + "/wal", dir.path() + "/wal-at-crash");
  }
  ASSERT_TRUE(writeFileAtomically(realFileSystem(), cp, old_checkpoint).isOk());
  std::filesystem::remove_all(dir.path() + "/wal");
  std::filesystem::rename(dir.path() + "/wal-at-crash", dir.path() + "/wal");
  auto e = StorageEngine::open(realFileSystem(), o);
  ASSERT_TRUE(e.isOk());
  expectSamePoints(scanAll(**e, "ws", Category::kLogging), all);
  EXPECT_EQ((*e)->stats().replayed_records, 1u);
  EXPECT_FALSE(std::filesystem::exists(saved_name)) << "covered part not removed";
}

TEST(StorageEngineTest, CorruptPartIsQuarantinedAndTheRestServed) {
  TempDir dir;
  std::mt19937_64 rng(5);
  std::vector<Point> day0, day1;
  {
    auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
    ASSERT_TRUE(e.isOk());
    for (Point& p : randomPoints(rng, Category::kTracing, 80, 2)) {
      (p.time_ns < kBase + kDay ? day0 : day1).push_back(p);
    }
    ASSERT_TRUE(writePoints(**e, "ws", Category::kTracing, day0).isOk());
    ASSERT_TRUE(writePoints(**e, "ws", Category::kTracing, day1).isOk());
    ASSERT_TRUE((*e)->flush().isOk());
  }
  std::vector<std::string> parts = filesEndingWith(dir.path() + "/storage", ".part");
  ASSERT_EQ(parts.size(), 2u);
  // Damage the footer of the first day's part: open() rejects it.
  std::string bytes = *realFileSystem().readFile(parts[0]);
  bytes[bytes.size() - 20] ^= 0x40;
  ASSERT_TRUE(writeFileAtomically(realFileSystem(), parts[0], bytes).isOk());
  auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
  ASSERT_TRUE(e.isOk()) << e.status().toString();
  expectSamePoints(scanAll(**e, "ws", Category::kTracing), day1);
  ASSERT_EQ((*e)->damage().size(), 1u);
  EXPECT_NE((*e)->damage()[0].find("quarantined"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(parts[0] + ".corrupt"));
  EXPECT_EQ((*e)->stats().quarantined_parts, 1u);

  // Damage a block of the remaining part: the scan that meets it quarantines it and goes on.
  bytes = *realFileSystem().readFile(parts[1]);
  bytes[40] ^= 0x01;
  ASSERT_TRUE(writeFileAtomically(realFileSystem(), parts[1], bytes).isOk());
  std::vector<Point> rest = scanAll(**e, "ws", Category::kTracing);
  EXPECT_LT(rest.size(), day1.size());
  EXPECT_TRUE(std::filesystem::exists(parts[1] + ".corrupt"));
  EXPECT_EQ((*e)->stats().quarantined_parts, 2u);
}

// A WAL damaged in the middle (after a crash): the records before the damage are replayed, the
// damage is reported and the bad segment quarantined; the engine serves the rest.
TEST(StorageEngineTest, CorruptWalIsReportedAndTheIntactRecordsServed) {
  TempDir dir;
  std::mt19937_64 rng(11);
  std::vector<std::vector<Point>> batches;
  {
    auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
    ASSERT_TRUE(e.isOk());
    for (int i = 0; i < 4; ++i) {
      batches.push_back(randomPoints(rng, Category::kLogging, 5, 1));
      ASSERT_TRUE(writePoints(**e, "ws", Category::kLogging, batches.back()).isOk());
    }
    std::filesystem::copy(dir.path() + "/wal", dir.path() + "/wal-at-crash");
  }
  std::filesystem::remove_all(dir.path() + "/storage");  // as if nothing was ever flushed
  std::filesystem::remove_all(dir.path() + "/wal");
  std::filesystem::rename(dir.path() + "/wal-at-crash", dir.path() + "/wal");
  std::vector<std::string> segments = filesEndingWith(dir.path() + "/wal", ".log");
  ASSERT_EQ(segments.size(), 1u);
  std::string bytes = *realFileSystem().readFile(segments[0]);
  bytes[bytes.size() * 3 / 4] ^= 0x20;  // inside the last records
  ASSERT_TRUE(writeFileAtomically(realFileSystem(), segments[0], bytes).isOk());

  auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
  ASSERT_TRUE(e.isOk()) << e.status().toString();
  std::vector<Point> got = scanAll(**e, "ws", Category::kLogging);
  ASSERT_FALSE((*e)->damage().empty());
  EXPECT_NE((*e)->damage()[0].find("wal segment"), std::string::npos) << (*e)->damage()[0];
  // What is served is exactly the first k batches.
  std::vector<Point> prefix;
  size_t k = 0;
  while (prefix.size() < got.size() && k < batches.size()) {
    prefix.insert(prefix.end(), batches[k].begin(), batches[k].end());
    ++k;
  }
  EXPECT_LT(k, batches.size());
  expectSamePoints(got, prefix);
  EXPECT_FALSE(filesEndingWith(dir.path() + "/wal", ".corrupt").empty());
}

TEST(StorageEngineTest, RetentionDropsWholeOldPartitions) {
  TempDir dir;
  std::int64_t now = kBase + 40 * kDay;
  StorageOptions o = manualOptions(dir.path());
  o.now_ns = [&] { return now; };
  o.workspace_retention["short"][Category::kLogging] = std::chrono::hours(24);
  auto e = StorageEngine::open(realFileSystem(), o);
  ASSERT_TRUE(e.isOk());
  auto at = [](Category c, std::int64_t t) {
    Point p;
    p.category = c;
    p.measurement = "m";
    p.fields = {{"message", std::string("x")}};
    p.time_ns = t;
    return p;
  };
  // Metrics keep 30 days by default, logging 14: the 35-day-old rows go, except metrics' at 25.
  for (const char* ws : {"ws", "short"}) {
    ASSERT_TRUE(writePoints(**e, ws, Category::kMetric,
                            {at(Category::kMetric, now - 35 * kDay),
                             at(Category::kMetric, now - 25 * kDay)})
                    .isOk());
    ASSERT_TRUE(writePoints(**e, ws, Category::kLogging,
                            {at(Category::kLogging, now - 20 * kDay),
                             at(Category::kLogging, now - 3 * kDay), at(Category::kLogging, now)})
                    .isOk());
  }
  ASSERT_TRUE((*e)->flush().isOk());
  std::size_t files = filesEndingWith(dir.path() + "/storage", ".part").size();
  ASSERT_TRUE((*e)->applyRetention().isOk());
  EXPECT_EQ(scanAll(**e, "ws", Category::kMetric).size(), 1u);
  EXPECT_EQ(scanAll(**e, "ws", Category::kLogging).size(), 2u);
  EXPECT_EQ(scanAll(**e, "short", Category::kLogging).size(), 1u);  // 1 day: only today's
  EXPECT_EQ((*e)->stats().partitions_dropped, 5u);
  EXPECT_EQ(filesEndingWith(dir.path() + "/storage", ".part").size(), files - 5);
}

TEST(StorageEngineTest, ObjectsKeepTheLatestStateAndHistory) {
  TempDir dir;
  auto obj = [](std::string name, std::int64_t t, double cpu) {
    Point p;
    p.category = Category::kObject;
    p.measurement = "HOST";
    p.tags = {{"name", std::move(name)}};
    p.fields = {{"cpu_usage", cpu}};
    p.time_ns = t;
    return p;
  };
  {
    auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
    ASSERT_TRUE(e.isOk());
    ASSERT_TRUE(
        writePoints(**e, "ws", Category::kObject,
                    {obj("a", kBase + 10, 1), obj("b", kBase + 10, 2), obj("a", kBase + 30, 3)})
            .isOk());
    ASSERT_TRUE(
        writePoints(**e, "ws", Category::kObject, {obj("a", kBase + 20, 9)}).isOk());  // late
    ASSERT_TRUE((*e)->flush().isOk());
    ASSERT_TRUE(writePoints(**e, "ws", Category::kObject, {obj("b", kBase + 40, 4)}).isOk());
  }
  auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
  ASSERT_TRUE(e.isOk());
  std::vector<Point> latest = (*e)->latestObjects("ws", Category::kObject);
  expectSamePoints(latest, {obj("a", kBase + 30, 3), obj("b", kBase + 40, 4)});
  std::vector<std::string> only_host = {"HOST"};
  EXPECT_EQ((*e)->latestObjects("ws", Category::kObject, only_host).size(), 2u);
  std::vector<std::string> pods = {"kubelet_pod"};
  EXPECT_TRUE((*e)->latestObjects("ws", Category::kObject, pods).empty());
  EXPECT_EQ(scanAll(**e, "ws", Category::kObject).size(), 5u);  // the history
}

TEST(StorageEngineTest, ConcurrentWritersFlushesAndMergesLoseNothing) {
  TempDir dir;
  StorageOptions o = manualOptions(dir.path());
  o.merge_min_parts = 2;
  auto e = StorageEngine::open(realFileSystem(), o);
  ASSERT_TRUE(e.isOk());
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  std::vector<std::vector<Point>> written(4);
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      for (int i = 0; i < 30; ++i) {
        Category c = i % 2 ? Category::kMetric : Category::kLogging;
        std::vector<Point> pts = randomPoints(rng, c, 10, 1);
        ASSERT_TRUE(writePoints(**e, "ws", c, pts).isOk());
        written[t].insert(written[t].end(), pts.begin(), pts.end());
      }
    });
  }
  std::thread background([&] {
    while (!done) {
      ASSERT_TRUE((*e)->flush().isOk());
      ASSERT_TRUE((*e)->mergeOnce().isOk());
    }
  });
  for (auto& w : writers) w.join();
  done = true;
  background.join();
  for (Category c : {Category::kMetric, Category::kLogging}) {
    std::vector<Point> want;
    for (const auto& v : written) {
      for (const Point& p : v) {
        if (p.category == c) want.push_back(p);
      }
    }
    expectSamePoints(scanAll(**e, "ws", c), want);
  }
}

// The process stops at a random moment (mid-write, mid-flush, mid-merge), then power is lost
// (unsynced data dropped or torn). After the restart every acknowledged point is there, and
// nothing that was never written.
TEST(StorageEngineTest, CrashLosesNothingAcknowledged) {
  using FS = sextant::testing::FaultInjectionFileSystem;
  for (int seed = 0; seed < 24; ++seed) {
    SCOPED_TRACE(seed);
    sextant::testing::MemFileSystem mem;
    FS fs(mem);
    std::mt19937_64 rng(seed);
    StorageOptions o = manualOptions("/data");
    o.merge_min_parts = 2;
    std::vector<Point> acked, attempted;
    {
      auto e = StorageEngine::open(fs, o);
      ASSERT_TRUE(e.isOk());
      fs.failAfter(static_cast<std::int64_t>(10 + rng() % 300));
      for (int i = 0; i < 40; ++i) {
        Category c = i % 3 ? Category::kLogging : Category::kMetric;
        std::vector<Point> pts = randomPoints(rng, c, 6, 1);
        attempted.insert(attempted.end(), pts.begin(), pts.end());
        if (writePoints(**e, "ws", c, pts).isOk())
          acked.insert(acked.end(), pts.begin(), pts.end());
        if (rng() % 3 == 0) (void)(*e)->flush();
        if (rng() % 4 == 0) (void)(*e)->mergeOnce();
      }
      ASSERT_TRUE(fs.crash(seed % 2 ? FS::CrashMode::kTornWrite : FS::CrashMode::kDropUnsynced,
                           static_cast<std::uint64_t>(seed))
                      .isOk());
    }
    fs.restart();
    auto e = StorageEngine::open(fs, o);
    ASSERT_TRUE(e.isOk()) << e.status().toString();
    // Key order differs between what was written and what comes back: compare canonical forms.
    auto render = [](Point p) {
      std::sort(p.tags.begin(), p.tags.end(), [](auto& a, auto& b) { return a.key < b.key; });
      std::sort(p.fields.begin(), p.fields.end(), [](auto& a, auto& b) { return a.key < b.key; });
      return p;
    };
    std::map<std::string, int> got;
    for (Category c : {Category::kMetric, Category::kLogging}) {
      for (const Point& p : scanAll(**e, "ws", c)) ++got[model::debugString(render(p))];
    }
    std::map<std::string, int> want, maybe;
    for (const Point& p : acked) ++want[model::debugString(render(p))];
    for (const Point& p : attempted) ++maybe[model::debugString(render(p))];
    for (const auto& [k, n] : want) EXPECT_GE(got[k], n) << "lost: " << k;
    for (const auto& [k, n] : got) EXPECT_LE(n, maybe[k]) << "never written: " << k;
  }
}

TEST(RetentionTest, ParsesCategoryDurations) {
  RetentionTable t = defaultRetention();
  EXPECT_EQ(t[static_cast<size_t>(Category::kMetric)], std::chrono::hours(24 * 30));
  EXPECT_EQ(t[static_cast<size_t>(Category::kLogging)], std::chrono::hours(24 * 14));
  ASSERT_TRUE(parseRetention("metric=90d,L=720h", &t).isOk());
  EXPECT_EQ(t[static_cast<size_t>(Category::kMetric)], std::chrono::hours(24 * 90));
  EXPECT_EQ(t[static_cast<size_t>(Category::kLogging)], std::chrono::hours(720));
  RetentionTable before = t;
  for (const char* bad : {"metric", "metricz=1d", "metric=12h", "metric=abc", "logging=2d,x=1d"}) {
    EXPECT_EQ(parseRetention(bad, &t).code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(t, before) << bad;
  }
}

TEST(StorageEngineTest, RejectsBadWorkspaceIds) {
  TempDir dir;
  auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
  ASSERT_TRUE(e.isOk());
  Point p;
  p.measurement = "m";
  p.fields = {{"v", 1.0}};
  for (const char* bad : {"", "..", "a/b", "x y"}) {
    EXPECT_EQ(writePoints(**e, bad, Category::kMetric, {p}).code(), StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace sextant::storage

namespace sextant::storage {
namespace {

// One series, one timestamp, many flushes and merges (the shape of the kill -9 process test).
TEST(StorageEngineTest, RowsWithOneTimestampSurviveFlushesAndMerges) {
  TempDir dir;
  StorageOptions o = manualOptions(dir.path());
  auto e = StorageEngine::open(realFileSystem(), o);
  ASSERT_TRUE(e.isOk());
  int64_t seq = 0;
  for (int round = 0; round < 30; ++round) {
    for (int b = 0; b < 7; ++b) {
      std::vector<Point> pts;
      for (int i = 0; i < 50; ++i) {
        Point p;
        p.measurement = "steady";
        p.fields = {{"seq", seq++}};
        p.time_ns = kBase;
        pts.push_back(p);
      }
      ASSERT_TRUE(writePoints(**e, "ws", Category::kMetric, pts).isOk());
    }
    ASSERT_TRUE((*e)->flush().isOk());
    if (round % 3 == 2) {
      ASSERT_TRUE((*e)->mergeOnce().isOk());
    }
  }
  std::set<int64_t> got;
  for (const Point& p : scanAll(**e, "ws", Category::kMetric)) {
    got.insert(std::get<int64_t>(p.findField("seq")->value));
  }
  EXPECT_EQ(got.size(), static_cast<size_t>(seq));
}

}  // namespace
}  // namespace sextant::storage

namespace sextant::storage {
namespace {

// The background flusher and merger at a fast pace under concurrent writers; then a clean
// shutdown and a reopen.
TEST(StorageEngineTest, BackgroundFlushesAndMergesLoseNothing) {
  TempDir dir;
  StorageOptions o = manualOptions(dir.path());
  o.background = true;
  o.flush_interval = std::chrono::milliseconds(5);
  o.merge_interval = std::chrono::milliseconds(5);
  std::atomic<int64_t> next{0};
  {
    auto e = StorageEngine::open(realFileSystem(), o);
    ASSERT_TRUE(e.isOk());
    std::vector<std::thread> writers;
    for (int t = 0; t < 3; ++t) {
      writers.emplace_back([&] {
        // At least 150 batches each, and on until the background threads flushed and merged
        // (bounded, so a stuck flusher fails the test instead of hanging it).
        for (int b = 0; b < 150 || ((*e)->stats().merges == 0 && b < 100'000); ++b) {
          std::vector<Point> pts;
          for (int i = 0; i < 20; ++i) {
            Point p;
            p.measurement = "steady";
            p.fields = {{"seq", next++}};
            p.time_ns = kBase;
            pts.push_back(p);
          }
          ASSERT_TRUE(writePoints(**e, "ws", Category::kMetric, pts).isOk());
        }
      });
    }
    for (auto& w : writers) w.join();
    EXPECT_GT((*e)->stats().flushes, 0u);
    EXPECT_GT((*e)->stats().merges, 0u);
    EXPECT_EQ(scanAll(**e, "ws", Category::kMetric).size(), static_cast<size_t>(next.load()));
  }
  auto e = StorageEngine::open(realFileSystem(), o);
  ASSERT_TRUE(e.isOk());
  std::set<int64_t> got;
  for (const Point& p : scanAll(**e, "ws", Category::kMetric)) {
    got.insert(std::get<int64_t>(p.findField("seq")->value));
  }
  EXPECT_EQ(got.size(), static_cast<size_t>(next.load()));
  EXPECT_GT((*e)->stats().parts, 0u);
}

}  // namespace
}  // namespace sextant::storage
