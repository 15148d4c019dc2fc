#include "model/check.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string_view>
#include <unordered_set>

namespace sextant::model {

namespace {

constexpr std::string_view kDefaultMeasurement = "__default";
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD
constexpr size_t kQuoteMax = 64;  // bytes of a key or value quoted in a message

// A limit of 0 means no limit.
bool exceeds(size_t len, size_t limit) { return limit != 0 && len > limit; }

// ---------------------------------------------------------------------------------------------
// Category rules (DataKit's DefaultMetricOptions / DefaultLoggingOptions / DefaultObjectOptions,
// as applied by its /v1/write handler).

struct RequiredKey {
  std::string_view key;
  std::string_view default_value;
};

constexpr std::string_view kLoggingForbidden[] = {"source", "date"};
constexpr std::string_view kObjectForbidden[] = {"class", "date"};
constexpr RequiredKey kLoggingRequired[] = {{"status", "info"}};
constexpr RequiredKey kObjectRequired[] = {{"name", "default"}};

struct Rules {
  bool string_fields = true;  // string and bytes fields allowed
  bool dots_in_keys = true;
  std::span<const std::string_view> forbidden;
  std::span<const RequiredKey> required;
  const std::vector<std::string>* extra_disabled = nullptr;
  bool any_disabled = false;  // forbidden or extra_disabled non-empty

  // Required keys are exempt from the key length limits: cutting one would make it missing.
  bool keyTooLong(std::string_view key, size_t limit) const {
    if (!exceeds(key.size(), limit)) return false;
    for (const RequiredKey& rk : required) {
      if (key == rk.key) return false;
    }
    return true;
  }

  bool disabled(std::string_view key) const {
    if (!any_disabled) return false;
    for (std::string_view f : forbidden) {
      if (key == f) return true;
    }
    for (const std::string& d : *extra_disabled) {
      if (key == d) return true;
    }
    return false;
  }
};

Rules rulesFor(Category c, const CheckOptions& o) {
  Rules r;
  r.extra_disabled = &o.disabled_keys;
  r.any_disabled = !o.disabled_keys.empty();
  if (!o.category_rules) return r;
  switch (c) {
    case Category::kMetric: r.string_fields = false; break;
    case Category::kLogging:
      r.dots_in_keys = false;
      r.forbidden = kLoggingForbidden;
      r.required = kLoggingRequired;
      break;
    case Category::kObject:
      r.dots_in_keys = false;
      r.forbidden = kObjectForbidden;
      r.required = kObjectRequired;
      break;
    default: break;
  }
  r.any_disabled = !r.forbidden.empty() || !o.disabled_keys.empty();
  return r;
}

// ---------------------------------------------------------------------------------------------
// Text scanning. scanText() looks at 8 bytes at a time for bytes >= 0x80, '\n' and '.'.

enum ScanBits : unsigned { kNonAscii = 1, kNewline = 2, kDot = 4 };

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// Non-zero iff some byte of v is zero (exact for "any", see Bit Twiddling Hacks).
inline uint64_t zeroByte(uint64_t v) { return (v - kOnes) & ~v & kHighs; }

inline uint64_t load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

inline uint64_t load32(const char* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// One pass over s: its ScanBits, and a 64-bit digest of its length and of up to 16 of its bytes
// (equal strings give equal digests; used to spot duplicate keys).
struct Scan {
  unsigned bits;
  uint64_t digest;
};

[[gnu::always_inline]] inline Scan scan(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t high = 0, newline = 0, dot = 0;
  auto word = [&](uint64_t w) {
    high |= w;
    newline |= zeroByte(w ^ (kOnes * '\n'));
    dot |= zeroByte(w ^ (kOnes * '.'));
  };
  // Whole words, then the rest through overlapping loads (re-reading a byte is harmless for
  // "does any byte match"); a zero byte matches neither '\n' nor '.'. No byte-wise copies:
  // they would stall store-to-load forwarding.
  uint64_t first = 0, last = 0;
  if (n >= 8) {
    first = load64(p);
    last = load64(p + n - 8);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) word(load64(p + i));
    if (i < n) word(last);
  } else if (n >= 4) {
    first = load32(p) | (load32(p + n - 4) << 32);
    word(first);
  } else if (n > 0) {
    const auto byte = [&](size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(p[i])); };
    first = byte(0) | (byte(n / 2) << 8) | (byte(n - 1) << 16);
    word(first);
  }
  uint64_t h = (first ^ (n * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;
  h ^= (last + (h >> 31)) * 0x94D049BB133111EBULL;
  const unsigned bits =
      ((high & kHighs) ? kNonAscii : 0u) | (newline ? kNewline : 0u) | (dot ? kDot : 0u);
  return Scan{bits, h ^ (h >> 29)};
}

inline unsigned scanText(std::string_view s) { return scan(s).bits; }

bool validUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

// Short strings: a quick ASCII check first. Long ones (log messages): simdjson's validator
// directly, which runs at many GB/s.
bool validUtf8Fast(std::string_view s) {
  if (s.size() > 64) return validUtf8(s);
  return !(scanText(s) & kNonAscii) || validUtf8(s);
}

// Length of the well-formed UTF-8 sequence at p (Unicode Table 3-7), or 0 if none starts there.
size_t sequenceLength(const unsigned char* p, size_t n) {
  const unsigned c = p[0];
  auto cont = [&](size_t i) { return (p[i] & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) return (n >= 2 && cont(1)) ? 2 : 0;
  if (c < 0xF0) {
    if (n < 3) return 0;
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return (p[1] >= lo && p[1] <= hi && cont(2)) ? 3 : 0;
  }
  if (c < 0xF5) {
    if (n < 4) return 0;
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return (p[1] >= lo && p[1] <= hi && cont(2) && cont(3)) ? 4 : 0;
  }
  return 0;
}

// Replaces each run of bytes that start no well-formed sequence with one U+FFFD.
void repairUtf8(std::string& s) {
  std::string out;
  out.reserve(s.size() + 8);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  bool in_bad_run = false;
  for (size_t i = 0; i < n;) {
    size_t len = sequenceLength(p + i, n - i);
    if (len == 0) {
      if (!in_bad_run) out += kReplacementChar;
      in_bad_run = true;
      ++i;
    } else {
      out.append(s, i, len);
      in_bad_run = false;
      i += len;
    }
  }
  s.swap(out);
}

// Cuts valid UTF-8 text to at most max bytes without splitting a character.
void truncateText(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

bool needsAdjust(std::string_view s) {
  return (!s.empty() && s.back() == '\\') || (scanText(s) & kNewline);
}

// DataKit's adjustKV: strip all trailing '\', then '\n' -> ' '.
void adjust(std::string& s) {
  while (!s.empty() && s.back() == '\\') s.pop_back();
  std::replace(s.begin(), s.end(), '\n', ' ');
}

// ---------------------------------------------------------------------------------------------
// Message helpers.

void appendPiece(std::string& out, std::string_view s) { out += s; }
void appendPiece(std::string& out, const char* s) { out += s; }
void appendPiece(std::string& out, const std::string& s) { out += s; }
template <typename T>
requires std::is_integral_v<T>
void appendPiece(std::string& out, T v) { out += std::to_string(v); }

template <typename... Args>
std::string cat(const Args&... args) {
  std::string out;
  (appendPiece(out, args), ...);
  return out;
}

// Go's %q, approximately: printable ASCII and valid UTF-8 kept, the rest escaped. At most
// kQuoteMax bytes of s are shown; a longer s gets "..." after the closing quote.
std::string quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  const std::string_view shown = s.substr(0, kQuoteMax);
  const auto* p = reinterpret_cast<const unsigned char*>(shown.data());
  for (size_t i = 0; i < shown.size();) {
    const unsigned char c = p[i];
    if (c >= 0x80) {
      size_t len = sequenceLength(p + i, shown.size() - i);
      if (len > 0) {
        out.append(shown.substr(i, len));
        i += len;
        continue;
      }
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c >= 0x7F) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  if (s.size() > kQuoteMax) out += "...";
  return out;
}

// Collects warnings; remembers the first one for strict mode.
class WarningSink {
 public:
  explicit WarningSink(std::vector<Warning>* out) : out_(out) {}

  void add(std::string_view type, std::string message) {
    if (count_++ == 0) first_ = Warning{std::string(type), message};
    if (out_ != nullptr) out_->push_back(Warning{std::string(type), std::move(message)});
  }
  size_t count() const { return count_; }
  const Warning& first() const { return first_; }

 private:
  std::vector<Warning>* out_;
  size_t count_ = 0;
  Warning first_;
};

// ---------------------------------------------------------------------------------------------
// The read-only check (the fast path for valid points).

// Keys seen so far, as bits of a 512-bit table indexed by digest: two keys on the same bit may
// be equal (and are then compared), keys on different bits are not.
class KeyFilter {
 public:
  void add(uint64_t digest) {
    const uint64_t bit = digest >> 55;  // 0..511
    const uint64_t mask = uint64_t{1} << (bit & 63);
    maybe_duplicate_ |= (table_[bit >> 6] & mask) != 0;
    table_[bit >> 6] |= mask;
  }
  bool maybeDuplicate() const { return maybe_duplicate_; }

 private:
  uint64_t table_[8] = {};
  bool maybe_duplicate_ = false;
};

inline bool keyValid(std::string_view k, size_t max_len, const Rules& r, KeyFilter& keys) {
  if (k.empty() || r.keyTooLong(k, max_len) || k.back() == '\\') return false;
  const Scan sc = scan(k);
  if ((sc.bits & kNewline) || (!r.dots_in_keys && (sc.bits & kDot))) return false;
  if ((sc.bits & kNonAscii) && !validUtf8(k)) return false;
  keys.add(sc.digest);
  return !r.disabled(k);
}

inline bool tagValueValid(std::string_view v, size_t max_len) {
  if (exceeds(v.size(), max_len) || (!v.empty() && v.back() == '\\')) return false;
  const unsigned bits = scanText(v);
  return !(bits & kNewline) && (!(bits & kNonAscii) || validUtf8(v));
}

inline bool stringFieldValid(std::string_view s, const CheckOptions& o, const Rules& r) {
  return r.string_fields && !exceeds(s.size(), o.max_field_value_len) && validUtf8Fast(s);
}

inline bool fieldValueValid(const Field& field, const CheckOptions& o, const Rules& r) {
  const FieldValue& v = field.value;
  switch (fieldType(v)) {
    case FieldType::kInt:
    case FieldType::kBool: return true;
    case FieldType::kUint: return o.allow_uint_fields;
    case FieldType::kFloat: return !std::isinf(*std::get_if<double>(&v));
    case FieldType::kString: return stringFieldValid(std::get<std::string>(v), o, r);
    case FieldType::kBytes:
      return r.string_fields && !exceeds(std::get<Bytes>(v).data.size(), o.max_field_value_len);
    case FieldType::kArray: {
      const auto* strings = std::get_if<std::vector<std::string>>(&std::get<Array>(v).items);
      if (strings == nullptr) return true;
      return std::all_of(strings->begin(), strings->end(),
                         [](const std::string& s) { return validUtf8Fast(s); });
    }
  }
  return false;
}

// The same rules on a view (scalars and strings only).
inline bool fieldValueValid(const FieldView& v, const CheckOptions& o, const Rules& r) {
  switch (v.type) {
    case FieldType::kInt:
    case FieldType::kBool: return true;
    case FieldType::kUint: return o.allow_uint_fields;
    case FieldType::kFloat: return !std::isinf(v.f);
    case FieldType::kString: return stringFieldValid(v.s, o, r);
    default: return false;
  }
}

constexpr size_t kFilterMaxKeys = 32;  // beyond this the 512-bit filter is too crowded

// True if two tags, two fields, or a tag and a field share a key. Keys whose digests differ are
// never compared. P: Point or PointView.
template <typename P>
bool hasDuplicateKeys(const P& p) {
  const size_t nt = p.tags.size(), n = nt + p.fields.size();
  auto key = [&](size_t i) -> std::string_view {
    return i < nt ? std::string_view(p.tags[i].key) : std::string_view(p.fields[i - nt].key);
  };
  if (n <= kFilterMaxKeys) {
    KeyFilter filter;
    for (size_t i = 0; i < n; ++i) filter.add(scan(key(i)).digest);
    if (!filter.maybeDuplicate()) return false;
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n; ++j) {
        if (key(i) == key(j)) return true;
      }
    }
    return false;
  }
  std::vector<std::string_view> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) keys.push_back(key(i));
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

template <typename P>
bool hasKey(const P& p, std::string_view key) {
  for (const auto& t : p.tags) {
    if (t.key == key) return true;
  }
  for (const auto& f : p.fields) {
    if (f.key == key) return true;
  }
  return false;
}

// Asks for the first cache lines of an array early, so that the fetches of the tag and field
// arrays (separate allocations, usually not in cache) overlap instead of queueing.
template <typename T>
inline void prefetchArray(const std::vector<T>& v) {
  constexpr size_t kLine = 64, kMaxLines = 8;
  const char* begin = reinterpret_cast<const char*>(v.data());
  const size_t bytes = std::min(v.size() * sizeof(T), kLine * kMaxLines);
  for (size_t off = 0; off < bytes; off += kLine) __builtin_prefetch(begin + off);
}

template <typename P>
bool isNormalizedImpl(const P& p, const CheckOptions& o, const Rules& r) {
  prefetchArray(p.tags);
  prefetchArray(p.fields);
  if (p.measurement.empty() || exceeds(p.measurement.size(), o.max_measurement_len) ||
      !validUtf8Fast(p.measurement)) {
    return false;
  }
  if (p.fields.empty() || exceeds(p.fields.size(), o.max_fields) ||
      exceeds(p.tags.size(), o.max_tags)) {
    return false;
  }
  KeyFilter keys;
  size_t compose = 0;
  for (const auto& t : p.tags) {
    if (!keyValid(t.key, o.max_tag_key_len, r, keys) ||
        !tagValueValid(t.value, o.max_tag_value_len)) {
      return false;
    }
    compose += t.key.size() + t.value.size();
  }
  if (exceeds(compose, o.max_tag_key_value_compose_len)) return false;
  for (const auto& f : p.fields) {
    if (!keyValid(f.key, o.max_field_key_len, r, keys) || !fieldValueValid(f, o, r)) {
      return false;
    }
  }
  const bool filtered = p.tags.size() + p.fields.size() <= kFilterMaxKeys;
  if ((!filtered || keys.maybeDuplicate()) && hasDuplicateKeys(p)) return false;
  for (const RequiredKey& rk : r.required) {
    if (!hasKey(p, rk.key)) return false;
  }
  return true;
}

// The value checks of isNormalizedImpl (for points whose names are known to pass).
template <typename P>
bool valuesNormalized(const P& p, const CheckOptions& o, const Rules& r) {
  size_t compose = 0;
  for (const auto& t : p.tags) {
    if (!tagValueValid(t.value, o.max_tag_value_len)) return false;
    compose += t.key.size() + t.value.size();
  }
  if (exceeds(compose, o.max_tag_key_value_compose_len)) return false;
  for (const auto& f : p.fields) {
    if (!fieldValueValid(f, o, r)) return false;
  }
  return true;
}

// Whether a and b (n bytes each) are equal: short names with a few fixed-size loads the
// compiler inlines (a call to memcmp costs more than the compare).
inline bool equalBytes(const char* a, const char* b, size_t n) {
  if (n >= 8 && n <= 16) {
    return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
  }
  if (n >= 4 && n < 8) {
    return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  }
  if (n < 4) {
    return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
  }
  return std::memcmp(a, b, n) == 0;
}

// ---------------------------------------------------------------------------------------------
// The repairing pass (only for points that failed the check above).

class Normalizer {
 public:
  Normalizer(Point& p, const CheckOptions& o, const Rules& r, WarningSink& sink)
      : p_(p), o_(o), r_(r), sink_(sink) {}

  void run() {
    checkMeasurement();
    trimCounts();
    tag_state_.assign(p_.tags.size(), 0);
    field_state_.assign(p_.fields.size(), 0);
    for (size_t i = 0; i < p_.tags.size(); ++i) checkTag(i);
    for (size_t i = 0; i < p_.fields.size(); ++i) checkField(i);
    resolveDuplicateKeys();
    eraseDropped(p_.tags, tag_state_);
    eraseDropped(p_.fields, field_state_);
    checkComposeLength();
    addRequiredKeys();
    if (p_.fields.empty()) sink_.add(kWarnNoField, "no field");
  }

 private:
  enum State : uint8_t { kDropped = 1, kRenamed = 2 };

  void checkMeasurement() {
    std::string& m = p_.measurement;
    if (!validUtf8Fast(m)) {
      sink_.add(kWarnInvalidUtf8,
                cat("invalid UTF-8 in measurement ", quote(m), ", replaced with U+FFFD"));
      repairUtf8(m);
    }
    if (m.empty()) {
      sink_.add(kWarnInvalidMeasurement, cat("empty measurement, use ", kDefaultMeasurement));
      m = kDefaultMeasurement;
    }
    if (exceeds(m.size(), o_.max_measurement_len)) {
      sink_.add(kWarnInvalidMeasurement,
                cat("exceed max measurement length(", o_.max_measurement_len, "), got length ",
                    m.size(), ", trimmed"));
      truncateText(m, o_.max_measurement_len);
      // A limit below the first character's width would leave nothing.
      if (m.empty()) m = kDefaultMeasurement.substr(0, o_.max_measurement_len);
    }
  }

  void trimCounts() {
    if (exceeds(p_.fields.size(), o_.max_fields)) {
      sink_.add(kWarnExceedMaxFields, cat("exceed max field count(", o_.max_fields, "), got ",
                                          p_.fields.size(), " fields, extra fields deleted"));
      p_.fields.resize(o_.max_fields);
    }
    if (exceeds(p_.tags.size(), o_.max_tags)) {
      sink_.add(kWarnExceedMaxTags, cat("exceed max tag count(", o_.max_tags, "), got ",
                                        p_.tags.size(), " tags, extra tags deleted"));
      p_.tags.resize(o_.max_tags);
    }
  }

  void checkUtf8Key(std::string& k, std::string_view what, uint8_t& state) {
    if (validUtf8Fast(k)) return;
    sink_.add(kWarnInvalidUtf8,
              cat("invalid UTF-8 in ", what, " ", quote(k), ", replaced with U+FFFD"));
    repairUtf8(k);
    state |= kRenamed;
  }

  // Empty or forbidden keys: true if the tag / field must be dropped.
  bool keyDisabled(const std::string& k, std::string_view type, std::string_view what) {
    if (k.empty()) {
      sink_.add(type, cat("empty ", what, " disabled"));
      return true;
    }
    if (r_.disabled(k)) {
      sink_.add(type, cat(what, " ", quote(k), " disabled"));
      return true;
    }
    return false;
  }

  void checkTag(size_t i) {
    Tag& t = p_.tags[i];
    uint8_t& state = tag_state_[i];
    checkUtf8Key(t.key, "tag key", state);
    if (r_.keyTooLong(t.key, o_.max_tag_key_len)) {
      sink_.add(kWarnExceedMaxTagKeyLen, cat("exceed max tag key length(", o_.max_tag_key_len,
                                             "), got ", t.key.size(), ", key truncated"));
      truncateText(t.key, o_.max_tag_key_len);
      state |= kRenamed;
    }
    if (needsAdjust(t.key)) {
      sink_.add(kWarnInvalidTagKey,
                cat("invalid tag key ", quote(t.key), ", replace \\ or \\n with ''"));
      adjust(t.key);
      state |= kRenamed;
    }
    if (!r_.dots_in_keys && t.key.find('.') != std::string::npos) {
      sink_.add(kWarnInvalidTagKey, cat("invalid tag key `", t.key, "': found `.'"));
      std::replace(t.key.begin(), t.key.end(), '.', '_');
      state |= kRenamed;
    }
    if (keyDisabled(t.key, kWarnTagDisabled, "tag key")) {
      state |= kDropped;
      return;
    }

    std::string& v = t.value;
    if (!validUtf8Fast(v)) {
      sink_.add(kWarnInvalidUtf8,
                cat("invalid UTF-8 in value of tag ", quote(t.key), ", replaced with U+FFFD"));
      repairUtf8(v);
    }
    if (exceeds(v.size(), o_.max_tag_value_len)) {
      sink_.add(kWarnExceedMaxTagValueLen, cat("exceed max tag value length(", o_.max_tag_value_len,
                                               "), got ", v.size(), ", value truncated"));
      truncateText(v, o_.max_tag_value_len);
    }
    if (needsAdjust(v)) {
      sink_.add(kWarnNewLineOrTailEscape,
                cat("invalid tag value ", quote(v), ", found \\n or tail \\"));
      adjust(v);
    }
  }

  void checkField(size_t i) {
    Field& f = p_.fields[i];
    uint8_t& state = field_state_[i];
    checkUtf8Key(f.key, "field key", state);
    if (r_.keyTooLong(f.key, o_.max_field_key_len)) {
      sink_.add(kWarnExceedMaxFieldKeyLen, cat("exceed max field key length(", o_.max_field_key_len,
                                               "), got length ", f.key.size(), ", key truncated"));
      truncateText(f.key, o_.max_field_key_len);
      state |= kRenamed;
    }
    if (!r_.dots_in_keys && f.key.find('.') != std::string::npos) {
      sink_.add(kWarnDotInKey, cat("invalid field key `", f.key, "': found `.'"));
      std::replace(f.key.begin(), f.key.end(), '.', '_');
      state |= kRenamed;
    }
    if (needsAdjust(f.key)) {
      sink_.add(kWarnNewLineOrTailEscape,
                cat("invalid field key ", quote(f.key), ": found \\n, replaced with ' '"));
      adjust(f.key);
      state |= kRenamed;
    }
    if (keyDisabled(f.key, kWarnFieldDisabled, "field key") || !checkFieldValue(f)) {
      state |= kDropped;
    }
  }

  // False if the field must be dropped.
  bool checkFieldValue(Field& f) {
    switch (fieldType(f.value)) {
      case FieldType::kInt:
      case FieldType::kBool: return true;
      case FieldType::kUint: {
        if (o_.allow_uint_fields) return true;
        const uint64_t u = std::get<uint64_t>(f.value);
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          sink_.add(kWarnExceedMaxFieldValueInt,
                    cat("too large int field: key=", f.key, ", value=", u, "(> ",
                        std::numeric_limits<int64_t>::max(), ")"));
          return false;
        }
        f.value = static_cast<int64_t>(u);  // DataKit converts silently
        return true;
      }
      case FieldType::kFloat: {
        double& d = std::get<double>(f.value);
        if (std::isinf(d) && d > 0) {
          sink_.add(kWarnConvertInfToMax,
                    cat("+inf value from ", quote(f.key), " convert to max-uint64"));
          d = static_cast<double>(std::numeric_limits<uint64_t>::max());
        } else if (std::isinf(d)) {
          sink_.add(kWarnConvertInfToMin,
                    cat("-inf value from ", quote(f.key), " convert to min-int64"));
          d = static_cast<double>(std::numeric_limits<int64_t>::min());
        }
        return true;
      }
      case FieldType::kString:
      case FieldType::kBytes: return checkStringValue(f);
      case FieldType::kArray: {
        auto* strings = std::get_if<std::vector<std::string>>(&std::get<Array>(f.value).items);
        if (strings == nullptr) return true;
        bool warned = false;
        for (std::string& s : *strings) {
          if (validUtf8Fast(s)) continue;
          if (!warned) {
            sink_.add(kWarnInvalidUtf8, cat("invalid UTF-8 in string array field ", quote(f.key),
                                            ", replaced with U+FFFD"));
            warned = true;
          }
          repairUtf8(s);
        }
        return true;
      }
    }
    return true;
  }

  bool checkStringValue(Field& f) {
    const bool is_text = fieldType(f.value) == FieldType::kString;
    if (!r_.string_fields) {
      sink_.add(
          kWarnInvalidFieldValueType,
          cat("field(", f.key, ") dropped with string value, when [DisableStringField] enabled"));
      return false;
    }
    std::string& s = is_text ? std::get<std::string>(f.value) : std::get<Bytes>(f.value).data;
    if (is_text && !validUtf8Fast(s)) {
      sink_.add(kWarnInvalidUtf8,
                cat("invalid UTF-8 in string field ", quote(f.key), ", replaced with U+FFFD"));
      repairUtf8(s);
    }
    if (exceeds(s.size(), o_.max_field_value_len)) {
      sink_.add(kWarnExceedMaxFieldValueLen,
                cat("field (", f.key, ") exceed max field value length(", o_.max_field_value_len,
                    "), got ", s.size(), ", value truncated"));
      if (is_text) {
        truncateText(s, o_.max_field_value_len);
      } else {
        s.resize(o_.max_field_value_len);
      }
    }
    return true;
  }

  // Rules 24-26: unchanged keys first (tags, then fields), then renamed ones, so that a renamed
  // key never displaces an original one.
  void resolveDuplicateKeys() {
    bool renamed = false;
    for (uint8_t s : tag_state_) renamed |= (s & kRenamed) != 0;
    for (uint8_t s : field_state_) renamed |= (s & kRenamed) != 0;
    if (!renamed && !hasDuplicateKeys(p_)) return;

    std::unordered_set<std::string_view> tag_keys, field_keys;
    auto live = [](uint8_t s, bool want_renamed) {
      return !(s & kDropped) && ((s & kRenamed) != 0) == want_renamed;
    };
    for (size_t i = 0; i < p_.tags.size(); ++i) {
      if (!live(tag_state_[i], false)) continue;
      const std::string& k = p_.tags[i].key;
      if (!tag_keys.insert(k).second) {
        sink_.add(kWarnKeyNameConflict, cat("same key (", quote(k), ")"));
        tag_state_[i] |= kDropped;
      }
    }
    for (size_t i = 0; i < p_.fields.size(); ++i) {
      if (!live(field_state_[i], false)) continue;
      const std::string& k = p_.fields[i].key;
      if (tag_keys.count(k) != 0) {
        sink_.add(kWarnSameTagFieldKey, cat("same key `", k, "' in tag and field, key dropped"));
        field_state_[i] |= kDropped;
      } else if (!field_keys.insert(k).second) {
        sink_.add(kWarnKeyNameConflict, cat("same key (", quote(k), ")"));
        field_state_[i] |= kDropped;
      }
    }
    auto taken = [&](std::string_view k) {
      return tag_keys.count(k) != 0 || field_keys.count(k) != 0;
    };
    for (size_t i = 0; i < p_.tags.size(); ++i) {
      if (!live(tag_state_[i], true)) continue;
      const std::string& k = p_.tags[i].key;
      if (taken(k)) {
        sink_.add(kWarnInvalidTagKey, cat("tag key ", quote(k), " exist after adjust"));
        tag_state_[i] |= kDropped;
      } else {
        tag_keys.insert(k);
      }
    }
    for (size_t i = 0; i < p_.fields.size(); ++i) {
      if (!live(field_state_[i], true)) continue;
      const std::string& k = p_.fields[i].key;
      if (taken(k)) {
        sink_.add(kWarnInvalidTagKey, cat("field key ", quote(k), " exist after adjust"));
        field_state_[i] |= kDropped;
      } else {
        field_keys.insert(k);
      }
    }
  }

  template <typename T>
  static void eraseDropped(std::vector<T>& v, const std::vector<uint8_t>& state) {
    size_t out = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if (state[i] & kDropped) continue;
      if (out != i) v[out] = std::move(v[i]);
      ++out;
    }
    v.resize(out);
  }

  void checkComposeLength() {
    const size_t limit = o_.max_tag_key_value_compose_len;
    if (limit == 0) return;
    size_t total = 0;
    for (const Tag& t : p_.tags) total += t.key.size() + t.value.size();
    if (total <= limit) return;
    size_t sum = 0, keep = 0;
    while (sum + p_.tags[keep].key.size() + p_.tags[keep].value.size() <= limit) {
      sum += p_.tags[keep].key.size() + p_.tags[keep].value.size();
      ++keep;
    }
    std::string dropped;
    for (size_t i = keep; i < p_.tags.size() && i < keep + 8; ++i) {
      if (i > keep) dropped += ",";
      dropped += quote(p_.tags[i].key);
    }
    if (p_.tags.size() > keep + 8) dropped += ",...";
    sink_.add(kWarnExceedTagKeyValueCompose,
              cat("exceed max tag key-value compose length(", limit, "), got ", total, ", dropped ",
                  p_.tags.size() - keep, " tags: ", dropped));
    p_.tags.resize(keep);
  }

  void addRequiredKeys() {
    size_t added = 0;
    for (const RequiredKey& rk : r_.required) {
      if (hasKey(p_, rk.key)) continue;
      sink_.add(kWarnAddRequiredKV,
                cat("add required key-value ", quote(rk.key), ": ", quote(rk.default_value)));
      std::string value(rk.default_value);
      truncateText(value, o_.max_field_value_len == 0 ? value.size() : o_.max_field_value_len);
      p_.addField(std::string(rk.key), std::move(value));
      ++added;
    }
    if (added == 0 || !exceeds(p_.fields.size(), o_.max_fields)) return;
    // Make room: drop the last fields before the added ones.
    const size_t excess = p_.fields.size() - o_.max_fields;
    const size_t others = p_.fields.size() - added;
    const size_t remove = std::min(excess, others);
    sink_.add(kWarnExceedMaxFields, cat("exceed max field count(", o_.max_fields, "), got ",
                                        p_.fields.size(), " fields, extra fields deleted"));
    p_.fields.erase(p_.fields.begin() + static_cast<ptrdiff_t>(others - remove),
                    p_.fields.begin() + static_cast<ptrdiff_t>(others));
  }

  Point& p_;
  const CheckOptions& o_;
  const Rules& r_;
  WarningSink& sink_;
  std::vector<uint8_t> tag_state_;
  std::vector<uint8_t> field_state_;
};

}  // namespace

Status normalize(Point& p, const CheckOptions& opts, std::vector<Warning>* warnings) {
  const Rules rules = rulesFor(p.category, opts);
  if (isNormalizedImpl(p, opts, rules)) return Status::ok();
  WarningSink sink(warnings);
  Normalizer(p, opts, rules, sink).run();
  if (opts.strict && sink.count() > 0) {
    return invalidArgument(sink.first().type + ": " + sink.first().message);
  }
  return Status::ok();
}

bool isNormalized(const Point& p, const CheckOptions& opts) {
  return isNormalizedImpl(p, opts, rulesFor(p.category, opts));
}

bool isNormalized(const PointView& p, const CheckOptions& opts) {
  return isNormalizedImpl(p, opts, rulesFor(p.category, opts));
}

bool ViewCheck::sameNames(const PointView& p) const {
  if (!have_ || p.category != category_ || p.tags.size() != tags_ || p.fields.size() != fields_) {
    return false;
  }
  const char* names = names_.data();
  const uint32_t* end = ends_.data();
  size_t at = 0;
  auto same = [&](std::string_view name) {
    const size_t next = *end++;
    const bool eq = next - at == name.size() && equalBytes(names + at, name.data(), name.size());
    at = next;
    return eq;
  };
  if (!same(p.measurement)) return false;
  for (const TagView& t : p.tags) {
    if (!same(t.key)) return false;
  }
  for (const FieldView& f : p.fields) {
    if (!same(f.key)) return false;
  }
  return true;
}

void ViewCheck::remember(const PointView& p) {
  names_.clear();
  ends_.clear();
  auto add = [&](std::string_view name) {
    names_.append(name);
    ends_.push_back(static_cast<uint32_t>(names_.size()));
  };
  add(p.measurement);
  for (const TagView& t : p.tags) add(t.key);
  for (const FieldView& f : p.fields) add(f.key);
  category_ = p.category;
  tags_ = p.tags.size();
  fields_ = p.fields.size();
  have_ = names_.size() <= UINT32_MAX;
}

bool ViewCheck::isNormalized(const PointView& p) {
  // The names passed before (measurement, counts, keys, duplicates, required keys): only the
  // values are left to check, and of the category's rules only whether strings are allowed.
  if (sameNames(p)) {
    Rules values;
    values.string_fields = string_fields_;
    return valuesNormalized(p, opts_, values);
  }
  const Rules rules = rulesFor(p.category, opts_);
  if (!isNormalizedImpl(p, opts_, rules)) return false;
  remember(p);
  string_fields_ = rules.string_fields;
  return true;
}

}  // namespace sextant::model
