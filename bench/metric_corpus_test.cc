#include "bench/metric_corpus.h"

#include <gtest/gtest.h>

namespace sextant::bench {
namespace {

TEST(RandomPointsTest, MetricCorpusShape) {
  auto pts = metricCorpus(10, 3);
  ASSERT_EQ(pts.size(), 30u);
  EXPECT_EQ(pts[0].measurement, "bench");
  EXPECT_EQ(pts[0].tags.size(), 4u);
  EXPECT_EQ(pts[0].fields.size(), 5u);
  EXPECT_EQ(pts[11].findTag("host")->value, "host-00001");
  EXPECT_EQ(pts[10].time_ns - pts[0].time_ns, 10'000'000'000LL);
}

}  // namespace
}  // namespace sextant::bench
