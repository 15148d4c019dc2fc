// Sketch: see sketch.h for the bucket scheme and the encoding.
#include "server/apm/sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "core/little_endian.h"

namespace sextant::apm {
namespace {

constexpr double kGamma = (1.0 + Sketch::kRelativeAccuracy) / (1.0 - Sketch::kRelativeAccuracy);
const double kLogGamma = std::log(kGamma);
const double kInvLogGamma = 1.0 / kLogGamma;

// Indices a finite double above kZeroThreshold can reach (ln(gamma) ~ 0.02):
// ceil(ln(1e-9)/ln(gamma)) ~ -1036 and ceil(ln(DBL_MAX)/ln(gamma)) ~ 35490. Decode rejects
// anything outside a margin around them.
constexpr int64_t kMinIndex = -2000;
constexpr int64_t kMaxIndex = 40000;

int32_t indexOf(double v) { return static_cast<int32_t>(std::ceil(std::log(v) * kInvLogGamma)); }

// The value a bucket answers: within kRelativeAccuracy of every value in (gamma^(i-1), gamma^i].
double bucketValue(int32_t i) {
  return 2.0 * std::exp(static_cast<double>(i) * kLogGamma) / (kGamma + 1.0);
}

void putVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void putDouble(std::string* out, double v) { putLe(*out, std::bit_cast<uint64_t>(v), 8); }

// Reads bytes sequentially; every getter fails (returns false) past the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return false;
      const auto byte = static_cast<uint8_t>(in_[pos_++]);
      if (shift == 63 && byte > 1) return false;  // more than 64 bits
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool f64(double* v) {
    if (in_.size() - pos_ < 8) return false;
    *v = std::bit_cast<double>(getLe(in_, pos_, 8));
    pos_ += 8;
    return true;
  }
  bool u8(uint8_t* v) {
    if (pos_ >= in_.size()) return false;
    *v = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool atEnd() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

// Sums stay finite (an overflow saturates at +-DBL_MAX) so every sketch can be encoded and decoded.
double saturatingAdd(double a, double b) {
  const double r = a + b;
  if (std::isfinite(r)) return r;
  constexpr double kMax = std::numeric_limits<double>::max();
  return r > 0 ? kMax : (r < 0 ? -kMax : 0.0);
}

Status malformed(std::string_view what) {
  return invalidArgument("apm sketch: " + std::string(what));
}

}  // namespace

void Sketch::add(double v) { add(v, 1); }

void Sketch::add(double v, uint64_t n) {
  if (n == 0 || !std::isfinite(v)) return;
  if (count_ == 0) {
    min_ = v;
    max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  count_ += n;
  sum_ = saturatingAdd(sum_, v * static_cast<double>(n));
  if (v <= kZeroThreshold) {
    zero_count_ += n;
  } else {
    addToIndex(indexOf(v), n);
  }
}

uint64_t& Sketch::slotFor(int32_t i) {
  if (counts_.empty()) {
    offset_ = i;
    counts_.assign(1, 0);
    return counts_[0];
  }
  const int64_t size = static_cast<int64_t>(counts_.size());
  const int64_t hi = offset_ + size - 1;
  const auto max = static_cast<int64_t>(kMaxBuckets);
  if (i >= offset_ && i <= hi) return counts_[static_cast<size_t>(i - offset_)];
  if (i > hi) {
    const int64_t new_size = static_cast<int64_t>(i) - offset_ + 1;
    if (new_size <= max) {
      counts_.resize(static_cast<size_t>(new_size), 0);
    } else {
      // Collapse every index below new_offset into new_offset.
      const int64_t new_offset = static_cast<int64_t>(i) - max + 1;
      const int64_t shift = new_offset - offset_;  // >= 1
      uint64_t collapsed = 0;
      const int64_t upto = std::min(shift, size - 1);  // inclusive
      for (int64_t j = 0; j <= upto; ++j) collapsed += counts_[static_cast<size_t>(j)];
      if (shift >= size) {
        counts_.assign(static_cast<size_t>(max), 0);
      } else {
        counts_.erase(counts_.begin(), counts_.begin() + shift);
        counts_.resize(static_cast<size_t>(max), 0);
      }
      counts_[0] = collapsed;
      offset_ = static_cast<int32_t>(new_offset);
    }
    return counts_[static_cast<size_t>(i - offset_)];
  }
  // i < offset_: extend downwards, but never past kMaxBuckets (then i joins the lowest kept).
  int64_t lo = i;
  if (hi - lo + 1 > max) lo = hi - max + 1;
  if (lo < offset_) {
    counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - lo), 0);
    offset_ = static_cast<int32_t>(lo);
  }
  return counts_[static_cast<size_t>(lo - offset_)];
}

void Sketch::addToIndex(int32_t i, uint64_t n) { slotFor(i) += n; }

void Sketch::merge(const Sketch& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  zero_count_ += other.zero_count_;
  sum_ = saturatingAdd(sum_, other.sum_);
  if (other.counts_.empty()) return;
  const auto other_hi = static_cast<int32_t>(other.offset_ + other.counts_.size() - 1);
  // Size the range once (top first so collapsing keeps the top), then add bucket by bucket.
  slotFor(other_hi);
  slotFor(other.offset_);
  for (size_t j = 0; j < other.counts_.size(); ++j) {
    if (other.counts_[j] != 0) {
      addToIndex(static_cast<int32_t>(other.offset_ + static_cast<int32_t>(j)), other.counts_[j]);
    }
  }
}

double Sketch::min() const { return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : min_; }

double Sketch::max() const { return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : max_; }

double Sketch::quantile(double q) const {
  if (count_ == 0 || !(q >= 0.0 && q <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
  if (q == 0.0) return min_;
  if (q == 1.0) return max_;
  const auto rank = static_cast<uint64_t>(std::floor(q * static_cast<double>(count_ - 1)));
  double value = max_;
  if (rank < zero_count_) {
    value = 0.0;
  } else {
    uint64_t cumulative = zero_count_;
    for (size_t j = 0; j < counts_.size(); ++j) {
      cumulative += counts_[j];
      if (cumulative > rank) {
        value = bucketValue(static_cast<int32_t>(offset_ + static_cast<int32_t>(j)));
        break;
      }
    }
  }
  return std::clamp(value, min_, max_);
}

void Sketch::encode(std::string* out) const {
  out->push_back(static_cast<char>(kEncodingVersion));
  putVarint(out, count_);
  putDouble(out, count_ == 0 ? 0.0 : sum_);
  putDouble(out, count_ == 0 ? 0.0 : min_);
  putDouble(out, count_ == 0 ? 0.0 : max_);
  putVarint(out, zero_count_);
  // Trim zero buckets at both ends.
  size_t lo = 0;
  size_t hi = counts_.size();
  while (lo < hi && counts_[lo] == 0) ++lo;
  while (hi > lo && counts_[hi - 1] == 0) --hi;
  const int64_t first = hi > lo ? offset_ + static_cast<int64_t>(lo) : 0;
  putVarint(out, (static_cast<uint64_t>(first) << 1) ^ static_cast<uint64_t>(first >> 63));
  putVarint(out, hi - lo);
  for (size_t j = lo; j < hi; ++j) putVarint(out, counts_[j]);
}

std::string Sketch::encode() const {
  std::string out;
  encode(&out);
  return out;
}

Result<Sketch> Sketch::decode(std::string_view bytes) {
  Reader r(bytes);
  uint8_t version = 0;
  if (!r.u8(&version)) return malformed("empty input");
  if (version != kEncodingVersion) {
    return malformed("unsupported version " + std::to_string(version));
  }
  Sketch s;
  uint64_t zig = 0;
  uint64_t bucket_count = 0;
  if (!r.varint(&s.count_) || !r.f64(&s.sum_) || !r.f64(&s.min_) || !r.f64(&s.max_) ||
      !r.varint(&s.zero_count_) || !r.varint(&zig) || !r.varint(&bucket_count)) {
    return malformed("truncated header");
  }
  if (bucket_count > kMaxBuckets) return malformed("too many buckets");
  const auto first = static_cast<int64_t>((zig >> 1) ^ (~(zig & 1) + 1));
  // (Compared without computing first + count, which overflows for a first near INT64_MAX.)
  if (bucket_count > 0 && (first < kMinIndex || first > kMaxIndex ||
                           static_cast<int64_t>(bucket_count) - 1 > kMaxIndex - first)) {
    return malformed("bucket index out of range");
  }
  uint64_t total = s.zero_count_;
  s.counts_.reserve(bucket_count);
  for (uint64_t j = 0; j < bucket_count; ++j) {
    uint64_t c = 0;
    if (!r.varint(&c)) return malformed("truncated buckets");
    if (c > std::numeric_limits<uint64_t>::max() - total) return malformed("count overflow");
    total += c;
    s.counts_.push_back(c);
  }
  if (!r.atEnd()) return malformed("trailing bytes");
  if (total != s.count_) return malformed("count does not match the buckets");
  if (s.count_ == 0) {
    if (s.sum_ != 0.0 || s.min_ != 0.0 || s.max_ != 0.0)
      return malformed("stats of an empty sketch");
    s.counts_.clear();
  } else if (!std::isfinite(s.min_) || !std::isfinite(s.max_) || !std::isfinite(s.sum_) ||
             s.min_ > s.max_) {
    return malformed("invalid min/max/sum");
  }
  s.offset_ = bucket_count > 0 ? static_cast<int32_t>(first) : 0;
  return s;
}

bool Sketch::operator==(const Sketch& other) const { return encode() == other.encode(); }

}  // namespace sextant::apm
