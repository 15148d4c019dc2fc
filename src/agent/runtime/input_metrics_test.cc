#include "agent/runtime/input_metrics.h"

#include <gtest/gtest.h>

namespace sextant::agent {
namespace {

using std::chrono::milliseconds;

TEST(InputMetrics, RendersDataKitFamiliesSummingInstances) {
  std::vector<InputStats> stats(4);
  stats[0].name = "cpu";
  stats[0].collects = 3;
  stats[0].feeds = 2;
  stats[0].points = 2;
  stats[0].last_feed_ns = 1'700'000'020'000'000'000;
  stats[0].total_latency = milliseconds(3);

  stats[1].name = "prom";  // two instances of one input
  stats[1].election = true;
  stats[1].collects = 4;
  stats[1].feeds = 4;
  stats[1].points = 40;
  stats[1].last_feed_ns = 1'700'000'010'000'000'000;
  stats[1].total_latency = milliseconds(500);
  stats[1].errors = 1;
  stats[1].last_error = "old";
  stats[1].last_error_ns = 1'700'000'000'000'000'000;
  stats[1].pauses = 2;
  stats[1].resumes = 1;
  stats[2] = stats[1];
  stats[2].instance = 1;
  stats[2].last_feed_ns = 1'700'000'030'500'000'000;
  stats[2].last_error = "GET http://a:9100/metrics: \"connection refused\"";
  stats[2].last_error_ns = 1'700'000'040'000'000'000;

  stats[3].name = "zipkin";  // HTTP-push: never collected, never fed by the runner
  stats[3].category = model::Category::kTracing;

  MetricsText m;
  appendInputMetrics(stats, &m, {"node-1", "default"});
  EXPECT_EQ(m.take(),
            "# HELP datakit_io_feed_total Input feed total\n"
            "# TYPE datakit_io_feed_total counter\n"
            "datakit_io_feed_total{name=\"cpu\",category=\"metric\"} 2\n"
            "datakit_io_feed_total{name=\"prom\",category=\"metric\"} 8\n"
            "datakit_io_feed_total{name=\"zipkin\",category=\"tracing\"} 0\n"
            "# HELP datakit_io_feed_point Input feed point\n"
            "# TYPE datakit_io_feed_point summary\n"
            "datakit_io_feed_point_sum{name=\"cpu\",category=\"metric\"} 2\n"
            "datakit_io_feed_point_count{name=\"cpu\",category=\"metric\"} 2\n"
            "datakit_io_feed_point_sum{name=\"prom\",category=\"metric\"} 80\n"
            "datakit_io_feed_point_count{name=\"prom\",category=\"metric\"} 8\n"
            "datakit_io_feed_point_sum{name=\"zipkin\",category=\"tracing\"} 0\n"
            "datakit_io_feed_point_count{name=\"zipkin\",category=\"tracing\"} 0\n"
            "# HELP datakit_io_last_feed_timestamp_seconds Input last feed time(according to "
            "Datakit local time)\n"
            "# TYPE datakit_io_last_feed_timestamp_seconds gauge\n"
            "datakit_io_last_feed_timestamp_seconds{name=\"cpu\",category=\"metric\"} 1700000020\n"
            "datakit_io_last_feed_timestamp_seconds{name=\"prom\",category=\"metric\"} "
            "1700000030.5\n"
            "# HELP datakit_input_collect_latency_seconds Input collect latency\n"
            "# TYPE datakit_input_collect_latency_seconds summary\n"
            "datakit_input_collect_latency_seconds_sum{name=\"cpu\",category=\"metric\"} 0.003\n"
            "datakit_input_collect_latency_seconds_count{name=\"cpu\",category=\"metric\"} 3\n"
            "datakit_input_collect_latency_seconds_sum{name=\"prom\",category=\"metric\"} 1\n"
            "datakit_input_collect_latency_seconds_count{name=\"prom\",category=\"metric\"} 8\n"
            "# HELP datakit_error_total Total errors, only count on error source, not include "
            "error message\n"
            "# TYPE datakit_error_total counter\n"
            "datakit_error_total{source=\"prom\",category=\"metric\"} 2\n"
            "# HELP datakit_last_err Datakit errors(when error occurred), these errors come from "
            "inputs or any sub modules\n"
            "# TYPE datakit_last_err gauge\n"
            "datakit_last_err{source=\"prom\",category=\"metric\",error=\"GET "
            "http://a:9100/metrics: \\\"connection refused\\\"\"} 1700000040\n"
            "# HELP datakit_inputs_instance Input instance count\n"
            "# TYPE datakit_inputs_instance gauge\n"
            "datakit_inputs_instance{input=\"cpu\"} 1\n"
            "datakit_inputs_instance{input=\"prom\"} 2\n"
            "datakit_inputs_instance{input=\"zipkin\"} 1\n"
            "# HELP datakit_election_inputs Datakit election input count\n"
            "# TYPE datakit_election_inputs gauge\n"
            "datakit_election_inputs{namespace=\"default\"} 2\n"
            "# HELP datakit_election_pause_total Input paused count when election failed\n"
            "# TYPE datakit_election_pause_total counter\n"
            "datakit_election_pause_total{id=\"node-1\",namespace=\"default\"} 4\n"
            "# HELP datakit_election_resume_total Input resume count when election OK\n"
            "# TYPE datakit_election_resume_total counter\n"
            "datakit_election_resume_total{id=\"node-1\",namespace=\"default\"} 2\n");
}

TEST(InputMetrics, LeavesFeedFamiliesToThePointPathWhenAsked) {
  std::vector<InputStats> stats(1);
  stats[0].name = "cpu";
  stats[0].collects = 2;
  stats[0].feeds = 2;
  stats[0].points = 2;
  stats[0].errors = 1;
  stats[0].last_error = "x";
  stats[0].last_error_ns = 1'000'000'000;
  stats[0].total_latency = milliseconds(250);
  MetricsText m;
  InputMetricsLabels labels;
  labels.feed_families = false;
  appendInputMetrics(stats, &m, labels);
  EXPECT_EQ(m.take(),
            "# HELP datakit_input_collect_latency_seconds Input collect latency\n"
            "# TYPE datakit_input_collect_latency_seconds summary\n"
            "datakit_input_collect_latency_seconds_sum{name=\"cpu\",category=\"metric\"} 0.25\n"
            "datakit_input_collect_latency_seconds_count{name=\"cpu\",category=\"metric\"} 2\n"
            "# HELP datakit_inputs_instance Input instance count\n"
            "# TYPE datakit_inputs_instance gauge\n"
            "datakit_inputs_instance{input=\"cpu\"} 1\n"
            "# HELP datakit_election_inputs Datakit election input count\n"
            "# TYPE datakit_election_inputs gauge\n"
            "datakit_election_inputs{namespace=\"default\"} 0\n"
            "# HELP datakit_election_pause_total Input paused count when election failed\n"
            "# TYPE datakit_election_pause_total counter\n"
            "datakit_election_pause_total{id=\"\",namespace=\"default\"} 0\n"
            "# HELP datakit_election_resume_total Input resume count when election OK\n"
            "# TYPE datakit_election_resume_total counter\n"
            "datakit_election_resume_total{id=\"\",namespace=\"default\"} 0\n");
}

TEST(InputMetrics, RendersPerTargetHealth) {
  std::vector<InputStats> stats(2);
  stats[0].name = "cpu";  // no targets
  stats[1].name = "prom";
  stats[1].instance = 1;
  TargetHealth ok;
  ok.target = "http://127.0.0.1:9100/metrics";
  ok.up = true;
  ok.scrapes = 3;
  ok.last_duration = milliseconds(250);
  ok.last_samples = 507;
  TargetHealth dead;
  dead.target = "http://127.0.0.1:1/metrics";
  dead.scrapes = 2;
  dead.failures = 2;
  dead.last_duration = milliseconds(1);
  dead.last_error = "connection refused";
  dead.last_error_ns = 1'700'000'000'000'000'000;
  stats[1].targets = {ok, dead};

  MetricsText m;
  appendInputMetrics(stats, &m);
  std::string text = m.take();
  for (const char* want : {
           "sextant_input_target_up{input=\"prom\",instance=\"1\",target=\"http://127.0.0.1:9100/"
           "metrics\"} 1\n",
           "sextant_input_target_up{input=\"prom\",instance=\"1\",target=\"http://127.0.0.1:1/"
           "metrics\"} 0\n",
           "sextant_input_target_scrape_duration_seconds{input=\"prom\",instance=\"1\",target="
           "\"http://127.0.0.1:9100/metrics\"} 0.25\n",
           "sextant_input_target_samples{input=\"prom\",instance=\"1\",target=\"http://"
           "127.0.0.1:9100/metrics\"} 507\n",
           "sextant_input_target_failures_total{input=\"prom\",instance=\"1\",target=\"http://"
           "127.0.0.1:1/metrics\"} 2\n",
           "sextant_input_target_last_error{input=\"prom\",instance=\"1\",target=\"http://"
           "127.0.0.1:1/metrics\",error=\"connection refused\"} 1700000000\n",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  // Only the failing target has a last error.
  EXPECT_EQ(text.find("sextant_input_target_last_error{input=\"prom\",instance=\"1\",target="
                      "\"http://127.0.0.1:9100"),
            std::string::npos);

  MetricsText none;
  appendInputMetrics({stats[0]}, &none);
  EXPECT_EQ(none.take().find("sextant_input_target"), std::string::npos);
}

TEST(InputMetrics, RendersInputEventCountersOnlyWhenSomeInputHasThem) {
  std::vector<InputStats> stats(2);
  stats[0].name = "cpu";
  stats[1].name = "zipkin";
  stats[1].instance = 2;
  stats[1].counters = {{"requests", 7}, {"bad_requests", 1}};
  MetricsText m;
  appendInputMetrics(stats, &m);
  std::string text = m.take();
  EXPECT_NE(text.find("# TYPE sextant_input_events_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sextant_input_events_total{input=\"zipkin\",instance=\"2\",event=\""
                      "requests\"} 7\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sextant_input_events_total{input=\"zipkin\",instance=\"2\",event=\""
                      "bad_requests\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("sextant_input_events_total{input=\"cpu\""), std::string::npos);
  MetricsText none;
  appendInputMetrics({stats[0]}, &none);
  EXPECT_EQ(none.take().find("sextant_input_events_total"), std::string::npos);
}

}  // namespace
}  // namespace sextant::agent
