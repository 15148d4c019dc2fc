#include "agent/uploader/dataway_url.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <utility>
#include <vector>

#include "core/crc32c.h"

namespace sextant::agent {

namespace {

// Go's url.QueryUnescape: '+' is a space; a bad %-escape makes the whole pair invalid.
bool goQueryUnescape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      unsigned value = 0;
      const char* end = s.data() + std::min(i + 3, s.size());
      auto r = std::from_chars(s.data() + i + 1, end, value, 16);
      if (r.ec != std::errc() || r.ptr != end || end - (s.data() + i) != 3) return false;
      out->push_back(static_cast<char>(value));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string goQueryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<DatawayEndpoint> parseDatawayUrl(std::string_view raw) {
  std::string_view url = trim(raw);
  DatawayEndpoint ep;
  ep.url = std::string(url);
  size_t sep = url.find("://");
  if (sep == std::string_view::npos)
    return invalidArgument("DataWay URL '" + ep.url + "' is not an absolute URL");
  std::string scheme(url.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https")
    return invalidArgument("DataWay URL '" + ep.url + "': scheme '" + scheme +
                           "' is not supported (http or https)");
  ep.scheme = scheme;
  std::string_view rest = url.substr(sep + 3);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t host_end = rest.find_first_of("/?");
  ep.host = std::string(rest.substr(0, host_end));
  if (ep.host.empty() || ep.host.front() == ':' || ep.host.find('@') != std::string::npos ||
      ep.host.find(' ') != std::string::npos)
    return invalidArgument("DataWay URL '" + ep.url + "' has no valid host");
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) query = rest.substr(q + 1);

  // Go's url.ParseQuery: pairs split on '&'; pairs with bad escapes are skipped; then
  // url.Values.Encode(): keys sorted, the values of one key in their original order.
  std::vector<std::pair<std::string, std::string>> pairs;
  bool have_token = false;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string key;
    std::string value;
    if (!goQueryUnescape(part.substr(0, eq), &key)) continue;
    if (eq != std::string_view::npos && !goQueryUnescape(part.substr(eq + 1), &value)) continue;
    if (key == "token" && !have_token) {
      ep.token = value;
      have_token = true;
    }
    pairs.emplace_back(std::move(key), std::move(value));
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [k, v] : pairs) {
    if (!ep.query.empty()) ep.query.push_back('&');
    ep.query += goQueryEscape(k) + "=" + goQueryEscape(v);
  }
  return ep;
}

std::string DatawayEndpoint::apiUrl(std::string_view path) const {
  std::string out = scheme + "://" + host + std::string(path);
  if (!query.empty()) {
    out.push_back(path.find('?') == std::string_view::npos ? '?' : '&');
    out += query;
  }
  return out;
}

std::string DatawayEndpoint::id() const {
  std::string safe;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-';
    safe.push_back(ok ? c : '_');
  }
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", crc32c(url));
  return safe + "-" + hex;
}

std::string DatawayEndpoint::redacted() const {
  std::string out = scheme + "://" + host;
  if (!token.empty()) {
    out += "?token=" + token.substr(0, std::min<size_t>(8, token.size())) + "****";
  }
  return out;
}

}  // namespace sextant::agent
