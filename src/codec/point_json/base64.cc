#include "codec/point_json/base64.h"

#include <array>
#include <cstdint>

namespace sextant::codec::json {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr uint8_t kInvalid = 0xff;

// Sextet of each character of both alphabets; kInvalid for anything else.
constexpr std::array<uint8_t, 256> kDecode = [] {
  std::array<uint8_t, 256> t{};
  t.fill(kInvalid);
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<uint8_t>(i);
  t['-'] = 62;
  t['_'] = 63;
  return t;
}();

}  // namespace

void base64Encode(std::string_view in, std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size();
  size_t base = out->size();
  out->resize(base + (n + 2) / 3 * 4);
  char* o = out->data() + base;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8 | p[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = uint32_t{p[i]} << 16;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (n - i == 2) {
    uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = '=';
  }
}

bool base64Decode(std::string_view in, std::string* out) {
  // Padding: only at the end, at most two, and then the length is a multiple of 4.
  size_t pad = 0;
  while (pad < in.size() && pad < 2 && in[in.size() - 1 - pad] == '=') ++pad;
  if (pad > 0 && in.size() % 4 != 0) return false;
  in.remove_suffix(pad);
  if (in.size() % 4 == 1) return false;  // 6 bits cannot make a byte
  out->reserve(out->size() + in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    uint8_t v = kDecode[static_cast<uint8_t>(c)];
    if (v == kInvalid) return false;  // includes a third '=' or one in the middle
    acc = (acc << 6 | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>(acc >> bits));
    }
  }
  return true;
}

}  // namespace sextant::codec::json
