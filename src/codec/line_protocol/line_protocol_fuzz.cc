// libFuzzer target for the line protocol codec. Decodes arbitrary bytes, checks the error report's
// invariants, then re-encodes the decoded points and decodes that text again: the second decode
// must succeed and give the same points, and re-encoding them must give the same text (a
// round-trip oracle). Any violation aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/line_protocol/line_protocol.h"

namespace {

using sextant::codec::lp::DecodeOptions;
using sextant::codec::lp::DecodeResult;
using sextant::codec::lp::Precision;
namespace lp = sextant::codec::lp;

[[noreturn]] void die(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_line_protocol: %s\n%s\n", what, detail.c_str());
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  DecodeOptions opts;
  opts.precision = static_cast<Precision>(size % 7);  // every precision, kAuto included
  opts.now_ns = 1'700'000'000'000'000'000;
  DecodeResult first = lp::decode(body, opts);

  if (first.errors.size() != std::min(first.failed, lp::kMaxLineErrors)) {
    die("error count mismatch", first.errorMessage());
  }
  for (const auto& e : first.errors) {
    if (e.line_no == 0 || e.reason.empty() || e.line.size() > lp::kMaxErrorLineBytes) {
      die("bad LineError", first.errorMessage());
    }
  }

  std::string text;
  lp::encode(first.points, &text);
  DecodeOptions ns;
  ns.precision = Precision::kNanosecond;
  DecodeResult second = lp::decode(text, ns);
  if (!second.ok()) die("re-encoded text does not decode", text + "\n" + second.errorMessage());
  if (second.points != first.points) die("round trip changed the points", text);
  std::string again;
  lp::encode(second.points, &again);
  if (again != text) die("re-encoding is not stable", text + "\n---\n" + again);
  return 0;
}
