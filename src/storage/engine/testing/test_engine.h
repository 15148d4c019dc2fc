// Test helpers for code that reads through the storage engine (query tests): an engine in a
// directory with no background threads and a retention long enough for fixed historical times,
// and a write of plain points (their PBPoints encoding made here). Test-only; header-only.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/point_pb/point_pb.h"
#include "core/file_system.h"
#include "model/point.h"
#include "storage/engine/storage_engine.h"

namespace sextant::storage::testing {

// Null when the engine does not open (the caller ASSERTs).
inline std::unique_ptr<StorageEngine> openTestEngine(const std::string& dir) {
  StorageOptions o;
  o.data_dir = dir;
  o.background = false;
  o.retention.fill(std::chrono::hours(24 * 365 * 100));
  auto e = StorageEngine::open(realFileSystem(), o);
  return e.isOk() ? std::move(e).value() : nullptr;
}

// Writes points of category c (their category is set to c) as one request.
inline Status writePoints(StorageEngine& e, std::string_view workspace_id, model::Category c,
                          std::vector<model::Point> pts) {
  for (model::Point& p : pts) p.category = c;
  std::string pb;
  codec::pb::encode(pts, &pb);
  return e.write(workspace_id, c, pb, pts);
}

}  // namespace sextant::storage::testing
