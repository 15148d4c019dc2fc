// Zipkin v2 protobuf (zipkin.proto3.ListOfSpans, zipkin.proto beside this file) decoded by hand
// over the bounds-checked codec/point_pb/wire.h reader: no generated code. Unknown fields are
// skipped; a known field with another wire type is malformed.
#include <string>

#include "codec/point_pb/wire.h"
#include "codec/zipkin/zipkin.h"
#include "codec/zipkin/zipkin_internal.h"

namespace sextant::codec::zipkin {

using model::Span;
using model::SpanEndpoint;
using model::SpanKind;
using pb::WireReader;
using namespace internal;  // NOLINT: this file implements them

namespace {

// Reads a message's fields; `field(number, wire_type, reader)` returns nullptr when it
// consumed the value (or a description of what is wrong), and kSkip to skip it.
const char kSkipTag = 0;
const char* const kSkip = &kSkipTag;

template <typename Fn>
const char* readMessage(std::string_view bytes, Fn field) {
  WireReader r(bytes);
  while (!r.done()) {
    uint32_t number, wire_type;
    if (!r.readKey(&number, &wire_type)) return "malformed field key";
    const char* err = field(number, wire_type, r);
    if (err == kSkip) {
      if (!r.skip(number, wire_type)) return "truncated or malformed field";
    } else if (err != nullptr) {
      return err;
    }
  }
  return nullptr;
}

const char* readLen(WireReader& r, uint32_t wire_type, std::string_view* v) {
  if (wire_type != pb::kWireLen) return "length-delimited field has another wire type";
  if (!r.readBytes(v)) return "length past the end";
  return nullptr;
}

const char* readVarint(WireReader& r, uint32_t wire_type, uint64_t* v) {
  if (wire_type != pb::kWireVarint) return "varint field has another wire type";
  if (!r.readVarint(v)) return "truncated varint";
  return nullptr;
}

const char* readFixed64(WireReader& r, uint32_t wire_type, uint64_t* v) {
  if (wire_type != pb::kWireFixed64) return "fixed64 field has another wire type";
  if (!r.readFixed64(v)) return "truncated fixed64";
  return nullptr;
}

const char* readEndpoint(std::string_view bytes, SpanEndpoint* ep) {
  return readMessage(bytes, [&](uint32_t number, uint32_t wt, WireReader& r) -> const char* {
    std::string_view s;
    uint64_t v;
    switch (number) {
      case 1:
        if (const char* e = readLen(r, wt, &s)) return e;
        ep->service = std::string(s);
        return nullptr;
      case 2:
        if (const char* e = readLen(r, wt, &s)) return e;
        if (!s.empty() && s.size() != 4) return "endpoint ipv4 is not 4 bytes";
        ep->ipv4 = ipv4TextFromBytes(s);
        return nullptr;
      case 3:
        if (const char* e = readLen(r, wt, &s)) return e;
        if (!s.empty() && s.size() != 16) return "endpoint ipv6 is not 16 bytes";
        ep->ipv6.clear();
        setIpv6Bytes(s, ep);
        return nullptr;
      case 4:
        if (const char* e = readVarint(r, wt, &v)) return e;
        // int32 on the wire; Zipkin ports are 0..65535 (others are dropped).
        ep->port = v <= 65535 ? static_cast<int32_t>(v) : 0;
        return nullptr;
      default: return kSkip;
    }
  });
}

// Binary id -> normalised hex. trace: 8 or 16 bytes; span ids: 8 bytes.
const char* traceId(std::string_view b, std::string* out) {
  if (b.size() == 8) {
    *out = hex64(loadBigEndian64(b.data()));
  } else if (b.size() == 16) {
    *out = traceIdHex(loadBigEndian64(b.data()), loadBigEndian64(b.data() + 8));
  } else {
    return "trace_id is not 8 or 16 bytes";
  }
  if (*out == std::string(out->size(), '0')) return "trace id is zero";
  return nullptr;
}

const char* decodeSpan(std::string_view bytes, Span* span) {
  span->format = model::SpanFormat::kZipkinV2;
  bool has_trace = false, has_id = false;
  const char* err =
      readMessage(bytes, [&](uint32_t number, uint32_t wt, WireReader& r) -> const char* {
        std::string_view s;
        uint64_t v;
        switch (number) {
          case 1:
            if (const char* e = readLen(r, wt, &s)) return e;
            has_trace = true;
            return traceId(s, &span->trace_id);
          case 2:
            if (const char* e = readLen(r, wt, &s)) return e;
            if (s.empty()) {
              span->parent_id.clear();
              return nullptr;
            }
            if (s.size() != 8) return "parent_id is not 8 bytes";
            v = loadBigEndian64(s.data());
            span->parent_id = v == 0 ? std::string() : hex64(v);
            return nullptr;
          case 3:
            if (const char* e = readLen(r, wt, &s)) return e;
            if (s.size() != 8) return "id is not 8 bytes";
            v = loadBigEndian64(s.data());
            if (v == 0) return "span id is zero";
            span->span_id = hex64(v);
            has_id = true;
            return nullptr;
          case 4:
            if (const char* e = readVarint(r, wt, &v)) return e;
            span->kind = v <= 4 ? static_cast<SpanKind>(v) : SpanKind::kUnspecified;
            return nullptr;
          case 5:
            if (const char* e = readLen(r, wt, &s)) return e;
            span->name = std::string(s);
            return nullptr;
          case 6:
            if (const char* e = readFixed64(r, wt, &v)) return e;
            if (v > INT64_MAX) return "timestamp is out of range";
            span->start_us = static_cast<int64_t>(v);
            return nullptr;
          case 7:
            if (const char* e = readVarint(r, wt, &v)) return e;
            if (v > INT64_MAX) return "duration is out of range";
            span->duration_us = static_cast<int64_t>(v);
            return nullptr;
          case 8:
          case 9: {
            if (const char* e = readLen(r, wt, &s)) return e;
            SpanEndpoint* ep = number == 8 ? &span->local : &span->remote;
            *ep = {};
            return readEndpoint(s, ep);
          }
          case 10: {
            if (const char* e = readLen(r, wt, &s)) return e;
            model::SpanAnnotation a;
            const char* e = readMessage(s, [&](uint32_t n2, uint32_t wt2, WireReader& r2) {
              std::string_view s2;
              uint64_t v2;
              if (n2 == 1) {
                if (const char* e2 = readFixed64(r2, wt2, &v2)) return e2;
                if (v2 > INT64_MAX) return "annotation timestamp is out of range";
                a.time_us = static_cast<int64_t>(v2);
                return static_cast<const char*>(nullptr);
              }
              if (n2 == 2) {
                if (const char* e2 = readLen(r2, wt2, &s2)) return e2;
                a.value = std::string(s2);
                return static_cast<const char*>(nullptr);
              }
              return kSkip;
            });
            if (e != nullptr) return e;
            span->annotations.push_back(std::move(a));
            return nullptr;
          }
          case 11: {
            if (const char* e = readLen(r, wt, &s)) return e;
            model::SpanTag t;
            const char* e = readMessage(s, [&](uint32_t n2, uint32_t wt2, WireReader& r2) {
              std::string_view s2;
              if (n2 == 1 || n2 == 2) {
                if (const char* e2 = readLen(r2, wt2, &s2)) return e2;
                (n2 == 1 ? t.key : t.value) = std::string(s2);
                return static_cast<const char*>(nullptr);
              }
              return kSkip;
            });
            if (e != nullptr) return e;
            span->tags.push_back(std::move(t));
            return nullptr;
          }
          case 12:
          case 13:
            if (const char* e = readVarint(r, wt, &v)) return e;
            (number == 12 ? span->debug : span->shared) = v != 0;
            return nullptr;
          default: return kSkip;
        }
      });
  if (err != nullptr) return err;
  if (!has_trace) return "missing trace_id";
  if (!has_id) return "missing id";
  setErrorFromTags(span);
  return nullptr;
}

}  // namespace

Result<std::vector<Span>> decodeV2Proto(std::string_view body) {
  std::vector<Span> spans;
  WireReader r(body);
  while (!r.done()) {
    uint32_t number, wire_type;
    if (!r.readKey(&number, &wire_type)) {
      return spanError(kV2Proto, spans.size(), "malformed field key");
    }
    if (number != 1) {
      if (!r.skip(number, wire_type)) {
        return spanError(kV2Proto, spans.size(), "truncated or malformed field");
      }
      continue;
    }
    std::string_view bytes;
    if (const char* e = readLen(r, wire_type, &bytes)) {
      return spanError(kV2Proto, spans.size(), e);
    }
    Span& span = spans.emplace_back();
    if (const char* e = decodeSpan(bytes, &span)) return spanError(kV2Proto, spans.size() - 1, e);
  }
  return spans;
}

}  // namespace sextant::codec::zipkin
