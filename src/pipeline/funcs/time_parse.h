// Time parsing for Pipeline's default_time() and default_time_with_fmt().
//
// parseTimeAuto detects the layout the way DataKit's default_time does (it uses the Go
// "dateparse" auto-detection): RFC3339 (with fraction), "2006-01-02 15:04:05(.000)",
// "2006/01/02 15:04:05", log4j "2006-01-02 15:04:05,000", nginx "02/Jan/2006:15:04:05 -0700",
// syslog "Jan _2 15:04:05" (current year in tz), ANSIC "Mon Jan _2 15:04:05 2006", UnixDate,
// RFC1123(Z), RFC850, mysql "060102 15:04:05", "2006-01-02", and unix seconds / ms / µs / ns
// numbers (by integer digit count: <=10 s, 11-13 ms, 14-16 µs, 17-19 ns, an optional fraction;
// 8 and 14 digits are read as yyyymmdd[hhmmss] instead).
// parseTimeWithFormat takes a Go reference-time layout (2006 06 01 1 Jan January 02 _2 2 15 03
// 3 04 4 05 5 PM pm .000 .999 ,000 Mon Monday MST Z07:00 Z0700 -07:00 -0700 -07 Z07).
//
// The tz argument applies to texts without a zone. "" means the process's local zone, as
// DataKit's default_time ("the default is the current system time zone"): $TZ when set (a zone
// name; empty or "UTC" = UTC), else /etc/localtime, else UTC; in Sextant's containers that is
// UTC. Otherwise a named zone ("Asia/Shanghai", "America/New_York") read from TZif files, "UTC",
// or a fixed offset as DataKit writes them: "+8", "-8", "+8:30", "+08:00", "+0530", "UTC+8".
// A text without a year (syslog) takes the current year in that zone. Both functions return
// nanoseconds since the Unix epoch; outside int64 nanoseconds (years 1678..2262) is OutOfRange.
//
// Thread-safety: all functions are safe to call concurrently; zones are cached per name behind a
// mutex (the cache lives for the process).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::pipeline::funcs {

Result<int64_t> parseTimeAuto(std::string_view text, std::string_view tz);
Result<int64_t> parseTimeWithFormat(std::string_view text, std::string_view go_layout,
                                    std::string_view tz);

// A time zone: a fixed offset or a TZif rule table. Immutable, shared.
class TimeZone {
 public:
  // Parses TZif data (RFC 8536 v1-v4; v2+ uses the 64-bit block). Untrusted input: every count
  // and index is bounds-checked (DataLoss on any inconsistency). The POSIX TZ footer ("STDoff" or
  // "STDoffDST[off],start[/time],end[/time]" with Mm.w.d, Jn or n dates) decides instants after
  // the last transition. Leap-second records are skipped.
  static Result<std::shared_ptr<const TimeZone>> parseTzif(std::string_view data,
                                                           std::string name = "");
  static std::shared_ptr<const TimeZone> fixed(int32_t offset_seconds, std::string name = "");

  // UTC offset in seconds at a UTC instant (seconds since the epoch).
  int32_t offsetAtUtc(int64_t utc_seconds) const;
  // UTC seconds for a local wall-clock time (seconds since the epoch as if local were UTC).
  // In a gap (spring forward) the pre-transition offset is used (02:30 EST on New York's
  // spring-forward day = 07:30Z); in an overlap, the earlier instant (Go leaves both unspecified).
  int64_t localToUtc(int64_t local_seconds) const;

  const std::string& name() const { return name_; }

  struct Transition {
    int64_t at;      // UTC seconds
    int32_t offset;  // offset in effect from `at`
  };
  struct Rule;  // POSIX TZ footer

 private:
  TimeZone() = default;
  std::string name_;
  int32_t initial_offset_ = 0;
  std::vector<Transition> transitions_;
  std::shared_ptr<const Rule> rule_;
};

// Resolves tz as described above ("" = local zone, "UTC", fixed offsets, zone names from the
// zoneinfo directory). Names are validated ([A-Za-z0-9_+-/], no "..", not absolute); an unknown
// or bad name is InvalidArgument, a corrupt zone file DataLoss. Results are cached per string.
Result<std::shared_ptr<const TimeZone>> loadTimeZone(std::string_view tz);

// Test seam: the directory zone names are read from (default /usr/share/zoneinfo, or $ZONEINFO
// when set). Clears the cache.
void setZoneinfoDirForTesting(std::string dir);

}  // namespace sextant::pipeline::funcs
