#include "query/promql/text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace sextant::query::promql {
namespace {

constexpr char kLowerHex[] = "0123456789abcdef";

bool isPrint(int r) {
  if (r < 0x20 || r == 0x7f) return false;
  if (r < 0x7f) return true;
  if (r < 0xA1 || r == 0xAD) return false;  // C1 controls, NBSP, soft hyphen
  if (r == 0x1680 || (r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x206F) || r == 0x3000) {
    return false;  // separators and format characters
  }
  if (r >= 0xD800 && r <= 0xF8FF) return false;  // surrogates, private use
  if (r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB) || r == 0xFFFE || r == 0xFFFF) return false;
  if (r >= 0xE0000) return false;  // tags, private use planes
  return r <= 0x10FFFF;
}

void appendUtf8(std::string* out, uint32_t r) {
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

void appendHex(std::string* out, uint32_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) out->push_back(kLowerHex[(v >> (4 * i)) & 0xF]);
}

// Go's appendEscapedRune for a valid rune.
void appendEscapedRune(std::string* out, int r, char quote) {
  if (r == quote || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (isPrint(r)) {
    appendUtf8(out, static_cast<uint32_t>(r));
    return;
  }
  switch (r) {
    case '\a': *out += "\\a"; return;
    case '\b': *out += "\\b"; return;
    case '\f': *out += "\\f"; return;
    case '\n': *out += "\\n"; return;
    case '\r': *out += "\\r"; return;
    case '\t': *out += "\\t"; return;
    case '\v': *out += "\\v"; return;
    default: break;
  }
  if (r < ' ' || r == 0x7f) {
    *out += "\\x";
    appendHex(out, static_cast<uint32_t>(r), 2);
  } else if (r < 0x10000) {
    *out += "\\u";
    appendHex(out, static_cast<uint32_t>(r), 4);
  } else {
    *out += "\\U";
    appendHex(out, static_cast<uint32_t>(r), 8);
  }
}

}  // namespace

std::pair<int, uint32_t> decodeRune(std::string_view s, uint32_t pos) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t n = s.size() - pos;
  unsigned char c0 = b(pos);
  if (c0 < 0x80) return {c0, 1};
  auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    if (n < 2 || !cont(pos + 1)) return {kRuneError, 1};
    return {((c0 & 0x1F) << 6) | (b(pos + 1) & 0x3F), 2};
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (n < 3 || !cont(pos + 1) || !cont(pos + 2)) return {kRuneError, 1};
    int r = ((c0 & 0x0F) << 12) | ((b(pos + 1) & 0x3F) << 6) | (b(pos + 2) & 0x3F);
    if (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF)) return {kRuneError, 1};
    return {r, 3};
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (n < 4 || !cont(pos + 1) || !cont(pos + 2) || !cont(pos + 3)) return {kRuneError, 1};
    int r = ((c0 & 0x07) << 18) | ((b(pos + 1) & 0x3F) << 12) | ((b(pos + 2) & 0x3F) << 6) |
            (b(pos + 3) & 0x3F);
    if (r < 0x10000 || r > 0x10FFFF) return {kRuneError, 1};
    return {r, 4};
  }
  return {kRuneError, 1};
}

size_t runeCount(std::string_view s) {
  size_t n = 0;
  for (uint32_t i = 0; i < s.size(); ++n) i += decodeRune(s, i).second;
  return n;
}

std::string_view truncateRunes(std::string_view s, size_t n) {
  uint32_t i = 0;
  for (size_t k = 0; k < n && i < s.size(); ++k) i += decodeRune(s, i).second;
  return s.substr(0, i);
}

std::string goQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (uint32_t i = 0; i < s.size();) {
    auto [r, w] = decodeRune(s, i);
    if (w == 1 && r == kRuneError) {
      out += "\\x";
      appendHex(&out, static_cast<unsigned char>(s[i]), 2);
    } else {
      appendEscapedRune(&out, r, '"');
    }
    i += w;
  }
  out.push_back('"');
  return out;
}

std::string goQuoteRune(int r) {
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = kRuneError;
  std::string out = "'";
  appendEscapedRune(&out, r, '\'');
  out.push_back('\'');
  return out;
}

std::string goFormatRuneU(int r) {
  char buf[32];
  snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  if (isPrint(r)) {
    out += " '";
    appendUtf8(&out, static_cast<uint32_t>(r));
    out += "'";
  }
  return out;
}

std::string goFormatFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  size_t e = sci.find('e');
  int exp = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp);
  if (exp < -4 || exp >= 6) return std::string(sci);
  res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, static_cast<size_t>(res.ptr - buf));
}

namespace {

int hexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> unquote(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  char quote = s.front();
  if (s.back() != quote) return std::nullopt;
  s = s.substr(1, s.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos) return std::nullopt;
    return std::string(s);
  }
  if (quote != '"' && quote != '\'') return std::nullopt;
  if (s.find('\n') != std::string_view::npos) return std::nullopt;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == quote) return std::nullopt;
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return std::nullopt;
    char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'a': out.push_back('\a'); continue;
      case 'b': out.push_back('\b'); continue;
      case 'f': out.push_back('\f'); continue;
      case 'n': out.push_back('\n'); continue;
      case 'r': out.push_back('\r'); continue;
      case 't': out.push_back('\t'); continue;
      case 'v': out.push_back('\v'); continue;
      case '\\': out.push_back('\\'); continue;
      case '\'':
      case '"':
        if (e != quote) return std::nullopt;
        out.push_back(e);
        continue;
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + n > s.size()) return std::nullopt;
        uint32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
          int d = hexVal(s[i + k]);
          if (d < 0) return std::nullopt;
          v = v * 16 + static_cast<uint32_t>(d);
        }
        i += n;
        if (e == 'x') {
          out.push_back(static_cast<char>(v));
        } else {
          if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return std::nullopt;
          appendUtf8(&out, v);
        }
        continue;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 > s.size()) return std::nullopt;
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (size_t k = 0; k < 2; ++k) {
            char d = s[i + k];
            if (d < '0' || d > '7') return std::nullopt;
            v = v * 8 + static_cast<uint32_t>(d - '0');
          }
          if (v > 255) return std::nullopt;
          i += 2;
          out.push_back(static_cast<char>(v));
          continue;
        }
        return std::nullopt;
    }
  }
  return out;
}

std::optional<int64_t> parseDuration(std::string_view s, std::string* error) {
  if (s == "0") return 0;
  if (s.empty()) {
    *error = "empty duration string";
    return std::nullopt;
  }
  struct Unit {
    std::string_view name;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {
      {"y", 1000LL * 60 * 60 * 24 * 365},
      {"w", 1000LL * 60 * 60 * 24 * 7},
      {"d", 1000LL * 60 * 60 * 24},
      {"h", 1000LL * 60 * 60},
      {"m", 1000LL * 60},
      {"s", 1000},
      {"ms", 1},
  };
  constexpr int64_t kMaxNs = std::numeric_limits<int64_t>::max();
  size_t pos = 0;
  int64_t total_ns = 0;
  bool overflow = false;
  for (const Unit& u : kUnits) {
    size_t d = pos;
    while (d < s.size() && s[d] >= '0' && s[d] <= '9') ++d;
    if (d == pos || s.substr(d, u.name.size()) != u.name) continue;
    size_t after = d + u.name.size();
    if (u.name == "m" && after < s.size() && s[after] == 's') continue;  // that is "ms"
    // Go's Atoi saturates on overflow; anything that large is out of range anyway.
    const int64_t limit = kMaxNs / u.ms / 1'000'000;
    int64_t n = 0;
    for (size_t k = pos; k < d; ++k) {
      if (n > limit) break;
      n = n * 10 + (s[k] - '0');
    }
    if (n > limit) {
      overflow = true;
    } else if (__builtin_add_overflow(total_ns, n * u.ms * 1'000'000, &total_ns)) {
      overflow = true;
    }
    pos = after;
  }
  if (pos != s.size()) {
    *error = "not a valid duration string: " + goQuote(s);
    return std::nullopt;
  }
  if (overflow) {
    *error = "duration out of range";
    return std::nullopt;
  }
  return total_ns / 1'000'000;
}

std::string formatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string r;
  auto f = [&](const char* unit, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    if (int64_t v = ms / mult; v > 0) {
      r += std::to_string(v);
      r += unit;
      ms -= v * mult;
    }
  };
  f("y", 1000LL * 60 * 60 * 24 * 365, true);
  f("w", 1000LL * 60 * 60 * 24 * 7, true);
  f("d", 1000LL * 60 * 60 * 24, false);
  f("h", 1000LL * 60 * 60, false);
  f("m", 1000LL * 60, false);
  f("s", 1000, false);
  f("ms", 1, false);
  return r;
}

}  // namespace sextant::query::promql
