// Tests of the pure RUM API helpers: parameter parsers, session splitting, nearest-rank
// percentiles, error grouping keys, replay upload fields and the replay index format.
#include "server/rum_api/rum_model.h"

#include <gtest/gtest.h>

namespace sextant::server::rum_api {
namespace {

TEST(RumModel, IntervalLimitOffsetBool) {
  EXPECT_EQ(*parseIntervalMs("60000"), 60000);
  EXPECT_EQ(*parseIntervalMs("5m"), 300000);
  EXPECT_EQ(*parseIntervalMs("1h30m"), 5400000);
  EXPECT_EQ(*parseIntervalMs("1s"), 1000);
  for (const char* bad : {"", "999", "500ms", "-1m", "abc", "367d", "99999999999999999999", "1x"}) {
    EXPECT_FALSE(parseIntervalMs(bad).isOk()) << bad;
  }
  EXPECT_EQ(*parseLimit("1", 10), 1);
  EXPECT_EQ(*parseLimit("10", 10), 10);
  for (const char* bad : {"0", "11", "-1", "", "1.5", "+3", " 2"}) {
    EXPECT_FALSE(parseLimit(bad, 10).isOk()) << bad;
  }
  EXPECT_EQ(*parseOffset("0"), 0);
  EXPECT_FALSE(parseOffset("-1").isOk());
  EXPECT_FALSE(parseOffset("1000000001").isOk());
  EXPECT_EQ(parseBool("true"), true);
  EXPECT_EQ(parseBool("0"), false);
  EXPECT_EQ(parseBool("yes"), std::nullopt);
}

TEST(RumModel, IdsAndSessionRefs) {
  EXPECT_TRUE(validId("068d0475-e85c-4c85-b14c-dfa2973dde53"));
  EXPECT_TRUE(validId("rc_test_app"));
  for (const char* bad : {"", ".hidden", "..", "a/b", "a b", "a#2", "é"}) {
    EXPECT_FALSE(validId(bad)) << bad;
  }
  EXPECT_FALSE(validId(std::string(129, 'a')));
  auto r = parseSessionRef("abc");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->session_id, "abc");
  EXPECT_EQ(r->ordinal, 1);
  r = parseSessionRef("abc#12");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->ordinal, 12);
  for (const char* bad :
       {"abc#", "abc#1", "abc#0", "abc#02", "abc#x", "#2", "a/b#2", "abc#2#3", "abc#1000001"}) {
    EXPECT_FALSE(parseSessionRef(bad).isOk()) << bad;
  }
  EXPECT_EQ(sessionRefString("abc", 1), "abc");
  EXPECT_EQ(sessionRefString("abc", 3), "abc#3");
}

TEST(RumModel, SplitSessionsAtIdleGaps) {
  const std::int64_t m = 60'000'000'000;
  // Session 0: 0, 10m, 25m01s (gap 15m01s: split), 30m; session 1: 5m, 20m (gap exactly 15m:
  // not split). Given out of order.
  std::vector<SessionEvent> ev = {{0, 30 * m, 3}, {1, 20 * m, 5},
                                  {0, 0, 0},      {0, 25 * m + 1'000'000'000, 2},
                                  {1, 5 * m, 4},  {0, 10 * m, 1}};
  std::vector<SessionSpan> spans = splitSessions(ev, kSessionIdleNs);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].session, 0u);
  EXPECT_EQ(spans[0].ordinal, 1);
  EXPECT_EQ(spans[0].end - spans[0].begin, 2u);
  EXPECT_EQ(ev[spans[0].begin].event, 0u);
  EXPECT_EQ(ev[spans[0].end - 1].event, 1u);
  EXPECT_EQ(spans[1].session, 0u);
  EXPECT_EQ(spans[1].ordinal, 2);
  EXPECT_EQ(ev[spans[1].begin].event, 2u);
  EXPECT_EQ(ev[spans[1].end - 1].event, 3u);
  EXPECT_EQ(spans[2].session, 1u);
  EXPECT_EQ(spans[2].ordinal, 1);
  EXPECT_EQ(spans[2].end - spans[2].begin, 2u);
  // Extreme times do not overflow.
  std::vector<SessionEvent> ext = {{0, INT64_MIN, 0}, {0, INT64_MAX, 1}};
  EXPECT_EQ(splitSessions(ext, kSessionIdleNs).size(), 2u);
  std::vector<SessionEvent> none;
  EXPECT_TRUE(splitSessions(none, kSessionIdleNs).empty());
}

TEST(RumModel, NearestRankPercentiles) {
  std::vector<double> v = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  EXPECT_EQ(*nearestRank(v, 0.5), 50);   // rank 5
  EXPECT_EQ(*nearestRank(v, 0.75), 80);  // rank ceil(7.5) = 8
  EXPECT_EQ(*nearestRank(v, 0.9), 90);   // rank 9
  EXPECT_EQ(*nearestRank(v, 0.99), 100);
  EXPECT_EQ(*nearestRank({7}, 0.5), 7);
  EXPECT_EQ(nearestRank({}, 0.5), std::nullopt);
}

TEST(RumModel, ErrorGroupingKeys) {
  EXPECT_EQ(normalizeErrorMessage("Request 12345 failed"), "Request ? failed");
  EXPECT_EQ(
      normalizeErrorMessage("  user   7d28b67f-44af-4971-8215-4d837979b99f not found \n more"),
      "user ? not found");
  EXPECT_EQ(normalizeErrorMessage("id deadbeef12 and h2o"), "id ? and h?o");
  EXPECT_EQ(normalizeErrorMessage("abcdefabcdef"), "abcdefabcdef");  // no digit: a word
  EXPECT_EQ(normalizeErrorMessage(std::string(300, 'x')).size(), 256u);
  EXPECT_EQ(firstStackFrame("TypeError: x is undefined\n    at f (http://a/app.js:1:2)\n    at g"),
            "at f (http://a/app.js:1:2)");
  EXPECT_EQ(firstStackFrame("fetch@http://a/api.js:10:5\n@http://a/b.js:1:1"),
            "fetch@http://a/api.js:10:5");
  EXPECT_EQ(firstStackFrame("Error: \n  at <anonymous> @ http://h/i.html:34:11"),
            "at <anonymous> @ http://h/i.html:34:11");
  EXPECT_EQ(firstStackFrame("mail me at a@b"), "");
  EXPECT_EQ(firstStackFrame(""), "");
}

codec::multipart::MultipartPart part(std::string name, std::string_view data) {
  return {std::move(name), "", "", data};
}

TEST(RumModel, ReplayMetaFromParts) {
  std::vector<codec::multipart::MultipartPart> parts = {
      {"segment", "s-1", "application/octet-stream", "BYTES"},
      part("app_id", "app"),
      part("session_id", "sess"),
      part("view_id", "view"),
      part("start", "100"),
      part("end", "200"),
      part("records_count", "16"),
      part("creation_reason", "init"),
      part("has_full_snapshot", "true")};
  auto m = replayMetaFromParts(parts);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->app_id, "app");
  EXPECT_EQ(m->session_id, "sess");
  EXPECT_EQ(m->view_id, "view");
  EXPECT_EQ(m->start_ms, 100);
  EXPECT_EQ(m->end_ms, 200);
  EXPECT_EQ(m->records_count, 16);
  EXPECT_EQ(m->creation_reason, "init");
  EXPECT_TRUE(m->has_full_snapshot);
  EXPECT_EQ(m->data, "BYTES");
  EXPECT_EQ(m->content_type, "application/octet-stream");

  auto without = [&](std::string_view name) {
    std::vector<codec::multipart::MultipartPart> out;
    for (const auto& p : parts) {
      if (p.name != name) out.push_back(p);
    }
    return out;
  };
  for (const char* required : {"segment", "app_id", "session_id", "view_id", "start", "end"}) {
    auto r = replayMetaFromParts(without(required));
    ASSERT_FALSE(r.isOk()) << required;
    EXPECT_NE(r.status().message().find(required), std::string::npos) << r.status().message();
  }
  auto bad = parts;
  bad[2].data = "../etc";
  EXPECT_FALSE(replayMetaFromParts(bad).isOk());
  bad = parts;
  bad[4].data = "300";  // start after end
  EXPECT_FALSE(replayMetaFromParts(bad).isOk());
  bad = parts;
  bad[6].data = "-1";
  EXPECT_FALSE(replayMetaFromParts(bad).isOk());
}

TEST(RumModel, ReplayIndexRoundTripAndChecksums) {
  std::vector<ReplaySegmentInfo> segs = {
      {0, "v1", 100, 200, 16, 3000, 5, "application/octet-stream", "init", true},
      {1, "v2", 300, 400, 0, 10, 6, "", "", false}};
  std::string text = encodeReplayIndex(segs);
  auto back = decodeReplayIndex(text);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, segs);
  EXPECT_TRUE(decodeReplayIndex(encodeReplayIndex({}))->empty());
  // A flipped byte in a line is caught by its checksum.
  std::string damaged = text;
  damaged[damaged.find("v2")] = 'w';
  auto d = decodeReplayIndex(damaged);
  ASSERT_FALSE(d.isOk());
  EXPECT_EQ(d.status().code(), StatusCode::kDataLoss);
  // A torn last line.
  EXPECT_EQ(decodeReplayIndex(text.substr(0, text.size() - 1)).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(decodeReplayIndex("something else\n").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sextant::server::rum_api
