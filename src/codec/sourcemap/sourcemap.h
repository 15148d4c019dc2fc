// Source Map revision 3 (ECMA-426) decoding and lookup, and JavaScript stack symbolication: what
// the agent's rum input uses to rewrite the `error_stack` of browser RUM errors
// (agent/inputs/rum/sourcemap_store.h).
//
// parseSourceMap() reads the JSON map: `version` (must be 3), `sources` (strings or null),
// `sourceRoot` (joined in front of every source that is not an absolute URL), `names` and
// `mappings` (";"-separated generated lines of ","-separated segments of 1, 4 or 5 base64 VLQ
// fields, relative as the spec says). Index maps (`sections`) are rejected (Unimplemented).
// `sourcesContent`, `file` and unknown keys are ignored. Errors (InvalidArgument) name the
// generated line and segment of a bad mapping (bad base64, a value beyond 32 bits, a field
// count of 2, 3 or more than 5, a source or name index out of range, a negative position).
//
// Positions in this API are 0-based (as in the map); symbolicateStack() converts from and to the
// text forms.
//
// Thread-safety: a SourceMap is immutable after parsing; lookups may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::codec::sourcemap {

struct OriginalPosition {
  std::string source;  // sources[i] with sourceRoot applied
  uint32_t line = 0;   // 0-based
  uint32_t column = 0;
  std::string name;  // "" when the segment has no name
};

class SourceMap {
 public:
  // The position the generated (line, column) comes from: the segment of that generated line
  // with the greatest column <= column. nullopt when there is none or it has no source.
  std::optional<OriginalPosition> lookup(uint32_t line, uint32_t column) const;

  const std::vector<std::string>& sources() const { return sources_; }
  const std::vector<std::string>& names() const { return names_; }
  size_t segmentCount() const { return segments_.size(); }
  // Approximate heap bytes (for caches that bound memory).
  size_t memoryBytes() const;

 private:
  friend Result<SourceMap> parseSourceMap(std::string_view json);
  struct Segment {
    uint32_t column = 0;
    int32_t source = -1;  // -1: a 1-field segment (no original position)
    uint32_t line = 0;
    uint32_t original_column = 0;
    int32_t name = -1;
  };
  std::vector<std::string> sources_;
  std::vector<std::string> names_;
  std::vector<Segment> segments_;     // generated line by line, each line sorted by column
  std::vector<uint32_t> line_start_;  // segments_ index of each generated line, plus the end
};

Result<SourceMap> parseSourceMap(std::string_view json);

// One frame of a JavaScript stack trace line, as found by parseStackFrame().
struct StackFrame {
  std::string_view indent;    // leading whitespace of the line
  std::string_view function;  // "" when the line names none
  std::string_view url;       // "https://host/js/app.min.js"
  uint32_t line = 0;          // 1-based, as browsers print them
  uint32_t column = 0;        // 1-based
};

// Recognises the forms browsers and the RUM SDK print (trailing spaces and '\r' ignored):
//   "  at fn @ https://h/app.js:1:2"      the Guance/DataKit web SDK
//   "    at fn (https://h/app.js:1:2)"    Chrome / V8 (also "at new fn (...)", "at async fn")
//   "    at https://h/app.js:1:2"         V8 without a function
//   "fn@https://h/app.js:1:2"             Firefox / Safari ("@https://..." without one)
// nullopt for any other line (the message line, "at <anonymous>", native frames).
std::optional<StackFrame> parseStackFrame(std::string_view line);

// The map for a frame's URL, or nullptr when there is none (the frame stays as it is).
using MapResolver = std::function<const SourceMap*(std::string_view url)>;

struct SymbolicatedStack {
  std::string text;
  size_t frames = 0;  // lines parsed as frames
  size_t mapped = 0;  // frames rewritten
};

// Rewrites every frame whose map resolves and whose position maps, as DataKit formats them:
// "<indent>at <function> @ <source>:<line>:<column>" with the original line 1-based and the
// column 0-based (DataKit's output). <function> is the frame's own, else the map's name for the
// position, else "<anonymous>". Other lines are kept byte for byte ("\n" and "\r\n" alike).
SymbolicatedStack symbolicateStack(std::string_view stack, const MapResolver& resolve);

}  // namespace sextant::codec::sourcemap
