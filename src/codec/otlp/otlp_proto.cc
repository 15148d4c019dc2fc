// decodeTracesProto: ExportTraceServiceRequest read field by field with pb::WireReader (no
// generated code). Field numbers: proto/ (our transcription of opentelemetry-proto).
#include <bit>

#include "codec/otlp/otlp.h"
#include "codec/otlp/otlp_common.h"
#include "codec/point_json/json_writer.h"
#include "codec/point_pb/wire.h"

namespace sextant::codec::otlp {

namespace {

using internal::ErrorPath;
using model::Span;
using model::SpanTag;
using pb::WireReader;

// One AnyValue: the number of the oneof member last set (0: none) and its raw value.
struct AnyRaw {
  uint32_t field = 0;
  uint64_t num = 0;        // bool_value, int_value, double_value (bits)
  std::string_view bytes;  // string_value, bytes_value, array_value, kvlist_value
};

class ProtoDecoder {
 public:
  Status decode(std::string_view body, std::vector<Span>* out) {
    budget_ = internal::resourceCopyBudget(body.size());
    WireReader r(body);
    size_t index = 0;
    path_.push("resource_spans");
    while (!r.done()) {
      uint32_t f, wt;
      if (!r.readKey(&f, &wt)) return path_.fail("malformed field key");
      if (f == 1) {
        path_.setIndex(index);
        std::string_view msg;
        if (wt != pb::kWireLen || !r.readBytes(&msg)) return path_.fail("malformed message");
        SEXTANT_RETURN_IF_ERROR(resourceSpans(msg, out));
        ++index;
      } else if (!r.skip(f, wt)) {
        return malformed(f);
      }
    }
    path_.pop();
    return Status::ok();
  }

 private:
  Status malformed(uint32_t field) const {
    return path_.fail("malformed field " + std::to_string(field));
  }

  // Reads a length-delimited value whose key (wire type wt) was just read.
  bool readLen(WireReader* r, uint32_t wt, std::string_view* v) const {
    return wt == pb::kWireLen && r->readBytes(v);
  }

  Status resourceSpans(std::string_view msg, std::vector<Span>* out) {
    // The resource may follow its spans on the wire: read it first.
    std::vector<SpanTag> resource_tags;
    WireReader r(msg);
    while (!r.done()) {
      uint32_t f, wt;
      if (!r.readKey(&f, &wt)) return path_.fail("malformed field key");
      if (f == 1) {
        std::string_view res;
        if (!readLen(&r, wt, &res)) return path_.fail("malformed resource");
        path_.push("resource");
        SEXTANT_RETURN_IF_ERROR(attributesOf(res, 1, &resource_tags));
        path_.pop();
      } else if (!r.skip(f, wt)) {
        return malformed(f);
      }
    }
    std::string service = internal::serviceName(resource_tags);
    WireReader r2(msg);
    size_t index = 0;
    size_t legacy_index = 0;
    while (!r2.done()) {
      uint32_t f, wt;
      if (!r2.readKey(&f, &wt)) return path_.fail("malformed field key");
      // 1000: the deprecated instrumentation_library_spans, laid out as ScopeSpans.
      if (f == 2 || f == 1000) {
        std::string_view ss;
        path_.push(f == 2 ? "scope_spans" : "instrumentation_library_spans",
                   f == 2 ? index++ : legacy_index++);
        if (!readLen(&r2, wt, &ss)) return path_.fail("malformed message");
        SEXTANT_RETURN_IF_ERROR(scopeSpans(ss, resource_tags, service, out));
        path_.pop();
      } else if (!r2.skip(f, wt)) {
        return malformed(f);
      }
    }
    return Status::ok();
  }

  Status scopeSpans(std::string_view msg, const std::vector<SpanTag>& resource_tags,
                    const std::string& service, std::vector<Span>* out) {
    std::string_view name, version;
    WireReader r(msg);
    while (!r.done()) {
      uint32_t f, wt;
      if (!r.readKey(&f, &wt)) return path_.fail("malformed field key");
      if (f == 1) {
        std::string_view scope;
        if (!readLen(&r, wt, &scope)) return path_.fail("malformed scope");
        path_.push("scope");
        SEXTANT_RETURN_IF_ERROR(readScope(scope, &name, &version));
        path_.pop();
      } else if (!r.skip(f, wt)) {
        return malformed(f);
      }
    }
    std::vector<SpanTag> tags = resource_tags;
    internal::appendScopeTags(name, version, &tags);
    const size_t copy_bytes = internal::tagBytes(tags);
    WireReader r2(msg);
    size_t index = 0;
    path_.push("spans");
    while (!r2.done()) {
      uint32_t f, wt;
      if (!r2.readKey(&f, &wt)) return path_.fail("malformed field key");
      if (f == 2) {
        path_.setIndex(index++);
        std::string_view sp;
        if (!readLen(&r2, wt, &sp)) return path_.fail("malformed message");
        Span& s = out->emplace_back();
        SEXTANT_RETURN_IF_ERROR(span(sp, &s));
        copied_ += copy_bytes;
        if (copied_ > budget_) return internal::resourceCopyError("otlp protobuf");
        s.resource_tags = tags;
        s.local.service = service;
      } else if (!r2.skip(f, wt)) {
        return malformed(f);
      }
    }
    path_.pop();
    return Status::ok();
  }

  Status readScope(std::string_view msg, std::string_view* name, std::string_view* version) {
    WireReader r(msg);
    while (!r.done()) {
      uint32_t f, wt;
      if (!r.readKey(&f, &wt)) return path_.fail("malformed field key");
      if (f == 1 || f == 2) {
        if (!readLen(&r, wt, f == 1 ? name : version)) return malformed(f);
      } else if (!r.skip(f, wt)) {
        return malformed(f);
      }
    }
    return Status::ok();
  }

  Status span(std::string_view msg, Span* s) {
    std::string_view trace_id, span_id, parent_id;
    uint64_t start = 0, end = 0;
    size_t attr_index = 0, event_index = 0;
    WireReader r(msg);
    while (!r.done()) {
      uint32_t f, wt;
      if (!r.readKey(&f, &wt)) return path_.fail("malformed field key");
      bool ok = true;
      std::string_view v;
      uint64_t n;
      switch (f) {
        case 1: ok = readLen(&r, wt, &trace_id); break;
        case 2: ok = readLen(&r, wt, &span_id); break;
        case 4: ok = readLen(&r, wt, &parent_id); break;
        case 5:
          ok = readLen(&r, wt, &v);
          if (ok) s->name.assign(v);
          break;
        case 6:
          ok = wt == pb::kWireVarint && r.readVarint(&n);
          if (ok) s->kind = internal::kindFromNumber(n);
          break;
        case 7: ok = wt == pb::kWireFixed64 && r.readFixed64(&start); break;
        case 8: ok = wt == pb::kWireFixed64 && r.readFixed64(&end); break;
        case 9:
          ok = readLen(&r, wt, &v);
          if (ok) {
            path_.push("attributes", attr_index++);
            SpanTag& t = s->tags.emplace_back();
            SEXTANT_RETURN_IF_ERROR(keyValue(v, &t));
            path_.pop();
          }
          break;
        case 11:
          ok = readLen(&r, wt, &v);
          if (ok) {
            path_.push("events", event_index++);
            SEXTANT_RETURN_IF_ERROR(event(v, s));
            path_.pop();
          }
          break;
        case 15:
          ok = readLen(&r, wt, &v);
          if (ok) {
            path_.push("status");
            SEXTANT_RETURN_IF_ERROR(status(v, s));
            path_.pop();
          }
          break;
        default: ok = r.skip(f, wt);  // trace_state, flags, links, dropped counts, unknown
      }
      if (!ok) return malformed(f);
    }
    SEXTANT_RETURN_IF_ERROR(
        checkId(trace_id, internal::kTraceIdBytes, false, "trace_id", &s->trace_id));
    SEXTANT_RETURN_IF_ERROR(
        checkId(span_id, internal::kSpanIdBytes, false, "span_id", &s->span_id));
    SEXTANT_RETURN_IF_ERROR(
        checkId(parent_id, internal::kSpanIdBytes, true, "parent_span_id", &s->parent_id));
    if (!s->error) s->error_message.clear();  // status.message only matters for ERROR
    internal::finishSpan(start, end, s);
    return Status::ok();
  }

  Status checkId(std::string_view bytes, size_t want, bool allow_empty, std::string_view what,
                 std::string* out) const {
    Status st = internal::setIdFromBytes(bytes, want, allow_empty, what, out);
    return st.isOk() ? st : path_.fail(st.message());
  }

  Status event(std::string_view msg, Span* s) {
    uint64_t time = 0;
    std::string_view name;
    WireReader r(msg);
    while (!r.done()) {
      uint32_t f, wt;
      if (!r.readKey(&f, &wt)) return path_.fail("malformed field key");
      bool ok;
      if (f == 1) {
        ok = wt == pb::kWireFixed64 && r.readFixed64(&time);
      } else if (f == 2) {
        ok = readLen(&r, wt, &name);
      } else {
        ok = r.skip(f, wt);  // attributes, dropped_attributes_count
      }
      if (!ok) return malformed(f);
    }
    s->annotations.push_back({static_cast<int64_t>(time / 1000), std::string(name)});
    return Status::ok();
  }

  Status status(std::string_view msg, Span* s) {
    WireReader r(msg);
    while (!r.done()) {
      uint32_t f, wt;
      if (!r.readKey(&f, &wt)) return path_.fail("malformed field key");
      bool ok;
      if (f == 2) {
        std::string_view m;
        ok = readLen(&r, wt, &m);
        if (ok) s->error_message.assign(m);
      } else if (f == 3) {
        uint64_t code;
        ok = wt == pb::kWireVarint && r.readVarint(&code);
        if (ok) s->error = code == 2;  // STATUS_CODE_ERROR
      } else {
        ok = r.skip(f, wt);
      }
      if (!ok) return malformed(f);
    }
    return Status::ok();
  }

  // The repeated KeyValue field `field` of msg, appended as tags.
  Status attributesOf(std::string_view msg, uint32_t field, std::vector<SpanTag>* tags) {
    WireReader r(msg);
    size_t index = 0;
    while (!r.done()) {
      uint32_t f, wt;
      if (!r.readKey(&f, &wt)) return path_.fail("malformed field key");
      if (f == field) {
        std::string_view kv;
        if (!readLen(&r, wt, &kv)) return malformed(f);
        path_.push("attributes", index++);
        SEXTANT_RETURN_IF_ERROR(keyValue(kv, &tags->emplace_back()));
        path_.pop();
      } else if (!r.skip(f, wt)) {
        return malformed(f);
      }
    }
    return Status::ok();
  }

  // A KeyValue: its key, and its value rendered as a tag string.
  Status keyValue(std::string_view msg, SpanTag* t) {
    std::string_view key, value;
    SEXTANT_RETURN_IF_ERROR(splitKeyValue(msg, &key, &value));
    t->key.assign(key);
    AnyRaw a;
    SEXTANT_RETURN_IF_ERROR(parseAny(value, &a));
    switch (a.field) {
      case 0: break;
      case 1: t->value.assign(a.bytes); break;
      case 2: internal::appendBool(a.num != 0, &t->value); break;
      case 3: internal::appendInt(static_cast<int64_t>(a.num), &t->value); break;
      case 4: internal::appendDouble(std::bit_cast<double>(a.num), &t->value); break;
      case 7: internal::appendBase64(a.bytes, &t->value); break;
      default: {
        json::JsonWriter w(&t->value);
        SEXTANT_RETURN_IF_ERROR(writeJson(a, 1, &w));
      }
    }
    return Status::ok();
  }

  Status splitKeyValue(std::string_view msg, std::string_view* key, std::string_view* value) {
    WireReader r(msg);
    while (!r.done()) {
      uint32_t f, wt;
      if (!r.readKey(&f, &wt)) return path_.fail("malformed field key");
      bool ok;
      if (f == 1) {
        ok = readLen(&r, wt, key);
      } else if (f == 2) {
        ok = readLen(&r, wt, value);
      } else {
        ok = r.skip(f, wt);
      }
      if (!ok) return malformed(f);
    }
    return Status::ok();
  }

  Status parseAny(std::string_view msg, AnyRaw* a) {
    WireReader r(msg);
    while (!r.done()) {
      uint32_t f, wt;
      if (!r.readKey(&f, &wt)) return path_.fail("malformed value field key");
      bool ok;
      switch (f) {
        case 1:
        case 5:
        case 6:
        case 7: ok = readLen(&r, wt, &a->bytes); break;
        case 2:
        case 3: ok = wt == pb::kWireVarint && r.readVarint(&a->num); break;
        case 4: ok = wt == pb::kWireFixed64 && r.readFixed64(&a->num); break;
        default:
          if (!r.skip(f, wt)) return path_.fail("malformed value field " + std::to_string(f));
          continue;
      }
      if (!ok) return path_.fail("malformed value field " + std::to_string(f));
      a->field = f;
    }
    return Status::ok();
  }

  // Writes an AnyValue at nesting depth `depth` (1: the attribute's own value) as JSON.
  Status writeJson(const AnyRaw& a, int depth, json::JsonWriter* w) {
    if (depth > kMaxValueDepth) {
      return path_.fail("value nested deeper than " + std::to_string(kMaxValueDepth));
    }
    switch (a.field) {
      case 0: w->null(); break;
      case 1: w->string(a.bytes); break;
      case 2: w->boolean(a.num != 0); break;
      case 3: w->integer(static_cast<int64_t>(a.num)); break;
      case 4: w->number(std::bit_cast<double>(a.num)); break;
      case 7: {
        std::string b64;
        internal::appendBase64(a.bytes, &b64);
        w->string(b64);
        break;
      }
      case 5: {  // ArrayValue { repeated AnyValue values = 1; }
        w->beginArray();
        WireReader r(a.bytes);
        while (!r.done()) {
          uint32_t f, wt;
          if (!r.readKey(&f, &wt)) return path_.fail("malformed array value");
          if (f == 1) {
            std::string_view v;
            if (!readLen(&r, wt, &v)) return path_.fail("malformed array value");
            AnyRaw e;
            SEXTANT_RETURN_IF_ERROR(parseAny(v, &e));
            SEXTANT_RETURN_IF_ERROR(writeJson(e, depth + 1, w));
          } else if (!r.skip(f, wt)) {
            return path_.fail("malformed array value");
          }
        }
        w->endArray();
        break;
      }
      default: {  // 6: KeyValueList { repeated KeyValue values = 1; }
        w->beginObject();
        WireReader r(a.bytes);
        while (!r.done()) {
          uint32_t f, wt;
          if (!r.readKey(&f, &wt)) return path_.fail("malformed kvlist value");
          if (f == 1) {
            std::string_view kv, key, value;
            if (!readLen(&r, wt, &kv)) return path_.fail("malformed kvlist value");
            SEXTANT_RETURN_IF_ERROR(splitKeyValue(kv, &key, &value));
            AnyRaw e;
            SEXTANT_RETURN_IF_ERROR(parseAny(value, &e));
            w->key(key);
            SEXTANT_RETURN_IF_ERROR(writeJson(e, depth + 1, w));
          } else if (!r.skip(f, wt)) {
            return path_.fail("malformed kvlist value");
          }
        }
        w->endObject();
      }
    }
    return Status::ok();
  }

  ErrorPath path_{"otlp protobuf"};
  size_t budget_ = 0;  // resource tag bytes the spans may copy in all
  size_t copied_ = 0;
};

}  // namespace

Result<std::vector<model::Span>> decodeTracesProto(std::string_view body) {
  std::vector<model::Span> spans;
  ProtoDecoder d;
  SEXTANT_RETURN_IF_ERROR(d.decode(body, &spans));
  return spans;
}

}  // namespace sextant::codec::otlp
