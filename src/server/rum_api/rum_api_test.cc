// The RUM analytics routes against a real engine holding a scripted scenario (app "shop": four
// sessions of three users, one session idle for 20 minutes and resumed, views with known
// timings, resources, errors; app "blog": one more session) and the browser SDK's captured
// batches (fixtures/rum). Every expected number is worked out by hand in the comments.
#include "server/rum_api/rum_api.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "codec/line_protocol/line_protocol.h"
#include "core/testing/read_file.h"
#include "core/testing/temp_dir.h"
#include "net/testing/route_call.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::server {
namespace {

constexpr std::int64_t kT0Ms = 1'763'700'000'000;  // a minute boundary
constexpr std::int64_t kSec = 1000;
constexpr std::int64_t kMin = 60 * kSec;
constexpr std::int64_t kMsNs = 1'000'000;

using simdjson::dom::element;

using ::sextant::testing::readFile;

// One rum event of the scenario.
struct Ev {
  std::string measurement;
  std::int64_t offset_ms;  // from T0
  std::string app, session, user, browser, os, country, view_id, view_path;
  std::vector<model::Field> fields;
  std::vector<model::Tag> extra_tags;
};

model::Point toPoint(const Ev& e) {
  model::Point p;
  p.measurement = e.measurement;
  p.time_ns = (kT0Ms + e.offset_ms) * kMsNs;
  p.tags = {{"app_id", e.app},
            {"env", "prod"},
            {"session_id", e.session},
            {"browser", e.browser},
            {"os", e.os},
            {"country", e.country},
            {"view_id", e.view_id},
            {"view_path", e.view_path},
            {"view_path_group", e.view_path}};
  if (!e.user.empty()) p.tags.push_back({"userid", e.user});
  for (const model::Tag& t : e.extra_tags) p.tags.push_back(t);
  p.fields = e.fields;
  if (p.fields.empty()) p.fields.push_back({"is_active", true});
  return p;
}

// View timings in ms, turned into the SDK's ns (as floats: line protocol without 'i').
std::vector<model::Field> viewFields(double load, double fcp, double lcp, double fid, double inp,
                                     double cls) {
  std::vector<model::Field> f;
  auto ns = [](double ms) { return ms * 1e6; };
  if (load >= 0) f.push_back({"loading_time", ns(load)});
  if (fcp >= 0) f.push_back({"first_contentful_paint", ns(fcp)});
  if (lcp >= 0) f.push_back({"largest_contentful_paint", ns(lcp)});
  if (fid >= 0) f.push_back({"first_input_delay", ns(fid)});
  if (inp >= 0) f.push_back({"interaction_to_next_paint", ns(inp)});
  if (cls >= 0) f.push_back({"cumulative_layout_shift", cls});
  return f;
}

std::vector<Ev> scenario() {
  const std::string c = "Chrome", l = "Linux", cn = "CN";
  std::vector<Ev> ev;
  // s1 (u1): a first stretch 0..45 s, then 20 min idle, then s1#2 at 20m45s..21m.
  ev.push_back({"view", 0, "shop", "s1", "u1", c, l, cn, "v1", "/home",
                viewFields(-1, -1, -1, -1, -1, 0.01)});  // first report of v1
  ev.push_back({"view", 0, "shop", "s1", "u1", c, l, cn, "v1", "/home",
                viewFields(1000, 500, 1200, 10, 100, 0.05)});  // its update
  ev.push_back({"resource",
                10 * kSec,
                "shop",
                "s1",
                "u1",
                c,
                l,
                cn,
                "v1",
                "/home",
                {{"duration", 200e6},
                 {"resource_size", std::int64_t{1000}},
                 {"resource_url", "http://shop/api/items?id=1"},
                 {"resource_url_path_group", "/api/items"},
                 {"resource_type", "xhr"}},
                {{"resource_status", "200"}}});
  ev.push_back({"action",
                20 * kSec,
                "shop",
                "s1",
                "u1",
                c,
                l,
                cn,
                "v1",
                "/home",
                {{"action_name", "add to cart"}, {"duration", 0.0}},
                {{"action_type", "click"}}});
  ev.push_back({"view", 30 * kSec, "shop", "s1", "u1", c, l, cn, "v2", "/cart",
                viewFields(2000, 800, 2500, 20, 200, 0.1)});
  ev.push_back({"error",
                40 * kSec,
                "shop",
                "s1",
                "u1",
                c,
                l,
                cn,
                "v2",
                "/cart",
                {{"error_message", "x is undefined"},
                 {"error_stack", "TypeError: x is undefined\n    at f (http://shop/app.js:1:2)"}},
                {{"error_type", "TypeError"}, {"error_source", "source"}}});
  ev.push_back({"resource",
                45 * kSec,
                "shop",
                "s1",
                "u1",
                c,
                l,
                cn,
                "v2",
                "/cart",
                {{"duration", 400e6},
                 {"resource_size", std::int64_t{3000}},
                 {"resource_url", "http://shop/api/items?id=2"},
                 {"resource_url_path_group", "/api/items"},
                 {"resource_type", "xhr"}},
                {{"resource_status", "500"}}});
  ev.push_back({"view", 20 * kMin + 45 * kSec, "shop", "s1", "u1", c, l, cn, "v3", "/home",
                viewFields(3000, 900, 3000, 30, 300, 0.2)});
  ev.push_back(
      {"long_task", 21 * kMin, "shop", "s1", "u1", c, l, cn, "v3", "/home", {{"duration", 120e6}}});
  // s2 (u2, Firefox): 5m..5m07s, two errors of one group, a 404 image.
  const std::string f = "Firefox", w = "Windows", us = "US";
  ev.push_back({"view", 5 * kMin, "shop", "s2", "u2", f, w, us, "v4", "/home",
                viewFields(4000, 1000, 4000, 40, 400, 0.3)});
  for (auto [off, id] : {std::pair<std::int64_t, const char*>{5 * kMin + 5 * kSec, "12345"},
                         {5 * kMin + 6 * kSec, "67890"}}) {
    ev.push_back({"error",
                  off,
                  "shop",
                  "s2",
                  "u2",
                  f,
                  w,
                  us,
                  "v4",
                  "/home",
                  {{"error_message", std::string("Request ") + id + " failed"},
                   {"error_stack", "fetch@http://shop/api.js:10:5\n@http://shop/api.js:1:1"}},
                  {{"error_type", "Error"}, {"error_source", "network"}}});
  }
  ev.push_back({"resource",
                5 * kMin + 7 * kSec,
                "shop",
                "s2",
                "u2",
                f,
                w,
                us,
                "v4",
                "/home",
                {{"duration", 50e6},
                 {"resource_size", std::int64_t{5000}},
                 {"resource_url", "http://cdn/img/logo.png"},
                 {"resource_url_path_group", "/img/logo.png"},
                 {"resource_type", "image"},
                 {"provider_type", "CDN"},
                 {"provider_name", "cdnx"}},
                {{"resource_status", "404"}}});
  // s3 (u1 again): 10m..10m01s.
  ev.push_back({"view", 10 * kMin, "shop", "s3", "u1", c, l, cn, "v5", "/product",
                viewFields(5000, 1100, 5000, 50, 500, 0.4)});
  ev.push_back({"action",
                10 * kMin + kSec,
                "shop",
                "s3",
                "u1",
                c,
                l,
                cn,
                "v5",
                "/product",
                {{"action_name", "buy"}},
                {{"action_type", "click"}}});
  // s4 (no userid: UV counts its session): 30m, no LCP.
  ev.push_back({"view", 30 * kMin, "shop", "s4", "", "Safari", "macOS", "FR", "v6", "/home",
                viewFields(6000, 1200, -1, 60, 600, 0.5)});
  // Another app.
  ev.push_back({"view", kMin, "blog", "s5", "u9", c, l, cn, "v7", "/post",
                viewFields(700, 100, 700, 1, 1, 0)});
  return ev;
}

class RumApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = storage::testing::openTestEngine(dir_.path() + "/data");
    ASSERT_NE(engine_, nullptr);
    auto s = workspace::WorkspaceStore::open(realFileSystem(), dir_.path() + "/ws");
    ASSERT_TRUE(s.isOk()) << s.status().toString();
    store_ = std::move(s).value();
    ws_ = store_->list().at(0);
    RumApiOptions o;
    o.data_dir = dir_.path() + "/srv";
    o.now_ns = [this] { return now_ms_ * kMsNs; };
    registerRumApi(router_, *engine_, *store_, o);

    std::vector<model::Point> pts;
    for (const Ev& e : scenario()) pts.push_back(toPoint(e));
    ASSERT_TRUE(storage::testing::writePoints(*engine_, ws_.id, model::Category::kRum, pts).isOk());
  }

  net::HttpResponse request(const std::string& method, const std::string& target,
                            std::string body = "", std::string content_type = "") {
    net::KeyValues headers;
    if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
    net::HttpRequest req =
        net::testing::makeRequest(method, target, std::move(headers), std::move(body));
    std::optional<net::HttpResponse> r = net::testing::callRoute(router_, req);
    EXPECT_TRUE(r.has_value()) << target;
    return r.value_or(net::HttpResponse{});
  }
  net::HttpResponse get(const std::string& target) {
    return request(
        "GET", target + (target.find('?') == std::string::npos ? "?" : "&") + "token=" + ws_.token);
  }
  element getJson(const std::string& target) {
    net::HttpResponse r = get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return parse(r.body);
  }
  element parse(const std::string& body) {
    bodies_.push_back(std::make_unique<simdjson::padded_string>(body));
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    auto doc = parsers_.back()->parse(*bodies_.back());
    EXPECT_EQ(doc.error(), simdjson::SUCCESS) << body;
    return doc.value_unsafe();
  }
  static std::string range() {
    return "start=" + std::to_string(kT0Ms) + "&end=" + std::to_string(kT0Ms + 60 * kMin);
  }
  static std::string str(element e) { return std::string(e.get_string().value()); }
  static std::int64_t i64(element e) { return e.get_int64().value(); }
  static double dbl(element e) { return e.get_double().value(); }

  sextant::testing::TempDir dir_;
  std::unique_ptr<storage::StorageEngine> engine_;
  std::unique_ptr<workspace::WorkspaceStore> store_;
  workspace::Workspace ws_;
  net::Router router_;
  std::int64_t now_ms_ = kT0Ms + 60 * kMin;
  std::vector<std::unique_ptr<simdjson::padded_string>> bodies_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

TEST_F(RumApiTest, OverviewCountsAndSeries) {
  element d = getJson("/v1/rum/overview?" + range() + "&app_id=shop&interval=15m");
  // Views v1 (reported twice), v2, v3, v4, v5, v6.
  EXPECT_EQ(i64(d["pv"]), 6);
  // u1, u2 and s4's session (no userid).
  EXPECT_EQ(i64(d["uv"]), 3);
  // s1, s1#2, s2, s3, s4.
  EXPECT_EQ(i64(d["sessions"]), 5);
  EXPECT_EQ(i64(d["errors"]), 3);
  EXPECT_EQ(i64(d["error_sessions"]), 2);  // s1 and s2
  EXPECT_DOUBLE_EQ(dbl(d["session_error_rate"]), 0.4);
  EXPECT_DOUBLE_EQ(dbl(d["errors_per_view"]), 0.5);
  EXPECT_EQ(i64(d["interval"]), 15 * kMin);
  simdjson::dom::array series = d["series"].get_array().value();
  ASSERT_EQ(series.size(), 4u);
  // [0, 15m): v1 v2 v4 v5, users u1 u2, sessions s1 s2 s3 start, 3 errors.
  // [15m, 30m): v3, u1, s1#2. [30m, 45m): v6, s4. [45m, 60m): nothing.
  const std::int64_t want[4][4] = {{4, 2, 3, 3}, {1, 1, 1, 0}, {1, 1, 1, 0}, {0, 0, 0, 0}};
  for (std::size_t k = 0; k < 4; ++k) {
    element b = series.at(k).value();
    EXPECT_EQ(i64(b["time"]), kT0Ms + static_cast<std::int64_t>(k) * 15 * kMin);
    EXPECT_EQ(i64(b["pv"]), want[k][0]) << k;
    EXPECT_EQ(i64(b["uv"]), want[k][1]) << k;
    EXPECT_EQ(i64(b["sessions"]), want[k][2]) << k;
    EXPECT_EQ(i64(b["errors"]), want[k][3]) << k;
  }
  // Every app: + v7 / u9 / s5.
  d = getJson("/v1/rum/overview?" + range());
  EXPECT_EQ(i64(d["pv"]), 7);
  EXPECT_EQ(i64(d["uv"]), 4);
  EXPECT_EQ(i64(d["sessions"]), 6);
  // Default interval over one hour: 1 minute, 60 points.
  EXPECT_EQ(d["series"].get_array().value().size(), 60u);
  // Filters: Firefox only is s2; two apps (repeated parameter).
  d = getJson("/v1/rum/overview?" + range() + "&app_id=shop&browser=Firefox");
  EXPECT_EQ(i64(d["pv"]), 1);
  EXPECT_EQ(i64(d["sessions"]), 1);
  EXPECT_EQ(i64(d["errors"]), 2);
  d = getJson("/v1/rum/overview?" + range() + "&app_id=shop&app_id=blog");
  EXPECT_EQ(i64(d["pv"]), 7);
}

TEST_F(RumApiTest, SessionsListSplitAndFilters) {
  element d = getJson("/v1/rum/sessions?" + range() + "&app_id=shop");
  EXPECT_EQ(i64(d["total"]), 5);
  simdjson::dom::array list = d["sessions"].get_array().value();
  std::vector<std::string> ids;
  for (element s : list) ids.push_back(str(s["id"]));
  // Newest first: s4 (30m), s1#2 (20m45s), s3 (10m), s2 (5m), s1 (0).
  EXPECT_EQ(ids, (std::vector<std::string>{"s4", "s1#2", "s3", "s2", "s1"}));
  element s1 = list.at(4).value();
  EXPECT_EQ(str(s1["session_id"]), "s1");
  EXPECT_EQ(i64(s1["start"]), kT0Ms);
  EXPECT_EQ(i64(s1["end"]), kT0Ms + 45 * kSec);
  EXPECT_EQ(i64(s1["duration_ms"]), 45 * kSec);
  EXPECT_EQ(str(s1["first_view"]), "/home");
  EXPECT_EQ(str(s1["last_view"]), "/cart");
  EXPECT_EQ(i64(s1["view_count"]), 2);  // v1 (twice reported) and v2
  EXPECT_EQ(i64(s1["error_count"]), 1);
  EXPECT_EQ(i64(s1["action_count"]), 1);
  EXPECT_EQ(i64(s1["resource_count"]), 2);
  EXPECT_EQ(i64(s1["long_task_count"]), 0);
  EXPECT_EQ(str(s1["userid"]), "u1");
  EXPECT_EQ(str(s1["browser"]), "Chrome");
  EXPECT_EQ(str(s1["os"]), "Linux");
  EXPECT_EQ(str(s1["country"]), "CN");
  EXPECT_TRUE(s1["has_error"].get_bool().value());
  element s12 = list.at(1).value();
  EXPECT_EQ(str(s12["session_id"]), "s1");
  EXPECT_EQ(i64(s12["start"]), kT0Ms + 20 * kMin + 45 * kSec);
  EXPECT_EQ(i64(s12["end"]), kT0Ms + 21 * kMin);
  EXPECT_EQ(i64(s12["view_count"]), 1);
  EXPECT_EQ(i64(s12["long_task_count"]), 1);
  EXPECT_FALSE(s12["has_error"].get_bool().value());
  EXPECT_EQ(str(list.at(0)["userid"].value()), "");

  d = getJson("/v1/rum/sessions?" + range() + "&app_id=shop&has_error=true");
  EXPECT_EQ(i64(d["total"]), 2);
  EXPECT_EQ(str(d["sessions"].at(0)["id"].value()), "s2");
  d = getJson("/v1/rum/sessions?" + range() + "&app_id=shop&userid=u1&limit=2&offset=1");
  EXPECT_EQ(i64(d["total"]), 3);  // s1#2, s3, s1
  list = d["sessions"].get_array().value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(str(list.at(0)["id"].value()), "s3");
  EXPECT_EQ(str(list.at(1)["id"].value()), "s1");
}

TEST_F(RumApiTest, SessionTimeline) {
  element d = getJson("/v1/rum/sessions/s1?" + range());
  EXPECT_EQ(str(d["session"]["id"]), "s1");
  simdjson::dom::array events = d["events"].get_array().value();
  std::vector<std::string> types;
  for (element e : events) types.push_back(str(e["type"]));
  EXPECT_EQ(types, (std::vector<std::string>{"view", "view", "resource", "action", "view", "error",
                                             "resource"}));
  // v1's two reports share a time: either order; the update carries the timings.
  element upd = events.at(1).value();
  if (upd["loading_time_ms"].error() != simdjson::SUCCESS) upd = events.at(0).value();
  EXPECT_EQ(i64(upd["time"]), kT0Ms);
  EXPECT_DOUBLE_EQ(dbl(upd["loading_time_ms"]), 1000);
  EXPECT_DOUBLE_EQ(dbl(upd["largest_contentful_paint_ms"]), 1200);
  EXPECT_DOUBLE_EQ(dbl(upd["cumulative_layout_shift"]), 0.05);
  element res = events.at(2).value();
  EXPECT_EQ(i64(res["time"]), kT0Ms + 10 * kSec);
  EXPECT_DOUBLE_EQ(dbl(res["duration_ms"]), 200);
  EXPECT_EQ(str(res["resource_type"]), "xhr");
  EXPECT_EQ(str(events.at(3)["action_name"].value()), "add to cart");
  element e = events.at(5).value();
  EXPECT_EQ(str(e["error_type"]), "TypeError");
  EXPECT_EQ(str(e["error_message"]), "x is undefined");

  // The second stretch, by its derived id (# percent-encoded in the URL).
  d = getJson("/v1/rum/sessions/s1%232?" + range());
  EXPECT_EQ(str(d["session"]["id"]), "s1#2");
  events = d["events"].get_array().value();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(str(events.at(1)["type"].value()), "long_task");
  EXPECT_DOUBLE_EQ(dbl(events.at(1)["duration_ms"].value()), 120);

  EXPECT_EQ(get("/v1/rum/sessions/s1%233?" + range()).status, 404);
  EXPECT_EQ(get("/v1/rum/sessions/nosuch?" + range()).status, 404);
  EXPECT_EQ(get("/v1/rum/sessions/s1%231?" + range()).status, 400);
  EXPECT_EQ(get("/v1/rum/sessions/a%20b?" + range()).status, 400);
}

TEST_F(RumApiTest, PerformancePercentiles) {
  element d = getJson("/v1/rum/performance?" + range() + "&app_id=shop");
  simdjson::dom::array pages = d["pages"].get_array().value();
  ASSERT_EQ(pages.size(), 3u);
  element home = pages.at(0).value();
  EXPECT_EQ(str(home["page"]), "/home");
  EXPECT_EQ(i64(home["views"]), 4);  // v1 v3 v4 v6
  // Loading times 1000 3000 4000 6000 ms; nearest rank: p50 rank 2, p75 rank 3, p90/p99 rank 4.
  element lt = home["loading_time_ms"].value();
  EXPECT_EQ(i64(lt["count"]), 4);
  EXPECT_DOUBLE_EQ(dbl(lt["p50"]), 3000);
  EXPECT_DOUBLE_EQ(dbl(lt["p75"]), 4000);
  EXPECT_DOUBLE_EQ(dbl(lt["p90"]), 6000);
  EXPECT_DOUBLE_EQ(dbl(lt["p99"]), 6000);
  // LCP 1200 3000 4000 (v6 has none): p50 rank 2, p75 rank ceil(2.25) = 3.
  element lcp = home["largest_contentful_paint_ms"].value();
  EXPECT_EQ(i64(lcp["count"]), 3);
  EXPECT_DOUBLE_EQ(dbl(lcp["p50"]), 3000);
  EXPECT_DOUBLE_EQ(dbl(lcp["p75"]), 4000);
  // CLS (unitless) 0.05 (v1: the larger of its two reports) 0.2 0.3 0.5.
  element cls = home["cumulative_layout_shift"].value();
  EXPECT_EQ(i64(cls["count"]), 4);
  EXPECT_DOUBLE_EQ(dbl(cls["p50"]), 0.2);
  EXPECT_DOUBLE_EQ(dbl(cls["p75"]), 0.3);
  EXPECT_DOUBLE_EQ(dbl(cls["p99"]), 0.5);
  // FID 10 30 40 60; INP 100 300 400 600.
  EXPECT_DOUBLE_EQ(dbl(home["first_input_delay_ms"]["p50"]), 30);
  EXPECT_DOUBLE_EQ(dbl(home["interaction_to_next_paint_ms"]["p90"]), 600);
  EXPECT_DOUBLE_EQ(dbl(home["first_contentful_paint_ms"]["p75"]), 1000);  // 500 900 1000 1200
  // /cart and /product: one view each, ordered by name.
  EXPECT_EQ(str(pages.at(1)["page"].value()), "/cart");
  EXPECT_DOUBLE_EQ(dbl(pages.at(1)["loading_time_ms"]["p99"].value()), 2000);
  EXPECT_EQ(str(pages.at(2)["page"].value()), "/product");
  // Overall: loading 1000..6000 step 1000: p50 rank 3, p75 rank ceil(4.5) = 5, p90 rank 6.
  element all = d["overall"]["loading_time_ms"].value();
  EXPECT_EQ(i64(d["overall"]["views"]), 6);
  EXPECT_DOUBLE_EQ(dbl(all["p50"]), 3000);
  EXPECT_DOUBLE_EQ(dbl(all["p75"]), 5000);
  EXPECT_DOUBLE_EQ(dbl(all["p90"]), 6000);
  // limit
  d = getJson("/v1/rum/performance?" + range() + "&app_id=shop&limit=1");
  EXPECT_EQ(d["pages"].get_array().value().size(), 1u);
}

TEST_F(RumApiTest, ResourcesGroups) {
  element d = getJson("/v1/rum/resources?" + range() + "&app_id=shop");
  simdjson::dom::array rs = d["resources"].get_array().value();
  ASSERT_EQ(rs.size(), 2u);
  element items = rs.at(0).value();
  EXPECT_EQ(str(items["resource"]), "/api/items");
  EXPECT_EQ(str(items["resource_type"]), "xhr");
  EXPECT_EQ(i64(items["count"]), 2);
  EXPECT_EQ(i64(items["errors"]), 1);  // the 500
  EXPECT_DOUBLE_EQ(dbl(items["error_rate"]), 0.5);
  EXPECT_DOUBLE_EQ(dbl(items["avg_size"]), 2000);
  EXPECT_DOUBLE_EQ(dbl(items["total_size"]), 4000);
  EXPECT_DOUBLE_EQ(dbl(items["duration_ms"]["p50"]), 200);
  EXPECT_DOUBLE_EQ(dbl(items["duration_ms"]["p75"]), 400);
  element logo = rs.at(1).value();
  EXPECT_EQ(str(logo["resource"]), "/img/logo.png");
  EXPECT_EQ(str(logo["provider_type"]), "CDN");
  EXPECT_EQ(str(logo["provider_name"]), "cdnx");
  EXPECT_EQ(i64(logo["errors"]), 1);
  EXPECT_DOUBLE_EQ(dbl(logo["duration_ms"]["p99"]), 50);
}

TEST_F(RumApiTest, ErrorGroups) {
  element d = getJson("/v1/rum/errors?" + range() + "&app_id=shop");
  simdjson::dom::array es = d["errors"].get_array().value();
  ASSERT_EQ(es.size(), 2u);
  element net = es.at(0).value();
  EXPECT_EQ(str(net["error_type"]), "Error");
  EXPECT_EQ(str(net["message"]), "Request ? failed");
  EXPECT_EQ(str(net["first_frame"]), "fetch@http://shop/api.js:10:5");
  EXPECT_EQ(i64(net["count"]), 2);
  EXPECT_EQ(i64(net["sessions"]), 1);
  EXPECT_EQ(i64(net["first_seen"]), kT0Ms + 5 * kMin + 5 * kSec);
  EXPECT_EQ(i64(net["last_seen"]), kT0Ms + 5 * kMin + 6 * kSec);
  EXPECT_EQ(str(net["sample"]["error_message"]), "Request 67890 failed");
  EXPECT_EQ(str(net["sample"]["error_source"]), "network");
  element te = es.at(1).value();
  EXPECT_EQ(str(te["error_type"]), "TypeError");
  EXPECT_EQ(str(te["first_frame"]), "at f (http://shop/app.js:1:2)");
  EXPECT_EQ(i64(te["count"]), 1);
}

TEST_F(RumApiTest, BadParametersAndTokens) {
  const std::string base = "/v1/rum/";
  for (const char* route : {"overview", "sessions", "performance", "resources", "errors"}) {
    for (const char* q : {"start=abc", "end=-", "start=2&end=1", "app_id=", "browser="}) {
      net::HttpResponse r = get(base + route + "?" + q);
      EXPECT_EQ(r.status, 400) << route << "?" << q << ": " << r.body;
      EXPECT_NE(r.body.find("sextant.badRequest"), std::string::npos);
    }
    EXPECT_EQ(request("GET", base + route).status, 401) << route;
    EXPECT_EQ(request("GET", base + route + "?token=tkn_nope").status, 403) << route;
  }
  for (const char* q : {"interval=10ms", "interval=abc", "interval=1s&start=0&end=86400000000"}) {
    EXPECT_EQ(get("/v1/rum/overview?" + std::string(q)).status, 400) << q;
  }
  for (const char* q : {"limit=0", "limit=x", "limit=1001", "offset=-1", "has_error=maybe"}) {
    EXPECT_EQ(get("/v1/rum/sessions?" + std::string(q)).status, 400) << q;
  }
  EXPECT_EQ(get("/v1/rum/performance?limit=0").status, 400);
}

TEST_F(RumApiTest, RowLimitTruncates) {
  net::Router limited;
  RumApiOptions o;
  o.now_ns = [this] { return now_ms_ * kMsNs; };
  o.max_scan_rows = 3;
  registerRumApi(limited, *engine_, *store_, o);
  net::HttpRequest req;
  req.method = "GET";
  req.target = "/v1/rum/overview?" + range() + "&token=" + ws_.token;
  req.path = "/v1/rum/overview";
  req.query = net::parseQuery(req.target.substr(req.target.find('?') + 1));
  net::HttpResponse r = (*limited.match(req))(req);
  ASSERT_EQ(r.status, 200) << r.body;
  element d = parse(r.body);
  EXPECT_TRUE(d["truncated"].get_bool().value());
  EXPECT_FALSE(getJson("/v1/rum/overview?" + range())["truncated"].get_bool().value());
}

// A view reported before and after the SDK learned its user, both at the same time: the view
// belongs to that user whatever order the reports come back in, so UV is 1 (uX's other view).
TEST_F(RumApiTest, ViewUserIndependentOfReportOrder) {
  std::vector<model::Point> pts;
  for (const char* app : {"late1", "late2"}) {
    std::vector<Ev> ev = {
        {"view", 2 * kMin, app, "sA", "", "Chrome", "Linux", "CN", "vA", "/a", {}, {}},
        {"view", 2 * kMin, app, "sA", "uX", "Chrome", "Linux", "CN", "vA", "/a", {}, {}},
        {"view", 3 * kMin, app, "sB", "uX", "Chrome", "Linux", "CN", "vB", "/b", {}, {}}};
    if (std::string_view(app) == "late2") std::swap(ev[0], ev[1]);
    for (const Ev& e : ev) pts.push_back(toPoint(e));
  }
  ASSERT_TRUE(storage::testing::writePoints(*engine_, ws_.id, model::Category::kRum, pts).isOk());
  for (const char* app : {"late1", "late2"}) {
    element d = getJson("/v1/rum/overview?" + range() + "&app_id=" + app);
    EXPECT_EQ(i64(d["pv"]), 2) << app;
    EXPECT_EQ(i64(d["uv"]), 1) << app;
  }
}

// The browser SDK's captured batches, decoded as the ingest path does (line protocol, ms).
TEST_F(RumApiTest, FixtureBatches) {
  const std::string dir = std::string(SEXTANT_SHARED_DIR) + "/fixtures/rum/";
  std::vector<model::Point> pts;
  for (const char* f : {"guance-rum_lineproto_batch1.txt", "guance-rum_lineproto_pageexit.txt",
                        "guance-rum_deflate_batch1.decoded.txt"}) {
    codec::lp::DecodeOptions o;
    o.category = model::Category::kRum;
    o.precision = codec::lp::Precision::kMillisecond;
    codec::lp::DecodeResult r = codec::lp::decode(readFile(dir + f), o);
    ASSERT_TRUE(r.ok()) << f << ": " << r.errorMessage();
    for (auto& p : r.points) pts.push_back(std::move(p));
  }
  ASSERT_EQ(pts.size(), 29u);  // 10 + 6 + 13 lines
  ASSERT_TRUE(storage::testing::writePoints(*engine_, ws_.id, model::Category::kRum, pts).isOk());
  const std::string q = "start=1795271800000&end=1795272000000&app_id=rc_test_app";
  element d = getJson("/v1/rum/overview?" + q);
  EXPECT_EQ(i64(d["pv"]), 1);  // view 787c21c6 reported twice
  EXPECT_EQ(i64(d["uv"]), 1);  // u-42
  EXPECT_EQ(i64(d["sessions"]), 2);
  EXPECT_EQ(i64(d["errors"]), 6);  // 2 + 1 + 3
  EXPECT_EQ(i64(d["error_sessions"]), 2);

  d = getJson("/v1/rum/sessions?" + q);
  ASSERT_EQ(i64(d["total"]), 2);
  element newest = d["sessions"].at(0).value();
  EXPECT_EQ(str(newest["id"]), "7d28b67f-44af-4971-8215-4d837979b99f");
  EXPECT_EQ(i64(newest["start"]), 1795271905093);
  EXPECT_EQ(i64(newest["end"]), 1795271908672);
  EXPECT_EQ(i64(newest["resource_count"]), 6);
  EXPECT_EQ(i64(newest["error_count"]), 3);
  element first = d["sessions"].at(1).value();
  EXPECT_EQ(i64(first["view_count"]), 1);
  EXPECT_EQ(i64(first["resource_count"]), 6);  // 4 + 2
  EXPECT_EQ(i64(first["long_task_count"]), 2);
  EXPECT_EQ(str(first["first_view"]), "/index.html");

  d = getJson("/v1/rum/performance?" + q);
  element page = d["pages"].at(0).value();
  EXPECT_EQ(str(page["page"]), "/index.html");
  EXPECT_DOUBLE_EQ(dbl(page["loading_time_ms"]["p50"]), 375);
  EXPECT_DOUBLE_EQ(dbl(page["first_contentful_paint_ms"]["p50"]), 320);
  EXPECT_DOUBLE_EQ(dbl(page["first_input_delay_ms"]["p50"]), 12.6);
  EXPECT_DOUBLE_EQ(dbl(page["interaction_to_next_paint_ms"]["p50"]), 56);
  EXPECT_DOUBLE_EQ(dbl(page["cumulative_layout_shift"]["p50"]), 0);

  d = getJson("/v1/rum/resources?" + q);
  bool saw_missing = false;
  std::int64_t total = 0;
  simdjson::dom::array resources = d["resources"].get_array().value();
  for (element r : resources) {
    total += i64(r["count"]);
    if (str(r["resource"]) == "/missing.png") {
      saw_missing = true;
      EXPECT_EQ(i64(r["count"]), 2);
      EXPECT_EQ(i64(r["errors"]), 2);  // both 404
      EXPECT_DOUBLE_EQ(dbl(r["duration_ms"]["p50"]), 43.7);
      EXPECT_DOUBLE_EQ(dbl(r["duration_ms"]["p75"]), 284.5);
    }
    if (str(r["resource"]) == "/api/cart") {
      EXPECT_EQ(i64(r["errors"]), 0);
    }
  }
  EXPECT_TRUE(saw_missing);
  EXPECT_EQ(total, 12);

  d = getJson("/v1/rum/errors?" + q);
  total = 0;
  simdjson::dom::array groups = d["errors"].get_array().value();
  for (element e : groups) total += i64(e["count"]);
  EXPECT_EQ(total, 6);
}

TEST_F(RumApiTest, ReplayUploadListFetchAndRetention) {
  const std::string body = readFile(std::string(SEXTANT_SHARED_DIR) +
                                    "/fixtures/rum/guance-rum_replay_segment.multipart");
  const std::string ct = "multipart/form-data; boundary=----WebKitFormBoundary2QuAGyrRyGPmos1B";
  // The segment bytes, cut out of the fixture by hand: after the part's blank line, up to the
  // CRLF before the next boundary.
  std::size_t start = body.find("\r\n\r\n") + 4;
  std::size_t end = body.find("\r\n------WebKitFormBoundary2QuAGyrRyGPmos1B", start);
  const std::string segment = body.substr(start, end - start);
  const std::string sid = "068d0475-e85c-4c85-b14c-dfa2973dde53";

  const std::string up = "/v1/write/rum/replay?precision=ms&token=" + ws_.token;
  net::HttpResponse r = request("POST", up, body, ct);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(i64(parse(r.body)["segment"]), 0);
  r = request("POST", up, body, ct);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(i64(parse(r.body)["segment"]), 1);
  EXPECT_TRUE(realFileSystem().exists(dir_.path() + "/srv/rum_replay/" + ws_.id + "/rc_test_app/" +
                                      sid + "/1"));

  element d = getJson("/v1/rum/replay/" + sid);
  EXPECT_EQ(str(d["app_id"]), "rc_test_app");
  simdjson::dom::array segs = d["segments"].get_array().value();
  ASSERT_EQ(segs.size(), 2u);
  element s0 = segs.at(0).value();
  EXPECT_EQ(i64(s0["segment"]), 0);
  EXPECT_EQ(str(s0["view_id"]), "787c21c6-6d08-43f9-9743-12ee28d17672");
  EXPECT_EQ(i64(s0["start"]), 1795271877189);
  EXPECT_EQ(i64(s0["end"]), 1795271880620);
  EXPECT_EQ(i64(s0["records_count"]), 16);
  EXPECT_EQ(i64(s0["size"]), static_cast<std::int64_t>(segment.size()));
  EXPECT_EQ(str(s0["creation_reason"]), "init");
  EXPECT_TRUE(s0["has_full_snapshot"].get_bool().value());

  net::HttpResponse seg = get("/v1/rum/replay/" + sid + "/1");
  ASSERT_EQ(seg.status, 200);
  EXPECT_EQ(seg.content_type, "application/octet-stream");
  EXPECT_EQ(seg.body, segment);
  EXPECT_EQ(get("/v1/rum/replay/" + sid + "/2").status, 404);
  EXPECT_EQ(get("/v1/rum/replay/" + sid + "/x").status, 400);
  // Sessions without a replay: an empty list.
  for (const std::string& none :
       {std::string("/v1/rum/replay/nosuch"), "/v1/rum/replay/" + sid + "?app_id=other"}) {
    net::HttpResponse empty = get(none);
    EXPECT_EQ(empty.status, 200) << none;
    EXPECT_NE(empty.body.find("\"segments\":[]"), std::string::npos) << empty.body;
  }

  // Bad uploads.
  EXPECT_EQ(request("POST", up, body).status, 400);           // no Content-Type
  EXPECT_EQ(request("POST", up, "garbage", ct).status, 400);  // not multipart
  EXPECT_EQ(request("POST", up, body, "multipart/form-data; boundary=zz").status, 400);
  std::string no_session = body;
  no_session.replace(no_session.find("name=\"session_id\""), 17, "name=\"sessionXid\"");
  r = request("POST", up, no_session, ct);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("session_id"), std::string::npos) << r.body;
  EXPECT_EQ(request("POST", "/v1/write/rum/replay", body, ct).status, 401);

  // Retention (30 days by default): a month and a day later, the next upload removes the old
  // session before storing its own.
  now_ms_ += 31LL * 24 * 3600 * 1000;
  std::string other = body;
  for (std::size_t p = other.find(sid); p != std::string::npos; p = other.find(sid, p + 1)) {
    other.replace(p, 8, "11111111");
  }
  ASSERT_EQ(request("POST", up, other, ct).status, 200);
  EXPECT_NE(get("/v1/rum/replay/" + sid).body.find("\"segments\":[]"), std::string::npos);
  EXPECT_EQ(get("/v1/rum/replay/11111111" + sid.substr(8)).status, 200);
}

TEST(RumApiReplay, LimitsAndUnconfigured) {
  sextant::testing::TempDir dir;
  auto engine = storage::testing::openTestEngine(dir.path() + "/data");
  ASSERT_NE(engine, nullptr);
  auto s = workspace::WorkspaceStore::open(realFileSystem(), dir.path() + "/ws");
  ASSERT_TRUE(s.isOk());
  const workspace::Workspace ws = (*s)->list().at(0);
  net::Router small, off;
  RumApiOptions o;
  o.data_dir = dir.path() + "/srv";
  o.max_replay_bytes = 100;
  registerRumApi(small, *engine, **s, o);
  registerRumApi(off, *engine, **s, RumApiOptions{});
  auto post = [&](net::Router& r, std::string body) {
    net::HttpRequest req;
    req.method = "POST";
    req.target = "/v1/write/rum/replay?token=" + ws.token;
    req.path = "/v1/write/rum/replay";
    req.query = net::parseQuery("token=" + ws.token);
    req.headers.emplace_back("Content-Type", "multipart/form-data; boundary=b");
    req.body = std::move(body);
    return (*r.match(req))(req).status;
  };
  EXPECT_EQ(post(small, std::string(101, 'x')), 413);
  EXPECT_EQ(post(off, "--b--"), 503);
}

}  // namespace
}  // namespace sextant::server
