// The CI visibility API of the server over the stored gitlab_pipeline / gitlab_job logging points
// (user docs: docs/api/ci.md). Token: Authorization: Bearer <token> or ?token=. Times: Unix ms
// or RFC 3339; the range [start, end] is on the time the agent received the events (default: the
// last 7 days; 30 days for one pipeline).
//
//   GET /v1/ci/pipelines      project ref status author source start end limit offset
//   GET /v1/ci/pipelines/:id  start end: the pipeline with its stages (in the pipeline's order)
//                             and jobs (latest state per build_id)
//   GET /v1/ci/jobs           project (its display name, or its path through its pipelines) ref
//                             status author stage name pipeline_id runner start end limit offset
//   GET /v1/ci/overview       project ref author start end: runs, success rate and duration
//                             p50/p90/p95 of the finished pipelines, overall, per UTC day and per
//                             project
//
// With the agent's ci_all_statuses several events exist per pipeline / job: every answer uses
// the latest state of each (ci_model.h). Errors: {"error_code","message"} with 400 (bad
// parameter), 401 (no token), 403 (unknown token), 404 (no such pipeline), 500 (storage error).
//
// Thread-safety: the handlers may run concurrently. The engine and the store are borrowed and
// must outlive the router.
#pragma once

#include <cstdint>
#include <functional>

#include "net/router.h"
#include "server/workspace/workspace_store.h"
#include "storage/engine/storage_engine.h"

namespace sextant::server {

struct CiApiOptions {
  // Wall clock (ns since the epoch) for the default time ranges; empty: the system clock.
  std::function<std::int64_t()> now_ns;
  // At most this many stored events are read per request (the answer is 500
  // sextant.tooManyRows beyond, asking for a narrower range).
  std::int64_t max_rows = 1'000'000;
};

void registerCiApi(net::Router& r, storage::StorageEngine& engine,
                   const workspace::WorkspaceStore& store, CiApiOptions options = {});

}  // namespace sextant::server
