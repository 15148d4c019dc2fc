#include "storage/engine/row_group.h"

#include <gtest/gtest.h>

namespace sextant::storage {
namespace {

model::Point point(std::int64_t t, std::vector<model::Tag> tags, std::vector<model::Field> fields) {
  model::Point p;
  p.category = model::Category::kLogging;
  p.measurement = "nginx";
  p.tags = std::move(tags);
  p.fields = std::move(fields);
  p.time_ns = t;
  return p;
}

TEST(RowGroupTest, SortsByTimeStablyAndKeepsAbsentValuesAbsent) {
  RowGroup g("nginx", 0);
  g.append(point(30, {{"host", "a"}}, {{"message", std::string("third")}}), true);
  g.append(point(10, {}, {{"message", std::string("first")}, {"code", int64_t{200}}}), true);
  g.append(point(30, {{"host", "b"}}, {{"code", int64_t{500}}}), true);
  ASSERT_EQ(g.rows(), 3u);
  EXPECT_EQ(g.minTime(), 10);
  EXPECT_EQ(g.maxTime(), 30);

  ColumnBatch b = g.batch(INT64_MIN, INT64_MAX, {}, false);
  ASSERT_EQ(b.time_ns, (std::vector<std::int64_t>{10, 30, 30}));
  // Rows in order: "first" (t=10), then the two t=30 rows in arrival order.
  EXPECT_EQ(rowToPoint(b, 0, model::Category::kLogging),
            point(10, {}, {{"message", std::string("first")}, {"code", int64_t{200}}}));
  EXPECT_EQ(rowToPoint(b, 1, model::Category::kLogging),
            point(30, {{"host", "a"}}, {{"message", std::string("third")}}));
  EXPECT_EQ(rowToPoint(b, 2, model::Category::kLogging),
            point(30, {{"host", "b"}}, {{"code", int64_t{500}}}));
  const Column* host = b.findColumn("host", ColumnKind::kTag);
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->present, (std::vector<std::uint8_t>{0, 1, 1}));
}

TEST(RowGroupTest, TimeRangeAndProjection) {
  RowGroup g("nginx", 0);
  for (int t = 0; t < 10; ++t) {
    g.append(point(t, {{"host", "a"}}, {{"n", int64_t{t}}, {"message", std::string("x")}}), true);
  }
  ColumnBatch b = g.batch(3, 5, {"n"}, false);
  EXPECT_EQ(b.time_ns, (std::vector<std::int64_t>{3, 4, 5}));
  ASSERT_EQ(b.columns.size(), 1u);
  EXPECT_EQ(std::get<0>(b.columns[0].values), (std::vector<std::int64_t>{3, 4, 5}));
  ColumnBatch none = g.batch(3, 5, {}, true);
  EXPECT_EQ(none.rows(), 3u);
  EXPECT_TRUE(none.columns.empty());
  // A column absent from every selected row is left out.
  RowGroup h("m", 0);
  h.append(point(1, {}, {{"a", 1.0}}), false);
  h.append(point(2, {}, {{"b", 2.0}}), false);
  ColumnBatch only2 = h.batch(2, 2, {}, false);
  ASSERT_EQ(only2.columns.size(), 1u);
  EXPECT_EQ(only2.columns[0].name, "b");
  EXPECT_TRUE(only2.columns[0].present.empty());
}

TEST(RowGroupTest, SameKeyWithTwoTypesIsTwoColumnsAndRepeatedKeysKeepTheFirst) {
  RowGroup g("m", 7);
  g.append(point(1, {{"t", "x"}}, {{"v", int64_t{1}}}), false);  // tags dropped (metrics)
  g.append(point(2, {}, {{"v", 2.5}, {"v", 9.0}}), false);
  ColumnBatch b = g.batch(INT64_MIN, INT64_MAX, {}, false);
  EXPECT_EQ(b.series_id, 7u);
  ASSERT_EQ(b.columns.size(), 2u);
  EXPECT_EQ(rowToPoint(b, 0, model::Category::kMetric).fields,
            (std::vector<model::Field>{{"v", int64_t{1}}}));
  EXPECT_EQ(rowToPoint(b, 1, model::Category::kMetric).fields,
            (std::vector<model::Field>{{"v", 2.5}}));
  EXPECT_EQ(b.findColumn("t", ColumnKind::kTag), nullptr);
}

}  // namespace
}  // namespace sextant::storage
