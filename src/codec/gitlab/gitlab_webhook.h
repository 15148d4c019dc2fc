// GitLab webhook decoder: the bodies of `Pipeline Hook` and `Job Hook` (alias `Build Hook`)
// deliveries -> the logging points DataKit's gitlab input makes of them (gitlab_pipeline,
// gitlab_job; datakit-inputs.md §3.2, docs/inputs/gitlab.md has the mapping table). Pure functions
// over byte spans: no I/O, no filtering by status (the input decides what it keeps).
//
//   auto p = decodePipelineHook(body, now_ns);   // Result<model::Point>, category logging
//
// Leniency: GitLab's optional values may be null, absent or of an unexpected JSON type; such a
// value is treated as absent (a tag or string field is then left out, a time or duration is 0).
// Errors (InvalidArgument, with a message naming the problem): the body is not a JSON object,
// object_attributes (pipelines) is not an object, the pipeline id / build_id is missing.
// Thread-safety: pure functions (each thread uses its own parser).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/status.h"
#include "model/point.h"

namespace sextant::codec::gitlab {

inline constexpr std::string_view kPipelineMeasurement = "gitlab_pipeline";
inline constexpr std::string_view kJobMeasurement = "gitlab_job";

enum class HookKind { kPipeline, kJob, kOther };

// The kind of a delivery from its X-Gitlab-Event header: "Pipeline Hook" -> kPipeline, "Job Hook"
// and "Build Hook" -> kJob, anything else (push, merge request, ...) -> kOther. Exact match, as
// GitLab sends them.
HookKind hookKind(std::string_view x_gitlab_event);

// A GitLab time in Unix nanoseconds. Accepts what DataKit accepts: "2006-01-02 15:04:05 MST"
// (a zone abbreviation: read as UTC, as Go does for abbreviations it does not know),
// "2006-01-02 15:04:05 -07:00", "2006-01-02 15:04:05 -0700" (each with an optional fraction of
// a second) and RFC 3339 ("2021-02-23T02:41:37.886Z"). nullopt otherwise.
std::optional<int64_t> parseGitlabTimeNs(std::string_view s);

// A Pipeline Hook body -> one gitlab_pipeline point at time_ns (the receive time). Tags:
// object_kind, operation_name (= object_kind), ci_status, pipeline_name, pipeline_url,
// commit_sha, author_email, repository_url, pipeline_source, resource, ref. Fields: pipeline_id
// (string), duration (int, µs), created_at / finished_at (int, ms; 0 when absent),
// queued_duration (int, ms: finished - created - duration; 0 unless both times are known),
// commit_message and message, event_raw (the body).
Result<model::Point> decodePipelineHook(std::string_view body, int64_t time_ns);

// A Job Hook body -> one gitlab_job point at time_ns. Tags: object_kind, sha, build_name,
// build_stage, build_status, project_name, build_failure_reason, user_email, build_commit_sha,
// build_repo_name. Fields: build_id, pipeline_id, project_id, runner_id (strings; runner_id left
// out without a runner), build_created_at / build_started_at / build_finished_at (int, ms; 0 when
// absent), build_duration (int, µs), queued_duration (int, µs, as DataKit's code computes it),
// build_commit_message and message, event_raw (the body).
Result<model::Point> decodeJobHook(std::string_view body, int64_t time_ns);

// The CI status of a decoded point: ci_status of a pipeline, build_status of a job ("" if none).
std::string_view hookStatus(const model::Point& p);

}  // namespace sextant::codec::gitlab
