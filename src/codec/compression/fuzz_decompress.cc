// libFuzzer target for decompress(): the first byte picks the encoding (byte % 5, in the order
// of ContentEncoding), the rest is the body; the cap is 1 MiB. Whatever decodes must fit the cap
// and survive a compress/decompress round trip (and a gzipFast/gunzip one).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "codec/compression/compression.h"

using sextant::StatusCode;
using sextant::codec::ContentEncoding;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr size_t kCap = 1 << 20;
  const auto enc = static_cast<ContentEncoding>(data[0] % 5);
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto got = sextant::codec::decompress(body, enc, kCap);
  if (!got.isOk()) {
    const StatusCode code = got.status().code();
    if (code != StatusCode::kInvalidArgument && code != StatusCode::kOutOfRange) std::abort();
    return 0;
  }
  if (got->size() > kCap) std::abort();
  if (got->size() <= (64 << 10)) {
    auto again = sextant::codec::decompress(sextant::codec::compress(*got, enc, 1), enc, kCap);
    if (!again.isOk() || *again != *got) std::abort();
    auto fast =
        sextant::codec::decompress(sextant::codec::gzipFast(*got), ContentEncoding::kGzip, kCap);
    if (!fast.isOk() || *fast != *got) std::abort();
  }
  return 0;
}
