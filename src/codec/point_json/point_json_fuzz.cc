// libFuzzer target: the simple JSON and PBJSON decoders on the same arbitrary input.
// Oracles (any violation aborts):
// - simple JSON: what decodes re-encodes to a body that decodes to the same points (every
//   value it yields is representable: floats are finite, strings valid UTF-8);
// - PBJSON: the same for points whose strings are valid UTF-8 and floats not NaN (a tag given
//   as base64 `d` may hold any bytes; the JSON writer replaces invalid UTF-8 with U+FFFD), and
//   encoding is always canonical (encode(decode(encode)) gives the same bytes).
#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "codec/point_json/point_json.h"
#include "model/testing/random_points.h"

namespace {

using sextant::model::Point;

constexpr int64_t kNow = 1'700'000'000'000'000'000;

bool validUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

// Whether every string of the points is valid UTF-8 (what JSON output keeps unchanged).
bool allUtf8(const std::vector<Point>& pts) {
  for (const Point& p : pts) {
    if (!validUtf8(p.measurement)) return false;
    for (const auto& t : p.tags) {
      if (!validUtf8(t.key) || !validUtf8(t.value)) return false;
    }
    for (const auto& f : p.fields) {
      if (!validUtf8(f.key)) return false;
      if (const auto* s = std::get_if<std::string>(&f.value); s != nullptr && !validUtf8(*s)) {
        return false;
      }
      if (const auto* a = std::get_if<sextant::model::Array>(&f.value)) {
        if (const auto* v = std::get_if<std::vector<std::string>>(&a->items)) {
          for (const auto& x : *v) {
            if (!validUtf8(x)) return false;
          }
        }
      }
    }
  }
  return true;
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_point_json: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sextant::model::Category;
  namespace json = sextant::codec::json;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto simple = json::decodeJson(in, Category::kMetric, kNow, 1000); simple.isOk()) {
    std::string body;
    json::encodeJson(*simple, &body);
    auto again = json::decodeJson(body, Category::kMetric, kNow, 1);
    if (!again.isOk()) fail("simple JSON: re-encoded body does not decode");
    if (*again != *simple) fail("simple JSON: points changed");
  }

  if (auto pb = json::decodePbJson(in, Category::kMetric); pb.isOk()) {
    std::string once;
    json::encodePbJson(*pb, {}, &once);
    auto again = json::decodePbJson(once, Category::kMetric);
    if (!again.isOk()) fail("PBJSON: re-encoded body does not decode");
    if (again->size() != pb->size()) fail("PBJSON: point count changed");
    if (!sextant::model::testing::containsNan(*pb) && allUtf8(*pb) && *again != *pb)
      fail("PBJSON: points changed");
    std::string twice;
    json::encodePbJson(*again, {}, &twice);
    if (twice != once) fail("PBJSON: encoding is not canonical");
  }
  return 0;
}
