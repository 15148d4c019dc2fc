#include "core/duration.h"

#include <cmath>
#include <string>

namespace sextant {

Result<std::chrono::nanoseconds> parseDuration(std::string_view s) {
  const std::string original(s);
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return invalidArgument("empty duration");
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) return invalidArgument("bad duration '" + original + "': expected a number");
    std::string number(s.substr(0, i));
    if (number.find('.') != number.rfind('.') || number == ".")
      return invalidArgument("bad duration '" + original + "': bad number '" + number + "'");
    long double value = std::strtold(number.c_str(), nullptr);
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !std::isdigit(static_cast<unsigned char>(s[j])) && s[j] != '.') ++j;
    std::string_view unit = s.substr(0, j);
    s.remove_prefix(j);
    long double scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      return invalidArgument("bad duration '" + original + "': unknown unit '" + std::string(unit) +
                             "' (use ns, us, ms, s, m, h)");
    total += value * scale;
    if (total > 9.2e18L) return outOfRange("duration '" + original + "' is too long");
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(static_cast<double>(total))));
}

}  // namespace sextant
