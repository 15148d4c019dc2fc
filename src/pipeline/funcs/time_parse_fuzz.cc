// libFuzzer target: parseTimeAuto and parseTimeWithFormat over untrusted text, layouts and zone
// arguments. Input: byte 0 picks the zone argument, then "<layout>\n<text>".
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pipeline/funcs/time_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 1024) return 0;
  static constexpr std::string_view kZones[] = {
      "",           "UTC", "+8", "-05:30", "Asia/Shanghai", "America/New_York", "Australia/Sydney",
      "bogus/zone", "+99"};
  std::string_view tz = kZones[data[0] % (sizeof(kZones) / sizeof(kZones[0]))];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t nl = in.find('\n');
  std::string_view layout = in.substr(0, nl);
  std::string_view text = nl == std::string_view::npos ? in : in.substr(nl + 1);
  (void)sextant::pipeline::funcs::parseTimeAuto(text, tz);
  (void)sextant::pipeline::funcs::parseTimeAuto(in, tz);
  (void)sextant::pipeline::funcs::parseTimeWithFormat(text, layout, tz);
  return 0;
}
