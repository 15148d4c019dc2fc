// The APM and Zipkin query routes against a real engine holding Bookinfo-shaped traces
// (productpage -> details; productpage -> reviews v1 (90%) / v2 (10%); reviews v2 -> ratings)
// and the apm_service / apm_edge points a deriver would write for them, built here from the same
// generated spans. Expected numbers are computed by hand from the generator's formulas.
#include "server/trace_api/trace_api.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "codec/zipkin/zipkin.h"
#include "core/testing/temp_dir.h"
#include "net/testing/route_call.h"
#include "server/apm/sketch.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::server {
namespace {

constexpr std::int64_t kT0Ms = 1'763'700'000'000;  // a minute boundary
constexpr std::int64_t kT0Us = kT0Ms * 1000;
constexpr int kRequests = 100;

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// One generated span, with what the tracing point and the deriver need.
struct GenSpan {
  std::string trace_id, span_id, parent_id;  // parent "" for the root
  std::string service, resource, version;
  std::int64_t start_us = 0, duration_us = 0;
  bool error = false;
  bool http_get = false;
  std::string parent_service, parent_version;  // for edges ("" at the root)
};

std::string traceIdOf(int i) { return hex16(0xabc0) + hex16(static_cast<std::uint64_t>(i) + 1); }

// Request i of the Bookinfo run: starts at T0 + 1.2 s * i (minute 0 holds i = 0..49).
std::vector<GenSpan> bookinfoRequest(int i) {
  std::vector<GenSpan> out;
  const std::string tid = traceIdOf(i);
  const std::int64_t t = kT0Us + static_cast<std::int64_t>(i) * 1'200'000;
  auto id = [&](int k) { return hex16(static_cast<std::uint64_t>(i) * 16 + k + 1); };
  GenSpan pp{tid, id(0), "", "productpage", "get /productpage", "v1", t, 10'000 + 20 * i};
  pp.http_get = true;
  out.push_back(pp);
  GenSpan details{tid, id(1), id(0), "details", "get /details", "v1", t + 100, 1'000 + 10 * i};
  details.error = i % 25 == 0;  // 4 errors: i = 0, 25, 50, 75
  details.parent_service = "productpage";
  details.parent_version = "v1";
  out.push_back(details);
  const bool v2 = i % 10 == 0;  // 10 of 100 to v2
  GenSpan reviews{tid,
                  id(2),
                  id(0),
                  "reviews",
                  "get /reviews",
                  v2 ? "v2" : "v1",
                  t + 2'000,
                  v2 ? 5'000 + i : 2'000 + i};
  reviews.parent_service = "productpage";
  reviews.parent_version = "v1";
  out.push_back(reviews);
  if (v2) {
    GenSpan ratings{tid, id(3), id(2), "ratings", "get /ratings", "v1", t + 2'500, 1'500};
    ratings.parent_service = "reviews";
    ratings.parent_version = "v2";
    out.push_back(ratings);
  }
  return out;
}

// The Zipkin v2 JSON of a generated span, written by hand.
std::string zipkinJson(const GenSpan& s) {
  std::string j = "{\"traceId\":\"" + s.trace_id + "\",\"id\":\"" + s.span_id + "\"";
  if (!s.parent_id.empty()) j += ",\"parentId\":\"" + s.parent_id + "\"";
  j += ",\"name\":\"" + s.resource +
       "\",\"kind\":\"SERVER\",\"timestamp\":" + std::to_string(s.start_us) +
       ",\"duration\":" + std::to_string(s.duration_us) + ",\"localEndpoint\":{\"serviceName\":\"" +
       s.service + "\",\"ipv4\":\"10.0.0.1\"}";
  std::vector<std::string> tags;
  if (s.http_get) tags.push_back("\"http.method\":\"GET\"");
  if (s.error) tags.push_back("\"error\":\"boom\"");
  tags.push_back("\"version\":\"" + s.version + "\"");
  j += ",\"tags\":{";
  for (std::size_t k = 0; k < tags.size(); ++k) j += (k ? "," : "") + tags[k];
  j += "}}";
  return j;
}

model::Point tracingPoint(const GenSpan& s, bool with_message = true) {
  model::Point p;
  p.measurement = "zipkin";
  p.time_ns = s.start_us * 1000;
  p.tags = {{"service", s.service},    {"span_type", "entry"},
            {"source_type", "custom"}, {"status", s.error ? "error" : "ok"},
            {"env", "prod"},           {"version", s.version}};
  if (s.http_get) p.tags.push_back({"http_method", "GET"});
  p.fields = {{"trace_id", s.trace_id},
              {"span_id", s.span_id},
              {"parent_id", s.parent_id.empty() ? std::string("0") : s.parent_id},
              {"resource", s.resource},
              {"start", s.start_us},
              {"duration", s.duration_us}};
  if (with_message) p.fields.push_back({"message", zipkinJson(s)});
  return p;
}

struct Stat {
  std::int64_t count = 0, errors = 0, sum = 0, max = 0;
  apm::Sketch sketch;
  void add(const GenSpan& s) {
    ++count;
    errors += s.error ? 1 : 0;
    sum += s.duration_us;
    max = std::max(max, s.duration_us);
    sketch.add(static_cast<double>(s.duration_us));
  }
};

model::Point apmPoint(std::string measurement, std::vector<model::Tag> tags,
                      std::string_view count_field, std::int64_t minute_ns, const Stat& st) {
  model::Point p;
  p.measurement = std::move(measurement);
  p.time_ns = minute_ns;
  p.tags = std::move(tags);
  p.fields = {{std::string(count_field), st.count},
              {"errors", st.errors},
              {"duration_sum", st.sum},
              {"duration_max", st.max},
              {"p99", st.sketch.quantile(0.99)},
              {"sketch", model::Bytes{st.sketch.encode()}}};
  if (p.measurement == "apm_service") {
    p.fields.push_back({"p50", st.sketch.quantile(0.5)});
    p.fields.push_back({"p75", st.sketch.quantile(0.75)});
    p.fields.push_back({"p90", st.sketch.quantile(0.9)});
  }
  return p;
}

using simdjson::dom::element;

// An array value (empty, and a failure, when it is not one). Range-for over this copy, not over a
// temporary simdjson_result.
simdjson::dom::array arr(simdjson::simdjson_result<element> r) {
  simdjson::dom::array a;
  EXPECT_EQ(r.get_array().get(a), simdjson::SUCCESS);
  return a;
}
simdjson::dom::array arr(element e) {
  simdjson::dom::array a;
  EXPECT_EQ(e.get_array().get(a), simdjson::SUCCESS);
  return a;
}

class TraceApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = storage::testing::openTestEngine(dir_.path() + "/data");
    ASSERT_NE(engine_, nullptr);
    auto s = workspace::WorkspaceStore::open(realFileSystem(), dir_.path() + "/ws");
    ASSERT_TRUE(s.isOk()) << s.status().toString();
    store_ = std::move(s).value();
    ws_ = store_->list().at(0);
    auto other = store_->create("other");
    ASSERT_TRUE(other.isOk());
    other_ = *other;
    TraceApiOptions o;
    o.now_ns = [] { return (kT0Ms + 120'000) * 1'000'000; };
    registerTraceApi(router_, *engine_, *store_, o);

    std::vector<model::Point> tracing;
    // (measurement, minute, tags) -> stats, with details' first minute split in two points
    // (a late span batch).
    struct Group {
      std::string measurement;
      std::int64_t minute_ns = 0;
      std::vector<model::Tag> tags;
      Stat stat;
    };
    std::map<std::string, Group> stats;
    auto add = [&](std::string m, std::int64_t minute_ns, std::vector<model::Tag> tags, int part,
                   const GenSpan& g) {
      std::string key = m + "|" + std::to_string(minute_ns) + "|" + std::to_string(part);
      for (const model::Tag& t : tags) key += "|" + t.key + "=" + t.value;
      Group& gr = stats[key];
      gr.measurement = std::move(m);
      gr.minute_ns = minute_ns;
      gr.tags = std::move(tags);
      gr.stat.add(g);
    };
    for (int i = 0; i < kRequests; ++i) {
      for (const GenSpan& g : bookinfoRequest(i)) {
        spans_.push_back(g);
        tracing.push_back(tracingPoint(g));
        const std::int64_t minute_ns = g.start_us / 60'000'000 * 60'000'000'000;
        const int part = g.service == "details" && i < 50 ? i % 2 : 0;
        add("apm_service", minute_ns,
            {{"env", "prod"},
             {"resource", g.resource},
             {"service", g.service},
             {"version", g.version}},
            part, g);
        if (!g.parent_service.empty()) {
          add("apm_edge", minute_ns,
              {{"source_env", "prod"},
               {"source_service", g.parent_service},
               {"source_version", g.parent_version},
               {"target_env", "prod"},
               {"target_service", g.service},
               {"target_version", g.version}},
              0, g);
        }
      }
    }
    // A small trace with overlapping children and a child outliving its parent (at T0 + 30 s):
    // a [0,1000) front; b [100,400) front; c [300,600) back; e [350,450) back under c;
    // d [800,1300) back.
    const std::int64_t base = kT0Us + 30'000'000;
    auto small = [&](std::string id, std::string parent, std::string service, std::int64_t off,
                     std::int64_t dur) {
      GenSpan g{kSmallTrace, id, parent, service, "op " + id, "v1", base + off, dur};
      model::Point p = tracingPoint(g, /*with_message=*/false);
      p.measurement = "ddtrace";
      p.tags.push_back({"custom", "x" + id});
      tracing.push_back(p);
    };
    small("000000000000000a", "", "front", 0, 1000);
    small("000000000000000b", "000000000000000a", "front", 100, 300);
    small("000000000000000c", "000000000000000a", "back", 300, 300);
    small("000000000000000e", "000000000000000c", "back", 350, 100);
    small("000000000000000d", "000000000000000a", "back", 800, 500);
    ASSERT_TRUE(
        storage::testing::writePoints(*engine_, ws_.id, model::Category::kTracing, tracing).isOk());

    std::vector<model::Point> metrics;
    for (const auto& [k, g] : stats) {
      metrics.push_back(apmPoint(g.measurement, g.tags,
                                 g.measurement == "apm_service" ? "requests" : "calls", g.minute_ns,
                                 g.stat));
    }
    ASSERT_TRUE(
        storage::testing::writePoints(*engine_, ws_.id, model::Category::kMetric, metrics).isOk());
  }

  net::HttpResponse get(const std::string& target, const std::string& bearer = "") {
    net::KeyValues headers;
    if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
    net::HttpRequest req = net::testing::makeRequest("GET", target, std::move(headers));
    std::optional<net::HttpResponse> r = net::testing::callRoute(router_, req);
    EXPECT_TRUE(r.has_value()) << target;
    return r.value_or(net::HttpResponse{});
  }
  // GET with the workspace token; the body parsed (the test fails on a non-200 answer).
  element getJson(const std::string& target) {
    net::HttpResponse r =
        get(target + (target.find('?') == std::string::npos ? "?" : "&") + "token=" + ws_.token);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    EXPECT_NE(r.content_type.find("json"), std::string::npos);
    bodies_.push_back(std::make_unique<simdjson::padded_string>(r.body));
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    auto doc = parsers_.back()->parse(*bodies_.back());
    EXPECT_EQ(doc.error(), simdjson::SUCCESS) << r.body;
    return doc.value_unsafe();
  }
  static std::string range() {
    return "start=" + std::to_string(kT0Ms) + "&end=" + std::to_string(kT0Ms + 120'000);
  }
  static std::string str(element e) { return std::string(e.get_string().value()); }

  static constexpr const char* kSmallTrace = "00000000000000000000000000005a11";

  sextant::testing::TempDir dir_;
  std::unique_ptr<storage::StorageEngine> engine_;
  std::unique_ptr<workspace::WorkspaceStore> store_;
  workspace::Workspace ws_, other_;
  net::Router router_;
  std::vector<GenSpan> spans_;
  std::vector<std::unique_ptr<simdjson::padded_string>> bodies_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

TEST_F(TraceApiTest, ServicesSumCountsAndMergeSketches) {
  element doc = getJson("/v1/apm/services?" + range());
  simdjson::dom::array services = doc["services"].get_array().value();
  ASSERT_EQ(services.size(), 4u);
  // details has the errors: first; then productpage and reviews (100 each); then ratings.
  std::vector<std::string> names;
  for (element s : services) names.push_back(str(s["service"]));
  EXPECT_EQ(names, (std::vector<std::string>{"details", "productpage", "reviews", "ratings"}));

  element d = services.at(0).value();
  EXPECT_EQ(d["requests"].get_int64().value(), 100);  // 25 + 25 + 50 over three points
  EXPECT_EQ(d["errors"].get_int64().value(), 4);
  EXPECT_DOUBLE_EQ(d["error_rate"].get_double().value(), 0.04);
  EXPECT_DOUBLE_EQ(d["qps"].get_double().value(), 100.0 / 120.0);
  EXPECT_DOUBLE_EQ(d["avg_us"].get_double().value(), 1495.0);  // 1000 + 10 * 49.5
  EXPECT_EQ(d["max_us"].get_int64().value(), 1990);
  // Durations 1000, 1010, ..., 1990: lower quantiles of rank floor(q * 99), within 1%.
  EXPECT_NEAR(d["p50_us"].get_double().value(), 1490, 14.9);
  EXPECT_NEAR(d["p75_us"].get_double().value(), 1740, 17.4);
  EXPECT_NEAR(d["p90_us"].get_double().value(), 1890, 18.9);
  EXPECT_NEAR(d["p99_us"].get_double().value(), 1980, 19.8);
  element pp = services.at(1).value();
  EXPECT_DOUBLE_EQ(pp["avg_us"].get_double().value(), 10990.0);
  EXPECT_FALSE(pp["env"].error() == simdjson::SUCCESS);  // not split: no env key

  // Split by version: reviews v1 (90) and v2 (10).
  doc = getJson("/v1/apm/services?" + range() + "&split=version&service=reviews");
  services = doc["services"].get_array().value();
  ASSERT_EQ(services.size(), 2u);
  EXPECT_EQ(str(services.at(0)["version"].value()), "v1");
  EXPECT_EQ(services.at(0)["requests"].get_int64().value(), 90);
  EXPECT_EQ(str(services.at(1)["version"].value()), "v2");
  EXPECT_EQ(services.at(1)["requests"].get_int64().value(), 10);
  // v2 durations 5000 + i for i = 0, 10, ..., 90: max 5090, avg 5045.
  EXPECT_EQ(services.at(1)["max_us"].get_int64().value(), 5090);
  EXPECT_DOUBLE_EQ(services.at(1)["avg_us"].get_double().value(), 5045.0);

  // Only the first minute: details has i = 0..49 (errors at 0 and 25).
  doc = getJson("/v1/apm/services?start=" + std::to_string(kT0Ms) +
                "&end=" + std::to_string(kT0Ms + 59'999) + "&service=details");
  element first = doc["services"].at(0).value();
  EXPECT_EQ(first["requests"].get_int64().value(), 50);
  EXPECT_EQ(first["errors"].get_int64().value(), 2);
  EXPECT_EQ(first["max_us"].get_int64().value(), 1490);

  // Per resource.
  doc = getJson("/v1/apm/resources?" + range() + "&service=reviews");
  simdjson::dom::array res = doc["resources"].get_array().value();
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(str(res.at(0)["resource"].value()), "get /reviews");
  EXPECT_EQ(res.at(0)["requests"].get_int64().value(), 100);

  // Nothing in another range; the default range (the last 15 minutes before "now") holds all.
  doc = getJson("/v1/apm/services?start=0&end=1000");
  EXPECT_EQ(doc["services"].get_array().value().size(), 0u);
  doc = getJson("/v1/apm/services");
  EXPECT_EQ(doc["services"].get_array().value().size(), 4u);
}

TEST_F(TraceApiTest, ServiceMapSplitAndMerged) {
  element doc = getJson("/v1/apm/service_map?" + range() + "&split=true");
  std::map<std::pair<std::string, std::string>, std::int64_t> calls;
  for (element e : arr(doc["edges"])) {
    calls[{str(e["source"]), str(e["target"])}] = e["calls"].get_int64().value();
  }
  EXPECT_EQ((calls[{"productpage:prod:v1", "reviews:prod:v1"}]), 90);
  EXPECT_EQ((calls[{"productpage:prod:v1", "reviews:prod:v2"}]), 10);
  EXPECT_EQ((calls[{"reviews:prod:v2", "ratings:prod:v1"}]), 10);
  EXPECT_EQ(calls.count({"reviews:prod:v1", "ratings:prod:v1"}), 0u);
  EXPECT_EQ((calls[{"productpage:prod:v1", "details:prod:v1"}]), 100);
  EXPECT_EQ(calls.size(), 4u);
  std::map<std::string, std::int64_t> requests;
  for (element n : arr(doc["nodes"])) {
    requests[str(n["id"])] = n["requests"].get_int64().value();
    if (str(n["id"]) == "reviews:prod:v2") {
      EXPECT_EQ(str(n["service"]), "reviews");
      EXPECT_EQ(str(n["env"]), "prod");
      EXPECT_EQ(str(n["version"]), "v2");
    }
  }
  EXPECT_EQ(requests, (std::map<std::string, std::int64_t>{{"details:prod:v1", 100},
                                                           {"productpage:prod:v1", 100},
                                                           {"ratings:prod:v1", 10},
                                                           {"reviews:prod:v1", 90},
                                                           {"reviews:prod:v2", 10}}));

  doc = getJson("/v1/apm/service_map?" + range() + "&split=false");
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> merged;
  for (element e : arr(doc["edges"])) {
    merged[{str(e["source"]), str(e["target"])}] = {e["calls"].get_int64().value(),
                                                    e["errors"].get_int64().value()};
    if (str(e["target"]) == "details") {
      EXPECT_DOUBLE_EQ(e["error_rate"].get_double().value(), 0.04);
      EXPECT_DOUBLE_EQ(e["avg_us"].get_double().value(), 1495.0);
      EXPECT_NEAR(e["p99_us"].get_double().value(), 1980, 19.8);
    }
  }
  using P = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(merged, (std::map<std::pair<std::string, std::string>, P>{
                        {{"productpage", "details"}, P{100, 4}},
                        {{"productpage", "reviews"}, P{100, 0}},
                        {{"reviews", "ratings"}, P{10, 0}}}));
  simdjson::dom::array nodes = doc["nodes"].get_array().value();
  EXPECT_EQ(nodes.size(), 4u);
  for (element n : nodes) EXPECT_EQ(str(n["id"]), str(n["service"]));

  // Split on version only: env stays merged (its place in the id empty), canaries still apart.
  doc = getJson("/v1/apm/service_map?" + range() + "&split=version");
  std::map<std::pair<std::string, std::string>, std::int64_t> by_version;
  for (element e : arr(doc["edges"])) {
    by_version[{str(e["source"]), str(e["target"])}] = e["calls"].get_int64().value();
  }
  EXPECT_EQ(by_version, (std::map<std::pair<std::string, std::string>, std::int64_t>{
                            {{"productpage::v1", "details::v1"}, 100},
                            {{"productpage::v1", "reviews::v1"}, 90},
                            {{"productpage::v1", "reviews::v2"}, 10},
                            {{"reviews::v2", "ratings::v1"}, 10}}));
  for (element n : arr(doc["nodes"])) {
    EXPECT_EQ(n["env"].error(), simdjson::NO_SUCH_FIELD) << str(n["id"]);
    EXPECT_EQ(n["version"].error(), simdjson::SUCCESS) << str(n["id"]);
  }
  // Split on env only: one node per service here (every span is prod).
  doc = getJson("/v1/apm/service_map?" + range() + "&split=env");
  std::set<std::string> env_ids;
  for (element n : arr(doc["nodes"])) env_ids.insert(str(n["id"]));
  EXPECT_EQ(env_ids, (std::set<std::string>{
                         "details:prod:", "productpage:prod:", "ratings:prod:", "reviews:prod:"}));
  EXPECT_EQ(get("/v1/apm/service_map?split=region&token=" + ws_.token).status, 400);
}

TEST_F(TraceApiTest, TraceByIdInTreeOrderWithSelfTimes) {
  element doc = getJson(std::string("/v1/apm/trace/") + kSmallTrace);
  EXPECT_EQ(str(doc["trace_id"]), kSmallTrace);
  const std::int64_t base = kT0Us + 30'000'000;
  EXPECT_EQ(doc["start_us"].get_int64().value(), base);
  EXPECT_EQ(doc["duration_us"].get_int64().value(), 1300);
  std::vector<std::string> ids;
  std::vector<std::int64_t> self, depth;
  for (element s : arr(doc["spans"])) {
    ids.push_back(str(s["span_id"]).substr(15));
    self.push_back(s["self_us"].get_int64().value());
    depth.push_back(s["depth"].get_int64().value());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "c", "e", "d"}));
  EXPECT_EQ(self, (std::vector<std::int64_t>{300, 300, 200, 100, 500}));
  EXPECT_EQ(depth, (std::vector<std::int64_t>{0, 1, 1, 2, 1}));
  element c = doc["spans"].at(2).value();
  EXPECT_EQ(str(c["service"]), "back");
  EXPECT_EQ(str(c["source"]), "ddtrace");
  EXPECT_EQ(str(c["resource"]), "op 000000000000000c");
  EXPECT_EQ(str(c["parent_id"]), "000000000000000a");
  EXPECT_EQ(str(c["tags"]["custom"]), "x000000000000000c");
  EXPECT_EQ(str(c["env"]), "prod");
  EXPECT_FALSE(c["error"].get_bool().value());
  EXPECT_EQ(str(doc["spans"].at(0)["parent_id"].value()), "");
  simdjson::dom::array services = doc["services"].get_array().value();
  ASSERT_EQ(services.size(), 2u);
  EXPECT_EQ(str(services.at(0)["service"].value()), "back");
  EXPECT_EQ(services.at(0)["self_us"].get_int64().value(), 800);
  EXPECT_DOUBLE_EQ(services.at(0)["share"].get_double().value(), 800.0 / 1300.0);
  EXPECT_EQ(services.at(1)["self_us"].get_int64().value(), 600);

  // A Bookinfo trace: its message holds the id (the text-pruned scan finds it).
  doc = getJson("/v1/apm/trace/" + traceIdOf(10));
  EXPECT_EQ(doc["spans"].get_array().value().size(), 4u);
  EXPECT_EQ(str(doc["spans"].at(0)["service"].value()), "productpage");
  EXPECT_TRUE(doc["spans"].at(1)["error"].get_bool().value() == false);

  // Absent: 404; outside the range: 404; malformed id: 400.
  net::HttpResponse r = get("/v1/apm/trace/00000000000000000000000000000bad?token=" + ws_.token);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.body.find("\"error_code\":\"sextant.notFound\""), std::string::npos) << r.body;
  r = get(std::string("/v1/apm/trace/") + kSmallTrace + "?start=0&end=1000&token=" + ws_.token);
  EXPECT_EQ(r.status, 404);
  r = get("/v1/apm/trace/a%22b?token=" + ws_.token);
  EXPECT_EQ(r.status, 400);
}

TEST_F(TraceApiTest, TraceSearchFilters) {
  auto ids = [&](element doc) {
    std::vector<std::string> out;
    for (element t : arr(doc["traces"])) out.push_back(str(t["trace_id"]));
    return out;
  };
  element doc = getJson("/v1/apm/traces?" + range() + "&service=ratings");
  EXPECT_EQ(ids(doc),
            (std::vector<std::string>{traceIdOf(90), traceIdOf(80), traceIdOf(70), traceIdOf(60),
                                      traceIdOf(50), traceIdOf(40), traceIdOf(30), traceIdOf(20),
                                      traceIdOf(10), traceIdOf(0)}));
  element t = doc["traces"].at(0).value();
  EXPECT_EQ(str(t["service"]), "ratings");
  EXPECT_EQ(str(t["resource"]), "get /ratings");
  EXPECT_EQ(t["span_count"].get_int64().value(), 1);
  EXPECT_EQ(t["duration_us"].get_int64().value(), 1500);
  EXPECT_EQ(t["start_us"].get_int64().value(), kT0Us + 90 * 1'200'000 + 2'500);

  doc = getJson("/v1/apm/traces?" + range() + "&status=error");
  EXPECT_EQ(ids(doc),
            (std::vector<std::string>{traceIdOf(75), traceIdOf(50), traceIdOf(25), traceIdOf(0)}));
  EXPECT_TRUE(doc["traces"].at(0)["error"].get_bool().value());
  EXPECT_EQ(str(doc["traces"].at(0)["service"].value()), "details");

  // details durations are 1000 + 10 i.
  doc = getJson("/v1/apm/traces?" + range() + "&service=details&min_duration_us=1950");
  EXPECT_EQ(ids(doc), (std::vector<std::string>{traceIdOf(99), traceIdOf(98), traceIdOf(97),
                                                traceIdOf(96), traceIdOf(95)}));
  doc = getJson("/v1/apm/traces?" + range() +
                "&service=details&min_duration_us=1100&max_duration_us=1120");
  EXPECT_EQ(ids(doc), (std::vector<std::string>{traceIdOf(12), traceIdOf(11), traceIdOf(10)}));

  // A tag filter (the point tag), the resource filter, a limit, env/version.
  doc = getJson("/v1/apm/traces?" + range() + "&tag=http_method:GET&limit=3");
  EXPECT_EQ(ids(doc), (std::vector<std::string>{traceIdOf(99), traceIdOf(98), traceIdOf(97)}));
  EXPECT_EQ(str(doc["traces"].at(0)["service"].value()), "productpage");
  doc = getJson("/v1/apm/traces?" + range() + "&tag=http_method:POST");
  EXPECT_EQ(ids(doc).size(), 0u);
  doc = getJson("/v1/apm/traces?" + range() + "&resource=get%20/reviews&version=v2&limit=1000");
  EXPECT_EQ(ids(doc).size(), 10u);
  doc = getJson("/v1/apm/traces?" + range());
  EXPECT_EQ(ids(doc).size(), 50u);  // the default limit
  EXPECT_EQ(ids(doc)[0], traceIdOf(99));
  // Every span of a trace found: span_count and duration over them all.
  doc = getJson("/v1/apm/traces?" + range() + "&limit=1000");
  for (element tr : arr(doc["traces"])) {
    if (str(tr["trace_id"]) == traceIdOf(10)) {
      EXPECT_EQ(tr["span_count"].get_int64().value(), 4);
      EXPECT_EQ(str(tr["service"]), "productpage");
      EXPECT_EQ(tr["duration_us"].get_int64().value(), 10'200);
    }
  }
}

TEST_F(TraceApiTest, BadParametersAre400AndTokensAreChecked) {
  for (const char* bad : {"/v1/apm/services?start=abc",
                          "/v1/apm/services?start=10&end=5",
                          "/v1/apm/services?split=host",
                          "/v1/apm/service_map?split=maybe",
                          "/v1/apm/traces?limit=0",
                          "/v1/apm/traces?limit=x",
                          "/v1/apm/traces?min_duration_us=-1",
                          "/v1/apm/traces?min_duration_us=10&max_duration_us=5",
                          "/v1/apm/traces?tag=novalue",
                          "/v1/apm/traces?status=",
                          "/api/v2/spans",
                          "/api/v2/remoteServices",
                          "/api/v2/traces?limit=0",
                          "/api/v2/traces?annotationQuery=a%20and%20and",
                          "/api/v2/traces?minDuration=x",
                          "/api/v2/dependencies",
                          "/api/v2/dependencies?endTs=-1",
                          "/api/v2/trace/xyz",
                          "/api/v2/traceMany",
                          "/api/v2/traceMany?traceIds=,",
                          "/api/v2/autocompleteValues"}) {
    net::HttpResponse r =
        get(std::string(bad) +
            (std::string(bad).find('?') == std::string::npos ? "?token=" : "&token=") + ws_.token);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_NE(r.body.find("\"error_code\":\"sextant.badRequest\""), std::string::npos) << bad;
  }
  // APM routes need a token: 401 without, 403 for an unknown one; Bearer works.
  net::HttpResponse r = get("/v1/apm/services");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("\"error_code\":\"sextant.tokenMissing\""), std::string::npos);
  r = get("/v1/apm/services?token=tkn_00000000000000000000000000000000");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("\"error_code\":\"kodo.tokenNotFound\""), std::string::npos);
  r = get("/v1/apm/services?" + range(), ws_.token);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"productpage\""), std::string::npos);
  // Another workspace sees none of it.
  r = get("/v1/apm/services?" + range(), other_.token);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"services\":[]}");
  r = get(std::string("/v1/apm/trace/") + kSmallTrace, other_.token);
  EXPECT_EQ(r.status, 404);
  // Zipkin: no token is the `default` workspace; an unknown token is 403; another's token
  // reads that workspace.
  r = get("/api/v2/services");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"productpage\""), std::string::npos);
  EXPECT_EQ(get("/api/v2/services?token=nope").status, 403);
  EXPECT_EQ(get("/api/v2/services", "nope").status, 403);
  EXPECT_EQ(get("/api/v2/services", other_.token).body, "[]");
  ASSERT_TRUE(store_->remove("default").isOk());
  EXPECT_EQ(get("/api/v2/services").status, 401);
}

TEST_F(TraceApiTest, ZipkinTraceRoundTripsTheStoredSpans) {
  const std::string id = traceIdOf(50);  // has an error and reviews v2 -> ratings
  net::HttpResponse r = get("/api/v2/trace/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  Result<std::vector<model::Span>> got = codec::zipkin::decodeV2Json(r.body);
  ASSERT_TRUE(got.isOk()) << got.status().toString() << "\n" << r.body;
  std::string stored = "[";
  for (const GenSpan& g : spans_) {
    if (g.trace_id != id) continue;
    if (stored.size() > 1) stored += ",";
    stored += zipkinJson(g);
  }
  stored += "]";
  Result<std::vector<model::Span>> want = codec::zipkin::decodeV2Json(stored);
  ASSERT_TRUE(want.isOk()) << want.status().toString();
  ASSERT_EQ(want->size(), 4u);
  EXPECT_EQ(*got, *want);  // the generator emits each trace's spans by start already
  for (std::size_t i = 1; i < got->size(); ++i) {
    EXPECT_LE((*got)[i - 1].start_us, (*got)[i].start_us);
  }
  // Upper case ids are accepted; absent ones are 404.
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(get("/api/v2/trace/" + upper).status, 200);
  EXPECT_EQ(get("/api/v2/trace/0000000000000bad").status, 404);
  // 16 and 32 digit forms of an id whose high 64 bits are zero name the same trace.
  EXPECT_EQ(get("/api/v2/trace/0000000000005a11").status, 200);

  // A span stored without a Zipkin message is rebuilt from its tags and fields.
  r = get(std::string("/api/v2/trace/") + kSmallTrace);
  ASSERT_EQ(r.status, 200) << r.body;
  got = codec::zipkin::decodeV2Json(r.body);
  ASSERT_TRUE(got.isOk()) << r.body;
  ASSERT_EQ(got->size(), 5u);
  const model::Span& root = (*got)[0];
  EXPECT_EQ(root.trace_id, "0000000000005a11");  // Zipkin drops 16 leading zeros
  EXPECT_EQ(root.span_id, "000000000000000a");
  EXPECT_EQ(root.parent_id, "");
  EXPECT_EQ(root.name, "op 000000000000000a");
  EXPECT_EQ(root.local.service, "front");
  EXPECT_EQ(root.start_us, kT0Us + 30'000'000);
  EXPECT_EQ(root.duration_us, 1000);
  ASSERT_NE(root.findTag("custom"), nullptr);
  EXPECT_EQ(root.findTag("custom")->value, "x000000000000000a");
  EXPECT_EQ(root.findTag("service"), nullptr);
  EXPECT_EQ((*got)[1].parent_id, "000000000000000a");

  // traceMany: the found ones, each a list.
  r = get("/api/v2/traceMany?traceIds=" + traceIdOf(1) + "," + traceIdOf(2) + ",0000000000000bad");
  ASSERT_EQ(r.status, 200);
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  element doc = parser.parse(padded).value();
  ASSERT_EQ(doc.get_array().value().size(), 2u);
  EXPECT_EQ(doc.at(0).get_array().value().size(), 3u);
}

TEST_F(TraceApiTest, ZipkinServicesSpansDependenciesAndSearch) {
  std::string lookback = "endTs=" + std::to_string(kT0Ms + 120'000) + "&lookback=120000";
  EXPECT_EQ(get("/api/v2/services").body,
            "[\"back\",\"details\",\"front\",\"productpage\",\"ratings\",\"reviews\"]");
  EXPECT_EQ(get("/api/v2/spans?serviceName=reviews").body, "[\"get /reviews\"]");
  EXPECT_EQ(get("/api/v2/spans?serviceName=nobody").body, "[]");
  EXPECT_EQ(get("/api/v2/remoteServices?serviceName=productpage").body,
            "[\"details\",\"reviews\"]");
  EXPECT_EQ(get("/api/v2/dependencies?" + lookback).body,
            "[{\"parent\":\"productpage\",\"child\":\"details\",\"callCount\":100,"
            "\"errorCount\":4},{\"parent\":\"productpage\",\"child\":\"reviews\",\"callCount\":"
            "100},{\"parent\":\"reviews\",\"child\":\"ratings\",\"callCount\":10}]");
  EXPECT_EQ(get("/api/v2/dependencies?endTs=1000").body, "[]");
  EXPECT_EQ(get("/api/v2/autocompleteKeys").body, "[\"env\",\"project\",\"version\"]");
  EXPECT_EQ(get("/api/v2/autocompleteValues?key=version").body, "[\"v1\",\"v2\"]");
  EXPECT_EQ(get("/api/v2/autocompleteValues?key=host").body, "[]");

  auto traceIds = [&](const std::string& q) {
    net::HttpResponse r = get("/api/v2/traces?" + q);
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    std::vector<std::string> out;
    simdjson::dom::parser parser;
    simdjson::padded_string padded(r.body);
    auto doc = parser.parse(padded);
    if (doc.error()) {
      ADD_FAILURE() << r.body;
      return out;
    }
    for (element trace : arr(doc.value())) {
      simdjson::dom::array spans = trace.get_array().value();
      EXPECT_GE(spans.size(), 3u);  // whole traces, not just the matching span
      out.push_back(str(spans.at(0)["traceId"].value()));
    }
    return out;
  };
  // Zipkin's defaults: the last day before now, 10 traces, newest first.
  std::vector<std::string> all = traceIds("serviceName=productpage");
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all[0], traceIdOf(99));
  EXPECT_EQ(traceIds("serviceName=details&annotationQuery=error&" + lookback),
            (std::vector<std::string>{traceIdOf(75), traceIdOf(50), traceIdOf(25), traceIdOf(0)}));
  // '+' is a space in the query (the Zipkin UI's encoding); productpage lasts 10000 + 20 i.
  EXPECT_EQ(traceIds("serviceName=productpage&annotationQuery=http.method%3DGET+and+version%3Dv1"
                     "&minDuration=11940&" +
                     lookback),
            (std::vector<std::string>{traceIdOf(99), traceIdOf(98), traceIdOf(97)}));
  EXPECT_EQ(traceIds("annotationQuery=http.method%3DPOST&" + lookback).size(), 0u);
  EXPECT_EQ(traceIds("serviceName=details&minDuration=1010&maxDuration=1020&" + lookback),
            (std::vector<std::string>{traceIdOf(2), traceIdOf(1)}));
  EXPECT_EQ(traceIds("spanName=GET%20/ratings&limit=2&" + lookback),
            (std::vector<std::string>{traceIdOf(90), traceIdOf(80)}));
  EXPECT_EQ(traceIds("serviceName=all&spanName=all&limit=100&" + lookback).size(), 100u);
  // The first trace starts at T0 exactly: endTs is inclusive.
  EXPECT_EQ(traceIds("endTs=" + std::to_string(kT0Ms) + "&lookback=1000").size(), 1u);
  EXPECT_EQ(traceIds("endTs=" + std::to_string(kT0Ms - 1) + "&lookback=1000").size(), 0u);
}

TEST_F(TraceApiTest, OddStoredValuesNeitherOverflowNorFail) {
  // Anyone with the token can write tracing points and apm_* metrics: extreme values must not
  // overflow (UBSan aborts this test build on signed overflow).
  std::vector<model::Point> tracing;
  for (std::int64_t start : {INT64_MAX - 5, INT64_MIN + 5}) {
    model::Point p;
    p.measurement = "odd";
    p.time_ns = (kT0Ms + 1'000) * 1'000'000;
    p.tags = {{"service", "odd"}, {"status", "error"}};
    p.fields = {{"trace_id", std::string("0dd")},
                {"span_id", std::string(start > 0 ? "1" : "2")},
                {"parent_id", std::string(start > 0 ? "2" : "0")},
                {"start", start},
                {"duration", INT64_MAX}};
    tracing.push_back(p);
  }
  ASSERT_TRUE(
      storage::testing::writePoints(*engine_, ws_.id, model::Category::kTracing, tracing).isOk());
  std::vector<model::Point> metrics;
  for (std::int64_t m : {0, 1}) {
    model::Point p;
    p.measurement = "apm_service";
    p.time_ns = (kT0Ms + m * 60'000) * 1'000'000;
    p.tags = {{"service", "odd"}};
    p.fields = {{"requests", INT64_MAX},
                {"errors", INT64_MAX},
                {"duration_sum", INT64_MAX},
                {"sketch", model::Bytes{"\x07garbage"}}};
    metrics.push_back(p);
  }
  ASSERT_TRUE(
      storage::testing::writePoints(*engine_, ws_.id, model::Category::kMetric, metrics).isOk());

  element doc = getJson("/v1/apm/trace/0dd?" + range());
  EXPECT_EQ(doc["duration_us"].get_int64().value(), INT64_MAX);
  EXPECT_EQ(arr(doc["spans"]).size(), 2u);
  doc = getJson("/v1/apm/traces?" + range() + "&service=odd");
  EXPECT_EQ(doc["traces"].at(0)["duration_us"].get_int64().value(), INT64_MAX);
  doc = getJson("/v1/apm/services?" + range() + "&service=odd");
  element odd = doc["services"].at(0).value();
  EXPECT_EQ(odd["requests"].get_int64().value(), INT64_MAX);
  EXPECT_TRUE(odd["p99_us"].is_null());  // the undecodable sketch is skipped
  EXPECT_EQ(get("/api/v2/trace/0dd").status, 200);
}

}  // namespace
}  // namespace sextant::server
