#include "storage/engine/ingest_record.h"

#include "core/little_endian.h"

namespace sextant::storage {

namespace {
constexpr uint8_t kVersion = 1;
}

std::string encodeIngestRecord(std::string_view workspace_id, model::Category category,
                               std::string_view points_pb) {
  std::string out;
  out.reserve(4 + workspace_id.size() + points_pb.size());
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(category));
  const auto n = static_cast<uint16_t>(std::min<size_t>(workspace_id.size(), 0xffff));
  putLe(out, n, 2);
  out.append(workspace_id.substr(0, n));
  out.append(points_pb);
  return out;
}

Result<IngestRecord> decodeIngestRecord(std::string_view payload) {
  if (payload.size() < 4) return dataLoss("ingest record: short header");
  if (static_cast<uint8_t>(payload[0]) != kVersion) {
    return dataLoss("ingest record: unknown version " +
                    std::to_string(static_cast<uint8_t>(payload[0])));
  }
  const auto category = static_cast<uint8_t>(payload[1]);
  if (category >= model::kAllCategories.size()) {
    return dataLoss("ingest record: bad category " + std::to_string(category));
  }
  const size_t n = getLe(payload, 2, 2);
  if (payload.size() < 4 + n) return dataLoss("ingest record: short workspace id");
  IngestRecord r;
  r.category = model::kAllCategories[category];
  r.workspace_id = std::string(payload.substr(4, n));
  r.points_pb = std::string(payload.substr(4 + n));
  return r;
}

}  // namespace sextant::storage
