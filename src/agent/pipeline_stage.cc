#include "agent/pipeline_stage.h"

#include <algorithm>

namespace sextant::agent {

void PipelineStage::reload(const std::string& dir, std::vector<std::string>* errors) {
  std::shared_ptr<const pipeline::ScriptStore> loaded = pipeline::ScriptStore::load(dir, errors);
  std::lock_guard lock(mu_);
  store_ = std::move(loaded);
}

std::shared_ptr<const pipeline::ScriptStore> PipelineStage::store() const {
  std::lock_guard lock(mu_);
  return store_;
}

void PipelineStage::apply(model::Category category, const FeedOptions& feed,
                          std::vector<model::Point>* points, int64_t now_ns) {
  std::shared_ptr<const pipeline::ScriptStore> scripts = store();
  if (scripts == nullptr || scripts->size() == 0) return;
  const pipeline::Script* named = nullptr;
  if (!feed.pipeline.empty()) {
    named = scripts->find(category, feed.pipeline);
    if (named == nullptr) {
      missing_.fetch_add(1, std::memory_order_relaxed);
      return;  // DataKit: a named script that does not exist leaves the points alone
    }
  }
  std::string last_error;
  size_t kept = 0;
  for (size_t i = 0; i < points->size(); ++i) {
    model::Point& pt = (*points)[i];
    pt.category = category;  // defaultScriptName reads it
    const pipeline::Script* script =
        named != nullptr ? named : scripts->find(category, pipeline::defaultScriptName(pt));
    bool keep = true;
    if (script != nullptr) {
      runs_.fetch_add(1, std::memory_order_relaxed);
      pipeline::RunOutcome out = script->run(&pt, now_ns);
      if (!out.error.empty()) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        last_error = std::move(out.error);
      }
      if (out.dropped) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        keep = false;
      }
    }
    if (keep) {
      if (kept != i) (*points)[kept] = std::move(pt);
      ++kept;
    }
  }
  points->resize(kept);
  if (!last_error.empty()) {
    std::lock_guard lock(mu_);
    last_error_ = std::move(last_error);
  }
}

bool PipelineStage::mayApply(model::Category /*category*/, const FeedOptions& /*feed*/) const {
  std::shared_ptr<const pipeline::ScriptStore> scripts = store();
  return scripts != nullptr && scripts->size() > 0;
}

PipelineStats PipelineStage::stats() const {
  PipelineStats s;
  std::lock_guard lock(mu_);
  s.scripts = store_ ? store_->size() : 0;
  s.last_error = last_error_;
  s.runs = runs_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.missing = missing_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace sextant::agent
