// Test helpers for the disk queue: records whose every field is derived from an index, so a test
// can tell which record it got back and that it came back intact.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "agent/queue/queue_format.h"

namespace sextant::agent::testing {

// Record number `index` with a body of about body_size bytes ("#<index>:" then letters).
inline QueueRecord testRecord(std::uint64_t index, std::size_t body_size = 200) {
  QueueRecord r;
  r.body = "#" + std::to_string(index) + ":";
  for (std::size_t k = 0; r.body.size() < body_size; ++k) {
    r.body.push_back(static_cast<char>('a' + (index + k) % 26));
  }
  r.content_type = "application/x-protobuf";
  r.content_encoding = index % 2 == 0 ? "gzip" : "";
  r.point_count = static_cast<std::uint32_t>(index % 1000);
  r.create_time_ns = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(index);
  return r;
}

// The index of a record made by testRecord, or nullopt when any byte of it differs.
inline std::optional<std::uint64_t> recordIndex(const QueueRecord& r) {
  if (r.body.size() < 3 || r.body[0] != '#') return std::nullopt;
  std::uint64_t index = 0;
  std::size_t i = 1;
  for (; i < r.body.size() && r.body[i] >= '0' && r.body[i] <= '9' && i < 20; ++i) {
    index = index * 10 + static_cast<std::uint64_t>(r.body[i] - '0');
  }
  if (i == 1 || i >= r.body.size() || r.body[i] != ':') return std::nullopt;
  if (!(r == testRecord(index, r.body.size()))) return std::nullopt;
  return index;
}

}  // namespace sextant::agent::testing
