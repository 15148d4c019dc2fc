#include "codec/line_protocol/line_protocol.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sextant::codec::lp {

namespace {

using model::Array;
using model::Bytes;
using model::Field;
using model::FieldValue;
using model::Point;

// ---------------------------------------------------------------------------------------------
// Character classes (one table lookup per byte on every scanning loop).

constexpr uint8_t kMeasurementStop = 1 << 0;    // ends a measurement (or starts an escape)
constexpr uint8_t kKeyStop = 1 << 1;            // ends a tag key/value or field key
constexpr uint8_t kMeasurementEscape = 1 << 2;  // what `\` escapes in a measurement
constexpr uint8_t kKeyEscape = 1 << 3;          // what `\` escapes in tag keys/values, field keys
constexpr uint8_t kMeasurementEncode = 1 << 4;  // what encode() escapes in a measurement
constexpr uint8_t kKeyEncode = 1 << 5;          // what encode() escapes in keys and tag values
constexpr uint8_t kStringEncode = 1 << 6;       // what encode() escapes in string fields
constexpr uint8_t kValueStop = 1 << 7;          // may end a number or boolean token

constexpr std::string_view kMeasurementStopChars = ", \\\n";
constexpr std::string_view kKeyStopChars = ",= \\\n";

constexpr std::array<uint8_t, 256> makeClasses() {
  std::array<uint8_t, 256> t{};
  auto set = [&t](std::string_view chars, uint8_t bit) {
    for (char c : chars) t[static_cast<uint8_t>(c)] |= bit;
  };
  set(kMeasurementStopChars, kMeasurementStop);
  set(kKeyStopChars, kKeyStop);
  set(", ", kMeasurementEscape);
  set(",= ", kKeyEscape);
  set(", \n", kMeasurementEncode);
  set(",= \n", kKeyEncode);
  set("\"\\", kStringEncode);
  set(", \n\r]", kValueStop);
  return t;
}

constexpr std::array<uint8_t, 256> kClasses = makeClasses();

inline uint8_t charClass(char c) { return kClasses[static_cast<uint8_t>(c)]; }
inline bool isDigit(char c) { return static_cast<unsigned>(c - '0') < 10; }

// ---------------------------------------------------------------------------------------------
// Base64 (standard alphabet, '=' padding).

constexpr char kBase64Chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> makeBase64Values() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kBase64Chars[i])] = static_cast<int8_t>(i);
  return t;
}

constexpr std::array<int8_t, 256> kBase64Values = makeBase64Values();

size_t base64Size(size_t n) { return (n + 2) / 3 * 4; }

char* putBase64(char* w, std::string_view in) {
  const auto* s = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{s[i]} << 16) | (uint32_t{s[i + 1]} << 8) | s[i + 2];
    *w++ = kBase64Chars[v >> 18];
    *w++ = kBase64Chars[(v >> 12) & 63];
    *w++ = kBase64Chars[(v >> 6) & 63];
    *w++ = kBase64Chars[v & 63];
  }
  if (i < n) {
    uint32_t v = uint32_t{s[i]} << 16;
    if (i + 1 < n) v |= uint32_t{s[i + 1]} << 8;
    *w++ = kBase64Chars[v >> 18];
    *w++ = kBase64Chars[(v >> 12) & 63];
    *w++ = i + 1 < n ? kBase64Chars[(v >> 6) & 63] : '=';
    *w++ = '=';
  }
  return w;
}

// Decodes padded standard base64; false on a bad length, character or padding.
bool decodeBase64(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') pad = in[in.size() - 2] == '=' ? 2 : 1;
  out->clear();
  out->reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    bool last = i + 4 == in.size();
    size_t data_chars = last ? 4 - pad : 4;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      int8_t d = 0;
      if (k < data_chars) {
        d = kBase64Values[static_cast<uint8_t>(in[i + k])];
        if (d < 0) return false;
      }
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out->push_back(static_cast<char>(v >> 16));
    if (data_chars > 2) out->push_back(static_cast<char>((v >> 8) & 0xff));
    if (data_chars > 3) out->push_back(static_cast<char>(v & 0xff));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Decoding.

// Error reasons (InfluxDB's wording where it has one).
constexpr const char* kErrMissingMeasurement = "missing measurement";
constexpr const char* kErrMissingTagKey = "missing tag key";
constexpr const char* kErrMissingTagValue = "missing tag value";
constexpr const char* kErrInvalidTagFormat = "invalid tag format";
constexpr const char* kErrDuplicateTags = "duplicate tags";
constexpr const char* kErrMissingFields = "missing fields";
constexpr const char* kErrMissingFieldKey = "missing field key";
constexpr const char* kErrMissingFieldValue = "missing field value";
constexpr const char* kErrInvalidFieldFormat = "invalid field format";
constexpr const char* kErrInvalidNumber = "invalid number";
constexpr const char* kErrOutOfRange = "value out of range";
constexpr const char* kErrInvalidBoolean = "invalid boolean";
constexpr const char* kErrUnbalancedQuotes = "unbalanced quotes";
constexpr const char* kErrInvalidBase64 = "invalid base64";
constexpr const char* kErrInvalidArray = "invalid array";
constexpr const char* kErrEmptyArray = "empty array";
constexpr const char* kErrMixedArray = "mixed array types";
constexpr const char* kErrBadTimestamp = "bad timestamp";
constexpr const char* kErrTimestampRange = "timestamp out of range";
// Not an error: a line read into views holds a value views cannot show (an array or bytes).
constexpr const char* kUnsupported = "no view for this value";

// Exact powers of ten for the fast float path.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// ts in `prec` units -> ns; false on overflow. kAuto is DataKit's per-point guess (Go integer
// division: ts/1e9 < 10 means seconds, ts/1e12 < 10 ms, ts/1e15 < 10 us, else ns).
bool scaleTimestamp(int64_t ts, Precision prec, int64_t* ns) {
  int64_t mul = 1;
  switch (prec) {
    case Precision::kAuto:
      if (ts / 1'000'000'000 < 10) {
        mul = 1'000'000'000;
      } else if (ts / 1'000'000'000'000 < 10) {
        mul = 1'000'000;
      } else if (ts / 1'000'000'000'000'000 < 10) {
        mul = 1'000;
      }
      break;
    case Precision::kNanosecond: break;
    case Precision::kMicrosecond: mul = 1'000; break;
    case Precision::kMillisecond: mul = 1'000'000; break;
    case Precision::kSecond: mul = 1'000'000'000; break;
    case Precision::kMinute: mul = 60'000'000'000; break;
    case Precision::kHour: mul = 3'600'000'000'000; break;
  }
  return !__builtin_mul_overflow(ts, mul, ns);
}

// A sign and the magnitude of at most 19 decimal digits (exact in uint64) -> int64; false if out
// of range.
bool toInt64(uint64_t magnitude, bool negative, int64_t* out) {
  if (magnitude > (negative ? uint64_t{1} << 63 : uint64_t{INT64_MAX})) return false;
  *out = static_cast<int64_t>(negative ? 0 - magnitude : magnitude);  // C++20: modular
  return true;
}

// Parses the lines of one body. Positions are pointers into the body; `end_` is never passed.
class LineParser {
 public:
  struct Error {
    const char* pos = nullptr;     // where the problem is (reported)
    const char* resync = nullptr;  // how far the line was read (the bad line ends at the next '\n')
    const char* reason = nullptr;
  };

  // [begin, end) is the body.
  LineParser(const char* begin, const char* end, const DecodeOptions& opts)
      : begin_(begin), end_(end), opts_(opts) {}

  // Parses the line starting at p (not blank, not a comment) into *pt. Returns the start of the
  // next line, or nullptr with error() set. kReuse = false (decode()): *pt is empty. kReuse = true
  // (LineReader): *pt is the previous line's point, overwritten in place: its tags, fields and
  // names are reused, and a name equal to the one already there is not written again.
  // P is model::Point, or model::PointView (LineReader's views): names and strings then point into
  // the body, or into this parser's scratch where they had escapes (valid until the next parse);
  // a line with an array or bytes field fails with reason kUnsupported.
  template <bool kReuse, typename P>
  const char* parse(const char* p, P* pt);
  const Error& error() const { return err_; }

 private:
  std::nullptr_t fail(const char* pos, const char* reason) { return fail(pos, pos, reason); }
  std::nullptr_t fail(const char* pos, const char* resync, const char* reason) {
    err_ = Error{pos, resync, reason};
    return nullptr;
  }

  bool atLineEnd(const char* p) const {
    return p == end_ || *p == '\n' || (*p == '\r' && (p + 1 == end_ || p[1] == '\n'));
  }
  // Whether p may follow a number or boolean: a field separator or line end, or inside an array
  // ',' and ']' (the end of the body there is reported by parseArray).
  bool atValueEnd(const char* p, bool in_array) const {
    if (p == end_) return true;
    if (in_array) return *p == ',' || *p == ']';
    return *p == ',' || *p == ' ' || atLineEnd(p);
  }

  template <uint8_t stop, uint8_t escape, bool kReuse, typename Out>
  const char* scanName(const char* p, Out* out);
  template <uint8_t stop, uint8_t escape, bool kPrevious>
  [[gnu::always_inline]] const char* scanNameView(const char* p, std::string_view* out);
  const char* scanEscapedName(const char* start, const char* p, uint8_t stop, uint8_t escape,
                              std::string* out) const;
  template <bool kReuse, typename P>
  const char* parseTags(const char* p, P* pt);
  template <bool kReuse, typename P>
  const char* parseFields(const char* p, P* pt);
  template <typename P>
  [[gnu::always_inline]] const char* parseTimestamp(const char* p, P* pt);  // (as findStop)
  const char* parseValue(const char* p, FieldValue* v);
  const char* parseValue(const char* p, model::FieldView* v);
  // V: FieldValue, or model::FieldView (numbers and booleans only).
  template <typename V>
  const char* parseScalar(const char* p, bool in_array, V* v);
  template <typename V>
  const char* parseNumber(const char* p, bool in_array, V* v);
  template <typename V>
  const char* parseBool(const char* p, bool in_array, V* v);
  const char* parseQuoted(const char* p, FieldValue* v);
  const char* scanEscapedString(const char* p, std::string* s) const;
  const char* parseArray(const char* p, Array* arr);

  // A cleared string for an unescaped name or string of the current line (views point into it).
  // A deque: earlier strings never move when more are added.
  std::string* scratch() {
    if (scratch_used_ == scratch_.size()) scratch_.emplace_back();
    std::string* s = &scratch_[scratch_used_++];
    s->clear();
    return s;
  }

  const char* begin_;
  const char* end_;
  const DecodeOptions& opts_;
  Error err_;
  // Up to this many tags, each new tag key is compared with the earlier ones; a line with more
  // has its keys checked with a hash set (a hostile line may hold 100k tags).
  static constexpr size_t kPairwiseDuplicateCheck = 32;

  std::vector<const char*> tag_starts_;  // where each tag of the current line starts
  size_t tag_hint_ = 0;    // tag count of the previous point: metric batches are homogeneous
  size_t field_hint_ = 1;  // field count of the previous point
  std::deque<std::string> scratch_;  // unescaped names and strings of the current line (views)
  size_t scratch_used_ = 0;
};

// Where a parsed field value goes: the variant of a model::Field, or the model::FieldView itself.
inline FieldValue* valueSlot(Field& f) { return &f.value; }
inline model::FieldView* valueSlot(model::FieldView& f) { return &f; }

// Stores a scalar in a variant, or in a view's member of its type.
template <typename T>
inline void setValue(FieldValue* v, T x) {
  *v = x;
}
inline void setValue(model::FieldView* v, int64_t x) {
  v->type = model::FieldType::kInt;
  v->i = x;
}
inline void setValue(model::FieldView* v, uint64_t x) {
  v->type = model::FieldType::kUint;
  v->u = x;
}
inline void setValue(model::FieldView* v, double x) {
  v->type = model::FieldType::kFloat;
  v->f = x;
}
inline void setValue(model::FieldView* v, bool x) {
  v->type = model::FieldType::kBool;
  v->b = x;
}

// The first character of class `stop` in [p, end), or end. SSE2 looks at 16 bytes at a time.
// Always inlined: with the parser's two instantiations (decode(), LineReader) GCC stops inlining
// it on its own, and the call costs more than the scan of a short name.
template <uint8_t stop>
[[gnu::always_inline]] inline const char* findStop(const char* p, const char* end) {
  static_assert(stop == kMeasurementStop || stop == kKeyStop);
#if defined(__SSE2__)
  constexpr std::string_view chars = stop == kKeyStop ? kKeyStopChars : kMeasurementStopChars;
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i hits = _mm_setzero_si128();
    for (char c : chars) hits = _mm_or_si128(hits, _mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
    if (auto bits = static_cast<unsigned>(_mm_movemask_epi8(hits))) return p + __builtin_ctz(bits);
  }
#endif
  while (p != end && !(charClass(*p) & stop)) ++p;
  return p;
}

// Assigns [p, p + n) to *out. A name that fits the string's inline buffer (15 bytes) is copied
// with one fixed-size copy, which the compiler inlines, when 15 bytes are readable at p. kReuse:
// *out holds the previous line's name, usually the same one (a batch repeats its measurement and
// keys): then nothing is written.
template <bool kReuse>
void assignName(const char* p, size_t n, const char* end, std::string* out) {
  if constexpr (kReuse) {
    if (out->size() == n && std::memcmp(out->data(), p, n) == 0) return;
  }
  if (n <= 15 && end - p >= 15) {
    out->assign(p, 15);
    out->resize(n);
  } else {
    out->assign(p, n);
  }
}

// Reads a measurement (stop = kMeasurementStop) or key (kKeyStop) from p up to the first unescaped
// stop character. `\c` for c in `escape` is c; any other backslash is literal (InfluxDB's rule:
// `a\b` stays `a\b`).
// Out is std::string, or std::string_view (views: see scanNameView()).
template <uint8_t stop, uint8_t escape, bool kReuse, typename Out>
const char* LineParser::scanName(const char* p, Out* out) {
  if constexpr (std::is_same_v<Out, std::string_view>) {
    return scanNameView<stop, escape, kReuse>(p, out);
  } else {
    const char* start = p;
    p = findStop<stop>(p, end_);
    if (p == end_ || *p != '\\') [[likely]] {  // nothing to unescape
      assignName<kReuse>(start, static_cast<size_t>(p - start), end_, out);
      return p;
    }
    return scanEscapedName(start, p, stop, escape, out);
  }
}

// Whether the n bytes at a and b are equal: short names with a few fixed-size loads the compiler
// inlines (a call to memcmp costs more than the compare).
inline bool sameBytes(const char* a, const char* b, size_t n) {
  auto load64 = [](const char* c) {
    uint64_t v;
    std::memcpy(&v, c, 8);
    return v;
  };
  auto load32 = [](const char* c) {
    uint32_t v;
    std::memcpy(&v, c, 4);
    return v;
  };
  if (n >= 8 && n <= 16) return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
  if (n >= 4 && n < 8) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  if (n < 4) return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
  return std::memcmp(a, b, n) == 0;
}

// scanName() into a view: of the body, or of scratch() when the name has escapes. Always
// inlined: the call would cost more than the scan of a short tag value.
// kPrevious: *out holds the same name of the previous line (or is empty). Batches repeat their
// measurement and keys, so when that name is a view into the body (it had no escapes, hence no
// stop character and no backslash) and the text at p is the same name followed by a stop
// character other than a backslash, that is where the scan would stop: no scan is needed.
template <uint8_t stop, uint8_t escape, bool kPrevious>
inline const char* LineParser::scanNameView(const char* p, std::string_view* out) {
  if constexpr (kPrevious) {
    const std::string_view prev = *out;
    const size_t n = prev.size();
    const auto at = reinterpret_cast<uintptr_t>(prev.data());  // (unrelated pointers otherwise)
    if (n > 0 && at >= reinterpret_cast<uintptr_t>(begin_) &&
        at < reinterpret_cast<uintptr_t>(end_) && static_cast<size_t>(end_ - p) > n &&
        sameBytes(p, prev.data(), n) && (charClass(p[n]) & stop) && p[n] != '\\') {
      *out = std::string_view(p, n);
      return p + n;
    }
  }
  const char* start = p;
  p = findStop<stop>(p, end_);
  if (p == end_ || *p != '\\') [[likely]] {  // nothing to unescape
    *out = std::string_view(start, static_cast<size_t>(p - start));
    return p;
  }
  std::string* s = scratch();
  p = scanEscapedName(start, p, stop, escape, s);
  *out = *s;
  return p;
}

// scanName() past the first backslash at p.
const char* LineParser::scanEscapedName(const char* start, const char* p, uint8_t stop,
                                        uint8_t escape, std::string* out) const {
  out->assign(start, p);
  while (p != end_) {
    char c = *p;
    if (c == '\\') {
      if (p + 1 != end_ && (charClass(p[1]) & escape)) {
        out->push_back(p[1]);
        p += 2;
      } else {
        out->push_back('\\');
        ++p;
      }
      continue;
    }
    if (charClass(c) & stop) break;
    out->push_back(c);
    ++p;
  }
  return p;
}

template <bool kReuse, typename P>
const char* LineParser::parse(const char* p, P* pt) {
  pt->category = opts_.category;
  scratch_used_ = 0;
  p = scanName<kMeasurementStop, kMeasurementEscape, kReuse>(p, &pt->measurement);
  if (pt->measurement.empty()) return fail(p, kErrMissingMeasurement);
  if (p != end_ && *p == ',') {
    p = parseTags<kReuse>(p, pt);
    if (p == nullptr) return nullptr;
  } else if constexpr (kReuse) {
    pt->tags.clear();
  }
  if (p == end_ || *p != ' ') return fail(p, kErrMissingFields);
  while (p != end_ && *p == ' ') ++p;
  if (atLineEnd(p)) return fail(p, kErrMissingFields);
  p = parseFields<kReuse>(p, pt);
  if (p == nullptr) return nullptr;
  p = parseTimestamp(p, pt);
  if (p == nullptr) return nullptr;
  tag_hint_ = pt->tags.size();
  field_hint_ = pt->fields.size();
  return p;
}

// p is at the ',' after the measurement. Returns the position after the last tag value.
template <bool kReuse, typename P>
const char* LineParser::parseTags(const char* p, P* pt) {
  using TagT = typename decltype(pt->tags)::value_type;
  pt->tags.reserve(std::max<size_t>(tag_hint_, 1));
  tag_starts_.clear();
  size_t count = 0;  // tags of this line so far (kReuse: pt->tags may hold more, from before)
  while (p != end_ && *p == ',') {
    ++p;
    tag_starts_.push_back(p);
    // From an aggregate temporary: emplace_back() would value-initialise (zero-fill) it first.
    TagT& tag = kReuse && count < pt->tags.size() ? pt->tags[count] : pt->tags.emplace_back(TagT{});
    ++count;
    const char* key = p;
    p = scanName<kKeyStop, kKeyEscape, kReuse>(p, &tag.key);
    if (tag.key.empty()) return fail(key, kErrMissingTagKey);
    if (p == end_ || *p != '=') return fail(p, kErrMissingTagValue);
    ++p;
    p = scanName<kKeyStop, kKeyEscape, false>(p, &tag.value);  // values seldom repeat
    if (tag.value.empty()) return fail(p, kErrMissingTagValue);
    if (p != end_ && *p == '=') return fail(p, kErrInvalidTagFormat);
    if (count <= kPairwiseDuplicateCheck) {
      for (size_t i = 0; i + 1 < count; ++i) {
        if (pt->tags[i].key == tag.key) return fail(key, kErrDuplicateTags);
      }
    }
  }
  if constexpr (kReuse) pt->tags.resize(count);
  if (pt->tags.size() > kPairwiseDuplicateCheck) {  // many tags: no quadratic check
    std::unordered_set<std::string_view> keys;
    for (size_t i = 0; i < pt->tags.size(); ++i) {
      if (!keys.insert(pt->tags[i].key).second) return fail(tag_starts_[i], kErrDuplicateTags);
    }
  }
  return p;
}

// p is at the first field key. Returns the position after the last field value: a space before
// the timestamp or the line end.
template <bool kReuse, typename P>
const char* LineParser::parseFields(const char* p, P* pt) {
  using FieldT = typename decltype(pt->fields)::value_type;
  // One spare slot: the agent's time correction appends `__orig_time` to points it re-times
  // (agent/point_path.h), which would otherwise move every field of the point.
  pt->fields.reserve(field_hint_ + 1);
  size_t count = 0;  // (as the tags)
  for (;;) {
    FieldT& field =
        kReuse && count < pt->fields.size() ? pt->fields[count] : pt->fields.emplace_back(FieldT{});
    ++count;
    const char* key = p;
    p = scanName<kKeyStop, kKeyEscape, kReuse>(p, &field.key);
    if (field.key.empty()) return fail(key, kErrMissingFieldKey);
    if (p == end_ || *p != '=') return fail(p, kErrMissingFieldValue);
    ++p;
    p = parseValue(p, valueSlot(field));
    if (p == nullptr) return nullptr;
    if (p != end_ && *p == ',') {
      ++p;
      continue;
    }
    if (p == end_ || *p == ' ' || atLineEnd(p)) {
      if constexpr (kReuse) pt->fields.resize(count);
      return p;
    }
    // Only strings and arrays get here: numbers and booleans check what follows them.
    return fail(p, *p == '"' ? kErrUnbalancedQuotes : kErrInvalidFieldFormat);
  }
}

// p is after the fields (a space or the line end). Reads the optional timestamp and the line end;
// returns the start of the next line.
template <typename P>
inline const char* LineParser::parseTimestamp(const char* p, P* pt) {
  while (p != end_ && (*p == ' ' || *p == '\t')) ++p;
  if (atLineEnd(p)) {
    pt->time_ns = opts_.now_ns;
  } else {
    const char* start = p;
    bool negative = *p == '-';
    if (negative) ++p;
    const char* digits = p;
    uint64_t magnitude = 0;
    while (p != end_ && isDigit(*p)) magnitude = magnitude * 10 + static_cast<uint64_t>(*p++ - '0');
    int64_t ts = 0;
    bool ok = p - digits <= 19 ? p != digits && toInt64(magnitude, negative, &ts)
                               : std::from_chars(start, p, ts).ec == std::errc();
    if (!ok) return fail(start, p, kErrBadTimestamp);
    while (p != end_ && (*p == ' ' || *p == '\t')) ++p;
    if (!atLineEnd(p)) return fail(start, p, kErrBadTimestamp);
    if (!scaleTimestamp(ts, opts_.precision, &pt->time_ns)) {
      return fail(start, p, kErrTimestampRange);
    }
  }
  if (p != end_ && *p == '\r') ++p;
  if (p != end_ && *p == '\n') ++p;
  return p;
}

const char* LineParser::parseValue(const char* p, FieldValue* v) {
  if (p == end_ || *p == ',' || *p == ' ' || atLineEnd(p)) return fail(p, kErrMissingFieldValue);
  if (*p == '[') return parseArray(p, &v->emplace<Array>());
  return parseScalar(p, false, v);
}

// The view of a value: scalars as parseValue(FieldValue*) reads them; strings as views (into
// scratch() when escaped); arrays and bytes are kUnsupported.
const char* LineParser::parseValue(const char* p, model::FieldView* v) {
  if (p == end_ || *p == ',' || *p == ' ' || atLineEnd(p)) return fail(p, kErrMissingFieldValue);
  if (*p == '[') return fail(p, kUnsupported);
  if (*p == '"') {
    const char* open = p++;
    const char* close = static_cast<const char*>(memchr(p, '"', static_cast<size_t>(end_ - p)));
    if (close == nullptr) return fail(open, end_, kErrUnbalancedQuotes);
    if (memchr(p, '\\', static_cast<size_t>(close - p)) == nullptr) {  // no escapes
      v->s = std::string_view(p, static_cast<size_t>(close - p));
      p = close + 1;
    } else {
      std::string* s = scratch();
      p = scanEscapedString(p, s);
      if (p == nullptr) return fail(open, end_, kErrUnbalancedQuotes);
      v->s = *s;
    }
    if (p != end_ && *p == 'b') return fail(open, kUnsupported);
    v->type = model::FieldType::kString;
    return p;
  }
  return parseScalar(p, false, v);
}

template <typename V>
const char* LineParser::parseScalar(const char* p, bool in_array, V* v) {
  char c = *p;
  if constexpr (std::is_same_v<V, FieldValue>) {
    if (c == '"') return parseQuoted(p, v);
  }
  if (isDigit(c) || c == '-' || c == '.') return parseNumber(p, in_array, v);
  return parseBool(p, in_array, v);
}

// Number grammar: -?digits[.digits][(e|E)[+-]digits] with at least one mantissa digit, then 'i'
// (int64) or 'u' (uint64) when there is neither '.' nor exponent; no suffix means float.
template <typename V>
const char* LineParser::parseNumber(const char* p, bool in_array, V* v) {
  const char* start = p;
  bool negative = *p == '-';
  if (negative) ++p;
  // All mantissa digits go into `mantissa`; it is exact while there are at most 19 of them.
  uint64_t mantissa = 0;
  const char* int_start = p;
  while (p != end_ && isDigit(*p)) mantissa = mantissa * 10 + static_cast<uint64_t>(*p++ - '0');
  const char* int_end = p;
  const char* frac_start = p;
  bool is_float = false;
  if (p != end_ && *p == '.') {
    is_float = true;
    frac_start = ++p;
    while (p != end_ && isDigit(*p)) mantissa = mantissa * 10 + static_cast<uint64_t>(*p++ - '0');
  }
  const int64_t int_digits = int_end - int_start;
  const int64_t frac_digits = is_float ? p - frac_start : 0;
  const int64_t digits = int_digits + frac_digits;
  if (digits == 0) return fail(start, kErrInvalidNumber);
  int64_t exp10 = 0;
  if (p != end_ && (*p == 'e' || *p == 'E')) {
    is_float = true;
    ++p;
    bool exp_negative = false;
    if (p != end_ && (*p == '+' || *p == '-')) exp_negative = *p++ == '-';
    const char* exp_digits = p;
    for (; p != end_ && isDigit(*p); ++p) {
      if (exp10 < 1'000'000) exp10 = exp10 * 10 + (*p - '0');  // saturates: still out of range
    }
    if (p == exp_digits) return fail(start, kErrInvalidNumber);
    if (exp_negative) exp10 = -exp10;
  }
  const char* number_end = p;
  char suffix = 0;
  if (p != end_ && (*p == 'i' || *p == 'u')) {
    if (is_float) return fail(start, kErrInvalidNumber);
    suffix = *p++;
  }
  if (!atValueEnd(p, in_array)) return fail(start, kErrInvalidNumber);

  if (suffix == 'i') {
    int64_t x = 0;
    bool ok = digits <= 19 ? toInt64(mantissa, negative, &x)
                           : std::from_chars(start, number_end, x).ec == std::errc();
    if (!ok) return fail(start, kErrOutOfRange);
    setValue(v, x);
    return p;
  }
  if (suffix == 'u') {
    if (negative) return fail(start, kErrInvalidNumber);
    if (digits <= 19) {  // < 10^19: fits
      setValue(v, mantissa);
      return p;
    }
    uint64_t x = 0;
    if (std::from_chars(int_start, number_end, x).ec != std::errc()) {
      return fail(start, kErrOutOfRange);
    }
    setValue(v, x);
    return p;
  }
  // Fast path (Clinger): an exact mantissa times an exact power of ten is correctly rounded.
  int64_t scale = exp10 - frac_digits;
  if (digits <= 19 && mantissa <= (uint64_t{1} << 53) && scale >= -22 && scale <= 22) {
    double d = static_cast<double>(mantissa);
    d = scale < 0 ? d / kPow10[-scale] : d * kPow10[scale];
    setValue(v, negative ? -d : d);
    return p;
  }
  double d = 0;
  auto r = std::from_chars(start, number_end, d);
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow is an error; underflow is zero (as Go's strconv.ParseFloat). The value is >= 1
    // (so it overflowed) when its leading digit sits at a positive decimal exponent.
    int64_t magnitude = exp10;
    const char* q = int_start;
    while (q != int_end && *q == '0') ++q;
    if (q != int_end) {
      magnitude += int_end - q;
    } else {
      for (q = frac_start; q != number_end && *q == '0'; ++q) --magnitude;
    }
    if (magnitude > 0) return fail(start, kErrOutOfRange);
    d = negative ? -0.0 : 0.0;
  } else if (r.ec != std::errc() || r.ptr != number_end) {
    return fail(start, kErrInvalidNumber);
  }
  setValue(v, d);
  return p;
}

template <typename V>
const char* LineParser::parseBool(const char* p, bool in_array, V* v) {
  const char* start = p;
  while (p != end_ && !(charClass(*p) & kValueStop)) ++p;
  if (!atValueEnd(p, in_array)) return fail(start, kErrInvalidBoolean);
  std::string_view s(start, static_cast<size_t>(p - start));
  if (s == "t" || s == "T" || s == "true" || s == "True" || s == "TRUE") {
    setValue(v, true);
  } else if (s == "f" || s == "F" || s == "false" || s == "False" || s == "FALSE") {
    setValue(v, false);
  } else {
    return fail(start, kErrInvalidBoolean);
  }
  return p;
}

// A string field "..." (escapes \" and \\; any other backslash is literal; raw newlines allowed),
// or bytes "<base64>"b. p is at the opening quote; returns the position after the value.
const char* LineParser::parseQuoted(const char* p, FieldValue* v) {
  const char* open = p++;
  std::string& s = v->emplace<std::string>();
  const char* close = static_cast<const char*>(memchr(p, '"', static_cast<size_t>(end_ - p)));
  if (close == nullptr) return fail(open, end_, kErrUnbalancedQuotes);
  if (memchr(p, '\\', static_cast<size_t>(close - p)) == nullptr) {  // fast path: no escapes
    s.assign(p, close);
    p = close + 1;
  } else {
    p = scanEscapedString(p, &s);
    if (p == nullptr) return fail(open, end_, kErrUnbalancedQuotes);
  }
  if (p != end_ && *p == 'b') {
    ++p;
    std::string text = std::move(s);
    if (!decodeBase64(text, &v->emplace<Bytes>().data)) return fail(open, p, kErrInvalidBase64);
  }
  return p;
}

// Appends the string starting at p (after the opening quote) to *s with its escapes resolved;
// returns the position after the closing quote, or nullptr if there is none.
const char* LineParser::scanEscapedString(const char* p, std::string* s) const {
  for (;;) {
    if (p == end_) return nullptr;
    char c = *p;
    if (c == '"') return p + 1;
    if (c == '\\' && p + 1 != end_) {
      char next = p[1];
      if (next != '"' && next != '\\') s->push_back('\\');
      s->push_back(next);
      p += 2;
      continue;
    }
    s->push_back(c);
    ++p;
  }
}

// Array element I of FieldValue has the type of Array::Items alternative I.
template <size_t I>
void appendElement(Array::Items* items, FieldValue* v, bool first) {
  if (first) items->emplace<I>();
  std::get<I>(*items).push_back(std::move(std::get<I>(*v)));
}

// [v,v,...] of one basic type. p is at '['; returns the position after ']'.
const char* LineParser::parseArray(const char* p, Array* arr) {
  const char* open = p++;
  if (p != end_ && *p == ']') return fail(open, kErrEmptyArray);
  FieldValue element;
  for (bool first = true;; first = false) {
    if (p == end_) return fail(p, kErrInvalidArray);
    const char* element_start = p;
    if (*p == ',' || *p == ']' || *p == '[') return fail(p, kErrInvalidArray);
    p = parseScalar(p, true, &element);
    if (p == nullptr) return nullptr;
    if (!first && element.index() != arr->items.index()) {
      return fail(element_start, p, kErrMixedArray);
    }
    switch (element.index()) {
      case 0: appendElement<0>(&arr->items, &element, first); break;
      case 1: appendElement<1>(&arr->items, &element, first); break;
      case 2: appendElement<2>(&arr->items, &element, first); break;
      case 3: appendElement<3>(&arr->items, &element, first); break;
      case 4: appendElement<4>(&arr->items, &element, first); break;
      default: appendElement<5>(&arr->items, &element, first); break;
    }
    if (p == end_) return fail(p, kErrInvalidArray);
    if (*p == ']') return p + 1;
    if (*p != ',') return fail(p, kErrInvalidArray);
    ++p;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding.

// Bytes of the output string past its logical end serve as the write area: reserve() makes room
// for at least n bytes, commit() marks them written, the destructor trims the rest.
class OutBuffer {
 public:
  explicit OutBuffer(std::string* s) : s_(s), used_(s->size()) {}
  ~OutBuffer() { s_->resize(used_); }
  OutBuffer(const OutBuffer&) = delete;
  OutBuffer& operator=(const OutBuffer&) = delete;

  char* reserve(size_t n) {
    if (s_->size() - used_ < n) {
      size_t want = used_ + n;
      if (want > s_->capacity()) want = std::max(want, 2 * s_->capacity());
      s_->resize(want);
    }
    return s_->data() + used_;
  }
  void commit(const char* w) { used_ = static_cast<size_t>(w - s_->data()); }

 private:
  std::string* s_;
  size_t used_;
};

// A name without the trailing backslashes that would escape the separator after it.
std::string_view trimName(const std::string& s) {
  std::string_view v(s);
  while (!v.empty() && v.back() == '\\') v.remove_suffix(1);
  return v;
}

// Writes a name escaping the characters of class `escape` ('\n' becomes an escaped space). Names
// are short: a byte loop beats a memcpy call.
char* putName(char* w, std::string_view s, uint8_t escape) {
  for (char c : s) {
    if (charClass(c) & escape) [[unlikely]] {
      *w++ = '\\';
      c = c == '\n' ? ' ' : c;
    }
    *w++ = c;
  }
  return w;
}

char* putString(char* w, std::string_view s) {
  *w++ = '"';
  for (char c : s) {
    if (charClass(c) & kStringEncode) *w++ = '\\';
    *w++ = c;
  }
  *w++ = '"';
  return w;
}

// What std::to_chars(double) writes, computed without the general algorithm for the common case of
// a short decimal: |v| in [0.01, 1e11) with at most 4 fractional digits. Returns nullptr for any
// other value.
// Why it is exact: below 1e11 a double's rounding interval is narrower than 1e-4, so at most one
// decimal with 4 fractional digits rounds to v, and when there is one, rounding v * 1e4 to the
// nearest integer finds it (the product is off by less than 0.14). With its trailing zeros
// stripped it is the shortest round-trip form, which is what to_chars writes; and in this range
// to_chars picks fixed notation (never longer than scientific here; integers with 4 or more
// trailing zeros are left to to_chars).
char* putShortDecimal(char* w, double v) {
  const double a = std::fabs(v);
  if (!(a >= 0.01 && a < 1e11)) return nullptr;
  auto m = static_cast<uint64_t>(a * 1e4 + 0.5);
  if (static_cast<double>(m) / 1e4 != a) return nullptr;
  int k = 4;  // fractional digits
  while (k > 0 && m % 10 == 0) {
    m /= 10;
    --k;
  }
  if (k == 0 && m % 10000 == 0) return nullptr;
  char digits[24];
  const auto n = static_cast<int>(std::to_chars(digits, digits + sizeof(digits), m).ptr - digits);
  if (v < 0) *w++ = '-';
  int point = n - k;  // digits before the '.'
  if (point <= 0) {   // 0.0ddd
    *w++ = '0';
    *w++ = '.';
    for (; point < 0; ++point) *w++ = '0';
  }
  for (int i = 0; i < n; ++i) {
    if (i == point && i > 0) *w++ = '.';
    *w++ = digits[i];
  }
  return w;
}

constexpr size_t kNumberBound = 32;  // longest int/uint/double text plus suffix, rounded up

char* putScalar(char* w, int64_t v) {
  w = std::to_chars(w, w + kNumberBound, v).ptr;
  *w++ = 'i';
  return w;
}
char* putScalar(char* w, uint64_t v) {
  w = std::to_chars(w, w + kNumberBound, v).ptr;
  *w++ = 'u';
  return w;
}
char* putScalar(char* w, double v) {
  if (char* end = putShortDecimal(w, v)) return end;
  return std::to_chars(w, w + kNumberBound, v).ptr;
}
char* putScalar(char* w, bool v) {
  const char* s = v ? "true" : "false";
  size_t n = v ? 4 : 5;
  std::memcpy(w, s, n);
  return w + n;
}
char* putScalar(char* w, const std::string& v) { return putString(w, v); }
char* putScalar(char* w, const Bytes& v) {
  *w++ = '"';
  w = putBase64(w, v.data);
  *w++ = '"';
  *w++ = 'b';
  return w;
}

size_t scalarBound(const std::string& v) { return 2 + 2 * v.size(); }
size_t scalarBound(const Bytes& v) { return 3 + base64Size(v.data.size()); }
template <typename T>
size_t scalarBound(const T&) {
  return kNumberBound;
}

bool encodable(const Array& a) {
  if (a.size() == 0) return false;
  if (const auto* d = std::get_if<std::vector<double>>(&a.items)) {
    return std::all_of(d->begin(), d->end(), [](double x) { return std::isfinite(x); });
  }
  return true;
}

bool encodable(const Field& f) {
  if ((f.key.empty() || f.key.back() == '\\') && trimName(f.key).empty()) return false;
  switch (model::fieldType(f.value)) {
    case model::FieldType::kFloat: return std::isfinite(*std::get_if<double>(&f.value));
    case model::FieldType::kArray: return encodable(*std::get_if<Array>(&f.value));
    default: return true;
  }
}

size_t valueBound(const FieldValue& v) {
  switch (model::fieldType(v)) {
    case model::FieldType::kString: return scalarBound(*std::get_if<std::string>(&v));
    case model::FieldType::kBytes: return scalarBound(*std::get_if<Bytes>(&v));
    case model::FieldType::kArray: break;
    default: return kNumberBound;
  }
  return std::visit(
      [](const auto& x) -> size_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Array>) {
          return std::visit(
              [](const auto& items) {
                size_t n = 2;
                for (const auto& e : items) {
                  using E = typename std::decay_t<decltype(items)>::value_type;
                  n += 1 + scalarBound(static_cast<const E&>(e));
                }
                return n;
              },
              x.items);
        } else {
          return scalarBound(x);
        }
      },
      v);
}

char* putValue(char* w, const FieldValue& v) {
  if (const double* d = std::get_if<double>(&v)) return putScalar(w, *d);  // the common case
  return std::visit(
      [w](const auto& x) -> char* {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Array>) {
          return std::visit(
              [w](const auto& items) {
                char* o = w;
                *o++ = '[';
                for (size_t i = 0; i < items.size(); ++i) {
                  if (i > 0) *o++ = ',';
                  using E = typename std::decay_t<decltype(items)>::value_type;
                  o = putScalar(o, static_cast<const E&>(items[i]));
                }
                *o++ = ']';
                return o;
              },
              x.items);
        } else {
          return putScalar(w, x);
        }
      },
      v);
}

void encodePoint(const Point& p, OutBuffer* out) {
  std::string_view measurement = trimName(p.measurement);
  if (measurement.empty()) return;
  // Pass 1: what is written and an upper bound of its size (escaping at most doubles a name).
  size_t bound = 2 * measurement.size() + 2 + kNumberBound;  // + " <ts>\n"
  for (const auto& t : p.tags) bound += 2 + 2 * (t.key.size() + t.value.size());
  size_t fields = 0;
  for (const auto& f : p.fields) {
    if (!encodable(f)) continue;
    ++fields;
    bound += 2 + 2 * f.key.size() + valueBound(f.value);
  }
  if (fields == 0) return;
  // Pass 2: write.
  char* w = out->reserve(bound);
  w = putName(w, measurement, kMeasurementEncode);
  for (const auto& t : p.tags) {
    std::string_view key = trimName(t.key);
    std::string_view value = trimName(t.value);
    if (key.empty() || value.empty()) continue;
    *w++ = ',';
    w = putName(w, key, kKeyEncode);
    *w++ = '=';
    w = putName(w, value, kKeyEncode);
  }
  char separator = ' ';
  for (const auto& f : p.fields) {
    if (!encodable(f)) continue;
    *w++ = separator;
    separator = ',';
    w = putName(w, trimName(f.key), kKeyEncode);
    *w++ = '=';
    w = putValue(w, f.value);
  }
  *w++ = ' ';
  w = std::to_chars(w, w + kNumberBound, p.time_ns).ptr;
  *w++ = '\n';
  out->commit(w);
}

}  // namespace

Precision parsePrecision(std::string_view s) {
  if (s.empty()) return Precision::kAuto;
  if (s == "u" || s == "us") return Precision::kMicrosecond;
  if (s == "ms") return Precision::kMillisecond;
  if (s == "s") return Precision::kSecond;
  if (s == "m") return Precision::kMinute;
  if (s == "h") return Precision::kHour;
  return Precision::kNanosecond;  // "n", "ns" and anything unknown
}

std::string DecodeResult::errorMessage() const {
  if (ok()) return {};
  std::string out;
  for (const auto& e : errors) {
    out += "unable to parse '";
    out += e.line;
    out += "' (pos: ";
    out += std::to_string(e.pos);
    out += "): ";
    out += e.reason;
    out += '\n';
  }
  if (failed > errors.size()) {
    out += "... " + std::to_string(failed - errors.size()) + " more bad lines\n";
  }
  out += "ok: " + std::to_string(points.size()) + ", failed: " + std::to_string(failed);
  return out;
}

DecodeResult decode(std::string_view body, const DecodeOptions& opts) {
  DecodeResult result;
  if (body.empty()) return result;
  const char* p = body.data();
  const char* const end = p + body.size();

  // Expect the whole body to have the line length of its first 64 KiB ("m f=1\n" is the shortest
  // line, so a flood of empty lines does not reserve much).
  const size_t sample = std::min(body.size(), size_t{64} << 10);
  const size_t sample_lines = static_cast<size_t>(std::count(p, p + sample, '\n')) + 1;
  result.points.reserve(
      std::min(sample_lines * (body.size() / sample) + sample_lines, body.size() / 6 + 1));

  LineParser parser(p, end, opts);
  Point scratch;  // parsed into, then moved into result.points: no zeroing of vector slots
  const char* counted = p;  // '\n's before `counted` are in `line_no`
  size_t line_no = 1;
  while (p != end) {
    const char* line = p;
    while (p != end && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
    if (p == end) break;
    if (*p == '\n' || *p == '#') {  // blank line or comment
      const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(end - p)));
      p = nl != nullptr ? nl + 1 : end;
      continue;
    }
    const char* next = parser.parse<false>(p, &scratch);
    if (next != nullptr) {
      result.points.push_back(std::move(scratch));  // leaves scratch empty for the next line
      p = next;
      continue;
    }
    scratch.tags.clear();
    scratch.fields.clear();
    const auto& err = parser.error();
    const char* nl =
        static_cast<const char*>(memchr(err.resync, '\n', static_cast<size_t>(end - err.resync)));
    const char* line_end = nl != nullptr ? nl : end;
    p = nl != nullptr ? nl + 1 : end;
    ++result.failed;
    if (result.errors.size() >= kMaxLineErrors) continue;
    line_no += static_cast<size_t>(std::count(counted, line, '\n'));
    counted = line;
    while (line_end != line && (line_end[-1] == '\n' || line_end[-1] == '\r')) --line_end;
    size_t len = std::min(static_cast<size_t>(line_end - line), kMaxErrorLineBytes);
    result.errors.push_back(LineError{line_no, static_cast<size_t>(err.pos - line),
                                      std::string(line, len), err.reason});
  }
  return result;
}

class LineReader::Impl {
 public:
  Impl(std::string_view body, const DecodeOptions& opts)
      : p_(body.data()), end_(body.data() + body.size()), opts_(opts), parser_(p_, end_, opts_) {}

  template <typename P>
  Next next(P* pt) {
    if (bad_) return Next::kBadLine;
    while (p_ != end_) {
      // The same line rules as decode(): leading blanks, blank lines and comments.
      while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r')) ++p_;
      if (p_ == end_) break;
      if (*p_ == '\n' || *p_ == '#') {
        const char* nl = static_cast<const char*>(memchr(p_, '\n', static_cast<size_t>(end_ - p_)));
        p_ = nl != nullptr ? nl + 1 : end_;
        continue;
      }
      const char* next = parser_.parse<true>(p_, pt);  // overwrites *pt, reusing its strings
      if (next == nullptr) {
        if (parser_.error().reason == kUnsupported) return Next::kUnsupported;  // p_ stays
        bad_ = true;
        return Next::kBadLine;
      }
      p_ = next;
      return Next::kPoint;
    }
    return Next::kEnd;
  }

 private:
  const char* p_;
  const char* const end_;
  const DecodeOptions opts_;  // a copy: the parser keeps a reference
  LineParser parser_;
  bool bad_ = false;
};

LineReader::LineReader(std::string_view body, const DecodeOptions& opts)
    : impl_(std::make_unique<Impl>(body, opts)) {}
LineReader::~LineReader() = default;
LineReader::Next LineReader::next(Point* p) { return impl_->next(p); }
LineReader::Next LineReader::next(model::PointView* p) { return impl_->next(p); }

void encode(const Point& p, std::string* out) {
  OutBuffer buf(out);
  encodePoint(p, &buf);
}

// Asks for the cache lines of [p, p + n) (the tags or fields of a point ahead).
void prefetch(const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  for (size_t i = 0; i < n; i += 64) __builtin_prefetch(c + i);
}

void encode(std::span<const Point> pts, std::string* out) {
  OutBuffer buf(out);
  // Each point's tags and fields are separate heap blocks: fetch them a few points ahead.
  constexpr size_t kPrefetchDistance = 4;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (i + kPrefetchDistance < pts.size()) {
      const Point& ahead = pts[i + kPrefetchDistance];
      prefetch(ahead.tags.data(), ahead.tags.size() * sizeof(model::Tag));
      prefetch(ahead.fields.data(), ahead.fields.size() * sizeof(Field));
    }
    encodePoint(pts[i], &buf);
  }
}

}  // namespace sextant::codec::lp
