// Span: the neutral tracing span every tracing codec decodes into (codec/zipkin: v1 JSON, v1
// Thrift, v2 JSON, v2 proto3; codec/otlp: OTLP protobuf and JSON) and the tracing inputs turn
// into DataKit tracing points (agent/inputs/zipkin, agent/inputs/opentelemetry). The server
// rebuilds Spans from stored tracing points for its trace and Zipkin query APIs.
//
// Only what those consumers need is kept; every value is already normalised:
//   - ids are lowercase hex without leading "0x": trace ids of 16 or 32 digits (Zipkin keeps
//     16 when the high 64 bits are zero; OTLP always 32), span and parent ids of 16; an absent
//     parent is "" (never "0");
//   - times are microseconds since the Unix epoch, durations microseconds (0: unknown);
//   - tags are strings in the order the source had them (Zipkin tags and binary annotations;
//     OTLP span attributes, non-string values rendered as JSON scalars/arrays);
//   - resource_tags are the OTLP resource attributes (service.name included) and scope
//     name/version ("otel.scope.name", "otel.scope.version"); empty for Zipkin.
// Plain value type: copyable, movable, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sextant::model {

// Zipkin v2 / OTLP span kinds (OTLP's SPAN_KIND_* mapped by name).
enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kClient,
  kServer,
  kProducer,
  kConsumer,
  kInternal
};

// Which wire format a span came from: DataKit maps some keys differently per format
// (datakit-inputs.md §2.3: v1 sets `operation` and takes `resource` from path.http).
enum class SpanFormat : uint8_t { kZipkinV1Json = 0, kZipkinV1Thrift, kZipkinV2, kOtlp };

struct SpanEndpoint {
  std::string service;  // Zipkin serviceName (lowercased by Zipkin clients, kept as sent)
  std::string ipv4;     // dotted quad, "" when absent
  std::string ipv6;     // RFC 5952 text, "" when absent
  int32_t port = 0;     // 0 when absent
  bool empty() const { return service.empty() && ipv4.empty() && ipv6.empty() && port == 0; }
  bool operator==(const SpanEndpoint&) const = default;
};

struct SpanTag {
  std::string key;
  std::string value;
  bool operator==(const SpanTag&) const = default;
};

// A timestamped event: Zipkin annotation, OTLP span event (its attributes are dropped).
struct SpanAnnotation {
  int64_t time_us = 0;
  std::string value;
  bool operator==(const SpanAnnotation&) const = default;
};

struct Span {
  SpanFormat format = SpanFormat::kZipkinV2;
  std::string trace_id;
  std::string span_id;
  std::string parent_id;  // "" for a root span
  std::string name;       // Zipkin span name (lowercased by Zipkin clients) / OTLP name
  SpanKind kind = SpanKind::kUnspecified;
  int64_t start_us = 0;
  int64_t duration_us = 0;
  SpanEndpoint local;   // Zipkin localEndpoint (v1: from annotations); OTLP: service.name
  SpanEndpoint remote;  // Zipkin remoteEndpoint (v1: sa/ca/ma); OTLP: peer.service / net.peer.*
  std::vector<SpanTag> tags;
  std::vector<SpanAnnotation> annotations;
  std::vector<SpanTag> resource_tags;  // OTLP only
  // Zipkin: a tag (v2) or binary annotation (v1) named "error"; OTLP: status code ERROR.
  bool error = false;
  std::string error_message;  // Zipkin: the "error" tag's value; OTLP: status.message
  bool shared = false;        // Zipkin v2 `shared` (v1: a server span sharing the client's id)
  bool debug = false;

  // First tag / resource tag with this key, or nullptr.
  const SpanTag* findTag(std::string_view key) const {
    for (const SpanTag& t : tags) {
      if (t.key == key) return &t;
    }
    return nullptr;
  }
  const SpanTag* findResourceTag(std::string_view key) const {
    for (const SpanTag& t : resource_tags) {
      if (t.key == key) return &t;
    }
    return nullptr;
  }
  bool operator==(const Span&) const = default;
};

// "CLIENT", "SERVER", "PRODUCER", "CONSUMER" (Zipkin v2 JSON names), "INTERNAL", "" for
// unspecified.
inline std::string_view spanKindName(SpanKind k) {
  switch (k) {
    case SpanKind::kClient: return "CLIENT";
    case SpanKind::kServer: return "SERVER";
    case SpanKind::kProducer: return "PRODUCER";
    case SpanKind::kConsumer: return "CONSUMER";
    case SpanKind::kInternal: return "INTERNAL";
    case SpanKind::kUnspecified: break;
  }
  return "";
}

}  // namespace sextant::model
