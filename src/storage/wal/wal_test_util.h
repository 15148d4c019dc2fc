// Test helpers for the WAL: payloads whose every byte is derived from an index, so a test can
// tell which append a replayed record came from and that it came back intact.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/wal/wal.h"

namespace sextant::storage::testing {

// Payload number `index`, about `size` bytes: "#<index>:" then letters.
inline std::string testPayload(std::uint64_t index, std::size_t size = 100) {
  std::string p = "#" + std::to_string(index) + ":";
  for (std::size_t k = 0; p.size() < size; ++k)
    p.push_back(static_cast<char>('a' + (index + k) % 26));
  return p;
}

// The index of a payload made by testPayload, or nullopt when any byte of it differs.
inline std::optional<std::uint64_t> payloadIndex(std::string_view p) {
  if (p.size() < 3 || p[0] != '#') return std::nullopt;
  std::uint64_t index = 0;
  std::size_t i = 1;
  for (; i < p.size() && p[i] >= '0' && p[i] <= '9' && i < 20; ++i) {
    index = index * 10 + static_cast<std::uint64_t>(p[i] - '0');
  }
  if (i == 1 || i >= p.size() || p[i] != ':') return std::nullopt;
  if (p != testPayload(index, p.size())) return std::nullopt;
  return index;
}

// Every (lsn, payload) replay() hands out from from_lsn on; the Status of replay() in *status.
inline std::vector<std::pair<std::uint64_t, std::string>> replayAll(Wal& wal,
                                                                    std::uint64_t from_lsn = 1,
                                                                    Status* status = nullptr) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  Status st = wal.replay(from_lsn, [&](std::uint64_t lsn, std::string_view payload) {
    out.emplace_back(lsn, std::string(payload));
    return Status::ok();
  });
  if (status != nullptr) *status = st;
  return out;
}

}  // namespace sextant::storage::testing
