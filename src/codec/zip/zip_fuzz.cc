// libFuzzer target: openZip over arbitrary bytes, then every entry read (small limits so a
// fuzzed header cannot ask for much memory).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/zip/zip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  sextant::codec::zip::ZipLimits limits;
  limits.max_entries = 64;
  limits.max_entry_bytes = 1 << 20;
  limits.max_total_bytes = 4 << 20;
  auto z = sextant::codec::zip::openZip(bytes, limits);
  if (!z.isOk()) return 0;
  for (const auto& e : z->entries) {
    auto r = sextant::codec::zip::readZipEntry(e);
    if (r.isOk() && r->size() != e.uncompressed_size) __builtin_trap();
  }
  return 0;
}
