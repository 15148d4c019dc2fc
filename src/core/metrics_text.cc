#include "core/metrics_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace sextant {

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
  if (!help.empty()) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    appendEscapedHelp(help, &out_);
    out_ += '\n';
  }
  out_ += "# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void MetricsText::sample(std::string_view name, const Labels& labels, double value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += k;
      out_ += "=\"";
      appendEscapedLabelValue(v, &out_);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += formatValue(value);
  out_ += '\n';
}

std::string MetricsText::take() {
  std::string s = std::move(out_);
  out_.clear();
  return s;
}

std::string MetricsText::formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[400];
  if (value == std::floor(value)) {
    if (std::fabs(value) < 9.0e18) {
      // Exactly representable as int64 (and -0 prints as 0).
      auto r = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(value));
      return std::string(buf, r.ptr);
    }
    // Larger integers: all digits, no exponent (at most 309 of them).
    int n = std::snprintf(buf, sizeof(buf), "%.0f", value);
    return std::string(buf, static_cast<size_t>(n));
  }
  auto r = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, r.ptr);
}

void MetricsText::appendEscapedLabelValue(std::string_view v, std::string* out) {
  for (char c : v) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '"': *out += "\\\""; break;
      case '\n': *out += "\\n"; break;
      default: *out += c;
    }
  }
}

void MetricsText::appendEscapedHelp(std::string_view v, std::string* out) {
  for (char c : v) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      default: *out += c;
    }
  }
}

}  // namespace sextant
