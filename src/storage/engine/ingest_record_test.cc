#include "storage/engine/ingest_record.h"

#include <gtest/gtest.h>

namespace sextant::storage {
namespace {

TEST(IngestRecord, LayoutAndRoundTrip) {
  std::string r = encodeIngestRecord("wksp_1", model::Category::kLogging, "PB");
  // version 1, category 5 (logging), id length 6 little-endian, id, points.
  EXPECT_EQ(r, std::string("\x01\x05\x06\x00wksp_1PB", 12));
  Result<IngestRecord> d = decodeIngestRecord(r);
  ASSERT_TRUE(d.isOk());
  EXPECT_EQ(d->workspace_id, "wksp_1");
  EXPECT_EQ(d->category, model::Category::kLogging);
  EXPECT_EQ(d->points_pb, "PB");
}

TEST(IngestRecord, UnreadableRecordsAreDataLoss) {
  EXPECT_EQ(decodeIngestRecord("").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(decodeIngestRecord(std::string("\x02\x00\x00\x00", 4)).status().code(),
            StatusCode::kDataLoss);  // version 2
  EXPECT_EQ(decodeIngestRecord(std::string("\x01\x63\x00\x00", 4)).status().code(),
            StatusCode::kDataLoss);  // category 99
  EXPECT_EQ(decodeIngestRecord(std::string("\x01\x00\x09\x00wk", 6)).status().code(),
            StatusCode::kDataLoss);  // id cut short
}

}  // namespace
}  // namespace sextant::storage
