// Internals shared by the Zipkin decoders (not part of the public interface): id and address
// normalisation, error messages, and the Zipkin v1 span model both v1 decoders (JSON and
// Thrift) fill before the one v1 -> v2 conversion (convertV1).
//
// Thread-safety: pure functions and plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/span.h"

namespace sextant::codec::zipkin::internal {

// Format names used in error messages.
inline constexpr std::string_view kV1Json = "zipkin v1 JSON";
inline constexpr std::string_view kV1Thrift = "zipkin v1 thrift";
inline constexpr std::string_view kV2Json = "zipkin v2 JSON";
inline constexpr std::string_view kV2Proto = "zipkin v2 proto3";

// InvalidArgument "<format> span <index>: <what>".
Status spanError(std::string_view format, size_t index, std::string_view what);
// InvalidArgument "<format> body: <what>" (a problem not tied to one span).
Status bodyError(std::string_view format, std::string_view what);

// Hex id text -> normalised id. Each returns nullptr on success or what is wrong.
// Trace id: 1..32 hex digits (any case); 32 digits when the high 64 bits are non-zero, else 16;
// all zeros is an error.
const char* normaliseTraceId(std::string_view hex, std::string* out);
// Span id: 1..16 hex digits, left-padded to 16; all zeros is an error.
const char* normaliseSpanId(std::string_view hex, std::string* out);
// Parent id: like a span id, but "" and all zeros mean "no parent" (*out = "").
const char* normaliseParentId(std::string_view hex, std::string* out);

// Binary ids (Thrift i64s, proto bytes) -> normalised hex.
std::string hex64(uint64_t v);
// Trace id from its high and low halves: 16 digits when high == 0.
std::string traceIdHex(uint64_t high, uint64_t low);
// Big-endian 8 bytes -> uint64.
uint64_t loadBigEndian64(const char* p);

// IPv4 (host order, as Thrift carries it) -> dotted quad; 0 -> "".
std::string ipv4Text(uint32_t ip);
// 4 bytes (network order) -> dotted quad.
std::string ipv4TextFromBytes(std::string_view b);
// 16 bytes -> RFC 5952 text.
std::string ipv6TextFromBytes(std::string_view b);
// Sets ep->ipv6 from 16 address bytes; an IPv4-mapped address (::ffff:a.b.c.d) fills ep->ipv4
// instead when that is empty, as Zipkin does. Other lengths are ignored.
void setIpv6Bytes(std::string_view b, model::SpanEndpoint* ep);
// Sets ep->ipv4 / ep->ipv6 from address text as JSON carries it: the canonical text of a valid
// address, nothing for an invalid one (Zipkin drops those); an IPv4-mapped IPv6 address fills
// ipv4 when that is empty. Returns false when `text` is not an address of the family.
bool setIpv4(std::string_view text, model::SpanEndpoint* ep);
bool setIpv6(std::string_view text, model::SpanEndpoint* ep);

// Shortest round-trip decimal text of a double ("1.5", "2", "1e+300").
std::string doubleText(double v);

// ---- Zipkin v1 model ----------------------------------------------------------------------

struct V1Annotation {
  int64_t timestamp = 0;
  std::string value;
  std::optional<model::SpanEndpoint> endpoint;
};

struct V1BinaryAnnotation {
  std::string key;
  std::string value;     // the value as text (numbers in decimal, bools "true"/"false")
  bool is_bool = false;  // annotation type BOOL (JSON: a boolean value)
  bool bool_value = false;
  std::optional<model::SpanEndpoint> endpoint;
};

struct V1Span {
  std::string trace_id;   // normalised
  std::string id;         // normalised
  std::string parent_id;  // normalised, "" for a root
  std::string name;
  int64_t timestamp = 0;  // 0: absent
  int64_t duration = 0;   // 0: absent
  bool debug = false;
  std::vector<V1Annotation> annotations;
  std::vector<V1BinaryAnnotation> binary_annotations;
};

// Converts one v1 span into one v2 span (two when it holds both the client and the server side
// of an RPC: cs and sr), appended to *out with `format` set. README.md has the rules.
void convertV1(V1Span&& v1, model::SpanFormat format, std::vector<model::Span>* out);

// Sets span->error / error_message from its first "error" tag.
void setErrorFromTags(model::Span* span);

}  // namespace sextant::codec::zipkin::internal
