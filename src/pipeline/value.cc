// Value helpers: type names, truth, equality, JSON text and point conversions (value.h).
#include "pipeline/value.h"

#include <cstdio>
#include <cstdlib>

#include "codec/point_json/json_writer.h"

namespace sextant::pipeline {

Value newList(List items) { return Value(std::make_shared<List>(std::move(items))); }
Value newMap(Map items) { return Value(std::make_shared<Map>(std::move(items))); }

std::string_view typeName(const Value& v) {
  static constexpr std::string_view kNames[] = {"nil", "bool", "int", "float",
                                                "str", "list", "map"};
  return kNames[v.v.index()];
}

bool truthy(const Value& v) {
  switch (v.v.index()) {
    case 0: return false;
    case 1: return v.asBool();
    case 2: return v.asInt() != 0;
    case 3: return v.asFloat() != 0.0;
    case 4: return !v.asStr().empty();
    case 5: return !v.asList().empty();
    default: return !v.asMap().empty();
  }
}

bool valuesEqual(const Value& a, const Value& b) {
  if (a.isNumber() && b.isNumber()) {
    if (a.isInt() && b.isInt()) return a.asInt() == b.asInt();
    return a.asNumber() == b.asNumber();
  }
  if (a.v.index() != b.v.index()) return false;
  switch (a.v.index()) {
    case 0: return true;
    case 1: return a.asBool() == b.asBool();
    case 4: return a.asStr() == b.asStr();
    case 5: {
      const List& x = a.asList();
      const List& y = b.asList();
      if (&x == &y) return true;
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!valuesEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case 6: {
      const Map& x = a.asMap();
      const Map& y = b.asMap();
      if (&x == &y) return true;
      if (x.size() != y.size()) return false;
      for (auto it = x.begin(), jt = y.begin(); it != x.end(); ++it, ++jt) {
        if (it->first != jt->first || !valuesEqual(it->second, jt->second)) return false;
      }
      return true;
    }
    default: return false;
  }
}

namespace {

void writeJson(const Value& v, std::string* out, int depth) {
  if (depth > 100) {  // values built by scripts can be cyclic (a list appended to itself)
    out->append("null");
    return;
  }
  switch (v.v.index()) {
    case 0: out->append("null"); break;
    case 1: out->append(v.asBool() ? "true" : "false"); break;
    case 2: out->append(std::to_string(v.asInt())); break;
    case 3: codec::json::appendJsonNumber(v.asFloat(), out); break;
    case 4: codec::json::appendJsonString(v.asStr(), out); break;
    case 5: {
      out->push_back('[');
      bool first = true;
      for (const Value& e : v.asList()) {
        if (!first) out->push_back(',');
        first = false;
        writeJson(e, out, depth + 1);
      }
      out->push_back(']');
      break;
    }
    default: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.asMap()) {
        if (!first) out->push_back(',');
        first = false;
        codec::json::appendJsonString(k, out);
        out->push_back(':');
        writeJson(e, out, depth + 1);
      }
      out->push_back('}');
      break;
    }
  }
}

std::string formatFloat(double d) {
  // Go's strconv.FormatFloat(f, 'f', -1, 64) style for common values: shortest round trip.
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

}  // namespace

std::string toJson(const Value& v) {
  std::string out;
  writeJson(v, &out, 0);
  return out;
}

std::string toText(const Value& v) {
  switch (v.v.index()) {
    case 0: return "";
    case 1: return v.asBool() ? "true" : "false";
    case 2: return std::to_string(v.asInt());
    case 3: return formatFloat(v.asFloat());
    case 4: return v.asStr();
    default: return toJson(v);
  }
}

Value fromFieldValue(const model::FieldValue& f) {
  switch (model::fieldType(f)) {
    case model::FieldType::kInt: return Value(std::get<int64_t>(f));
    case model::FieldType::kUint: {
      uint64_t u = std::get<uint64_t>(f);
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<int64_t>(u));
      return Value(static_cast<double>(u));
    }
    case model::FieldType::kFloat: return Value(std::get<double>(f));
    case model::FieldType::kBool: return Value(std::get<bool>(f));
    case model::FieldType::kString: return Value(std::get<std::string>(f));
    case model::FieldType::kBytes: return Value(std::get<model::Bytes>(f).data);
    case model::FieldType::kArray: {
      List items;
      std::visit(
          [&](const auto& vec) {
            for (const auto& e : vec) {
              using E = std::decay_t<decltype(e)>;
              if constexpr (std::is_same_v<E, uint64_t>) {
                items.push_back(fromFieldValue(model::FieldValue(e)));
              } else if constexpr (std::is_same_v<E, model::Bytes>) {
                items.push_back(Value(e.data));
              } else if constexpr (std::is_same_v<E, bool>) {
                items.push_back(Value(static_cast<bool>(e)));
              } else {
                items.push_back(Value(e));
              }
            }
          },
          std::get<model::Array>(f).items);
      return newList(std::move(items));
    }
  }
  return Value();
}

std::optional<model::FieldValue> toFieldValue(const Value& v) {
  switch (v.v.index()) {
    case 0: return std::nullopt;
    case 1: return model::FieldValue(v.asBool());
    case 2: return model::FieldValue(v.asInt());
    case 3: return model::FieldValue(v.asFloat());
    case 4: return model::FieldValue(v.asStr());
    default: return model::FieldValue(toJson(v));
  }
}

}  // namespace sextant::pipeline
