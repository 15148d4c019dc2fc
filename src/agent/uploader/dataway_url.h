// DatawayEndpoint: one DataWay URL as DataKit reads it, e.g.
//   https://openway.example.com?token=tkn_xxx
// and the API URLs built from it. DataKit (internal/io/dataway/endpoint.go) keeps only the
// scheme, the host (with its port) and the query of the configured URL; every API URL is
//   <scheme>://<host><api path>?<query>
// where <query> is the configured query re-encoded the way Go's url.Values.Encode() does it
// (keys sorted, values percent-escaped, a space as '+'), so the token always travels as
// ?token=... and extra arguments are kept. A path in the configured URL is ignored, as DataKit.
//
// Used by the uploader (POST /v1/write/<category>) and the election client (/v1/election...).
// Plain values; the functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace sextant::agent {

struct DatawayEndpoint {
  std::string url;     // as configured (trimmed)
  std::string scheme;  // "http" or "https"
  std::string host;    // "host", "host:port", "[v6]:port", exactly as in the URL
  std::string token;   // the first ?token= value; empty when absent
  std::string query;   // the re-encoded query, without '?'; empty when the URL has none

  // "<scheme>://<host><path>?<query>" ("?<query>" left out when there is no query). `path`
  // starts with '/', e.g. "/v1/write/metric"; a path carrying its own query ("/v1/x?a=1") gets
  // the endpoint's query appended with '&'.
  std::string apiUrl(std::string_view path) const;
  // A stable, file-name-safe id for per-endpoint state such as queue directories:
  // "<host with ':' '[' ']' replaced by '_'>-<crc32c of the URL, 8 hex digits>", e.g.
  // "openway.example.com-1a2b3c4d". Different tokens give different ids.
  std::string id() const;
  // The URL for logs and stats: the token cut to its first 8 characters plus "****".
  std::string redacted() const;
};

// Parses one DataWay URL. InvalidArgument when it is not an absolute http(s) URL with a host.
Result<DatawayEndpoint> parseDatawayUrl(std::string_view url);

// Go's url.QueryEscape: unreserved bytes (A-Z a-z 0-9 - _ . ~) kept, ' ' as '+', the rest %XX.
std::string goQueryEscape(std::string_view s);

}  // namespace sextant::agent
