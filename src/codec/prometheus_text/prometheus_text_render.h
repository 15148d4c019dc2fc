// A small renderer and comparator of Expositions for the tests and the fuzz target of the
// Prometheus text parser (not a production encoder: it builds one string, knows no limits).
//
// render() writes every family as `# TYPE` (always, `untyped`/`unknown` included), `# UNIT`
// (OpenMetrics), `# HELP`, then its samples, and `# EOF` for OpenMetrics, so that parse(render(e))
// gives back e for every Exposition parse() can produce, and for hand-built ones that follow the
// same rules (valid names, distinct family names, sample names that fit their family's type, help
// texts that neither start with a blank nor end in '\r', units without leading or trailing blanks,
// no exemplars in text 0.0.4).
// Thread-safety: free functions on caller-owned data.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "codec/prometheus_text/prometheus_text.h"

namespace sextant::codec::prom::testing {

inline void appendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    *out += "NaN";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    out->append(buf, r.ptr);
  }
}

// Text 0.0.4: integer milliseconds. OpenMetrics: seconds with three decimals.
inline void appendTimestamp(int64_t ms, Format format, std::string* out) {
  if (format == Format::kText004) {
    *out += std::to_string(ms);
    return;
  }
  uint64_t mag = ms < 0 ? ~static_cast<uint64_t>(ms) + 1 : static_cast<uint64_t>(ms);
  if (ms < 0) *out += '-';
  *out += std::to_string(mag / 1000);
  std::string frac = std::to_string(mag % 1000);
  *out += '.';
  out->append(3 - frac.size(), '0');
  *out += frac;
}

inline void appendLabels(std::span<const Label> labels, std::string* out) {
  if (labels.empty()) return;
  *out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) *out += ',';
    out->append(labels[i].name);
    *out += "=\"";
    for (char c : labels[i].value) {
      if (c == '\\') {
        *out += "\\\\";
      } else if (c == '"') {
        *out += "\\\"";
      } else if (c == '\n') {
        *out += "\\n";
      } else {
        *out += c;
      }
    }
    *out += '"';
  }
  *out += '}';
}

inline void appendFamily(const Family& f, Format format, std::string* out) {
  *out += "# TYPE ";
  out->append(f.name);
  *out += ' ';
  out->append(metricTypeName(f.type, format));
  *out += '\n';
  if (f.unit && format == Format::kOpenMetrics) {
    *out += "# UNIT ";
    out->append(f.name);
    if (!f.unit->empty()) *out += ' ';
    out->append(*f.unit);
    *out += '\n';
  }
  if (f.help) {
    *out += "# HELP ";
    out->append(f.name);
    if (!f.help->empty()) *out += ' ';
    for (char c : *f.help) {
      if (c == '\\') {
        *out += "\\\\";
      } else if (c == '\n') {
        *out += "\\n";
      } else {
        *out += c;
      }
    }
    *out += '\n';
  }
  for (const Sample& s : f.samples) {
    out->append(s.name);
    appendLabels(s.labels, out);
    *out += ' ';
    appendDouble(s.value, out);
    if (s.timestamp_ms) {
      *out += ' ';
      appendTimestamp(*s.timestamp_ms, format, out);
    }
    if (s.exemplar != nullptr) {
      *out += " # ";
      if (s.exemplar->labels.empty()) *out += "{}";
      appendLabels(s.exemplar->labels, out);
      *out += ' ';
      appendDouble(s.exemplar->value, out);
      if (s.exemplar->timestamp_ms) {
        *out += ' ';
        appendTimestamp(*s.exemplar->timestamp_ms, format, out);
      }
    }
    *out += '\n';
  }
}

inline std::string render(std::span<const Family> families, Format format) {
  std::string out;
  for (const Family& f : families) appendFamily(f, format, &out);
  if (format == Format::kOpenMetrics) out += "# EOF\n";
  return out;
}

inline bool sameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof(a)) == 0;  // -0 differs from 0
}

inline bool sameLabels(std::span<const Label> a, std::span<const Label> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// Empty when equal, else where the first difference is.
inline std::string difference(std::span<const Family> a, std::span<const Family> b) {
  if (a.size() != b.size()) {
    return "family count " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const Family& x = a[i];
    const Family& y = b[i];
    std::string where = "family " + std::to_string(i) + " (" + std::string(x.name) + "): ";
    if (x.name != y.name) return where + "name vs " + std::string(y.name);
    if (x.type != y.type) return where + "type";
    if (x.help != y.help) return where + "help";
    if (x.unit != y.unit) return where + "unit";
    if (x.samples.size() != y.samples.size()) return where + "sample count";
    for (size_t j = 0; j < x.samples.size(); ++j) {
      const Sample& s = x.samples[j];
      const Sample& t = y.samples[j];
      std::string at = where + "sample " + std::to_string(j) + ": ";
      if (s.name != t.name) return at + "name";
      if (!sameLabels(s.labels, t.labels)) return at + "labels";
      if (!sameDouble(s.value, t.value)) return at + "value";
      if (s.timestamp_ms != t.timestamp_ms) return at + "timestamp";
      if ((s.exemplar == nullptr) != (t.exemplar == nullptr)) return at + "exemplar presence";
      if (s.exemplar != nullptr) {
        if (!sameLabels(s.exemplar->labels, t.exemplar->labels)) return at + "exemplar labels";
        if (!sameDouble(s.exemplar->value, t.exemplar->value)) return at + "exemplar value";
        if (s.exemplar->timestamp_ms != t.exemplar->timestamp_ms) return at + "exemplar ts";
      }
    }
  }
  return "";
}

}  // namespace sextant::codec::prom::testing
