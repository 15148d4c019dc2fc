// libFuzzer target: decodeTracesProto on arbitrary bytes. It must return a Status (never
// crash, leak or read out of bounds), and whatever decodes must satisfy the span invariants
// of otlp_fuzz_check.h.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/otlp/otlp.h"
#include "codec/otlp/otlp_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto spans = sextant::codec::otlp::decodeTracesProto(in);
  if (spans.isOk()) sextant::codec::otlp::fuzzing::checkSpans(*spans);
  return 0;
}
