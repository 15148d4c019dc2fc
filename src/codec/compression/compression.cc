#include "codec/compression/compression.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>

namespace sextant::codec {

namespace {

constexpr size_t kMinInitialOutput = 4 << 10;
constexpr size_t kMaxInitialOutput = 64 << 20;
// zlib counts in uInt: feed it at most this much per call.
constexpr size_t kMaxZlibChunk = size_t{1} << 30;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status tooLarge(ContentEncoding enc, size_t cap) {
  return outOfRange(std::string(contentEncodingName(enc)) +
                    ": decompressed body exceeds the limit of " + std::to_string(cap) + " bytes");
}

Status corrupt(ContentEncoding enc, std::string_view what) {
  return invalidArgument(std::string(contentEncodingName(enc)) + ": " + std::string(what));
}

// First allocation for the output: a guess from the body size (4x), within [4 KiB, 64 MiB]
// and never above the cap.
size_t initialOutputSize(size_t body_size, size_t cap) {
  const size_t guess = body_size > kMaxInitialOutput / 4 ? kMaxInitialOutput : body_size * 4;
  return std::min(cap, std::clamp(guess, kMinInitialOutput, kMaxInitialOutput));
}

// The decompressed bytes, in a buffer that grows geometrically but never beyond the cap. Once
// the buffer is full at the cap, space() hands out a one-byte probe instead: a decoder that
// writes into it has more output than the cap allows.
class CappedOutput {
 public:
  CappedOutput(size_t cap, size_t initial) : cap_(cap) { resizeExactly(std::min(cap, initial)); }

  // Room for the decoder to write to (at least one byte).
  std::pair<char*, size_t> space() {
    if (size_ == buf_.size() && buf_.size() < cap_) {
      const size_t doubled = buf_.size() > cap_ / 2 ? cap_ : buf_.size() * 2;
      resizeExactly(std::max({doubled, kMinInitialOutput, buf_.size() + 1}));
    }
    if (size_ == buf_.size()) {
      probing_ = true;
      return {&probe_, 1};
    }
    probing_ = false;
    return {buf_.data() + size_, buf_.size() - size_};
  }

  // Records that the decoder wrote n bytes into the last space(). False if that overflows.
  [[nodiscard]] bool commit(size_t n) {
    if (probing_) return n == 0;
    size_ += n;
    return true;
  }

  std::string take() && {
    buf_.resize(size_);
    return std::move(buf_);
  }

 private:
  // Grows to n bytes (n <= cap_) in a fresh buffer of exactly that capacity: std::string's own
  // growth could double the capacity past the cap.
  void resizeExactly(size_t n) {
    n = std::min(n, cap_);
    if (n <= buf_.size()) return;
    std::string bigger;
    bigger.reserve(n);
    bigger.append(buf_, 0, size_);
    bigger.resize(n);
    buf_.swap(bigger);
  }

  size_t cap_;
  std::string buf_;  // buf_.size() is the allocated room; size_ bytes of it are output
  size_t size_ = 0;
  char probe_ = 0;
  bool probing_ = false;
};

// gzip (window_bits 31) or zlib / raw deflate (15 / -15).
Result<std::string> inflateBody(std::string_view body, ContentEncoding enc, int window_bits,
                                size_t cap) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) {
    return Status(StatusCode::kResourceExhausted, "inflateInit2 failed");
  }
  struct End {
    z_stream* zs;
    ~End() { inflateEnd(zs); }
  } end{&zs};

  CappedOutput out(cap, initialOutputSize(body.size(), cap));
  const auto* next = reinterpret_cast<const Bytef*>(body.data());
  size_t left = body.size();
  for (;;) {
    auto [room, room_size] = out.space();
    const auto out_size = static_cast<uInt>(std::min(room_size, kMaxZlibChunk));
    const auto in_size = static_cast<uInt>(std::min(left, kMaxZlibChunk));
    zs.next_out = reinterpret_cast<Bytef*>(room);
    zs.avail_out = out_size;
    zs.next_in = const_cast<Bytef*>(next);
    zs.avail_in = in_size;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const size_t consumed = in_size - zs.avail_in, produced = out_size - zs.avail_out;
    next += consumed;
    left -= consumed;
    if (!out.commit(produced)) return tooLarge(enc, cap);
    switch (rc) {
      case Z_OK: continue;
      case Z_STREAM_END:
        if (left == 0) return std::move(out).take();
        // Another gzip member follows: decode it too.
        if (enc == ContentEncoding::kGzip && left >= 2 && next[0] == 0x1f && next[1] == 0x8b) {
          inflateReset(&zs);
          continue;
        }
        return corrupt(enc, "trailing data after the end of the stream");
      case Z_BUF_ERROR:  // no progress possible: out of input (there is always output room)
        if (left == 0) return corrupt(enc, "truncated stream");
        if (consumed == 0 && produced == 0) return corrupt(enc, "decoder made no progress");
        continue;
      case Z_MEM_ERROR: return Status(StatusCode::kResourceExhausted, "inflate: out of memory");
      case Z_NEED_DICT: return corrupt(enc, "stream needs a preset dictionary");
      default:
        return corrupt(
            enc, std::string("corrupt data (") + (zs.msg != nullptr ? zs.msg : "error") + ")");
    }
  }
}

// RFC 1950 header: CM = 8 (deflate), CINFO <= 7, FCHECK makes the 16-bit value a multiple of 31.
bool hasZlibHeader(std::string_view body) {
  if (body.size() < 2) return false;
  const auto cmf = static_cast<unsigned char>(body[0]), flg = static_cast<unsigned char>(body[1]);
  return (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

// Largest zstd window accepted: enough for the cap (a frame's window never needs to exceed its
// content), at least 8 MiB (what common encoders use for streams of unknown size), at most
// 128 MiB (zstd's default limit).
int zstdWindowLogMax(size_t cap) {
  const int needed = cap <= 1 ? 0 : std::bit_width(cap - 1);
  return std::clamp(needed, 23, 27);
}

Result<std::string> zstdBody(std::string_view body, size_t cap) {
  constexpr ContentEncoding kEnc = ContentEncoding::kZstd;
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  if (dctx == nullptr) return Status(StatusCode::kResourceExhausted, "ZSTD_createDCtx failed");
  struct Free {
    ZSTD_DCtx* d;
    ~Free() { ZSTD_freeDCtx(d); }
  } free_dctx{dctx};
  ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, zstdWindowLogMax(cap));

  // The frame header may announce the content size: a better first allocation (bounded, since
  // the header is not trusted).
  size_t initial = initialOutputSize(body.size(), cap);
  const unsigned long long announced = ZSTD_getFrameContentSize(body.data(), body.size());
  if (announced != ZSTD_CONTENTSIZE_UNKNOWN && announced != ZSTD_CONTENTSIZE_ERROR &&
      announced <= kMaxInitialOutput) {
    initial = std::min(cap, std::max<size_t>(announced, 1));
  }
  CappedOutput out(cap, initial);
  ZSTD_inBuffer in{body.data(), body.size(), 0};
  for (;;) {
    auto [room, room_size] = out.space();
    ZSTD_outBuffer ob{room, room_size, 0};
    const size_t rc = ZSTD_decompressStream(dctx, &ob, &in);
    if (ZSTD_isError(rc)) {
      return corrupt(kEnc, std::string("corrupt data (") + ZSTD_getErrorName(rc) + ")");
    }
    if (!out.commit(ob.pos)) return tooLarge(kEnc, cap);
    if (rc == 0) {  // a frame ended and is flushed; another may follow
      if (in.pos == in.size) return std::move(out).take();
      continue;
    }
    if (in.pos == in.size && ob.pos < ob.size) return corrupt(kEnc, "truncated stream");
  }
}

Result<std::string> brotliBody(std::string_view body, size_t cap) {
  constexpr ContentEncoding kEnc = ContentEncoding::kBrotli;
  BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (state == nullptr) return Status(StatusCode::kResourceExhausted, "brotli: out of memory");
  struct Destroy {
    BrotliDecoderState* s;
    ~Destroy() { BrotliDecoderDestroyInstance(s); }
  } destroy{state};

  CappedOutput out(cap, initialOutputSize(body.size(), cap));
  size_t avail_in = body.size();
  const auto* next_in = reinterpret_cast<const uint8_t*>(body.data());
  for (;;) {
    auto [room, room_size] = out.space();
    size_t avail_out = room_size;
    auto* next_out = reinterpret_cast<uint8_t*>(room);
    const BrotliDecoderResult r =
        BrotliDecoderDecompressStream(state, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    if (!out.commit(room_size - avail_out)) return tooLarge(kEnc, cap);
    switch (r) {
      case BROTLI_DECODER_RESULT_SUCCESS:
        if (avail_in != 0) return corrupt(kEnc, "trailing data after the end of the stream");
        return std::move(out).take();
      case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: continue;
      case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: return corrupt(kEnc, "truncated stream");
      case BROTLI_DECODER_RESULT_ERROR:
      default:
        return corrupt(kEnc, std::string("corrupt data (") +
                                 BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state)) + ")");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compression.

// gzip and zlib streams come from libdeflate: whole-buffer compression is 2-4x faster than zlib
// at the same level (the uploader's hot path). One compressor per thread and level is kept.
enum class DeflateFormat { kGzip, kZlib };

std::string deflateData(std::string_view data, int level, DeflateFormat format) {
  level = level == -1 ? 6 : std::clamp(level, 0, 12);
  struct Free {
    void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
  };
  thread_local std::array<std::unique_ptr<libdeflate_compressor, Free>, 13> compressors;
  auto& c = compressors[static_cast<size_t>(level)];
  if (!c) c.reset(libdeflate_alloc_compressor(level));
  if (!c) return {};
  const bool gzip = format == DeflateFormat::kGzip;
  std::string out(gzip ? libdeflate_gzip_compress_bound(c.get(), data.size())
                       : libdeflate_zlib_compress_bound(c.get(), data.size()),
                  '\0');
  size_t n =
      gzip ? libdeflate_gzip_compress(c.get(), data.data(), data.size(), out.data(), out.size())
           : libdeflate_zlib_compress(c.get(), data.data(), data.size(), out.data(), out.size());
  out.resize(n);  // 0 only if the bound was wrong: an empty string reports the failure
  return out;
}

// ISA-L's level-1 working memory: the hash tables plus a token buffer; a bigger token buffer
// keeps large inputs fast, a small one keeps small bodies cheap. It is allocated per call, not
// kept per thread (unlike libdeflate's compressors), so an idle agent holds none.
size_t igzipLevelBufferSize(size_t input_size) {
  if (input_size > (256u << 10)) return ISAL_DEF_LVL1_LARGE;
  return input_size > (64u << 10) ? ISAL_DEF_LVL1_SMALL : ISAL_DEF_LVL1_MIN;
}

std::string igzipData(std::string_view data) {
  const size_t level_size = igzipLevelBufferSize(data.size());
  std::unique_ptr<uint8_t[]> level_buf(new uint8_t[level_size]);  // uninitialised on purpose
  // Incompressible input becomes stored blocks: 5 bytes per 64 KiB block plus the gzip header
  // and trailer; the margin is generous. Uninitialised, and only what ISA-L wrote is copied out
  // (zero-filling a string of the bound cost more than copying the ~20% that remains).
  const size_t bound = data.size() + data.size() / 64 + 1024;
  std::unique_ptr<uint8_t[]> out(new uint8_t[bound]);
  isal_zstream s;
  isal_deflate_stateless_init(&s);
  s.level = 1;
  s.level_buf = level_buf.get();
  s.level_buf_size = static_cast<uint32_t>(level_size);
  s.gzip_flag = IGZIP_GZIP;
  s.end_of_stream = 1;
  s.flush = NO_FLUSH;
  // ISA-L counts in uint32_t; the uploader's bodies are a few MiB at most.
  if (bound > std::numeric_limits<uint32_t>::max()) {
    return deflateData(data, 1, DeflateFormat::kGzip);
  }
  s.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uint32_t>(data.size());
  s.next_out = out.get();
  s.avail_out = static_cast<uint32_t>(bound);
  if (isal_deflate_stateless(&s) != COMP_OK) return deflateData(data, 1, DeflateFormat::kGzip);
  return std::string(reinterpret_cast<const char*>(out.get()), s.total_out);
}

std::string zstdData(std::string_view data, int level) {
  level = level == -1 ? 3 : std::clamp(level, 1, 19);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (cctx == nullptr) return {};
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(n)) return {};
  out.resize(n);
  return out;
}

std::string brotliData(std::string_view data, int level) {
  level = level == -1 ? 5 : std::clamp(level, BROTLI_MIN_QUALITY, BROTLI_MAX_QUALITY);
  size_t n = BrotliEncoderMaxCompressedSize(data.size());
  if (n == 0) return {};
  std::string out(n, '\0');
  if (!BrotliEncoderCompress(level, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, data.size(),
                             reinterpret_cast<const uint8_t*>(data.data()), &n,
                             reinterpret_cast<uint8_t*>(out.data()))) {
    return {};
  }
  out.resize(n);
  return out;
}

}  // namespace

std::optional<ContentEncoding> parseContentEncoding(std::string_view s) {
  s = trim(s);
  if (s.empty() || equalsIgnoreCase(s, "identity")) return ContentEncoding::kIdentity;
  if (equalsIgnoreCase(s, "gzip") || equalsIgnoreCase(s, "x-gzip")) return ContentEncoding::kGzip;
  if (equalsIgnoreCase(s, "deflate")) return ContentEncoding::kDeflate;
  if (equalsIgnoreCase(s, "zstd")) return ContentEncoding::kZstd;
  if (equalsIgnoreCase(s, "br")) return ContentEncoding::kBrotli;
  return std::nullopt;
}

std::string_view contentEncodingName(ContentEncoding enc) {
  switch (enc) {
    case ContentEncoding::kIdentity: return "identity";
    case ContentEncoding::kGzip: return "gzip";
    case ContentEncoding::kDeflate: return "deflate";
    case ContentEncoding::kZstd: return "zstd";
    case ContentEncoding::kBrotli: return "br";
  }
  return "unknown";
}

Result<std::string> decompress(std::string_view body, ContentEncoding enc,
                               size_t max_decompressed_bytes) {
  switch (enc) {
    case ContentEncoding::kIdentity:
      if (body.size() > max_decompressed_bytes) return tooLarge(enc, max_decompressed_bytes);
      return std::string(body);
    case ContentEncoding::kGzip:
      return inflateBody(body, enc, 16 + MAX_WBITS, max_decompressed_bytes);
    case ContentEncoding::kDeflate:
      return inflateBody(body, enc, hasZlibHeader(body) ? MAX_WBITS : -MAX_WBITS,
                         max_decompressed_bytes);
    case ContentEncoding::kZstd: return zstdBody(body, max_decompressed_bytes);
    case ContentEncoding::kBrotli: return brotliBody(body, max_decompressed_bytes);
  }
  return invalidArgument("unknown content encoding");
}

std::string compress(std::string_view data, ContentEncoding enc, int level) {
  switch (enc) {
    case ContentEncoding::kIdentity: return std::string(data);
    case ContentEncoding::kGzip: return deflateData(data, level, DeflateFormat::kGzip);
    case ContentEncoding::kDeflate: return deflateData(data, level, DeflateFormat::kZlib);
    case ContentEncoding::kZstd: return zstdData(data, level);
    case ContentEncoding::kBrotli: return brotliData(data, level);
  }
  return {};
}

std::string gzipFast(std::string_view data) { return igzipData(data); }

}  // namespace sextant::codec
