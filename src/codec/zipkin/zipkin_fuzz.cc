// libFuzzer target for the four Zipkin decoders: the first byte picks the decoder (v1 JSON,
// v1 Thrift, v2 JSON, v2 proto3), the rest is the body. A decode must never crash; an error
// must be InvalidArgument with a message; decoded spans must be normalised (model/span.h), and
// re-encoded as v2 JSON they must decode again to the same spans (when their strings are valid
// UTF-8: the JSON writer replaces invalid bytes). Any violation aborts.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/zipkin/zipkin.h"
#include "codec/zipkin/zipkin_testing.h"

namespace {

namespace zipkin = sextant::codec::zipkin;
using sextant::model::Span;

[[noreturn]] void die(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_zipkin: %s\n%s\n", what, detail.c_str());
  abort();
}

bool isHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

bool allUtf8(const Span& s) {
  if (!utf8(s.name) || !utf8(s.local.service) || !utf8(s.remote.service)) return false;
  for (const auto& t : s.tags) {
    if (!utf8(t.key) || !utf8(t.value)) return false;
  }
  for (const auto& a : s.annotations) {
    if (!utf8(a.value)) return false;
  }
  return true;
}

void checkSpan(const Span& s) {
  if ((s.trace_id.size() != 16 && s.trace_id.size() != 32) || !isHex(s.trace_id)) {
    die("bad trace id", s.trace_id);
  }
  if (s.trace_id.size() == 32 && s.trace_id.compare(0, 16, "0000000000000000") == 0) {
    die("32-digit trace id with zero high bits", s.trace_id);
  }
  if (s.span_id.size() != 16 || !isHex(s.span_id)) die("bad span id", s.span_id);
  if (!s.parent_id.empty() &&
      (s.parent_id.size() != 16 || !isHex(s.parent_id) || s.parent_id == "0000000000000000")) {
    die("bad parent id", s.parent_id);
  }
  if (s.start_us < 0 || s.duration_us < 0) die("negative time", s.name);
  if (s.local.port < 0 || s.local.port > 65535 || s.remote.port < 0 || s.remote.port > 65535) {
    die("bad port", s.name);
  }
  const auto* err = s.findTag("error");
  if (s.error != (err != nullptr) || (err && err->value != s.error_message)) {
    die("error flag does not follow the error tag", s.name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  sextant::Result<std::vector<Span>> r = [&] {
    switch (data[0] % 4) {
      case 0: return zipkin::decodeV1Json(body);
      case 1: return zipkin::decodeV1Thrift(body);
      case 2: return zipkin::decodeV2Json(body);
      default: return zipkin::decodeV2Proto(body);
    }
  }();
  if (!r.isOk()) {
    if (r.status().code() != sextant::StatusCode::kInvalidArgument ||
        r.status().message().empty()) {
      die("error is not InvalidArgument with a message", r.status().toString());
    }
    return 0;
  }
  std::vector<Span> spans = std::move(r).value();
  bool round_trip = true;
  for (Span& s : spans) {
    checkSpan(s);
    round_trip = round_trip && allUtf8(s);
    s.format = sextant::model::SpanFormat::kZipkinV2;
  }
  std::string json;
  zipkin::encodeV2Json(spans, &json);
  sextant::Result<std::vector<Span>> again = zipkin::decodeV2Json(json);
  if (!again.isOk()) die("encoded spans do not decode", again.status().toString() + "\n" + json);
  if (again->size() != spans.size()) die("span count changed", json);
  if (round_trip) {
    std::string diff = zipkin::testing::spansDifference(*again, spans);
    if (!diff.empty()) die("round trip changed the spans", diff + "\n" + json);
  }
  return 0;
}
