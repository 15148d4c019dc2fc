// Line protocol codec: DataKit's dialect of the InfluxDB line protocol (the GuanceCloud fork of
// influxdb1-client `models`), text <-> model::Point.
//
//   measurement[,tag=value...] field=value[,field=value...] [timestamp]
//
// Field values: float (`3`, `3.14`, `-1e3`: bare numbers are floats), int `42i`, uint `42u`,
// string `"..."`, bool (t/T/true/True/TRUE, f/F/false/False/FALSE), bytes `"<base64>"b`, and
// arrays of one basic type (`[1i,2i]`, `[1.5,2]`, `["a","b"]`, `[true,false]`, `["AQ=="b]`).
// Escapes, precision, error positions and the deliberate differences from DataKit are described in
// README.md beside this file.
//
// decode() never throws, never reads outside `body` and keeps going past bad lines: every good line
// becomes a point, every bad line a LineError. encode() writes lines that decode() reads back to an
// equal point (for points whose names are non-empty, free of '\n', do not end in '\\' and do not
// start with '#' or whitespace: the points model::testing::randomPoint() makes).
// Thread-safety: free functions on caller-owned data; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/category.h"
#include "model/point.h"
#include "model/point_view.h"

namespace sextant::codec::lp {

// The unit of the timestamps in a body (the `precision` query parameter of /v1/write).
enum class Precision { kAuto, kNanosecond, kMicrosecond, kMillisecond, kSecond, kMinute, kHour };

// "n"/"ns" -> ns, "u"/"us" -> us, "ms", "s", "m", "h"; "" -> kAuto (DataKit: absent parameter means
// auto-detect per point); anything else -> kNanosecond (as DataKit).
Precision parsePrecision(std::string_view s);

struct DecodeOptions {
  model::Category category = model::Category::kMetric;  // category of every decoded point
  Precision precision = Precision::kAuto;
  int64_t now_ns = 0;  // time of points without a timestamp (never scaled by precision)
};

// One bad line. `line_no` is the 1-based physical line the bad line starts on; `pos` the 0-based
// byte offset within that line where the problem was found; `line` the line's text (without the
// line break; cut at kMaxErrorLineBytes); `reason` e.g. "missing fields", "invalid number".
struct LineError {
  size_t line_no = 0;
  size_t pos = 0;
  std::string line;
  std::string reason;
  bool operator==(const LineError&) const = default;
};

// decode() keeps the details of at most this many bad lines (`failed` counts them all) and at most
// this many bytes of each line's text, so hostile input cannot make the error report explode.
inline constexpr size_t kMaxLineErrors = 100;
inline constexpr size_t kMaxErrorLineBytes = 1024;

struct DecodeResult {
  std::vector<model::Point> points;  // good lines, in input order
  size_t failed = 0;                 // bad lines
  std::vector<LineError> errors;     // the first kMaxLineErrors bad lines

  bool ok() const { return failed == 0; }
  // DataKit style: one "unable to parse '<line>' (pos: N): <reason>" line per bad line, then
  // "ok: <points>, failed: <failed>". Empty when ok().
  std::string errorMessage() const;
};

DecodeResult decode(std::string_view body, const DecodeOptions& opts);

// Reads the good lines of a body one at a time into a caller-owned point that is reused from
// line to line (its tag and field vectors keep their capacity: no allocation per point once they
// are big enough), for callers that look at each point once and keep nothing (the agent's
// /v1/write fast path, agent/point_path.h). Blank lines and comments are skipped as by decode();
// the points are exactly the ones decode() returns for a body without bad lines.
// next() stops at the first bad line: a caller that wants decode()'s error report runs decode().
// Not thread-safe; `body` must outlive the reader.
class LineReader {
 public:
  LineReader(std::string_view body, const DecodeOptions& opts);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  enum class Next { kPoint, kEnd, kBadLine, kUnsupported };
  // kPoint: *p holds the next line's point (whatever it held before is replaced). kEnd: no line
  // left. kBadLine: the next line does not parse (*p is unspecified); every later call says so
  // too.
  Next next(model::Point* p);
  // As above, into views: the names and strings of *p point into the body, or into the reader's
  // scratch where they had escapes (valid until the next call). kUnsupported: the next line has
  // an array or bytes field, which views do not show (*p is unspecified); the reader stays at
  // that line, and next(model::Point*) reads it. A bad line is kBadLine, as above, unless an
  // array or bytes field comes before the place where it goes wrong (then kUnsupported, and
  // next(model::Point*) says kBadLine).
  Next next(model::PointView* p);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends one line per point ('\n'-terminated, nanosecond timestamp) to *out. What cannot be
// written is left out rather than written unreadably: NaN/Inf floats, arrays that are empty or hold
// NaN/Inf, tags and fields with an empty key or tag value; a point left with no field or with an
// empty measurement is skipped entirely. A '\n' in a name is written as a space and trailing
// backslashes of names are dropped (DataKit's normalisation does the same).
void encode(const model::Point& p, std::string* out);
void encode(std::span<const model::Point> pts, std::string* out);

}  // namespace sextant::codec::lp
