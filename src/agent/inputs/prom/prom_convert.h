// Prometheus exposition -> points, with DataKit's prom input rules (reference:
// ../shared/reference/datakit-inputs.md §1.2, §1.3): which families are kept (metric_types,
// metric_name_filter, metric_name_filter_ignore), how a metric name becomes a measurement and a
// field (the first-`_` split, measurement_name, [[inputs.prom.measurements]] prefix rules,
// measurement_prefix), one point per counter/gauge/untyped sample, an aggregate point
// (`<field>_count`, `<field>_sum`) plus one point per quantile (`quantile` tag) or bucket (`le`
// tag, field `<field>_bucket`) for summaries and histograms, OpenMetrics info labels as tags, and
// the tag rules (configured tags first, labels cannot override them, tags_ignore, tags_rename,
// ignore_tag_kv_match, then per-target tags such as `instance`).
//
// Pure functions over caller-owned data, no I/O. ConvertOptions is immutable once built and may
// be shared between threads (RE2 matching is thread-safe).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/prometheus_text/prometheus_text.h"
#include "core/status.h"
#include "model/category.h"
#include "model/point.h"

namespace re2 {
class RE2;
}

namespace sextant::agent::inputs::prom {

// One [[inputs.prom.measurements]] rule.
struct MeasurementRule {
  std::string prefix;
  std::string name;  // empty: the prefix without its trailing '_'
};

// The conversion settings of one [[inputs.prom]] instance (DataKit's keys and defaults).
struct ConvertOptions {
  std::vector<std::string> metric_types;  // lower-case names; empty = every type
  std::vector<std::shared_ptr<const re2::RE2>> metric_name_filter;         // any match keeps
  std::vector<std::shared_ptr<const re2::RE2>> metric_name_filter_ignore;  // any match drops
  std::string measurement_prefix;
  std::string measurement_name;
  std::vector<MeasurementRule> measurements;
  bool keep_exist_metric_name = false;
  bool honor_timestamps = true;
  bool disable_info_tag = false;
  std::vector<std::pair<std::string, std::string>> tags;  // [inputs.prom.tags], in order
  std::vector<std::string> tags_ignore;
  std::map<std::string, std::string> tags_rename;  // [inputs.prom.tags_rename.mapping]
  bool overwrite_exist_tags = false;
  // [inputs.prom.ignore_tag_kv_match]: a tag whose value matches one of its key's expressions is
  // removed (the point is kept, as DataKit's code does).
  std::vector<std::pair<std::string, std::vector<std::shared_ptr<const re2::RE2>>>>
      ignore_tag_kv_match;
  bool as_logging = false;      // [inputs.prom.as_logging] enable: logging points
  std::string logging_service;  // its `service`; empty = the measurement name
};

// Compiles `exprs` (Go RE2 syntax, unanchored); an invalid one is InvalidArgument naming it.
Result<std::vector<std::shared_ptr<const re2::RE2>>> compileRegexes(
    const std::vector<std::string>& exprs);

// DataKit's getNames: (measurement, field) of a metric name (a family's base name).
std::pair<std::string, std::string> metricNames(std::string_view name,
                                                const ConvertOptions& options);

// Go's fmt "%v" of a float64, as DataKit spells `le` and `quantile` tags: the shortest digits
// that round-trip, in %e form (two exponent digits at least) when the decimal exponent is < -4
// or >= 6: "0.005", "0.99", "100000", "1e+06", "2.5e-05", "+Inf", "-Inf", "NaN".
std::string goFloat(double v);

// What one scrape adds to every point after the point's own tags, first-wins: `host` (a
// non-loopback target), `instance` (host:port unless disable_instance_tag).
struct ScrapeTags {
  std::vector<model::Tag> tags;
};

// Converts one parsed exposition into points appended to *out. `now_ns` is the scrape's
// (aligned) time: the time of every point without an honoured exposition timestamp.
// Returns the number of points appended.
size_t convert(const codec::prom::Exposition& exposition, const ConvertOptions& options,
               const ScrapeTags& scrape_tags, int64_t now_ns, std::vector<model::Point>* out);

// As convert(), but the points are written at (*out)[start], (*out)[start + 1], ... into the
// points already there, which are overwritten: their strings and vectors are assigned into, so
// a scrape converted into the points of the previous scrape of the same target (the i-th point
// is usually the same series, with the same capacities) allocates almost nothing. Points are
// appended when *out runs out (it is first grown to `start` if shorter); points after the last
// one written are left as they were: the caller resizes *out to the end of what it wrote. The
// points written are exactly convert()'s, whatever *out held. Returns how many were written.
size_t convertInto(const codec::prom::Exposition& exposition, const ConvertOptions& options,
                   const ScrapeTags& scrape_tags, int64_t now_ns, size_t start,
                   std::vector<model::Point>* out);

}  // namespace sextant::agent::inputs::prom
