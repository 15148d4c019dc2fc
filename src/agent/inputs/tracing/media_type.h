// The media type of a Content-Type header value: parameters cut off, spaces trimmed, lowercased
// ("Application/JSON; charset=utf-8" -> "application/json"). Pure function.
#pragma once

#include <string>
#include <string_view>

namespace sextant::agent::inputs::tracing {

inline std::string mediaType(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  std::string out(t);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace sextant::agent::inputs::tracing
