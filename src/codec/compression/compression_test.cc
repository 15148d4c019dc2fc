#include "codec/compression/compression.h"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>
#include <zstd.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "core/testing/read_file.h"

namespace sextant::codec {
namespace {

constexpr ContentEncoding kCompressed[] = {ContentEncoding::kGzip, ContentEncoding::kDeflate,
                                           ContentEncoding::kZstd, ContentEncoding::kBrotli};
constexpr ContentEncoding kAll[] = {ContentEncoding::kIdentity, ContentEncoding::kGzip,
                                    ContentEncoding::kDeflate, ContentEncoding::kZstd,
                                    ContentEncoding::kBrotli};

std::string name(ContentEncoding enc) { return std::string(contentEncodingName(enc)); }

// Line-protocol-like text: compresses well, like real bodies.
std::string text(size_t n, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::string s;
  s.reserve(n + 128);
  while (s.size() < n) {
    s += "cpu,host=host-" + std::to_string(rng() % 1000) +
         ",region=eu usage=" + std::to_string(rng() % 10000) + "i " +
         std::to_string(1700000000000000000 + rng() % 1000) + "\n";
  }
  s.resize(n);
  return s;
}

std::string randomBytes(size_t n, uint64_t seed = 2) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

using ::sextant::testing::readFile;

long maxRssKiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

void appendLE32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

void appendBE32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// `mib` MiB of zeros in gzip or zlib format, built without compressing them all: a 1 MiB block
// of zeros deflated up to a sync flush (it ends on a byte boundary) is repeated, then a final
// empty block closes the stream; the trailer checksums are combined from the block's.
std::string deflatedZeros(ContentEncoding enc, size_t mib) {
  const std::string block(1 << 20, '\0');
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
  auto run = [&](const std::string& in, int flush) {
    std::string out(deflateBound(&zs, in.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_NE(deflate(&zs, flush), Z_STREAM_ERROR);
    EXPECT_EQ(zs.avail_in, 0u);
    out.resize(out.size() - zs.avail_out);
    return out;
  };
  const std::string chunk = run(block, Z_SYNC_FLUSH);
  const std::string tail = run("", Z_FINISH);
  deflateEnd(&zs);

  uLong crc =
      crc32(0, reinterpret_cast<const Bytef*>(block.data()), static_cast<uInt>(block.size()));
  uLong adler =
      adler32(1, reinterpret_cast<const Bytef*>(block.data()), static_cast<uInt>(block.size()));
  const uLong crc1 = crc, adler1 = adler;
  for (size_t i = 1; i < mib; ++i) {
    crc = crc32_combine(crc, crc1, static_cast<z_off_t>(block.size()));
    adler = adler32_combine(adler, adler1, static_cast<z_off_t>(block.size()));
  }
  std::string out = enc == ContentEncoding::kGzip
                        ? std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10)
                        : std::string("\x78\xda", 2);
  out.reserve(out.size() + chunk.size() * mib + tail.size() + 8);
  for (size_t i = 0; i < mib; ++i) out += chunk;
  out += tail;
  if (enc == ContentEncoding::kGzip) {
    appendLE32(out, static_cast<uint32_t>(crc));
    appendLE32(out, static_cast<uint32_t>((mib << 20) & 0xFFFFFFFFu));
  } else {
    appendBE32(out, static_cast<uint32_t>(adler));
  }
  return out;
}

// `mib` MiB of zeros compressed with the library's streaming API (fast for zstd and brotli),
// never holding them in memory.
std::string streamedZeros(ContentEncoding enc, size_t mib) {
  const std::string block(1 << 20, '\0');
  std::string out;
  if (enc == ContentEncoding::kZstd) {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    std::string buf(ZSTD_CStreamOutSize(), '\0');
    for (size_t i = 0; i < mib; ++i) {
      const bool last = i + 1 == mib;
      ZSTD_inBuffer in{block.data(), block.size(), 0};
      size_t rc;
      do {
        ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
        rc = ZSTD_compressStream2(cctx, &ob, &in, last ? ZSTD_e_end : ZSTD_e_continue);
        out.append(buf.data(), ob.pos);
      } while (last ? rc != 0 : in.pos < in.size);
    }
    ZSTD_freeCCtx(cctx);
    return out;
  }
  BrotliEncoderState* s = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
  BrotliEncoderSetParameter(s, BROTLI_PARAM_QUALITY, 1);
  for (size_t i = 0; i < mib; ++i) {
    const bool last = i + 1 == mib;
    size_t avail_in = block.size();
    const auto* next_in = reinterpret_cast<const uint8_t*>(block.data());
    do {
      size_t avail_out = 0;
      BrotliEncoderCompressStream(s, last ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS,
                                  &avail_in, &next_in, &avail_out, nullptr, nullptr);
      size_t n = 0;
      const uint8_t* p = BrotliEncoderTakeOutput(s, &n);
      out.append(reinterpret_cast<const char*>(p), n);
    } while (avail_in > 0 || BrotliEncoderHasMoreOutput(s) ||
             (last && !BrotliEncoderIsFinished(s)));
  }
  BrotliEncoderDestroyInstance(s);
  return out;
}

std::string compressedZeros(ContentEncoding enc, size_t mib) {
  return enc == ContentEncoding::kGzip || enc == ContentEncoding::kDeflate
             ? deflatedZeros(enc, mib)
             : streamedZeros(enc, mib);
}

// ---------------------------------------------------------------------------------------------

TEST(ContentEncodingTest, ParsesDataKitNames) {
  EXPECT_EQ(parseContentEncoding("gzip"), ContentEncoding::kGzip);
  EXPECT_EQ(parseContentEncoding("x-gzip"), ContentEncoding::kGzip);
  EXPECT_EQ(parseContentEncoding("GZip"), ContentEncoding::kGzip);
  EXPECT_EQ(parseContentEncoding(" deflate "), ContentEncoding::kDeflate);
  EXPECT_EQ(parseContentEncoding("ZSTD"), ContentEncoding::kZstd);
  EXPECT_EQ(parseContentEncoding("br"), ContentEncoding::kBrotli);
  EXPECT_EQ(parseContentEncoding("identity"), ContentEncoding::kIdentity);
  EXPECT_EQ(parseContentEncoding(""), ContentEncoding::kIdentity);
  EXPECT_EQ(parseContentEncoding("compress"), std::nullopt);
  EXPECT_EQ(parseContentEncoding("gzip, br"), std::nullopt);
  EXPECT_EQ(parseContentEncoding("brotli"), std::nullopt);
  EXPECT_EQ(parseContentEncoding("lz4"), std::nullopt);
  for (ContentEncoding enc : kAll) EXPECT_EQ(parseContentEncoding(contentEncodingName(enc)), enc);
}

TEST(CompressionTest, RoundTripsEveryEncodingAndSize) {
  const size_t sizes[] = {0, 1, 2, 100, 4095, 4096, 4097, 65535, 65536, 65537, 1 << 20, 4 << 20};
  for (ContentEncoding enc : kAll) {
    for (size_t n : sizes) {
      for (const std::string& data : {text(n), randomBytes(n)}) {
        const std::string packed = compress(data, enc);
        if (enc != ContentEncoding::kIdentity) {
          EXPECT_FALSE(packed.empty()) << name(enc) << n;
        }
        Result<std::string> back = decompress(packed, enc, 4 << 20);
        ASSERT_TRUE(back.isOk()) << name(enc) << " " << n << ": " << back.status().toString();
        EXPECT_TRUE(*back == data) << name(enc) << " " << n;
      }
    }
  }
}

// gzipFast (ISA-L) is read back by zlib, an independent implementation.
TEST(CompressionTest, GzipFastRoundTripsThroughZlib) {
  const size_t sizes[] = {0, 1, 2, 100, 4095, 65536, 65537, 1 << 20, 4 << 20};
  for (size_t n : sizes) {
    for (const std::string& data : {text(n), randomBytes(n)}) {
      const std::string packed = gzipFast(data);
      ASSERT_GE(packed.size(), 18u) << n;  // header + empty block + trailer at least
      EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x1f);
      EXPECT_EQ(static_cast<unsigned char>(packed[1]), 0x8b);
      Result<std::string> back = decompress(packed, ContentEncoding::kGzip, 4 << 20);
      ASSERT_TRUE(back.isOk()) << n << ": " << back.status().toString();
      EXPECT_TRUE(*back == data) << n;
    }
  }
  const std::string data = text(1 << 20);
  EXPECT_LT(gzipFast(data).size(), data.size() / 2);  // it does compress
}

TEST(CompressionTest, EveryLevelRoundTrips) {
  const std::string data = text(50'000);
  for (ContentEncoding enc : kCompressed) {
    for (int level : {-100, -1, 0, 1, 5, 9, 11, 19, 100}) {
      Result<std::string> back = decompress(compress(data, enc, level), enc, data.size());
      ASSERT_TRUE(back.isOk()) << name(enc) << " level " << level;
      EXPECT_TRUE(*back == data);
    }
  }
}

TEST(CompressionTest, CapExactlyAtTheSizePassesOneByteLessFails) {
  for (ContentEncoding enc : kAll) {
    for (size_t n : {size_t{1}, size_t{4096}, size_t{100'000}, size_t{3'000'000}}) {
      const std::string data = text(n);
      const std::string packed = compress(data, enc);
      Result<std::string> exact = decompress(packed, enc, n);
      ASSERT_TRUE(exact.isOk()) << name(enc) << n << exact.status().toString();
      EXPECT_TRUE(*exact == data);
      Result<std::string> over = decompress(packed, enc, n - 1);
      ASSERT_FALSE(over.isOk()) << name(enc) << n;
      EXPECT_EQ(over.status().code(), StatusCode::kOutOfRange) << over.status().toString();
    }
    // An empty body fits a zero cap.
    Result<std::string> empty = decompress(compress("", enc), enc, 0);
    ASSERT_TRUE(empty.isOk()) << name(enc) << empty.status().toString();
    EXPECT_EQ(*empty, "");
  }
}

TEST(CompressionTest, RumBrowserDeflateFixture) {
  // A browser's CompressionStream("deflate") body, as the Guance RUM SDK sends it.
  const std::string dir = std::string(SEXTANT_SHARED_DIR) + "/fixtures/rum/";
  const std::string body = readFile(dir + "guance-rum_deflate_batch1.zlib");
  const std::string expected = readFile(dir + "guance-rum_deflate_batch1.decoded.txt");
  ASSERT_FALSE(body.empty());
  ASSERT_FALSE(expected.empty());
  Result<std::string> got = decompress(body, ContentEncoding::kDeflate, 1 << 20);
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(*got, expected);
}

TEST(CompressionTest, DeflateAcceptsRawDeflateToo) {
  const std::string data = text(200'000);
  for (int level : {0, 1, 6, 9}) {
    z_stream zs{};
    ASSERT_EQ(deflateInit2(&zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string raw(deflateBound(&zs, data.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(raw.data());
    zs.avail_out = static_cast<uInt>(raw.size());
    ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    raw.resize(raw.size() - zs.avail_out);
    deflateEnd(&zs);
    Result<std::string> got = decompress(raw, ContentEncoding::kDeflate, data.size());
    ASSERT_TRUE(got.isOk()) << level << ": " << got.status().toString();
    EXPECT_TRUE(*got == data);
  }
  // The zlib format is what compress() produces (RFC 1950 header: 0x78 ...).
  EXPECT_EQ(static_cast<unsigned char>(compress(data, ContentEncoding::kDeflate)[0]), 0x78);
}

TEST(CompressionTest, GzipMembersAndZstdFramesAreConcatenated) {
  const std::string a = text(70'000, 1), b = text(5'000, 2), c = "tail";
  for (ContentEncoding enc : {ContentEncoding::kGzip, ContentEncoding::kZstd}) {
    const std::string body = compress(a, enc) + compress(b, enc) + compress(c, enc);
    Result<std::string> got = decompress(body, enc, 1 << 20);
    ASSERT_TRUE(got.isOk()) << name(enc) << got.status().toString();
    EXPECT_TRUE(*got == a + b + c) << name(enc);
    // The cap covers all members together.
    Result<std::string> capped = decompress(body, enc, a.size() + b.size());
    EXPECT_EQ(capped.status().code(), StatusCode::kOutOfRange) << name(enc);
  }
}

TEST(CompressionTest, TrailingBytesAreRejected) {
  const std::string data = text(10'000);
  for (ContentEncoding enc : kCompressed) {
    for (const std::string& junk : {std::string("x"), std::string("\0\0\0\0", 4),
                                    std::string("trailing garbage after the stream")}) {
      Result<std::string> got = decompress(compress(data, enc) + junk, enc, 1 << 20);
      ASSERT_FALSE(got.isOk()) << name(enc) << " junk " << junk.size();
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << got.status().toString();
    }
  }
}

TEST(CompressionTest, EveryTruncationIsRejected) {
  const std::string data = text(3'000) + randomBytes(500);
  for (ContentEncoding enc : kCompressed) {
    const std::string packed = compress(data, enc);
    for (size_t n = 0; n < packed.size(); ++n) {
      Result<std::string> got = decompress(std::string_view(packed).substr(0, n), enc, 1 << 20);
      ASSERT_FALSE(got.isOk()) << name(enc) << " prefix " << n << " of " << packed.size();
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << got.status().toString();
    }
  }
}

TEST(CompressionTest, CorruptDataIsRejected) {
  const std::string data = text(20'000);
  // gzip (CRC-32), zlib (Adler-32) and our zstd frames (XXH64) carry checksums: any change to
  // the compressed data is caught.
  for (ContentEncoding enc :
       {ContentEncoding::kGzip, ContentEncoding::kDeflate, ContentEncoding::kZstd}) {
    std::string packed = compress(data, enc);
    for (size_t pos : {packed.size() / 3, packed.size() / 2, packed.size() - 5}) {
      std::string bad = packed;
      bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
      Result<std::string> got = decompress(bad, enc, 1 << 20);
      ASSERT_FALSE(got.isOk()) << name(enc) << " flip at " << pos;
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << got.status().toString();
    }
  }
  // Bodies that are not compressed at all.
  for (ContentEncoding enc : kCompressed) {
    for (const std::string& junk : {std::string("cpu,host=a usage=1 1700000000000000000\n"),
                                    std::string("\xff\xff\xff\xff\xff\xff\xff\xff")}) {
      Result<std::string> got = decompress(junk, enc, 1 << 20);
      ASSERT_FALSE(got.isOk()) << name(enc);
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << got.status().toString();
    }
  }
}

TEST(CompressionTest, ByteFlipsNeverCrashOrExceedTheCap) {
  const std::string data = text(2'000);
  for (ContentEncoding enc : kCompressed) {
    const std::string packed = compress(data, enc);
    for (size_t pos = 0; pos < packed.size(); ++pos) {
      for (int bit : {0, 3, 7}) {
        std::string bad = packed;
        bad[pos] = static_cast<char>(bad[pos] ^ (1 << bit));
        Result<std::string> got = decompress(bad, enc, 4096);
        if (got.isOk()) {
          EXPECT_LE(got->size(), 4096u);
        } else {
          EXPECT_TRUE(got.status().code() == StatusCode::kInvalidArgument ||
                      got.status().code() == StatusCode::kOutOfRange)
              << got.status().toString();
        }
      }
    }
  }
}

TEST(CompressionTest, EmptyBodies) {
  for (ContentEncoding enc : kCompressed) {
    Result<std::string> got = decompress("", enc, 1 << 20);
    ASSERT_FALSE(got.isOk()) << name(enc);
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  }
  Result<std::string> plain = decompress("", ContentEncoding::kIdentity, 0);
  ASSERT_TRUE(plain.isOk());
  EXPECT_EQ(*plain, "");
}

TEST(CompressionTest, IdentityHonoursTheCap) {
  EXPECT_EQ(decompress("12345", ContentEncoding::kIdentity, 4).status().code(),
            StatusCode::kOutOfRange);
  Result<std::string> ok = decompress("12345", ContentEncoding::kIdentity, 5);
  ASSERT_TRUE(ok.isOk());
  EXPECT_EQ(*ok, "12345");
}

TEST(CompressionTest, ZeroStreamsOfTheTestAreValid) {
  for (ContentEncoding enc : kCompressed) {
    Result<std::string> got = decompress(compressedZeros(enc, 3), enc, 3 << 20);
    ASSERT_TRUE(got.isOk()) << name(enc) << got.status().toString();
    EXPECT_TRUE(*got == std::string(3 << 20, '\0')) << name(enc);
  }
}

TEST(CompressionTest, ZipBombsFailFastWithSmallMemory) {
  constexpr size_t kBombMiB = 1024;  // 1 GiB of zeros
  constexpr size_t kCap = 16 << 20;
  for (ContentEncoding enc : kCompressed) {
    const std::string bomb = compressedZeros(enc, kBombMiB);
    ASSERT_FALSE(bomb.empty());
    EXPECT_LT(bomb.size(), size_t{8} << 20) << name(enc);
    const long rss_before = maxRssKiB();
    const auto start = std::chrono::steady_clock::now();
    Result<std::string> got = decompress(bomb, enc, kCap);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_FALSE(got.isOk()) << name(enc);
    EXPECT_EQ(got.status().code(), StatusCode::kOutOfRange) << got.status().toString();
    // Stopped near the cap: far less than the 1 GiB the bomb would expand to.
    EXPECT_LT(maxRssKiB() - rss_before, 200 * 1024) << name(enc);
    EXPECT_LT(seconds, 5.0) << name(enc);
  }
}

TEST(CompressionTest, ZstdRefusesWindowsLargerThanNeededForTheCap) {
  // A stream of unknown size compressed with a 256 MiB window: its decoder would allocate the
  // window whatever the cap, so it is refused.
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 28);
  const std::string data = text(100'000);
  std::string out(ZSTD_compressBound(data.size()) + 1024, '\0');
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  // Continue first, then end: a single "end" call would size the window to the data.
  ZSTD_compressStream2(cctx, &ob, &in, ZSTD_e_continue);
  ASSERT_EQ(in.pos, in.size);
  ZSTD_inBuffer none{nullptr, 0, 0};
  ASSERT_EQ(ZSTD_compressStream2(cctx, &ob, &none, ZSTD_e_end), 0u);
  ZSTD_freeCCtx(cctx);
  out.resize(ob.pos);
  Result<std::string> got = decompress(out, ContentEncoding::kZstd, 1 << 20);
  ASSERT_FALSE(got.isOk());
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << got.status().toString();
}

}  // namespace
}  // namespace sextant::codec
