// Script: one compiled Pipeline (Platypus) script, DataKit's `*.p` files.
//
// Script::compile parses the text, binds every call to a built-in (unknown function, argument
// count, argument names and literal kinds are compile errors: InvalidArgument
// "<script>:<line>:<col>: message"), runs add_pattern() and precompiles literal grok patterns
// and regexes. run() executes it on one point: reads and writes tags and fields, may drop the
// point, and finishes as DataKit does (a `time` int key becomes the point time; for logging,
// `status` is normalised). A runtime error stops the script; the point keeps the changes made
// so far and the error is reported in RunOutcome (README.md: "Runtime errors").
//
// Ownership and thread-safety: a compiled Script is immutable; run() is const, keeps all of a
// run's state on its stack and may be called from many threads at once on different points.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/point.h"
#include "pipeline/ast.h"
#include "pipeline/funcs/grok.h"

namespace sextant::pipeline {

struct RunOutcome {
  bool dropped = false;  // drop() ran: the caller discards the point
  // A runtime error, "<script>:<line>:<col>: message"; empty when the script ran to its end
  // (or to exit()).
  std::string error;
};

class Script {
 public:
  // `name` is used in error messages (e.g. "nginx.p"). `patterns` is the grok library the
  // script starts from (the built-in one plus the store's pattern/ directory); add_pattern()
  // extends a private copy.
  static Result<std::shared_ptr<const Script>> compile(
      std::string name, std::string_view text,
      const funcs::GrokLibrary& patterns = funcs::GrokLibrary::builtin());

  // Runs the script on *pt. now_ns is the run's "now" (the time of points whose time the
  // script does not set is left alone; now_ns is used by time functions needing a year).
  RunOutcome run(model::Point* pt, int64_t now_ns) const;

  const std::string& name() const { return name_; }

  // Internal (used by the interpreter and the built-ins).
  const funcs::GrokLibrary& grokLibrary() const { return grok_; }
  size_t slotCount() const { return slot_names_.size(); }

  Script(const Script&) = delete;
  Script& operator=(const Script&) = delete;
  Script() = default;

 private:
  friend class Compiler;
  std::string name_;
  Program prog_;
  funcs::GrokLibrary grok_;
  std::vector<std::string> slot_names_;
};

// DataKit's status normalisation for logs: a/alert -> alert, c/critical -> critical,
// e/error -> error, w/warn/warning -> warning, n/notice -> notice, i/info -> info,
// d/debug/trace/verbose -> debug, o/s/ok -> OK, f/emerg -> emerg (case-insensitive); any other
// value is returned unchanged.
std::string normalizeStatus(std::string_view status);

}  // namespace sextant::pipeline
