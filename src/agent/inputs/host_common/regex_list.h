// RegexList: user-supplied regular expressions (net interfaces, diskio devices, disk fstypes and
// mount points), compiled once with RE2 (linear time, Go's regexp syntax).
//
// A list matches a string when any expression matches anywhere in it (Go's MatchString): anchor
// with ^...$ for whole-string matches, as DataKit's defaults do.
// Immutable after compile(); thread-safe to match from several threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace re2 {
class RE2;
}

namespace sextant::agent::inputs {

class RegexList {
 public:
  RegexList();
  ~RegexList();
  RegexList(RegexList&&) noexcept;
  RegexList& operator=(RegexList&&) noexcept;

  // Compiles every expression; an invalid one is an InvalidArgument naming `option` and the
  // expression. Empty strings in `exprs` are skipped.
  static Result<RegexList> compile(const std::vector<std::string>& exprs, std::string_view option);

  bool empty() const { return res_.empty(); }
  bool matchesAny(std::string_view s) const;

 private:
  std::vector<std::unique_ptr<re2::RE2>> res_;
};

}  // namespace sextant::agent::inputs
