// appendInputMetrics: the runner's per-input statistics as DataKit's /metrics families, so that
// `datakit monitor`-style tools and the `dk` input read Sextant's agent as they read DataKit's.
//
// Families (DataKit's names and labels; instances of one input are summed per name+category):
//   datakit_io_feed_total{name,category}                  counter  feed() calls
//   datakit_io_feed_point{name,category}                  summary  points per feed (_sum, _count)
//   datakit_io_last_feed_timestamp_seconds{name,category} gauge    unix seconds of the last feed
//   datakit_input_collect_latency_seconds{name,category}  summary  collect() duration (_sum,
//   _count) datakit_error_total{source,category}                  counter  collect/feed/start
//   errors datakit_last_err{source,category,error}               gauge    unix seconds of the last
//   error datakit_inputs_instance{input}                        gauge    configured instances
//   datakit_election_inputs{namespace}                    gauge    election input instances
//   datakit_election_pause_total{id,namespace}            counter  pauses over all election inputs
//   datakit_election_resume_total{id,namespace}           counter  resumes
// Summaries carry no quantiles (Prometheus allows that). Then, only when some instance has
// targets (InputStats::targets, pulling inputs such as prom), Sextant's own per-target families
// labelled {input,instance,target}: sextant_input_target_up, _scrape_duration_seconds, _samples,
// _scrapes_total, _failures_total, and _last_error{error} (unix seconds); when some instance has
// counters (Input::counters()), sextant_input_events_total{input,instance,event}.
// Free function; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "agent/runtime/input_runner.h"
#include "core/metrics_text.h"

namespace sextant::agent {

struct InputMetricsLabels {
  std::string_view election_id;                     // the agent's election id (its hostname)
  std::string_view election_namespace = "default";  // [election] namespace
  // The feed and error families (datakit_io_feed_total, datakit_io_feed_point,
  // datakit_io_last_feed_timestamp_seconds, datakit_error_total, datakit_last_err). An agent
  // whose point path counts every feed (HTTP-push inputs and /v1/write included) renders those
  // itself and sets this to false, so that no series appears twice.
  bool feed_families = true;
};

void appendInputMetrics(const std::vector<InputStats>& stats, MetricsText* out,
                        const InputMetricsLabels& labels = {});

}  // namespace sextant::agent
