#include "agent/runtime/input_metrics.h"

#include <map>
#include <string>
#include <utility>

namespace sextant::agent {

namespace {

struct Agg {
  int64_t feeds = 0;
  int64_t points = 0;
  int64_t last_feed_ns = 0;
  int64_t collects = 0;
  double latency_seconds = 0;
  int64_t errors = 0;
  std::string last_error;
  int64_t last_error_ns = 0;
};

double seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

void appendInputMetrics(const std::vector<InputStats>& stats, MetricsText* out,
                        const InputMetricsLabels& labels) {
  // Sorted by (name, category) so the page is stable.
  std::map<std::pair<std::string, std::string>, Agg> by_input;
  std::map<std::string, int64_t> instances;
  int64_t election_inputs = 0, pauses = 0, resumes = 0;
  for (const InputStats& s : stats) {
    Agg& a = by_input[{s.name, std::string(model::categoryName(s.category))}];
    a.feeds += s.feeds;
    a.points += s.points;
    a.last_feed_ns = std::max(a.last_feed_ns, s.last_feed_ns);
    a.collects += s.collects;
    a.latency_seconds += seconds(s.total_latency.count());
    a.errors += s.errors;
    if (s.last_error_ns >= a.last_error_ns && !s.last_error.empty()) {
      a.last_error = s.last_error;
      a.last_error_ns = s.last_error_ns;
    }
    ++instances[s.name];
    if (s.election) {
      ++election_inputs;
      pauses += s.pauses;
      resumes += s.resumes;
    }
  }

  if (labels.feed_families) {
    out->family("datakit_io_feed_total", "counter", "Input feed total");
    for (const auto& [k, a] : by_input) {
      out->sample("datakit_io_feed_total", {{"name", k.first}, {"category", k.second}},
                  static_cast<double>(a.feeds));
    }
    out->family("datakit_io_feed_point", "summary", "Input feed point");
    for (const auto& [k, a] : by_input) {
      out->sample("datakit_io_feed_point_sum", {{"name", k.first}, {"category", k.second}},
                  static_cast<double>(a.points));
      out->sample("datakit_io_feed_point_count", {{"name", k.first}, {"category", k.second}},
                  static_cast<double>(a.feeds));
    }
    out->family("datakit_io_last_feed_timestamp_seconds", "gauge",
                "Input last feed time(according to Datakit local time)");
    for (const auto& [k, a] : by_input) {
      if (a.last_feed_ns == 0) continue;
      out->sample("datakit_io_last_feed_timestamp_seconds",
                  {{"name", k.first}, {"category", k.second}}, seconds(a.last_feed_ns));
    }
  }
  out->family("datakit_input_collect_latency_seconds", "summary", "Input collect latency");
  for (const auto& [k, a] : by_input) {
    if (a.collects == 0) continue;
    out->sample("datakit_input_collect_latency_seconds_sum",
                {{"name", k.first}, {"category", k.second}}, a.latency_seconds);
    out->sample("datakit_input_collect_latency_seconds_count",
                {{"name", k.first}, {"category", k.second}}, static_cast<double>(a.collects));
  }
  if (labels.feed_families) {
    out->family("datakit_error_total", "counter",
                "Total errors, only count on error source, not include error message");
    for (const auto& [k, a] : by_input) {
      if (a.errors == 0) continue;
      out->sample("datakit_error_total", {{"source", k.first}, {"category", k.second}},
                  static_cast<double>(a.errors));
    }
    out->family("datakit_last_err", "gauge",
                "Datakit errors(when error occurred), these errors "
                "come from inputs or any sub modules");
    for (const auto& [k, a] : by_input) {
      if (a.last_error.empty()) continue;
      out->sample("datakit_last_err",
                  {{"source", k.first}, {"category", k.second}, {"error", a.last_error}},
                  seconds(a.last_error_ns));
    }
  }
  out->family("datakit_inputs_instance", "gauge", "Input instance count");
  for (const auto& [name, n] : instances) {
    out->sample("datakit_inputs_instance", {{"input", name}}, static_cast<double>(n));
  }
  out->family("datakit_election_inputs", "gauge", "Datakit election input count");
  out->sample("datakit_election_inputs", {{"namespace", labels.election_namespace}},
              static_cast<double>(election_inputs));
  out->family("datakit_election_pause_total", "counter", "Input paused count when election failed");
  out->sample("datakit_election_pause_total",
              {{"id", labels.election_id}, {"namespace", labels.election_namespace}},
              static_cast<double>(pauses));
  out->family("datakit_election_resume_total", "counter", "Input resume count when election OK");
  out->sample("datakit_election_resume_total",
              {{"id", labels.election_id}, {"namespace", labels.election_namespace}},
              static_cast<double>(resumes));

  // Inputs' own event counters (rum, zipkin, gitlab...): Sextant's. Only rendered when some
  // input has counters.
  bool any_counters = false;
  for (const InputStats& s : stats) any_counters = any_counters || !s.counters.empty();
  if (any_counters) {
    out->family("sextant_input_events_total", "counter",
                "Events counted by an input (requests, bad requests, duplicates...)");
    for (const InputStats& s : stats) {
      const std::string instance = std::to_string(s.instance);
      for (const InputCounter& c : s.counters) {
        out->sample("sextant_input_events_total",
                    {{"input", s.name}, {"instance", instance}, {"event", c.event}},
                    static_cast<double>(c.value));
      }
    }
  }

  // Per-target health of pulling inputs (prom): not DataKit's, hence the sextant_ prefix. Only
  // rendered when some input has targets.
  bool any_targets = false;
  for (const InputStats& s : stats) any_targets = any_targets || !s.targets.empty();
  if (!any_targets) return;
  auto each_target = [&](auto&& fn) {
    for (const InputStats& s : stats) {
      const std::string instance = std::to_string(s.instance);
      for (const TargetHealth& t : s.targets) fn(s, instance, t);
    }
  };
  out->family("sextant_input_target_up", "gauge", "1 when the last scrape of the target succeeded");
  each_target([&](const InputStats& s, const std::string& inst, const TargetHealth& t) {
    out->sample("sextant_input_target_up",
                {{"input", s.name}, {"instance", inst}, {"target", t.target}}, t.up ? 1 : 0);
  });
  out->family("sextant_input_target_scrape_duration_seconds", "gauge",
              "Duration of the last scrape of the target");
  each_target([&](const InputStats& s, const std::string& inst, const TargetHealth& t) {
    if (t.scrapes == 0) return;
    out->sample("sextant_input_target_scrape_duration_seconds",
                {{"input", s.name}, {"instance", inst}, {"target", t.target}},
                seconds(t.last_duration.count()));
  });
  out->family("sextant_input_target_samples", "gauge",
              "Samples in the last successful scrape of the target");
  each_target([&](const InputStats& s, const std::string& inst, const TargetHealth& t) {
    out->sample("sextant_input_target_samples",
                {{"input", s.name}, {"instance", inst}, {"target", t.target}},
                static_cast<double>(t.last_samples));
  });
  out->family("sextant_input_target_scrapes_total", "counter", "Scrapes of the target");
  each_target([&](const InputStats& s, const std::string& inst, const TargetHealth& t) {
    out->sample("sextant_input_target_scrapes_total",
                {{"input", s.name}, {"instance", inst}, {"target", t.target}},
                static_cast<double>(t.scrapes));
  });
  out->family("sextant_input_target_failures_total", "counter", "Failed scrapes of the target");
  each_target([&](const InputStats& s, const std::string& inst, const TargetHealth& t) {
    out->sample("sextant_input_target_failures_total",
                {{"input", s.name}, {"instance", inst}, {"target", t.target}},
                static_cast<double>(t.failures));
  });
  out->family("sextant_input_target_last_error", "gauge",
              "Unix seconds of the target's last scrape error");
  each_target([&](const InputStats& s, const std::string& inst, const TargetHealth& t) {
    if (t.last_error.empty()) return;
    out->sample(
        "sextant_input_target_last_error",
        {{"input", s.name}, {"instance", inst}, {"target", t.target}, {"error", t.last_error}},
        seconds(t.last_error_ns));
  });
}

}  // namespace sextant::agent
