// Grok: named regular-expression macros (%{NAME:capture:type}) expanded into one RE2 program.
//
// GrokLibrary is a table NAME -> pattern text (not yet expanded). builtin() is the standard
// library parsed once from our own pattern file (grok_patterns.h, embedded in the binary); a
// Pipeline script copies it and adds its own names with add() (DataKit's add_pattern()).
// GrokPattern is one compiled pattern: %{NAME}, %{NAME:capture} and %{NAME:capture:type} are
// expanded recursively (cycle detection, depth limit 64, expanded-size limit 256 KiB), Oniguruma
// `(?<name>...)` groups in user text become RE2 `(?P<name>...)`, and the result compiles to RE2.
// match() is an unanchored search, as DataKit's grok(); only named captures are returned, and
// for a capture name used twice the first non-empty value wins. Captures are extracted piece by
// piece (the pattern is also compiled cut at its top-level capturing groups; see grok.cc), with
// RE2's single capture pass as the fallback: the result is always RE2's own.
//
// Thread-safety: GrokLibrary is a plain value (builtin() is initialised once, thread-safe, and
// immutable). GrokPattern::match is const and safe to call from many threads (RE2 is).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace sextant::pipeline::funcs {

struct GrokCapture {
  std::string name;
  std::string value;
  std::string type;  // "", "int", "float", "str", "bool" (the third part of %{NAME:cap:type})
};

class GrokLibrary {
 public:
  GrokLibrary() = default;

  // The standard library (USERNAME, WORD, NOTSPACE, DATA, GREEDYDATA, IP, URI, HTTPDATE,
  // COMMONAPACHELOG, ...), parsed once.
  static const GrokLibrary& builtin();

  // Adds or replaces NAME. The name must be [A-Za-z0-9_.-]+, the pattern non-empty, and every
  // %{...} reference must be well formed (references are resolved at compile time, so a name
  // may refer to one added later).
  Status add(std::string name, std::string pattern);
  // Pattern-file text: one `NAME pattern` per line, blank lines and `#` comments ignored.
  // Stops at the first bad line (error names the line number); earlier lines stay added.
  Status loadFile(std::string_view text);

  // The raw (unexpanded) pattern of NAME, or nullptr.
  const std::string* find(std::string_view name) const;
  size_t size() const { return patterns_.size(); }
  // Every name, sorted.
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::string, std::less<>> patterns_;
};

class GrokPattern {
 public:
  // Limits of the expansion (untrusted script text).
  static constexpr int kMaxDepth = 64;
  static constexpr size_t kMaxExpandedSize = 256 * 1024;

  // `pieces` false skips compiling the pieces (about as long again as the whole pattern): for a
  // pattern used for one match only; match() then takes RE2's single capture pass.
  static Result<GrokPattern> compile(std::string_view pattern, const GrokLibrary& library,
                                     bool pieces = true);

  // Unanchored search. On a match, *out (when non-null) is replaced by the named captures in
  // first-appearance order (unmatched optional groups give an empty value) and true is returned.
  bool match(std::string_view text, std::vector<GrokCapture>* out) const;
  // The same match without copies: on a match, (*values)[i] is the value of fields()[i], a view
  // into `text` (empty when unmatched).
  bool matchViews(std::string_view text, std::vector<std::string_view>* values) const;
  // The names and types match() returns, in its order (values empty).
  const std::vector<GrokCapture>& fields() const;

  // match() with RE2's single capture pass only (the reference for tests and the fuzz target).
  bool matchWithoutPieces(std::string_view text, std::vector<GrokCapture>* out) const;
  // How many pieces captures are extracted by (0: the pattern is not cut).
  size_t pieces() const;

  // The expanded RE2 text (for diagnostics and tests).
  const std::string& expanded() const;

 private:
  struct Compiled;
  explicit GrokPattern(std::shared_ptr<const Compiled> c) : c_(std::move(c)) {}
  bool viewsImpl(std::string_view text, std::vector<std::string_view>* values, bool split) const;
  bool matchImpl(std::string_view text, std::vector<GrokCapture>* out, bool split) const;
  std::shared_ptr<const Compiled> c_;  // immutable after compile; shared by copies
};

}  // namespace sextant::pipeline::funcs
