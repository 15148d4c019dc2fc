// Test helper: compares a decoded point with one line of the .decoded.jsonl files that sit beside
// the real DataKit uploads in ../shared/fixtures/datakit-upload/ (an independent decoding of the
// capture). Header-only; gtest and simdjson.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <string_view>

#include "model/point.h"

namespace sextant::codec::pb::testing {

// Compares a decoded point with one line of .decoded.jsonl: JSON integers are int or uint
// fields, JSON floats are float fields.
inline void expectMatchesJson(const model::Point& p, simdjson::dom::element line) {
  std::string_view measurement;
  ASSERT_EQ(line["measurement"].get(measurement), simdjson::SUCCESS);
  EXPECT_EQ(p.measurement, measurement);
  int64_t time;
  ASSERT_EQ(line["time"].get(time), simdjson::SUCCESS);
  EXPECT_EQ(p.time_ns, time);
  simdjson::dom::object tags, fields;
  ASSERT_EQ(line["tags"].get(tags), simdjson::SUCCESS);
  ASSERT_EQ(line["fields"].get(fields), simdjson::SUCCESS);
  EXPECT_EQ(p.tags.size(), tags.size());
  for (auto [k, v] : tags) {
    const model::Tag* t = p.findTag(k);
    ASSERT_NE(t, nullptr) << "tag " << k;
    std::string_view s;
    ASSERT_EQ(v.get(s), simdjson::SUCCESS);
    EXPECT_EQ(t->value, s);
  }
  EXPECT_EQ(p.fields.size(), fields.size());
  for (auto [k, v] : fields) {
    SCOPED_TRACE(std::string(k));
    const model::Field* f = p.findField(k);
    ASSERT_NE(f, nullptr);
    switch (v.type()) {
      case simdjson::dom::element_type::INT64:
        if (const auto* u = std::get_if<uint64_t>(&f->value)) {
          EXPECT_EQ(static_cast<int64_t>(*u), v.get_int64().value_unsafe());
        } else {
          ASSERT_TRUE(std::holds_alternative<int64_t>(f->value));
          EXPECT_EQ(std::get<int64_t>(f->value), v.get_int64().value_unsafe());
        }
        break;
      case simdjson::dom::element_type::UINT64:
        ASSERT_TRUE(std::holds_alternative<uint64_t>(f->value));
        EXPECT_EQ(std::get<uint64_t>(f->value), v.get_uint64().value_unsafe());
        break;
      case simdjson::dom::element_type::DOUBLE:
        ASSERT_TRUE(std::holds_alternative<double>(f->value));
        EXPECT_EQ(std::get<double>(f->value), v.get_double().value_unsafe());
        break;
      case simdjson::dom::element_type::BOOL:
        ASSERT_TRUE(std::holds_alternative<bool>(f->value));
        EXPECT_EQ(std::get<bool>(f->value), v.get_bool().value_unsafe());
        break;
      case simdjson::dom::element_type::STRING:
        ASSERT_TRUE(std::holds_alternative<std::string>(f->value));
        EXPECT_EQ(std::get<std::string>(f->value), v.get_string().value_unsafe());
        break;
      default: ADD_FAILURE() << "unexpected JSON value";
    }
  }
}

}  // namespace sextant::codec::pb::testing
