// libFuzzer target for Sketch::decode (the `sketch` bytes field of apm_service / apm_edge points
// comes back from storage and from clients): decode must reject or accept without crashing, and
// whatever decodes must survive quantile(), merge() and a re-encode round trip.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/apm/sketch.h"

using sextant::apm::Sketch;

namespace {

void exercise(const Sketch& s) {
  for (double q : {0.0, 0.01, 0.5, 0.9, 0.99, 1.0}) {
    const double v = s.quantile(q);
    if (s.empty() != std::isnan(v)) std::abort();
    if (!s.empty() && (v < s.min() || v > s.max())) std::abort();
  }
  auto again = Sketch::decode(s.encode());
  if (!again.isOk() || !(*again == s)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto whole = Sketch::decode(in);
  if (whole.isOk()) exercise(*whole);
  // Two sketches from the two halves, merged.
  const size_t half = size / 2;
  auto a = Sketch::decode(in.substr(0, half));
  auto b = Sketch::decode(in.substr(half));
  if (a.isOk() && b.isOk()) {
    Sketch m = *a;
    m.merge(*b);
    if (m.count() != a->count() + b->count()) std::abort();
    if (m.bucketCount() > Sketch::kMaxBuckets) std::abort();
    exercise(m);
  }
  return 0;
}
