// PointView: a point whose names and string values are views into memory someone else owns (a
// line of a /v1/write body, a reader's scratch, a tag map), for code that looks at each point
// once and keeps nothing: the agent's line-protocol fast path reads a line into views
// (codec::lp::LineReader), checks them (model::isNormalized) and encodes them
// (codec::pb::appendPoint) without copying a string.
//
// Field values are the scalar types of model::FieldValue: int, uint, float, bool and string.
// Bytes and arrays have no view (a reader hands such lines over as model::Point).
// Tags and fields keep input order, as in model::Point. Plain value type; the views are only as
// valid as what they point into.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/category.h"
#include "model/point.h"

namespace sextant::model {

struct TagView {
  std::string_view key;
  std::string_view value;
};

struct FieldView {
  std::string_view key;
  FieldType type = FieldType::kFloat;  // kInt, kUint, kFloat, kBool or kString
  // The value, in the member of its type.
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  bool b = false;
  std::string_view s;
};

struct PointView {
  Category category = Category::kMetric;
  std::string_view measurement;
  std::vector<TagView> tags;
  std::vector<FieldView> fields;
  int64_t time_ns = 0;
};

// The model::Point the view shows (copies every string): for tests and for the slow paths.
inline Point toPoint(const PointView& v) {
  Point p;
  p.category = v.category;
  p.measurement = std::string(v.measurement);
  for (const TagView& t : v.tags) p.addTag(std::string(t.key), std::string(t.value));
  for (const FieldView& f : v.fields) {
    FieldValue value;
    switch (f.type) {
      case FieldType::kInt: value = f.i; break;
      case FieldType::kUint: value = f.u; break;
      case FieldType::kBool: value = f.b; break;
      case FieldType::kString: value = std::string(f.s); break;
      default: value = f.f; break;
    }
    p.addField(std::string(f.key), std::move(value));
  }
  p.time_ns = v.time_ns;
  return p;
}

// The view of p (views into p's strings): p's fields must be scalars or strings (no bytes, no
// arrays). For tests and benches that compare the two representations.
inline PointView viewOf(const Point& p) {
  PointView v;
  v.category = p.category;
  v.measurement = p.measurement;
  for (const Tag& t : p.tags) v.tags.push_back({t.key, t.value});
  for (const Field& f : p.fields) {
    FieldView& fv = v.fields.emplace_back();
    fv.key = f.key;
    fv.type = fieldType(f.value);
    if (const auto* x = std::get_if<int64_t>(&f.value)) fv.i = *x;
    if (const auto* x = std::get_if<uint64_t>(&f.value)) fv.u = *x;
    if (const auto* x = std::get_if<double>(&f.value)) fv.f = *x;
    if (const auto* x = std::get_if<bool>(&f.value)) fv.b = *x;
    if (const auto* x = std::get_if<std::string>(&f.value)) fv.s = *x;
  }
  v.time_ns = p.time_ns;
  return v;
}

}  // namespace sextant::model
