// url_decode and parse_duration. See strings.h.
#include "pipeline/funcs/strings.h"

namespace sextant::pipeline::funcs {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> urlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      int hi = i + 1 < text.size() ? hexValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return invalidArgument("url_decode: invalid escape at offset " + std::to_string(i));
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Result<int64_t> parseGoDuration(std::string_view text) {
  const std::string orig(text);
  auto bad = [&orig]() {
    return invalidArgument("parse_duration: invalid duration \"" + orig + "\"");
  };
  constexpr uint64_t kMax = uint64_t{1} << 63;  // |INT64_MIN|
  bool neg = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    neg = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return int64_t{0};
  if (text.empty()) return bad();
  uint64_t total = 0;
  while (!text.empty()) {
    if (!(text[0] == '.' || (text[0] >= '0' && text[0] <= '9'))) return bad();
    // Integer part.
    uint64_t x = 0;
    size_t i = 0;
    bool pre = false;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (x > (kMax - 1) / 10) return outOfRange("parse_duration: overflow in \"" + orig + "\"");
      x = x * 10 + static_cast<uint64_t>(text[i] - '0');
      if (x > kMax - 1) return outOfRange("parse_duration: overflow in \"" + orig + "\"");
      pre = true;
    }
    // Fraction: digits past 2^63 precision are dropped, as Go does.
    uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      bool overflow = false;
      for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        post = true;
        if (overflow) continue;
        if (frac > (kMax - 1) / 10) {
          overflow = true;
          continue;
        }
        uint64_t y = frac * 10 + static_cast<uint64_t>(text[i] - '0');
        if (y > kMax) {
          overflow = true;
          continue;
        }
        frac = y;
        scale *= 10;
      }
    }
    if (!pre && !post) return bad();
    text.remove_prefix(i);
    // Unit.
    size_t u = 0;
    while (u < text.size() && text[u] != '.' && !(text[u] >= '0' && text[u] <= '9')) ++u;
    std::string_view unit_name = text.substr(0, u);
    text.remove_prefix(u);
    uint64_t unit = 0;
    if (unit_name == "ns") {
      unit = 1;
    } else if (unit_name == "us" || unit_name == "\xc2\xb5s" || unit_name == "\xce\xbcs") {
      unit = 1000;
    } else if (unit_name == "ms") {
      unit = 1000000;
    } else if (unit_name == "s") {
      unit = 1000000000;
    } else if (unit_name == "m") {
      unit = 60ull * 1000000000;
    } else if (unit_name == "h") {
      unit = 3600ull * 1000000000;
    } else if (unit_name.empty()) {
      return invalidArgument("parse_duration: missing unit in \"" + orig + "\"");
    } else {
      return invalidArgument("parse_duration: unknown unit \"" + std::string(unit_name) +
                             "\" in \"" + orig + "\"");
    }
    if (x > kMax / unit) return outOfRange("parse_duration: overflow in \"" + orig + "\"");
    uint64_t v = x * unit;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(unit) / scale));
      if (v > kMax) return outOfRange("parse_duration: overflow in \"" + orig + "\"");
    }
    total += v;
    if (total > kMax) return outOfRange("parse_duration: overflow in \"" + orig + "\"");
  }
  if (neg) return total == kMax ? INT64_MIN : -static_cast<int64_t>(total);
  if (total > kMax - 1) return outOfRange("parse_duration: overflow in \"" + orig + "\"");
  return static_cast<int64_t>(total);
}

}  // namespace sextant::pipeline::funcs
