// Point normalisation: DataKit's "point check" (GuanceCloud/cliutils point/check.go), run on
// every point an agent collects and every point the server ingests.
//
// normalize() repairs a point in place so that it fits the limits and per-category rules below,
// and reports every change it makes as a Warning (model/warning.h) with DataKit's warning type
// and a message worded like DataKit's. In strict mode (DataKit's /v1/write?strict) the first
// warning becomes an InvalidArgument error "<warn_type>: <message>"; the point is still left
// normalised. A point that is already valid is not touched and costs one read-only pass.
//
// The rules, in the order they are applied; [warning type] after each. A limit of 0 means "no
// limit", as in DataKit.
//
//  Measurement
//   1. not valid UTF-8 (*): each run of bad bytes -> U+FFFD              [invalid_utf8_string]
//   2. empty: "__default"                                                [invalid_measurement]
//   3. longer than max_measurement_len: truncated (**)                   [invalid_measurement]
//  Counts
//   4. more than max_fields fields: the ones after the first max_fields dropped
//                                                                        [exceed_max_fields]
//   5. more than max_tags tags: the ones after the first max_tags dropped
//                                                   [exceed_max_tags] (DataKit: exceed_max_fields)
//  Each tag, in order
//   6. key not valid UTF-8 (*): bad bytes -> U+FFFD                      [invalid_utf8_string]
//   7. key longer than max_tag_key_len: truncated (**)                   [exceed_max_tag_key_len]
//   8. key has '\n' or a trailing '\': '\n' -> ' ', trailing '\'s removed [invalid_tag_key]
//   9. key has '.' and the category forbids dots: '.' -> '_'             [invalid_tag_key]
//  10. key empty, or forbidden (category, disabled_keys): tag dropped    [tag_disabled]
//  11. value not valid UTF-8 (*): bad bytes -> U+FFFD                    [invalid_utf8_string]
//  12. value longer than max_tag_value_len: truncated (**)               [exceed_max_tag_value_len]
//  13. value has '\n' or a trailing '\': '\n' -> ' ', trailing '\'s removed
//                                                                 [found_new_line_or_tail_espace]
//  Each field, in order
//  14. key not valid UTF-8 (*): bad bytes -> U+FFFD                      [invalid_utf8_string]
//  15. key longer than max_field_key_len: truncated (**)                 [exceed_max_field_key_len]
//  16. key has '.' and the category forbids dots: '.' -> '_'             [dot_in_key]
//  17. key has '\n' or a trailing '\': '\n' -> ' ', trailing '\'s removed
//                                                                 [found_new_line_or_tail_espace]
//  18. key empty, or forbidden (category, disabled_keys): field dropped
//                                                          [field_disabled] (DataKit: tag_disabled)
//  19. uint64 when !allow_uint_fields: <= MaxInt64 becomes int64 (no warning), larger is dropped
//                                                                    [exceed_max_field_value_int]
//  20. float +Inf -> 18446744073709551615.0, -Inf -> -9223372036854775808.0 (still floats)
//                                             [convert_inf_to_max_value] [convert_inf_to_min_value]
//  21. string or bytes value in a category without strings (metric): field dropped
//                                                                      [invalid_field_value_type]
//  22. string value, or string array element, not valid UTF-8 (*): bad bytes -> U+FFFD
//                                                                           [invalid_utf8_string]
//  23. string or bytes value longer than max_field_value_len: truncated (** for strings)
//                                                                    [exceed_max_field_value_len]
//  Whole point
//  24. two tags, or two fields, with the same key: the later one dropped [key_name_conflict]
//  25. a tag and a field with the same key: the field dropped            [same_tag_field_key]
//  26. a key changed by 6-9 or 14-17 now equals another key: the changed tag / field dropped
//                                                                               [invalid_tag_key]
//  27. tag keys + values longer than max_tag_key_value_compose_len in total (*): the tag that
//      crosses the limit and every tag after it dropped       [exceed_max_tag_key_value_compose]
//  28. a required key of the category is neither a tag nor a field: added as a string field
//                                                                               [add_required_kv]
//  29. no field left: nothing changes (callers drop such points)         [no_field]
//
// Per category (option category_rules, on by default), as DataKit's /v1/write handler sets it:
//   metric:   no string or bytes fields; '.' allowed in keys.
//   logging:  '.' in keys -> '_'; keys "source" and "date" forbidden; required status="info".
//   object:   '.' in keys -> '_'; keys "class" and "date" forbidden; required name="default".
//   others (custom_object, network, keyevent, tracing, rum, security, profiling, dialtesting):
//             DataKit's defaults: strings allowed, '.' allowed, nothing forbidden or required.
// NaN floats and arrays (of any element type, also in metrics) pass unchanged, as in DataKit.
//
// (*) Not in DataKit's check.go (it declares invalid_utf8_string and the compose limit but does
//     not apply them; an older check.go applied the compose limit the same way, after sorting
//     tags). We apply them so that every stored and re-encoded string is valid UTF-8 (protobuf
//     requires it) and tag sets stay bounded. Bad bytes are replaced like Go's
//     strings.ToValidUTF8(s, "\uFFFD"): one U+FFFD per run of invalid bytes.
// (**) Truncation never splits a UTF-8 sequence: text is cut at the last character boundary at
//     or below the limit (DataKit cuts bytes). Bytes fields are cut at exactly the limit.
//
// Other deliberate differences from DataKit:
// - Count limits keep the first tags/fields in input order; DataKit keeps the first in its kvs
//   order, which is sorted by key for points built through its KVs helpers.
// - Duplicate keys (24-26): DataKit reports key_name_conflict for both cases and, because it
//   compacts the list while it scans it, drops the first occurrence (both when adjacent). We keep
//   the first tag / field and, for a tag and a field, the tag (cliutils' README: "the field is
//   removed"), as the older check.go did with same_tag_field_key.
// - Rule 13 runs after rule 12 (DataKit: before), so a cut that exposes a trailing '\' is
//   repaired in the same pass; otherwise normalize() would not be idempotent.
// - If adding a required key (28) exceeds max_fields, the last non-required field is dropped
//   (exceed_max_fields) so that the result is within limits.
// - Required keys ("status", "name") are exempt from the key length limits and their default
//   values are cut to max_field_value_len, so that tiny limits cannot make normalize() undo its
//   own work on the next pass.
// - no_field (29) is reported (DataKit's current check.go reports nothing; its README says such
//   points are skipped at upload). It is the only warning that does not stem from a change, so
//   normalising a field-less point again reports it again.
// - Messages quote at most 64 bytes of a key or value ("..." marks the cut); the -Inf message
//   says "-inf" (DataKit: "+inf").
//
// Thread-safety: normalize() and isNormalized() are pure functions of their arguments; a
// CheckOptions may be shared by any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/point.h"
#include "model/point_view.h"
#include "model/warning.h"

namespace sextant::model {

struct CheckOptions {
  size_t max_measurement_len = 1024;
  size_t max_tags = 256;
  size_t max_fields = 1024;
  size_t max_tag_key_len = 256;
  size_t max_field_key_len = 256;
  size_t max_tag_value_len = 1024;
  size_t max_field_value_len = 32 << 20;
  size_t max_tag_key_value_compose_len = 64 << 10;
  // Any warning makes normalize() return InvalidArgument "<warn_type>: <message>".
  bool strict = false;
  // Apply the per-category rules above (string fields, dots, forbidden and required keys).
  // Off: only the generic limits, like DataKit's default options.
  bool category_rules = true;
  // DataKit's WithU64Field: off (InfluxDB 1.x targets) turns uint64 fields into int64 and drops
  // the ones above MaxInt64.
  bool allow_uint_fields = true;
  // More keys to drop from every point (tags and fields), on top of the category's forbidden
  // keys (DataKit's WithDisabledKeys).
  std::vector<std::string> disabled_keys;
};

// Normalises p in place and appends one Warning per change to *warnings (may be null).
// Returns ok, or in strict mode an InvalidArgument error for the first warning.
Status normalize(Point& p, const CheckOptions& opts, std::vector<Warning>* warnings);

// True when normalize(p, opts) would neither change p nor report a warning. Read-only.
bool isNormalized(const Point& p, const CheckOptions& opts);
// The same answer for the point a view shows (isNormalized(toPoint(p), opts)), without a copy.
bool isNormalized(const PointView& p, const CheckOptions& opts);

// isNormalized() for the many points of one batch (a /v1/write body), which mostly repeat their
// names: the measurement, tag keys and field keys of the last point that passed are remembered,
// and a point with the same names in the same order (and category) has only its values checked
// (tag values, the compose length, field values); any other point gets the whole check. Same
// answers as isNormalized(p, opts). Keeps a copy of the names (no views). Not thread-safe: one
// per batch or thread.
class ViewCheck {
 public:
  explicit ViewCheck(const CheckOptions& opts) : opts_(opts) {}
  bool isNormalized(const PointView& p);

 private:
  bool sameNames(const PointView& p) const;
  void remember(const PointView& p);

  const CheckOptions& opts_;
  bool have_ = false;  // names_ holds the names of a point that passed
  Category category_ = Category::kMetric;
  bool string_fields_ = true;  // whether category_ allows string fields (the one rule on values)
  size_t tags_ = 0, fields_ = 0;
  std::string names_;           // measurement, tag keys, field keys, concatenated
  std::vector<uint32_t> ends_;  // the offset past each name in names_
};

}  // namespace sextant::model
