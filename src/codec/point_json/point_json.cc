#include "codec/point_json/point_json.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "codec/point_json/base64.h"
#include "codec/point_json/json_writer.h"
#include "codec/point_pb/point_pb.h"  // kArrayTypeUrl only (a constant: no link dependency)

namespace sextant::codec::json {

namespace dom = simdjson::dom;
using model::Array;
using model::Bytes;
using model::FieldValue;
using model::Point;
using Type = dom::element_type;

namespace {

Status pointError(std::string_view format, size_t index, std::string_view what) {
  std::string msg(format);
  msg += " point ";
  msg += std::to_string(index);
  msg += ": ";
  msg += what;
  return invalidArgument(std::move(msg));
}

// `what "name": detail`, e.g. field "usage": value is null.
std::string named(std::string_view what, std::string_view name, std::string_view detail) {
  std::string s(what);
  s += " \"";
  s += name;
  s += "\": ";
  s += detail;
  return s;
}

// Parses `body` and checks that it is a JSON array.
Status parseArray(std::string_view body, std::string_view format, dom::parser* parser,
                  dom::array* out) {
  simdjson::padded_string padded(body.data(), body.size());
  dom::element doc;
  if (auto err = parser->parse(padded).get(doc)) {
    return invalidArgument("invalid " + std::string(format) +
                           " body: " + simdjson::error_message(err));
  }
  if (doc.get(*out) != simdjson::SUCCESS) {
    return invalidArgument(std::string(format) + " body is not a JSON array of points");
  }
  return Status::ok();
}

// ------------------------------------------------------------------------------------------
// Simple JSON

// The class of a simple JSON value: every number is a float.
enum class SimpleKind { kFloat, kString, kBool, kOther };

SimpleKind simpleKind(dom::element v) {
  switch (v.type()) {
    case Type::INT64:
    case Type::UINT64:
    case Type::DOUBLE: return SimpleKind::kFloat;
    case Type::STRING: return SimpleKind::kString;
    case Type::BOOL: return SimpleKind::kBool;
    default: return SimpleKind::kOther;
  }
}

// Decodes one simple JSON field value. Returns nullptr or what is wrong with it.
const char* decodeSimpleValue(dom::element v, FieldValue* out) {
  switch (v.type()) {
    case Type::INT64:
    case Type::UINT64:
    case Type::DOUBLE: *out = v.get_double().value_unsafe(); return nullptr;
    case Type::STRING: *out = std::string(v.get_string().value_unsafe()); return nullptr;
    case Type::BOOL: *out = v.get_bool().value_unsafe(); return nullptr;
    case Type::NULL_VALUE: return "value is null";
    case Type::OBJECT: return "value is an object";
    case Type::ARRAY: break;
  }
  dom::array arr = v.get_array().value_unsafe();
  Array a;  // an empty JSON array is the default (empty int) array
  SimpleKind kind = SimpleKind::kOther;
  for (dom::element e : arr) {
    SimpleKind k = simpleKind(e);
    if (k == SimpleKind::kOther || (kind != SimpleKind::kOther && k != kind)) {
      return "array elements must be all numbers, all strings or all booleans";
    }
    if (kind == SimpleKind::kOther) {
      kind = k;
      if (k == SimpleKind::kFloat) a.items.emplace<std::vector<double>>();
      if (k == SimpleKind::kString) a.items.emplace<std::vector<std::string>>();
      if (k == SimpleKind::kBool) a.items.emplace<std::vector<bool>>();
    }
    switch (k) {
      case SimpleKind::kFloat:
        std::get<std::vector<double>>(a.items).push_back(e.get_double().value_unsafe());
        break;
      case SimpleKind::kString:
        std::get<std::vector<std::string>>(a.items).emplace_back(e.get_string().value_unsafe());
        break;
      default: std::get<std::vector<bool>>(a.items).push_back(e.get_bool().value_unsafe());
    }
  }
  *out = std::move(a);
  return nullptr;
}

Status decodeSimplePoint(dom::element e, size_t index, int64_t now_ns, int64_t multiplier,
                         Point* p) {
  constexpr std::string_view kFormat = "json";
  dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) return pointError(kFormat, index, "not a JSON object");
  bool has_measurement = false;
  int64_t time = 0;
  for (auto [k, v] : obj) {  // a repeated member: the last one wins
    if (k == "measurement") {
      std::string_view s;
      if (v.get(s) != simdjson::SUCCESS) {
        return pointError(kFormat, index, "\"measurement\" is not a string");
      }
      p->measurement.assign(s);
      has_measurement = true;
    } else if (k == "tags") {
      p->tags.clear();
      if (v.is_null()) continue;
      dom::object tags;
      if (v.get(tags) != simdjson::SUCCESS) {
        return pointError(kFormat, index, "\"tags\" is not an object");
      }
      p->tags.reserve(tags.size());
      for (auto [tk, tv] : tags) {
        std::string_view s;
        if (tv.get(s) != simdjson::SUCCESS) {
          return pointError(kFormat, index, named("tag", tk, "value is not a string"));
        }
        p->tags.push_back(model::Tag{std::string(tk), std::string(s)});
      }
    } else if (k == "fields") {
      p->fields.clear();
      if (v.is_null()) continue;
      dom::object fields;
      if (v.get(fields) != simdjson::SUCCESS) {
        return pointError(kFormat, index, "\"fields\" is not an object");
      }
      p->fields.reserve(fields.size());
      for (auto [fk, fv] : fields) {
        model::Field& f = p->fields.emplace_back();
        f.key.assign(fk);
        if (const char* err = decodeSimpleValue(fv, &f.value)) {
          return pointError(kFormat, index, named("field", fk, err));
        }
      }
    } else if (k == "time") {
      switch (v.type()) {
        case Type::NULL_VALUE: time = 0; break;
        case Type::INT64: time = v.get_int64().value_unsafe(); break;
        case Type::UINT64: return pointError(kFormat, index, "\"time\" is out of range");
        default: return pointError(kFormat, index, "\"time\" is not an integer");
      }
    }
  }
  if (!has_measurement) return pointError(kFormat, index, "missing \"measurement\"");
  if (time == 0) {
    p->time_ns = now_ns;
  } else if (__builtin_mul_overflow(time, multiplier, &p->time_ns)) {
    return pointError(kFormat, index, "\"time\" is out of range for its precision");
  }
  return Status::ok();
}

template <typename T>
void writeSimpleScalar(JsonWriter& w, const T& v, std::string* scratch) {
  if constexpr (std::is_same_v<T, int64_t>) {
    w.integer(v);
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    w.unsignedInteger(v);
  } else if constexpr (std::is_same_v<T, double>) {
    w.number(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    w.boolean(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    w.string(v);
  } else {
    static_assert(std::is_same_v<T, Bytes>);
    scratch->clear();
    base64Encode(v.data, scratch);
    w.string(*scratch);
  }
}

void writeSimpleValue(JsonWriter& w, const FieldValue& value, std::string* scratch) {
  std::visit(
      [&w, scratch](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Array>) {
          w.beginArray();
          std::visit(
              [&w, scratch](const auto& items) {
                using E = typename std::decay_t<decltype(items)>::value_type;
                for (auto&& e : items) writeSimpleScalar<E>(w, e, scratch);
              },
              v.items);
          w.endArray();
        } else {
          writeSimpleScalar<T>(w, v, scratch);
        }
      },
      value);
}

// ------------------------------------------------------------------------------------------
// PBJSON

constexpr std::string_view kPbFormat = "pbjson";

bool readInt64(dom::element v, int64_t* out) {
  if (v.type() == Type::INT64) {
    *out = v.get_int64().value_unsafe();
    return true;
  }
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool readUint64(dom::element v, uint64_t* out) {
  if (v.type() == Type::UINT64 || v.type() == Type::INT64) {
    return v.get_uint64().get(*out) == simdjson::SUCCESS;  // fails for negative values
  }
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool readDouble(dom::element v, double* out) {
  if (v.get_double().get(*out) == simdjson::SUCCESS) return true;
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS) return false;
  if (s == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
  } else if (s == "Infinity") {
    *out = std::numeric_limits<double>::infinity();
  } else if (s == "-Infinity") {
    *out = -std::numeric_limits<double>::infinity();
  } else {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(*out);
  }
  return true;
}

// Reads member `k` if it is one of the basic value members (i u f b s d) into *out.
// Returns 1 if read, 0 if `k` is not a basic value member, -1 if its value is malformed.
int readBasicMember(std::string_view k, dom::element v, FieldValue* out) {
  if (k.size() != 1) return 0;
  switch (k[0]) {
    case 'i': {
      int64_t x;
      if (!readInt64(v, &x)) return -1;
      *out = x;
      return 1;
    }
    case 'u': {
      uint64_t x;
      if (!readUint64(v, &x)) return -1;
      *out = x;
      return 1;
    }
    case 'f': {
      double x;
      if (!readDouble(v, &x)) return -1;
      *out = x;
      return 1;
    }
    case 'b': {
      bool x;
      if (v.get(x) != simdjson::SUCCESS) return -1;
      *out = x;
      return 1;
    }
    case 's': {
      std::string_view x;
      if (v.get(x) != simdjson::SUCCESS) return -1;
      *out = std::string(x);
      return 1;
    }
    case 'd': {
      std::string_view x;
      Bytes b;
      if (v.get(x) != simdjson::SUCCESS || !base64Decode(x, &b.data)) return -1;
      *out = std::move(b);
      return 1;
    }
    default: return 0;
  }
}

// Appends a scalar FieldValue to the array alternative of its type (the caller checked it).
void appendElement(Array::Items& items, FieldValue&& v) {
  std::visit(
      [&items](auto&& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (!std::is_same_v<T, Array>) {
          std::get<std::vector<T>>(items).push_back(std::move(x));
        }
      },
      std::move(v));
}

void resetItems(Array::Items& items, model::FieldType t) {
  switch (t) {
    case model::FieldType::kInt: items.emplace<std::vector<int64_t>>(); break;
    case model::FieldType::kUint: items.emplace<std::vector<uint64_t>>(); break;
    case model::FieldType::kFloat: items.emplace<std::vector<double>>(); break;
    case model::FieldType::kBool: items.emplace<std::vector<bool>>(); break;
    case model::FieldType::kString: items.emplace<std::vector<std::string>>(); break;
    case model::FieldType::kBytes: items.emplace<std::vector<Bytes>>(); break;
    case model::FieldType::kArray: break;
  }
}

// Decodes the "a" member: {"@type": ".../point.Array", "arr": [{"i": "1"}, ...]}.
const char* decodePbArray(dom::element v, Array* out) {
  dom::object obj;
  if (v.get(obj) != simdjson::SUCCESS) return "\"a\" is not an object";
  std::string_view type_url;
  dom::array arr;
  bool has_arr = false;
  for (auto [k, m] : obj) {
    if (m.is_null()) continue;
    if (k == "@type") {
      if (m.get(type_url) != simdjson::SUCCESS) return "\"@type\" is not a string";
    } else if (k == "arr") {
      if (m.get(arr) != simdjson::SUCCESS) return "\"arr\" is not an array";
      has_arr = true;
    }
  }
  size_t slash = type_url.rfind('/');
  if (slash == std::string_view::npos || type_url.substr(slash + 1) != "point.Array") {
    return "\"a\" is not a point.Array";
  }
  *out = Array{};
  if (!has_arr) return nullptr;
  bool first = true;
  model::FieldType kind = model::FieldType::kInt;
  for (dom::element e : arr) {
    dom::object elem;
    if (e.get(elem) != simdjson::SUCCESS) return "array element is not an object";
    FieldValue value;
    int values = 0;
    for (auto [k, m] : elem) {
      if (m.is_null()) continue;
      int got = readBasicMember(k, m, &value);
      if (got < 0) return "malformed array element";
      values += got;
    }
    if (values == 0) return "array element without a value";
    if (values > 1) return "array element with more than one value";
    if (first) {
      kind = model::fieldType(value);
      resetItems(out->items, kind);
      first = false;
    } else if (model::fieldType(value) != kind) {
      return "array elements of mixed types";
    }
    appendElement(out->items, std::move(value));
  }
  return nullptr;
}

Status decodePbField(dom::element e, size_t index, Point* p) {
  dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS)
    return pointError(kPbFormat, index, "field is not an object");
  std::string_view key;
  bool is_tag = false;
  FieldValue value;
  int values = 0;
  const char* err = nullptr;
  for (auto [k, m] : obj) {
    if (m.is_null()) continue;  // proto3 JSON: null is the default value
    int got = readBasicMember(k, m, &value);
    if (got < 0) {
      err = "malformed value";
    } else if (got > 0) {
      ++values;
    } else if (k == "key") {
      if (m.get(key) != simdjson::SUCCESS) err = "\"key\" is not a string";
    } else if (k == "a") {
      err = decodePbArray(m, &value.emplace<Array>());
      ++values;
    } else if (k == "is_tag") {
      if (m.get(is_tag) != simdjson::SUCCESS) err = "\"is_tag\" is not a boolean";
    } else if (k == "type") {  // metric type: an enum name or number, not kept
      if (!m.is_string() && !m.is_int64()) err = "\"type\" is not an enum";
    } else if (k == "unit") {  // not kept
      if (!m.is_string()) err = "\"unit\" is not a string";
    }
    if (err != nullptr) break;
  }
  if (err == nullptr && values > 1) err = "more than one value";
  if (err != nullptr) {
    return pointError(kPbFormat, index, named("field", key, err));
  }
  if (values == 0) return Status::ok();  // no value: dropped, as in protobuf
  if (is_tag) {
    if (auto* s = std::get_if<std::string>(&value)) {
      p->tags.push_back(model::Tag{std::string(key), std::move(*s)});
    } else if (auto* b = std::get_if<Bytes>(&value)) {
      p->tags.push_back(model::Tag{std::string(key), std::move(b->data)});
    } else {
      return pointError(kPbFormat, index, named("tag", key, "value is not a string"));
    }
    return Status::ok();
  }
  p->fields.push_back(model::Field{std::string(key), std::move(value)});
  return Status::ok();
}

Status decodePbPoint(dom::element e, size_t index, Point* p) {
  dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) return pointError(kPbFormat, index, "not a JSON object");
  for (auto [k, v] : obj) {
    if (v.is_null()) continue;
    if (k == "name") {
      std::string_view s;
      if (v.get(s) != simdjson::SUCCESS)
        return pointError(kPbFormat, index, "\"name\" is not a string");
      p->measurement.assign(s);
    } else if (k == "fields") {
      dom::array fields;
      if (v.get(fields) != simdjson::SUCCESS) {
        return pointError(kPbFormat, index, "\"fields\" is not an array");
      }
      p->tags.clear();
      p->fields.clear();
      for (dom::element f : fields) SEXTANT_RETURN_IF_ERROR(decodePbField(f, index, p));
    } else if (k == "time") {
      if (!readInt64(v, &p->time_ns)) {
        return pointError(kPbFormat, index, "\"time\" is not an int64");
      }
    }
    // "warns", "debugs" and unknown members are read past.
  }
  return Status::ok();
}

void writeInt64String(JsonWriter& w, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  w.string(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

void writeUint64String(JsonWriter& w, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  w.string(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

// Writes the member of one basic value: "i":"1", "f":1.5, "d":"AAE=", ...
template <typename T>
void writePbBasic(JsonWriter& w, const T& v, std::string* scratch) {
  if constexpr (std::is_same_v<T, int64_t>) {
    w.key("i");
    writeInt64String(w, v);
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    w.key("u");
    writeUint64String(w, v);
  } else if constexpr (std::is_same_v<T, double>) {
    w.key("f");
    if (std::isnan(v)) {
      w.string("NaN");
    } else if (std::isinf(v)) {
      w.string(v > 0 ? "Infinity" : "-Infinity");
    } else {
      w.number(v);
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    w.key("b");
    w.boolean(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    w.key("s");
    w.string(v);
  } else {
    static_assert(std::is_same_v<T, Bytes>);
    w.key("d");
    scratch->clear();
    base64Encode(v.data, scratch);
    w.string(*scratch);
  }
}

void writePbValue(JsonWriter& w, const FieldValue& value, std::string* scratch) {
  std::visit(
      [&w, scratch](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Array>) {
          w.key("a");
          w.beginObject();
          w.key("@type");
          w.string(pb::kArrayTypeUrl);
          w.key("arr");
          w.beginArray();
          std::visit(
              [&w, scratch](const auto& items) {
                using E = typename std::decay_t<decltype(items)>::value_type;
                for (auto&& e : items) {
                  w.beginObject();
                  writePbBasic<E>(w, e, scratch);
                  w.endObject();
                }
              },
              v.items);
          w.endArray();
          w.endObject();
        } else {
          writePbBasic<T>(w, v, scratch);
        }
      },
      value);
}

}  // namespace

Result<std::vector<Point>> decodeJson(std::string_view body, model::Category category,
                                      int64_t now_ns, int64_t time_multiplier) {
  int64_t multiplier = time_multiplier < 1 ? 1 : time_multiplier;
  dom::parser parser;
  dom::array arr;
  SEXTANT_RETURN_IF_ERROR(parseArray(body, "JSON", &parser, &arr));
  std::vector<Point> pts;
  pts.reserve(arr.size());
  for (dom::element e : arr) {
    Point& p = pts.emplace_back();
    p.category = category;
    SEXTANT_RETURN_IF_ERROR(decodeSimplePoint(e, pts.size() - 1, now_ns, multiplier, &p));
  }
  return pts;
}

void encodeJson(std::span<const Point> pts, std::string* out) {
  JsonWriter w(out);
  std::string scratch;
  w.beginArray();
  for (const Point& p : pts) {
    w.beginObject();
    w.key("measurement");
    w.string(p.measurement);
    w.key("tags");
    w.beginObject();
    for (const model::Tag& t : p.tags) {
      w.key(t.key);
      w.string(t.value);
    }
    w.endObject();
    w.key("fields");
    w.beginObject();
    for (const model::Field& f : p.fields) {
      w.key(f.key);
      writeSimpleValue(w, f.value, &scratch);
    }
    w.endObject();
    w.key("time");
    w.integer(p.time_ns);
    w.endObject();
  }
  w.endArray();
}

Result<std::vector<Point>> decodePbJson(std::string_view body, model::Category category) {
  dom::parser parser;
  dom::array arr;
  SEXTANT_RETURN_IF_ERROR(parseArray(body, "PBJSON", &parser, &arr));
  std::vector<Point> pts;
  pts.reserve(arr.size());
  for (dom::element e : arr) {
    Point& p = pts.emplace_back();
    p.category = category;
    SEXTANT_RETURN_IF_ERROR(decodePbPoint(e, pts.size() - 1, &p));
  }
  return pts;
}

void encodePbJson(std::span<const Point> pts, std::span<const std::vector<model::Warning>> warnings,
                  std::string* out) {
  JsonWriter w(out);
  std::string scratch;
  w.beginArray();
  for (size_t i = 0; i < pts.size(); ++i) {
    const Point& p = pts[i];
    w.beginObject();
    w.key("name");
    w.string(p.measurement);
    w.key("fields");
    w.beginArray();
    for (const model::Tag& t : p.tags) {
      w.beginObject();
      w.key("key");
      w.string(t.key);
      w.key("s");
      w.string(t.value);
      w.key("is_tag");
      w.boolean(true);
      w.endObject();
    }
    for (const model::Field& f : p.fields) {
      w.beginObject();
      w.key("key");
      w.string(f.key);
      writePbValue(w, f.value, &scratch);
      w.endObject();
    }
    w.endArray();
    w.key("time");
    writeInt64String(w, p.time_ns);
    if (i < warnings.size() && !warnings[i].empty()) {
      w.key("warns");
      w.beginArray();
      for (const model::Warning& warn : warnings[i]) {
        w.beginObject();
        w.key("type");
        w.string(warn.type);
        w.key("message");
        w.string(warn.message);
        w.endObject();
      }
      w.endArray();
    }
    w.endObject();
  }
  w.endArray();
}

}  // namespace sextant::codec::json
