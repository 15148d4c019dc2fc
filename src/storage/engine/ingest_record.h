// IngestRecord: what the server writes to its WAL for one accepted /v1/write request — the
// workspace, the category and the points as protobuf PBPoints (DataKit's upload encoding, so a
// DataKit body is stored as received once decompressed). Layout (all of it inside one WAL record,
// whose framing and checksum are in docs/formats/wal.md):
//   u8  version (1)
//   u8  category (model::Category's value)
//   u16 workspace id length (little-endian), then the id bytes
//   the rest: PBPoints
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "model/category.h"

namespace sextant::storage {

struct IngestRecord {
  std::string workspace_id;
  model::Category category = model::Category::kMetric;
  std::string points_pb;
};

std::string encodeIngestRecord(std::string_view workspace_id, model::Category category,
                               std::string_view points_pb);
// DataLoss for a record this version cannot read (unknown version, bad category, short).
Result<IngestRecord> decodeIngestRecord(std::string_view payload);

}  // namespace sextant::storage
