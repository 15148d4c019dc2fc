// Protobuf wire-format primitives: a bounds-checked reader (varints, fixed32/64,
// length-delimited values, skipping unknown fields and groups) and raw-pointer writers with
// their size functions. No message model: codecs built on this read and write their messages
// field by field. Header-only so the hot loops inline.
//
// Thread-safety: WireReader is a plain cursor over caller-owned bytes; the free functions are
// pure.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sextant::codec::pb {

// The wire types of protobuf encoding (3 and 4 are the deprecated groups).
enum WireType : uint32_t {
  kWireVarint = 0,
  kWireFixed64 = 1,
  kWireLen = 2,
  kWireStartGroup = 3,
  kWireEndGroup = 4,
  kWireFixed32 = 5,
};

inline constexpr uint32_t kMaxFieldNumber = (1u << 29) - 1;
// Nesting limit when skipping unknown groups (libprotobuf's default recursion limit is 100).
inline constexpr int kMaxGroupDepth = 64;

// Reads protobuf wire format from caller-owned bytes. Every read checks bounds and returns
// false on malformed input (truncated varint or value, length past the end, varint longer than
// 10 bytes, field number 0, reserved wire types); the cursor is then unspecified.
class WireReader {
 public:
  explicit WireReader(std::string_view data)
      : p_(reinterpret_cast<const uint8_t*>(data.data())), end_(p_ + data.size()) {}

  bool done() const { return p_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  // A field key: field number and wire type.
  bool readKey(uint32_t* field, uint32_t* wire_type) {
    uint64_t key;
    if (!readVarint(&key) || key > (uint64_t{kMaxFieldNumber} << 3 | 7)) return false;
    *field = static_cast<uint32_t>(key >> 3);
    *wire_type = static_cast<uint32_t>(key & 7);
    return *field != 0 && *wire_type <= kWireFixed32;
  }

  bool readVarint(uint64_t* v) {
    if (p_ < end_ && *p_ < 0x80) {
      *v = *p_++;
      return true;
    }
    return readVarintSlow(v);
  }

  bool readFixed64(uint64_t* v) {
    if (end_ - p_ < 8) return false;
    uint64_t x;
    std::memcpy(&x, p_, 8);
    if constexpr (std::endian::native == std::endian::big) x = byteswap64(x);
    *v = x;
    p_ += 8;
    return true;
  }

  bool readFixed32(uint32_t* v) {
    if (end_ - p_ < 4) return false;
    uint32_t x;
    std::memcpy(&x, p_, 4);
    if constexpr (std::endian::native == std::endian::big) x = __builtin_bswap32(x);
    *v = x;
    p_ += 4;
    return true;
  }

  // A length-delimited value (string, bytes, embedded message); *v points into the input.
  bool readBytes(std::string_view* v) {
    uint64_t len;
    if (!readVarint(&len) || len > static_cast<uint64_t>(end_ - p_)) return false;
    *v = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(len));
    p_ += len;
    return true;
  }

  // Skips the value of a field whose key was just read. A start-group is skipped up to its
  // matching end-group (at most kMaxGroupDepth deep); a stray end-group is malformed.
  bool skip(uint32_t field, uint32_t wire_type) {
    if (wire_type != kWireStartGroup) return skipScalar(wire_type);
    uint32_t open[kMaxGroupDepth];
    int depth = 0;
    open[depth++] = field;
    while (depth > 0) {
      uint32_t f, wt;
      if (!readKey(&f, &wt)) return false;
      if (wt == kWireEndGroup) {
        if (f != open[--depth]) return false;
      } else if (wt == kWireStartGroup) {
        if (depth == kMaxGroupDepth) return false;
        open[depth++] = f;
      } else if (!skipScalar(wt)) {
        return false;
      }
    }
    return true;
  }

 private:
  static uint64_t byteswap64(uint64_t x) { return __builtin_bswap64(x); }

  bool readVarintSlow(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      uint8_t b = *p_++;
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) {
        *v = result;
        return true;
      }
    }
    return false;  // longer than 10 bytes
  }

  bool skipScalar(uint32_t wire_type) {
    switch (wire_type) {
      case kWireVarint: {
        uint64_t v;
        return readVarint(&v);
      }
      case kWireFixed64: {
        uint64_t v;
        return readFixed64(&v);
      }
      case kWireLen: {
        std::string_view v;
        return readBytes(&v);
      }
      case kWireFixed32: {
        uint32_t v;
        return readFixed32(&v);
      }
      default: return false;  // an end-group without its start
    }
  }

  const uint8_t* p_;
  const uint8_t* end_;
};

// ---- writers: the caller sizes the buffer first (the *Size functions), then writes. ----

inline size_t varintSize(uint64_t v) { return static_cast<size_t>(std::bit_width(v | 1) + 6) / 7; }
inline size_t keySize(uint32_t field) { return varintSize(uint64_t{field} << 3); }
// Key + length prefix + payload of a length-delimited field.
inline size_t lenFieldSize(uint32_t field, size_t payload) {
  return keySize(field) + varintSize(payload) + payload;
}

inline char* writeVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline char* writeKey(char* p, uint32_t field, WireType wire_type) {
  return writeVarint(p, uint64_t{field} << 3 | wire_type);
}

inline char* writeFixed64(char* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
  return p + 8;
}

// Copies n bytes. Up to 16 bytes (most keys and tag values) with two overlapping fixed-size moves
// the compiler inlines, instead of a call to memcpy that costs more than the copy.
inline void copyBytes(char* dst, const char* src, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t head, tail;
    std::memcpy(&head, src, 8);
    std::memcpy(&tail, src + n - 8, 8);
    std::memcpy(dst, &head, 8);
    std::memcpy(dst + n - 8, &tail, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t head, tail;
    std::memcpy(&head, src, 4);
    std::memcpy(&tail, src + n - 4, 4);
    std::memcpy(dst, &head, 4);
    std::memcpy(dst + n - 4, &tail, 4);
  } else if (n > 0 && n < 4) {
    const char a = src[0], b = src[n / 2], c = src[n - 1];
    dst[0] = a;
    dst[n / 2] = b;
    dst[n - 1] = c;
  } else if (n > 16) {
    std::memcpy(dst, src, n);
  }
}

inline char* writeBytes(char* p, std::string_view v) {
  p = writeVarint(p, v.size());
  copyBytes(p, v.data(), v.size());
  return p + v.size();
}

}  // namespace sextant::codec::pb
