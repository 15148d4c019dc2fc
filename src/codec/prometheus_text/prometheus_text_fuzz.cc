// libFuzzer target for the Prometheus exposition parser. Parses arbitrary bytes as text 0.0.4 and
// as OpenMetrics, strictly and leniently, and checks the invariants of the result: a lenient parse
// always succeeds, keeps at most kMaxErrors error details with valid positions, and a strict parse
// succeeds exactly when the lenient one found no error, with the same families. Whatever parsed is
// rendered back to text (prometheus_text_render.h) and parsed strictly again: that must succeed
// and give equal families (a round-trip oracle). Any violation aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/prometheus_text/prometheus_text.h"
#include "codec/prometheus_text/prometheus_text_render.h"

namespace {

namespace prom = sextant::codec::prom;

[[noreturn]] void die(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_prometheus_text: %s\n%s\n", what, detail.c_str());
  abort();
}

void check(std::string_view body, prom::Format format) {
  sextant::Result<prom::Exposition> lenient =
      prom::parse(body, format, prom::ErrorPolicy::kLenient);
  if (!lenient.isOk()) die("lenient parse failed", lenient.status().toString());
  if (lenient->errors().size() != std::min(lenient->errorCount(), prom::kMaxErrors)) {
    die("error count mismatch", std::to_string(lenient->errorCount()));
  }
  size_t lines = static_cast<size_t>(std::count(body.begin(), body.end(), '\n')) + 2;
  for (const prom::ParseError& e : lenient->errors()) {
    if (e.line == 0 || e.line > lines || e.column == 0 || e.message.empty()) {
      die("bad ParseError", e.toString());
    }
  }

  sextant::Result<prom::Exposition> strict = prom::parse(body, format);
  if (strict.isOk() != (lenient->errorCount() == 0)) {
    die("strict and lenient disagree", strict.status().toString());
  }
  if (strict.isOk()) {
    std::string diff = prom::testing::difference(strict->families(), lenient->families());
    if (!diff.empty()) die("strict and lenient families differ", diff);
  }

  std::string text = prom::testing::render(lenient->families(), format);
  sextant::Result<prom::Exposition> again = prom::parse(text, format);
  if (!again.isOk()) die("rendered text does not parse", again.status().toString() + "\n" + text);
  std::string diff = prom::testing::difference(lenient->families(), again->families());
  if (!diff.empty()) die("round trip changed the families", diff + "\n" + text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  check(body, prom::Format::kText004);
  check(body, prom::Format::kOpenMetrics);
  return 0;
}
