#include "core/time_format.h"

namespace sextant {

namespace {

// Reads exactly n digits at s[*pos]; -1 when they are not all digits or s is too short.
int digits(std::string_view s, size_t* pos, size_t n) {
  if (s.size() - *pos < n) return -1;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  return v;
}

bool expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

bool isLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (years counted in 400-year eras of 146097
// days, each year starting in March so that the leap day is the era's last day of a year).
int64_t daysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                                    // [0, 399]
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<int64_t> parseRfc3339Nano(std::string_view s) {
  size_t pos = 0;
  int year = digits(s, &pos, 4);
  if (year < 0 || !expect(s, &pos, '-')) return std::nullopt;
  int month = digits(s, &pos, 2);
  if (month < 1 || month > 12 || !expect(s, &pos, '-')) return std::nullopt;
  int day = digits(s, &pos, 2);
  if (day < 1 || day > daysInMonth(year, month)) return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return std::nullopt;
  ++pos;
  int hour = digits(s, &pos, 2);
  if (hour < 0 || hour > 23 || !expect(s, &pos, ':')) return std::nullopt;
  int minute = digits(s, &pos, 2);
  if (minute < 0 || minute > 59 || !expect(s, &pos, ':')) return std::nullopt;
  int second = digits(s, &pos, 2);
  if (second < 0 || second > 59) return std::nullopt;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 9) frac = frac * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (; n < 9; ++n) frac *= 10;
  }
  if (pos >= s.size()) return std::nullopt;
  int64_t offset_s = 0;
  char zone = s[pos++];
  if (zone == '+' || zone == '-') {
    int oh = digits(s, &pos, 2);
    if (oh < 0 || oh > 23 || !expect(s, &pos, ':')) return std::nullopt;
    int om = digits(s, &pos, 2);
    if (om < 0 || om > 59) return std::nullopt;
    offset_s = (zone == '+' ? 1 : -1) * (int64_t{oh} * 3600 + om * 60);
  } else if (zone != 'Z' && zone != 'z') {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  int64_t secs =
      daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  int64_t ns = 0;
  if (__builtin_mul_overflow(secs, int64_t{1000000000}, &ns) ||
      __builtin_add_overflow(ns, frac, &ns)) {
    return std::nullopt;
  }
  return ns;
}

}  // namespace sextant
