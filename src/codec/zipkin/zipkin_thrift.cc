// Zipkin v1 Thrift: a TBinaryProtocol list<zipkincore.Span> (what zipkin-js and the Zipkin
// Java reporters send as application/x-thrift), read by hand with a bounds-checked cursor and
// converted like v1 JSON (convertV1).
//
// TBinaryProtocol is big-endian: a field is type (1 byte) + id (i16) + value, a struct ends
// with a STOP byte (0); strings/binary are i32 length + bytes; a list is element type (1 byte)
// + i32 count + elements. Fields of unknown id, or of a known id with an unexpected type, are
// skipped (nested values at most kMaxDepth deep).
#include <algorithm>
#include <bit>
#include <cstring>

#include "codec/point_json/base64.h"
#include "codec/zipkin/zipkin.h"
#include "codec/zipkin/zipkin_internal.h"

namespace sextant::codec::zipkin {

using model::SpanEndpoint;
using namespace internal;  // NOLINT: this file implements them

namespace {

enum TType : uint8_t {
  kStop = 0,
  kBool = 2,
  kByte = 3,
  kDouble = 4,
  kI16 = 6,
  kI32 = 8,
  kI64 = 10,
  kString = 11,
  kStruct = 12,
  kMap = 13,
  kSet = 14,
  kList = 15,
};

// zipkincore.AnnotationType.
enum AnnotationType : int32_t {
  kAnnBool = 0,
  kAnnBytes = 1,
  kAnnI16 = 2,
  kAnnI32 = 3,
  kAnnI64 = 4,
  kAnnDouble = 5,
  kAnnString = 6,
};

constexpr int kMaxDepth = 32;
// Reservations from a list count are capped: the count is only known to fit the bytes left.
constexpr size_t kMaxReserve = 1024;

// A bounds-checked cursor over TBinaryProtocol bytes. Every read returns false on truncation
// or a malformed value and leaves a description in error().
class ThriftReader {
 public:
  explicit ThriftReader(std::string_view data)
      : begin_(data.data()), p_(data.data()), end_(data.data() + data.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  const char* error() const { return error_; }

  bool fail(const char* what) {
    if (error_ == nullptr) error_ = what;
    return false;
  }

  bool readByte(uint8_t* v) {
    if (remaining() < 1) return fail("truncated");
    *v = static_cast<uint8_t>(*p_++);
    return true;
  }
  bool readI16(int16_t* v) {
    uint64_t x;
    if (!readBig(2, &x)) return false;
    *v = static_cast<int16_t>(static_cast<uint16_t>(x));
    return true;
  }
  bool readI32(int32_t* v) {
    uint64_t x;
    if (!readBig(4, &x)) return false;
    *v = static_cast<int32_t>(static_cast<uint32_t>(x));
    return true;
  }
  bool readI64(int64_t* v) {
    uint64_t x;
    if (!readBig(8, &x)) return false;
    *v = static_cast<int64_t>(x);
    return true;
  }
  // A string / binary: i32 length + bytes; *v points into the input.
  bool readBinary(std::string_view* v) {
    int32_t len;
    if (!readI32(&len)) return false;
    if (len < 0) return fail("negative string length");
    if (static_cast<size_t>(len) > remaining()) return fail("string length past the end");
    *v = std::string_view(p_, static_cast<size_t>(len));
    p_ += len;
    return true;
  }
  // A field header; *type == kStop ends the struct (no id follows).
  bool readFieldHeader(uint8_t* type, int16_t* id) {
    if (!readByte(type)) return false;
    if (*type == kStop) return true;
    return readI16(id);
  }
  // A list/set header: element type and count. Every element takes at least one byte, so a
  // count above the bytes left is malformed (this bounds loops and reservations).
  bool readListHeader(uint8_t* elem_type, size_t* count) {
    int32_t n;
    if (!readByte(elem_type) || !readI32(&n)) return false;
    if (n < 0) return fail("negative list size");
    if (static_cast<size_t>(n) > remaining()) return fail("list size past the end");
    *count = static_cast<size_t>(n);
    return true;
  }

  // Skips one value of `type`.
  bool skip(uint8_t type, int depth = 0) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    switch (type) {
      case kBool:
      case kByte: return advance(1);
      case kI16: return advance(2);
      case kI32: return advance(4);
      case kDouble:
      case kI64: return advance(8);
      case kString: {
        std::string_view s;
        return readBinary(&s);
      }
      case kStruct: {
        for (;;) {
          uint8_t ft;
          int16_t id;
          if (!readFieldHeader(&ft, &id)) return false;
          if (ft == kStop) return true;
          if (!skip(ft, depth + 1)) return false;
        }
      }
      case kMap: {
        uint8_t kt, vt;
        int32_t n;
        if (!readByte(&kt) || !readByte(&vt) || !readI32(&n)) return false;
        if (n < 0) return fail("negative map size");
        if (static_cast<size_t>(n) > remaining()) return fail("map size past the end");
        for (int32_t i = 0; i < n; ++i) {
          if (!skip(kt, depth + 1) || !skip(vt, depth + 1)) return false;
        }
        return true;
      }
      case kSet:
      case kList: {
        uint8_t et;
        size_t n;
        if (!readListHeader(&et, &n)) return false;
        for (size_t i = 0; i < n; ++i) {
          if (!skip(et, depth + 1)) return false;
        }
        return true;
      }
      default: return fail("unknown field type");
    }
  }

 private:
  bool advance(size_t n) {
    if (remaining() < n) return fail("truncated");
    p_ += n;
    return true;
  }
  bool readBig(size_t n, uint64_t* v) {
    if (remaining() < n) return fail("truncated");
    uint64_t x = 0;
    for (size_t i = 0; i < n; ++i) x = x << 8 | static_cast<uint8_t>(p_[i]);
    p_ += n;
    *v = x;
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  const char* error_ = nullptr;
};

// Reads a struct field by field; `field(type, id)` returns false on error and must consume the
// value (or call r.skip(type)).
template <typename Fn>
bool readStruct(ThriftReader& r, Fn field) {
  for (;;) {
    uint8_t type;
    int16_t id = 0;
    if (!r.readFieldHeader(&type, &id)) return false;
    if (type == kStop) return true;
    if (!field(type, id)) return false;
  }
}

bool readEndpoint(ThriftReader& r, SpanEndpoint* ep) {
  return readStruct(r, [&](uint8_t type, int16_t id) {
    if (id == 1 && type == kI32) {
      int32_t ip;
      if (!r.readI32(&ip)) return false;
      ep->ipv4 = ipv4Text(static_cast<uint32_t>(ip));
      return true;
    }
    if (id == 2 && type == kI16) {
      int16_t port;
      if (!r.readI16(&port)) return false;
      ep->port = static_cast<uint16_t>(port);  // Java writes ports above 32767 as negative
      return true;
    }
    if (id == 3 && type == kString) {
      std::string_view s;
      if (!r.readBinary(&s)) return false;
      ep->service = std::string(s);
      return true;
    }
    if (id == 4 && type == kString) {
      std::string_view s;
      if (!r.readBinary(&s)) return false;
      setIpv6Bytes(s, ep);
      return true;
    }
    return r.skip(type);
  });
}

bool readAnnotation(ThriftReader& r, V1Annotation* a) {
  return readStruct(r, [&](uint8_t type, int16_t id) {
    if (id == 1 && type == kI64) return r.readI64(&a->timestamp);
    if (id == 2 && type == kString) {
      std::string_view s;
      if (!r.readBinary(&s)) return false;
      a->value = std::string(s);
      return true;
    }
    if (id == 3 && type == kStruct) {
      a->endpoint.emplace();
      return readEndpoint(r, &*a->endpoint);
    }
    return r.skip(type);
  });
}

// Renders a binary annotation's value by its type. Returns false when the value does not fit
// the type (then the annotation is dropped).
bool binaryAnnotationText(int32_t type, std::string_view raw, V1BinaryAnnotation* b) {
  auto big = [&](size_t n) {
    uint64_t x = 0;
    for (size_t i = 0; i < n; ++i) x = x << 8 | static_cast<uint8_t>(raw[i]);
    return x;
  };
  switch (type) {
    case kAnnBool:
      if (raw.size() != 1) return false;
      b->is_bool = true;
      b->bool_value = raw[0] != 0;
      b->value = b->bool_value ? "true" : "false";
      return true;
    case kAnnBytes: json::base64Encode(raw, &b->value); return true;
    case kAnnI16:
      if (raw.size() != 2) return false;
      b->value = std::to_string(static_cast<int16_t>(big(2)));
      return true;
    case kAnnI32:
      if (raw.size() != 4) return false;
      b->value = std::to_string(static_cast<int32_t>(big(4)));
      return true;
    case kAnnI64:
      if (raw.size() != 8) return false;
      b->value = std::to_string(static_cast<int64_t>(big(8)));
      return true;
    case kAnnDouble:
      if (raw.size() != 8) return false;
      b->value = doubleText(std::bit_cast<double>(big(8)));
      return true;
    case kAnnString: b->value = std::string(raw); return true;
    default: return false;
  }
}

bool readBinaryAnnotation(ThriftReader& r, V1BinaryAnnotation* b, bool* keep) {
  std::string_view raw;
  int32_t ann_type = kAnnString;  // absent type: a string, as most senders mean
  bool has_value = false;
  bool ok = readStruct(r, [&](uint8_t type, int16_t id) {
    if (id == 1 && type == kString) {
      std::string_view s;
      if (!r.readBinary(&s)) return false;
      b->key = std::string(s);
      return true;
    }
    if (id == 2 && type == kString) {
      has_value = true;
      return r.readBinary(&raw);
    }
    if (id == 3 && type == kI32) return r.readI32(&ann_type);
    if (id == 4 && type == kStruct) {
      b->endpoint.emplace();
      return readEndpoint(r, &*b->endpoint);
    }
    return r.skip(type);
  });
  *keep = ok && has_value && !b->key.empty() && binaryAnnotationText(ann_type, raw, b);
  return ok;
}

template <typename T, typename Fn>
bool readList(ThriftReader& r, uint8_t type, std::vector<T>* out, Fn readOne) {
  if (type != kList) return r.skip(type);
  uint8_t elem;
  size_t n;
  if (!r.readListHeader(&elem, &n)) return false;
  if (elem != kStruct) {
    for (size_t i = 0; i < n; ++i) {
      if (!r.skip(elem)) return false;
    }
    return true;
  }
  out->reserve(out->size() + std::min<size_t>(n, kMaxReserve));
  for (size_t i = 0; i < n; ++i) {
    if (!readOne(&out->emplace_back())) return false;
  }
  return true;
}

Status readSpan(ThriftReader& r, size_t index, V1Span* span) {
  int64_t trace_low = 0, trace_high = 0, id = 0, parent = 0;
  bool has_trace = false, has_id = false;
  std::vector<V1BinaryAnnotation> binary;
  std::vector<char> keep;
  bool ok = readStruct(r, [&](uint8_t type, int16_t fid) {
    switch (fid) {
      case 1:
        if (type != kI64) break;
        has_trace = true;
        return r.readI64(&trace_low);
      case 3:
        if (type != kString) break;
        {
          std::string_view s;
          if (!r.readBinary(&s)) return false;
          span->name = std::string(s);
        }
        return true;
      case 4:
        if (type != kI64) break;
        has_id = true;
        return r.readI64(&id);
      case 5:
        if (type != kI64) break;
        return r.readI64(&parent);
      case 6:
        return readList(r, type, &span->annotations,
                        [&](V1Annotation* a) { return readAnnotation(r, a); });
      case 8:
        return readList(r, type, &binary, [&](V1BinaryAnnotation* b) {
          bool k;
          if (!readBinaryAnnotation(r, b, &k)) return false;
          keep.push_back(k);
          return true;
        });
      case 9:
        if (type != kBool) break;
        {
          uint8_t b;
          if (!r.readByte(&b)) return false;
          span->debug = b != 0;
        }
        return true;
      case 10:
        if (type != kI64) break;
        return r.readI64(&span->timestamp);
      case 11:
        if (type != kI64) break;
        return r.readI64(&span->duration);
      case 12:
        if (type != kI64) break;
        return r.readI64(&trace_high);
      default: break;
    }
    return r.skip(type);
  });
  if (!ok) {
    return spanError(kV1Thrift, index,
                     std::string(r.error()) + " at byte " + std::to_string(r.offset()));
  }
  if (!has_trace) return spanError(kV1Thrift, index, "missing trace_id");
  if (!has_id) return spanError(kV1Thrift, index, "missing id");
  if (trace_low == 0 && trace_high == 0) return spanError(kV1Thrift, index, "trace id is zero");
  if (id == 0) return spanError(kV1Thrift, index, "span id is zero");
  if (span->timestamp < 0) return spanError(kV1Thrift, index, "timestamp is negative");
  if (span->duration < 0) return spanError(kV1Thrift, index, "duration is negative");
  for (const V1Annotation& a : span->annotations) {
    if (a.timestamp < 0) return spanError(kV1Thrift, index, "annotation timestamp is negative");
  }
  span->trace_id = traceIdHex(static_cast<uint64_t>(trace_high), static_cast<uint64_t>(trace_low));
  span->id = hex64(static_cast<uint64_t>(id));
  if (parent != 0) span->parent_id = hex64(static_cast<uint64_t>(parent));
  for (size_t i = 0; i < binary.size(); ++i) {
    if (keep[i]) span->binary_annotations.push_back(std::move(binary[i]));
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<model::Span>> decodeV1Thrift(std::string_view body) {
  ThriftReader r(body);
  uint8_t elem;
  size_t n;
  if (!r.readListHeader(&elem, &n)) {
    return bodyError(kV1Thrift, std::string("bad list header: ") + r.error());
  }
  if (elem != kStruct) return bodyError(kV1Thrift, "not a list of structs");
  std::vector<model::Span> spans;
  spans.reserve(std::min<size_t>(n, kMaxReserve));
  for (size_t i = 0; i < n; ++i) {
    V1Span v1;
    SEXTANT_RETURN_IF_ERROR(readSpan(r, i, &v1));
    convertV1(std::move(v1), model::SpanFormat::kZipkinV1Thrift, &spans);
  }
  if (r.remaining() != 0) {
    return bodyError(kV1Thrift, std::to_string(r.remaining()) + " bytes after the span list");
  }
  return spans;
}

}  // namespace sextant::codec::zipkin
