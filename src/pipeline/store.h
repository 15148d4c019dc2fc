// ScriptStore: the Pipeline scripts of one pipeline directory, laid out as DataKit's:
//
//   <dir>/<category>/<name>.p   (metric, network, keyevent, object, custom_object, logging,
//                                tracing, rum, security, profiling, dialtesting)
//   <dir>/<name>.p              top-level scripts are logging scripts (legacy layout)
//   <dir>/pattern/<file>        grok pattern files (`NAME pattern` lines) shared by all scripts
//
// A script that fails to compile is reported and skipped; the others load. A script in
// <dir>/logging/ shadows a top-level one of the same name.
//
// Ownership and thread-safety: load() builds a store that is immutable afterwards; find() and
// the scripts may be used from many threads at once. To reload, build a new store and swap a
// shared_ptr to it (scripts are shared_ptrs, so a run in progress keeps its script alive).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "model/category.h"
#include "model/point.h"
#include "pipeline/funcs/grok.h"
#include "pipeline/script.h"

namespace sextant::pipeline {

class ScriptStore {
 public:
  ScriptStore() : patterns_(funcs::GrokLibrary::builtin()) {}

  // Loads `dir`. Problems (a compile error with its line:col, an unreadable file, a bad pattern
  // file) are appended to *errors, one message per file; they never stop the load. A missing
  // directory gives an empty store and one error.
  static std::shared_ptr<const ScriptStore> load(const std::string& dir,
                                                 std::vector<std::string>* errors);

  // Compiles and adds one script (name with or without ".p"); replaces one of the same name.
  Status add(model::Category c, std::string_view name, std::string_view text);
  // Adds grok patterns (pattern-file text) for scripts added afterwards.
  Status addPatterns(std::string_view text) { return patterns_.loadFile(text); }

  // The script `name` (with or without ".p") of a category, or nullptr.
  const Script* find(model::Category c, std::string_view name) const;
  std::shared_ptr<const Script> findShared(model::Category c, std::string_view name) const;
  // The script bound to a point by default (defaultScriptName), or nullptr.
  const Script* findFor(const model::Point& pt) const;

  size_t size() const { return scripts_.size(); }

 private:
  funcs::GrokLibrary patterns_;
  std::map<std::pair<model::Category, std::string>, std::shared_ptr<const Script>, std::less<>>
      scripts_;
};

// DataKit's default script name of a point, without ".p": the measurement (log source, metric
// set, object class) for most categories; the `service` tag for tracing and profiling; the
// `category` tag for security; "<app_id>_<measurement>" for RUM. Empty when the needed tag is
// missing.
std::string defaultScriptName(const model::Point& pt);

}  // namespace sextant::pipeline
