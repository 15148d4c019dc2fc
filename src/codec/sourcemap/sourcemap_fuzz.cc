// libFuzzer target: parseSourceMap over arbitrary bytes; on success, lookups on the first lines
// and the input symbolicated as a stack against the parsed map.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/sourcemap/sourcemap.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sextant::codec::sourcemap;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto m = parseSourceMap(bytes);
  const SourceMap* map = m.isOk() ? &m.value() : nullptr;
  if (map != nullptr) {
    for (uint32_t line = 0; line < 4; ++line) {
      for (uint32_t col : {0u, 1u, 7u, 100u, UINT32_MAX}) (void)map->lookup(line, col);
    }
  }
  auto out = symbolicateStack(bytes, [&](std::string_view) { return map; });
  if (out.mapped > out.frames) __builtin_trap();
  return 0;
}
