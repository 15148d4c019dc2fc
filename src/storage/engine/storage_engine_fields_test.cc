// ScanRequest::fields through the engine: the same rows from the head, from parts and from both,
// in every category; granule skipping by value blooms (trace_id) and ranges, kept by merges.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "core/testing/temp_dir.h"
#include "storage/engine/storage_engine.h"
#include "storage/engine/testing/test_engine.h"
#include "storage/part/part.h"

namespace sextant::storage {
namespace {

using model::Category;
using model::FieldValue;
using model::Point;
using Op = FieldPredicate::Op;
using sextant::testing::TempDir;
using testing::writePoints;

constexpr std::int64_t kDay = 86'400'000'000'000;
constexpr std::int64_t kBase = 20'000 * kDay;

StorageOptions manualOptions(const std::string& dir) {
  StorageOptions o;
  o.data_dir = dir;
  o.background = false;
  o.now_ns = [] { return kBase + 3 * kDay; };
  return o;
}

FieldPredicate pred(std::string col, Op op, std::vector<FieldValue> values = {}) {
  return FieldPredicate{std::move(col), op, std::move(values)};
}

// Point i: service tag web/api; duration int (i * 10) in 2 of 3 points, float (i * 10 + 0.5) in
// the third, absent when i % 7 == 0; trace_id "t<i / 3>"; time kBase + i s.
std::vector<Point> samplePoints(Category c, int n) {
  std::vector<Point> pts;
  for (int i = 0; i < n; ++i) {
    Point p;
    p.category = c;
    p.measurement = i % 2 ? "checkout" : "cart";
    p.tags = {{"service", i % 4 == 0 ? "web" : "api"}};
    if (i % 7 != 0) {
      if (i % 3 == 2) {
        p.fields.push_back({"duration", FieldValue(i * 10 + 0.5)});
      } else {
        p.fields.push_back({"duration", FieldValue(std::int64_t{i} * 10)});
      }
    }
    p.fields.push_back({"trace_id", FieldValue("t" + std::to_string(i / 3))});
    p.time_ns = kBase + std::int64_t{i} * 1'000'000'000;
    pts.push_back(std::move(p));
  }
  return pts;
}

std::optional<double> durationOf(const Point& p) {
  const model::Field* f = p.findField("duration");
  if (f == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(&f->value)) return static_cast<double>(*i);
  return std::get<double>(f->value);
}

struct Scanned {
  std::vector<std::int64_t> times;  // sorted
  std::vector<Point> points;
  ScanStats stats;
  Status status;
};

Scanned scan(StorageEngine& e, ScanRequest req) {
  Scanned s;
  s.status = e.scan(
      req,
      [&](ColumnBatch&& b) {
        for (std::size_t r = 0; r < b.rows(); ++r) {
          s.times.push_back(b.time_ns[r]);
          s.points.push_back(rowToPoint(b, r, req.category));
        }
        return Status::ok();
      },
      &s.stats);
  std::sort(s.times.begin(), s.times.end());
  return s;
}

std::vector<std::int64_t> timesWhere(const std::vector<Point>& pts,
                                     const std::function<bool(const Point&)>& keep) {
  std::vector<std::int64_t> out;
  for (const Point& p : pts) {
    if (keep(p)) out.push_back(p.time_ns);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(StorageEngineFieldsTest, PredicatesGiveTheSameRowsFromHeadAndPartsInEveryCategory) {
  for (Category c : {Category::kMetric, Category::kLogging, Category::kTracing, Category::kRum}) {
    SCOPED_TRACE(std::string(model::categoryName(c)));
    TempDir dir;
    auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
    ASSERT_TRUE(e.isOk());
    const std::vector<Point> pts = samplePoints(c, 300);
    const std::vector<Point> first(pts.begin(), pts.begin() + 150);
    const std::vector<Point> second(pts.begin() + 150, pts.end());
    ASSERT_TRUE(writePoints(**e, "ws", c, first).isOk());
    // Stage 0: all in the head; 1: half in a part; 2: all in parts.
    for (int stage = 0; stage < 3; ++stage) {
      SCOPED_TRACE("stage " + std::to_string(stage));
      if (stage == 1) {
        ASSERT_TRUE((*e)->flush().isOk());
        ASSERT_TRUE(writePoints(**e, "ws", c, second).isOk());
      } else if (stage == 2) {
        ASSERT_TRUE((*e)->flush().isOk());
      }
      const std::vector<Point>& have = pts;
      const std::size_t n = stage == 0 ? first.size() : pts.size();
      const std::vector<Point> written(have.begin(), have.begin() + static_cast<std::ptrdiff_t>(n));
      ScanRequest req;
      req.workspace_id = "ws";
      req.category = c;
      // An int bound over int and float values; missing durations fail.
      req.fields = {pred("duration", Op::kGt, {FieldValue(std::int64_t{1000})})};
      EXPECT_EQ(scan(**e, req).times, timesWhere(written, [](const Point& p) {
                  auto d = durationOf(p);
                  return d && *d > 1000;
                }));
      // A float bound, ANDed with a string equality.
      req.fields = {pred("duration", Op::kLe, {FieldValue(600.5)}),
                    pred("trace_id", Op::kIn,
                         {FieldValue(std::string("t20")), FieldValue(std::string("t3"))})};
      EXPECT_EQ(scan(**e, req).times, timesWhere(written, [](const Point& p) {
                  auto d = durationOf(p);
                  const std::string& t = std::get<std::string>(p.findField("trace_id")->value);
                  return d && *d <= 600.5 && (t == "t20" || t == "t3");
                }));
      // Negations keep rows without the column.
      req.fields = {pred("duration", Op::kNe, {FieldValue(std::int64_t{100})})};
      EXPECT_EQ(scan(**e, req).times, timesWhere(written, [](const Point& p) {
                  auto d = durationOf(p);
                  return !d || *d != 100;
                }));
      req.fields = {pred("duration", Op::kNotExists)};
      Scanned missing = scan(**e, req);
      EXPECT_EQ(missing.times, timesWhere(written, [](const Point& p) { return !durationOf(p); }));
      EXPECT_FALSE(missing.times.empty());
      // Tags: columns outside metrics; in metrics they are the series index's (ScanRequest::tags).
      req.fields = {pred("service", Op::kEq, {FieldValue(std::string("web"))}),
                    pred("duration", Op::kGe, {FieldValue(std::int64_t{0})})};
      EXPECT_EQ(scan(**e, req).times, c == Category::kMetric
                                          ? std::vector<std::int64_t>{}
                                          : timesWhere(written, [](const Point& p) {
                                              return p.findTag("service")->value == "web" &&
                                                     durationOf(p).has_value();
                                            }));
      // Predicate columns are read but returned only when projected.
      req.fields = {pred("duration", Op::kLt, {FieldValue(std::int64_t{300})})};
      req.columns = {"trace_id"};
      Scanned projected = scan(**e, req);
      const auto want_small = timesWhere(written, [](const Point& p) {
        auto d = durationOf(p);
        return d && *d < 300;
      });
      EXPECT_EQ(projected.times, want_small);
      for (const Point& p : projected.points) {
        EXPECT_EQ(p.findField("duration"), nullptr);
        EXPECT_NE(p.findField("trace_id"), nullptr);
      }
      req.columns.clear();
      req.no_columns = true;
      Scanned bare = scan(**e, req);
      EXPECT_EQ(bare.times, want_small);
      for (const Point& p : bare.points) {
        EXPECT_TRUE(p.fields.empty());
      }
      EXPECT_EQ(bare.stats.rows, want_small.size());
    }
  }
}

TEST(StorageEngineFieldsTest, NoColumnsStillFiltersEventsByTagsAndText) {
  // no_columns returns time only, but tag matchers and full text still need their columns.
  TempDir dir;
  auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
  ASSERT_TRUE(e.isOk());
  std::vector<Point> pts = samplePoints(Category::kLogging, 40);
  for (std::size_t i = 0; i < pts.size(); ++i) {
    pts[i].fields.push_back({"message", FieldValue(std::string(i % 5 == 0 ? "disk full" : "ok"))});
  }
  ASSERT_TRUE(writePoints(**e, "ws", Category::kLogging, pts).isOk());
  const std::vector<std::int64_t> want = timesWhere(pts, [](const Point& p) {
    return p.findTag("service")->value == "web" &&
           std::get<std::string>(p.findField("message")->value) == "disk full";
  });
  ASSERT_FALSE(want.empty());  // points 0 and 20
  for (bool flushed : {false, true}) {
    if (flushed) {
      ASSERT_TRUE((*e)->flush().isOk());
    }
    ScanRequest req;
    req.workspace_id = "ws";
    req.category = Category::kLogging;
    req.no_columns = true;
    req.tags = {{"service", TagMatcher::kEq, {"web"}}};
    req.text = "DISK";
    Scanned s = scan(**e, req);
    EXPECT_EQ(s.times, want) << "flushed " << flushed;
    for (const Point& p : s.points) {
      EXPECT_TRUE(p.fields.empty());
      EXPECT_TRUE(p.tags.empty());
    }
  }
}

TEST(StorageEngineFieldsTest, MalformedPredicateIsInvalidArgument) {
  TempDir dir;
  auto e = StorageEngine::open(realFileSystem(), manualOptions(dir.path()));
  ASSERT_TRUE(e.isOk());
  ASSERT_TRUE(
      writePoints(**e, "ws", Category::kLogging, samplePoints(Category::kLogging, 5)).isOk());
  ScanRequest req;
  req.workspace_id = "ws";
  req.category = Category::kLogging;
  req.fields = {pred("duration", Op::kIn)};
  Scanned s = scan(**e, req);
  EXPECT_EQ(s.status.code(), StatusCode::kInvalidArgument) << s.status.toString();
  req.fields = {pred("", Op::kExists)};
  EXPECT_EQ(scan(**e, req).status.code(), StatusCode::kInvalidArgument);
}

TEST(StorageEngineFieldsTest, ValueBloomColumnsByCategory) {
  auto names = [](Category c) {
    std::vector<std::string> out;
    for (std::string_view s : valueBloomColumns(c)) out.emplace_back(s);
    return out;
  };
  EXPECT_EQ(names(Category::kTracing), (std::vector<std::string>{"trace_id", "span_id"}));
  EXPECT_EQ(names(Category::kRum), (std::vector<std::string>{"session_id", "view_id"}));
  EXPECT_EQ(names(Category::kLogging), (std::vector<std::string>{"trace_id"}));
  EXPECT_TRUE(names(Category::kMetric).empty());
  EXPECT_TRUE(names(Category::kObject).empty());
}

// 5 granules of spans of one service: trace "tr<k>" has spans k*4 .. k*4+3; duration = row.
std::vector<Point> spans(int from, int to) {
  std::vector<Point> out;
  for (int i = from; i < to; ++i) {
    Point p;
    p.category = Category::kTracing;
    p.measurement = "checkout";
    p.tags = {{"service", "checkout"}, {"env", "prod"}};
    p.fields = {{"trace_id", FieldValue("tr" + std::to_string(i / 4))},
                {"span_id", FieldValue("sp" + std::to_string(i))},
                {"duration", FieldValue(std::int64_t{i})},
                {"resource", FieldValue(std::string("GET /cart"))}};
    p.time_ns = kBase + std::int64_t{i} * 1'000'000;
    out.push_back(std::move(p));
  }
  return out;
}

TEST(StorageEngineFieldsTest, TraceIdEqualityReadsOnlyItsGranuleAcrossMerges) {
  TempDir dir;
  StorageOptions o = manualOptions(dir.path());
  o.merge_min_parts = 2;
  auto e = StorageEngine::open(realFileSystem(), o);
  ASSERT_TRUE(e.isOk());
  const int n = 5 * static_cast<int>(kGranuleRows);
  ASSERT_TRUE(writePoints(**e, "ws", Category::kTracing, spans(0, n / 2)).isOk());
  ASSERT_TRUE((*e)->flush().isOk());
  ASSERT_TRUE(writePoints(**e, "ws", Category::kTracing, spans(n / 2, n)).isOk());
  ASSERT_TRUE((*e)->flush().isOk());
  ScanRequest req;
  req.workspace_id = "ws";
  req.category = Category::kTracing;
  req.fields = {pred("trace_id", Op::kEq, {FieldValue(std::string("tr7000"))})};  // rows 28000..
  auto check = [&](std::uint64_t granules_total) {
    Scanned s = scan(**e, req);
    ASSERT_TRUE(s.status.isOk()) << s.status.toString();
    EXPECT_EQ(s.times.size(), 4u);
    EXPECT_EQ(s.stats.granules_total, granules_total);
    EXPECT_EQ(s.stats.granules_read, 1u);
    EXPECT_EQ(s.stats.granules_skipped_by_fields, granules_total - 1);
    EXPECT_EQ(s.stats.head_rows, 0u);
  };
  check(6);  // two parts of 2.5 granules each
  bool merged = false;
  ASSERT_TRUE((*e)->mergeOnce(&merged).isOk());
  ASSERT_TRUE(merged);
  check(5);
  // A selective duration range reads one granule too; a non-selective one all.
  req.fields = {pred("duration", Op::kGe, {FieldValue(std::int64_t{n - 100})})};
  Scanned tail = scan(**e, req);
  EXPECT_EQ(tail.times.size(), 100u);
  EXPECT_EQ(tail.stats.granules_read, 1u);
  req.fields = {pred("duration", Op::kGe, {FieldValue(std::int64_t{0})})};
  Scanned all = scan(**e, req);
  EXPECT_EQ(all.times.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(all.stats.granules_read, 5u);
  // Reopened, the merged part still prunes (span_id has value blooms too).
  e = Result<std::unique_ptr<StorageEngine>>(invalidArgument("closed"));
  e = StorageEngine::open(realFileSystem(), o);
  ASSERT_TRUE(e.isOk());
  req.fields = {pred("span_id", Op::kEq, {FieldValue(std::string("sp12345"))})};
  Scanned one = scan(**e, req);
  ASSERT_EQ(one.points.size(), 1u);
  EXPECT_EQ(std::get<std::string>(one.points[0].findField("trace_id")->value), "tr3086");
  EXPECT_EQ(one.stats.granules_read, 1u);
}

}  // namespace
}  // namespace sextant::storage
