// decodeTracesJson: OTLP/JSON (the proto3 JSON mapping of ExportTraceServiceRequest with OTLP's
// exceptions) walked over a simdjson DOM.
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "codec/otlp/otlp.h"
#include "codec/otlp/otlp_common.h"
#include "codec/point_json/base64.h"
#include "codec/point_json/json_writer.h"

namespace sextant::codec::otlp {

namespace {

namespace dom = simdjson::dom;
using internal::ErrorPath;
using model::Span;
using model::SpanTag;
using Type = dom::element_type;

// proto3 JSON parsers accept the lowerCamelCase name and the original snake_case one.
bool keyIs(std::string_view key, std::string_view camel, std::string_view snake) {
  return key == camel || key == snake;
}
bool keyIs(std::string_view key, std::string_view name) { return key == name; }

bool isNull(dom::element v) { return v.type() == Type::NULL_VALUE; }

// An integral JSON number or a decimal string (proto3 JSON writes 64-bit integers as strings).
bool readUint64(dom::element v, uint64_t* out) {
  switch (v.type()) {
    case Type::UINT64: return v.get_uint64().get(*out) == simdjson::SUCCESS;
    case Type::INT64: {
      int64_t x = v.get_int64().value_unsafe();
      if (x < 0) return false;
      *out = static_cast<uint64_t>(x);
      return true;
    }
    case Type::DOUBLE: {
      double d = v.get_double().value_unsafe();
      if (!(d >= 0 && d < 18446744073709551616.0) || std::trunc(d) != d) return false;
      *out = static_cast<uint64_t>(d);
      return true;
    }
    case Type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
      return ec == std::errc() && end == s.data() + s.size() && !s.empty();
    }
    default: return false;
  }
}

bool readInt64(dom::element v, int64_t* out) {
  switch (v.type()) {
    case Type::INT64: *out = v.get_int64().value_unsafe(); return true;
    case Type::UINT64: {
      uint64_t x = v.get_uint64().value_unsafe();
      if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
      *out = static_cast<int64_t>(x);
      return true;
    }
    case Type::DOUBLE: {
      double d = v.get_double().value_unsafe();
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || std::trunc(d) != d) {
        return false;
      }
      *out = static_cast<int64_t>(d);
      return true;
    }
    case Type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
      return ec == std::errc() && end == s.data() + s.size() && !s.empty();
    }
    default: return false;
  }
}

// A JSON number, or a string: "NaN", "Infinity", "-Infinity" or a decimal number.
bool readDouble(dom::element v, double* out) {
  switch (v.type()) {
    case Type::INT64: *out = static_cast<double>(v.get_int64().value_unsafe()); return true;
    case Type::UINT64: *out = static_cast<double>(v.get_uint64().value_unsafe()); return true;
    case Type::DOUBLE: *out = v.get_double().value_unsafe(); return true;
    case Type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      if (s == "NaN") {
        *out = std::numeric_limits<double>::quiet_NaN();
      } else if (s == "Infinity") {
        *out = std::numeric_limits<double>::infinity();
      } else if (s == "-Infinity") {
        *out = -std::numeric_limits<double>::infinity();
      } else {
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
        return ec == std::errc() && end == s.data() + s.size() && !s.empty() && std::isfinite(*out);
      }
      return true;
    }
    default: return false;
  }
}

// An enum given as its number or its name (`names[i]` is the name of value i).
template <size_t N>
bool readEnum(dom::element v, const std::string_view (&names)[N], uint64_t* out) {
  if (v.type() == Type::STRING) {
    std::string_view s = v.get_string().value_unsafe();
    for (size_t i = 0; i < N; ++i) {
      if (s == names[i]) {
        *out = i;
        return true;
      }
    }
    return false;
  }
  int64_t n;
  if (!readInt64(v, &n) || v.type() == Type::STRING || n < 0 || n > 0x7fffffff) return false;
  *out = static_cast<uint64_t>(n);
  return true;
}

constexpr std::string_view kKindNames[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                           "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                           "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
constexpr std::string_view kStatusNames[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                             "STATUS_CODE_ERROR"};

// Which AnyValue member was set last (0: none), numbered as in the protobuf oneof.
struct AnyJson {
  int field = 0;
  dom::element value;
};

class JsonDecoder {
 public:
  Status decode(std::string_view body, std::vector<Span>* out) {
    budget_ = internal::resourceCopyBudget(body.size());
    simdjson::padded_string padded(body.data(), body.size());
    dom::element doc;
    if (auto err = parser_.parse(padded).get(doc)) {
      return invalidArgument(std::string("otlp json: invalid JSON: ") +
                             simdjson::error_message(err));
    }
    dom::object root;
    if (doc.get(root) != simdjson::SUCCESS) return path_.fail("body is not a JSON object");
    for (auto field : root) {
      if (!keyIs(field.key, "resourceSpans", "resource_spans") || isNull(field.value)) continue;
      dom::array arr;
      if (field.value.get(arr) != simdjson::SUCCESS) {
        return path_.fail("resourceSpans is not an array");
      }
      size_t index = 0;
      path_.push("resourceSpans");
      for (dom::element rs : arr) {
        path_.setIndex(index++);
        SEXTANT_RETURN_IF_ERROR(resourceSpans(rs, out));
      }
      path_.pop();
    }
    return Status::ok();
  }

 private:
  Status object(dom::element v, std::string_view what, dom::object* out) const {
    if (v.get(*out) != simdjson::SUCCESS)
      return path_.fail(std::string(what) + " is not an object");
    return Status::ok();
  }
  Status array(dom::element v, std::string_view what, dom::array* out) const {
    if (v.get(*out) != simdjson::SUCCESS) return path_.fail(std::string(what) + " is not an array");
    return Status::ok();
  }
  Status string(dom::element v, std::string_view what, std::string_view* out) const {
    if (v.get(*out) != simdjson::SUCCESS) return path_.fail(std::string(what) + " is not a string");
    return Status::ok();
  }

  Status resourceSpans(dom::element v, std::vector<Span>* out) {
    dom::object obj;
    SEXTANT_RETURN_IF_ERROR(object(v, "resource spans", &obj));
    std::vector<SpanTag> resource_tags;
    for (auto field : obj) {
      if (!keyIs(field.key, "resource") || isNull(field.value)) continue;
      dom::object res;
      path_.push("resource");
      SEXTANT_RETURN_IF_ERROR(object(field.value, "resource", &res));
      resource_tags.clear();
      for (auto rf : res) {
        if (keyIs(rf.key, "attributes") && !isNull(rf.value)) {
          SEXTANT_RETURN_IF_ERROR(attributes(rf.value, &resource_tags));
        }
      }
      path_.pop();
    }
    std::string service = internal::serviceName(resource_tags);
    for (auto field : obj) {
      std::string_view name;
      if (keyIs(field.key, "scopeSpans", "scope_spans")) {
        name = "scopeSpans";
      } else if (keyIs(field.key, "instrumentationLibrarySpans", "instrumentation_library_spans")) {
        name = "instrumentationLibrarySpans";  // before OTLP 0.15
      } else {
        continue;
      }
      if (isNull(field.value)) continue;
      dom::array arr;
      SEXTANT_RETURN_IF_ERROR(array(field.value, name, &arr));
      size_t index = 0;
      for (dom::element ss : arr) {
        path_.push(name, index++);
        SEXTANT_RETURN_IF_ERROR(scopeSpans(ss, resource_tags, service, out));
        path_.pop();
      }
    }
    return Status::ok();
  }

  Status scopeSpans(dom::element v, const std::vector<SpanTag>& resource_tags,
                    const std::string& service, std::vector<Span>* out) {
    dom::object obj;
    SEXTANT_RETURN_IF_ERROR(object(v, "scope spans", &obj));
    std::string_view name, version;
    for (auto field : obj) {
      bool scope = keyIs(field.key, "scope");
      if ((!scope && !keyIs(field.key, "instrumentationLibrary", "instrumentation_library")) ||
          isNull(field.value)) {
        continue;
      }
      dom::object sc;
      path_.push(scope ? "scope" : "instrumentationLibrary");
      SEXTANT_RETURN_IF_ERROR(object(field.value, "scope", &sc));
      name = version = {};
      for (auto sf : sc) {
        if (isNull(sf.value)) continue;
        if (keyIs(sf.key, "name")) {
          SEXTANT_RETURN_IF_ERROR(string(sf.value, "name", &name));
        } else if (keyIs(sf.key, "version")) {
          SEXTANT_RETURN_IF_ERROR(string(sf.value, "version", &version));
        }
      }
      path_.pop();
    }
    std::vector<SpanTag> tags = resource_tags;
    internal::appendScopeTags(name, version, &tags);
    const size_t copy_bytes = internal::tagBytes(tags);
    for (auto field : obj) {
      if (!keyIs(field.key, "spans") || isNull(field.value)) continue;
      dom::array arr;
      SEXTANT_RETURN_IF_ERROR(array(field.value, "spans", &arr));
      size_t index = 0;
      path_.push("spans");
      for (dom::element sp : arr) {
        path_.setIndex(index++);
        Span& s = out->emplace_back();
        SEXTANT_RETURN_IF_ERROR(span(sp, &s));
        copied_ += copy_bytes;
        if (copied_ > budget_) return internal::resourceCopyError("otlp json");
        s.resource_tags = tags;
        s.local.service = service;
      }
      path_.pop();
    }
    return Status::ok();
  }

  Status span(dom::element v, Span* s) {
    dom::object obj;
    SEXTANT_RETURN_IF_ERROR(object(v, "span", &obj));
    std::string_view trace_id, span_id, parent_id;
    uint64_t start = 0, end = 0;
    for (auto field : obj) {
      std::string_view k = field.key;
      dom::element fv = field.value;
      if (isNull(fv)) continue;
      if (keyIs(k, "traceId", "trace_id")) {
        SEXTANT_RETURN_IF_ERROR(string(fv, "traceId", &trace_id));
      } else if (keyIs(k, "spanId", "span_id")) {
        SEXTANT_RETURN_IF_ERROR(string(fv, "spanId", &span_id));
      } else if (keyIs(k, "parentSpanId", "parent_span_id")) {
        SEXTANT_RETURN_IF_ERROR(string(fv, "parentSpanId", &parent_id));
      } else if (keyIs(k, "name")) {
        std::string_view name;
        SEXTANT_RETURN_IF_ERROR(string(fv, "name", &name));
        s->name.assign(name);
      } else if (keyIs(k, "kind")) {
        uint64_t kind;
        if (!readEnum(fv, kKindNames, &kind)) return path_.fail("kind is not a SpanKind");
        s->kind = internal::kindFromNumber(kind);
      } else if (keyIs(k, "startTimeUnixNano", "start_time_unix_nano")) {
        if (!readUint64(fv, &start)) return path_.fail("startTimeUnixNano is not a uint64");
      } else if (keyIs(k, "endTimeUnixNano", "end_time_unix_nano")) {
        if (!readUint64(fv, &end)) return path_.fail("endTimeUnixNano is not a uint64");
      } else if (keyIs(k, "attributes")) {
        SEXTANT_RETURN_IF_ERROR(attributes(fv, &s->tags));
      } else if (keyIs(k, "events")) {
        SEXTANT_RETURN_IF_ERROR(events(fv, s));
      } else if (keyIs(k, "status")) {
        path_.push("status");
        SEXTANT_RETURN_IF_ERROR(status(fv, s));
        path_.pop();
      }
      // traceState, flags, links, dropped*Count and unknown keys are read past.
    }
    SEXTANT_RETURN_IF_ERROR(
        checkId(trace_id, internal::kTraceIdBytes, false, "traceId", &s->trace_id));
    SEXTANT_RETURN_IF_ERROR(checkId(span_id, internal::kSpanIdBytes, false, "spanId", &s->span_id));
    SEXTANT_RETURN_IF_ERROR(
        checkId(parent_id, internal::kSpanIdBytes, true, "parentSpanId", &s->parent_id));
    if (!s->error) s->error_message.clear();
    internal::finishSpan(start, end, s);
    return Status::ok();
  }

  Status checkId(std::string_view text, size_t want, bool allow_empty, std::string_view what,
                 std::string* out) const {
    Status st = internal::setIdFromJson(text, want, allow_empty, what, out);
    return st.isOk() ? st : path_.fail(st.message());
  }

  Status events(dom::element v, Span* s) {
    dom::array arr;
    SEXTANT_RETURN_IF_ERROR(array(v, "events", &arr));
    size_t index = 0;
    path_.push("events");
    for (dom::element ev : arr) {
      path_.setIndex(index++);
      dom::object obj;
      SEXTANT_RETURN_IF_ERROR(object(ev, "event", &obj));
      uint64_t time = 0;
      std::string_view name;
      for (auto field : obj) {
        if (isNull(field.value)) continue;
        if (keyIs(field.key, "timeUnixNano", "time_unix_nano")) {
          if (!readUint64(field.value, &time)) return path_.fail("timeUnixNano is not a uint64");
        } else if (keyIs(field.key, "name")) {
          SEXTANT_RETURN_IF_ERROR(string(field.value, "name", &name));
        }
      }
      s->annotations.push_back({static_cast<int64_t>(time / 1000), std::string(name)});
    }
    path_.pop();
    return Status::ok();
  }

  Status status(dom::element v, Span* s) {
    dom::object obj;
    SEXTANT_RETURN_IF_ERROR(object(v, "status", &obj));
    for (auto field : obj) {
      if (isNull(field.value)) continue;
      if (keyIs(field.key, "code")) {
        uint64_t code;
        if (!readEnum(field.value, kStatusNames, &code)) {
          return path_.fail("code is not a StatusCode");
        }
        s->error = code == 2;
      } else if (keyIs(field.key, "message")) {
        std::string_view m;
        SEXTANT_RETURN_IF_ERROR(string(field.value, "message", &m));
        s->error_message.assign(m);
      }
    }
    return Status::ok();
  }

  // A JSON array of KeyValue objects, appended as tags.
  Status attributes(dom::element v, std::vector<SpanTag>* tags) {
    dom::array arr;
    SEXTANT_RETURN_IF_ERROR(array(v, "attributes", &arr));
    size_t index = 0;
    path_.push("attributes");
    for (dom::element kv : arr) {
      path_.setIndex(index++);
      std::string_view key;
      AnyJson a;
      SEXTANT_RETURN_IF_ERROR(keyValue(kv, &key, &a));
      SpanTag& t = tags->emplace_back();
      t.key.assign(key);
      SEXTANT_RETURN_IF_ERROR(renderTop(a, &t.value));
    }
    path_.pop();
    return Status::ok();
  }

  Status keyValue(dom::element v, std::string_view* key, AnyJson* a) {
    dom::object obj;
    SEXTANT_RETURN_IF_ERROR(object(v, "attribute", &obj));
    for (auto field : obj) {
      if (isNull(field.value)) continue;
      if (keyIs(field.key, "key")) {
        SEXTANT_RETURN_IF_ERROR(string(field.value, "key", key));
      } else if (keyIs(field.key, "value")) {
        SEXTANT_RETURN_IF_ERROR(anyValue(field.value, a));
      }
    }
    return Status::ok();
  }

  Status anyValue(dom::element v, AnyJson* a) {
    dom::object obj;
    SEXTANT_RETURN_IF_ERROR(object(v, "value", &obj));
    a->field = 0;
    for (auto field : obj) {
      std::string_view k = field.key;
      int f;
      if (keyIs(k, "stringValue", "string_value")) {
        f = 1;
      } else if (keyIs(k, "boolValue", "bool_value")) {
        f = 2;
      } else if (keyIs(k, "intValue", "int_value")) {
        f = 3;
      } else if (keyIs(k, "doubleValue", "double_value")) {
        f = 4;
      } else if (keyIs(k, "arrayValue", "array_value")) {
        f = 5;
      } else if (keyIs(k, "kvlistValue", "kvlist_value")) {
        f = 6;
      } else if (keyIs(k, "bytesValue", "bytes_value")) {
        f = 7;
      } else {
        continue;
      }
      if (isNull(field.value)) continue;
      a->field = f;
      a->value = field.value;
    }
    return Status::ok();
  }

  // The attribute's own value as a tag string: scalars as text, arrays/kvlists as JSON.
  Status renderTop(const AnyJson& a, std::string* out) {
    switch (a.field) {
      case 0: return Status::ok();
      case 1: {
        std::string_view s;
        SEXTANT_RETURN_IF_ERROR(string(a.value, "stringValue", &s));
        out->assign(s);
        return Status::ok();
      }
      case 2: {
        bool b;
        if (a.value.get(b) != simdjson::SUCCESS) return path_.fail("boolValue is not a bool");
        internal::appendBool(b, out);
        return Status::ok();
      }
      case 3: {
        int64_t n;
        if (!readInt64(a.value, &n)) return path_.fail("intValue is not an int64");
        internal::appendInt(n, out);
        return Status::ok();
      }
      case 4: {
        double d;
        if (!readDouble(a.value, &d)) return path_.fail("doubleValue is not a number");
        internal::appendDouble(d, out);
        return Status::ok();
      }
      case 7: return bytesValue(a.value, out);
      default: {
        json::JsonWriter w(out);
        return writeJson(a, 1, &w);
      }
    }
  }

  // bytesValue: base64 in, standard base64 out.
  Status bytesValue(dom::element v, std::string* out) {
    std::string_view s;
    SEXTANT_RETURN_IF_ERROR(string(v, "bytesValue", &s));
    std::string raw;
    if (!json::base64Decode(s, &raw)) return path_.fail("bytesValue is not base64");
    internal::appendBase64(raw, out);
    return Status::ok();
  }

  Status writeJson(const AnyJson& a, int depth, json::JsonWriter* w) {
    if (depth > kMaxValueDepth) {
      return path_.fail("value nested deeper than " + std::to_string(kMaxValueDepth));
    }
    switch (a.field) {
      case 0: w->null(); break;
      case 1: {
        std::string_view s;
        SEXTANT_RETURN_IF_ERROR(string(a.value, "stringValue", &s));
        w->string(s);
        break;
      }
      case 2: {
        bool b;
        if (a.value.get(b) != simdjson::SUCCESS) return path_.fail("boolValue is not a bool");
        w->boolean(b);
        break;
      }
      case 3: {
        int64_t n;
        if (!readInt64(a.value, &n)) return path_.fail("intValue is not an int64");
        w->integer(n);
        break;
      }
      case 4: {
        double d;
        if (!readDouble(a.value, &d)) return path_.fail("doubleValue is not a number");
        w->number(d);
        break;
      }
      case 7: {
        std::string b64;
        SEXTANT_RETURN_IF_ERROR(bytesValue(a.value, &b64));
        w->string(b64);
        break;
      }
      default: {
        bool is_array = a.field == 5;
        dom::object obj;
        SEXTANT_RETURN_IF_ERROR(object(a.value, is_array ? "arrayValue" : "kvlistValue", &obj));
        dom::array values;
        bool have = false;
        for (auto field : obj) {
          if (keyIs(field.key, "values") && !isNull(field.value)) {
            SEXTANT_RETURN_IF_ERROR(array(field.value, "values", &values));
            have = true;
          }
        }
        if (is_array) {
          w->beginArray();
        } else {
          w->beginObject();
        }
        if (have) {
          for (dom::element e : values) {
            AnyJson child;
            if (is_array) {
              SEXTANT_RETURN_IF_ERROR(anyValue(e, &child));
            } else {
              std::string_view key;
              SEXTANT_RETURN_IF_ERROR(keyValue(e, &key, &child));
              w->key(key);
            }
            SEXTANT_RETURN_IF_ERROR(writeJson(child, depth + 1, w));
          }
        }
        if (is_array) {
          w->endArray();
        } else {
          w->endObject();
        }
      }
    }
    return Status::ok();
  }

  dom::parser parser_;
  ErrorPath path_{"otlp json"};
  size_t budget_ = 0;  // resource tag bytes the spans may copy in all
  size_t copied_ = 0;
};

}  // namespace

Result<std::vector<model::Span>> decodeTracesJson(std::string_view body) {
  std::vector<model::Span> spans;
  JsonDecoder d;
  SEXTANT_RETURN_IF_ERROR(d.decode(body, &spans));
  return spans;
}

}  // namespace sextant::codec::otlp
