// The CI visibility model of the server (docs/api/ci.md): the stored gitlab_pipeline and
// gitlab_job logging points (written by the agent's gitlab input, codec/gitlab) read back as
// rows, "latest state per pipeline / job", the query parameters of the /v1/ci routes, the stage
// order of a pipeline, and the overview aggregates (runs, success rate, duration percentiles per
// day and per project). Depends on the model only, so its parsers are fuzzed in the fuzz tree
// (ci_api_fuzz.cc); the routes are ci_api.h.
//
// Thread-safety: pure functions over caller-owned values.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/point.h"

namespace sextant::server::ci {

// One gitlab_pipeline point (one webhook delivery: with ci_all_statuses several per pipeline).
struct PipelineRow {
  std::string pipeline_id;
  std::string pipeline_name;  // project path ("group/project")
  std::string resource;       // project name
  std::string ref, ci_status, pipeline_source, commit_sha, author_email, pipeline_url,
      repository_url, commit_message;
  std::int64_t duration_us = 0;
  std::int64_t queued_duration_ms = 0;
  std::int64_t created_at_ms = 0, finished_at_ms = 0;
  std::int64_t time_ns = 0;  // when the agent received the event
  std::string event_raw;     // only when read (pipeline detail)
};

// One gitlab_job point.
struct JobRow {
  std::string build_id, build_name, build_stage, build_status, pipeline_id, project_id,
      project_name, sha, build_failure_reason, user_email, build_commit_sha, runner_id,
      commit_message;
  std::int64_t created_at_ms = 0, started_at_ms = 0, finished_at_ms = 0;
  std::int64_t duration_us = 0;
  std::int64_t queued_duration_us = 0;
  std::int64_t time_ns = 0;
};

// Rows from points: absent values are ""/0; numbers stored as strings (or ids stored as numbers)
// are converted.
PipelineRow pipelineFromPoint(const model::Point& p);
JobRow jobFromPoint(const model::Point& p);

// True for a pipeline / job status that no later event changes (success, failed, canceled,
// skipped, manual).
bool isTerminalStatus(std::string_view status);
// A finished pipeline for the overview: success, failed or canceled.
bool isFinishedRun(std::string_view status);

// The latest state of each pipeline (by pipeline_id) / job (by build_id): the event received
// last; on equal receive times a terminal status wins over a non-terminal one. Order of the
// result: unspecified.
std::vector<PipelineRow> latestPipelines(std::vector<PipelineRow> rows);
std::vector<JobRow> latestJobs(std::vector<JobRow> rows);

// Query parameters of the /v1/ci routes. Times: Unix ms or RFC 3339 (as the APM API).
struct CiQuery {
  std::int64_t start_ms = 0, end_ms = 0;  // inclusive range of receive times
  std::string project;                    // pipeline_name or resource (jobs: project_name)
  std::string ref;                        // branch / tag
  std::string status;                     // latest ci_status / build_status
  std::string author;                     // author_email (jobs: user_email)
  std::string stage, name;                // jobs only: build_stage, build_name
  std::string pipeline_id;                // jobs only
  std::string source;                     // pipelines only: pipeline_source (push, web, ...)
  std::string runner;                     // jobs only: runner_id
  std::int64_t limit = 50;                // 1..1000
  std::int64_t offset = 0;                // >= 0
};

// Reads a CiQuery from `get` (first value of a parameter, nullopt when absent). Defaults: end =
// now, start = end - default_range_ms. InvalidArgument (naming the parameter) for a bad time,
// start after end, a limit outside 1..1000, a negative or non-numeric offset, or a value longer
// than 1024 bytes.
using ParamGetter = std::function<std::optional<std::string>(std::string_view)>;
Result<CiQuery> parseCiQuery(const ParamGetter& get, std::int64_t now_ms,
                             std::int64_t default_range_ms);

// The `object_attributes.stages` list of a pipeline hook body (event_raw), in order; empty when
// absent. InvalidArgument when the body is not JSON.
Result<std::vector<std::string>> stagesFromEventRaw(std::string_view event_raw);

// A job list grouped by stage (the summaries point into `jobs`, which must outlive them): the
// stages named in `declared` first (in that order, skipped when no job has them), then the others
// by their earliest start (jobs not started last), then name.
struct StageSummary {
  std::string name;
  std::string status;  // failed > running > pending > canceled > success > the first job's
  std::int64_t started_at_ms = 0;   // earliest job start (0: none started)
  std::int64_t finished_at_ms = 0;  // latest job finish (0: none finished)
  std::int64_t exec_us = 0;         // sum of job durations
  std::vector<const JobRow*> jobs;  // by start time, then name
};
std::vector<StageSummary> groupStages(const std::vector<JobRow>& jobs,
                                      const std::vector<std::string>& declared);

// Nearest-rank percentile (p in (0, 100]) of `values` (sorted in place): the value at rank
// ceil(p / 100 * n); 0 when empty.
std::int64_t nearestRank(std::vector<std::int64_t>* values, int p);

// Finished runs over a set of pipelines (latest states).
struct RunStats {
  std::int64_t runs = 0, success = 0, failed = 0, canceled = 0;
  std::int64_t p50_us = 0, p90_us = 0, p95_us = 0;  // of duration_us
  double successRate() const { return runs == 0 ? 0.0 : static_cast<double>(success) / runs; }
};
RunStats runStats(const std::vector<const PipelineRow*>& rows);

// "YYYY-MM-DD" (UTC) of a time in ms, and the start of that day in ms (times beyond ±9e15 ms
// are clamped to it).
std::string utcDay(std::int64_t ms);
std::int64_t utcDayStartMs(std::int64_t ms);

// The time that places a pipeline in a day of the overview: finished_at when known, else the
// receive time.
std::int64_t overviewTimeMs(const PipelineRow& r);

}  // namespace sextant::server::ci
