// libFuzzer target for the parsers of the CI API's untrusted input (ci_model.h): the first byte
// picks one; the rest is the input.
//   0: query parameters, "k=v&k2=v2" split here (no decoding) -> parseCiQuery; a success must
//      satisfy its contract (start <= end, 1 <= limit <= 1000, offset >= 0).
//   1: a stored event_raw -> stagesFromEventRaw; stage names are unique.
//   2: int64s -> utcDay / utcDayStartMs / nearestRank; a day starts at or before its time, less
//      than a day before; a percentile is one of the values.
// Any violation aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/ci_api/ci_model.h"

namespace {

namespace ci = sextant::server::ci;

[[noreturn]] void die(const char* what) {
  fprintf(stderr, "ci_api_fuzz: %s\n", what);
  abort();
}

void queries(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> kv;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t amp = s.find('&', pos);
    std::string_view item = s.substr(pos, amp == std::string_view::npos ? s.npos : amp - pos);
    size_t eq = item.find('=');
    kv.emplace_back(std::string(item.substr(0, eq)),
                    eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  auto get = [&](std::string_view k) -> std::optional<std::string> {
    for (const auto& [key, v] : kv)
      if (key == k) return v;
    return std::nullopt;
  };
  auto q = ci::parseCiQuery(get, 1'763'700'000'000, 7 * 86'400'000LL);
  if (!q.isOk()) {
    if (q.status().message().empty()) die("error without a message");
    return;
  }
  if (q->start_ms > q->end_ms) die("start after end");
  if (q->limit < 1 || q->limit > 1000) die("limit out of range");
  if (q->offset < 0) die("negative offset");
}

void stages(std::string_view s) {
  auto r = ci::stagesFromEventRaw(s);
  if (!r.isOk()) return;
  std::set<std::string> seen(r->begin(), r->end());
  if (seen.size() != r->size()) die("duplicate stage");
}

void numbers(const uint8_t* data, size_t size) {
  std::vector<int64_t> values;
  for (size_t i = 0; i + 8 <= size; i += 8) {
    int64_t v;
    std::memcpy(&v, data + i, 8);
    values.push_back(v);
  }
  for (int64_t v : values) {
    if (v < -9'000'000'000'000'000 || v > 9'000'000'000'000'000) continue;
    int64_t start = ci::utcDayStartMs(v);
    if (start > v || v - start >= 86'400'000) die("day start");
    if (ci::utcDay(v).size() < 10) die("day text");
  }
  if (values.empty()) return;
  for (int p : {1, 50, 90, 100}) {
    std::vector<int64_t> copy = values;
    int64_t r = ci::nearestRank(&copy, p);
    if (std::find(values.begin(), values.end(), r) == values.end()) die("percentile not a value");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: queries(rest); break;
    case 1: stages(rest); break;
    default: numbers(data + 1, size - 1);
  }
  return 0;
}
