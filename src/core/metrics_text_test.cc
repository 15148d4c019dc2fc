#include "core/metrics_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sextant {
namespace {

TEST(MetricsText, FamilyAndSamples) {
  MetricsText m;
  m.family("datakit_io_feed_total", "counter", "Input feed total");
  m.sample("datakit_io_feed_total", {{"name", "cpu"}, {"category", "metric"}}, 3);
  m.sample("datakit_io_feed_total", {{"name", "mem"}, {"category", "metric"}}, 12);
  m.family("datakit_cpu_usage", "gauge", "Datakit CPU usage(%)");
  m.sample("datakit_cpu_usage", {}, 4.5);
  EXPECT_EQ(m.take(),
            "# HELP datakit_io_feed_total Input feed total\n"
            "# TYPE datakit_io_feed_total counter\n"
            "datakit_io_feed_total{name=\"cpu\",category=\"metric\"} 3\n"
            "datakit_io_feed_total{name=\"mem\",category=\"metric\"} 12\n"
            "# HELP datakit_cpu_usage Datakit CPU usage(%)\n"
            "# TYPE datakit_cpu_usage gauge\n"
            "datakit_cpu_usage 4.5\n");
  EXPECT_EQ(m.take(), "");  // take() empties the writer
}

TEST(MetricsText, NoHelpLineWhenHelpIsEmpty) {
  MetricsText m;
  m.family("x", "untyped", "");
  m.sample("x", {}, 1);
  EXPECT_EQ(m.take(), "# TYPE x untyped\nx 1\n");
}

TEST(MetricsText, EscapesLabelValues) {
  MetricsText m;
  m.sample("datakit_last_err", {{"error", "bad \"path\" C:\\dir\nnext"}}, 1);
  EXPECT_EQ(m.take(), "datakit_last_err{error=\"bad \\\"path\\\" C:\\\\dir\\nnext\"} 1\n");
}

TEST(MetricsText, EscapesHelpButNotQuotes) {
  MetricsText m;
  m.family("x", "gauge", "a \"quoted\" back\\slash\nline");
  EXPECT_EQ(m.take(), "# HELP x a \"quoted\" back\\\\slash\\nline\n# TYPE x gauge\n");
}

TEST(MetricsText, FormatsValues) {
  EXPECT_EQ(MetricsText::formatValue(0), "0");
  EXPECT_EQ(MetricsText::formatValue(-0.0), "0");
  EXPECT_EQ(MetricsText::formatValue(42), "42");
  EXPECT_EQ(MetricsText::formatValue(-3), "-3");
  EXPECT_EQ(MetricsText::formatValue(1e12), "1000000000000");
  EXPECT_EQ(MetricsText::formatValue(1795276500), "1795276500");
  EXPECT_EQ(MetricsText::formatValue(1e20), "100000000000000000000");
  EXPECT_EQ(MetricsText::formatValue(0.25), "0.25");
  EXPECT_EQ(MetricsText::formatValue(1795276500.5), "1795276500.5");
  EXPECT_EQ(MetricsText::formatValue(0.1), "0.1");
  EXPECT_EQ(MetricsText::formatValue(1e-07), "1e-07");
  EXPECT_EQ(MetricsText::formatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(MetricsText::formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(MetricsText::formatValue(std::nan("")), "NaN");
}

TEST(MetricsText, SpecialValuesInSamples) {
  MetricsText m;
  m.sample("q", {{"quantile", "0.5"}}, std::nan(""));
  m.sample("le", {{"le", "+Inf"}}, std::numeric_limits<double>::infinity());
  EXPECT_EQ(m.take(), "q{quantile=\"0.5\"} NaN\nle{le=\"+Inf\"} +Inf\n");
}

}  // namespace
}  // namespace sextant
