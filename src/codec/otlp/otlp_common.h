// Internals shared by the OTLP protobuf and JSON decoders (otlp_proto.cc, otlp_json.cc): id
// normalisation, attribute value rendering, error paths and the per-span finishing step
// (duration, remote endpoint). Not a public interface.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/span.h"

namespace sextant::codec::otlp::internal {

// Byte lengths of OTLP ids.
inline constexpr size_t kTraceIdBytes = 16;
inline constexpr size_t kSpanIdBytes = 8;

// Appends the lowercase hex of `bytes` to *out.
void appendHex(std::string_view bytes, std::string* out);

// Checks an id given as raw bytes (protobuf) and stores its lowercase hex in *out. `what` names
// the field for the error. An empty or all-zero id with allow_empty (parent_span_id) gives "".
Status setIdFromBytes(std::string_view bytes, size_t want, bool allow_empty, std::string_view what,
                      std::string* out);
// The same for an OTLP/JSON id: hex (either case) of exactly 2*want digits; base64 of want bytes
// is accepted too (what generic proto3 JSON encoders write).
Status setIdFromJson(std::string_view text, size_t want, bool allow_empty, std::string_view what,
                     std::string* out);

// Attribute values rendered as tag strings: int64 in decimal, doubles in shortest round-trip
// form ("NaN", "+Inf", "-Inf" for the non-finite), bools "true"/"false", bytes as base64.
void appendInt(int64_t v, std::string* out);
void appendDouble(double v, std::string* out);
inline void appendBool(bool v, std::string* out) { out->append(v ? "true" : "false"); }
void appendBase64(std::string_view bytes, std::string* out);

// OTLP's SpanKind number (SPAN_KIND_INTERNAL = 1 ... CONSUMER = 5) as the model's kind; any
// other number is kUnspecified.
model::SpanKind kindFromNumber(uint64_t n);

// Sets duration, normalises the times and derives the remote endpoint from the span's tags:
// service from peer.service; the address from the first of net.peer.ip, server.address,
// net.sock.peer.addr that is an IPv4 or IPv6 literal; the port from net.peer.port or
// server.port (1..65535). start/end are the OTLP nanosecond times.
void finishSpan(uint64_t start_ns, uint64_t end_ns, model::Span* span);

// Adds the scope name/version as "otel.scope.name"/"otel.scope.version" (when non-empty) after
// the resource attributes, and local.service from the resource attribute service.name.
void appendScopeTags(std::string_view name, std::string_view version,
                     std::vector<model::SpanTag>* resource_tags);
std::string serviceName(const std::vector<model::SpanTag>& resource_tags);

// Every span carries its own copy of the resource and scope tags, so a large resource with many
// tiny spans could turn a small body into gigabytes. The copies may total at most this many
// bytes (key and value sizes) for a body of body_size bytes; beyond it decoding fails with
// OutOfRange.
inline size_t resourceCopyBudget(size_t body_size) { return (size_t{64} << 20) + 16 * body_size; }
size_t tagBytes(const std::vector<model::SpanTag>& tags);
Status resourceCopyError(std::string_view format);

// Where the decoder is, for error messages: a stack of `field[index]` (or `field`) steps,
// rendered "resource_spans[0].scope_spans[1].spans[2]". Plain value; one per decode call.
class ErrorPath {
 public:
  explicit ErrorPath(std::string_view format) : format_(format) {}
  void push(std::string_view field, size_t index = kNoIndex) {
    if (depth_ < kMaxDepth) {
      fields_[depth_] = field;
      indexes_[depth_] = index;
    }
    ++depth_;
  }
  void pop() { --depth_; }
  void setIndex(size_t index) {
    if (depth_ > 0 && depth_ <= kMaxDepth) indexes_[depth_ - 1] = index;
  }
  // InvalidArgument "<format>: <path>: <detail>".
  Status fail(std::string_view detail) const;

 private:
  static constexpr size_t kNoIndex = ~size_t{0};
  static constexpr int kMaxDepth = 8;
  std::string_view format_;
  std::string_view fields_[kMaxDepth];
  size_t indexes_[kMaxDepth] = {};
  int depth_ = 0;
};

}  // namespace sextant::codec::otlp::internal
