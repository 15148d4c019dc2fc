// CdnMap: the rum input's `cdn_map` option (DataKit's JSON list of CDN providers,
// [{"domain":"alicdn.com","name":"Alibaba Cloud CDN","website":"https://www.aliyun.com"}, ...])
// and the provider of a resource host.
//
// Matching (on the resource point's resource_url_host, lower-cased, port removed):
//   - a domain without '*' matches the host itself and every subdomain of it
//     ("alicdn.com" matches "g.alicdn.com", not "xalicdn.com");
//   - a domain with '*' is a glob over the whole host ('*' matches any run of characters,
//     dots included): "*.kunlun*.com" matches "a.kunluncan.com".
// The first entry of the list that matches wins. DataKit resolves the host's CNAME through DNS
// and matches the CNAME; Sextant never does DNS on the ingest path and matches the host as sent
// (see docs/inputs/rum.md).
//
// Thread-safety: immutable after parse(); match() is safe from any number of threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::agent::inputs::rum {

struct CdnProvider {
  std::string domain;  // lower-cased
  std::string name;
  std::string website;
};

class CdnMap {
 public:
  // Parses DataKit's JSON list; InvalidArgument (prefixed with `where`) when it is not a JSON
  // array of objects with a non-empty string "domain" and a string "name".
  static Result<CdnMap> parse(std::string_view json, const std::string& where);

  // The provider of `host` ("cdn.example.com", "cdn.example.com:8443", "[::1]:80"), or nullptr.
  const CdnProvider* match(std::string_view host) const;
  bool empty() const { return providers_.empty(); }
  size_t size() const { return providers_.size(); }

 private:
  std::vector<CdnProvider> providers_;
};

// A host without its port and brackets, lower-cased ("A.com:80" -> "a.com", "[::1]:8" -> "::1").
std::string normalizeHost(std::string_view host);
// Glob with '*' only, over the whole string (iterative; linear in practice).
bool globMatch(std::string_view pattern, std::string_view text);

}  // namespace sextant::agent::inputs::rum
