#include "agent/uploader/uploader.h"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "agent/uploader/testing/fake_dataway.h"
#include "codec/compression/compression.h"
#include "codec/point_pb/point_pb.h"
#include "core/testing/temp_dir.h"
#include "net/http_client.h"

namespace sextant::agent {
namespace {

using namespace std::chrono_literals;
using model::Category;
using testing::FakeDataway;

model::Point point(int64_t seq, Category category = Category::kMetric) {
  model::Point p;
  p.category = category;
  p.measurement = "upload_test";
  p.addTag("host", "h1");
  p.addField("seq", seq);
  if (category == Category::kLogging)
    p.addField("message", std::string("line ") + std::to_string(seq));
  p.time_ns = 1700000000000000000 + seq;
  return p;
}

std::vector<model::Point> batch(int64_t first, int n, Category category = Category::kMetric) {
  std::vector<model::Point> out;
  for (int i = 0; i < n; ++i) out.push_back(point(first + i, category));
  return out;
}

std::optional<UploaderLaneStats> laneStats(const UploaderStats& s, Category c,
                                           size_t endpoint_index = 0) {
  size_t seen = 0;
  for (const auto& l : s.lanes) {
    if (l.category != c) continue;
    if (seen++ == endpoint_index) return l;
  }
  return std::nullopt;
}

class UploaderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dw_.start().isOk()); }

  UploaderOptions options() {
    UploaderOptions o;
    o.urls = {dw_.url()};
    o.queue_dir = dir_.path() + "/queue";
    o.retry_delay = 10ms;
    o.retry_backoff_max = 40ms;
    o.timeout = 5s;
    o.user_agent = "datakit-linux-amd64/1.2.3/testhost";
    return o;
  }

  std::unique_ptr<Uploader> make(UploaderOptions o) {
    auto u = Uploader::create(std::move(o), realFileSystem(), *client_);
    EXPECT_TRUE(u.isOk()) << u.status().toString();
    return u.isOk() ? std::move(u).value() : nullptr;
  }

  // Polls stats until pred holds (the uploader has no event for "retried n times").
  template <typename Pred>
  bool eventually(Uploader& u, Pred pred) {
    for (int i = 0; i < 1000; ++i) {
      if (pred(u.stats())) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  sextant::testing::TempDir dir_;
  FakeDataway dw_;
  std::unique_ptr<net::HttpClient> client_ = net::makeHttpClient();
};

TEST_F(UploaderTest, CreateValidatesOptions) {
  UploaderOptions o = options();
  o.urls = {};
  EXPECT_EQ(Uploader::create(o, realFileSystem(), *client_).status().code(),
            StatusCode::kInvalidArgument);
  o = options();
  o.urls = {"openway.example.com?token=x"};
  EXPECT_EQ(Uploader::create(o, realFileSystem(), *client_).status().code(),
            StatusCode::kInvalidArgument);
  o = options();
  o.queue_dir.clear();
  EXPECT_EQ(Uploader::create(o, realFileSystem(), *client_).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(UploaderTest, DeliversProtobufGzipWithDataKitHeaders) {
  auto u = make(options());
  ASSERT_TRUE(u->start().isOk());
  auto pts = batch(1, 3);
  ASSERT_TRUE(u->write(Category::kMetric, pts).isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  EXPECT_EQ(dw_.points(Category::kMetric), pts);

  FakeDataway::Body body = dw_.lastBody();
  EXPECT_EQ(body.target, "/v1/write/metric?token=tkn_test");
  auto header = [&](std::string_view name) -> std::string {
    for (const auto& [k, v] : body.headers) {
      if (k == name) return v;
    }
    return "<absent>";
  };
  EXPECT_EQ(header("Content-Type"), "application/protobuf; proto=com.guance.Point");
  EXPECT_EQ(header("Content-Encoding"), "gzip");
  EXPECT_EQ(header("X-Points"), "3");
  EXPECT_EQ(header("User-Agent"), "datakit-linux-amd64/1.2.3/testhost");
  EXPECT_EQ(header("Referer"), "DataKit");
  EXPECT_EQ(header("Content-Length"), std::to_string(body.bytes));
  std::string pkg = header("X-Pkg-Id");
  EXPECT_EQ(pkg.size(), 23u);
  EXPECT_EQ(pkg.substr(0, 3), "dk_");

  auto s = u->stats();
  auto l = laneStats(s, Category::kMetric);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->points_written, 3u);
  EXPECT_EQ(l->bodies_written, 1u);
  EXPECT_EQ(l->points_sent, 3u);
  EXPECT_EQ(l->bodies_sent, 1u);
  EXPECT_EQ(l->bytes_sent, body.bytes);
  EXPECT_EQ(l->bytes_written, body.bytes);
  EXPECT_GT(l->raw_bytes_written, 0u);
  EXPECT_EQ(l->retries, 0u);
  EXPECT_EQ(l->last_status, 200);
  EXPECT_EQ(l->last_error, "");
  EXPECT_EQ(l->queue.queued_records, 0u);
  EXPECT_EQ(l->endpoint, "http://127.0.0.1:" + std::to_string(dw_.port()) + "?token=tkn_test****");
}

TEST_F(UploaderTest, LineProtocolWithoutGzip) {
  UploaderOptions o = options();
  o.encoding = UploaderOptions::Encoding::kLineProtocol;
  o.gzip = false;
  auto u = make(o);
  ASSERT_TRUE(u->start().isOk());
  auto pts = batch(1, 2, Category::kLogging);
  ASSERT_TRUE(u->write(Category::kLogging, pts).isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  EXPECT_EQ(dw_.points(Category::kLogging), pts);
  FakeDataway::Body body = dw_.lastBody();
  EXPECT_EQ(body.target, "/v1/write/logging?token=tkn_test");
  bool has_encoding = false;
  std::string content_type;
  for (const auto& [k, v] : body.headers) {
    if (k == "Content-Encoding") has_encoding = true;
    if (k == "Content-Type") content_type = v;
  }
  EXPECT_FALSE(has_encoding);
  EXPECT_EQ(content_type, "application/line-protocol");
  // Two lines of line protocol, exactly.
  EXPECT_EQ(
      body.bytes,
      std::string("upload_test,host=h1 seq=1i,message=\"line 1\" 1700000000000000001\n").size() *
          2);
}

TEST_F(UploaderTest, StorageIndexIsAHeaderAndNeverSharesABody) {
  auto u = make(options());
  ASSERT_TRUE(u->start().isOk());
  ASSERT_TRUE(u->write(Category::kLogging, batch(1, 2, Category::kLogging), "idx_a").isOk());
  ASSERT_TRUE(u->write(Category::kLogging, batch(3, 1, Category::kLogging)).isOk());
  ASSERT_TRUE(u->write(Category::kLogging, batch(4, 1, Category::kLogging), "idx_b").isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  std::vector<FakeDataway::Body> bodies = dw_.bodies();
  ASSERT_EQ(bodies.size(), 3u);
  auto index = [](const FakeDataway::Body& b) -> std::string {
    for (const auto& [k, v] : b.headers) {
      if (k == "X-Storage-Index-Name") return v;
    }
    return "<absent>";
  };
  EXPECT_EQ(index(bodies[0]), "idx_a");
  EXPECT_EQ(index(bodies[1]), "<absent>");
  EXPECT_EQ(index(bodies[2]), "idx_b");
  std::vector<model::Point> all = batch(1, 4, Category::kLogging);
  EXPECT_EQ(dw_.points(Category::kLogging), all);
}

TEST_F(UploaderTest, SplitsBodiesAtTheRawCap) {
  UploaderOptions o = options();
  o.gzip = false;
  o.max_raw_body_size = 300;
  auto u = make(o);
  ASSERT_TRUE(u->start().isOk());
  auto pts = batch(1, 50);
  ASSERT_TRUE(u->write(Category::kMetric, pts).isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  EXPECT_EQ(dw_.points(Category::kMetric), pts);
  auto bodies = dw_.bodies();
  EXPECT_GT(bodies.size(), 5u);
  size_t total = 0;
  for (const auto& b : bodies) {
    EXPECT_LE(b.bytes, 300u);
    total += b.points;
  }
  EXPECT_EQ(total, 50u);
  auto l = laneStats(u->stats(), Category::kMetric);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->bodies_written, bodies.size());
}

// writeProtobuf() of pre-encoded points cuts the same bodies as write() of the points.
TEST_F(UploaderTest, WriteProtobufCutsTheSameBodiesAsWrite) {
  UploaderOptions o = options();
  o.gzip = false;
  o.max_raw_body_size = 300;
  auto u = make(o);
  ASSERT_TRUE(u->start().isOk());
  auto pts = batch(1, 50);
  ASSERT_TRUE(u->write(Category::kMetric, pts).isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  const std::vector<FakeDataway::Body> by_write = dw_.bodies();
  dw_.clear();

  std::string pb;
  std::vector<uint32_t> ends;
  for (const model::Point& p : pts) {
    codec::pb::appendPoint(p, &pb);
    ends.push_back(static_cast<uint32_t>(pb.size()));
  }
  ASSERT_TRUE(u->writeProtobuf(Category::kMetric, pb, ends).isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  EXPECT_EQ(dw_.points(Category::kMetric), pts);
  const std::vector<FakeDataway::Body> by_pb = dw_.bodies();
  ASSERT_EQ(by_pb.size(), by_write.size());
  EXPECT_GT(by_pb.size(), 5u);
  for (size_t i = 0; i < by_pb.size(); ++i) {
    EXPECT_EQ(by_pb[i].bytes, by_write[i].bytes) << i;
    EXPECT_EQ(by_pb[i].points, by_write[i].points) << i;
  }
  auto l = laneStats(u->stats(), Category::kMetric);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->points_written, 100u);

  // A point larger than the cap goes alone, as with write().
  std::string big;
  model::Point huge = point(99);
  huge.addTag("pad", std::string(400, 'x'));
  codec::pb::appendPoint(point(98), &big);
  const uint32_t first_end = static_cast<uint32_t>(big.size());
  codec::pb::appendPoint(huge, &big);
  const std::vector<uint32_t> big_ends = {first_end, static_cast<uint32_t>(big.size())};
  dw_.clear();
  ASSERT_TRUE(u->writeProtobuf(Category::kMetric, big, big_ends).isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  EXPECT_EQ(dw_.bodyCount(), 2u);
  EXPECT_EQ(dw_.points(Category::kMetric), (std::vector<model::Point>{point(98), huge}));

  // Boundaries that do not describe the bytes are refused; nothing is queued.
  const std::vector<uint32_t> short_ends = {first_end};
  EXPECT_EQ(u->writeProtobuf(Category::kMetric, big, short_ends).code(),
            StatusCode::kInvalidArgument);
  const std::vector<uint32_t> unordered = {static_cast<uint32_t>(big.size()), first_end,
                                           static_cast<uint32_t>(big.size())};
  EXPECT_EQ(u->writeProtobuf(Category::kMetric, big, unordered).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(UploaderTest, WriteProtobufNeedsProtobufBodies) {
  UploaderOptions o = options();
  o.encoding = UploadEncoding::kLineProtocol;
  auto u = make(o);
  EXPECT_FALSE(u->protobufBodies());
  std::string pb;
  codec::pb::appendPoint(point(1), &pb);
  const std::vector<uint32_t> ends = {static_cast<uint32_t>(pb.size())};
  EXPECT_EQ(u->writeProtobuf(Category::kMetric, pb, ends).code(), StatusCode::kUnimplemented);
  EXPECT_TRUE(make(options())->protobufBodies());
}

TEST_F(UploaderTest, FourXxIsDroppedAndCounted) {
  auto u = make(options());
  ASSERT_TRUE(u->start().isOk());
  dw_.failWith(400, R"({"error_code":"bad"})");
  ASSERT_TRUE(u->write(Category::kMetric, batch(1, 5)).isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  auto s = u->stats();
  auto l = laneStats(s, Category::kMetric);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->bodies_dropped_4xx, 1u);
  EXPECT_EQ(l->points_dropped_4xx, 5u);
  EXPECT_EQ(l->retries, 0u);
  EXPECT_EQ(l->last_status, 400);
  EXPECT_NE(l->last_error.find("HTTP 400"), std::string::npos) << l->last_error;
  EXPECT_NE(l->last_error.find("bad"), std::string::npos) << l->last_error;
  EXPECT_EQ(dw_.requestCount(), 1u);

  dw_.failWith(0);
  ASSERT_TRUE(u->write(Category::kMetric, batch(6, 2)).isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  EXPECT_EQ(dw_.points(Category::kMetric), batch(6, 2));
}

TEST_F(UploaderTest, WrongTokenIsA4xxDrop) {
  UploaderOptions o = options();
  o.urls = {"http://127.0.0.1:" + std::to_string(dw_.port()) + "?token=tkn_wrong"};
  auto u = make(o);
  ASSERT_TRUE(u->start().isOk());
  ASSERT_TRUE(u->write(Category::kMetric, batch(1, 1)).isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  auto l = laneStats(u->stats(), Category::kMetric);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->points_dropped_4xx, 1u);
  EXPECT_EQ(l->last_status, 401);
  EXPECT_EQ(dw_.pointCount(), 0u);
}

class UploaderRetryTest : public UploaderTest, public ::testing::WithParamInterface<int> {};

TEST_P(UploaderRetryTest, RetriedUntilTheBackendAcceptsThenAllInOrder) {
  auto u = make(options());
  ASSERT_TRUE(u->start().isOk());
  dw_.failWith(GetParam());
  std::vector<model::Point> all;
  for (int b = 0; b < 10; ++b) {
    auto pts = batch(b * 10, 10);
    ASSERT_TRUE(u->write(Category::kMetric, pts).isOk());
    all.insert(all.end(), pts.begin(), pts.end());
  }
  ASSERT_TRUE(dw_.waitForRequests(3, 10s));
  EXPECT_EQ(dw_.pointCount(), 0u);
  EXPECT_FALSE(u->waitIdle(1ms));
  dw_.failWith(0);
  ASSERT_TRUE(u->waitIdle(20s));
  EXPECT_EQ(dw_.points(Category::kMetric), all);
  auto l = laneStats(u->stats(), Category::kMetric);
  ASSERT_TRUE(l);
  EXPECT_GE(l->retries, 2u);
  EXPECT_EQ(l->points_sent, 100u);
  EXPECT_EQ(l->bodies_sent, 10u);
  EXPECT_EQ(l->points_dropped_4xx, 0u);
  EXPECT_NE(l->last_error.find("HTTP " + std::to_string(GetParam())), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Statuses, UploaderRetryTest, ::testing::Values(500, 503, 429, 408));

TEST_F(UploaderTest, NetworkOutageThenEverythingArrivesInOrder) {
  auto u = make(options());
  ASSERT_TRUE(u->start().isOk());
  dw_.stop();
  std::vector<model::Point> all;
  for (int b = 0; b < 5; ++b) {
    auto pts = batch(b * 7, 7);
    ASSERT_TRUE(u->write(Category::kMetric, pts).isOk());
    all.insert(all.end(), pts.begin(), pts.end());
  }
  ASSERT_TRUE(eventually(
      *u, [](const UploaderStats& s) { return !s.lanes.empty() && s.lanes[0].retries >= 3; }));
  EXPECT_NE(u->stats().lanes[0].last_error.find("Unavailable"), std::string::npos)
      << u->stats().lanes[0].last_error;
  ASSERT_TRUE(dw_.start().isOk());  // same port
  ASSERT_TRUE(u->waitIdle(20s));
  EXPECT_EQ(dw_.points(Category::kMetric), all);
}

TEST_F(UploaderTest, FanOutToEveryUrl) {
  FakeDataway second("tkn_second");
  ASSERT_TRUE(second.start().isOk());
  UploaderOptions o = options();
  o.urls = {dw_.url(), second.url()};
  auto u = make(o);
  ASSERT_TRUE(u->start().isOk());
  second.failWith(503);  // one slow backend does not hold the other back
  auto pts = batch(1, 20);
  ASSERT_TRUE(u->write(Category::kMetric, std::vector(pts.begin(), pts.begin() + 10)).isOk());
  ASSERT_TRUE(u->write(Category::kMetric, std::vector(pts.begin() + 10, pts.end())).isOk());
  ASSERT_TRUE(dw_.waitForPoints(Category::kMetric, 20, 10s));
  ASSERT_TRUE(second.waitForRequests(1, 10s));
  second.failWith(0);
  ASSERT_TRUE(u->waitIdle(20s));
  EXPECT_EQ(dw_.points(Category::kMetric), pts);
  EXPECT_EQ(second.points(Category::kMetric), pts);
  auto s = u->stats();
  ASSERT_EQ(s.lanes.size(), 2u);
  EXPECT_NE(s.lanes[0].endpoint_id, s.lanes[1].endpoint_id);
  EXPECT_EQ(s.lanes[0].points_sent, 20u);
  EXPECT_EQ(s.lanes[1].points_sent, 20u);
  EXPECT_EQ(s.lanes[0].retries, 0u);
  EXPECT_GE(s.lanes[1].retries, 1u);
}

TEST_F(UploaderTest, QueuedDataSurvivesARestart) {
  UploaderOptions o = options();
  std::vector<model::Point> metrics = batch(1, 30);
  std::vector<model::Point> logs = batch(100, 4, Category::kLogging);
  {
    // Never started: everything stays queued on disk.
    auto u = make(o);
    ASSERT_TRUE(
        u->write(Category::kMetric, std::vector(metrics.begin(), metrics.begin() + 15)).isOk());
    ASSERT_TRUE(u->write(Category::kLogging, logs).isOk());
    ASSERT_TRUE(
        u->write(Category::kMetric, std::vector(metrics.begin() + 15, metrics.end())).isOk());
    EXPECT_FALSE(u->waitIdle(1ms));
  }
  EXPECT_EQ(dw_.requestCount(), 0u);
  auto u = make(o);
  ASSERT_TRUE(u->start().isOk());  // finds both queues without a write
  ASSERT_TRUE(u->waitIdle(20s));
  EXPECT_EQ(dw_.points(Category::kMetric), metrics);
  EXPECT_EQ(dw_.points(Category::kLogging), logs);
}

TEST_F(UploaderTest, StartedThenStoppedWithDataQueuedThenResumed) {
  UploaderOptions o = options();
  dw_.failWith(503);
  auto pts = batch(1, 10);
  {
    auto u = make(o);
    ASSERT_TRUE(u->start().isOk());
    ASSERT_TRUE(u->write(Category::kMetric, pts).isOk());
    ASSERT_TRUE(dw_.waitForRequests(1, 10s));
  }  // destroyed mid-retry
  dw_.failWith(0);
  auto u = make(o);
  ASSERT_TRUE(u->start().isOk());
  ASSERT_TRUE(u->waitIdle(20s));
  EXPECT_EQ(dw_.points(Category::kMetric), pts);
}

TEST_F(UploaderTest, NoDropCategoryRejectsWhenFullOthersDropOldest) {
  UploaderOptions o = options();
  o.gzip = false;
  o.queue_max_bytes = 8 << 10;
  o.queue_segment_bytes = 2 << 10;
  o.no_drop_categories = {Category::kMetric};
  auto u = make(o);  // not started: nothing drains the queues
  Status st;
  int accepted = 0;
  for (int i = 0; i < 200 && st.isOk(); ++i) {
    st = u->write(Category::kMetric, batch(i * 5, 5));
    if (st.isOk()) ++accepted;
  }
  ASSERT_EQ(st.code(), StatusCode::kResourceExhausted) << st.toString();
  EXPECT_GT(accepted, 5);
  // Still full: refused again, and counted.
  EXPECT_EQ(u->write(Category::kMetric, batch(9999, 5)).code(), StatusCode::kResourceExhausted);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(u->write(Category::kLogging, batch(i * 5, 5, Category::kLogging)).isOk());
  }
  auto s = u->stats();
  auto metric = laneStats(s, Category::kMetric);
  auto logging = laneStats(s, Category::kLogging);
  ASSERT_TRUE(metric && logging);
  EXPECT_EQ(metric->bodies_rejected_full, 2u);
  EXPECT_EQ(metric->points_rejected_full, 10u);
  EXPECT_EQ(metric->points_written, static_cast<uint64_t>(accepted) * 5);
  EXPECT_EQ(logging->bodies_rejected_full, 0u);
  EXPECT_GT(logging->queue.dropped_records, 0u);
  EXPECT_LE(logging->queue.disk_bytes, 8u << 10);

  // Once drained, the no-drop queue accepts again, and what it had accepted arrives in order.
  ASSERT_TRUE(u->start().isOk());
  ASSERT_TRUE(u->waitIdle(20s));
  EXPECT_EQ(dw_.points(Category::kMetric), batch(0, accepted * 5));
  EXPECT_TRUE(u->write(Category::kMetric, batch(5000, 1)).isOk());
}

TEST_F(UploaderTest, StopDuringBackoffReturnsPromptly) {
  UploaderOptions o = options();
  o.retry_delay = std::chrono::minutes(10);
  o.retry_backoff_max = std::chrono::minutes(10);
  auto u = make(o);
  ASSERT_TRUE(u->start().isOk());
  dw_.failWith(503);
  ASSERT_TRUE(u->write(Category::kMetric, batch(1, 1)).isOk());
  ASSERT_TRUE(dw_.waitForRequests(1, 10s));
  auto begin = std::chrono::steady_clock::now();
  u->stop();
  // Not a speed assertion: without the wake-up stop() would sleep out the 10 minute backoff.
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::minutes(5));
  EXPECT_EQ(dw_.requestCount(), 1u);
  // Writes still queue after stop(); a restart delivers them.
  ASSERT_TRUE(u->write(Category::kMetric, batch(2, 1)).isOk());
  dw_.failWith(0);
  ASSERT_TRUE(u->start().isOk());
  ASSERT_TRUE(u->waitIdle(20s));
  EXPECT_EQ(dw_.points(Category::kMetric), batch(1, 2));
}

TEST_F(UploaderTest, ConcurrentWritersKeepTheirOwnOrder) {
  auto u = make(options());
  ASSERT_TRUE(u->start().isOk());
  constexpr int kThreads = 4;
  constexpr int kBatches = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        EXPECT_TRUE(u->write(Category::kMetric, batch(t * 100000 + b * 5, 5)).isOk());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(u->waitIdle(30s));
  auto got = dw_.points(Category::kMetric);
  ASSERT_EQ(got.size(), size_t{kThreads * kBatches * 5});
  std::vector<int64_t> last(kThreads, -1);
  for (const auto& p : got) {
    int64_t seq = std::get<int64_t>(p.findField("seq")->value);
    int t = static_cast<int>(seq / 100000);
    EXPECT_EQ(seq, last[t] < 0 ? t * 100000 : last[t] + 1);
    last[t] = seq;
  }
}

TEST_F(UploaderTest, IdleUploaderSleeps) {
  auto u = make(options());
  ASSERT_TRUE(u->start().isOk());
  ASSERT_TRUE(u->write(Category::kMetric, batch(1, 1)).isOk());
  ASSERT_TRUE(u->waitIdle(10s));
  // An idle sender blocks on its condition variable: no further requests, no retries.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(dw_.requestCount(), 1u);
  EXPECT_EQ(u->stats().lanes[0].retries, 0u);
}

}  // namespace
}  // namespace sextant::agent
