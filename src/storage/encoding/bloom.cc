// The token bloom filter (docs/formats/column-blocks.md, "Token bloom filter").
#include <algorithm>
#include <cstdint>

#include "core/crc32c.h"
#include "core/little_endian.h"
#include "storage/encoding/block.h"

namespace sextant::storage::encoding {
namespace {

constexpr std::uint8_t kBloomVersion = 1;
constexpr std::uint8_t kBloomProbes = 7;
constexpr std::size_t kBloomHeaderSize = 8;
constexpr std::size_t kBitsPerToken = 10;

std::uint64_t tokenHash(std::string_view token) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : token) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Calls fn(bit) for the k probes of hash h in a filter of m bits.
template <typename Fn>
void forEachProbe(std::uint64_t h, unsigned k, std::uint64_t m, Fn&& fn) {
  const std::uint64_t a = h & 0xFFFFFFFFu;
  const std::uint64_t b = (h >> 32) | 1;
  for (std::uint64_t i = 0; i < k; ++i) fn((a + i * b) % m);
}

}  // namespace

void BloomBuilder::addText(std::string_view text) {
  forEachToken(text, [this](std::string_view token) { hashes_.push_back(tokenHash(token)); });
}

void BloomBuilder::addToken(std::string_view token) { hashes_.push_back(tokenHash(token)); }

std::string BloomBuilder::finish() const {
  std::vector<std::uint64_t> hashes = hashes_;
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  const std::uint64_t m =
      std::max<std::uint64_t>(64, (hashes.size() * kBitsPerToken + 63) / 64 * 64);
  std::string out;
  putLe(out, 0, 4);  // CRC, filled in below
  putLe(out, kBloomVersion, 1);
  putLe(out, kBloomProbes, 1);
  putLe(out, 0, 2);
  out.resize(kBloomHeaderSize + m / 8, '\0');
  for (std::uint64_t h : hashes) {
    forEachProbe(h, kBloomProbes, m, [&out](std::uint64_t bit) {
      char& byte = out[kBloomHeaderSize + bit / 8];
      byte = static_cast<char>(byte | (1 << (bit % 8)));
    });
  }
  const std::uint32_t crc = crc32c(std::string_view(out).substr(4));
  for (int i = 0; i < 4; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xFFu);
  return out;
}

bool bloomMayContain(std::string_view filter, std::string_view token) {
  if (filter.size() < kBloomHeaderSize + 8 || (filter.size() - kBloomHeaderSize) % 8 != 0) {
    return true;
  }
  if (getLe(filter, 4, 1) != kBloomVersion || getLe(filter, 6, 2) != 0) return true;
  const unsigned k = static_cast<unsigned>(getLe(filter, 5, 1));
  if (k < 1 || k > 16) return true;
  if (crc32c(filter.substr(4)) != getLe(filter, 0, 4)) return true;
  const std::uint64_t m = (filter.size() - kBloomHeaderSize) * 8;
  bool all = true;
  forEachProbe(tokenHash(token), k, m, [&](std::uint64_t bit) {
    const unsigned char byte = static_cast<unsigned char>(filter[kBloomHeaderSize + bit / 8]);
    if (((byte >> (bit % 8)) & 1) == 0) all = false;
  });
  return all;
}

}  // namespace sextant::storage::encoding
