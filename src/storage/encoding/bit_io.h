// Byte and bit primitives of the column block format (docs/formats/column-blocks.md,
// "Primitives"): LEB128 varints, zigzag, and LSB-first bit streams. Readers are bounds-checked:
// they return false instead of reading past the end. Internal to storage/encoding.
// Thread-safety: plain values; one reader or writer per thread.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sextant::storage::encoding {

inline std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

inline std::size_t varintSize(std::uint64_t v) {
  // 1 byte per 7 significant bits, at least 1.
  return static_cast<std::size_t>((64 - std::countl_zero(v | 1)) + 6) / 7;
}

inline void putVarint(std::string& out, std::uint64_t v) {
  char buf[10];
  std::size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

// Reads the LEB128 varint at *pos of in and moves *pos past it. Fails (false, *pos unspecified) on
// a truncated varint and on one above 2^64 - 1.
inline bool readVarintAt(std::string_view in, std::size_t* pos, std::uint64_t* v) {
  std::uint64_t result = 0;
  std::size_t p = *pos;
  for (int shift = 0; shift < 70; shift += 7) {
    if (p >= in.size()) return false;
    const std::uint64_t b = static_cast<unsigned char>(in[p++]);
    if (shift == 63 && b > 1) return false;
    result |= (b & 0x7F) << shift;
    if (b < 0x80) {
      *v = result;
      *pos = p;
      return true;
    }
  }
  return false;
}

// Reads bytes and varints from a span; every read fails (returns false) rather than overrun.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  std::size_t remaining() const { return in_.size() - pos_; }
  bool done() const { return pos_ == in_.size(); }

  bool byte(std::uint8_t* v) {
    if (pos_ >= in_.size()) return false;
    *v = static_cast<std::uint8_t>(in_[pos_++]);
    return true;
  }

  // Fails on a truncated varint and on one above 2^64 - 1.
  bool varint(std::uint64_t* v) { return readVarintAt(in_, &pos_, v); }

  bool bytes(std::size_t n, std::string_view* out) {
    if (n > remaining()) return false;
    *out = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }

  bool u64le(std::uint64_t* v) {
    if (remaining() < 8) return false;
    std::uint64_t r = 0;
    for (int i = 0; i < 8; ++i) {
      r |= static_cast<std::uint64_t>(
               static_cast<unsigned char>(in_[pos_ + static_cast<std::size_t>(i)]))
           << (8 * i);
    }
    pos_ += 8;
    *v = r;
    return true;
  }

  std::string_view rest() const { return in_.substr(pos_); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

// Appends an LSB-first bit stream to a string. finish() flushes the last partial byte (zero
// padded); the writer must not be used after it.
class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}

  // Writes the low k bits of v (0 <= k <= 64).
  void write(std::uint64_t v, int k) {
    if (k == 0) return;
    if (k < 64) v &= (std::uint64_t{1} << k) - 1;
    acc_ |= v << n_;
    if (n_ + k < 64) {
      n_ += k;
      return;
    }
    char buf[8];
    for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((acc_ >> (8 * i)) & 0xFF);
    out_->append(buf, 8);
    const int used = 64 - n_;
    acc_ = used >= 64 ? 0 : v >> used;
    n_ = k - used;
  }

  void finish() {
    for (int i = 0; i < n_; i += 8) out_->push_back(static_cast<char>((acc_ >> i) & 0xFF));
    acc_ = 0;
    n_ = 0;
  }

 private:
  std::string* out_;
  std::uint64_t acc_ = 0;
  int n_ = 0;  // bits in acc_, < 64
};

// Reads an LSB-first bit stream; read() fails past the end.
class BitReader {
 public:
  explicit BitReader(std::string_view in) : in_(in), bits_(in.size() * 8) {}

  bool read(int k, std::uint64_t* v) {
    if (k == 0) {
      *v = 0;
      return true;
    }
    if (static_cast<std::size_t>(k) > bits_ - pos_) return false;
    const std::size_t byte = pos_ >> 3;
    const int shift = static_cast<int>(pos_ & 7);
    std::uint64_t r = load(byte) >> shift;
    if (k + shift > 64) r |= load(byte + 8) << (64 - shift);
    if (k < 64) r &= (std::uint64_t{1} << k) - 1;
    pos_ += static_cast<std::size_t>(k);
    *v = r;
    return true;
  }

  bool bit(std::uint64_t* v) { return read(1, v); }

  // True when the stream ends in the byte holding the last bit read and the padding is zero.
  bool finishedCleanly() const {
    if ((pos_ + 7) / 8 != in_.size()) return false;
    if ((pos_ & 7) == 0) return true;
    const unsigned last = static_cast<unsigned char>(in_.back());
    return (last >> (pos_ & 7)) == 0;
  }

 private:
  std::uint64_t load(std::size_t byte) const {
    std::uint64_t w = 0;
    if (byte + 8 <= in_.size()) {
      unsigned char b[8];
      std::memcpy(b, in_.data() + byte, 8);
      for (int i = 0; i < 8; ++i) w |= static_cast<std::uint64_t>(b[i]) << (8 * i);
    } else {
      for (std::size_t i = 0; byte + i < in_.size() && i < 8; ++i) {
        w |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[byte + i])) << (8 * i);
      }
    }
    return w;
  }

  std::string_view in_;
  std::size_t bits_;
  std::size_t pos_ = 0;
};

// Bits needed to write values 0..max (0 for max == 0).
inline int bitWidth(std::uint64_t max) { return 64 - std::countl_zero(max); }

}  // namespace sextant::storage::encoding
