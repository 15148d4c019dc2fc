// Test helpers: compile a script and run it on a logging point with a `message` field.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "model/point.h"
#include "pipeline/script.h"
#include "pipeline/value.h"

namespace sextant::pipeline::testing {

inline constexpr int64_t kNow = 1'700'000'000'000'000'000;

inline model::Point logPoint(std::string_view msg) {
  model::Point pt;
  pt.category = model::Category::kLogging;
  pt.measurement = "test";
  pt.time_ns = kNow;
  pt.addField("message", std::string(msg));
  return pt;
}

// Compiles `src` (ADD_FAILURE on a compile error) and runs it on `pt`.
inline RunOutcome runScript(std::string_view src, model::Point* pt) {
  auto s = Script::compile("t.p", src);
  if (!s.isOk()) {
    ADD_FAILURE() << s.status().message();
    return {};
  }
  return (*s)->run(pt, kNow);
}

inline model::Point runOn(std::string_view src, std::string_view msg, RunOutcome* out = nullptr) {
  model::Point pt = logPoint(msg);
  RunOutcome o = runScript(src, &pt);
  if (out != nullptr) *out = o;
  return pt;
}

// The compile error text of `src` ("" when it compiles).
inline std::string compileError(std::string_view src) {
  auto s = Script::compile("t.p", src);
  return s.isOk() ? std::string() : s.status().message();
}

inline const model::FieldValue* field(const model::Point& pt, std::string_view k) {
  const model::Field* f = pt.findField(k);
  return f ? &f->value : nullptr;
}

inline std::string str(const model::Point& pt, std::string_view k) {
  const model::FieldValue* v = field(pt, k);
  if (v == nullptr) {
    const model::Tag* t = pt.findTag(k);
    return t ? t->value : "<missing>";
  }
  if (auto* s = std::get_if<std::string>(v)) return *s;
  return "<not a string>";
}

inline int64_t i64(const model::Point& pt, std::string_view k) {
  const model::FieldValue* v = field(pt, k);
  if (v == nullptr || !std::holds_alternative<int64_t>(*v)) {
    ADD_FAILURE() << "no int field " << k << " in " << model::debugString(pt);
    return -1;
  }
  return std::get<int64_t>(*v);
}

inline double f64(const model::Point& pt, std::string_view k) {
  const model::FieldValue* v = field(pt, k);
  if (v == nullptr || !std::holds_alternative<double>(*v)) {
    ADD_FAILURE() << "no float field " << k << " in " << model::debugString(pt);
    return -1;
  }
  return std::get<double>(*v);
}

inline bool has(const model::Point& pt, std::string_view k) {
  return pt.findField(k) != nullptr || pt.findTag(k) != nullptr;
}

}  // namespace sextant::pipeline::testing
