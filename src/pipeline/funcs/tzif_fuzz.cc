// libFuzzer target: TZif parsing (zone files are untrusted input) and lookups on what parses.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pipeline/funcs/time_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto z = sextant::pipeline::funcs::TimeZone::parseTzif(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!z.isOk()) return 0;
  for (int64_t t : {INT64_MIN / 2, int64_t{-1} << 40, int64_t{0}, int64_t{1619684678},
                    int64_t{2067163200}, int64_t{1} << 40, INT64_MAX / 2}) {
    (void)(*z)->offsetAtUtc(t);
    (void)(*z)->localToUtc(t);
  }
  return 0;
}
