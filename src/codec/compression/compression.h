// HTTP body compression: the Content-Encoding values DataKit accepts on /v1/write (its
// `encoding` query parameter or the Content-Encoding header) and DataWay accepts on upload.
//
// decompress() is built for untrusted bodies: it streams through the decoder into an output
// that never grows beyond max_decompressed_bytes, so a small "zip bomb" fails fast with
// OutOfRange and costs at most that much memory. Corrupt, truncated or trailing bytes give
// InvalidArgument.
//
// Formats:
//   gzip     RFC 1952. Concatenated members are decoded one after the other (like Go's
//            gzip.Reader and `gzip -d`); bytes after the last member that do not start another
//            member are an error.
//   deflate  HTTP's "deflate" is the zlib format (RFC 1950): what browsers' CompressionStream
//            ("deflate"), Go's compress/zlib and Python's zlib.compress produce. Raw deflate
//            (RFC 1951, e.g. Go's compress/flate) is accepted too: a body whose first two bytes
//            are not a valid zlib header is decoded as raw deflate.
//   zstd     RFC 8878, one or more frames (skippable frames allowed). A frame whose window is
//            larger than the cap needs (but at least 8 MiB, at most 128 MiB) is refused, so a
//            tiny frame cannot make the decoder allocate a huge window.
//   br       Brotli, RFC 7932.
//   identity the body as is (still subject to the size limit).
//
// Thread-safety: every function is reentrant; no shared state.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sextant::codec {

enum class ContentEncoding { kIdentity, kGzip, kDeflate, kZstd, kBrotli };

// "gzip", "x-gzip", "deflate", "zstd", "br", "identity" or "" (no encoding), case-insensitive,
// surrounding spaces ignored. Anything else: nullopt (DataKit answers 400 decodeBodyFailed).
std::optional<ContentEncoding> parseContentEncoding(std::string_view s);

// The header value: "identity", "gzip", "deflate", "zstd", "br".
std::string_view contentEncodingName(ContentEncoding enc);

// Decompresses body. InvalidArgument on corrupt, truncated or trailing input; OutOfRange as soon
// as the output would exceed max_decompressed_bytes (an output of exactly that size is fine).
Result<std::string> decompress(std::string_view body, ContentEncoding enc,
                               size_t max_decompressed_bytes);

// Compresses data (for the uploader and for tests). deflate produces the zlib format; zstd
// frames carry a content checksum. level -1 picks the default (gzip/deflate 6, zstd 3,
// brotli 5); other values are clamped to the library's range (gzip/deflate 0..12 (libdeflate),
// zstd 1..19, brotli 0..11).
// Returns an empty string only if the library fails (out of memory); a compressed stream is
// never empty.
std::string compress(std::string_view data, ContentEncoding enc, int level = -1);

// gzip (RFC 1952) by ISA-L's igzip at its level 1: about twice as fast as libdeflate level 1
// (~800 vs ~450 MB/s on the uploader's protobuf bodies) for ~6% more output (19.9% vs 18.7% of
// the input there). The uploader's default. Its working memory lives for the call only. Returns
// an empty string only if ISA-L fails.
std::string gzipFast(std::string_view data);

}  // namespace sextant::codec
