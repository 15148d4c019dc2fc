#include "agent/point_path.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

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

}  // namespace
}  // namespace sextant::agent
