// Point generators for tests and benchmarks (not linked into the sextant binary).
//
// randomPoint() makes points every codec must round-trip: keys and tag values are non-empty,
// free of '\n' and of a trailing '\\', unique across tags and fields; floats are finite;
// string fields may hold anything (quotes, backslashes, newlines, UTF-8).
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "model/point.h"

namespace sextant::model::testing {

struct RandomPointOptions {
  Category category = Category::kMetric;
  int max_tags = 6;
  int max_fields = 6;
  bool strings = true;  // string fields (metric points drop them on normalisation)
  bool bytes = true;
  bool arrays = true;
  bool uints = true;
  bool odd_chars = true;  // spaces, commas, '=', quotes, backslashes and UTF-8 in names
};

Point randomPoint(std::mt19937_64& rng, const RandomPointOptions& opts = {});

// True when a point holds a NaN float (alone or in an array). NaN != NaN, so such points never
// compare equal to themselves: round-trip oracles skip the equality check for them.
bool containsNan(std::span<const Point> pts);

}  // namespace sextant::model::testing
