// Fuzzes LineDecoder on arbitrary bytes: the first byte picks the options (encoding, mode,
// multi-line explicit/auto, ANSI removal, a small max line), the rest is pushed in pieces whose
// sizes come from the data. Checks: no crash, safeOffset() never passes offset(), every message
// is valid UTF-8 and finish() leaves nothing pending.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/inputs/logging/line_decoder.h"

using sextant::agent::inputs::logging::DecoderOptions;
using sextant::agent::inputs::logging::Encoding;
using sextant::agent::inputs::logging::Entry;
using sextant::agent::inputs::logging::LineDecoder;
using sextant::agent::inputs::logging::LineMode;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint8_t a = data[0];
  uint8_t b = data[1];
  DecoderOptions o;
  o.encoding = static_cast<Encoding>(a % 5);
  o.mode = static_cast<LineMode>((a / 5) % 3);
  o.remove_ansi = (a & 0x40) != 0;
  if ((a & 0x80) != 0) {
    o.multiline_match = "^\\d";
  } else {
    o.auto_multiline = (b & 1) != 0;
  }
  o.max_line_bytes = 16 + (b >> 1) * 8;
  o.max_entry_bytes = 64 + b * 4;
  o.max_lines_per_entry = 1 + (b & 7);
  o.max_container_record = 256;
  auto dec = LineDecoder::create(o, 0);
  if (!dec.isOk()) abort();
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::vector<Entry> out;
  size_t step = 1 + (b % 13);
  while (!rest.empty()) {
    size_t n = std::min(step, rest.size());
    (*dec)->push(rest.substr(0, n), &out);
    rest.remove_prefix(n);
    if ((*dec)->safeOffset() > (*dec)->offset()) abort();
    step = step * 3 % 61 + 1;
  }
  if ((b & 2) != 0) (*dec)->flushPending(&out);
  (*dec)->finish(&out);
  if ((*dec)->hasPendingEntry()) abort();
  if ((*dec)->safeOffset() != (*dec)->offset()) abort();
  for (const Entry& e : out) {
    std::string check;
    if (sextant::agent::inputs::logging::appendValidUtf8(e.message, &check) != 0) abort();
  }
  return 0;
}
