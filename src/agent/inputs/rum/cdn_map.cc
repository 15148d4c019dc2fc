#include "agent/inputs/rum/cdn_map.h"

#include <simdjson.h>

namespace sextant::agent::inputs::rum {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string normalizeHost(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close != std::string_view::npos) return lower(host.substr(1, close - 1));
  }
  // One ':' means host:port; more than one is a bare IPv6 address.
  size_t colon = host.find(':');
  if (colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return lower(host);
}

bool globMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<CdnMap> CdnMap::parse(std::string_view json, const std::string& where) {
  CdnMap m;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) {
    return invalidArgument(where + ": not valid JSON");
  }
  simdjson::dom::array arr;
  if (doc.get(arr) != simdjson::SUCCESS) {
    return invalidArgument(where + ": expected a JSON array of {\"domain\",\"name\",\"website\"}");
  }
  size_t i = 0;
  for (simdjson::dom::element item : arr) {
    std::string at = where + ": entry " + std::to_string(i++);
    simdjson::dom::object obj;
    if (item.get(obj) != simdjson::SUCCESS) return invalidArgument(at + ": expected an object");
    std::string_view domain, name, website;
    if (obj["domain"].get(domain) != simdjson::SUCCESS || domain.empty()) {
      return invalidArgument(at + ": \"domain\" must be a non-empty string");
    }
    if (obj["name"].get(name) != simdjson::SUCCESS) {
      return invalidArgument(at + ": \"name\" must be a string");
    }
    if (auto w = obj["website"]; w.error() == simdjson::SUCCESS) {
      if (w.get(website) != simdjson::SUCCESS) {
        return invalidArgument(at + ": \"website\" must be a string");
      }
    }
    m.providers_.push_back(CdnProvider{lower(domain), std::string(name), std::string(website)});
  }
  return m;
}

const CdnProvider* CdnMap::match(std::string_view host_in) const {
  if (providers_.empty() || host_in.empty()) return nullptr;
  std::string host = normalizeHost(host_in);
  for (const CdnProvider& p : providers_) {
    if (p.domain.find('*') != std::string::npos) {
      if (globMatch(p.domain, host)) return &p;
      continue;
    }
    if (host == p.domain) return &p;
    if (host.size() > p.domain.size() && host.ends_with(p.domain) &&
        host[host.size() - p.domain.size() - 1] == '.') {
      return &p;
    }
  }
  return nullptr;
}

}  // namespace sextant::agent::inputs::rum
