// Go-layout time parsing and layout auto-detection. See time_parse.h.
#include "pipeline/funcs/time_parse.h"

#include <array>
#include <chrono>
#include <cstring>

#include "pipeline/funcs/civil.h"

namespace sextant::pipeline::funcs {

namespace {

enum class Tok : uint8_t {
  kLiteral,
  kSpace,  // a run of spaces: matches a run of spaces (Go's skip)
  kLongMonth,
  kMonth,
  kNumMonth,
  kZeroMonth,
  kLongWeekDay,
  kWeekDay,
  kDay,
  kUnderDay,
  kZeroDay,
  kUnderYearDay,
  kZeroYearDay,
  kHour,
  kHour12,
  kZeroHour12,
  kMinute,
  kZeroMinute,
  kSecond,
  kZeroSecond,
  kLongYear,
  kYear,
  kPM,
  kpm,
  kTZ,
  kISO8601TZ,         // Z0700
  kISO8601SecondsTZ,  // Z070000
  kISO8601ShortTZ,    // Z07
  kISO8601ColonTZ,    // Z07:00
  kISO8601ColonSecondsTZ,
  kNumTZ,  // -0700
  kNumSecondsTz,
  kNumShortTZ,
  kNumColonTZ,
  kNumColonSecondsTZ,
  kFracZeros,  // .000 / ,000: exactly n digits
  kFracNines,  // .999 / ,999: one or more digits
};

struct Token {
  Tok kind;
  std::string_view lit;  // kLiteral: the text; fractions: the digit run
};

bool startsWith(std::string_view s, size_t i, std::string_view p) {
  return s.substr(i, p.size()) == p;
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Splits a Go layout into tokens (our own reading of the reference-time rules).
std::vector<Token> tokenize(std::string_view l) {
  std::vector<Token> out;
  size_t lit_start = 0;
  auto flush = [&](size_t i) {
    if (i > lit_start) out.push_back({Tok::kLiteral, l.substr(lit_start, i - lit_start)});
  };
  size_t i = 0;
  while (i < l.size()) {
    Tok t = Tok::kLiteral;
    size_t len = 0;
    char c = l[i];
    struct Cand {
      std::string_view s;
      Tok t;
    };
    auto pick = [&](std::initializer_list<Cand> cands) {
      for (const Cand& cd : cands) {
        if (startsWith(l, i, cd.s)) {
          t = cd.t;
          len = cd.s.size();
          return;
        }
      }
    };
    switch (c) {
      case ' ': {
        size_t j = i;
        while (j < l.size() && l[j] == ' ') ++j;
        t = Tok::kSpace;
        len = j - i;
        break;
      }
      case 'J': pick({{"January", Tok::kLongMonth}, {"Jan", Tok::kMonth}}); break;
      case 'M':
        pick({{"Monday", Tok::kLongWeekDay}, {"Mon", Tok::kWeekDay}, {"MST", Tok::kTZ}});
        break;
      case '0':
        pick({{"002", Tok::kZeroYearDay},
              {"01", Tok::kZeroMonth},
              {"02", Tok::kZeroDay},
              {"03", Tok::kZeroHour12},
              {"04", Tok::kZeroMinute},
              {"05", Tok::kZeroSecond},
              {"06", Tok::kYear}});
        break;
      case '1': pick({{"15", Tok::kHour}, {"1", Tok::kNumMonth}}); break;
      case '2': pick({{"2006", Tok::kLongYear}, {"2", Tok::kDay}}); break;
      case '_':
        if (startsWith(l, i, "_2") && !startsWith(l, i, "_2006")) {
          t = Tok::kUnderDay;
          len = 2;
        } else if (startsWith(l, i, "__2")) {
          t = Tok::kUnderYearDay;
          len = 3;
        }
        break;
      case '3': pick({{"3", Tok::kHour12}}); break;
      case '4': pick({{"4", Tok::kMinute}}); break;
      case '5': pick({{"5", Tok::kSecond}}); break;
      case 'P': pick({{"PM", Tok::kPM}}); break;
      case 'p': pick({{"pm", Tok::kpm}}); break;
      case '-':
        pick({{"-07:00:00", Tok::kNumColonSecondsTZ},
              {"-070000", Tok::kNumSecondsTz},
              {"-07:00", Tok::kNumColonTZ},
              {"-0700", Tok::kNumTZ},
              {"-07", Tok::kNumShortTZ}});
        break;
      case 'Z':
        pick({{"Z07:00:00", Tok::kISO8601ColonSecondsTZ},
              {"Z070000", Tok::kISO8601SecondsTZ},
              {"Z07:00", Tok::kISO8601ColonTZ},
              {"Z0700", Tok::kISO8601TZ},
              {"Z07", Tok::kISO8601ShortTZ}});
        break;
      case '.':
      case ',':
        if (i + 1 < l.size() && (l[i + 1] == '0' || l[i + 1] == '9')) {
          char d = l[i + 1];
          size_t j = i + 1;
          while (j < l.size() && l[j] == d) ++j;
          if (j >= l.size() || !isDigit(l[j])) {
            t = d == '0' ? Tok::kFracZeros : Tok::kFracNines;
            len = j - i;
          }
        }
        break;
      default: break;
    }
    if (len == 0) {
      ++i;
      continue;
    }
    flush(i);
    out.push_back({t, t == Tok::kFracZeros || t == Tok::kFracNines ? l.substr(i + 1, len - 1)
                                                                   : std::string_view()});
    i += len;
    lit_start = i;
  }
  flush(i);
  return out;
}

struct Fields {
  int64_t year = -1;
  int month = -1, day = -1, yday = -1;
  int hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  int pm = -1;  // -1 none, 0 AM, 1 PM
  bool has_offset = false;
  int32_t offset = 0;
};

// Reads 1..max digits (exactly `fixed` when fixed > 0).
bool getNum(std::string_view& v, int min_digits, int max_digits, int* out) {
  int n = 0, val = 0;
  while (n < max_digits && static_cast<size_t>(n) < v.size() &&
         isDigit(v[static_cast<size_t>(n)])) {
    val = val * 10 + (v[static_cast<size_t>(n)] - '0');
    ++n;
  }
  if (n < min_digits) return false;
  *out = val;
  v.remove_prefix(static_cast<size_t>(n));
  return true;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool prefixNoCase(std::string_view v, std::string_view p) {
  if (v.size() < p.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (lower(v[i]) != lower(p[i])) return false;
  }
  return true;
}

constexpr std::array<std::string_view, 12> kLongMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};

// Index of the matching name (full when long, else its first three letters), or -1.
int lookupName(std::string_view& v, const std::string_view* names, size_t n, bool long_form) {
  for (size_t k = 0; k < n; ++k) {
    std::string_view name = long_form ? names[k] : names[k].substr(0, 3);
    if (prefixNoCase(v, name)) {
      v.remove_prefix(name.size());
      return static_cast<int>(k);
    }
  }
  return -1;
}

// Fraction digits -> nanoseconds (digits past 9 are dropped).
int64_t fracNanos(std::string_view digits) {
  int64_t ns = 0;
  for (size_t k = 0; k < 9; ++k) ns = ns * 10 + (k < digits.size() ? digits[k] - '0' : 0);
  return ns;
}

bool parseOffset(std::string_view& v, Tok t, Fields* f) {
  bool iso = t == Tok::kISO8601TZ || t == Tok::kISO8601SecondsTZ || t == Tok::kISO8601ShortTZ ||
             t == Tok::kISO8601ColonTZ || t == Tok::kISO8601ColonSecondsTZ;
  if (iso && !v.empty() && (v[0] == 'Z' || v[0] == 'z')) {
    v.remove_prefix(1);
    f->has_offset = true;
    f->offset = 0;
    return true;
  }
  if (v.empty() || (v[0] != '+' && v[0] != '-')) return false;
  int sign = v[0] == '-' ? -1 : 1;
  v.remove_prefix(1);
  int hh = 0, mm = 0, ss = 0;
  if (!getNum(v, 2, 2, &hh)) return false;
  bool colon = t == Tok::kISO8601ColonTZ || t == Tok::kISO8601ColonSecondsTZ ||
               t == Tok::kNumColonTZ || t == Tok::kNumColonSecondsTZ;
  bool shrt = t == Tok::kISO8601ShortTZ || t == Tok::kNumShortTZ;
  bool secs = t == Tok::kISO8601SecondsTZ || t == Tok::kISO8601ColonSecondsTZ ||
              t == Tok::kNumSecondsTz || t == Tok::kNumColonSecondsTZ;
  if (!shrt) {
    if (colon) {
      if (v.empty() || v[0] != ':') return false;
      v.remove_prefix(1);
    }
    if (!getNum(v, 2, 2, &mm)) return false;
    if (secs) {
      if (colon) {
        if (v.empty() || v[0] != ':') return false;
        v.remove_prefix(1);
      }
      if (!getNum(v, 2, 2, &ss)) return false;
    }
  }
  if (hh > 24 || mm > 59 || ss > 59) return false;
  f->has_offset = true;
  f->offset = sign * (hh * 3600 + mm * 60 + ss);
  return true;
}

// Zone abbreviations with one meaning; others (CST, IST...) leave the zone to `tz`.
bool knownAbbrev(std::string_view a, int32_t* off) {
  struct Z {
    std::string_view n;
    int32_t h;
  };
  static constexpr Z kZones[] = {{"UTC", 0},  {"GMT", 0},  {"UT", 0},   {"EST", -5}, {"EDT", -4},
                                 {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7},
                                 {"CET", 1},  {"CEST", 2}, {"JST", 9},  {"KST", 9},  {"HKT", 8}};
  for (const Z& z : kZones) {
    if (z.n == a) {
      *off = z.h * 3600;
      return true;
    }
  }
  return false;
}

// Why a text did not match a layout (the message is built by the caller, only when needed:
// parseTimeAuto tries many layouts).
enum class Mismatch : uint8_t { kNone, kLayout, kExtraText };

Mismatch bad(std::string_view, std::string_view) { return Mismatch::kLayout; }

Mismatch parseWithTokens(std::string_view text, const std::vector<Token>& toks,
                         std::string_view layout, Fields* f) {
  std::string_view v = text;
  for (size_t ti = 0; ti < toks.size(); ++ti) {
    const Token& tk = toks[ti];
    int n = 0;
    switch (tk.kind) {
      case Tok::kLiteral:
        if (v.substr(0, tk.lit.size()) != tk.lit) return bad(text, layout);
        v.remove_prefix(tk.lit.size());
        break;
      case Tok::kSpace:
        if (v.empty() || v[0] != ' ') return bad(text, layout);
        while (!v.empty() && v[0] == ' ') v.remove_prefix(1);
        break;
      case Tok::kLongMonth:
      case Tok::kMonth:
        n = lookupName(v, kLongMonths.data(), kLongMonths.size(), tk.kind == Tok::kLongMonth);
        if (n < 0) return bad(text, layout);
        f->month = n + 1;
        break;
      case Tok::kNumMonth:
      case Tok::kZeroMonth:
        if (!getNum(v, tk.kind == Tok::kZeroMonth ? 2 : 1, 2, &f->month)) return bad(text, layout);
        break;
      case Tok::kLongWeekDay:
      case Tok::kWeekDay:
        if (lookupName(v, kLongDays.data(), kLongDays.size(), tk.kind == Tok::kLongWeekDay) < 0) {
          return bad(text, layout);
        }
        break;
      case Tok::kUnderDay:
        if (!v.empty() && v[0] == ' ') v.remove_prefix(1);
        [[fallthrough]];
      case Tok::kDay:
      case Tok::kZeroDay:
        if (!getNum(v, tk.kind == Tok::kZeroDay ? 2 : 1, 2, &f->day)) return bad(text, layout);
        break;
      case Tok::kUnderYearDay:
        while (!v.empty() && v[0] == ' ') v.remove_prefix(1);
        [[fallthrough]];
      case Tok::kZeroYearDay:
        if (!getNum(v, tk.kind == Tok::kZeroYearDay ? 3 : 1, 3, &f->yday)) return bad(text, layout);
        break;
      case Tok::kHour:
        if (!getNum(v, 1, 2, &f->hour)) return bad(text, layout);
        break;
      case Tok::kHour12:
      case Tok::kZeroHour12:
        if (!getNum(v, tk.kind == Tok::kZeroHour12 ? 2 : 1, 2, &f->hour) || f->hour > 12) {
          return bad(text, layout);
        }
        break;
      case Tok::kMinute:
      case Tok::kZeroMinute:
        if (!getNum(v, tk.kind == Tok::kZeroMinute ? 2 : 1, 2, &f->minute))
          return bad(text, layout);
        break;
      case Tok::kSecond:
      case Tok::kZeroSecond: {
        if (!getNum(v, tk.kind == Tok::kZeroSecond ? 2 : 1, 2, &f->second))
          return bad(text, layout);
        // A fraction may follow the seconds even when the layout has none (as Go).
        bool next_is_frac = ti + 1 < toks.size() && (toks[ti + 1].kind == Tok::kFracZeros ||
                                                     toks[ti + 1].kind == Tok::kFracNines);
        if (!next_is_frac && v.size() >= 2 && (v[0] == '.' || v[0] == ',') && isDigit(v[1])) {
          size_t j = 1;
          while (j < v.size() && isDigit(v[j])) ++j;
          f->nanos = fracNanos(v.substr(1, j - 1));
          v.remove_prefix(j);
        }
        break;
      }
      case Tok::kLongYear: {
        int y = 0;
        if (!getNum(v, 4, 4, &y)) return bad(text, layout);
        f->year = y;
        break;
      }
      case Tok::kYear: {
        int y = 0;
        if (!getNum(v, 2, 2, &y)) return bad(text, layout);
        f->year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case Tok::kPM:
      case Tok::kpm:
        if (prefixNoCase(v, "AM")) {
          f->pm = 0;
        } else if (prefixNoCase(v, "PM")) {
          f->pm = 1;
        } else {
          return bad(text, layout);
        }
        v.remove_prefix(2);
        break;
      case Tok::kTZ: {
        size_t j = 0;
        while (j < v.size() && j < 5 && v[j] >= 'A' && v[j] <= 'Z') ++j;
        if (j < 2) return bad(text, layout);
        int32_t off = 0;
        if (!f->has_offset && knownAbbrev(v.substr(0, j), &off)) {
          f->has_offset = true;
          f->offset = off;
        }
        v.remove_prefix(j);
        break;
      }
      case Tok::kFracZeros:
      case Tok::kFracNines: {
        if (v.empty() || (v[0] != '.' && v[0] != ',')) {
          if (tk.kind == Tok::kFracNines) break;  // .999 is optional
          return bad(text, layout);
        }
        size_t j = 1;
        while (j < v.size() && isDigit(v[j])) ++j;
        size_t nd = j - 1;
        if (tk.kind == Tok::kFracZeros ? nd != tk.lit.size() : nd == 0) return bad(text, layout);
        f->nanos = fracNanos(v.substr(1, nd));
        v.remove_prefix(j);
        break;
      }
      default:
        if (!parseOffset(v, tk.kind, f)) return bad(text, layout);
        break;
    }
  }
  return v.empty() ? Mismatch::kNone : Mismatch::kExtraText;
}

int64_t currentYear(const TimeZone& zone) {
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  int64_t y;
  int m, d;
  civil::civilFromDays(civil::floorDiv(now + zone.offsetAtUtc(now), civil::kSecondsPerDay), &y, &m,
                       &d);
  return y;
}

Result<int64_t> toNanos(Fields f, std::string_view text, std::string_view tz) {
  auto range = [&](const char* what) {
    return invalidArgument("time \"" + std::string(text.substr(0, 64)) + "\": " + what +
                           " out of range");
  };
  if (f.pm == 1 && f.hour < 12) f.hour += 12;
  if (f.pm == 0 && f.hour == 12) f.hour = 0;
  std::shared_ptr<const TimeZone> zone;
  if (!f.has_offset || f.year < 0) {
    auto z = loadTimeZone(tz);
    if (!z.isOk()) return z.status();
    zone = *z;
  }
  if (f.year < 0) f.year = currentYear(*zone);
  if (f.yday >= 0) {
    if (f.yday < 1 || f.yday > (civil::isLeap(f.year) ? 366 : 365)) return range("day of year");
    int m = 1, d = f.yday;
    while (d > civil::daysInMonth(f.year, m)) d -= civil::daysInMonth(f.year, m++);
    if ((f.month >= 0 && f.month != m) || (f.day >= 0 && f.day != d)) return range("day of year");
    f.month = m;
    f.day = d;
  }
  if (f.month < 0) f.month = 1;
  if (f.day < 0) f.day = 1;
  if (f.month < 1 || f.month > 12) return range("month");
  if (f.day < 1 || f.day > civil::daysInMonth(f.year, f.month)) return range("day");
  if (f.hour > 23) return range("hour");
  if (f.minute > 59) return range("minute");
  if (f.second > 59) return range("second");
  int64_t local = civil::daysFromCivil(f.year, f.month, f.day) * civil::kSecondsPerDay +
                  f.hour * 3600 + f.minute * 60 + f.second;
  int64_t utc = f.has_offset ? local - f.offset : zone->localToUtc(local);
  int64_t ns = 0;
  if (__builtin_mul_overflow(utc, int64_t{1000000000}, &ns) ||
      __builtin_add_overflow(ns, f.nanos, &ns)) {
    return outOfRange("time \"" + std::string(text.substr(0, 64)) +
                      "\" outside the int64 nanosecond range");
  }
  return ns;
}

// The layouts parseTimeAuto tries, most specific first.
constexpr std::string_view kAutoLayouts[] = {
    "2006-01-02T15:04:05Z07:00",
    "2006-01-02T15:04:05Z0700",
    "2006-01-02T15:04:05",
    "2006-01-02T15:04Z07:00",
    "2006-01-02T15:04",
    "2006-01-02 15:04:05Z07:00",
    "2006-01-02 15:04:05 Z07:00",
    "2006-01-02 15:04:05 -0700",
    "2006-01-02 15:04:05 -0700 MST",
    "2006-01-02 15:04:05 MST",
    "2006-01-02 15:04:05",
    "2006-01-02 15:04",
    "2006-01-02",
    "2006/01/02 15:04:05 Z07:00",
    "2006/01/02 15:04:05",
    "2006/01/02 15:04",
    "2006/01/02",
    "2006.01.02 15:04:05",
    "02/Jan/2006:15:04:05 -0700",
    "02/Jan/2006:15:04:05",
    "02/Jan/2006 15:04:05",
    "01/02/2006 15:04:05",
    "01/02/2006",
    "02.01.2006 15:04:05",
    "060102 15:04:05",
    "Jan _2 15:04:05",
    "Jan _2 2006 15:04:05",
    "Jan _2, 2006 15:04:05",
    "Jan _2, 2006 3:04:05 PM",
    "January _2, 2006 15:04:05",
    "January _2 2006 15:04:05",
    "Mon Jan _2 15:04:05 2006",
    "Mon Jan _2 15:04:05 MST 2006",
    "Mon Jan _2 15:04:05 -0700 2006",
    "Mon, _2 Jan 2006 15:04:05 MST",
    "Mon, _2 Jan 2006 15:04:05 -0700",
    "Mon, _2 Jan 2006 15:04:05 -0700 (MST)",
    "Mon, _2 Jan 2006 15:04:05",
    "Monday, 02-Jan-06 15:04:05 MST",
    "_2 Jan 06 15:04 MST",
    "_2 Jan 06 15:04 -0700",
    "_2 Jan 2006 15:04:05 MST",
    "_2 Jan 2006 15:04:05 -0700",
    "_2 Jan 2006 15:04:05",
    "_2-Jan-2006 15:04:05",
    "20060102150405",
    "20060102",
};

struct AutoLayout {
  std::string_view layout;
  std::vector<Token> tokens;
  bool digit_first;
};

const std::vector<AutoLayout>& autoLayouts() {
  static const std::vector<AutoLayout> v = [] {
    std::vector<AutoLayout> out;
    for (std::string_view l : kAutoLayouts)
      out.push_back({l, tokenize(l), isDigit(l[0]) || l[0] == '_'});
    return out;
  }();
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Unix timestamps: digits[.fraction]; the integer digit count picks the unit.
bool parseEpoch(std::string_view s, Result<int64_t>* out) {
  bool neg = !s.empty() && s[0] == '-';
  std::string_view body = neg ? s.substr(1) : s;
  size_t dot = body.find('.');
  std::string_view ip = body.substr(0, dot);
  std::string_view fp = dot == std::string_view::npos ? std::string_view() : body.substr(dot + 1);
  if (ip.empty()) return false;
  for (char c : ip) {
    if (!isDigit(c)) return false;
  }
  for (char c : fp) {
    if (!isDigit(c)) return false;
  }
  if (dot != std::string_view::npos && fp.empty()) return false;
  size_t n = ip.size();
  int64_t scale;  // ns per unit
  if (n <= 10) {
    scale = 1000000000;
  } else if (n <= 13) {
    scale = 1000000;
  } else if (n <= 16) {
    scale = 1000;
  } else if (n <= 19) {
    scale = 1;
  } else {
    *out = outOfRange("time \"" + std::string(s.substr(0, 64)) +
                      "\": number too large for a timestamp");
    return true;
  }
  if (!neg && (n == 8 || n == 14) && fp.empty()) return false;  // yyyymmdd[hhmmss]
  uint64_t v = 0;
  for (char c : ip) v = v * 10 + static_cast<uint64_t>(c - '0');  // <= 19 digits: fits
  int64_t ns = 0;
  if (v > static_cast<uint64_t>(INT64_MAX) ||
      __builtin_mul_overflow(static_cast<int64_t>(v), scale, &ns)) {
    *out = outOfRange("time \"" + std::string(s.substr(0, 64)) +
                      "\" outside the int64 nanosecond range");
    return true;
  }
  int64_t frac = 0;
  for (size_t k = 0, mul = static_cast<size_t>(scale / 10); k < fp.size() && mul > 0;
       ++k, mul /= 10) {
    frac += (fp[k] - '0') * static_cast<int64_t>(mul);
  }
  if (__builtin_add_overflow(ns, frac, &ns)) {
    *out = outOfRange("time \"" + std::string(s.substr(0, 64)) +
                      "\" outside the int64 nanosecond range");
    return true;
  }
  *out = neg ? -ns : ns;
  return true;
}

}  // namespace

Result<int64_t> parseTimeWithFormat(std::string_view text, std::string_view go_layout,
                                    std::string_view tz) {
  if (go_layout.empty()) return invalidArgument("time layout is empty");
  if (go_layout.size() > 256 || text.size() > 256)
    return invalidArgument("time text or layout too long");
  Fields f;
  Mismatch m = parseWithTokens(text, tokenize(go_layout), go_layout, &f);
  if (m == Mismatch::kLayout) {
    return invalidArgument("time \"" + std::string(text.substr(0, 64)) +
                           "\" does not match layout \"" + std::string(go_layout) + "\"");
  }
  if (m == Mismatch::kExtraText) {
    return invalidArgument("time \"" + std::string(text.substr(0, 64)) +
                           "\": extra text after layout \"" + std::string(go_layout) + "\"");
  }
  return toNanos(f, text, tz);
}

Result<int64_t> parseTimeAuto(std::string_view text, std::string_view tz) {
  std::string_view s = trim(text);
  if (s.empty()) return invalidArgument("time text is empty");
  if (s.size() > 256) return invalidArgument("time text too long");
  Result<int64_t> epoch = invalidArgument("");
  if (parseEpoch(s, &epoch)) return epoch;
  bool digit_first = isDigit(s[0]);
  for (const AutoLayout& l : autoLayouts()) {
    if (l.digit_first != digit_first) continue;
    Fields f;
    if (parseWithTokens(s, l.tokens, l.layout, &f) == Mismatch::kNone) return toNanos(f, s, tz);
  }
  return invalidArgument("time \"" + std::string(s.substr(0, 64)) + "\": no known layout matches");
}

}  // namespace sextant::pipeline::funcs
