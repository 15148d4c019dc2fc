// parseRfc3339Nano: expected values written by hand (Unix times from GNU date).
#include "core/time_format.h"

#include <gtest/gtest.h>

#include <limits>
#include <string_view>

namespace sextant {
namespace {

constexpr int64_t kSec = 1'000'000'000;
// date -u -d 2016-10-06T00:17:09Z +%s
constexpr int64_t k20161006 = 1475713029 * kSec;

TEST(TimeFormat, Rfc3339Variants) {
  EXPECT_EQ(parseRfc3339Nano("2016-10-06T00:17:09.669794202Z"), k20161006 + 669794202);
  EXPECT_EQ(parseRfc3339Nano("2016-10-06T00:17:09Z"), k20161006);
  // Go's RFC3339Nano drops trailing zeros: ".5" is half a second, ".0001" 100 µs.
  EXPECT_EQ(parseRfc3339Nano("2016-10-06T00:17:09.5Z"), k20161006 + 500000000);
  EXPECT_EQ(parseRfc3339Nano("2016-10-06T00:17:09.0001Z"), k20161006 + 100000);
  // Digits beyond nanoseconds are ignored.
  EXPECT_EQ(parseRfc3339Nano("2016-10-06T00:17:09.1234567899Z"), k20161006 + 123456789);
  EXPECT_EQ(parseRfc3339Nano("2016-10-06t00:17:09z"), k20161006);
  // CRI-O writes offsets. date -u -d 2020-12-09T16:11:40+08:00 +%s
  EXPECT_EQ(parseRfc3339Nano("2020-12-09T16:11:40.123456789+08:00"), 1607501500 * kSec + 123456789);
  // date -u -d 2024-02-29T23:59:59-07:30 +%s (a leap day, a half-hour offset)
  EXPECT_EQ(parseRfc3339Nano("2024-02-29T23:59:59-07:30"), 1709278199 * kSec);
  EXPECT_EQ(parseRfc3339Nano("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parseRfc3339Nano("1969-12-31T23:59:59.5Z"), -kSec / 2);
  EXPECT_EQ(parseRfc3339Nano("2262-04-11T23:47:16.854775807Z"),
            std::numeric_limits<int64_t>::max());
}

TEST(TimeFormat, Rfc3339Rejects) {
  for (std::string_view bad : {"",
                               "2016-10-06",
                               "2016-10-06T00:17:09",
                               "2016-10-06 00:17:09Z",
                               "2016-13-06T00:17:09Z",
                               "2016-00-06T00:17:09Z",
                               "2015-02-29T00:17:09Z",
                               "2016-04-31T00:17:09Z",
                               "2016-10-06T24:00:00Z",
                               "2016-10-06T00:60:00Z",
                               "2016-10-06T00:17:60Z",
                               "2016-10-06T00:17:09.Z",
                               "2016-10-06T00:17:09+0800",
                               "2016-10-06T00:17:09+24:00",
                               "2016-10-06T00:17:09ZZ",
                               "16-10-06T00:17:09Z",
                               "2016-1-06T00:17:09Z",
                               "2262-04-11T23:47:16.854775808Z",
                               "1600-01-01T00:00:00Z",
                               "+016-10-06T00:17:09Z",
                               "2016-10-06T00:17:09 Z"}) {
    EXPECT_EQ(parseRfc3339Nano(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace sextant
