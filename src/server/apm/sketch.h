// Sketch: a mergeable quantile sketch (DDSketch-style) with 1% relative accuracy, plus the exact
// count, sum, min and max of what was added. The APM deriver stores one per service/edge and
// minute (the `sketch` bytes field of apm_service / apm_edge, docs/apm.md); query code merges the
// sketches of every point in a range and asks for quantiles.
//
// Buckets: a positive value v > kZeroThreshold falls in bucket i = ceil(log_gamma(v)), which
// covers (gamma^(i-1), gamma^i], gamma = (1+a)/(1-a), a = kRelativeAccuracy = 0.01. A quantile
// answers 2*gamma^i/(gamma+1) for the bucket holding its rank, which is within a of every value
// of that bucket. Values <= kZeroThreshold (zero, negatives) go to a zero bucket and answer 0;
// NaN and infinities are ignored (not counted); the sum saturates at +-DBL_MAX. Buckets are stored
// densely (a contiguous range of indices); when the range would exceed kMaxBuckets the lowest
// buckets are collapsed into the lowest kept one, so high quantiles stay accurate and low ones
// degrade. gamma ~ 1.0202, so 2048 buckets span a ratio of ~6e17 between the lowest and highest
// value kept apart: durations from 1 µs to 10^9 µs (17 minutes) need ~1040 buckets; collapsing only
// happens for absurd ranges.
//
// quantile(q): the value of rank floor(q * (count-1)) in the sorted input (the "lower" quantile),
// within 1% relative error for q in (0,1); q = 0 returns min() and q = 1 max() exactly; the answer
// is always clamped to [min, max]. NaN when empty or q outside [0,1].
//
// Encoding (encode/decode), version 1, all integers unsigned LEB128 varints unless noted:
//   u8      version (= 1)
//   varint  count (total values, zero bucket included)
//   f64 LE  sum, min, max (IEEE-754 bits, 8 bytes each; all 0 when count == 0)
//   varint  zero_count
//   varint  zigzag(first bucket index)   (only meaningful when bucket_count > 0)
//   varint  bucket_count (<= kMaxBuckets)
//   varint  count of each bucket, bucket_count times (lowest index first)
// decode() checks the version, every bound (no trailing bytes, bucket_count <= kMaxBuckets,
// indices within the range a finite double can reach, count == zero_count + sum of buckets,
// min <= max, finite min/max/sum) and returns InvalidArgument otherwise.
//
// Thread-safety: a plain value type (copyable, movable); no internal synchronisation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::apm {

class Sketch {
 public:
  static constexpr double kRelativeAccuracy = 0.01;
  static constexpr double kZeroThreshold = 1e-9;
  static constexpr size_t kMaxBuckets = 2048;
  static constexpr uint8_t kEncodingVersion = 1;

  Sketch() = default;

  // Adds v once / n times. v <= kZeroThreshold counts in the zero bucket; NaN/inf are ignored.
  void add(double v);
  void add(double v, uint64_t n);
  // Adds every value of other (this becomes the sketch of the union).
  void merge(const Sketch& other);

  // See the file comment: NaN when empty or q not in [0,1].
  double quantile(double q) const;

  uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double min() const;  // NaN when empty
  double max() const;  // NaN when empty
  bool empty() const { return count_ == 0; }
  // Non-empty dense buckets currently held (zero bucket excluded), for tests and memory stats.
  size_t bucketCount() const { return counts_.size(); }

  // Appends the encoding described in the file comment to *out.
  void encode(std::string* out) const;
  std::string encode() const;
  static Result<Sketch> decode(std::string_view bytes);

  // Same counts, buckets and exact stats (sum compared exactly).
  bool operator==(const Sketch& other) const;

 private:
  // Ensures [lo, hi] fits in the dense range (collapsing the lowest buckets past kMaxBuckets) and
  // returns the slot for index i (i may be moved up to the lowest kept index).
  uint64_t& slotFor(int32_t i);
  void addToIndex(int32_t i, uint64_t n);

  uint64_t count_ = 0;
  uint64_t zero_count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
  int32_t offset_ = 0;            // bucket index of counts_[0]
  std::vector<uint64_t> counts_;  // dense counts for indices offset_ .. offset_+size-1
};

}  // namespace sextant::apm
