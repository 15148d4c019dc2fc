// Zipkin JSON: v2 and v1 decoders (simdjson DOM) and the v2 encoder (JsonWriter).
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <string>

#include "codec/point_json/json_writer.h"
#include "codec/zipkin/zipkin.h"
#include "codec/zipkin/zipkin_internal.h"

namespace sextant::codec::zipkin {

namespace dom = simdjson::dom;
using model::Span;
using model::SpanEndpoint;
using model::SpanKind;
using Type = dom::element_type;
using namespace internal;  // NOLINT: this file implements them

namespace {

// "<key>: <detail>" for error messages.
std::string keyed(std::string_view key, std::string_view detail) {
  std::string s(key);
  s += ": ";
  s += detail;
  return s;
}

Status parseArray(std::string_view body, std::string_view format, dom::parser* parser,
                  dom::array* out) {
  simdjson::padded_string padded(body.data(), body.size());
  dom::element doc;
  if (auto err = parser->parse(padded).get(doc)) {
    return bodyError(format, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  if (doc.get(*out) != simdjson::SUCCESS) return bodyError(format, "not a JSON array of spans");
  return Status::ok();
}

// A microsecond time or duration: a non-negative integer (also accepted: an integral double,
// a decimal string; null is 0). Returns nullptr or what is wrong.
const char* readMicros(dom::element v, int64_t* out) {
  switch (v.type()) {
    case Type::NULL_VALUE: *out = 0; return nullptr;
    case Type::INT64: {
      int64_t x = v.get_int64().value_unsafe();
      if (x < 0) return "is negative";
      *out = x;
      return nullptr;
    }
    case Type::UINT64: return "is too large";
    case Type::DOUBLE: {
      double d = v.get_double().value_unsafe();
      if (!(d >= 0) || d >= 9.2e18) return "is out of range";
      *out = static_cast<int64_t>(d);
      return nullptr;
    }
    case Type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      int64_t x = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), x);
      if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || x < 0) {
        return "is not a non-negative integer";
      }
      *out = x;
      return nullptr;
    }
    default: return "is not a number";
  }
}

// A string value; null reads as "". Returns false for other types.
bool readString(dom::element v, std::string_view* out) {
  if (v.type() == Type::NULL_VALUE) {
    *out = {};
    return true;
  }
  return v.get(*out) == simdjson::SUCCESS;
}

// A bool; null reads as false.
bool readBool(dom::element v, bool* out) {
  if (v.type() == Type::NULL_VALUE) {
    *out = false;
    return true;
  }
  return v.get(*out) == simdjson::SUCCESS;
}

// A scalar as tag text: strings as is, numbers in decimal, booleans "true"/"false".
bool scalarText(dom::element v, std::string* out) {
  switch (v.type()) {
    case Type::STRING: *out = std::string(v.get_string().value_unsafe()); return true;
    case Type::INT64: *out = std::to_string(v.get_int64().value_unsafe()); return true;
    case Type::UINT64: *out = std::to_string(v.get_uint64().value_unsafe()); return true;
    case Type::DOUBLE: *out = doubleText(v.get_double().value_unsafe()); return true;
    case Type::BOOL: *out = v.get_bool().value_unsafe() ? "true" : "false"; return true;
    default: return false;
  }
}

// An endpoint object (v1 and v2 share the shape). null is an absent endpoint (*present false).
const char* readEndpoint(dom::element v, SpanEndpoint* ep, bool* present) {
  *present = false;
  if (v.type() == Type::NULL_VALUE) return nullptr;
  dom::object obj;
  if (v.get(obj) != simdjson::SUCCESS) return "is not an object";
  *present = true;
  for (auto [key, value] : obj) {
    std::string_view s;
    if (key == "serviceName") {
      if (!readString(value, &s)) return "serviceName is not a string";
      ep->service = std::string(s);
    } else if (key == "ipv4") {
      if (!readString(value, &s)) return "ipv4 is not a string";
      if (!s.empty()) setIpv4(s, ep);  // an invalid address is dropped, as Zipkin does
    } else if (key == "ipv6") {
      if (!readString(value, &s)) return "ipv6 is not a string";
      if (!s.empty()) setIpv6(s, ep);
    } else if (key == "port") {
      int64_t port = 0;
      if (value.type() == Type::NULL_VALUE) continue;
      if (value.get(port) != simdjson::SUCCESS) return "port is not an integer";
      if (port < 0 || port > 65535) return "port is out of range";
      ep->port = static_cast<int32_t>(port);
    }
  }
  return nullptr;
}

// Reads an id member with a normaliser into *out.
template <typename Fn>
const char* readId(dom::element v, Fn normalise, std::string* out) {
  std::string_view s;
  if (!readString(v, &s)) return "is not a string";
  return normalise(s, out);
}

SpanKind kindFromName(std::string_view s) {
  auto eq = [&](std::string_view name) {
    if (s.size() != name.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != name[i]) return false;
    }
    return true;
  };
  if (eq("CLIENT")) return SpanKind::kClient;
  if (eq("SERVER")) return SpanKind::kServer;
  if (eq("PRODUCER")) return SpanKind::kProducer;
  if (eq("CONSUMER")) return SpanKind::kConsumer;
  return SpanKind::kUnspecified;  // unknown kinds are ignored, as Zipkin does
}

// The keys v1 and v2 spans share, read into the span being built.
struct CommonKeys {
  std::string* trace_id;
  std::string* id;
  std::string* parent_id;
  std::string* name;
  int64_t* timestamp;
  int64_t* duration;
  bool* debug;
  bool has_trace = false;
  bool has_id = false;
};

// Reads `key` when it is one of the common keys (returns true; *err says what is wrong, if
// anything). Returns false for other keys.
bool readCommonKey(std::string_view key, dom::element v, CommonKeys* c, const char** err) {
  *err = nullptr;
  bool null = v.type() == Type::NULL_VALUE;
  if (key == "traceId") {
    if (!null) {
      *err = readId(v, normaliseTraceId, c->trace_id);
      c->has_trace = true;
    }
  } else if (key == "id") {
    if (!null) {
      *err = readId(v, normaliseSpanId, c->id);
      c->has_id = true;
    }
  } else if (key == "parentId") {
    *err = readId(v, normaliseParentId, c->parent_id);
  } else if (key == "name") {
    std::string_view s;
    if (!readString(v, &s)) *err = "is not a string";
    *c->name = std::string(s);
  } else if (key == "timestamp") {
    *err = readMicros(v, c->timestamp);
  } else if (key == "duration") {
    *err = readMicros(v, c->duration);
  } else if (key == "debug") {
    if (!readBool(v, c->debug)) *err = "is not a boolean";
  } else {
    return false;
  }
  return true;
}

// ---- v2 -------------------------------------------------------------------------------------

Status decodeV2Span(dom::element e, size_t index, Span* span) {
  dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) return spanError(kV2Json, index, "not a JSON object");
  span->format = model::SpanFormat::kZipkinV2;
  CommonKeys common{&span->trace_id, &span->span_id,     &span->parent_id, &span->name,
                    &span->start_us, &span->duration_us, &span->debug};
  for (auto [key, v] : obj) {
    const char* err = nullptr;
    if (readCommonKey(key, v, &common, &err)) {
      // done
    } else if (key == "kind") {
      std::string_view s;
      if (!readString(v, &s)) err = "is not a string";
      span->kind = kindFromName(s);
    } else if (key == "localEndpoint" || key == "remoteEndpoint") {
      bool present;
      SpanEndpoint* ep = key == "localEndpoint" ? &span->local : &span->remote;
      *ep = {};
      err = readEndpoint(v, ep, &present);
    } else if (key == "annotations") {
      if (v.type() == Type::NULL_VALUE) continue;
      dom::array arr;
      if (v.get(arr) != simdjson::SUCCESS) {
        err = "is not an array";
      } else {
        span->annotations.clear();
        for (dom::element a : arr) {
          dom::object ao;
          if (a.get(ao) != simdjson::SUCCESS) {
            err = "element is not an object";
            break;
          }
          model::SpanAnnotation ann;
          for (auto [akey, av] : ao) {
            if (akey == "timestamp") {
              if (const char* e2 = readMicros(av, &ann.time_us)) {
                return spanError(kV2Json, index, keyed("annotation timestamp", e2));
              }
            } else if (akey == "value") {
              std::string_view s;
              if (!readString(av, &s)) {
                return spanError(kV2Json, index, "annotation value is not a string");
              }
              ann.value = std::string(s);
            }
          }
          span->annotations.push_back(std::move(ann));
        }
      }
    } else if (key == "tags") {
      if (v.type() == Type::NULL_VALUE) continue;
      dom::object tags;
      if (v.get(tags) != simdjson::SUCCESS) {
        err = "is not an object";
      } else {
        span->tags.clear();
        for (auto [tkey, tv] : tags) {
          if (tv.type() == Type::NULL_VALUE) continue;
          model::SpanTag tag{std::string(tkey), {}};
          if (!scalarText(tv, &tag.value)) {
            return spanError(kV2Json, index, "tag \"" + tag.key + "\" is not a string");
          }
          span->tags.push_back(std::move(tag));
        }
      }
    } else if (key == "shared") {
      if (!readBool(v, &span->shared)) err = "is not a boolean";
    }
    if (err != nullptr) return spanError(kV2Json, index, keyed(key, err));
  }
  if (!common.has_trace) return spanError(kV2Json, index, "missing traceId");
  if (!common.has_id) return spanError(kV2Json, index, "missing id");
  setErrorFromTags(span);
  return Status::ok();
}

// ---- v1 -------------------------------------------------------------------------------------

const char* readV1Annotations(dom::element v, std::vector<V1Annotation>* out) {
  if (v.type() == Type::NULL_VALUE) return nullptr;
  dom::array arr;
  if (v.get(arr) != simdjson::SUCCESS) return "annotations is not an array";
  for (dom::element a : arr) {
    dom::object obj;
    if (a.get(obj) != simdjson::SUCCESS) return "annotation is not an object";
    V1Annotation ann;
    for (auto [key, av] : obj) {
      if (key == "timestamp") {
        if (readMicros(av, &ann.timestamp) != nullptr) return "annotation timestamp is invalid";
      } else if (key == "value") {
        std::string_view s;
        if (!readString(av, &s)) return "annotation value is not a string";
        ann.value = std::string(s);
      } else if (key == "endpoint") {
        SpanEndpoint ep;
        bool present;
        if (readEndpoint(av, &ep, &present) != nullptr) return "annotation endpoint is invalid";
        if (present) ann.endpoint = std::move(ep);
      }
    }
    out->push_back(std::move(ann));
  }
  return nullptr;
}

const char* readV1BinaryAnnotations(dom::element v, std::vector<V1BinaryAnnotation>* out) {
  if (v.type() == Type::NULL_VALUE) return nullptr;
  dom::array arr;
  if (v.get(arr) != simdjson::SUCCESS) return "binaryAnnotations is not an array";
  for (dom::element a : arr) {
    dom::object obj;
    if (a.get(obj) != simdjson::SUCCESS) return "binary annotation is not an object";
    V1BinaryAnnotation b;
    bool has_value = false;
    for (auto [key, bv] : obj) {
      if (key == "key") {
        std::string_view s;
        if (!readString(bv, &s)) return "binary annotation key is not a string";
        b.key = std::string(s);
      } else if (key == "value") {
        if (bv.type() == Type::NULL_VALUE) continue;
        if (!scalarText(bv, &b.value)) return "binary annotation value is not a scalar";
        has_value = true;
        if (bv.type() == Type::BOOL) {
          b.is_bool = true;
          b.bool_value = bv.get_bool().value_unsafe();
        }
      } else if (key == "endpoint") {
        SpanEndpoint ep;
        bool present;
        if (readEndpoint(bv, &ep, &present) != nullptr) {
          return "binary annotation endpoint is invalid";
        }
        if (present) b.endpoint = std::move(ep);
      }
    }
    if (b.key.empty() || !has_value) continue;  // Zipkin drops those
    out->push_back(std::move(b));
  }
  return nullptr;
}

Status decodeV1Span(dom::element e, size_t index, V1Span* span) {
  dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) return spanError(kV1Json, index, "not a JSON object");
  CommonKeys common{&span->trace_id,  &span->id,       &span->parent_id, &span->name,
                    &span->timestamp, &span->duration, &span->debug};
  for (auto [key, v] : obj) {
    const char* err = nullptr;
    if (readCommonKey(key, v, &common, &err)) {
      // done
    } else if (key == "annotations") {
      span->annotations.clear();
      if (const char* e2 = readV1Annotations(v, &span->annotations)) {
        return spanError(kV1Json, index, e2);
      }
    } else if (key == "binaryAnnotations") {
      span->binary_annotations.clear();
      if (const char* e2 = readV1BinaryAnnotations(v, &span->binary_annotations)) {
        return spanError(kV1Json, index, e2);
      }
    }
    if (err != nullptr) return spanError(kV1Json, index, keyed(key, err));
  }
  if (!common.has_trace) return spanError(kV1Json, index, "missing traceId");
  if (!common.has_id) return spanError(kV1Json, index, "missing id");
  return Status::ok();
}

// ---- encoder --------------------------------------------------------------------------------

void writeEndpoint(json::JsonWriter& w, std::string_view key, const SpanEndpoint& ep) {
  if (ep.empty()) return;
  w.key(key);
  w.beginObject();
  if (!ep.service.empty()) {
    w.key("serviceName");
    w.string(ep.service);
  }
  if (!ep.ipv4.empty()) {
    w.key("ipv4");
    w.string(ep.ipv4);
  }
  if (!ep.ipv6.empty()) {
    w.key("ipv6");
    w.string(ep.ipv6);
  }
  if (ep.port != 0) {
    w.key("port");
    w.integer(ep.port);
  }
  w.endObject();
}

void writeSpan(json::JsonWriter& w, const Span& s) {
  w.beginObject();
  w.key("traceId");
  w.string(s.trace_id);
  if (!s.parent_id.empty()) {
    w.key("parentId");
    w.string(s.parent_id);
  }
  w.key("id");
  w.string(s.span_id);
  if (s.kind != SpanKind::kUnspecified && s.kind != SpanKind::kInternal) {
    w.key("kind");
    w.string(model::spanKindName(s.kind));
  }
  if (!s.name.empty()) {
    w.key("name");
    w.string(s.name);
  }
  if (s.start_us != 0) {
    w.key("timestamp");
    w.integer(s.start_us);
  }
  if (s.duration_us != 0) {
    w.key("duration");
    w.integer(s.duration_us);
  }
  writeEndpoint(w, "localEndpoint", s.local);
  writeEndpoint(w, "remoteEndpoint", s.remote);
  if (!s.annotations.empty()) {
    w.key("annotations");
    w.beginArray();
    for (const model::SpanAnnotation& a : s.annotations) {
      w.beginObject();
      w.key("timestamp");
      w.integer(a.time_us);
      w.key("value");
      w.string(a.value);
      w.endObject();
    }
    w.endArray();
  }
  bool add_error = s.error && s.findTag("error") == nullptr;
  if (!s.tags.empty() || add_error) {
    w.key("tags");
    w.beginObject();
    for (const model::SpanTag& t : s.tags) {
      w.key(t.key);
      w.string(t.value);
    }
    if (add_error) {
      w.key("error");
      w.string(s.error_message);
    }
    w.endObject();
  }
  if (s.debug) {
    w.key("debug");
    w.boolean(true);
  }
  if (s.shared) {
    w.key("shared");
    w.boolean(true);
  }
  w.endObject();
}

}  // namespace

Result<std::vector<Span>> decodeV2Json(std::string_view body) {
  dom::parser parser;
  dom::array arr;
  SEXTANT_RETURN_IF_ERROR(parseArray(body, kV2Json, &parser, &arr));
  std::vector<Span> spans;
  spans.reserve(arr.size());
  size_t index = 0;
  for (dom::element e : arr) {
    Span& span = spans.emplace_back();
    SEXTANT_RETURN_IF_ERROR(decodeV2Span(e, index++, &span));
  }
  return spans;
}

Result<std::vector<Span>> decodeV1Json(std::string_view body) {
  dom::parser parser;
  dom::array arr;
  SEXTANT_RETURN_IF_ERROR(parseArray(body, kV1Json, &parser, &arr));
  std::vector<Span> spans;
  spans.reserve(arr.size());
  size_t index = 0;
  for (dom::element e : arr) {
    V1Span v1;
    SEXTANT_RETURN_IF_ERROR(decodeV1Span(e, index++, &v1));
    convertV1(std::move(v1), model::SpanFormat::kZipkinV1Json, &spans);
  }
  return spans;
}

void encodeV2JsonSpan(const Span& span, std::string* out) {
  json::JsonWriter w(out);
  writeSpan(w, span);
}

void encodeV2Json(std::span<const Span> spans, std::string* out) {
  json::JsonWriter w(out);
  w.beginArray();
  for (const Span& s : spans) writeSpan(w, s);
  w.endArray();
}

}  // namespace sextant::codec::zipkin
