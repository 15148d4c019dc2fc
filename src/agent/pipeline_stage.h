// PipelineStage: the agent's pipeline hook (point_path.h step 2) — DataKit's Pipeline scripts
// (src/pipeline) run on the points of every feed, bound as DataKit binds them: the script the feed
// names (FeedOptions::pipeline: an input's `pipeline` option, /v1/write's ?source=x -> x.p), else
// the point's default script (pipeline::defaultScriptName: log source, measurement, object class,
// `service` for tracing...) in the feed's category. Scripts live in <install dir>/pipeline
// (pipeline::ScriptStore's layout); a missing directory means no scripts.
//
// A script's drop() removes the point; a runtime error keeps the point as the script left it,
// counted and reported (README of src/pipeline: "Runtime errors").
//
// Thread-safety: apply() may run on many threads at once; reload() swaps the script store
// atomically (a run in progress keeps the old scripts alive).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/runtime/input.h"
#include "model/category.h"
#include "model/point.h"
#include "pipeline/store.h"

namespace sextant::agent {

struct PipelineStats {
  uint64_t scripts = 0;  // loaded
  uint64_t runs = 0;     // points a script ran on
  uint64_t dropped = 0;  // points a script dropped
  uint64_t errors = 0;   // runs that ended in a runtime error
  uint64_t missing = 0;  // feeds naming a script that does not exist (FeedOptions::pipeline)
  std::string last_error;
};

class PipelineStage {
 public:
  // Loads the scripts of `dir`; load problems (compile errors with line:col) go to *errors.
  void reload(const std::string& dir, std::vector<std::string>* errors);
  // The hook: runs the bound script on each point of a feed; dropped points are removed.
  void apply(model::Category category, const FeedOptions& feed, std::vector<model::Point>* points,
             int64_t now_ns);
  // Whether apply() could change the points of such a feed, or count it: false only when no
  // script is loaded (then apply() returns at once). The point path's fast path asks this.
  bool mayApply(model::Category category, const FeedOptions& feed) const;
  PipelineStats stats() const;

 private:
  std::shared_ptr<const pipeline::ScriptStore> store() const;

  mutable std::mutex mu_;  // guards store_ and last_error_
  std::shared_ptr<const pipeline::ScriptStore> store_;
  std::string last_error_;
  std::atomic<uint64_t> runs_{0}, dropped_{0}, errors_{0}, missing_{0};
};

}  // namespace sextant::agent
