// Test helpers for the Zipkin codecs (tests and the fuzz target; not linked into the product).
//
// These compare spans field by field and describe the first difference (a failing
// Span::operator== says only "not equal").
// Thread-safety: pure functions.
#pragma once

#include <span>
#include <string>

#include "model/span.h"

namespace sextant::codec::zipkin::testing {

// "service|ipv4|ipv6|port".
inline std::string show(const model::SpanEndpoint& e) {
  return e.service + "|" + e.ipv4 + "|" + e.ipv6 + "|" + std::to_string(e.port);
}

// "" when equal, else the first field that differs with both values.
inline std::string spanDifference(const model::Span& a, const model::Span& b) {
  auto diff = [](const char* what, const std::string& x, const std::string& y) {
    return std::string(what) + ": \"" + x + "\" vs \"" + y + "\"";
  };
  if (a.format != b.format) return "format";
  if (a.trace_id != b.trace_id) return diff("trace_id", a.trace_id, b.trace_id);
  if (a.span_id != b.span_id) return diff("span_id", a.span_id, b.span_id);
  if (a.parent_id != b.parent_id) return diff("parent_id", a.parent_id, b.parent_id);
  if (a.name != b.name) return diff("name", a.name, b.name);
  if (a.kind != b.kind) {
    return diff("kind", std::string(model::spanKindName(a.kind)),
                std::string(model::spanKindName(b.kind)));
  }
  if (a.start_us != b.start_us) {
    return diff("start_us", std::to_string(a.start_us), std::to_string(b.start_us));
  }
  if (a.duration_us != b.duration_us) {
    return diff("duration_us", std::to_string(a.duration_us), std::to_string(b.duration_us));
  }
  if (show(a.local) != show(b.local)) return diff("local", show(a.local), show(b.local));
  if (show(a.remote) != show(b.remote)) return diff("remote", show(a.remote), show(b.remote));
  auto tags = [](const std::vector<model::SpanTag>& t) {
    std::string s;
    for (const model::SpanTag& x : t) s += "[" + x.key + "=" + x.value + "]";
    return s;
  };
  if (a.tags != b.tags) return diff("tags", tags(a.tags), tags(b.tags));
  if (a.resource_tags != b.resource_tags) {
    return diff("resource_tags", tags(a.resource_tags), tags(b.resource_tags));
  }
  if (a.annotations != b.annotations) {
    auto anns = [](const std::vector<model::SpanAnnotation>& v) {
      std::string s;
      for (const model::SpanAnnotation& x : v) {
        s += "[" + std::to_string(x.time_us) + " " + x.value + "]";
      }
      return s;
    };
    return diff("annotations", anns(a.annotations), anns(b.annotations));
  }
  if (a.error != b.error) return "error";
  if (a.error_message != b.error_message) {
    return diff("error_message", a.error_message, b.error_message);
  }
  if (a.shared != b.shared) return "shared";
  if (a.debug != b.debug) return "debug";
  return "";
}

inline std::string spansDifference(std::span<const model::Span> a, std::span<const model::Span> b) {
  if (a.size() != b.size()) {
    return "span count " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  }
  for (size_t i = 0; i < a.size(); ++i) {
    std::string d = spanDifference(a[i], b[i]);
    if (!d.empty()) return "span " + std::to_string(i) + ": " + d;
  }
  return "";
}

}  // namespace sextant::codec::zipkin::testing
