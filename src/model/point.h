// Point: the one data model of Sextant, from the first input to the last query.
//
// A point has a category, a measurement (DataKit's "name": metric set, log source, object class),
// tags (string -> string), typed fields and a time in nanoseconds since the Unix epoch. Tags and
// fields keep the order they were added in (DataKit keeps input order on the wire); keys are unique
// after normalisation (model/check.h). Equality ignores that order.
//
// Field values: int64, uint64, double, bool, string, bytes, and arrays of one basic type.
// Plain value type: copyable, movable, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/category.h"

namespace sextant::model {

// Raw bytes, distinct from text strings (line protocol "..."b, protobuf field d).
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

// An array field: every element has the same basic type.
struct Array {
  using Items = std::variant<std::vector<int64_t>, std::vector<uint64_t>, std::vector<double>,
                             std::vector<bool>, std::vector<std::string>, std::vector<Bytes>>;
  Items items;
  bool operator==(const Array&) const = default;
  size_t size() const;
};

using FieldValue = std::variant<int64_t, uint64_t, double, bool, std::string, Bytes, Array>;

// The index of each alternative of FieldValue, for switch statements.
enum class FieldType : uint8_t { kInt = 0, kUint, kFloat, kBool, kString, kBytes, kArray };

inline FieldType fieldType(const FieldValue& v) { return static_cast<FieldType>(v.index()); }
std::string_view fieldTypeName(FieldType t);  // "int", "uint", "float", ...

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};

struct Field {
  std::string key;
  FieldValue value;
  bool operator==(const Field&) const = default;
};

struct Point {
  Category category = Category::kMetric;
  std::string measurement;
  std::vector<Tag> tags;
  std::vector<Field> fields;
  int64_t time_ns = 0;

  // First tag / field with this key, or nullptr.
  const Tag* findTag(std::string_view key) const;
  Tag* findTag(std::string_view key);
  const Field* findField(std::string_view key) const;
  Field* findField(std::string_view key);

  void addTag(std::string key, std::string value) {
    tags.push_back(Tag{std::move(key), std::move(value)});
  }
  void addField(std::string key, FieldValue value) {
    fields.push_back(Field{std::move(key), std::move(value)});
  }

  // Equal category, measurement, time, and the same tags and fields in any order.
  bool operator==(const Point& other) const;
};

// A readable one-line rendering for test failures and logs (not a wire format):
// metric:cpu{host=a} usage=1.5,n=3i @1700000000000000000
std::string debugString(const Point& p);
void PrintTo(const Point& p, std::ostream* os);  // gtest printer

}  // namespace sextant::model
