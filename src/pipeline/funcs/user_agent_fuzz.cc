// libFuzzer target: User-Agent parsing of untrusted header values.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pipeline/funcs/user_agent.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view ua(reinterpret_cast<const char*>(data), size);
  auto info = sextant::pipeline::funcs::parseUserAgent(ua);
  // Every field is a piece of (or a name derived from) the input: never longer than a bound.
  if (info.browser_ver.size() > ua.size() || info.engine_ver.size() > ua.size()) __builtin_trap();
  return 0;
}
