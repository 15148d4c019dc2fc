// Prometheus exposition parser: the text format 0.0.4 (`text/plain; version=0.0.4`) and the
// OpenMetrics 1.0 text format (`application/openmetrics-text; version=1.0.0`), text -> families of
// samples. What is accepted, the deliberate leniencies and the error messages are described in
// README.md beside this file.
//
//   # HELP http_requests_total The total number of HTTP requests.
//   # TYPE http_requests_total counter
//   http_requests_total{method="post",code="200"} 1027 1395066363000
//
// Ownership: an Exposition holds string_views into the body it was parsed from (names, label names,
// label values and HELP texts without escapes) and into its own storage (the unescaped ones). The
// body must outlive the Exposition and must not change; the Exposition is move-only (moving keeps
// every view valid, a copy would not).
// Thread-safety: parse() is a pure function over caller-owned data; a finished Exposition is
// immutable and may be read from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::codec::prom {

enum class Format {
  kText004,      // text/plain; version=0.0.4 (also what an unknown Content-Type means)
  kOpenMetrics,  // application/openmetrics-text; version=1.0.0 (or 0.0.1)
};

// The format of a scrape response from its Content-Type header value: any
// `application/openmetrics-text` (media type compared case-insensitively, parameters ignored) is
// OpenMetrics; everything else, the empty string included, is text 0.0.4 (as Prometheus falls
// back).
Format formatFromContentType(std::string_view content_type);

// The Accept header a scraper sends to get one of the two formats parse() reads (OpenMetrics
// preferred, as Prometheus asks; no protobuf).
inline constexpr std::string_view kAcceptHeader =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

enum class MetricType : uint8_t {
  kUntyped,  // no TYPE line, `untyped` (0.0.4) or `unknown` (OpenMetrics)
  kCounter,
  kGauge,
  kHistogram,
  kSummary,
  kGaugeHistogram,  // OpenMetrics only
  kStateSet,        // OpenMetrics only
  kInfo,            // OpenMetrics only
};

// The TYPE keyword of a type in a format: kUntyped is "untyped" in 0.0.4 and "unknown" in
// OpenMetrics; the OpenMetrics-only types have their OpenMetrics names in both.
std::string_view metricTypeName(MetricType type, Format format);

struct Label {
  std::string_view name;
  std::string_view value;  // unescaped
  bool operator==(const Label&) const = default;
};

// An OpenMetrics exemplar: `# {trace_id="abc"} 0.67 1520879607.789`.
struct Exemplar {
  std::span<const Label> labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;  // written in seconds, kept in ms (see README)
};

struct Sample {
  std::string_view name;          // as written: with _bucket, _sum, _count, _total, ... suffixes
  std::span<const Label> labels;  // in the order written (`le`, `quantile` included)
  double value = 0;               // exactly what strtod gives (NaN, +Inf, -Inf included)
  std::optional<int64_t> timestamp_ms;
  const Exemplar* exemplar = nullptr;  // OpenMetrics only; owned by the Exposition
};

struct Family {
  std::string_view name;  // the name of its TYPE/HELP line, else of its first sample
  MetricType type = MetricType::kUntyped;
  std::optional<std::string_view> help;  // unescaped; present-but-empty for `# HELP name`
  std::optional<std::string_view> unit;  // OpenMetrics `# UNIT` only
  std::vector<Sample> samples;           // in input order, non-contiguous runs merged
};

// A problem in the body: `line` and `column` are 1-based (column counts bytes from the first byte
// of the line); `message` says what, Prometheus style (`expected float as value, got "abc"`).
struct ParseError {
  size_t line = 0;
  size_t column = 0;
  std::string message;
  // "text format parsing error in line 3, column 5: expected float as value, got \"abc\"".
  std::string toString() const;
  bool operator==(const ParseError&) const = default;
};

// kStrict: the first error fails parse() with an InvalidArgument status carrying
// ParseError::toString(). kLenient: a bad line is skipped (nothing of it is kept), counted and
// parsing goes on; parse() then always succeeds.
enum class ErrorPolicy { kStrict, kLenient };

// A lenient parse keeps the details of at most this many errors (errorCount() counts them all).
inline constexpr size_t kMaxErrors = 100;

class Exposition {
 public:
  Exposition() = default;
  Exposition(Exposition&&) = default;
  Exposition& operator=(Exposition&&) = default;
  Exposition(const Exposition&) = delete;
  Exposition& operator=(const Exposition&) = delete;

  // Families in order of first appearance (a HELP, TYPE, UNIT line or a sample).
  const std::vector<Family>& families() const { return families_; }
  size_t sampleCount() const;
  // Lenient parses: the number of errors (bad lines skipped, plus a missing `# EOF`), and the
  // first kMaxErrors of them. Always 0 / empty after a strict parse.
  size_t errorCount() const { return error_count_; }
  const std::vector<ParseError>& errors() const { return errors_; }

 private:
  friend class TextParser;
  friend class ProtobufDecoder;  // prometheus_proto.h

  std::vector<Family> families_;
  size_t error_count_ = 0;
  std::vector<ParseError> errors_;
  // Backing storage of the views above: every label of every sample and exemplar (reserved once,
  // never reallocated during a parse), the exemplars, and the unescaped strings.
  std::vector<Label> labels_;
  std::deque<Exemplar> exemplars_;
  std::vector<std::unique_ptr<std::string>> unescaped_;
};

// Go's strconv.FormatFloat(v, 'g', -1, 64) with Prometheus' spelling of the specials, as Go's
// text writer writes `le` and `quantile` values: the shortest digits that round-trip, in %e form
// (two exponent digits at least) when the decimal exponent is < -4 or >= 6: "0.005", "100000",
// "1e+06", "2.5e-05", "+Inf", "-Inf", "NaN".
std::string formatGoFloat(double v);

// Parses a whole scrape body (text 0.0.4 or OpenMetrics as `format` says). Lines end with `\n`;
// `\r`s before it are dropped; the last line needs no line break. The result's views point into
// `body` (see the top of this file).
Result<Exposition> parse(std::string_view body, Format format,
                         ErrorPolicy policy = ErrorPolicy::kStrict);

}  // namespace sextant::codec::prom
