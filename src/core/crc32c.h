// CRC32C (Castagnoli, iSCSI polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum of every
// record Sextant persists. Same parameters as RFC 3720 §B.4 and LevelDB's crc32c: initial value
// and final xor 0xFFFFFFFF, so crc32c("123456789") == 0xE3069283.
//
// crc32c() uses the SSE4.2 CRC32 instruction when the CPU has it (checked once at run time) and a
// slice-by-8 table otherwise; both give identical results.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sextant {

// Continues a CRC: crc32cExtend(crc32c(a), b) == crc32c(a + b). crc32cExtend(0, x) == crc32c(x).
std::uint32_t crc32cExtend(std::uint32_t crc, const void* data, std::size_t n);

inline std::uint32_t crc32c(std::string_view data) {
  return crc32cExtend(0, data.data(), data.size());
}

// The table-driven implementation, always available; exposed so tests can compare it with the
// hardware path.
std::uint32_t crc32cExtendPortable(std::uint32_t crc, const void* data, std::size_t n);

// True when crc32cExtend() uses the SSE4.2 instruction on this machine.
bool crc32cIsHardwareAccelerated();

}  // namespace sextant
