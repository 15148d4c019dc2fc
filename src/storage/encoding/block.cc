#include "storage/encoding/block.h"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <variant>

#include "core/crc32c.h"
#include "core/little_endian.h"
#include "storage/encoding/bit_io.h"

namespace sextant::storage::encoding {
namespace {

// Codec ids (docs/formats/column-blocks.md, "Codecs").
enum Codec : std::uint8_t {
  kPlain64 = 1,
  kDelta = 2,
  kDelta2 = 3,
  kRuns = 4,
  kGorilla = 5,
  kDecimal = 6,
  kBitmap = 7,
  kStrings = 8,
  kDict = 9,
  kArrays = 10,
};

constexpr std::uint8_t kFlagZstd = 1;
constexpr std::uint8_t kFlagPresence = 2;
constexpr std::size_t kZstdMinRaw = 64;
constexpr std::size_t kMaxZstdRatio = 32768;
constexpr int kZstdLevel = 1;
constexpr int kMaxDecimalExponent = 15;

constexpr double kPow10[kMaxDecimalExponent + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

bool codecValidFor(std::uint8_t codec, std::uint8_t type) {
  switch (type) {
    case 0:
    case 1: return codec == kPlain64 || codec == kDelta || codec == kDelta2 || codec == kRuns;
    case 2: return codec == kPlain64 || codec == kGorilla || codec == kDecimal;
    case 3: return codec == kBitmap;
    case 4:
    case 5: return codec == kStrings || codec == kDict;
    case 6: return codec == kArrays;
    default: return false;
  }
}

struct Header {
  std::uint8_t type = 0;
  std::uint8_t codec = 0;
  std::uint8_t flags = 0;
  std::uint32_t rows = 0;
  std::uint32_t stored = 0;
  std::uint32_t raw = 0;
};

Result<Header> parseHeader(std::string_view b) {
  if (b.size() < kBlockHeaderSize) return dataLoss("column block: header truncated");
  Header h;
  if (getLe(b, 4, 1) != kBlockFormatVersion) return dataLoss("column block: unsupported version");
  h.type = static_cast<std::uint8_t>(getLe(b, 5, 1));
  h.codec = static_cast<std::uint8_t>(getLe(b, 6, 1));
  h.flags = static_cast<std::uint8_t>(getLe(b, 7, 1));
  h.rows = static_cast<std::uint32_t>(getLe(b, 8, 4));
  h.stored = static_cast<std::uint32_t>(getLe(b, 12, 4));
  h.raw = static_cast<std::uint32_t>(getLe(b, 16, 4));
  if (h.type > 6) return dataLoss("column block: unknown column type");
  if (!codecValidFor(h.codec, h.type)) return dataLoss("column block: unknown codec for type");
  if ((h.flags & ~(kFlagZstd | kFlagPresence)) != 0) return dataLoss("column block: bad flags");
  if (h.rows > kMaxBlockRows) return dataLoss("column block: too many rows");
  if (h.raw > kMaxBlockBytes) return dataLoss("column block: raw length too large");
  if ((h.flags & kFlagZstd) != 0) {
    if (static_cast<std::uint64_t>(h.raw) > static_cast<std::uint64_t>(h.stored) * kMaxZstdRatio) {
      return dataLoss("column block: implausible compression ratio");
    }
  } else if (h.raw != h.stored) {
    return dataLoss("column block: raw and stored lengths differ");
  }
  return h;
}

// ---------------------------------------------------------------------------------------------
// zstd with per-thread contexts.

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

ZSTD_CCtx* cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CctxFree> c(ZSTD_createCCtx());
  return c.get();
}
ZSTD_DCtx* dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DctxFree> c(ZSTD_createDCtx());
  return c.get();
}

// Compresses raw into *out; false when zstd fails or does not save an eighth.
bool compressBody(std::string_view raw, std::string* out) {
  if (raw.size() < kZstdMinRaw) return false;
  out->resize(ZSTD_compressBound(raw.size()));
  const std::size_t n =
      ZSTD_compressCCtx(cctx(), out->data(), out->size(), raw.data(), raw.size(), kZstdLevel);
  if (ZSTD_isError(n) || n > raw.size() - raw.size() / 8) return false;
  if (static_cast<std::uint64_t>(raw.size()) > static_cast<std::uint64_t>(n) * kMaxZstdRatio) {
    return false;
  }
  out->resize(n);
  return true;
}

Status decompressBody(std::string_view stored, std::size_t raw_size, std::string* out) {
  const unsigned long long declared = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN ||
      declared != raw_size) {
    return dataLoss("column block: bad zstd frame header");
  }
  if (ZSTD_findFrameCompressedSize(stored.data(), stored.size()) != stored.size()) {
    return dataLoss("column block: body is not one zstd frame");
  }
  out->resize(raw_size);
  const std::size_t n =
      ZSTD_decompressDCtx(dctx(), out->data(), out->size(), stored.data(), stored.size());
  if (ZSTD_isError(n) || n != raw_size) return dataLoss("column block: bad zstd body");
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Integer codecs, over the 64-bit patterns of int64 and uint64 values.

void encodePlain64(std::span<const std::uint64_t> v, std::string& out) {
  for (std::uint64_t x : v) putLe(out, x, 8);
}

std::int64_t diff(std::uint64_t a, std::uint64_t b) { return static_cast<std::int64_t>(a - b); }

struct IntSizes {
  std::size_t delta = 0, delta2 = 0, runs = 0;
};

IntSizes intSizes(std::span<const std::uint64_t> v) {
  IntSizes s;
  std::uint64_t prev = 0, prev_delta = 0, run_value = 0;
  std::size_t run_len = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::uint64_t d = v[i] - prev;
    s.delta += varintSize(zigzag(static_cast<std::int64_t>(d)));
    if (i < 2) {
      s.delta2 += varintSize(zigzag(static_cast<std::int64_t>(d)));
    } else {
      s.delta2 += varintSize(zigzag(static_cast<std::int64_t>(d - prev_delta)));
    }
    if (i > 0 && v[i] == v[i - 1]) {
      ++run_len;
    } else {
      if (run_len > 0) s.runs += varintSize(run_len);
      s.runs += varintSize(zigzag(diff(v[i], run_value)));
      run_value = v[i];
      run_len = 1;
    }
    prev_delta = i == 0 ? 0 : d;
    prev = v[i];
  }
  if (run_len > 0) s.runs += varintSize(run_len);
  return s;
}

void encodeDelta(std::span<const std::uint64_t> v, std::string& out) {
  std::uint64_t prev = 0;
  for (std::uint64_t x : v) {
    putVarint(out, zigzag(diff(x, prev)));
    prev = x;
  }
}

void encodeDelta2(std::span<const std::uint64_t> v, std::string& out) {
  std::uint64_t prev = 0, prev_delta = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::uint64_t d = v[i] - prev;
    putVarint(out, zigzag(static_cast<std::int64_t>(i < 2 ? d : d - prev_delta)));
    prev_delta = i == 0 ? 0 : d;
    prev = v[i];
  }
}

void encodeRuns(std::span<const std::uint64_t> v, std::string& out) {
  std::uint64_t run_value = 0;
  for (std::size_t i = 0; i < v.size();) {
    std::size_t j = i + 1;
    while (j < v.size() && v[j] == v[i]) ++j;
    putVarint(out, zigzag(diff(v[i], run_value)));
    putVarint(out, j - i);
    run_value = v[i];
    i = j;
  }
}

std::uint8_t encodeInts(std::span<const std::uint64_t> v, BlockHint hint, std::string& out) {
  (void)hint;  // every form is sized; delta2 wins on regular timestamps by itself
  if (v.empty()) return kPlain64;
  const IntSizes s = intSizes(v);
  std::size_t best = v.size() * 8;
  std::uint8_t codec = kPlain64;
  if (s.delta < best) best = s.delta, codec = kDelta;
  if (s.delta2 < best) best = s.delta2, codec = kDelta2;
  if (s.runs < best) best = s.runs, codec = kRuns;
  switch (codec) {
    case kDelta: encodeDelta(v, out); break;
    case kDelta2: encodeDelta2(v, out); break;
    case kRuns: encodeRuns(v, out); break;
    default: encodePlain64(v, out); break;
  }
  return codec;
}

// The delta and delta2 decoders write n values to dst and read exactly all of p (false: a bad or
// truncated varint, or trailing bytes). Fast paths: one-byte varints are read inline (delta: and
// two-byte ones), and for delta2 a run of eight zero bytes (eight equal steps: regular timestamps)
// is eight values at once. decodeDeltaRun's `convert` turns each running sum into the stored value
// (the decimal codec: mantissa / 10^e).
template <typename T, typename Convert>
bool decodeDeltaRun(std::string_view p, T* dst, std::size_t n, Convert convert) {
  const auto* in = reinterpret_cast<const unsigned char*>(p.data());
  std::size_t pos = 0;
  std::uint64_t prev = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t z;
    if (pos < p.size() && in[pos] < 0x80) {
      z = in[pos++];
    } else if (pos + 1 < p.size() && in[pos + 1] < 0x80) {
      z = (in[pos] & 0x7Fu) | (std::uint64_t{in[pos + 1]} << 7);
      pos += 2;
    } else if (!readVarintAt(p, &pos, &z)) {
      return false;
    }
    prev += static_cast<std::uint64_t>(unzigzag(z));
    dst[i] = convert(prev);
  }
  return pos == p.size();
}

template <typename T>
bool decodeDeltaRun(std::string_view p, T* dst, std::size_t n) {
  return decodeDeltaRun(p, dst, n, [](std::uint64_t x) { return static_cast<T>(x); });
}

template <typename T>
bool decodeDelta2Run(std::string_view p, T* dst, std::size_t n) {
  const auto* in = reinterpret_cast<const unsigned char*>(p.data());
  const std::size_t size = p.size();
  std::size_t pos = 0, i = 0;
  std::uint64_t prev = 0, delta = 0;
  for (; i < n && i < 2; ++i) {
    std::uint64_t z;
    if (!readVarintAt(p, &pos, &z)) return false;
    const std::uint64_t x = static_cast<std::uint64_t>(unzigzag(z));
    if (i == 0) {
      prev = x;
    } else {
      delta = x;
      prev += delta;
    }
    dst[i] = static_cast<T>(prev);
  }
  while (i < n) {
    if (n - i >= 8 && size - pos >= 8) {
      std::uint64_t word;
      std::memcpy(&word, in + pos, 8);
      if (word == 0) {
        for (int k = 0; k < 8; ++k) {
          prev += delta;
          dst[i + static_cast<std::size_t>(k)] = static_cast<T>(prev);
        }
        i += 8;
        pos += 8;
        continue;
      }
    }
    std::uint64_t z;
    if (pos < size && in[pos] < 0x80) {
      z = in[pos++];
    } else if (!readVarintAt(p, &pos, &z)) {
      return false;
    }
    delta += static_cast<std::uint64_t>(unzigzag(z));
    prev += delta;
    dst[i++] = static_cast<T>(prev);
  }
  return pos == size;
}

template <typename T>
Status decodeInts(std::uint8_t codec, std::string_view p, std::size_t n, std::vector<T>* out) {
  ByteReader r(p);
  switch (codec) {
    case kPlain64: {
      if (p.size() != n * 8) return dataLoss("column block: plain64 length mismatch");
      for (std::size_t i = 0; i < n; ++i) {
        out->push_back(static_cast<T>(getLe(p, i * 8, 8)));
      }
      return Status::ok();
    }
    case kDelta:
    case kDelta2: {
      // Every value takes at least one byte: a larger n is damage (and must not size `out`).
      if (n > p.size()) return dataLoss("column block: value count above payload size");
      const std::size_t old = out->size();
      out->resize(old + n);
      const bool ok = codec == kDelta ? decodeDeltaRun(p, out->data() + old, n)
                                      : decodeDelta2Run(p, out->data() + old, n);
      if (!ok) {
        out->resize(old);
        return dataLoss(codec == kDelta ? "column block: bad delta varint"
                                        : "column block: bad delta2 varint");
      }
      return Status::ok();
    }
    case kRuns: {
      std::uint64_t value = 0;
      std::size_t produced = 0;
      while (produced < n) {
        std::uint64_t z, len;
        if (!r.varint(&z) || !r.varint(&len)) return dataLoss("column block: bad run");
        if (len == 0 || len > n - produced) return dataLoss("column block: bad run length");
        value += static_cast<std::uint64_t>(unzigzag(z));
        out->insert(out->end(), static_cast<std::size_t>(len), static_cast<T>(value));
        produced += static_cast<std::size_t>(len);
      }
      break;
    }
    default: return dataLoss("column block: bad integer codec");
  }
  if (!r.done()) return dataLoss("column block: trailing bytes");
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Float codecs.

void encodeGorilla(std::span<const double> v, std::string& out) {
  if (v.empty()) return;
  BitWriter w(&out);
  std::uint64_t prev = std::bit_cast<std::uint64_t>(v[0]);
  w.write(prev, 64);
  int wlz = -1, wtz = 0;
  for (std::size_t i = 1; i < v.size(); ++i) {
    const std::uint64_t cur = std::bit_cast<std::uint64_t>(v[i]);
    const std::uint64_t x = cur ^ prev;
    prev = cur;
    if (x == 0) {
      w.write(0, 1);
      continue;
    }
    int lz = std::countl_zero(x);
    if (lz > 31) lz = 31;
    const int tz = std::countr_zero(x);
    if (wlz >= 0 && lz >= wlz && tz >= wtz) {
      w.write(0b01, 2);  // 1, then 0: reuse the window
      w.write(x >> wtz, 64 - wlz - wtz);
    } else {
      const int len = 64 - lz - tz;
      w.write(0b11, 2);
      w.write(static_cast<std::uint64_t>(lz), 5);
      w.write(static_cast<std::uint64_t>(len - 1), 6);
      w.write(x >> tz, len);
      wlz = lz;
      wtz = tz;
    }
  }
  w.finish();
}

Status decodeGorilla(std::string_view p, std::size_t n, std::vector<double>* out) {
  if (n == 0) {
    if (!p.empty()) return dataLoss("column block: trailing bytes");
    return Status::ok();
  }
  BitReader r(p);
  std::uint64_t prev;
  if (!r.read(64, &prev)) return dataLoss("column block: gorilla truncated");
  out->push_back(std::bit_cast<double>(prev));
  int wlz = -1, wtz = 0;
  for (std::size_t i = 1; i < n; ++i) {
    std::uint64_t b;
    if (!r.bit(&b)) return dataLoss("column block: gorilla truncated");
    if (b != 0) {
      if (!r.bit(&b)) return dataLoss("column block: gorilla truncated");
      if (b != 0) {
        std::uint64_t lz, len1;
        if (!r.read(5, &lz) || !r.read(6, &len1))
          return dataLoss("column block: gorilla truncated");
        const int len = static_cast<int>(len1) + 1;
        if (static_cast<int>(lz) + len > 64) return dataLoss("column block: gorilla bad window");
        wlz = static_cast<int>(lz);
        wtz = 64 - wlz - len;
      } else if (wlz < 0) {
        return dataLoss("column block: gorilla window reused before set");
      }
      std::uint64_t bits;
      if (!r.read(64 - wlz - wtz, &bits)) return dataLoss("column block: gorilla truncated");
      prev ^= bits << wtz;
    }
    out->push_back(std::bit_cast<double>(prev));
  }
  if (!r.finishedCleanly()) return dataLoss("column block: gorilla trailing bits");
  return Status::ok();
}

// The smallest exponent e <= kMaxDecimalExponent with which every value is m / 10^e exactly, and
// the mantissas; false when there is none.
bool decimalForm(std::span<const double> v, int* exponent, std::vector<std::uint64_t>* mantissas) {
  constexpr double kMaxMantissa = 9007199254740992.0;  // 2^53
  int e = 0;
  mantissas->clear();
  mantissas->reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double x = v[i];
    if (!std::isfinite(x)) return false;
    for (;;) {
      const double scaled = x * kPow10[e];
      bool ok = std::fabs(scaled) <= kMaxMantissa;
      std::int64_t m = 0;
      if (ok) {
        m = std::llround(scaled);
        ok = std::bit_cast<std::uint64_t>(static_cast<double>(m) / kPow10[e]) ==
             std::bit_cast<std::uint64_t>(x);
      }
      if (ok) {
        mantissas->push_back(static_cast<std::uint64_t>(m));
        break;
      }
      if (++e > kMaxDecimalExponent) return false;
      // Values seen so far at a smaller exponent: scale their mantissas (exact, see the doc).
      for (std::uint64_t& prev_m : *mantissas) {
        const double s = static_cast<double>(static_cast<std::int64_t>(prev_m)) * 10.0;
        if (std::fabs(s) > kMaxMantissa) return false;
        prev_m = static_cast<std::uint64_t>(static_cast<std::int64_t>(s));
      }
    }
  }
  *exponent = e;
  return true;
}

std::uint8_t encodeFloats(std::span<const double> v, std::string& out) {
  if (v.empty()) return kPlain64;
  std::string gorilla;
  encodeGorilla(v, gorilla);
  std::size_t best = v.size() * 8;
  std::uint8_t codec = kPlain64;
  if (gorilla.size() < best) best = gorilla.size(), codec = kGorilla;
  int e = 0;
  std::vector<std::uint64_t> mantissas;
  if (decimalForm(v, &e, &mantissas)) {
    std::size_t size = 1;
    std::uint64_t prev = 0;
    for (std::uint64_t m : mantissas) {
      size += varintSize(zigzag(diff(m, prev)));
      prev = m;
    }
    if (size < best) best = size, codec = kDecimal;
  }
  switch (codec) {
    case kGorilla: out.append(gorilla); break;
    case kDecimal:
      out.push_back(static_cast<char>(e));
      encodeDelta(mantissas, out);
      break;
    default:
      for (double x : v) putLe(out, std::bit_cast<std::uint64_t>(x), 8);
      break;
  }
  return codec;
}

Status decodeFloats(std::uint8_t codec, std::string_view p, std::size_t n,
                    std::vector<double>* out) {
  switch (codec) {
    case kPlain64:
      if (p.size() != n * 8) return dataLoss("column block: plain64 length mismatch");
      for (std::size_t i = 0; i < n; ++i) out->push_back(std::bit_cast<double>(getLe(p, i * 8, 8)));
      return Status::ok();
    case kGorilla: return decodeGorilla(p, n, out);
    case kDecimal: {
      if (p.empty() || static_cast<unsigned char>(p[0]) > kMaxDecimalExponent) {
        return dataLoss("column block: bad decimal exponent");
      }
      const std::string_view mantissas = p.substr(1);
      // Every mantissa takes at least one byte: a larger n is damage (and must not size `out`).
      if (n > mantissas.size()) return dataLoss("column block: bad decimal varint");
      const int e = static_cast<unsigned char>(p[0]);
      const double scale = kPow10[e];
      const std::size_t old = out->size();
      out->resize(old + n);
      // x / 1 is x: whole numbers (counters, the usual case) skip the division.
      const bool ok =
          e == 0 ? decodeDeltaRun(mantissas, out->data() + old, n,
                                  [](std::uint64_t m) {
                                    return static_cast<double>(static_cast<std::int64_t>(m));
                                  })
                 : decodeDeltaRun(mantissas, out->data() + old, n, [scale](std::uint64_t m) {
                     return static_cast<double>(static_cast<std::int64_t>(m)) / scale;
                   });
      if (!ok) {
        out->resize(old);
        return dataLoss("column block: bad decimal varint");
      }
      return Status::ok();
    }
    default: return dataLoss("column block: bad float codec");
  }
}

// ---------------------------------------------------------------------------------------------
// Bitmaps (presence and bool).

void putBitmap(std::span<const std::uint8_t> bits, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + (bits.size() + 7) / 8, '\0');
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i] != 0) out[start + i / 8] = static_cast<char>(out[start + i / 8] | (1 << (i % 8)));
  }
}

bool bitAt(std::string_view bitmap, std::size_t i) {
  return ((static_cast<unsigned char>(bitmap[i / 8]) >> (i % 8)) & 1) != 0;
}

// True when bitmap is exactly the bytes of n bits with zero padding.
bool bitmapValid(std::string_view bitmap, std::size_t n) {
  if (bitmap.size() != (n + 7) / 8) return false;
  if (n % 8 == 0) return true;
  return (static_cast<unsigned char>(bitmap.back()) >> (n % 8)) == 0;
}

// ---------------------------------------------------------------------------------------------
// Strings and bytes.

std::uint8_t encodeStrings(std::span<const std::string_view> v, std::string& out) {
  if (v.empty()) return kStrings;
  std::size_t plain = 0;
  for (std::string_view s : v) plain += varintSize(s.size()) + s.size();
  std::unordered_map<std::string_view, std::uint32_t> index;
  std::vector<std::string_view> dict;
  std::vector<std::uint32_t> ids;
  ids.reserve(v.size());
  std::size_t dict_bytes = 0;
  bool give_up = false;
  for (std::string_view s : v) {
    auto [it, inserted] = index.try_emplace(s, static_cast<std::uint32_t>(dict.size()));
    if (inserted) {
      dict.push_back(s);
      dict_bytes += varintSize(s.size()) + s.size();
      if (dict_bytes >= plain) {
        give_up = true;
        break;
      }
    }
    ids.push_back(it->second);
  }
  if (!give_up) {
    const int w = bitWidth(dict.size() - 1);
    const std::size_t size = varintSize(dict.size()) + dict_bytes + (v.size() * w + 7) / 8;
    if (size < plain) {
      putVarint(out, dict.size());
      for (std::string_view s : dict) {
        putVarint(out, s.size());
        out.append(s);
      }
      BitWriter bw(&out);
      for (std::uint32_t id : ids) bw.write(id, w);
      bw.finish();
      return kDict;
    }
  }
  for (std::string_view s : v) {
    putVarint(out, s.size());
    out.append(s);
  }
  return kStrings;
}

Status decodeStrings(std::uint8_t codec, std::string_view p, std::size_t n,
                     std::vector<std::string>* out) {
  ByteReader r(p);
  if (codec == kStrings) {
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t len;
      std::string_view s;
      if (!r.varint(&len) || len > r.remaining() || !r.bytes(static_cast<std::size_t>(len), &s)) {
        return dataLoss("column block: bad string");
      }
      out->emplace_back(s);
    }
    if (!r.done()) return dataLoss("column block: trailing bytes");
    return Status::ok();
  }
  if (codec != kDict) return dataLoss("column block: bad string codec");
  std::uint64_t d;
  if (!r.varint(&d) || d == 0 || d > n) return dataLoss("column block: bad dictionary size");
  // Each entry takes at least one byte: cap the allocation by the payload.
  if (d > r.remaining()) return dataLoss("column block: dictionary larger than its block");
  std::vector<std::string_view> dict(static_cast<std::size_t>(d));
  for (std::string_view& s : dict) {
    std::uint64_t len;
    if (!r.varint(&len) || len > r.remaining() || !r.bytes(static_cast<std::size_t>(len), &s)) {
      return dataLoss("column block: bad dictionary entry");
    }
  }
  const int w = bitWidth(d - 1);
  const std::string_view packed = r.rest();
  if (packed.size() != (n * static_cast<std::size_t>(w) + 7) / 8) {
    return dataLoss("column block: dictionary index length mismatch");
  }
  BitReader br(packed);
  std::vector<std::uint32_t> ids(n);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t id;
    if (!br.read(w, &id) || id >= d) return dataLoss("column block: bad dictionary index");
    ids[i] = static_cast<std::uint32_t>(id);
    total += dict[ids[i]].size();
  }
  if (!br.finishedCleanly()) return dataLoss("column block: dictionary index padding");
  if (total > kMaxBlockBytes) return dataLoss("column block: decoded strings too large");
  for (std::uint32_t id : ids) out->emplace_back(dict[id]);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Arrays.

void encodeArrays(std::span<const model::Array* const> v, std::string& out) {
  for (const model::Array* a : v) {
    out.push_back(static_cast<char>(a->items.index()));
    std::visit(
        [&out](const auto& items) {
          using Vec = std::decay_t<decltype(items)>;
          putVarint(out, items.size());
          for (const auto& x : items) {
            if constexpr (std::is_same_v<Vec, std::vector<std::int64_t>>) {
              putVarint(out, zigzag(x));
            } else if constexpr (std::is_same_v<Vec, std::vector<std::uint64_t>>) {
              putVarint(out, x);
            } else if constexpr (std::is_same_v<Vec, std::vector<double>>) {
              putLe(out, std::bit_cast<std::uint64_t>(x), 8);
            } else if constexpr (std::is_same_v<Vec, std::vector<bool>>) {
              out.push_back(x ? '\1' : '\0');
            } else if constexpr (std::is_same_v<Vec, std::vector<std::string>>) {
              putVarint(out, x.size());
              out.append(x);
            } else {
              putVarint(out, x.data.size());
              out.append(x.data);
            }
          }
        },
        a->items);
  }
}

bool readString(ByteReader& r, std::string* s) {
  std::uint64_t len;
  std::string_view v;
  if (!r.varint(&len) || len > r.remaining() || !r.bytes(static_cast<std::size_t>(len), &v)) {
    return false;
  }
  s->assign(v);
  return true;
}

template <typename Vec>
bool readItems(ByteReader& r, std::size_t count, Vec& items) {
  items.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if constexpr (std::is_same_v<Vec, std::vector<std::int64_t>>) {
      std::uint64_t z;
      if (!r.varint(&z)) return false;
      items.push_back(unzigzag(z));
    } else if constexpr (std::is_same_v<Vec, std::vector<std::uint64_t>>) {
      std::uint64_t z;
      if (!r.varint(&z)) return false;
      items.push_back(z);
    } else if constexpr (std::is_same_v<Vec, std::vector<double>>) {
      std::uint64_t bits;
      if (!r.u64le(&bits)) return false;
      items.push_back(std::bit_cast<double>(bits));
    } else if constexpr (std::is_same_v<Vec, std::vector<bool>>) {
      std::uint8_t b;
      if (!r.byte(&b) || b > 1) return false;
      items.push_back(b != 0);
    } else if constexpr (std::is_same_v<Vec, std::vector<std::string>>) {
      std::string s;
      if (!readString(r, &s)) return false;
      items.push_back(std::move(s));
    } else {
      model::Bytes b;
      if (!readString(r, &b.data)) return false;
      items.push_back(std::move(b));
    }
  }
  return true;
}

Status decodeArrays(std::string_view p, std::size_t n, std::vector<model::Array>* out) {
  ByteReader r(p);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t tag;
    std::uint64_t count;
    if (!r.byte(&tag) || tag > 5) return dataLoss("column block: bad array element type");
    if (!r.varint(&count) || count > r.remaining())
      return dataLoss("column block: bad array count");
    model::Array a;
    bool ok = false;
    switch (tag) {
      case 0: ok = readItems(r, count, a.items.emplace<0>()); break;
      case 1: ok = readItems(r, count, a.items.emplace<1>()); break;
      case 2: ok = readItems(r, count, a.items.emplace<2>()); break;
      case 3: ok = readItems(r, count, a.items.emplace<3>()); break;
      case 4: ok = readItems(r, count, a.items.emplace<4>()); break;
      default: ok = readItems(r, count, a.items.emplace<5>()); break;
    }
    if (!ok) return dataLoss("column block: bad array element");
    out->push_back(std::move(a));
  }
  if (!r.done()) return dataLoss("column block: trailing bytes");
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Gathering the present values of a range.

template <typename T>
std::span<const T> presentValues(const std::vector<T>& v, std::span<const std::uint8_t> present,
                                 std::size_t begin, std::size_t end, bool any_absent,
                                 std::vector<T>* scratch) {
  if (!any_absent) return std::span<const T>(v.data() + begin, end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    if (present[i] != 0) scratch->push_back(v[i]);
  }
  return *scratch;
}

std::uint8_t encodePayload(const ColumnValues& values, std::span<const std::uint8_t> present,
                           std::size_t begin, std::size_t end, bool any_absent, BlockHint hint,
                           std::string& out) {
  switch (values.index()) {
    case 0: {
      const auto& v = std::get<0>(values);
      std::vector<std::int64_t> scratch;
      std::span<const std::int64_t> s = presentValues(v, present, begin, end, any_absent, &scratch);
      // int64_t and uint64_t may alias (signed/unsigned variants of one type).
      return encodeInts(std::span<const std::uint64_t>(
                            reinterpret_cast<const std::uint64_t*>(s.data()), s.size()),
                        hint, out);
    }
    case 1: {
      std::vector<std::uint64_t> scratch;
      return encodeInts(
          presentValues(std::get<1>(values), present, begin, end, any_absent, &scratch), hint, out);
    }
    case 2: {
      std::vector<double> scratch;
      return encodeFloats(
          presentValues(std::get<2>(values), present, begin, end, any_absent, &scratch), out);
    }
    case 3: {
      std::vector<std::uint8_t> scratch;
      putBitmap(presentValues(std::get<3>(values), present, begin, end, any_absent, &scratch), out);
      return kBitmap;
    }
    case 4:
    case 5: {
      const auto& v = values.index() == 4 ? std::get<4>(values) : std::get<5>(values);
      std::vector<std::string_view> views;
      views.reserve(end - begin);
      for (std::size_t i = begin; i < end; ++i) {
        if (!any_absent || present[i] != 0) views.push_back(v[i]);
      }
      return encodeStrings(views, out);
    }
    default: {
      const auto& v = std::get<6>(values);
      std::vector<const model::Array*> ptrs;
      ptrs.reserve(end - begin);
      for (std::size_t i = begin; i < end; ++i) {
        if (!any_absent || present[i] != 0) ptrs.push_back(&v[i]);
      }
      encodeArrays(ptrs, out);
      return kArrays;
    }
  }
}

// Decodes n values of the block's payload and spreads them over `rows` rows by the presence
// bitmap (empty: all present), appending to vec.
template <typename T, typename DecodeFn>
Status decodeInto(std::vector<T>* vec, std::string_view payload, std::size_t n, std::size_t rows,
                  std::string_view bitmap, DecodeFn&& decode) {
  const std::size_t old = vec->size();
  vec->reserve(old + std::min(rows, payload.size() * 8 + 8));
  Status st = decode(vec);
  if (!st.isOk()) return st;
  if (vec->size() != old + n) return dataLoss("column block: value count mismatch");
  if (bitmap.empty()) return Status::ok();
  vec->resize(old + rows);
  std::size_t k = n;
  for (std::size_t r = rows; r-- > 0;) {
    if (bitAt(bitmap, r)) {
      --k;
      if (k != r) (*vec)[old + r] = std::move((*vec)[old + k]);
    } else {
      (*vec)[old + r] = T{};
    }
  }
  return Status::ok();
}

// The payload decoder of each vector type.
Status decodePayload(std::uint8_t codec, std::string_view p, std::size_t n,
                     std::vector<std::int64_t>* v) {
  return decodeInts(codec, p, n, v);
}
Status decodePayload(std::uint8_t codec, std::string_view p, std::size_t n,
                     std::vector<std::uint64_t>* v) {
  return decodeInts(codec, p, n, v);
}
Status decodePayload(std::uint8_t codec, std::string_view p, std::size_t n,
                     std::vector<double>* v) {
  return decodeFloats(codec, p, n, v);
}
Status decodePayload(std::uint8_t codec, std::string_view p, std::size_t n,
                     std::vector<std::uint8_t>* v) {
  if (codec != kBitmap || !bitmapValid(p, n)) return dataLoss("column block: bad bool bitmap");
  for (std::size_t i = 0; i < n; ++i) v->push_back(bitAt(p, i) ? 1 : 0);
  return Status::ok();
}
Status decodePayload(std::uint8_t codec, std::string_view p, std::size_t n,
                     std::vector<std::string>* v) {
  return decodeStrings(codec, p, n, v);
}
Status decodePayload(std::uint8_t codec, std::string_view p, std::size_t n,
                     std::vector<model::Array>* v) {
  if (codec != kArrays) return dataLoss("column block: bad array codec");
  return decodeArrays(p, n, v);
}

}  // namespace

void encodeBlock(const ColumnValues& values, std::span<const std::uint8_t> present,
                 std::size_t begin, std::size_t end, BlockHint hint, std::string* out) {
  assert(begin <= end && end <= columnSize(values));
  assert(present.empty() || present.size() == columnSize(values));
  assert(end - begin <= kMaxBlockRows);
  const std::size_t rows = end - begin;
  bool any_absent = false;
  if (!present.empty()) {
    for (std::size_t i = begin; i < end && !any_absent; ++i) any_absent = present[i] == 0;
  }
  std::string raw;
  if (any_absent) putBitmap(present.subspan(begin, rows), raw);
  const std::uint8_t codec = encodePayload(values, present, begin, end, any_absent, hint, raw);
  assert(raw.size() <= kMaxBlockBytes);

  std::string compressed;
  const bool zstd = compressBody(raw, &compressed);
  const std::string_view body = zstd ? std::string_view(compressed) : std::string_view(raw);
  std::uint8_t flags = 0;
  if (zstd) flags |= kFlagZstd;
  if (any_absent) flags |= kFlagPresence;

  const std::size_t start = out->size();
  putLe(*out, 0, 4);  // CRC, filled in below
  putLe(*out, kBlockFormatVersion, 1);
  putLe(*out, values.index(), 1);
  putLe(*out, codec, 1);
  putLe(*out, flags, 1);
  putLe(*out, rows, 4);
  putLe(*out, body.size(), 4);
  putLe(*out, raw.size(), 4);
  out->append(body);
  const std::uint32_t crc = crc32c(std::string_view(*out).substr(start + 4));
  for (int i = 0; i < 4; ++i) {
    (*out)[start + static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xFFu);
  }
}

Result<std::size_t> blockRows(std::string_view block) {
  Result<Header> h = parseHeader(block);
  if (!h.isOk()) return h.status();
  return static_cast<std::size_t>(h->rows);
}

Result<std::size_t> blockSize(std::string_view header) {
  Result<Header> h = parseHeader(header);
  if (!h.isOk()) return h.status();
  return kBlockHeaderSize + static_cast<std::size_t>(h->stored);
}

Status decodeBlock(std::string_view block, ColumnValues* values,
                   std::vector<std::uint8_t>* present) {
  Result<Header> hr = parseHeader(block);
  if (!hr.isOk()) return hr.status();
  const Header& h = *hr;
  if (block.size() != kBlockHeaderSize + h.stored) {
    return dataLoss("column block: length does not match its header");
  }
  if (crc32c(block.substr(4)) != getLe(block, 0, 4)) {
    return dataLoss("column block: checksum mismatch");
  }
  if (values->index() != h.type) return dataLoss("column block: column type mismatch");

  std::string_view raw = block.substr(kBlockHeaderSize);
  std::string decompressed;
  if ((h.flags & kFlagZstd) != 0) {
    Status st = decompressBody(raw, h.raw, &decompressed);
    if (!st.isOk()) return st;
    raw = decompressed;
  }
  std::string_view bitmap;
  std::size_t n = h.rows;
  if ((h.flags & kFlagPresence) != 0) {
    const std::size_t bytes = (static_cast<std::size_t>(h.rows) + 7) / 8;
    if (raw.size() < bytes || !bitmapValid(raw.substr(0, bytes), h.rows)) {
      return dataLoss("column block: bad presence bitmap");
    }
    bitmap = raw.substr(0, bytes);
    raw.remove_prefix(bytes);
    n = 0;
    for (unsigned char c : bitmap) n += static_cast<std::size_t>(std::popcount(c));
  }

  const std::size_t old_values = columnSize(*values);
  Status st = std::visit(
      [&](auto& vec) {
        return decodeInto(&vec, raw, n, h.rows, bitmap,
                          [&](auto* v) { return decodePayload(h.codec, raw, n, v); });
      },
      *values);
  if (!st.isOk()) {
    std::visit([old_values](auto& v) { v.resize(old_values); }, *values);
    return st;
  }
  const bool has_absent = n < h.rows;
  if (has_absent || !present->empty()) {
    if (present->empty()) present->assign(old_values, 1);
    present->reserve(present->size() + h.rows);
    for (std::size_t r = 0; r < h.rows; ++r) {
      present->push_back(bitmap.empty() || bitAt(bitmap, r) ? 1 : 0);
    }
  }
  return Status::ok();
}

}  // namespace sextant::storage::encoding
