#include "codec/point_pb/point_pb.h"

#include <bit>
#include <type_traits>
#include <utility>

#include "codec/point_pb/wire.h"

namespace sextant::codec::pb {

using model::Array;
using model::Bytes;
using model::FieldValue;
using model::Point;

namespace {

// Field numbers of point.proto.
enum : uint32_t { kPointsArr = 1 };
enum : uint32_t {
  kPointName = 1,
  kPointFields = 2,
  kPointTime = 3,
  kPointWarns = 4,
  kPointDebugs = 5
};
enum : uint32_t { kFieldKey = 1, kFieldA = 7, kFieldIsTag = 8, kFieldType = 9, kFieldUnit = 10 };
enum : uint32_t { kAnyTypeUrl = 1, kAnyValue = 2 };
enum : uint32_t { kArrayArr = 1 };
enum : uint32_t { kWarnType = 1, kWarnMsg = 2 };

// The numbers of the basic value alternatives: in Field's oneof `val` and in BasicTypes' `x`.
struct ValueNumbers {
  uint32_t i, u, f, b, d, s;
};
constexpr ValueNumbers kFieldValue{2, 3, 4, 5, 6, 11};
constexpr ValueNumbers kBasicValue{1, 2, 3, 4, 5, 6};

// ------------------------------------------------------------------------------------------
// Decoding

enum class Kind : uint8_t { kNone, kInt, kUint, kFloat, kBool, kBytes, kString, kAny };

// One Field message as read from the wire, before it becomes a Tag or a model::Field. Views
// point into the body.
struct FieldView {
  std::string_view key;
  std::string_view data;  // d, s, or the Any message
  uint64_t bits = 0;      // i, u, b, or the bit pattern of f
  Kind kind = Kind::kNone;
  bool is_tag = false;
};

// Reads a basic value alternative (number `num`, wire type `wt`) if `num` is one of `n`'s.
// Returns 1 if read, 0 if `num` is not a value alternative, -1 if malformed.
int readBasicValue(WireReader& r, const ValueNumbers& n, uint32_t num, uint32_t wt, Kind* kind,
                   uint64_t* bits, std::string_view* data) {
  Kind k;
  if (num == n.i) {
    k = Kind::kInt;
  } else if (num == n.u) {
    k = Kind::kUint;
  } else if (num == n.f) {
    k = Kind::kFloat;
  } else if (num == n.b) {
    k = Kind::kBool;
  } else if (num == n.d) {
    k = Kind::kBytes;
  } else if (num == n.s) {
    k = Kind::kString;
  } else {
    return 0;
  }
  bool ok = false;
  switch (k) {
    case Kind::kInt:
    case Kind::kUint:
    case Kind::kBool: ok = wt == kWireVarint && r.readVarint(bits); break;
    case Kind::kFloat: ok = wt == kWireFixed64 && r.readFixed64(bits); break;
    default: ok = wt == kWireLen && r.readBytes(data); break;
  }
  if (!ok) return -1;
  if (k == Kind::kBool) *bits = *bits != 0;
  *kind = k;
  return 1;
}

// Parses one Field message. Returns nullptr or what was malformed.
const char* parseField(std::string_view msg, FieldView* f) {
  WireReader r(msg);
  while (!r.done()) {
    uint32_t num, wt;
    if (!r.readKey(&num, &wt)) return "malformed Field";
    int got = readBasicValue(r, kFieldValue, num, wt, &f->kind, &f->bits, &f->data);
    if (got < 0) return "malformed Field value";
    if (got > 0) continue;
    uint64_t v;
    std::string_view s;
    switch (num) {
      case kFieldKey:
        if (wt != kWireLen || !r.readBytes(&f->key)) return "malformed Field.key";
        break;
      case kFieldA:
        if (wt != kWireLen || !r.readBytes(&f->data)) return "malformed Field.a";
        f->kind = Kind::kAny;
        break;
      case kFieldIsTag:
        if (wt != kWireVarint || !r.readVarint(&v)) return "malformed Field.is_tag";
        f->is_tag = v != 0;
        break;
      case kFieldType:  // metric type: not kept
        if (wt != kWireVarint || !r.readVarint(&v)) return "malformed Field.type";
        break;
      case kFieldUnit:  // unit: not kept
        if (wt != kWireLen || !r.readBytes(&s)) return "malformed Field.unit";
        break;
      default:
        if (!r.skip(num, wt)) return "malformed Field";
    }
  }
  return nullptr;
}

template <typename T>
T fromBits(uint64_t bits) {
  if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<double>(bits);
  } else if constexpr (std::is_same_v<T, bool>) {
    return bits != 0;
  } else {
    return static_cast<T>(bits);
  }
}

// Appends one array element of kind `k` to the vector alternative it belongs to.
void appendElement(Array::Items& items, Kind k, uint64_t bits, std::string_view data) {
  switch (k) {
    case Kind::kInt:
      std::get<std::vector<int64_t>>(items).push_back(fromBits<int64_t>(bits));
      break;
    case Kind::kUint:
      std::get<std::vector<uint64_t>>(items).push_back(fromBits<uint64_t>(bits));
      break;
    case Kind::kFloat:
      std::get<std::vector<double>>(items).push_back(fromBits<double>(bits));
      break;
    case Kind::kBool: std::get<std::vector<bool>>(items).push_back(bits != 0); break;
    case Kind::kBytes:
      std::get<std::vector<Bytes>>(items).push_back(Bytes{std::string(data)});
      break;
    case Kind::kString: std::get<std::vector<std::string>>(items).emplace_back(data); break;
    default: break;
  }
}

void resetItems(Array::Items& items, Kind k) {
  switch (k) {
    case Kind::kInt: items.emplace<std::vector<int64_t>>(); break;
    case Kind::kUint: items.emplace<std::vector<uint64_t>>(); break;
    case Kind::kFloat: items.emplace<std::vector<double>>(); break;
    case Kind::kBool: items.emplace<std::vector<bool>>(); break;
    case Kind::kBytes: items.emplace<std::vector<Bytes>>(); break;
    case Kind::kString: items.emplace<std::vector<std::string>>(); break;
    default: break;
  }
}

// Decodes Field.a: an Any that must hold a point.Array of one basic type. An empty array
// decodes as the default Array (an empty int list).
const char* decodeArray(std::string_view any, Array* out) {
  std::string_view type_url, value;
  bool has_type = false;
  WireReader r(any);
  while (!r.done()) {
    uint32_t num, wt;
    if (!r.readKey(&num, &wt)) return "malformed Any";
    if (num == kAnyTypeUrl) {
      if (wt != kWireLen || !r.readBytes(&type_url)) return "malformed Any.type_url";
      has_type = true;
    } else if (num == kAnyValue) {
      if (wt != kWireLen || !r.readBytes(&value)) return "malformed Any.value";
    } else if (!r.skip(num, wt)) {
      return "malformed Any";
    }
  }
  // Any names its type after the last '/' of the URL.
  size_t slash = type_url.rfind('/');
  if (!has_type || slash == std::string_view::npos || type_url.substr(slash + 1) != "point.Array") {
    return "Any value is not a point.Array";
  }
  *out = Array{};
  Kind array_kind = Kind::kNone;
  WireReader ar(value);
  while (!ar.done()) {
    uint32_t num, wt;
    if (!ar.readKey(&num, &wt)) return "malformed Array";
    if (num != kArrayArr) {
      if (!ar.skip(num, wt)) return "malformed Array";
      continue;
    }
    std::string_view elem;
    if (wt != kWireLen || !ar.readBytes(&elem)) return "malformed Array.arr";
    Kind k = Kind::kNone;
    uint64_t bits = 0;
    std::string_view data;
    WireReader er(elem);
    while (!er.done()) {
      uint32_t en, ewt;
      if (!er.readKey(&en, &ewt)) return "malformed array element";
      int got = readBasicValue(er, kBasicValue, en, ewt, &k, &bits, &data);
      if (got < 0 || (got == 0 && !er.skip(en, ewt))) return "malformed array element";
    }
    if (k == Kind::kNone) return "array element without a value";
    if (array_kind == Kind::kNone) {
      array_kind = k;
      resetItems(out->items, k);
    } else if (k != array_kind) {
      return "array elements of mixed types";
    }
    appendElement(out->items, k, bits, data);
  }
  return nullptr;
}

// Sets `out` to the value of a non-tag Field. Returns nullptr or what was wrong.
const char* buildValue(const FieldView& f, FieldValue* out) {
  switch (f.kind) {
    case Kind::kInt: out->emplace<int64_t>(fromBits<int64_t>(f.bits)); break;
    case Kind::kUint: out->emplace<uint64_t>(f.bits); break;
    case Kind::kFloat: out->emplace<double>(fromBits<double>(f.bits)); break;
    case Kind::kBool: out->emplace<bool>(f.bits != 0); break;
    case Kind::kBytes: out->emplace<Bytes>().data.assign(f.data); break;
    case Kind::kString: out->emplace<std::string>(f.data); break;
    case Kind::kAny: return decodeArray(f.data, &out->emplace<Array>());
    case Kind::kNone: break;
  }
  return nullptr;
}

Status pointError(size_t index, std::string_view what, std::string_view key = {}) {
  std::string msg = "protobuf point " + std::to_string(index) + ": " + std::string(what);
  if (!key.empty()) {
    msg += " (key \"";
    msg += key;
    msg += "\")";
  }
  return invalidArgument(std::move(msg));
}

// Decodes one PBPoint message into *p. `scratch` is reused across points.
Status decodePoint(std::string_view msg, size_t index, std::vector<FieldView>* scratch, Point* p) {
  scratch->clear();
  std::string_view name;
  int64_t time = 0;
  size_t ntags = 0;
  WireReader r(msg);
  while (!r.done()) {
    uint32_t num, wt;
    if (!r.readKey(&num, &wt)) return pointError(index, "malformed PBPoint");
    std::string_view sub;
    uint64_t v;
    switch (num) {
      case kPointName:
        if (wt != kWireLen || !r.readBytes(&name)) return pointError(index, "malformed name");
        break;
      case kPointFields: {
        if (wt != kWireLen || !r.readBytes(&sub)) return pointError(index, "malformed Field");
        FieldView& f = scratch->emplace_back();
        if (const char* err = parseField(sub, &f)) return pointError(index, err, f.key);
        if (f.kind == Kind::kNone) {  // no value: dropped (DataKit's nil field)
          scratch->pop_back();
          break;
        }
        if (f.is_tag) {
          if (f.kind != Kind::kString && f.kind != Kind::kBytes) {
            return pointError(index, "tag value is not a string", f.key);
          }
          ++ntags;
        }
        break;
      }
      case kPointTime:
        if (wt != kWireVarint || !r.readVarint(&v)) return pointError(index, "malformed time");
        time = static_cast<int64_t>(v);
        break;
      case kPointWarns:
      case kPointDebugs:  // auxiliary, not kept
        if (wt != kWireLen || !r.readBytes(&sub))
          return pointError(index, "malformed warns/debugs");
        break;
      default:
        if (!r.skip(num, wt)) return pointError(index, "malformed PBPoint");
    }
  }
  p->measurement.assign(name);
  p->time_ns = time;
  p->tags.reserve(ntags);
  p->fields.reserve(scratch->size() - ntags);
  for (const FieldView& f : *scratch) {
    if (f.is_tag) {
      model::Tag& t = p->tags.emplace_back();
      t.key.assign(f.key);
      t.value.assign(f.data);
    } else {
      model::Field& field = p->fields.emplace_back();
      field.key.assign(f.key);
      if (const char* err = buildValue(f, &field.value)) return pointError(index, err, f.key);
    }
  }
  return Status::ok();
}

// ------------------------------------------------------------------------------------------
// Encoding: every message is sized first, so the output is written once, in place.

size_t basicSize(const ValueNumbers& n, int64_t v) {
  return keySize(n.i) + varintSize(static_cast<uint64_t>(v));
}
size_t basicSize(const ValueNumbers& n, uint64_t v) { return keySize(n.u) + varintSize(v); }
size_t basicSize(const ValueNumbers& n, double) { return keySize(n.f) + 8; }
size_t basicSize(const ValueNumbers& n, bool) { return keySize(n.b) + 1; }
size_t basicSize(const ValueNumbers& n, const Bytes& v) { return lenFieldSize(n.d, v.data.size()); }
size_t basicSize(const ValueNumbers& n, const std::string& v) {
  return lenFieldSize(n.s, v.size());
}

char* writeBasic(char* p, const ValueNumbers& n, int64_t v) {
  return writeVarint(writeKey(p, n.i, kWireVarint), static_cast<uint64_t>(v));
}
char* writeBasic(char* p, const ValueNumbers& n, uint64_t v) {
  return writeVarint(writeKey(p, n.u, kWireVarint), v);
}
char* writeBasic(char* p, const ValueNumbers& n, double v) {
  return writeFixed64(writeKey(p, n.f, kWireFixed64), std::bit_cast<uint64_t>(v));
}
char* writeBasic(char* p, const ValueNumbers& n, bool v) {
  p = writeKey(p, n.b, kWireVarint);
  *p++ = v ? 1 : 0;
  return p;
}
char* writeBasic(char* p, const ValueNumbers& n, const Bytes& v) {
  return writeBytes(writeKey(p, n.d, kWireLen), v.data);
}
char* writeBasic(char* p, const ValueNumbers& n, const std::string& v) {
  return writeBytes(writeKey(p, n.s, kWireLen), v);
}

// Calls fn(element) for each element of an array, as its value type (bool, not a proxy).
template <typename Fn>
void forEachElement(const Array& a, Fn&& fn) {
  std::visit(
      [&fn](const auto& items) {
        using E = typename std::decay_t<decltype(items)>::value_type;
        for (auto&& e : items) {
          if constexpr (std::is_same_v<E, bool>) {
            fn(static_cast<bool>(e));
          } else {
            fn(e);
          }
        }
      },
      a.items);
}

// Size of the Array message.
size_t arrayMessageSize(const Array& a) {
  size_t size = 0;
  forEachElement(
      a, [&size](const auto& e) { size += lenFieldSize(kArrayArr, basicSize(kBasicValue, e)); });
  return size;
}

size_t anyMessageSize(size_t array_size) {
  return lenFieldSize(kAnyTypeUrl, kArrayTypeUrl.size()) + lenFieldSize(kAnyValue, array_size);
}

char* writeArrayAny(char* p, const Array& a, size_t array_size) {
  p = writeKey(p, kFieldA, kWireLen);
  p = writeVarint(p, anyMessageSize(array_size));
  p = writeBytes(writeKey(p, kAnyTypeUrl, kWireLen), kArrayTypeUrl);
  p = writeVarint(writeKey(p, kAnyValue, kWireLen), array_size);
  forEachElement(a, [&p](const auto& e) {
    p = writeKey(p, kArrayArr, kWireLen);
    p = writeVarint(p, basicSize(kBasicValue, e));
    p = writeBasic(p, kBasicValue, e);
  });
  return p;
}

size_t keyFieldSize(std::string_view key) {
  return key.empty() ? 0 : lenFieldSize(kFieldKey, key.size());
}

char* writeKeyField(char* p, std::string_view key) {
  if (key.empty()) return p;
  return writeBytes(writeKey(p, kFieldKey, kWireLen), key);
}

size_t tagMessageSize(const model::Tag& t) {
  return keyFieldSize(t.key) + lenFieldSize(kFieldValue.s, t.value.size()) + keySize(kFieldIsTag) +
         1;
}

char* writeTagMessage(char* p, const model::Tag& t, size_t size) {
  p = writeVarint(writeKey(p, kPointFields, kWireLen), size);
  p = writeKeyField(p, t.key);
  p = writeKey(p, kFieldIsTag, kWireVarint);  // field-number order, as libprotobuf writes
  *p++ = 1;
  return writeBytes(writeKey(p, kFieldValue.s, kWireLen), t.value);
}

// Size of a Field message; *array_size gets the Array message size for array values.
size_t fieldMessageSize(const model::Field& f, size_t* array_size) {
  return keyFieldSize(f.key) +
         std::visit(
             [array_size](const auto& v) -> size_t {
               if constexpr (std::is_same_v<std::decay_t<decltype(v)>, Array>) {
                 *array_size = arrayMessageSize(v);
                 return lenFieldSize(kFieldA, anyMessageSize(*array_size));
               } else {
                 return basicSize(kFieldValue, v);
               }
             },
             f.value);
}

// Writes a Field message of the given size (and Array message size, for arrays).
char* writeFieldMessage(char* p, const model::Field& f, size_t size, size_t array_size) {
  p = writeVarint(writeKey(p, kPointFields, kWireLen), size);
  p = writeKeyField(p, f.key);
  return std::visit(
      [p, array_size](const auto& v) -> char* {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, Array>) {
          return writeArrayAny(p, v, array_size);
        } else {
          return writeBasic(p, kFieldValue, v);
        }
      },
      f.value);
}

char* writeFieldMessage(char* p, const model::Field& f) {
  size_t array_size = 0;
  const size_t size = fieldMessageSize(f, &array_size);
  return writeFieldMessage(p, f, size, array_size);
}

size_t warnMessageSize(const model::Warning& w) {
  return (w.type.empty() ? 0 : lenFieldSize(kWarnType, w.type.size())) +
         (w.message.empty() ? 0 : lenFieldSize(kWarnMsg, w.message.size()));
}

char* writeWarnMessage(char* p, const model::Warning& w) {
  p = writeVarint(writeKey(p, kPointWarns, kWireLen), warnMessageSize(w));
  if (!w.type.empty()) p = writeBytes(writeKey(p, kWarnType, kWireLen), w.type);
  if (!w.message.empty()) p = writeBytes(writeKey(p, kWarnMsg, kWireLen), w.message);
  return p;
}

size_t pointMessageSize(const Point& pt, const std::vector<model::Warning>* warns) {
  size_t size = pt.measurement.empty() ? 0 : lenFieldSize(kPointName, pt.measurement.size());
  for (const model::Tag& t : pt.tags) size += lenFieldSize(kPointFields, tagMessageSize(t));
  for (const model::Field& f : pt.fields) {
    size_t array_size = 0;
    size += lenFieldSize(kPointFields, fieldMessageSize(f, &array_size));
  }
  if (pt.time_ns != 0) size += keySize(kPointTime) + varintSize(static_cast<uint64_t>(pt.time_ns));
  if (warns != nullptr) {
    for (const model::Warning& w : *warns) size += lenFieldSize(kPointWarns, warnMessageSize(w));
  }
  return size;
}

char* writePointMessage(char* p, const Point& pt, const std::vector<model::Warning>* warns,
                        size_t size) {
  p = writeVarint(writeKey(p, kPointsArr, kWireLen), size);
  if (!pt.measurement.empty()) p = writeBytes(writeKey(p, kPointName, kWireLen), pt.measurement);
  for (const model::Tag& t : pt.tags) p = writeTagMessage(p, t, tagMessageSize(t));
  for (const model::Field& f : pt.fields) p = writeFieldMessage(p, f);
  if (pt.time_ns != 0) {
    p = writeVarint(writeKey(p, kPointTime, kWireVarint), static_cast<uint64_t>(pt.time_ns));
  }
  if (warns != nullptr) {
    for (const model::Warning& w : *warns) p = writeWarnMessage(p, w);
  }
  return p;
}

}  // namespace

Result<std::vector<Point>> decode(std::string_view body, model::Category category) {
  std::vector<Point> points;
  // A guess that avoids most regrowth for typical points (~100-200 bytes on the wire) and never
  // reserves more Point memory than about the body's own size.
  points.reserve(body.size() / 128);
  std::vector<FieldView> scratch;
  scratch.reserve(32);
  WireReader r(body);
  while (!r.done()) {
    uint32_t num, wt;
    if (!r.readKey(&num, &wt)) return invalidArgument("malformed protobuf PBPoints");
    if (num != kPointsArr) {
      if (!r.skip(num, wt)) return invalidArgument("malformed protobuf PBPoints");
      continue;
    }
    std::string_view sub;
    if (wt != kWireLen || !r.readBytes(&sub)) {
      return pointError(points.size(), "malformed PBPoints.arr entry");
    }
    Point& p = points.emplace_back();
    p.category = category;
    SEXTANT_RETURN_IF_ERROR(decodePoint(sub, points.size() - 1, &scratch, &p));
  }
  return points;
}

void encode(std::span<const Point> pts, std::string* out) { encode(pts, {}, out); }

void appendPoint(const Point& p, std::string* out) {
  // Each Field message is sized once (encode() sizes it twice: for the point, then to write it).
  constexpr size_t kMaxSized = 64;
  if (p.fields.size() > kMaxSized) {
    const size_t size = pointMessageSize(p, nullptr);
    const size_t base = out->size();
    out->resize(base + lenFieldSize(kPointsArr, size));
    writePointMessage(out->data() + base, p, nullptr, size);
    return;
  }
  size_t field_sizes[kMaxSized], array_sizes[kMaxSized];
  size_t size = p.measurement.empty() ? 0 : lenFieldSize(kPointName, p.measurement.size());
  for (const model::Tag& t : p.tags) size += lenFieldSize(kPointFields, tagMessageSize(t));
  for (size_t i = 0; i < p.fields.size(); ++i) {
    array_sizes[i] = 0;
    field_sizes[i] = fieldMessageSize(p.fields[i], &array_sizes[i]);
    size += lenFieldSize(kPointFields, field_sizes[i]);
  }
  if (p.time_ns != 0) size += keySize(kPointTime) + varintSize(static_cast<uint64_t>(p.time_ns));

  const size_t base = out->size();
  out->resize(base + lenFieldSize(kPointsArr, size));
  char* w = writeVarint(writeKey(out->data() + base, kPointsArr, kWireLen), size);
  if (!p.measurement.empty()) w = writeBytes(writeKey(w, kPointName, kWireLen), p.measurement);
  for (const model::Tag& t : p.tags) w = writeTagMessage(w, t, tagMessageSize(t));
  for (size_t i = 0; i < p.fields.size(); ++i) {
    w = writeFieldMessage(w, p.fields[i], field_sizes[i], array_sizes[i]);
  }
  if (p.time_ns != 0) {
    writeVarint(writeKey(w, kPointTime, kWireVarint), static_cast<uint64_t>(p.time_ns));
  }
}

namespace {

// A view's Field message: key, then its one value (scalars and strings only).
size_t fieldViewSize(const model::FieldView& f) {
  size_t size = keyFieldSize(f.key);
  switch (f.type) {
    case model::FieldType::kInt: return size + basicSize(kFieldValue, f.i);
    case model::FieldType::kUint: return size + basicSize(kFieldValue, f.u);
    case model::FieldType::kBool: return size + basicSize(kFieldValue, f.b);
    case model::FieldType::kString: return size + lenFieldSize(kFieldValue.s, f.s.size());
    default: return size + basicSize(kFieldValue, f.f);
  }
}

// The body of a view's Field message (fieldViewSize() bytes): key, then its one value. This and
// writeTagViewBody are always inlined: called from writeViewEntryOnePass()'s loops, GCC keeps them
// out of line otherwise (agent_write_bench's fast path 10% slower).
[[gnu::always_inline]] inline char* writeFieldViewBody(char* p, const model::FieldView& f) {
  p = writeKeyField(p, f.key);
  switch (f.type) {
    case model::FieldType::kInt: return writeBasic(p, kFieldValue, f.i);
    case model::FieldType::kUint: return writeBasic(p, kFieldValue, f.u);
    case model::FieldType::kBool: return writeBasic(p, kFieldValue, f.b);
    case model::FieldType::kString: return writeBytes(writeKey(p, kFieldValue.s, kWireLen), f.s);
    default: return writeBasic(p, kFieldValue, f.f);
  }
}

char* writeFieldView(char* p, const model::FieldView& f, size_t size) {
  return writeFieldViewBody(writeVarint(writeKey(p, kPointFields, kWireLen), size), f);
}

size_t tagViewSize(const model::TagView& t) {
  return keyFieldSize(t.key) + lenFieldSize(kFieldValue.s, t.value.size()) + keySize(kFieldIsTag) +
         1;
}

// The body of a view's Field message for a tag (tagViewSize() bytes).
[[gnu::always_inline]] inline char* writeTagViewBody(char* p, const model::TagView& t) {
  p = writeKeyField(p, t.key);
  p = writeKey(p, kFieldIsTag, kWireVarint);
  *p++ = 1;
  return writeBytes(writeKey(p, kFieldValue.s, kWireLen), t.value);
}

char* writeTagView(char* p, const model::TagView& t, size_t size) {
  return writeTagViewBody(writeVarint(writeKey(p, kPointFields, kWireLen), size), t);
}

// Tag and Field messages of a view are sized once: up to this many, the sizes are kept for the
// write pass.
constexpr size_t kMaxSizedViews = 64;

// The size of a view's Point message (not its PBPoints.arr key and length); sizes[i] gets the
// size of its i-th Tag then Field message when there are at most kMaxSizedViews.
[[gnu::always_inline]] inline size_t viewMessageSize(const model::PointView& p, uint32_t* sizes) {
  const size_t nt = p.tags.size();
  const bool keep = nt + p.fields.size() <= kMaxSizedViews;
  size_t size = p.measurement.empty() ? 0 : lenFieldSize(kPointName, p.measurement.size());
  for (size_t i = 0; i < nt; ++i) {
    const size_t s = tagViewSize(p.tags[i]);
    if (keep) sizes[i] = static_cast<uint32_t>(s);
    size += lenFieldSize(kPointFields, s);
  }
  for (size_t i = 0; i < p.fields.size(); ++i) {
    const size_t s = fieldViewSize(p.fields[i]);
    if (keep) sizes[nt + i] = static_cast<uint32_t>(s);
    size += lenFieldSize(kPointFields, s);
  }
  if (p.time_ns != 0) size += keySize(kPointTime) + varintSize(static_cast<uint64_t>(p.time_ns));
  return size;
}

// Writes the PBPoints.arr entry of a view whose message size and sizes viewMessageSize() gave.
[[gnu::always_inline]] inline char* writeViewEntry(char* w, const model::PointView& p, size_t size,
                                                   const uint32_t* sizes) {
  const size_t nt = p.tags.size();
  const bool keep = nt + p.fields.size() <= kMaxSizedViews;
  w = writeVarint(writeKey(w, kPointsArr, kWireLen), size);
  if (!p.measurement.empty()) w = writeBytes(writeKey(w, kPointName, kWireLen), p.measurement);
  for (size_t i = 0; i < nt; ++i) {
    w = writeTagView(w, p.tags[i], keep ? sizes[i] : tagViewSize(p.tags[i]));
  }
  for (size_t i = 0; i < p.fields.size(); ++i) {
    const model::FieldView& f = p.fields[i];
    w = writeFieldView(w, f, keep ? sizes[nt + i] : fieldViewSize(f));
  }
  if (p.time_ns != 0) {
    w = writeVarint(writeKey(w, kPointTime, kWireVarint), static_cast<uint64_t>(p.time_ns));
  }
  return w;
}

// Room appendPoint(PointView, char*, room) needs for writeViewEntryOnePass().
constexpr size_t kOnePassRoom = 16384 + 3;
// writeViewEntryOnePass() gives up past this many bytes (it writes one message of under 128 bytes
// and the time after it, so it never writes past 16383 + 3 bytes).
constexpr size_t kOnePassLimit = 16384 - 128 - 16;

// The common entry in one pass, without sizing anything first: every Tag and Field message under
// 128 bytes (its 1-byte length is written when the message is done) and the Point message 128 to
// 16383 bytes (2-byte length). nullptr for any other view (what was written is garbage): the sized
// path writes it. Needs kOnePassRoom bytes at out. The bytes are those of writeViewEntry().
char* writeViewEntryOnePass(char* out, const model::PointView& p) {
  if (p.measurement.size() >= 128) return nullptr;
  char* w = out + 3;  // the entry's key and 2-byte length come last
  if (!p.measurement.empty()) w = writeBytes(writeKey(w, kPointName, kWireLen), p.measurement);
  for (const model::TagView& t : p.tags) {
    if (t.key.size() + t.value.size() >= 120) return nullptr;
    char* msg = w;
    w = writeTagViewBody(w + 2, t);
    msg[0] = static_cast<char>(uint32_t{kPointFields} << 3 | kWireLen);
    msg[1] = static_cast<char>(w - msg - 2);
    if (static_cast<size_t>(w - out) > kOnePassLimit) return nullptr;
  }
  for (const model::FieldView& f : p.fields) {
    const size_t value = f.type == model::FieldType::kString ? f.s.size() : 0;
    if (f.key.size() + value >= 100) return nullptr;  // + key bytes and a value of <= 11 bytes
    char* msg = w;
    w = writeFieldViewBody(w + 2, f);
    msg[0] = static_cast<char>(uint32_t{kPointFields} << 3 | kWireLen);
    msg[1] = static_cast<char>(w - msg - 2);
    if (static_cast<size_t>(w - out) > kOnePassLimit) return nullptr;
  }
  if (p.time_ns != 0) {
    w = writeVarint(writeKey(w, kPointTime, kWireVarint), static_cast<uint64_t>(p.time_ns));
  }
  const size_t size = static_cast<size_t>(w - out) - 3;
  if (size < 128 || size >= 16384) return nullptr;
  out[0] = static_cast<char>(uint32_t{kPointsArr} << 3 | kWireLen);
  out[1] = static_cast<char>((size & 0x7f) | 0x80);
  out[2] = static_cast<char>(size >> 7);
  return w;
}

}  // namespace

void appendPoint(const model::PointView& p, std::string* out) {
  uint32_t sizes[kMaxSizedViews];
  const size_t size = viewMessageSize(p, sizes);
  const size_t base = out->size();
  out->resize(base + lenFieldSize(kPointsArr, size));
  writeViewEntry(out->data() + base, p, size, sizes);
}

size_t appendPoint(const model::PointView& p, char* out, size_t room) {
  if (room >= kOnePassRoom) {
    if (const char* end = writeViewEntryOnePass(out, p)) return static_cast<size_t>(end - out);
  }
  uint32_t sizes[kMaxSizedViews];
  const size_t size = viewMessageSize(p, sizes);
  const size_t entry = lenFieldSize(kPointsArr, size);
  if (entry > room) return 0;
  writeViewEntry(out, p, size, sizes);
  return entry;
}

void encode(std::span<const Point> pts, std::span<const std::vector<model::Warning>> warnings,
            std::string* out) {
  std::vector<size_t> sizes(pts.size());
  size_t total = 0;
  for (size_t i = 0; i < pts.size(); ++i) {
    const auto* warns = i < warnings.size() ? &warnings[i] : nullptr;
    sizes[i] = pointMessageSize(pts[i], warns);
    total += lenFieldSize(kPointsArr, sizes[i]);
  }
  size_t base = out->size();
  out->resize(base + total);
  char* p = out->data() + base;
  for (size_t i = 0; i < pts.size(); ++i) {
    const auto* warns = i < warnings.size() ? &warnings[i] : nullptr;
    p = writePointMessage(p, pts[i], warns, sizes[i]);
  }
}

}  // namespace sextant::codec::pb
