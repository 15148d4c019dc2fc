#include "server/trace_api/trace_model.h"

#include <gtest/gtest.h>

namespace sextant::server::trace_api {
namespace {

SpanRow span(std::string id, std::string parent, std::string service, std::int64_t start,
             std::int64_t duration, std::string span_type = "") {
  SpanRow r;
  r.trace_id = "t1";
  r.span_id = std::move(id);
  r.parent_id = std::move(parent);
  r.service = std::move(service);
  r.start_us = start;
  r.duration_us = duration;
  r.span_type = std::move(span_type);
  return r;
}

// Tree order as "id@depth" strings.
std::vector<std::string> order(const std::vector<SpanRow>& rows, const TraceTree& t) {
  std::vector<std::string> out;
  for (const TreeSpan& s : t.spans) {
    out.push_back(rows[s.row].span_id + "@" + std::to_string(s.depth));
  }
  return out;
}

const TreeSpan& find(const std::vector<SpanRow>& rows, const TraceTree& t, std::string_view id) {
  for (const TreeSpan& s : t.spans) {
    if (rows[s.row].span_id == id) return s;
  }
  static TreeSpan none;
  ADD_FAILURE() << "no span " << id;
  return none;
}

TEST(TraceTree, SelfTimesWithOverlappingChildrenAndAChildOutlivingItsParent) {
  // a [1000,2000) front; b [1100,1400) front; c [1300,1600) back overlapping b;
  // e [1350,1450) back under c; d [1800,2300) back, ends after a.
  std::vector<SpanRow> rows = {
      span("d", "a", "back", 1800, 500),  span("c", "a", "back", 1300, 300),
      span("a", "", "front", 1000, 1000), span("e", "c", "back", 1350, 100),
      span("b", "a", "front", 1100, 300),
  };
  TraceTree t = buildTraceTree(rows);
  EXPECT_EQ(order(rows, t), (std::vector<std::string>{"a@0", "b@1", "c@1", "e@2", "d@1"}));
  EXPECT_EQ(t.start_us, 1000);
  EXPECT_EQ(t.duration_us, 1300);
  // a: 1000 - |[1100,1600) u [1800,2000)| = 1000 - 700.
  EXPECT_EQ(find(rows, t, "a").self_us, 300);
  EXPECT_EQ(find(rows, t, "b").self_us, 300);
  EXPECT_EQ(find(rows, t, "c").self_us, 200);
  EXPECT_EQ(find(rows, t, "e").self_us, 100);
  EXPECT_EQ(find(rows, t, "d").self_us, 500);
  EXPECT_TRUE(find(rows, t, "a").entry);
  EXPECT_FALSE(find(rows, t, "b").entry);
  EXPECT_TRUE(find(rows, t, "c").entry);
  EXPECT_FALSE(find(rows, t, "e").entry);
  EXPECT_TRUE(find(rows, t, "d").entry);
  EXPECT_EQ(t.spans[find(rows, t, "e").parent].row, 1u);  // c is rows[1]
  ASSERT_EQ(t.services.size(), 2u);
  EXPECT_EQ(t.services[0].service, "back");
  EXPECT_EQ(t.services[0].self_us, 800);
  EXPECT_DOUBLE_EQ(t.services[0].share, 800.0 / 1300.0);
  EXPECT_EQ(t.services[1].service, "front");
  EXPECT_EQ(t.services[1].self_us, 600);
  EXPECT_DOUBLE_EQ(t.services[1].share, 600.0 / 1300.0);
}

TEST(TraceTree, ClockSkewIsClippedAndNeverNegative) {
  // The child starts before and ends after its parent: the parent's self time is 0.
  std::vector<SpanRow> rows = {span("p", "", "a", 100, 50), span("c", "p", "b", 90, 80)};
  TraceTree t = buildTraceTree(rows);
  EXPECT_EQ(find(rows, t, "p").self_us, 0);
  EXPECT_EQ(find(rows, t, "c").self_us, 80);
  EXPECT_EQ(t.start_us, 90);
  EXPECT_EQ(t.duration_us, 80);
}

TEST(TraceTree, OrphansAndCyclesBecomeRoots) {
  std::vector<SpanRow> rows = {
      span("x", "missing", "a", 10, 5),                        // parent not in the trace
      span("p", "q", "a", 20, 5),                              // p and q are each other's parent
      span("q", "p", "a", 25, 5), span("s", "s", "a", 30, 5),  // its own parent
  };
  TraceTree t = buildTraceTree(rows);
  EXPECT_EQ(order(rows, t), (std::vector<std::string>{"x@0", "p@0", "q@1", "s@0"}));
  EXPECT_TRUE(find(rows, t, "x").entry);
  EXPECT_TRUE(find(rows, t, "p").entry);
  EXPECT_FALSE(find(rows, t, "q").entry);
  EXPECT_EQ(find(rows, t, "q").parent, 1);
}

TEST(TraceTree, SharedSpanIdsPreferTheServerSide) {
  // Zipkin B3: the client (front) and server (back) halves of one RPC share span id "x".
  std::vector<SpanRow> rows = {
      span("r", "", "front", 0, 100, "entry"),
      span("x", "r", "front", 10, 80, "exit"),
      span("x", "r", "back", 12, 70, "entry"),
      span("y", "x", "back", 20, 30, "local"),
  };
  TraceTree t = buildTraceTree(rows);
  const TreeSpan& y = find(rows, t, "y");
  EXPECT_EQ(rows[t.spans[y.parent].row].service, "back");
  EXPECT_EQ(y.depth, 3);  // r -> x (front, client) -> x (back, server) -> y
  EXPECT_FALSE(y.entry);
  // The server half nests under the client half: the client's self time is its wait minus the
  // server's span (80 - 70), and the services' self times add up to the trace (100).
  for (const TreeSpan& s : t.spans) {
    if (rows[s.row].span_id == "x" && rows[s.row].service == "front") {
      EXPECT_EQ(s.self_us, 10);
    }
  }
  std::int64_t total = 0;
  for (const ServiceTime& st : t.services) total += st.self_us;
  EXPECT_EQ(total, 100);
  // The server half is an entry of back (its parent r is in front); the client half is not.
  for (const TreeSpan& s : t.spans) {
    if (rows[s.row].span_id == "x") {
      EXPECT_EQ(s.entry, rows[s.row].service == "back");
    }
  }
}

TEST(TraceTree, SharedIdTieBreaksWithoutSpanType) {
  // No span_type: a raw span of kind SERVER wins; without that, the child's own service.
  std::vector<SpanRow> rows = {span("r", "", "front", 0, 100), span("x", "r", "front", 10, 80),
                               span("x", "r", "back", 12, 70), span("y", "x", "back", 20, 30)};
  rows[1].message = R"({"kind":"SERVER"})";
  TraceTree t = buildTraceTree(rows);
  EXPECT_EQ(rows[t.spans[find(rows, t, "y").parent].row].service, "front");
  rows[1].message.clear();
  t = buildTraceTree(rows);
  EXPECT_EQ(rows[t.spans[find(rows, t, "y").parent].row].service, "back");
}

TEST(TraceTree, DuplicateSpansAreDropped) {
  std::vector<SpanRow> rows = {span("a", "", "s", 1, 10), span("b", "a", "s", 2, 3),
                               span("a", "", "s", 1, 10), span("b", "a", "t", 2, 3)};
  dropDuplicateSpans(&rows);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].span_id, "a");
  EXPECT_EQ(rows[1].service, "s");
  EXPECT_EQ(rows[2].service, "t");  // another service: not a duplicate
}

TEST(TraceTree, EmptyAndDeepChains) {
  EXPECT_TRUE(buildTraceTree({}).spans.empty());
  // A chain deeper than any recursion would survive.
  std::vector<SpanRow> rows;
  for (int i = 0; i < 200000; ++i) {
    rows.push_back(span(std::to_string(i), i == 0 ? "" : std::to_string(i - 1), "a", i, 10));
  }
  TraceTree t = buildTraceTree(rows);
  ASSERT_EQ(t.spans.size(), rows.size());
  EXPECT_EQ(t.spans.back().depth, 199999);
}

TEST(SpanRowFromPoint, ReadsTheDataKitTracingConventions) {
  model::Point p;
  p.category = model::Category::kTracing;
  p.measurement = "zipkin";
  p.time_ns = 5'000'000'000;
  p.tags = {{"service", "web"}, {"status", "critical"},  {"span_type", "entry"}, {"env", "prod"},
            {"version", "v2"},  {"resource", "ignored"}, {"operation", "op"}};
  p.fields = {{"trace_id", std::string("abc")}, {"span_id", std::string("s1")},
              {"parent_id", std::string("0")},  {"resource", std::string("GET /")},
              {"start", std::int64_t{7}},       {"duration", std::int64_t{-3}},
              {"message", std::string("{}")}};
  SpanRow r = spanRowFromPoint(p);
  EXPECT_EQ(r.source, "zipkin");
  EXPECT_EQ(r.service, "web");
  EXPECT_EQ(r.trace_id, "abc");
  EXPECT_EQ(r.parent_id, "");
  EXPECT_EQ(r.resource, "GET /");
  EXPECT_EQ(r.operation, "op");
  EXPECT_EQ(r.env, "prod");
  EXPECT_EQ(r.version, "v2");
  EXPECT_EQ(r.start_us, 7);
  EXPECT_EQ(r.duration_us, 0);
  EXPECT_TRUE(r.error());
  EXPECT_EQ(r.message, "{}");
  EXPECT_EQ(r.tags.size(), 7u);

  // A resource tag serves when there is no field; start falls back to the point time.
  model::Point q;
  q.time_ns = 9'000'000;
  q.tags = {{"resource", "/r"}, {"status", "ok"}};
  q.fields = {{"span_id", std::int64_t{42}}};
  SpanRow s = spanRowFromPoint(q);
  EXPECT_EQ(s.resource, "/r");
  EXPECT_EQ(s.start_us, 9000);
  EXPECT_EQ(s.span_id, "42");
  EXPECT_FALSE(s.error());
}

TEST(AnnotationQuery, ParsesZipkinTerms) {
  auto t = parseAnnotationQuery("error and http.method=GET AND  retried and k = v ");
  ASSERT_TRUE(t.isOk()) << t.status().toString();
  ASSERT_EQ(t->size(), 4u);
  EXPECT_EQ((*t)[0].key, "error");
  EXPECT_FALSE((*t)[0].value.has_value());
  EXPECT_EQ((*t)[1].key, "http.method");
  EXPECT_EQ((*t)[1].value, "GET");
  EXPECT_EQ((*t)[2].key, "retried");
  EXPECT_EQ((*t)[3].key, "k");
  EXPECT_EQ((*t)[3].value, "v");
  // "and" inside a word or value is not a separator.
  t = parseAnnotationQuery("sandwich=andand");
  ASSERT_TRUE(t.isOk());
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].value, "andand");
  EXPECT_TRUE(parseAnnotationQuery("   ")->empty());
  for (const char* bad : {"a and and b", "=x", "a and", "and b"}) {
    EXPECT_FALSE(parseAnnotationQuery(bad).isOk()) << bad;
  }
  std::string many = "a";
  for (int i = 0; i < 64; ++i) many += " and a";
  EXPECT_FALSE(parseAnnotationQuery(many).isOk());
}

TEST(Params, TimesTagsAndNumbers) {
  EXPECT_EQ(parseApmTimeMs("1435781451781"), 1435781451781);
  EXPECT_EQ(parseApmTimeMs("-5"), -5);
  EXPECT_EQ(parseApmTimeMs("2015-07-01T20:10:51.781Z"), 1435781451781);
  EXPECT_EQ(parseApmTimeMs("2015-07-01T22:10:51+02:00"), 1435781451000);
  for (const char* bad :
       {"", "abc", "1.5", "2015-07-01", "2015-02-30T00:00:00Z", "2015-07-01T20:10:51",
        "99999999999999999999", "2015-07-01T20:10:51.Z", "9999-12-31T23:59:59Z", "9000000000001"}) {
    EXPECT_FALSE(parseApmTimeMs(bad).has_value()) << bad;
  }
  auto tag = parseTagFilter("http.route:/a:b");
  ASSERT_TRUE(tag.isOk());
  EXPECT_EQ(tag->key, "http.route");
  EXPECT_EQ(tag->value, "/a:b");
  EXPECT_FALSE(parseTagFilter("novalue").isOk());
  EXPECT_FALSE(parseTagFilter(":v").isOk());
  EXPECT_EQ(parseNonNegative("120"), 120);
  EXPECT_FALSE(parseNonNegative("-1").has_value());
  EXPECT_FALSE(parseNonNegative("+1").has_value());
  EXPECT_FALSE(parseNonNegative("1x").has_value());
  EXPECT_EQ(splitList(" env, ,version,"), (std::vector<std::string>{"env", "version"}));
}

}  // namespace
}  // namespace sextant::server::trace_api
