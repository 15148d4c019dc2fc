// Invariants every decoded span must satisfy, checked by the OTLP fuzz targets (abort on
// violation): normalised ids, non-negative duration, the OTLP format tag, tags only from
// attributes, a valid remote port.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "model/span.h"

namespace sextant::codec::otlp::fuzzing {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz_otlp: %s\n", what);
  std::abort();
}

inline bool lowerHex(const std::string& s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

inline void checkSpans(const std::vector<model::Span>& spans) {
  for (const model::Span& s : spans) {
    if (s.format != model::SpanFormat::kOtlp) fail("format is not kOtlp");
    if (!lowerHex(s.trace_id, 32)) fail("trace_id is not 32 lowercase hex digits");
    if (!lowerHex(s.span_id, 16)) fail("span_id is not 16 lowercase hex digits");
    if (!s.parent_id.empty() && !lowerHex(s.parent_id, 16)) fail("bad parent_id");
    if (s.parent_id == "0000000000000000") fail("all-zero parent kept");
    if (s.duration_us < 0 || s.start_us < 0) fail("negative time");
    if (s.remote.port < 0 || s.remote.port > 65535) fail("bad port");
    if (!s.error && !s.error_message.empty()) fail("error message without error");
  }
}

}  // namespace sextant::codec::otlp::fuzzing
