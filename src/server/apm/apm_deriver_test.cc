#include "server/apm/apm_deriver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "server/apm/bookinfo_testing.h"
#include "server/apm/sketch.h"

namespace sextant::apm {
namespace {

using testing::Bookinfo;
using testing::ExpectedAgg;
using testing::SpanSpec;
using testing::tracingPoint;

constexpr int64_t kSecondNs = 1'000'000'000;
constexpr int64_t kMinuteNs = 60 * kSecondNs;
// A minute boundary: 2023-11-14T22:14:00Z.
constexpr int64_t kBaseUs = 1'700'000'040'000'000;
constexpr int64_t kBaseNs = kBaseUs * 1000;

// The sink of a test: every point written, by workspace, plus a scriptable failure.
struct Collector {
  std::mutex mu;
  std::map<std::string, std::vector<model::Point>> points;
  int calls = 0;
  int fail_next = 0;  // fail this many calls, then succeed

  ApmDeriver::Sink sink() {
    return [this](const std::string& ws, std::vector<model::Point>&& pts) -> Status {
      std::lock_guard<std::mutex> lock(mu);
      ++calls;
      if (fail_next > 0) {
        --fail_next;
        return unavailable("engine busy");
      }
      auto& dst = points[ws];
      for (auto& p : pts) dst.push_back(std::move(p));
      return Status::ok();
    };
  }
  std::vector<model::Point> of(const std::string& ws) {
    std::lock_guard<std::mutex> lock(mu);
    return points[ws];
  }
};

struct FakeClock {
  std::atomic<int64_t> now{kBaseNs};
  std::function<int64_t()> fn() {
    return [this] { return now.load(); };
  }
};

std::string tagOf(const model::Point& p, std::string_view key) {
  const model::Tag* t = p.findTag(key);
  return t ? t->value : "";
}

int64_t intOf(const model::Point& p, std::string_view key) {
  const model::Field* f = p.findField(key);
  if (f == nullptr || model::fieldType(f->value) != model::FieldType::kInt) {
    ADD_FAILURE() << "no int field " << key << " in " << model::debugString(p);
    return 0;
  }
  return std::get<int64_t>(f->value);
}

double floatOf(const model::Point& p, std::string_view key) {
  const model::Field* f = p.findField(key);
  if (f == nullptr || model::fieldType(f->value) != model::FieldType::kFloat) {
    ADD_FAILURE() << "no float field " << key;
    return NAN;
  }
  return std::get<double>(f->value);
}

Sketch sketchOf(const model::Point& p) {
  const model::Field* f = p.findField("sketch");
  if (f == nullptr || model::fieldType(f->value) != model::FieldType::kBytes) {
    ADD_FAILURE() << "no sketch";
    return Sketch();
  }
  Result<Sketch> s = Sketch::decode(std::get<model::Bytes>(f->value).data);
  EXPECT_TRUE(s.isOk()) << s.status().toString();
  return s.isOk() ? *s : Sketch();
}

double exactP99(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::floor(0.99 * static_cast<double>(v.size() - 1)))];
}

// Sums of the points of one measurement whose tags match `match` (key -> value, "" = absent).
struct Sums {
  int64_t count = 0;
  int64_t errors = 0;
  int64_t duration_sum = 0;
  int64_t duration_max = 0;
  int points = 0;
  Sketch sketch;
};

Sums sumOf(const std::vector<model::Point>& points, std::string_view measurement,
           const std::map<std::string, std::string>& match) {
  Sums s;
  const bool service = measurement == kServiceMeasurement;
  for (const model::Point& p : points) {
    if (p.measurement != measurement) continue;
    bool ok = true;
    for (const auto& [k, v] : match) ok = ok && tagOf(p, k) == v;
    if (!ok) continue;
    EXPECT_EQ(p.category, model::Category::kMetric);
    EXPECT_EQ(p.time_ns % 1'000'000, 0);  // the minute's start (+ whole ms for extra points)
    ++s.points;
    s.count += intOf(p, service ? "requests" : "calls");
    s.errors += intOf(p, "errors");
    s.duration_sum += intOf(p, "duration_sum");
    s.duration_max = std::max(s.duration_max, intOf(p, "duration_max"));
    s.sketch.merge(sketchOf(p));
  }
  return s;
}

void expectMatches(const Sums& got, const ExpectedAgg& want, const std::string& what) {
  EXPECT_EQ(got.count, want.count) << what;
  EXPECT_EQ(got.errors, want.errors) << what;
  EXPECT_EQ(got.duration_sum, want.duration_sum) << what;
  EXPECT_EQ(got.duration_max, want.duration_max) << what;
  EXPECT_EQ(got.sketch.count(), static_cast<uint64_t>(want.count)) << what;
}

enum class Feed {
  kOneCallPerTrace,
  // Each service's spans from its own "agent", in reverse order, 2 s apart (within trace_idle).
  kPerServiceReversed,
};

void runBookinfo(bool shared_ids, Feed feed) {
  FakeClock clock;
  Collector out;
  ApmDeriver deriver(DeriverOptions{}, out.sink(), clock.fn());
  Bookinfo gen(shared_ids, /*seed=*/2024, kBaseUs, /*spacing_us=*/100'000);  // 1000 in 100 s
  int64_t last_tick = clock.now;
  for (int t = 0; t < 1000; ++t) {
    std::vector<SpanSpec> spans = gen.next();
    // Spans reach the server 1 s after the trace started.
    clock.now = std::max<int64_t>(clock.now, spans[0].start_us * 1000 + kSecondNs);
    // span_type as DataKit computes it from each batch it receives.
    if (feed == Feed::kOneCallPerTrace) {
      testing::assignDataKitSpanTypes(spans);
      std::vector<model::Point> pts;
      for (const SpanSpec& s : spans) pts.push_back(tracingPoint(s));
      deriver.observe("ws1", pts);
    } else {
      std::map<std::string, std::vector<SpanSpec>> by_service;
      for (const SpanSpec& s : spans) by_service[s.service].push_back(s);
      for (auto it = by_service.rbegin(); it != by_service.rend(); ++it) {
        testing::assignDataKitSpanTypes(it->second);
        std::vector<model::Point> pts;
        for (const SpanSpec& s : it->second) pts.push_back(tracingPoint(s));
        std::reverse(pts.begin(), pts.end());
        deriver.observe("ws1", pts);
      }
    }
    while (clock.now - last_tick >= kSecondNs) {
      last_tick += kSecondNs;
      ASSERT_TRUE(deriver.tick().isOk());
    }
  }
  // Let every trace go idle and every minute close.
  for (int s = 0; s < 180; ++s) {
    clock.now += kSecondNs;
    ASSERT_TRUE(deriver.tick().isOk());
  }
  const DeriverStats st = deriver.stats();
  EXPECT_EQ(st.buffered_spans, 0u);
  EXPECT_EQ(st.buffered_traces, 0u);
  EXPECT_EQ(st.spans_ignored, 0u);
  EXPECT_EQ(st.late_points, 0u);
  EXPECT_EQ(st.traces_forced, 0u);
  EXPECT_EQ(st.write_failures, 0u);
  if (feed == Feed::kOneCallPerTrace) {
    EXPECT_EQ(st.traces_processed, 1000u);
  }

  const std::vector<model::Point> points = out.of("ws1");
  EXPECT_EQ(st.points_written, points.size());
  // One point per minute and tag set (nothing arrived late).
  std::set<std::string> seen;
  for (const model::Point& p : points) {
    std::string key = p.measurement + "@" + std::to_string(p.time_ns);
    for (const auto& t : p.tags) key += "," + t.key + "=" + t.value;
    EXPECT_TRUE(seen.insert(key).second) << key;
  }

  ASSERT_EQ(gen.reviews_v1 + gen.reviews_v2, 1000);
  EXPECT_GT(gen.reviews_v1, 850);
  EXPECT_GT(gen.reviews_v2, 50);
  for (const auto& [sv, want] : gen.services) {
    const std::string what = sv.first + " " + sv.second;
    Sums got = sumOf(points, kServiceMeasurement,
                     {{"service", sv.first}, {"version", sv.second}, {"env", "prod"}});
    expectMatches(got, want, what);
    EXPECT_GT(got.points, 0);
    // p99 of each minute's point within 1% of that minute's exact p99.
    for (const model::Point& p : points) {
      if (p.measurement != kServiceMeasurement || tagOf(p, "service") != sv.first ||
          tagOf(p, "version") != sv.second) {
        continue;
      }
      auto it = want.durations_by_minute.find(p.time_ns - p.time_ns % kMinuteNs);
      ASSERT_NE(it, want.durations_by_minute.end()) << what;
      const double exact = exactP99(it->second);
      EXPECT_LE(std::abs(floatOf(p, "p99") - exact), 0.01 * exact * (1 + 1e-9)) << what;
      EXPECT_EQ(intOf(p, "requests"), static_cast<int64_t>(it->second.size())) << what;
    }
  }
  EXPECT_EQ(gen.services.at({"productpage", "v1"}).count, 1000);
  EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"service", "productpage"}}).count, 1000);
  EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"service", "reviews"}, {"version", "v1"}}).count,
            gen.reviews_v1);
  EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"service", "reviews"}, {"version", "v2"}}).count,
            gen.reviews_v2);
  EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"service", "ratings"}}).count, gen.reviews_v2);
  // The local "render" span is not a request of productpage.
  EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"resource", "render"}}).points, 0);
  EXPECT_EQ(sumOf(points, kServiceMeasurement,
                  {{"service", "productpage"}, {"resource", "GET /productpage"}})
                .count,
            1000);

  for (const auto& [edge, want] : gen.edges) {
    const auto& [ss, sv, ts, tv] = edge;
    Sums got = sumOf(points, kEdgeMeasurement,
                     {{"source_service", ss},
                      {"source_version", sv},
                      {"source_env", "prod"},
                      {"target_service", ts},
                      {"target_version", tv},
                      {"target_env", "prod"}});
    expectMatches(got, want, ss + sv + "->" + ts + tv);
  }
  EXPECT_EQ(sumOf(points, kEdgeMeasurement,
                  {{"source_service", "productpage"},
                   {"target_service", "reviews"},
                   {"target_version", "v2"}})
                .count,
            gen.reviews_v2);
  EXPECT_EQ(
      sumOf(
          points, kEdgeMeasurement,
          {{"source_service", "reviews"}, {"source_version", "v2"}, {"target_service", "ratings"}})
          .count,
      gen.reviews_v2);
  EXPECT_EQ(
      sumOf(
          points, kEdgeMeasurement,
          {{"source_service", "reviews"}, {"source_version", "v1"}, {"target_service", "ratings"}})
          .points,
      0);
  int edge_points = 0;
  for (const model::Point& p : points) {
    if (p.measurement != kEdgeMeasurement) continue;
    ++edge_points;
    EXPECT_NE(tagOf(p, "source_service"), tagOf(p, "target_service")) << model::debugString(p);
  }
  EXPECT_GT(edge_points, 0);
  // Exactly the generated edges, no others.
  int64_t all_calls = sumOf(points, kEdgeMeasurement, {}).count;
  int64_t want_calls = 0;
  for (const auto& [edge, want] : gen.edges) want_calls += want.count;
  EXPECT_EQ(all_calls, want_calls);
  // The merged sketch of every productpage point answers p99 within 1% of the exact one.
  std::vector<double> all_pp;
  for (const auto& [m, d] : gen.services.at({"productpage", "v1"}).durations_by_minute) {
    all_pp.insert(all_pp.end(), d.begin(), d.end());
  }
  const Sums pp = sumOf(points, kServiceMeasurement, {{"service", "productpage"}});
  const double exact = exactP99(all_pp);
  EXPECT_LE(std::abs(pp.sketch.quantile(0.99) - exact), 0.01 * exact * (1 + 1e-9));
}

TEST(ApmDeriverTest, BookinfoZipkinPairs) { runBookinfo(false, Feed::kOneCallPerTrace); }

TEST(ApmDeriverTest, BookinfoSharedSpanIds) { runBookinfo(true, Feed::kOneCallPerTrace); }

TEST(ApmDeriverTest, BookinfoSeveralAgentsOutOfOrder) {
  runBookinfo(false, Feed::kPerServiceReversed);
}

TEST(ApmDeriverTest, BookinfoSharedSpanIdsSeveralAgentsOutOfOrder) {
  runBookinfo(true, Feed::kPerServiceReversed);
}

SpanSpec span(std::string id, std::string parent, std::string service, int64_t start_us,
              int64_t duration_us, std::string trace = "00000000000000000000000000abcdef") {
  SpanSpec s;
  s.trace_id = std::move(trace);
  s.span_id = std::move(id);
  s.parent_id = std::move(parent);
  s.service = std::move(service);
  s.version = "v1";
  s.resource = "op";
  s.start_us = start_us;
  s.duration_us = duration_us;
  return s;
}

void observe(ApmDeriver& d, std::string_view ws, const std::vector<SpanSpec>& spans) {
  std::vector<model::Point> pts;
  for (const SpanSpec& s : spans) pts.push_back(tracingPoint(s));
  d.observe(ws, pts);
}

TEST(ApmDeriverTest, SharedSpanIdsResolvedByKindWhenSpanTypeUnknown) {
  // Both sides of the shared id have span_type "unknown": the SERVER kind in the message wins.
  FakeClock clock;
  Collector out;
  ApmDeriver d(DeriverOptions{}, out.sink(), clock.fn());
  SpanSpec root = span("00000000000000a1", "0", "frontend", kBaseUs, 1000);
  SpanSpec client = span("00000000000000b2", "00000000000000a1", "frontend", kBaseUs + 10, 900);
  client.span_type = "unknown";
  client.kind = "CLIENT";
  SpanSpec server = span("00000000000000b2", "00000000000000a1", "backend", kBaseUs + 20, 800);
  server.span_type = "unknown";
  server.kind = "SERVER";
  SpanSpec db = span("00000000000000c3", "00000000000000b2", "db", kBaseUs + 30, 100);
  observe(d, "w", {db, client, server, root});
  ASSERT_TRUE(d.flushAll().isOk());
  const auto points = out.of("w");
  EXPECT_EQ(sumOf(points, kEdgeMeasurement,
                  {{"source_service", "frontend"}, {"target_service", "backend"}})
                .count,
            1);
  EXPECT_EQ(
      sumOf(points, kEdgeMeasurement, {{"source_service", "backend"}, {"target_service", "db"}})
          .count,
      1);
  EXPECT_EQ(
      sumOf(points, kEdgeMeasurement, {{"source_service", "frontend"}, {"target_service", "db"}})
          .points,
      0);
  EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"service", "backend"}}).count, 1);
  EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"service", "frontend"}}).count, 1);
}

TEST(ApmDeriverTest, ParentArrivingLaterWithinIdle) {
  FakeClock clock;
  Collector out;
  ApmDeriver d(DeriverOptions{}, out.sink(), clock.fn());
  clock.now = kBaseNs + kSecondNs;
  SpanSpec root = span("00000000000000a1", "0", "frontend", kBaseUs, 5000);
  SpanSpec child = span("00000000000000b2", "00000000000000a1", "backend", kBaseUs + 100, 3000);
  observe(d, "w", {child});
  clock.now += 5 * kSecondNs;
  ASSERT_TRUE(d.tick().isOk());
  EXPECT_EQ(d.stats().traces_processed, 0u);
  observe(d, "w", {root});
  clock.now += 9 * kSecondNs;  // 14 s after the child, 9 s after the root: still waiting
  ASSERT_TRUE(d.tick().isOk());
  EXPECT_EQ(d.stats().traces_processed, 0u);
  EXPECT_EQ(d.stats().buffered_spans, 2u);
  clock.now += 1 * kSecondNs;
  ASSERT_TRUE(d.tick().isOk());
  EXPECT_EQ(d.stats().traces_processed, 1u);
  EXPECT_EQ(d.stats().buffered_spans, 0u);
  ASSERT_TRUE(d.flushAll().isOk());
  const auto points = out.of("w");
  EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"service", "backend"}}).count, 1);
  EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"service", "frontend"}}).count, 1);
  Sums edge = sumOf(points, kEdgeMeasurement,
                    {{"source_service", "frontend"}, {"target_service", "backend"}});
  EXPECT_EQ(edge.count, 1);
  EXPECT_EQ(edge.duration_sum, 3000);
}

TEST(ApmDeriverTest, ParentNeverArrivingMakesAnEntrySpan) {
  FakeClock clock;
  Collector out;
  ApmDeriver d(DeriverOptions{}, out.sink(), clock.fn());
  SpanSpec child = span("00000000000000b2", "00000000000000a1", "backend", kBaseUs + 100, 3000);
  SpanSpec grandchild =
      span("00000000000000c3", "00000000000000b2", "backend", kBaseUs + 200, 1000);
  observe(d, "w", {child, grandchild});
  clock.now += 11 * kSecondNs;
  ASSERT_TRUE(d.tick().isOk());
  ASSERT_TRUE(d.flushAll().isOk());
  const auto points = out.of("w");
  Sums backend = sumOf(points, kServiceMeasurement, {{"service", "backend"}});
  EXPECT_EQ(backend.count, 1);  // the grandchild's parent is in the same service
  EXPECT_EQ(backend.duration_sum, 3000);
  EXPECT_EQ(sumOf(points, kEdgeMeasurement, {}).points, 0);
}

TEST(ApmDeriverTest, PointShapeAndDuplicateSpans) {
  FakeClock clock;
  Collector out;
  ApmDeriver d(DeriverOptions{}, out.sink(), clock.fn());
  SpanSpec root = span("00000000000000a1", "0", "frontend", kBaseUs + 5'000'000, 2000);
  root.status = "critical";
  SpanSpec child =
      span("00000000000000b2", "00000000000000a1", "backend", kBaseUs + 5'000'100, 700);
  child.env = "";
  child.version = "";
  child.resource = "GET /x";
  // An agent retry: the same spans twice.
  observe(d, "w", {root, child});
  observe(d, "w", {child, root});
  ASSERT_TRUE(d.flushAll().isOk());
  auto points = out.of("w");
  ASSERT_EQ(points.size(), 3u);
  auto find = [&](std::string_view measurement, std::string_view key, std::string_view value) {
    for (const model::Point& p : points) {
      if (p.measurement == measurement && tagOf(p, key) == value) return p;
    }
    ADD_FAILURE() << "no " << measurement << " " << key << "=" << value;
    return model::Point();
  };
  // apm_edge{frontend -> backend}: the callee's env/version tags are omitted (empty).
  const model::Point edge = find(kEdgeMeasurement, "target_service", "backend");
  EXPECT_EQ(edge.measurement, "apm_edge");
  EXPECT_EQ(edge.time_ns - edge.time_ns % kMinuteNs, kBaseNs);
  std::vector<model::Tag> want_edge_tags = {{"source_env", "prod"},
                                            {"source_service", "frontend"},
                                            {"source_version", "v1"},
                                            {"target_service", "backend"}};
  EXPECT_EQ(edge.tags, want_edge_tags);
  EXPECT_EQ(intOf(edge, "calls"), 1);
  EXPECT_EQ(intOf(edge, "errors"), 0);
  EXPECT_EQ(intOf(edge, "duration_sum"), 700);
  EXPECT_EQ(intOf(edge, "duration_max"), 700);
  EXPECT_NEAR(floatOf(edge, "p99"), 700, 7);
  EXPECT_EQ(edge.fields.size(), 6u);
  const model::Point backend = find(kServiceMeasurement, "service", "backend");
  EXPECT_EQ(backend.measurement, "apm_service");
  std::vector<model::Tag> want_backend_tags = {{"resource", "GET /x"}, {"service", "backend"}};
  EXPECT_EQ(backend.tags, want_backend_tags);
  const model::Point frontend = find(kServiceMeasurement, "service", "frontend");
  std::vector<model::Tag> want_frontend_tags = {
      {"env", "prod"}, {"resource", "op"}, {"service", "frontend"}, {"version", "v1"}};
  EXPECT_EQ(frontend.tags, want_frontend_tags);
  EXPECT_EQ(frontend.time_ns - frontend.time_ns % kMinuteNs, kBaseNs);
  EXPECT_EQ(intOf(frontend, "requests"), 1);
  EXPECT_EQ(intOf(frontend, "errors"), 1);
  EXPECT_EQ(intOf(frontend, "duration_sum"), 2000);
  EXPECT_EQ(intOf(frontend, "duration_max"), 2000);
  for (const char* q : {"p50", "p75", "p90", "p99"}) EXPECT_EQ(floatOf(frontend, q), 2000) << q;
  EXPECT_EQ(sketchOf(frontend).count(), 1u);
  EXPECT_EQ(frontend.fields.size(), 9u);
}

TEST(ApmDeriverTest, IgnoresNonTracingAndUnusablePoints) {
  FakeClock clock;
  Collector out;
  ApmDeriver d(DeriverOptions{}, out.sink(), clock.fn());
  std::vector<model::Point> pts;
  model::Point metric = tracingPoint(span("00000000000000a1", "0", "x", kBaseUs, 1));
  metric.category = model::Category::kMetric;
  pts.push_back(metric);
  model::Point no_trace = tracingPoint(span("00000000000000a1", "0", "x", kBaseUs, 1));
  no_trace.findField("trace_id")->value = std::string("");
  pts.push_back(no_trace);
  model::Point no_span = tracingPoint(span("00000000000000a1", "0", "x", kBaseUs, 1));
  no_span.fields.erase(no_span.fields.begin() + 1);  // span_id
  pts.push_back(no_span);
  model::Point bad_start = tracingPoint(span("00000000000000a1", "0", "x", -5, 1));
  pts.push_back(bad_start);
  model::Point odd_ids =
      tracingPoint(span("not-hex-span", "", "y", kBaseUs, 1, "trace/with/slashes"));
  pts.push_back(odd_ids);
  d.observe("w", pts);
  const DeriverStats st = d.stats();
  EXPECT_EQ(st.spans_observed, 4u);
  EXPECT_EQ(st.spans_ignored, 3u);
  EXPECT_EQ(st.buffered_spans, 1u);
  ASSERT_TRUE(d.flushAll().isOk());
  EXPECT_EQ(sumOf(out.of("w"), kServiceMeasurement, {{"service", "y"}}).count, 1);
  EXPECT_EQ(d.stats().points_written, 1u);
}

TEST(ApmDeriverTest, MinuteBoundariesGraceAndLateSpans) {
  FakeClock clock;
  Collector out;
  ApmDeriver d(DeriverOptions{}, out.sink(), clock.fn());
  SpanSpec a = span("00000000000000a1", "0", "svc", kBaseUs + 59'999'999, 100, "aaaa");
  SpanSpec b = span("00000000000000b1", "0", "svc", kBaseUs + 60'000'000, 200, "bbbb");
  clock.now = kBaseNs + 61 * kSecondNs;
  observe(d, "w", {a, b});
  clock.now = kBaseNs + 71 * kSecondNs;
  ASSERT_TRUE(d.tick().isOk());
  EXPECT_EQ(d.stats().traces_processed, 2u);
  EXPECT_EQ(out.calls, 0);
  clock.now = kBaseNs + 90 * kSecondNs - 1;
  ASSERT_TRUE(d.tick().isOk());
  EXPECT_EQ(out.calls, 0);
  clock.now = kBaseNs + 90 * kSecondNs;  // minute 0 ended at 60 s, + 30 s grace
  ASSERT_TRUE(d.tick().isOk());
  auto points = out.of("w");
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].time_ns, kBaseNs);
  EXPECT_EQ(intOf(points[0], "duration_sum"), 100);

  // A late span of minute 0 (its trace arrives after the minute was written).
  SpanSpec late = span("00000000000000c1", "0", "svc", kBaseUs + 10'000'000, 300, "cccc");
  clock.now = kBaseNs + 95 * kSecondNs;
  observe(d, "w", {late});
  clock.now = kBaseNs + 105 * kSecondNs;
  ASSERT_TRUE(d.tick().isOk());
  points = out.of("w");
  ASSERT_EQ(points.size(), 2u);
  // An extra point for the same minute, some ms in: never the same (ms) timestamp as the first.
  EXPECT_GE(points[1].time_ns, points[0].time_ns + 1'000'000);
  EXPECT_LT(points[1].time_ns, kBaseNs + kMinuteNs);
  EXPECT_EQ(intOf(points[1], "duration_sum"), 300);
  EXPECT_EQ(d.stats().late_points, 1u);
  Sums minute0 = sumOf(points, kServiceMeasurement, {{"service", "svc"}});
  EXPECT_EQ(minute0.count, 2);
  EXPECT_EQ(minute0.sketch.count(), 2u);

  clock.now = kBaseNs + 150 * kSecondNs;  // minute 1 closes
  ASSERT_TRUE(d.tick().isOk());
  points = out.of("w");
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[2].time_ns, kBaseNs + kMinuteNs);
  EXPECT_EQ(intOf(points[2], "duration_sum"), 200);
  EXPECT_EQ(d.stats().late_points, 1u);
  EXPECT_EQ(d.stats().points_written, 3u);
}

TEST(ApmDeriverTest, TraceMaxWaitProcessesBusyTraces) {
  FakeClock clock;
  Collector out;
  DeriverOptions opts;
  opts.trace_idle = std::chrono::milliseconds(10000);
  opts.trace_max_wait = std::chrono::milliseconds(30000);
  ApmDeriver d(opts, out.sink(), clock.fn());
  // A span every 5 s: never idle, processed when the first span is 30 s old.
  for (int i = 0; i < 6; ++i) {
    observe(d, "w",
            {span("00000000000000a" + std::to_string(i), i == 0 ? "0" : "00000000000000a0", "svc",
                  kBaseUs, 10)});
    clock.now += 5 * kSecondNs;
    ASSERT_TRUE(d.tick().isOk());
    EXPECT_EQ(d.stats().traces_processed, i == 5 ? 1u : 0u) << i;
  }
}

TEST(ApmDeriverTest, MemoryBoundForcesOldestTraces) {
  FakeClock clock;
  Collector out;
  DeriverOptions opts;
  opts.max_buffered_spans = 100;
  ApmDeriver d(opts, out.sink(), clock.fn());
  Bookinfo gen(false, 1, kBaseUs, 1000);
  int64_t spans_total = 0;
  std::vector<std::string> first_traces;
  for (int t = 0; t < 40; ++t) {
    std::vector<SpanSpec> spans = gen.next();
    spans_total += static_cast<int64_t>(spans.size());
    observe(d, "w", spans);
    EXPECT_LE(d.stats().buffered_spans, static_cast<size_t>(spans_total));
  }
  DeriverStats st = d.stats();
  EXPECT_GT(st.traces_forced, 0u);
  ASSERT_TRUE(d.tick().isOk());  // processes the forced traces (no time passed)
  st = d.stats();
  EXPECT_EQ(st.traces_processed, st.traces_forced);
  EXPECT_LE(st.buffered_spans, 100u);
  EXPECT_GT(st.buffered_spans, 80u);
  EXPECT_EQ(st.buffered_traces + st.traces_forced, 40u);
  ASSERT_TRUE(d.flushAll().isOk());
  EXPECT_EQ(d.stats().traces_processed, 40u);
  // Forcing whole traces keeps the results exact.
  EXPECT_EQ(sumOf(out.of("w"), kServiceMeasurement, {{"service", "productpage"}}).count, 40);
  EXPECT_EQ(sumOf(out.of("w"), kEdgeMeasurement, {{"target_service", "reviews"}}).count, 40);
}

TEST(ApmDeriverTest, SinkFailureIsRetriedThenDropped) {
  FakeClock clock;
  Collector out;
  ApmDeriver d(DeriverOptions{}, out.sink(), clock.fn());
  observe(d, "w", {span("00000000000000a1", "0", "svc", kBaseUs, 10, "aaaa")});
  out.fail_next = 2;
  clock.now = kBaseNs + 90 * kSecondNs;
  EXPECT_EQ(d.tick().code(), StatusCode::kUnavailable);
  clock.now += kSecondNs;
  EXPECT_FALSE(d.tick().isOk());
  EXPECT_TRUE(out.of("w").empty());
  clock.now += kSecondNs;
  EXPECT_TRUE(d.tick().isOk());
  EXPECT_EQ(out.of("w").size(), 1u);
  EXPECT_EQ(d.stats().write_failures, 2u);
  EXPECT_EQ(d.stats().points_written, 1u);
  EXPECT_EQ(d.stats().points_dropped, 0u);

  // Always failing: dropped after three attempts, then no more calls.
  observe(d, "w", {span("00000000000000b1", "0", "svc", kBaseUs + 120'000'000, 10, "bbbb")});
  out.fail_next = 100;
  clock.now = kBaseNs + 300 * kSecondNs;
  const int calls_before = out.calls;
  for (int i = 0; i < 5; ++i) {
    (void)d.tick();
    clock.now += kSecondNs;
  }
  EXPECT_EQ(out.calls - calls_before, 3);
  EXPECT_EQ(d.stats().points_dropped, 1u);
  EXPECT_EQ(d.stats().write_failures, 5u);
  EXPECT_EQ(out.of("w").size(), 1u);
}

TEST(ApmDeriverTest, WorkspacesAreIsolated) {
  FakeClock clock;
  Collector out;
  ApmDeriver d(DeriverOptions{}, out.sink(), clock.fn());
  // The same trace and span ids in two workspaces.
  observe(d, "a",
          {span("00000000000000a1", "0", "alpha", kBaseUs, 10),
           span("00000000000000b1", "00000000000000a1", "beta", kBaseUs, 5)});
  observe(d, "b", {span("00000000000000a1", "0", "gamma", kBaseUs, 20)});
  ASSERT_TRUE(d.flushAll().isOk());
  const auto a = out.of("a");
  const auto b = out.of("b");
  EXPECT_EQ(sumOf(a, kServiceMeasurement, {{"service", "alpha"}}).count, 1);
  EXPECT_EQ(sumOf(a, kServiceMeasurement, {{"service", "beta"}}).count, 1);
  EXPECT_EQ(sumOf(a, kServiceMeasurement, {{"service", "gamma"}}).points, 0);
  EXPECT_EQ(sumOf(a, kEdgeMeasurement, {{"source_service", "alpha"}}).count, 1);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(sumOf(b, kServiceMeasurement, {{"service", "gamma"}}).count, 1);
  EXPECT_EQ(sumOf(b, kEdgeMeasurement, {}).points, 0);
}

TEST(ApmDeriverTest, InternedStringBound) {
  FakeClock clock;
  Collector out;
  DeriverOptions opts;
  opts.max_interned_strings = 5;
  ApmDeriver d(opts, out.sink(), clock.fn());
  std::vector<SpanSpec> spans;
  for (int i = 0; i < 10; ++i) {
    SpanSpec s = span("00000000000000a" + std::to_string(i), "0", "svc", kBaseUs, 10,
                      "t" + std::to_string(i));
    s.resource = "/item/" + std::to_string(i);
    spans.push_back(s);
  }
  observe(d, "w", spans);
  ASSERT_TRUE(d.flushAll().isOk());
  const auto points = out.of("w");
  EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"service", "svc"}}).count, 10);
  EXPECT_GT(sumOf(points, kServiceMeasurement, {{"resource", std::string(kOtherResource)}}).count,
            0);
  EXPECT_LE(points.size(), 5u);
}

TEST(ApmDeriverTest, ConcurrentObserveWhileTicking) {
  FakeClock clock;
  Collector out;
  DeriverOptions opts;
  opts.max_buffered_spans = 2000;  // also exercise forcing under concurrency
  ApmDeriver d(opts, out.sink(), clock.fn());
  std::atomic<bool> done{false};
  std::thread ticker([&] {
    while (!done.load()) {
      clock.now += 200'000'000;
      (void)d.tick();
      (void)d.stats();
    }
  });
  auto feed = [&](uint64_t stream) {
    Bookinfo gen(stream % 2 == 0, stream, kBaseUs, 20'000, stream);
    for (int t = 0; t < 1500; ++t) observe(d, "ws" + std::to_string(stream % 2), gen.next());
  };
  std::thread t1(feed, 1);
  std::thread t2(feed, 2);
  t1.join();
  t2.join();
  done = true;
  ticker.join();
  ASSERT_TRUE(d.flushAll().isOk());
  EXPECT_EQ(d.stats().buffered_spans, 0u);
  for (const char* ws : {"ws0", "ws1"}) {
    const auto points = out.of(ws);
    EXPECT_EQ(sumOf(points, kServiceMeasurement, {{"service", "productpage"}}).count, 1500) << ws;
    EXPECT_EQ(sumOf(points, kEdgeMeasurement, {{"target_service", "details"}}).count, 1500) << ws;
  }
}

}  // namespace
}  // namespace sextant::apm
