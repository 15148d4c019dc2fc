#include "agent/point_path.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "codec/point_pb/point_pb.h"

namespace sextant::agent {
namespace {

using model::Category;
using model::Point;

constexpr int64_t kNow = 1'700'000'000'000'000'000;
constexpr int64_t kHour = 3'600'000'000'000;

Point pt(std::string measurement, int64_t time_ns = kNow) {
  Point p;
  p.measurement = std::move(measurement);
  p.addField("v", int64_t{1});
  p.time_ns = time_ns;
  return p;
}

std::vector<Point> pts(std::initializer_list<Point> list) { return std::vector<Point>(list); }

struct Sink {
  std::mutex mu;
  std::vector<std::pair<Category, std::vector<Point>>> batches;
  std::vector<std::string> indexes;  // the storage index of each batch
  Status next = Status::ok();
  std::function<Status(Category, const std::vector<Point>&, const std::string&)> fn() {
    return [this](Category c, const std::vector<Point>& p, const std::string& index) {
      std::lock_guard lock(mu);
      if (!next.isOk()) return next;
      batches.emplace_back(c, p);
      indexes.push_back(index);
      return Status::ok();
    };
  }
  size_t points() {
    std::lock_guard lock(mu);
    size_t n = 0;
    for (auto& b : batches) n += b.second.size();
    return n;
  }
};

PointPathOptions baseOptions(Sink& sink) {
  PointPathOptions o;
  o.now_ns = [] { return kNow; };
  o.host_tags = [] {
    return std::make_shared<const TagMap>(TagMap{{"host", "h1"}, {"env", "prod"}});
  };
  o.election_tags = [] { return std::make_shared<const TagMap>(TagMap{{"cluster", "c1"}}); };
  o.sink = sink.fn();
  o.max_cache_count = 3;
  return o;
}

TEST(PointPathTest, GlobalTagsNeverOverrideTagsOrFields) {
  Sink sink;
  PointPath path(baseOptions(sink));
  Point a = pt("cpu");
  a.addTag("env", "dev");  // the point's own tag wins
  Point b = pt("cpu");
  b.addField("host", std::string("field-wins"));  // a field of that name blocks the tag too
  ASSERT_TRUE(path.feed(Category::kMetric, pts({a, b}), {.input = "t", .durable = true}).isOk());
  ASSERT_EQ(sink.batches.size(), 1u);
  const auto& out = sink.batches[0].second;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].findTag("env")->value, "dev");
  EXPECT_EQ(out[0].findTag("host")->value, "h1");
  EXPECT_EQ(out[1].findTag("host"), nullptr);
  EXPECT_EQ(out[1].findTag("env")->value, "prod");
}

TEST(PointPathTest, ElectionInputsGetElectionTagsAndIgnoreSkipsTags) {
  Sink sink;
  PointPath path(baseOptions(sink));
  ASSERT_TRUE(path.feed(Category::kMetric, pts({pt("etcd")}),
                        {.input = "prom", .election = true, .durable = true})
                  .isOk());
  ASSERT_TRUE(path.feed(Category::kMetric, pts({pt("raw")}),
                        {.input = "w", .durable = true, .ignore_global_tags = true})
                  .isOk());
  ASSERT_EQ(sink.batches.size(), 2u);
  const Point& e = sink.batches[0].second[0];
  EXPECT_EQ(e.findTag("cluster")->value, "c1");
  EXPECT_EQ(e.findTag("host"), nullptr);
  EXPECT_TRUE(sink.batches[1].second[0].tags.empty());
}

TEST(PointPathTest, TimesMoreThanTwoHoursAwayAreCorrected) {
  Sink sink;
  PointPath path(baseOptions(sink));
  std::vector<Point> in = pts({pt("old", kNow - 2 * kHour - 1), pt("edge", kNow - 2 * kHour),
                               pt("future", kNow + 3 * kHour)});
  ASSERT_TRUE(path.feed(Category::kLogging, std::move(in), {.input = "t", .durable = true}).isOk());
  const auto& out = sink.batches.at(0).second;
  EXPECT_EQ(out[0].time_ns, kNow);
  ASSERT_NE(out[0].findField("__orig_time"), nullptr);
  EXPECT_EQ(std::get<int64_t>(out[0].findField("__orig_time")->value), kNow - 2 * kHour - 1);
  EXPECT_EQ(out[1].time_ns, kNow - 2 * kHour);  // exactly 2 h: kept
  EXPECT_EQ(out[1].findField("__orig_time"), nullptr);
  EXPECT_EQ(out[2].time_ns, kNow);
  EXPECT_EQ(path.stats().corrected_times, 2u);
}

TEST(PointPathTest, ExtremeTimesAreCorrectedWithoutOverflow) {
  // now - INT64_MIN and INT64_MAX - now overflow int64: the distance is taken in uint64.
  Sink sink;
  PointPath path(baseOptions(sink));
  std::vector<Point> in = pts({pt("min", INT64_MIN), pt("max", INT64_MAX)});
  ASSERT_TRUE(path.feed(Category::kLogging, std::move(in), {.input = "t", .durable = true}).isOk());
  const auto& out = sink.batches.at(0).second;
  EXPECT_EQ(out[0].time_ns, kNow);
  EXPECT_EQ(std::get<int64_t>(out[0].findField("__orig_time")->value), INT64_MIN);
  EXPECT_EQ(out[1].time_ns, kNow);
  EXPECT_EQ(std::get<int64_t>(out[1].findField("__orig_time")->value), INT64_MAX);
  EXPECT_EQ(path.stats().corrected_times, 2u);
}

TEST(PointPathTest, CorrectionCanBeTurnedOff) {
  Sink sink;
  PointPathOptions o = baseOptions(sink);
  o.auto_timestamp_correction = false;
  PointPath path(o);
  ASSERT_TRUE(
      path.feed(Category::kMetric, pts({pt("old", 5)}), {.input = "t", .durable = true}).isOk());
  EXPECT_EQ(sink.batches.at(0).second[0].time_ns, 5);
}

TEST(PointPathTest, BatchesFlushAtMaxCacheCountAndOnStop) {
  Sink sink;
  PointPath path(baseOptions(sink));  // max_cache_count 3
  ASSERT_TRUE(path.feed(Category::kMetric, pts({pt("a"), pt("b")}), {.input = "cpu"}).isOk());
  EXPECT_EQ(sink.points(), 0u);
  EXPECT_EQ(path.stats().pending_points, 2u);
  ASSERT_TRUE(path.feed(Category::kObject, pts({pt("o")}), {.input = "hostobject"}).isOk());
  ASSERT_TRUE(path.feed(Category::kMetric, pts({pt("c")}), {.input = "mem"}).isOk());
  ASSERT_EQ(sink.batches.size(), 1u);
  EXPECT_EQ(sink.batches[0].first, Category::kMetric);
  ASSERT_EQ(sink.batches[0].second.size(), 3u);
  EXPECT_EQ(sink.batches[0].second[0].measurement, "a");
  EXPECT_EQ(sink.batches[0].second[2].measurement, "c");
  path.stop();
  ASSERT_EQ(sink.batches.size(), 2u);
  EXPECT_EQ(sink.batches[1].first, Category::kObject);
  EXPECT_EQ(path.stats().pending_points, 0u);
}

TEST(PointPathTest, TimerFlushesAfterFlushInterval) {
  Sink sink;
  PointPathOptions o = baseOptions(sink);
  o.max_cache_count = 1000;
  o.flush_interval = std::chrono::milliseconds(20);
  PointPath path(o);
  path.start();
  ASSERT_TRUE(path.feed(Category::kMetric, pts({pt("a")}), {.input = "cpu"}).isOk());
  for (int i = 0; i < 500 && sink.points() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(sink.points(), 1u);
  path.stop();
}

TEST(PointPathTest, DurableFeedReportsSinkFailureAndCountsIt) {
  Sink sink;
  sink.next = Status(StatusCode::kResourceExhausted, "queue full");
  PointPath path(baseOptions(sink));
  Status st =
      path.feed(Category::kMetric, pts({pt("a"), pt("b")}), {.input = "w", .durable = true});
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  PointPathStats s = path.stats();
  EXPECT_EQ(s.sink_failures, 1u);
  EXPECT_EQ(s.failed_points, 2u);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].input, "uploader");
}

TEST(PointPathTest, NoSinkDiscardsAndCounts) {
  PointPathOptions o;
  o.now_ns = [] { return kNow; };
  PointPath path(o);
  ASSERT_TRUE(path.feed(Category::kMetric, pts({pt("a")}), {.input = "w", .durable = true}).isOk());
  EXPECT_EQ(path.stats().discarded_points, 1u);
}

TEST(PointPathTest, PipelineHookMayDropPoints) {
  Sink sink;
  PointPathOptions o = baseOptions(sink);
  o.pipeline = [](Category, const FeedOptions& feed, std::vector<Point>* p) {
    if (feed.pipeline == "drop.p") p->clear();
  };
  PointPath path(o);
  ASSERT_TRUE(path.feed(Category::kLogging, pts({pt("a")}),
                        {.input = "w", .durable = true, .pipeline = "drop.p"})
                  .isOk());
  EXPECT_EQ(sink.points(), 0u);
  ASSERT_TRUE(path.feed(Category::kLogging, pts({pt("a")}),
                        {.input = "w", .durable = true, .pipeline = "keep.p"})
                  .isOk());
  EXPECT_EQ(sink.points(), 1u);
}

Point logPoint(std::string message, std::string status) {
  Point p;
  p.measurement = "app";
  p.addTag("service", "app");
  p.addField("message", std::move(message));
  if (!status.empty()) p.addField("status", std::move(status));
  p.addField("a", int64_t{1});
  p.addField("b", std::string("x"));
  p.time_ns = kNow;
  return p;
}

TEST(PointPathTest, IgnoreStatusDropsAfterThePipelineAndCounts) {
  Sink sink;
  PointPathOptions o = baseOptions(sink);
  // The pipeline turns "E ..." messages into error logs.
  o.pipeline = [](Category, const FeedOptions&, std::vector<Point>* pts) {
    for (Point& p : *pts) {
      if (std::get<std::string>(p.findField("message")->value).starts_with("E ")) {
        p.findField("status")->value = std::string("error");
      }
    }
  };
  PointPath path(o);
  FeedOptions feed{.input = "logging", .durable = true};
  feed.ignore_status = {"INFO", "debug"};
  ASSERT_TRUE(path.feed(Category::kLogging,
                        pts({logPoint("E boom", "info"), logPoint("quiet", "info"),
                             logPoint("no status", ""), logPoint("dbg", "Debug"),
                             logPoint("warn", "warning")}),
                        feed)
                  .isOk());
  ASSERT_EQ(sink.batches.size(), 1u);
  std::vector<std::string> kept;
  for (const Point& p : sink.batches[0].second) {
    kept.push_back(std::get<std::string>(p.findField("message")->value));
  }
  EXPECT_EQ(kept, (std::vector<std::string>{"E boom", "warn"}));
  PointPathStats s = path.stats();
  EXPECT_EQ(s.ignored_status, 3u);
  ASSERT_EQ(s.feeds.size(), 1u);
  EXPECT_EQ(s.feeds[0].ignored_status, 3u);
  EXPECT_EQ(s.feeds[0].points, 2u);
  // All ignored: nothing reaches the sink.
  ASSERT_TRUE(path.feed(Category::kLogging, pts({logPoint("q", "info")}), feed).isOk());
  EXPECT_EQ(sink.batches.size(), 1u);
  EXPECT_EQ(path.stats().ignored_status, 4u);
}

TEST(PointPathTest, FieldWhiteListKeepsListedFieldsMessageAndStatus) {
  Sink sink;
  PointPathOptions o = baseOptions(sink);
  o.pipeline = [](Category, const FeedOptions&, std::vector<Point>* pts) {
    for (Point& p : *pts) p.addField("extracted", std::string("by pipeline"));
  };
  PointPath path(o);
  FeedOptions feed{.input = "logging", .durable = true, .ignore_global_tags = true};
  feed.field_white_list = {"b", "extracted"};
  ASSERT_TRUE(path.feed(Category::kLogging, pts({logPoint("m", "warning")}), feed).isOk());
  ASSERT_EQ(sink.batches.size(), 1u);
  const Point& p = sink.batches[0].second.at(0);
  std::vector<std::string> keys;
  for (const auto& f : p.fields) keys.push_back(f.key);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"b", "extracted", "message", "status"}));
  EXPECT_EQ(p.tags, (std::vector<model::Tag>{{"service", "app"}}));  // tags untouched
}

TEST(PointPathTest, StorageIndexesNeverShareABatch) {
  Sink sink;
  PointPath path(baseOptions(sink));  // max_cache_count 3
  FeedOptions a{.input = "logging"};
  a.storage_index = "idx_a";
  FeedOptions none{.input = "logging"};
  ASSERT_TRUE(path.feed(Category::kLogging, pts({pt("a1"), pt("a2")}), a).isOk());
  ASSERT_TRUE(path.feed(Category::kLogging, pts({pt("n1"), pt("n2")}), none).isOk());
  EXPECT_EQ(path.stats().pending_points, 4u);
  ASSERT_TRUE(path.feed(Category::kLogging, pts({pt("a3")}), a).isOk());  // idx_a reaches 3
  ASSERT_EQ(sink.batches.size(), 1u);
  EXPECT_EQ(sink.indexes[0], "idx_a");
  EXPECT_EQ(sink.batches[0].second.size(), 3u);
  path.stop();
  ASSERT_EQ(sink.batches.size(), 2u);
  EXPECT_EQ(sink.indexes[1], "");
  EXPECT_EQ(sink.batches[1].second[0].measurement, "n1");
  // A durable feed goes straight to the sink with its index.
  FeedOptions b{.input = "logging", .durable = true};
  b.storage_index = "idx_b";
  ASSERT_TRUE(path.feed(Category::kLogging, pts({pt("b1")}), b).isOk());
  EXPECT_EQ(sink.indexes.back(), "idx_b");
}

TEST(PointPathTest, FeedStatsAndErrorsPerInput) {
  Sink sink;
  PointPath path(baseOptions(sink));
  ASSERT_TRUE(path.feed(Category::kMetric, pts({pt("a"), pt("b")}), {.input = "cpu"}).isOk());
  ASSERT_TRUE(path.feed(Category::kMetric, pts({pt("a")}), {.input = "cpu"}).isOk());
  path.reportError("disk", "statfs /x: permission denied");
  path.reportError("disk", "statfs /y: permission denied");
  PointPathStats s = path.stats();
  ASSERT_EQ(s.feeds.size(), 1u);
  EXPECT_EQ(s.feeds[0].input, "cpu");
  EXPECT_EQ(s.feeds[0].feeds, 2u);
  EXPECT_EQ(s.feeds[0].points, 3u);
  EXPECT_EQ(s.feeds[0].last_feed_ns, kNow);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].message, "statfs /y: permission denied");
  EXPECT_EQ(s.errors[0].count, 2u);
}

// --- feedReusable against feed() ---

// Every sink call of a point path as the PBPoints bytes the uploader would queue: the ordinary
// sink's points encoded one by one with pb::appendPoint (what Uploader::write does), the
// protobuf sink's bytes as given.
struct Recorder {
  struct Call {
    Category category;
    std::string index;
    std::string pb;
    size_t points = 0;
    bool encoded = false;  // came through protobuf_sink
  };
  std::mutex mu;
  std::vector<Call> calls;
  Status answer = Status::ok();

  void install(PointPathOptions& o, bool protobuf) {
    o.sink = [this](Category c, const std::vector<Point>& pts, const std::string& index) {
      Call call{c, index, "", pts.size(), false};
      for (const Point& p : pts) codec::pb::appendPoint(p, &call.pb);
      std::lock_guard lock(mu);
      calls.push_back(std::move(call));
      return answer;
    };
    if (protobuf) {
      o.protobuf_sink = [this](Category c, std::string_view pb, std::span<const uint32_t> ends,
                               const std::string& index) {
        EXPECT_FALSE(ends.empty());
        EXPECT_EQ(ends.back(), pb.size());
        EXPECT_TRUE(std::is_sorted(ends.begin(), ends.end()));
        std::lock_guard lock(mu);
        calls.push_back(Call{c, index, std::string(pb), ends.size(), true});
        return answer;
      };
    }
  }
  size_t size() {
    std::lock_guard lock(mu);
    return calls.size();
  }
};

// The same feeds through feedReusable (a reused vector, as the prom input keeps) on one point
// path and through feed() on another one without a protobuf sink.
struct TwoPaths {
  explicit TwoPaths(const std::function<void(PointPathOptions&)>& tweak = {}) {
    Sink unused;
    PointPathOptions o = baseOptions(unused);
    if (tweak) tweak(o);
    PointPathOptions f = o, s = o;
    fast_rec.install(f, true);
    slow_rec.install(s, false);
    fast = std::make_unique<PointPath>(std::move(f));
    slow = std::make_unique<PointPath>(std::move(s));
  }

  Status feed(Category c, const std::vector<Point>& points, const FeedOptions& o) {
    // Copy-assigned into the points of the previous feed: their storage is reused.
    reused.resize(points.size());
    for (size_t i = 0; i < points.size(); ++i) reused[i] = points[i];
    Status a = fast->feedReusable(c, reused, o);
    Status b = slow->feed(c, std::vector<Point>(points), o);
    EXPECT_EQ(a.code(), b.code()) << a.toString() << " vs " << b.toString();
    return a;
  }

  void expectSame() {
    std::lock_guard la(fast_rec.mu);
    std::lock_guard lb(slow_rec.mu);
    ASSERT_EQ(fast_rec.calls.size(), slow_rec.calls.size());
    for (size_t i = 0; i < fast_rec.calls.size(); ++i) {
      const Recorder::Call& a = fast_rec.calls[i];
      const Recorder::Call& b = slow_rec.calls[i];
      EXPECT_EQ(a.category, b.category) << i;
      EXPECT_EQ(a.index, b.index) << i;
      EXPECT_EQ(a.points, b.points) << i;
      EXPECT_EQ(a.pb, b.pb) << i;
    }
    const PointPathStats x = fast->stats(), y = slow->stats();
    EXPECT_EQ(x.flushes, y.flushes);
    EXPECT_EQ(x.sunk_points, y.sunk_points);
    EXPECT_EQ(x.sink_failures, y.sink_failures);
    EXPECT_EQ(x.failed_points, y.failed_points);
    EXPECT_EQ(x.discarded_points, y.discarded_points);
    EXPECT_EQ(x.pending_points, y.pending_points);
    EXPECT_EQ(x.corrected_times, y.corrected_times);
    EXPECT_EQ(x.errors.size(), y.errors.size());
    ASSERT_EQ(x.feeds.size(), y.feeds.size());
    for (size_t i = 0; i < x.feeds.size(); ++i) {
      EXPECT_EQ(x.feeds[i].input, y.feeds[i].input);
      EXPECT_EQ(x.feeds[i].category, y.feeds[i].category);
      EXPECT_EQ(x.feeds[i].feeds, y.feeds[i].feeds);
      EXPECT_EQ(x.feeds[i].points, y.feeds[i].points);
    }
  }

  size_t encodedCalls() {
    std::lock_guard lock(fast_rec.mu);
    return static_cast<size_t>(std::count_if(fast_rec.calls.begin(), fast_rec.calls.end(),
                                             [](const auto& c) { return c.encoded; }));
  }

  Recorder fast_rec, slow_rec;
  std::unique_ptr<PointPath> fast, slow;
  std::vector<Point> reused;
};

std::vector<Point> measurements(const std::string& pb, Category c) {
  auto r = codec::pb::decode(pb, c);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? std::move(r).value() : std::vector<Point>{};
}

TEST(PointPathReusable, UploadsWhatFeedUploads) {
  TwoPaths t;
  Point own_env = pt("cpu");
  own_env.addTag("env", "dev");  // the point's own tag wins over the global one
  Point field_host = pt("cpu");
  field_host.addField("host", std::string("field-wins"));  // a field blocks the tag too
  Point old = pt("old", kNow - 2 * kHour - 1);             // re-timed
  Point future = pt("future", kNow + 3 * kHour);           // re-timed
  Point edge = pt("edge", kNow - 2 * kHour);               // kept
  const std::vector<Point> metrics = {own_env, field_host, old, future, edge};
  ASSERT_TRUE(t.feed(Category::kMetric, metrics, {.input = "prom"}).isOk());
  // The storage stayed with the caller: the points are still there (now with global tags).
  ASSERT_EQ(t.reused.size(), metrics.size());
  EXPECT_EQ(t.reused[0].findTag("host")->value, "h1");
  ASSERT_TRUE(t.feed(Category::kLogging, {pt("l1"), pt("l2", kNow - 3 * kHour)},
                     {.input = "prom", .election = true})
                  .isOk());
  ASSERT_TRUE(
      t.feed(Category::kObject, {pt("o1")}, {.input = "prom", .ignore_global_tags = true}).isOk());
  ASSERT_TRUE(t.feed(Category::kMetric, {pt("durable")}, {.input = "w", .durable = true}).isOk());
  t.expectSame();
  t.fast->stop();
  t.slow->stop();
  t.expectSame();
  EXPECT_EQ(t.encodedCalls(), t.fast_rec.size());  // every call took the encoded path
  EXPECT_EQ(t.fast->stats().corrected_times, 3u);

  // The uploaded points, by hand: the metric batch (5 points >= max_cache_count 3).
  std::vector<Point> got;
  for (const auto& c : t.fast_rec.calls)
    if (c.category == Category::kMetric && c.points == 5) got = measurements(c.pb, c.category);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].findTag("env")->value, "dev");
  EXPECT_EQ(got[0].findTag("host")->value, "h1");
  EXPECT_EQ(got[1].findTag("host"), nullptr);
  EXPECT_EQ(got[1].findTag("env")->value, "prod");
  EXPECT_EQ(got[2].time_ns, kNow);
  EXPECT_EQ(std::get<int64_t>(got[2].findField("__orig_time")->value), kNow - 2 * kHour - 1);
  EXPECT_EQ(got[4].time_ns, kNow - 2 * kHour);
  EXPECT_EQ(got[4].findField("__orig_time"), nullptr);
}

TEST(PointPathReusable, BatchesByCountAsFeedDoes) {
  TwoPaths t;  // max_cache_count 3
  const FeedOptions o{.input = "prom"};
  ASSERT_TRUE(t.feed(Category::kMetric, {pt("a"), pt("b")}, o).isOk());
  EXPECT_EQ(t.fast_rec.size(), 0u);
  EXPECT_EQ(t.fast->stats().pending_points, 2u);
  t.expectSame();
  ASSERT_TRUE(t.feed(Category::kMetric, {pt("c"), pt("d")}, o).isOk());  // 4 >= 3: flushed
  EXPECT_EQ(t.fast_rec.size(), 1u);
  t.expectSame();
  ASSERT_TRUE(t.feed(Category::kMetric, {pt("e")}, o).isOk());
  FeedOptions indexed{.input = "prom"};
  indexed.storage_index = "idx";
  ASSERT_TRUE(t.feed(Category::kMetric, {pt("i")}, indexed).isOk());
  EXPECT_EQ(t.fast->stats().pending_points, 2u);
  t.expectSame();
  t.fast->flush();
  t.slow->flush();
  t.expectSame();
  ASSERT_EQ(t.fast_rec.size(), 3u);
  EXPECT_EQ(t.fast_rec.calls[2].index, "idx");
  EXPECT_EQ(t.fast->stats().pending_points, 0u);
}

TEST(PointPathReusable, BatchesByTimerAsFeedDoes) {
  TwoPaths t([](PointPathOptions& o) {
    o.max_cache_count = 1000;
    o.flush_interval = std::chrono::milliseconds(20);
  });
  t.fast->start();
  t.slow->start();
  ASSERT_TRUE(t.feed(Category::kMetric, {pt("a"), pt("b")}, {.input = "prom"}).isOk());
  for (int i = 0; i < 500 && (t.fast_rec.size() == 0 || t.slow_rec.size() == 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  t.fast->stop();
  t.slow->stop();
  ASSERT_EQ(t.fast_rec.size(), 1u);
  EXPECT_EQ(t.fast_rec.calls[0].points, 2u);
  t.expectSame();
}

TEST(PointPathReusable, ABatchKeepsTheOrderOfItsFeedsOfBothKinds) {
  // feed(a, b), feedReusable(c, d), feed(e): one batch, one sink call with a..e in feed order
  // (a, b encoded in front of c, d; e encoded behind them), the bytes feed() alone gives.
  Recorder fast_rec, slow_rec;
  Sink unused;
  PointPathOptions o = baseOptions(unused);
  o.max_cache_count = 10;
  PointPathOptions f = o, s = o;
  fast_rec.install(f, true);
  slow_rec.install(s, false);
  PointPath fast(f), slow(s);
  const FeedOptions cpu{.input = "cpu"}, prom{.input = "prom"};
  ASSERT_TRUE(fast.feed(Category::kMetric, pts({pt("a"), pt("b")}), cpu).isOk());
  std::vector<Point> reused = pts({pt("c"), pt("d")});
  ASSERT_TRUE(fast.feedReusable(Category::kMetric, reused, prom).isOk());
  ASSERT_TRUE(fast.feed(Category::kMetric, pts({pt("e")}), cpu).isOk());
  ASSERT_TRUE(slow.feed(Category::kMetric, pts({pt("a"), pt("b")}), cpu).isOk());
  ASSERT_TRUE(slow.feed(Category::kMetric, pts({pt("c"), pt("d")}), prom).isOk());
  ASSERT_TRUE(slow.feed(Category::kMetric, pts({pt("e")}), cpu).isOk());
  EXPECT_EQ(fast.stats().pending_points, 5u);
  EXPECT_EQ(fast_rec.size(), 0u);
  fast.stop();
  slow.stop();
  ASSERT_EQ(fast_rec.calls.size(), 1u);
  ASSERT_EQ(slow_rec.calls.size(), 1u);
  EXPECT_TRUE(fast_rec.calls[0].encoded);
  EXPECT_EQ(fast_rec.calls[0].points, 5u);
  EXPECT_EQ(fast_rec.calls[0].pb, slow_rec.calls[0].pb);
  std::vector<std::string> order;
  for (const Point& p : measurements(fast_rec.calls[0].pb, Category::kMetric))
    order.push_back(p.measurement);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  const PointPathStats st = fast.stats();
  EXPECT_EQ(st.flushes, 1u);
  EXPECT_EQ(st.sunk_points, 5u);
  ASSERT_EQ(st.feeds.size(), 2u);  // cpu: 2 feeds, 3 points; prom: 1 feed, 2 points
  EXPECT_EQ(st.feeds[0].input, "cpu");
  EXPECT_EQ(st.feeds[0].feeds, 2u);
  EXPECT_EQ(st.feeds[0].points, 3u);
  EXPECT_EQ(st.feeds[1].feeds, 1u);
  EXPECT_EQ(st.feeds[1].points, 2u);
}

TEST(PointPathReusable, FallsBackToFeedWhenAPipelineMayApplyOrFiltersAreSet) {
  auto renaming = [](bool applies) {
    return [applies](PointPathOptions& o) {
      o.pipeline = [applies](Category, const FeedOptions&, std::vector<Point>* pts) {
        if (!applies) return;  // no script binds to these points
        for (Point& p : *pts) p.measurement += "_piped";
      };
      o.pipeline_applies = [applies](Category, const FeedOptions&) { return applies; };
    };
  };
  {
    TwoPaths t(renaming(true));
    ASSERT_TRUE(t.feed(Category::kMetric, {pt("a"), pt("b"), pt("c")}, {.input = "prom"}).isOk());
    EXPECT_TRUE(t.reused.empty());  // moved into feed()
    t.expectSame();
    EXPECT_EQ(t.encodedCalls(), 0u);
    ASSERT_EQ(t.fast_rec.size(), 1u);
    EXPECT_EQ(measurements(t.fast_rec.calls[0].pb, Category::kMetric)[0].measurement, "a_piped");
  }
  {
    TwoPaths t(renaming(false));  // a hook with no script for these points: the fast path
    ASSERT_TRUE(t.feed(Category::kMetric, {pt("a"), pt("b"), pt("c")}, {.input = "prom"}).isOk());
    EXPECT_EQ(t.reused.size(), 3u);
    EXPECT_EQ(t.encodedCalls(), 1u);
    t.expectSame();
  }
  {
    TwoPaths t([](PointPathOptions& o) {  // a hook that cannot say: never the fast path
      o.pipeline = [](Category, const FeedOptions&, std::vector<Point>*) {};
    });
    ASSERT_TRUE(t.feed(Category::kMetric, {pt("a"), pt("b"), pt("c")}, {.input = "prom"}).isOk());
    EXPECT_EQ(t.encodedCalls(), 0u);
    t.expectSame();
  }
  {
    TwoPaths t;
    FeedOptions filtered{.input = "prom", .durable = true};
    filtered.ignore_status = {"info"};
    ASSERT_TRUE(
        t.feed(Category::kLogging, {logPoint("m", "info"), logPoint("w", "warning")}, filtered)
            .isOk());
    EXPECT_EQ(t.encodedCalls(), 0u);
    t.expectSame();
    EXPECT_EQ(t.fast->stats().ignored_status, 1u);
  }
}

TEST(PointPathReusable, SinkFailuresAnswerAndCountAlike) {
  TwoPaths t;
  t.fast_rec.answer = t.slow_rec.answer = Status(StatusCode::kResourceExhausted, "queue full");
  Status st = t.feed(Category::kMetric, {pt("a"), pt("b")}, {.input = "w", .durable = true});
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(t.feed(Category::kMetric, {pt("c"), pt("d"), pt("e")}, {.input = "prom"}).isOk());
  t.expectSame();
  const PointPathStats s = t.fast->stats();
  EXPECT_EQ(s.sink_failures, 2u);
  EXPECT_EQ(s.failed_points, 5u);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].input, "uploader");
}

}  // namespace
}  // namespace sextant::agent
