// Little-endian integer encoding for the checksummed on-disk formats (docs/formats/): the agent's
// disk queue, the server's WAL and the ingest records.
// Pure inline functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sextant {

// Appends the low `bytes` bytes of v, least significant first.
inline void putLe(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}

// Reads `bytes` bytes at in[pos] (the caller checks the bounds).
inline std::uint64_t getLe(std::string_view in, std::size_t pos, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[pos + static_cast<size_t>(i)]))
         << (8 * i);
  }
  return v;
}

}  // namespace sextant
