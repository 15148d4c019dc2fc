// Value: the dynamic value of the Pipeline (Platypus) language: nil, bool, int, float, str,
// list and map. Lists and maps have reference semantics, as in DataKit (assigning a list to a
// second variable shares it); the other kinds are plain values.
//
// Thread-safety: a Value holding a list or map shares it; Values live in one script run
// (one thread) and are never shared between runs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/point.h"

namespace sextant::pipeline {

struct Value;
using List = std::vector<Value>;
using Map = std::map<std::string, Value, std::less<>>;

struct Nil {
  bool operator==(const Nil&) const = default;
};

struct Value {
  using Rep = std::variant<Nil, bool, int64_t, double, std::string, std::shared_ptr<List>,
                           std::shared_ptr<Map>>;
  Rep v;

  Value() = default;
  Value(Nil) {}                                        // NOLINT
  Value(bool b) : v(b) {}                              // NOLINT
  Value(int64_t i) : v(i) {}                           // NOLINT
  Value(int i) : v(static_cast<int64_t>(i)) {}         // NOLINT
  Value(double d) : v(d) {}                            // NOLINT
  Value(std::string s) : v(std::move(s)) {}            // NOLINT
  Value(const char* s) : v(std::string(s)) {}          // NOLINT
  Value(std::string_view s) : v(std::string(s)) {}     // NOLINT
  Value(std::shared_ptr<List> l) : v(std::move(l)) {}  // NOLINT
  Value(std::shared_ptr<Map> m) : v(std::move(m)) {}   // NOLINT

  bool isNil() const { return std::holds_alternative<Nil>(v); }
  bool isBool() const { return std::holds_alternative<bool>(v); }
  bool isInt() const { return std::holds_alternative<int64_t>(v); }
  bool isFloat() const { return std::holds_alternative<double>(v); }
  bool isNumber() const { return isInt() || isFloat(); }
  bool isStr() const { return std::holds_alternative<std::string>(v); }
  bool isList() const { return std::holds_alternative<std::shared_ptr<List>>(v); }
  bool isMap() const { return std::holds_alternative<std::shared_ptr<Map>>(v); }

  bool asBool() const { return std::get<bool>(v); }
  int64_t asInt() const { return std::get<int64_t>(v); }
  double asFloat() const { return std::get<double>(v); }
  double asNumber() const { return isInt() ? static_cast<double>(asInt()) : asFloat(); }
  const std::string& asStr() const { return std::get<std::string>(v); }
  List& asList() const { return *std::get<std::shared_ptr<List>>(v); }
  Map& asMap() const { return *std::get<std::shared_ptr<Map>>(v); }
};

Value newList(List items = {});
Value newMap(Map items = {});

// "nil", "bool", "int", "float", "str", "list", "map".
std::string_view typeName(const Value& v);
// The truth of a condition, as DataKit: the zero value of each type (0, 0.0, "", false, nil,
// empty list or map) is false.
bool truthy(const Value& v);
// Deep equality; an int and a float compare by value.
bool valuesEqual(const Value& a, const Value& b);
// Compact JSON text (maps with sorted keys; nil is null).
std::string toJson(const Value& v);
// Text of a value as it is stored in a tag or string field: strings as is, numbers and bools
// printed, nil as "", lists and maps as JSON.
std::string toText(const Value& v);

// Point values <-> Values. A field's uint becomes an int when it fits, else a float; bytes
// become str; arrays become lists.
Value fromFieldValue(const model::FieldValue& f);
// nullopt for nil (DataKit does not store a nil key). Lists and maps become JSON strings.
std::optional<model::FieldValue> toFieldValue(const Value& v);

}  // namespace sextant::pipeline
