#include "codec/prometheus_text/prometheus_text.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_set>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "codec/prometheus_text/name_index.h"

namespace sextant::codec::prom {
namespace {

// Character classes of the Prometheus name grammars: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label
// names [a-zA-Z_][a-zA-Z0-9_]*.
enum : uint8_t { kMetricStart = 1, kMetricChar = 2, kLabelStart = 4, kLabelChar = 8 };

constexpr std::array<uint8_t, 256> makeClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    uint8_t v = 0;
    if (alpha || c == ':') v |= kMetricStart | kMetricChar;
    if (digit) v |= kMetricChar | kLabelChar;
    if (alpha) v |= kLabelStart | kLabelChar;
    t[static_cast<size_t>(c)] = v;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kClasses = makeClasses();

// Eight bytes at a time (SWAR): the bytes of w equal to c get their high bit set in the result.
// Borrows can only set bits above a true match, so the lowest set bit is exact.
constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;
inline uint64_t load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}
inline uint64_t matchByte(uint64_t w, unsigned char c) {
  uint64_t x = w ^ (kOnes * c);
  return (x - kOnes) & ~x & kHighs;
}
constexpr bool kLittleEndian = std::endian::native == std::endian::little;

inline bool is(char c, uint8_t cls) { return (kClasses[static_cast<unsigned char>(c)] & cls) != 0; }
inline bool isBlank(char c) { return c == ' ' || c == '\t'; }

size_t skipBlanks(std::string_view s, size_t p) {
  while (p < s.size() && isBlank(s[p])) ++p;
  return p;
}

// The bytes of w that are not name bytes ([a-zA-Z0-9_], and ':' when `colon`): high bit set in
// the result, exact for every byte (no borrow between bytes, unlike matchByte).
inline uint64_t nonNameBytes(uint64_t w, bool colon) {
  constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
  const uint64_t x = w & kLow7;  // bytes >= 0x80 are never name bytes: see the end
  // v >= lo per byte, for 7-bit v (v + 0x80 - lo stays below 0x100: no carry between bytes).
  auto atLeast = [](uint64_t v, unsigned lo) { return (v + kOnes * (0x80 - lo)) & kHighs; };
  auto equal = [&](unsigned c) {
    const uint64_t y = x ^ (kOnes * c);
    return ~(((y & kLow7) + kLow7) | y) & kHighs;
  };
  const uint64_t lower = x | (kOnes * 0x20);  // A-Z to a-z (nothing else lands in a-z)
  uint64_t ok = (atLeast(lower, 'a') & ~atLeast(lower, 'z' + 1)) |
                (atLeast(x, '0') & ~atLeast(x, '9' + 1)) | equal('_');
  if (colon) ok |= equal(':');
  return (~ok & kHighs) | (w & kHighs);
}

// End of the run of name bytes ([a-zA-Z0-9_], and ':' when kColon) starting at p: eight bytes
// at a time, then byte by byte.
template <bool kColon>
inline size_t nameEnd(std::string_view s, size_t p) {
#if defined(__SSE2__)
  // Sixteen bytes at a time where SSE2 is there (every x86-64). Signed byte compares: bytes >= 0x80
  // are negative, below every bound, so never name bytes.
  while (p + 16 <= s.size()) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + p));
    const __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));  // A-Z to a-z
    const __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                        _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                        _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    __m128i ok = _mm_or_si128(_mm_or_si128(alpha, digit), _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
    if constexpr (kColon) ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
    const unsigned bad = ~static_cast<unsigned>(_mm_movemask_epi8(ok)) & 0xffffu;
    if (bad != 0) return p + static_cast<size_t>(std::countr_zero(bad));
    p += 16;
  }
#endif
  if constexpr (kLittleEndian) {
    while (p + 8 <= s.size()) {
      const uint64_t bad = nonNameBytes(load64(s.data() + p), kColon);
      if (bad != 0) return p + static_cast<size_t>(std::countr_zero(bad)) / 8;
      p += 8;
    }
  }
  const uint8_t cls = kColon ? kMetricChar : kLabelChar;
  while (p < s.size() && is(s[p], cls)) ++p;
  return p;
}

// End of the run of non-blank characters starting at p.
size_t tokenEnd(std::string_view s, size_t p) {
  while (p < s.size() && !isBlank(s[p])) ++p;
  return p;
}

// Go's %q, roughly: the text in double quotes, `"` and `\` escaped, other control and non-ASCII
// bytes as \xNN; cut at 64 bytes.
std::string quote(std::string_view s) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMax) out += "...";
  out += '"';
  return out;
}

// What was found at p, for "expected X, got Y" messages.
std::string got(std::string_view line, size_t p) {
  if (p >= line.size()) return "end of line";
  size_t end = tokenEnd(line, p);
  if (end == p) end = p + 1;  // a blank
  return quote(line.substr(p, end - p));
}

// Length of the valid UTF-8 sequence starting at s[0] (a byte >= 0x80), 0 if invalid (overlong
// forms, surrogates and code points above U+10FFFF are invalid).
size_t utf8SequenceLength(const unsigned char* s, size_t avail) {
  unsigned char c = s[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xbf;  // range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (avail < len) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if ((s[i] & 0xc0) != 0x80) return 0;
  }
  return len;
}

bool equalsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// The fast path of parseFloat for what exporters mostly write (`1`, `0.25`, `1.782468771e+09`):
// unsigned decimal digits with an optional fraction and exponent whose significand (all digits,
// the point ignored) is below 2^53 and whose decimal exponent is within +-22. Both the significand
// and the power of ten are then exact doubles, so one multiplication or division gives the
// correctly rounded value (Clinger's fast path), the same double strtod gives. Anything else
// (more digits, bigger exponents, a malformed number) returns false and takes the general path.
bool parseSimpleDecimal(std::string_view t, double* out) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  constexpr uint64_t kMaxExact = uint64_t{1} << 53;
  constexpr size_t kMaxDigits = 17;  // keeps the significand far from uint64 overflow
  size_t i = 0;
  const size_t n = t.size();
  uint64_t m = 0;
  size_t digits = 0;
  int exp10 = 0;
  while (i < n && t[i] >= '0' && t[i] <= '9') {
    m = m * 10 + static_cast<uint64_t>(t[i] - '0');
    ++i;
    ++digits;
  }
  if (i < n && t[i] == '.') {
    ++i;
    while (i < n && t[i] >= '0' && t[i] <= '9') {
      m = m * 10 + static_cast<uint64_t>(t[i] - '0');
      ++i;
      ++digits;
      --exp10;
    }
  }
  if (digits == 0 || digits > kMaxDigits) return false;
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < n && (t[i] == '+' || t[i] == '-')) {
      eneg = t[i] == '-';
      ++i;
    }
    const size_t exp_begin = i;
    int e = 0;
    while (i < n && t[i] >= '0' && t[i] <= '9' && i - exp_begin < 4) {
      e = e * 10 + (t[i] - '0');
      ++i;
    }
    if (i == exp_begin) return false;
    exp10 += eneg ? -e : e;
  }
  if (i != n || m >= kMaxExact || exp10 < -22 || exp10 > 22) return false;
  double v = static_cast<double>(m);
  *out = exp10 < 0 ? v / kPow10[-exp10] : v * kPow10[exp10];
  return true;
}

// Go's strconv.ParseFloat(s, 64) for what exporters write: decimal numbers with optional sign,
// fraction and exponent; Inf/Infinity with optional sign and NaN without, in any case. Values out
// of the double range are errors, values too small become 0 (both as Go). No hex floats, no
// underscores.
bool parseFloat(std::string_view t, double* out) {
  if (t.empty()) return false;
  size_t i = 0;
  bool neg = false;
  if (t[0] == '+' || t[0] == '-') {
    neg = t[0] == '-';
    i = 1;
  }
  if (i == t.size()) return false;
  char c = t[i];
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    std::string_view word = t.substr(i);
    if (equalsIgnoreCase(word, "inf") || equalsIgnoreCase(word, "infinity")) {
      *out =
          neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
      return true;
    }
    if (i == 0 && equalsIgnoreCase(word, "nan")) {
      *out = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    return false;
  }
  if (!((c >= '0' && c <= '9') || c == '.')) return false;
  if (parseSimpleDecimal(t.substr(i), out)) {
    if (neg) *out = -*out;
    return true;
  }
  double v = 0;
  const char* first = t.data() + i;
  const char* last = t.data() + t.size();
  auto r = std::from_chars(first, last, v, std::chars_format::general);
  if (r.ptr != last) return false;
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow is an error, underflow gives 0 or a subnormal: ask strtod which one it is.
    std::string copy(first, last);
    v = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(v)) return false;
  } else if (r.ec != std::errc()) {
    return false;
  }
  *out = neg ? -v : v;
  return true;
}

// A text 0.0.4 timestamp: a signed decimal int64 (Go's strconv.ParseInt(s, 10, 64)).
bool parseIntTimestamp(std::string_view t, int64_t* out) {
  size_t i = 0;
  if (!t.empty() && t[0] == '+') i = 1;
  if (i == t.size()) return false;
  if (i == 1 && !(t[1] >= '0' && t[1] <= '9')) return false;
  const char* last = t.data() + t.size();
  auto r = std::from_chars(t.data() + i, last, *out);
  return r.ec == std::errc() && r.ptr == last;
}

// An OpenMetrics timestamp, seconds as a real number, to ms rounded to the nearest (half away from
// zero). Plain decimals are converted digit by digit, so `1520879607.789` is exactly
// 1520879607789; other forms (exponents) go through a double.
bool parseSecondsTimestamp(std::string_view t, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    neg = t[0] == '-';
    i = 1;
  }
  size_t int_begin = i;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
  size_t int_end = i;
  size_t frac_begin = i, frac_end = i;
  if (i < t.size() && t[i] == '.') {
    frac_begin = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    frac_end = i;
  }
  bool plain = i == t.size() && (int_end > int_begin || frac_end > frac_begin);
  if (plain) {
    // Accumulate a negative magnitude so INT64_MIN ms is reachable.
    int64_t ms = 0;
    for (size_t k = int_begin; k < int_end; ++k) {
      if (__builtin_mul_overflow(ms, 10, &ms) || __builtin_sub_overflow(ms, t[k] - '0', &ms)) {
        return false;
      }
    }
    if (__builtin_mul_overflow(ms, 1000, &ms)) return false;
    int64_t frac = 0;
    for (size_t k = 0; k < 3; ++k) {
      size_t pos = frac_begin + k;
      frac = frac * 10 + (pos < frac_end ? t[pos] - '0' : 0);
    }
    if (__builtin_sub_overflow(ms, frac, &ms)) return false;
    if (frac_begin + 3 < frac_end && t[frac_begin + 3] >= '5') {
      if (__builtin_sub_overflow(ms, 1, &ms)) return false;
    }
    if (!neg) {
      if (ms == std::numeric_limits<int64_t>::min()) return false;
      ms = -ms;
    }
    *out = ms;
    return true;
  }
  double seconds = 0;
  if (!parseFloat(t, &seconds) || !std::isfinite(seconds)) return false;
  double ms = std::round(seconds * 1000.0);
  // The int64 range is [-2^63, 2^63); both bounds are exact doubles.
  if (!(ms >= -9223372036854775808.0 && ms < 9223372036854775808.0)) return false;
  *out = static_cast<int64_t>(ms);
  return true;
}

// Unescapes `\\` and `\n`, and `\"` when `quote` (label values; OpenMetrics HELP texts); other
// backslashes stay as written (0.0.4 HELP texts know only the first two escapes).
std::string unescape(std::string_view s, bool quote) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      char n = s[i + 1];
      if (n == '\\' || n == 'n' || (n == '"' && quote)) {
        out += n == 'n' ? '\n' : n;
        ++i;
        continue;
      }
    }
    out += c;
  }
  return out;
}

bool typeFromName(std::string_view s, Format format, MetricType* type) {
  static constexpr std::pair<std::string_view, MetricType> kCommon[] = {
      {"counter", MetricType::kCounter},
      {"gauge", MetricType::kGauge},
      {"histogram", MetricType::kHistogram},
      {"summary", MetricType::kSummary},
  };
  static constexpr std::pair<std::string_view, MetricType> kOpenMetricsOnly[] = {
      {"unknown", MetricType::kUntyped},
      {"gaugehistogram", MetricType::kGaugeHistogram},
      {"stateset", MetricType::kStateSet},
      {"info", MetricType::kInfo},
  };
  for (const auto& [name, t] : kCommon) {
    if (s == name) {
      *type = t;
      return true;
    }
  }
  if (format == Format::kText004) {
    if (s == "untyped") {
      *type = MetricType::kUntyped;
      return true;
    }
    return false;
  }
  for (const auto& [name, t] : kOpenMetricsOnly) {
    if (s == name) {
      *type = t;
      return true;
    }
  }
  return false;
}

// Whether a sample named exactly like its family belongs to it. Text 0.0.4 does not care;
// OpenMetrics counters, histograms, gauge histograms and infos only have suffixed samples.
bool bareNameAllowed(MetricType type, Format format) {
  if (format == Format::kText004) return true;
  switch (type) {
    case MetricType::kUntyped:
    case MetricType::kGauge:
    case MetricType::kSummary:
    case MetricType::kStateSet: return true;
    default: return false;
  }
}

constexpr std::string_view kSuffixes[] = {"_bucket",  "_sum",  "_count",  "_total",
                                          "_created", "_gsum", "_gcount", "_info"};

// Whether a sample named <family><suffix> belongs to a family of this type.
bool suffixAllowed(MetricType type, std::string_view suffix, Format format) {
  bool om = format == Format::kOpenMetrics;
  switch (type) {
    case MetricType::kHistogram:
      return suffix == "_bucket" || suffix == "_sum" || suffix == "_count" ||
             (om && suffix == "_created");
    case MetricType::kSummary:
      return suffix == "_sum" || suffix == "_count" || (om && suffix == "_created");
    case MetricType::kCounter: return om && (suffix == "_total" || suffix == "_created");
    case MetricType::kGaugeHistogram:
      return om && (suffix == "_bucket" || suffix == "_gsum" || suffix == "_gcount");
    case MetricType::kInfo: return om && suffix == "_info";
    default: return false;
  }
}

std::string_view typeWord(MetricType type) {
  switch (type) {
    case MetricType::kUntyped: return "untyped";
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
    case MetricType::kStateSet: return "stateset";
    case MetricType::kInfo: return "info";
  }
  return "untyped";
}

}  // namespace

Format formatFromContentType(std::string_view content_type) {
  size_t semi = content_type.find(';');
  std::string_view media = content_type.substr(0, semi);
  while (!media.empty() && isBlank(media.front())) media.remove_prefix(1);
  while (!media.empty() && isBlank(media.back())) media.remove_suffix(1);
  return equalsIgnoreCase(media, "application/openmetrics-text") ? Format::kOpenMetrics
                                                                 : Format::kText004;
}

std::string_view metricTypeName(MetricType type, Format format) {
  if (type == MetricType::kUntyped && format == Format::kOpenMetrics) return "unknown";
  return typeWord(type);
}

std::string ParseError::toString() const {
  return "text format parsing error in line " + std::to_string(line) + ", column " +
         std::to_string(column) + ": " + message;
}

std::string formatGoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits in scientific form: "-1.2345e+06", "5e-03".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  size_t e = sci.find('e');
  std::string_view mant = sci.substr(0, e);
  int exp = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp);
  bool neg = mant.starts_with('-');
  if (neg) mant.remove_prefix(1);
  if (exp < -4 || exp >= 6) return std::string(sci);  // Go's %e form: same spelling
  std::string digits;
  for (char c : mant)
    if (c != '.') digits.push_back(c);
  std::string out = neg ? "-" : "";
  int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-dp), '0');
    out += digits;
  } else if (static_cast<size_t>(dp) >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(dp) - digits.size(), '0');
  } else {
    out.append(digits, 0, static_cast<size_t>(dp));
    out += '.';
    out.append(digits, static_cast<size_t>(dp), std::string::npos);
  }
  return out;
}

size_t Exposition::sampleCount() const {
  size_t n = 0;
  for (const Family& f : families_) n += f.samples.size();
  return n;
}

// One parse: walks the body line by line and fills an Exposition. Line parsers return false after
// setting err_column_/err_message_ (the line is then dropped whole).
class TextParser {
 public:
  TextParser(std::string_view body, Format format, ErrorPolicy policy)
      : body_(body), format_(format), om_(format == Format::kOpenMetrics), policy_(policy) {}

  Result<Exposition> run() {
    // Estimates from the body's size, no pass over it: labels_ and the vectors grow past them
    // (samples and exemplars keep label indices until the end, when the spans are made). The real
    // exporters write 80-170 bytes per sample, 30-45 bytes per label and 200-400 per family.
    out_.labels_.reserve(body_.size() / 32 + 16);
    const size_t families = body_.size() / 200 + 16;
    out_.families_.reserve(families);
    typed_.reserve(families);
    sample_counts_.reserve(families);
    by_name_ = NameIndex(families);
    samples_.reserve(body_.size() / 100 + 16);

    size_t line_no = 0;
    size_t start = 0;
    bool eof = false;
    while (start < body_.size()) {
      const char* nl =
          static_cast<const char*>(std::memchr(body_.data() + start, '\n', body_.size() - start));
      size_t end = nl == nullptr ? body_.size() : static_cast<size_t>(nl - body_.data());
      std::string_view line = body_.substr(start, end - start);
      start = end + 1;
      ++line_no;
      while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (eof) {
        if (skipBlanks(line, 0) == line.size()) continue;
        err_column_ = 1;
        err_message_ = "unexpected data after # EOF";
        if (!fail(line_no)) return error_;
        break;
      }
      if (!parseLine(line, &eof) && !fail(line_no)) return error_;
    }
    if (om_ && !eof) {
      err_column_ = 1;
      err_message_ = "expected # EOF at the end of OpenMetrics input";
      if (!fail(line_no + 1)) return error_;
    }
    // labels_ is final: the spans of exemplars, then samples into their families (each vector
    // allocated once at its final size) with theirs.
    const Label* labels = out_.labels_.data();
    for (const auto& [ex, begin, count] : exemplar_labels_)
      ex->labels = std::span<const Label>(labels + begin, count);
    for (size_t f = 0; f < out_.families_.size(); ++f)
      out_.families_[f].samples.reserve(sample_counts_[f]);
    for (const PendingSample& p : samples_) {
      Sample& s = out_.families_[p.family].samples.emplace_back(p.sample);
      s.labels = std::span<const Label>(labels + p.label_begin, p.label_count);
    }
    return std::move(out_);
  }

 private:
  // Records the current error. Returns false when the parse must stop (strict policy).
  bool fail(size_t line_no) {
    ParseError e{line_no, err_column_, std::move(err_message_)};
    if (policy_ == ErrorPolicy::kStrict) {
      error_ = invalidArgument(e.toString());
      return false;
    }
    ++out_.error_count_;
    if (out_.errors_.size() < kMaxErrors) out_.errors_.push_back(std::move(e));
    return true;
  }

  bool error(size_t pos, std::string message) {
    err_column_ = pos + 1;
    err_message_ = std::move(message);
    return false;
  }

  bool parseLine(std::string_view line, bool* eof) {
    size_t p = skipBlanks(line, 0);
    if (p == line.size()) return true;
    if (line[p] == '#') return parseComment(line, p + 1, eof);
    return parseSample(line, p);
  }

  // `# HELP name text`, `# TYPE name type`, `# UNIT name unit` (OpenMetrics), `# EOF`
  // (OpenMetrics); any other comment is ignored.
  bool parseComment(std::string_view line, size_t p, bool* eof) {
    p = skipBlanks(line, p);
    size_t kw_end = tokenEnd(line, p);
    std::string_view kw = line.substr(p, kw_end - p);
    if (om_ && kw == "EOF" && skipBlanks(line, kw_end) == line.size()) {
      *eof = true;
      return true;
    }
    enum { kHelp, kType, kUnit } what;
    if (kw == "HELP") {
      what = kHelp;
    } else if (kw == "TYPE") {
      what = kType;
    } else if (kw == "UNIT" && om_) {
      what = kUnit;
    } else {
      return true;
    }
    size_t name_begin = skipBlanks(line, kw_end);
    if (name_begin == line.size()) return true;  // `# HELP` alone: a comment
    size_t q = name_begin;
    if (is(line[q], kMetricStart)) {
      ++q;
      q = nameEnd</*kColon=*/true>(line, q);
    }
    if (q == name_begin || (q < line.size() && !isBlank(line[q]))) {
      return error(name_begin, "invalid metric name in comment, got " + got(line, name_begin));
    }
    std::string_view name = line.substr(name_begin, q - name_begin);
    size_t rest_begin = skipBlanks(line, q);
    std::string_view rest = line.substr(rest_begin);

    if (what == kHelp) {
      uint32_t f = findOrCreateFamily(name);
      if (out_.families_[f].help) {
        return error(name_begin, "second HELP line for metric name " + quote(name));
      }
      out_.families_[f].help = unescapedHelp(rest);
      current_ = f;
      return true;
    }
    while (!rest.empty() && isBlank(rest.back())) rest.remove_suffix(1);
    if (what == kUnit) {
      uint32_t f = findOrCreateFamily(name);
      if (out_.families_[f].unit) {
        return error(name_begin, "second UNIT line for metric name " + quote(name));
      }
      out_.families_[f].unit = rest;
      current_ = f;
      return true;
    }
    MetricType type;
    if (!typeFromName(rest, format_, &type)) {
      return error(rest_begin, "unknown metric type " + quote(rest));
    }
    uint32_t found = findFamily(name);
    if (found != NameIndex::kMissing) {
      if (typed_[found]) {
        return error(name_begin, "second TYPE line for metric name " + quote(name));
      }
      if (sample_counts_[found] != 0) {
        return error(name_begin, "TYPE reported after samples for metric name " + quote(name));
      }
    }
    uint32_t f = found != NameIndex::kMissing ? found : createFamily(name);
    out_.families_[f].type = type;
    typed_[f] = true;
    current_ = f;
    return true;
  }

  std::string_view unescapedHelp(std::string_view text) {
    // A backslash before the last byte means an escape may be there.
    if (text.size() < 2 || std::memchr(text.data(), '\\', text.size() - 1) == nullptr) return text;
    return own(unescape(text, /*quote=*/om_));
  }

  std::string_view own(std::string s) {
    out_.unescaped_.push_back(std::make_unique<std::string>(std::move(s)));
    return *out_.unescaped_.back();
  }

  uint32_t createFamily(std::string_view name) {
    auto index = static_cast<uint32_t>(out_.families_.size());
    out_.families_.emplace_back();
    out_.families_.back().name = name;
    typed_.push_back(false);
    sample_counts_.push_back(0);
    by_name_.insert(name, index);
    return index;
  }

  // The family of that name: the current one (a TYPE line after its HELP line), else looked up.
  uint32_t findFamily(std::string_view name) const {
    if (current_ != kNone && out_.families_[current_].name == name) return current_;
    return by_name_.find(name);
  }

  uint32_t findOrCreateFamily(std::string_view name) {
    uint32_t found = findFamily(name);
    return found != NameIndex::kMissing ? found : createFamily(name);
  }

  bool accepts(const Family& f, std::string_view sample) const {
    if (sample.size() == f.name.size()) return sample == f.name && bareNameAllowed(f.type, format_);
    if (sample.size() < f.name.size() || sample.compare(0, f.name.size(), f.name) != 0)
      return false;
    return suffixAllowed(f.type, sample.substr(f.name.size()), format_);
  }

  // The family a sample belongs to: the current family (the last one named by a HELP/TYPE/UNIT
  // line or a sample) if the name fits it; else the family of that exact name; else the family
  // whose name is the sample's minus a suffix its type allows; else a new untyped family.
  bool familyFor(std::string_view name, uint32_t* out) {
    if (current_ != kNone && accepts(out_.families_[current_], name)) {
      *out = current_;
      return true;
    }
    uint32_t found = by_name_.find(name);
    if (found != NameIndex::kMissing) {
      const Family& f = out_.families_[found];
      if (!accepts(f, name)) {
        return error(0, "sample name " + quote(name) + " does not fit the " +
                            std::string(typeWord(f.type)) + " family " + quote(f.name));
      }
      *out = found;
      return true;
    }
    for (std::string_view suffix : kSuffixes) {
      if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
      uint32_t base = by_name_.find(name.substr(0, name.size() - suffix.size()));
      if (base != NameIndex::kMissing &&
          suffixAllowed(out_.families_[base].type, suffix, format_)) {
        *out = base;
        return true;
      }
    }
    *out = createFamily(name);
    return true;
  }

  // `{name="value",...}` starting at the '{' at *p; appends to labels_ and moves *p past the '}'.
  bool parseLabels(std::string_view line, size_t* p) {
    const size_t first_label = out_.labels_.size();
    size_t q = skipBlanks(line, *p + 1);
    if (q < line.size() && line[q] == '}') {
      *p = q + 1;
      return true;
    }
    for (;;) {
      size_t name_begin = q;
      if (q < line.size() && is(line[q], kLabelStart)) {
        ++q;
        q = nameEnd</*kColon=*/false>(line, q);
      }
      if (q == name_begin) return error(q, "expected label name, got " + got(line, q));
      std::string_view name = line.substr(name_begin, q - name_begin);
      if (q + 1 < line.size() && line[q] == '=' && line[q + 1] == '"') {
        ++q;  // what exporters write: no blanks around '='
      } else {
        q = skipBlanks(line, q);
        if (q >= line.size() || line[q] != '=') {
          return error(q, "expected '=' after label name " + quote(name) + ", got " + got(line, q));
        }
        q = skipBlanks(line, q + 1);
        if (q >= line.size() || line[q] != '"') {
          return error(q, "expected '\"' at start of label value, got " + got(line, q));
        }
      }
      std::string_view value;
      if (!parseLabelValue(line, &q, &value)) return false;
      if (isDuplicate(first_label, name)) {
        return error(name_begin, "duplicate label name " + quote(name));
      }
      out_.labels_.push_back(Label{name, value});
      q = skipBlanks(line, q);
      if (q < line.size() && line[q] == ',') {
        q = skipBlanks(line, q + 1);
        if (q < line.size() && line[q] == '}') break;  // a trailing comma
        continue;
      }
      if (q < line.size() && line[q] == '}') break;
      return error(q, "expected ',' or '}' after label value, got " + got(line, q));
    }
    *p = q + 1;
    return true;
  }

  bool isDuplicate(size_t first_label, std::string_view name) {
    size_t n = out_.labels_.size() - first_label;
    if (n < kLinearDuplicateCheck) {
      // Names are never empty; the size and first byte settle most pairs without memcmp.
      for (size_t i = first_label; i < out_.labels_.size(); ++i) {
        const std::string_view other = out_.labels_[i].name;
        if (other.size() == name.size() && other[0] == name[0] && other == name) return true;
      }
      return false;
    }
    if (n == kLinearDuplicateCheck) {  // every long label list passes here first
      dup_names_.clear();
      for (size_t i = first_label; i < out_.labels_.size(); ++i) {
        dup_names_.insert(out_.labels_[i].name);
      }
    }
    return !dup_names_.insert(name).second;
  }

  // The quoted value starting at the '"' at *p: `\\`, `\"` and `\n` are unescaped, other
  // backslashes kept as written; must be valid UTF-8. Moves *p past the closing quote.
  bool parseLabelValue(std::string_view line, size_t* p, std::string_view* value) {
    const size_t open = *p;
    size_t q = open + 1;
    bool escaped = false;
    const auto* bytes = reinterpret_cast<const unsigned char*>(line.data());
    while (q < line.size()) {
      bool found = false;
#if defined(__SSE2__)
      // Sixteen bytes at a time where SSE2 is there (every x86-64): the first '"', '\\' or byte
      // >= 0x80 (its own high bit).
      while (q + 16 <= line.size()) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line.data() + q));
        const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                             v);
        const auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
        if (mask != 0) {
          q += static_cast<size_t>(std::countr_zero(mask));
          found = true;
          break;
        }
        q += 16;
      }
#endif
      if constexpr (kLittleEndian) {
        // Skip plain ASCII eight bytes at a time, up to the first '"', '\\' or byte >= 0x80.
        while (!found && q + 8 <= line.size()) {
          uint64_t w = load64(line.data() + q);
          uint64_t special = matchByte(w, '"') | matchByte(w, '\\') | (w & kHighs);
          if (special != 0) {
            q += static_cast<size_t>(std::countr_zero(special)) / 8;
            break;
          }
          q += 8;
        }
        if (q >= line.size()) break;
      }
      unsigned char c = bytes[q];
      if (c == '"') break;
      if (c == '\\') {
        escaped = true;
        if (++q == line.size()) break;
        c = bytes[q];
      }
      if (c < 0x80) {
        ++q;
        continue;
      }
      size_t len = utf8SequenceLength(bytes + q, line.size() - q);
      if (len == 0) return error(q, "invalid UTF-8 in label value");
      q += len;
    }
    if (q >= line.size()) return error(open, "unterminated label value");
    std::string_view raw = line.substr(open + 1, q - open - 1);
    *p = q + 1;
    if (!escaped) {
      *value = raw;
      return true;
    }
    *value = own(unescape(raw, /*quote=*/true));
    return true;
  }

  // ` # {labels} value [timestamp]` with *p at the '#'.
  // The exemplar's labels are at [*label_begin, labels_.size()) afterwards.
  bool parseExemplar(std::string_view line, size_t* p, Exemplar* ex, size_t* label_begin) {
    size_t q = skipBlanks(line, *p + 1);
    if (q >= line.size() || line[q] != '{') {
      return error(q, "expected '{' at start of exemplar labels, got " + got(line, q));
    }
    *label_begin = out_.labels_.size();
    if (!parseLabels(line, &q)) return false;
    q = skipBlanks(line, q);
    size_t end = tokenEnd(line, q);
    if (!parseFloat(line.substr(q, end - q), &ex->value)) {
      return error(q, "expected float as exemplar value, got " + got(line, q));
    }
    q = skipBlanks(line, end);
    if (q < line.size()) {
      end = tokenEnd(line, q);
      int64_t ts;
      if (!parseSecondsTimestamp(line.substr(q, end - q), &ts)) {
        return error(q, "expected float as exemplar timestamp, got " + got(line, q));
      }
      ex->timestamp_ms = ts;
      q = skipBlanks(line, end);
    }
    if (q < line.size()) return error(q, "spurious string after exemplar: " + got(line, q));
    *p = q;
    return true;
  }

  bool parseSample(std::string_view line, size_t p) {
    const size_t label_begin = out_.labels_.size();
    if (!parseSampleInto(line, p)) {
      out_.labels_.resize(label_begin);
      return false;
    }
    return true;
  }

  bool parseSampleInto(std::string_view line, size_t p) {
    const size_t name_begin = p;
    if (!is(line[p], kMetricStart)) return error(p, "invalid metric name, got " + got(line, p));
    ++p;
    p = nameEnd</*kColon=*/true>(line, p);
    Sample s;
    s.name = line.substr(name_begin, p - name_begin);
    size_t q = skipBlanks(line, p);
    const size_t label_begin = out_.labels_.size();
    if (q < line.size() && line[q] == '{') {
      if (!parseLabels(line, &q)) return false;
      q = skipBlanks(line, q);
    } else if (q == p && q < line.size()) {
      return error(q, "expected blank or '{' after metric name, got " + got(line, q));
    }
    const size_t label_count = out_.labels_.size() - label_begin;  // the span is made in run()
    size_t end = tokenEnd(line, q);
    if (!parseFloat(line.substr(q, end - q), &s.value)) {
      return error(q, "expected float as value, got " + got(line, q));
    }
    q = skipBlanks(line, end);
    Exemplar ex;
    bool has_exemplar = false;
    size_t ex_label_begin = 0;
    if (q < line.size() && !(om_ && line[q] == '#')) {
      end = tokenEnd(line, q);
      std::string_view t = line.substr(q, end - q);
      int64_t ts;
      if (om_ ? !parseSecondsTimestamp(t, &ts) : !parseIntTimestamp(t, &ts)) {
        return error(q, std::string(om_ ? "expected float as timestamp, got "
                                        : "expected integer as timestamp, got ") +
                            got(line, q));
      }
      s.timestamp_ms = ts;
      q = skipBlanks(line, end);
    }
    if (q < line.size() && om_ && line[q] == '#') {
      if (!parseExemplar(line, &q, &ex, &ex_label_begin)) return false;
      has_exemplar = true;
    }
    if (q < line.size()) return error(q, "spurious string after timestamp: " + got(line, q));

    uint32_t f;
    if (!familyFor(s.name, &f)) {
      err_column_ = name_begin + 1;
      return false;
    }
    if (has_exemplar) {
      out_.exemplars_.push_back(ex);
      s.exemplar = &out_.exemplars_.back();
      exemplar_labels_.push_back(
          {&out_.exemplars_.back(), ex_label_begin, out_.labels_.size() - ex_label_begin});
    }
    samples_.push_back(PendingSample{f, static_cast<uint32_t>(label_count), label_begin, s});
    ++sample_counts_[f];
    current_ = f;
    return true;
  }

  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  static constexpr size_t kLinearDuplicateCheck = 16;

  const std::string_view body_;
  const Format format_;
  const bool om_;
  const ErrorPolicy policy_;
  Exposition out_;
  NameIndex by_name_{0};
  std::vector<bool> typed_;              // per family: a TYPE line was seen
  std::vector<uint32_t> sample_counts_;  // per family: its samples so far
  // Every sample in input order with its family, moved into the families at the end (a family's
  // vector grown sample by sample cost one allocation per doubling).
  // Labels are kept as indices into labels_ (it may grow) until the end of the parse.
  struct PendingSample {
    uint32_t family;
    uint32_t label_count;
    size_t label_begin;
    Sample sample;  // labels empty until run() makes the span
  };
  std::vector<PendingSample> samples_;
  struct ExemplarLabels {
    Exemplar* exemplar;
    size_t begin;
    size_t count;
  };
  std::vector<ExemplarLabels> exemplar_labels_;
  uint32_t current_ = kNone;
  std::unordered_set<std::string_view> dup_names_;  // the label names of a long label list
  size_t err_column_ = 0;
  std::string err_message_;
  Status error_;
};

Result<Exposition> parse(std::string_view body, Format format, ErrorPolicy policy) {
  TextParser parser(body, format, policy);
  return parser.run();
}

}  // namespace sextant::codec::prom
