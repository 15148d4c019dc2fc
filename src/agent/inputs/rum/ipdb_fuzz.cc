// libFuzzer target: IpDatabase::parse over arbitrary bytes must return a database or an error,
// never crash; a parsed database answers lookups of every range boundary it holds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/inputs/rum/ipdb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto db = sextant::agent::inputs::rum::IpDatabase::parse(text, "fuzz.csv");
  if (!db.isOk()) return 0;
  // Look up the first field of every line (addresses and garbage alike).
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view first = line.substr(0, line.find(','));
    (void)db->lookup(first.substr(0, first.find('/')));
  }
  (void)db->lookup("::");
  (void)db->lookup("255.255.255.255");
  return 0;
}
