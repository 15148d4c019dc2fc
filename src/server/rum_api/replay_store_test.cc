// Tests of the replay store on a real directory: sequence numbers, listing across apps, reads,
// damage detection and retention.
#include "server/rum_api/replay_store.h"

#include <gtest/gtest.h>

#include "core/testing/temp_dir.h"

namespace sextant::server::rum_api {
namespace {

ReplaySegmentMeta meta(std::string app, std::string session, std::string view, std::int64_t start,
                       std::string_view data) {
  ReplaySegmentMeta m;
  m.app_id = std::move(app);
  m.session_id = std::move(session);
  m.view_id = std::move(view);
  m.start_ms = start;
  m.end_ms = start + 1000;
  m.records_count = 3;
  m.content_type = "application/octet-stream";
  m.data = data;
  return m;
}

TEST(ReplayStore, AppendListReadAndRetention) {
  sextant::testing::TempDir dir;
  const std::string root = dir.path() + "/rum_replay";
  ReplayStore store(realFileSystem(), root);
  auto a = store.append("ws1", meta("app", "s1", "v1", 100, "first"), 1000);
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  EXPECT_EQ(a->seq, 0);
  auto b = store.append("ws1", meta("app", "s1", "v2", 200, std::string("sec\0nd", 6)), 2000);
  ASSERT_TRUE(b.isOk());
  EXPECT_EQ(b->seq, 1);
  ASSERT_TRUE(store.append("ws1", meta("app2", "s2", "v9", 300, "other"), 5000).isOk());
  // Files where the layout says.
  EXPECT_TRUE(realFileSystem().exists(root + "/ws1/app/s1/0"));
  EXPECT_TRUE(realFileSystem().exists(root + "/ws1/app/s1/1"));
  EXPECT_TRUE(realFileSystem().exists(root + "/ws1/app/s1/index"));

  auto l = store.list("ws1", "", "s1");
  ASSERT_TRUE(l.isOk());
  EXPECT_EQ(l->app_id, "app");
  ASSERT_EQ(l->segments.size(), 2u);
  EXPECT_EQ(l->segments[1].view_id, "v2");
  EXPECT_EQ(l->segments[1].start_ms, 200);
  EXPECT_EQ(l->segments[1].size, 6);
  EXPECT_EQ(store.list("ws1", "app2", "s1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.list("ws2", "", "s1").status().code(), StatusCode::kNotFound);

  auto r = store.read("ws1", "app", "s1", 1);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->second, std::string("sec\0nd", 6));
  EXPECT_EQ(store.read("ws1", "app", "s1", 2).status().code(), StatusCode::kNotFound);

  // A segment cut short on disk is reported, not served.
  ASSERT_TRUE(realFileSystem().truncate(root + "/ws1/app/s1/0", 2).isOk());
  EXPECT_EQ(store.read("ws1", "app", "s1", 0).status().code(), StatusCode::kDataLoss);

  // Retention: s1's newest segment was stored at 2000, s2's at 5000.
  auto removed = store.removeOlderThan(3000);
  ASSERT_TRUE(removed.isOk());
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(store.list("ws1", "", "s1").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(realFileSystem().exists(root + "/ws1/app/s1"));
  EXPECT_TRUE(store.list("ws1", "", "s2").isOk());
  // A new upload of a removed session starts again at 0.
  auto c = store.append("ws1", meta("app", "s1", "v3", 400, "again"), 6000);
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->seq, 0);
}

TEST(ReplayStore, RejectsUnsafeIds) {
  sextant::testing::TempDir dir;
  ReplayStore store(realFileSystem(), dir.path());
  EXPECT_FALSE(store.append("../x", meta("app", "s", "v", 1, "d"), 1).isOk());
  EXPECT_FALSE(store.append("ws", meta("..", "s", "v", 1, "d"), 1).isOk());
  EXPECT_FALSE(store.list("ws", "", "a/b").isOk());
}

}  // namespace
}  // namespace sextant::server::rum_api
