// multipart/form-data parser (RFC 7578 over the RFC 2046 §5.1 multipart syntax): the one parser
// the agent's rum input and the server's RUM replay route use for session-replay uploads.
//
// parseMultipart splits a request body into its parts. Each part carries the `name` and
// `filename` of its Content-Disposition header and its Content-Type; its data is a view into the
// caller's body (no copy), so the body must outlive the parts. Header lines are CRLF (a bare LF
// is accepted too, as lenient servers do); the delimiter is CRLF "--" boundary; bytes before the
// first delimiter (preamble) and after the close delimiter (epilogue) are ignored. Limits bound
// the part count and each part's header block; the body itself is bounded by the caller.
// Errors are InvalidArgument (malformed body or Content-Type) or OutOfRange (a limit), with a
// message naming the part index and the problem.
//
// Thread-safety: pure functions over caller-owned bytes; callable concurrently.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::codec::multipart {

// One part of a multipart/form-data body.
struct MultipartPart {
  std::string name;          // Content-Disposition name= (required by RFC 7578 §4.2)
  std::string filename;      // Content-Disposition filename=, "" when absent
  std::string content_type;  // the part's Content-Type, "" when absent (text/plain by default)
  std::string_view data;     // the part's bytes: a view into the parsed body
};

struct MultipartLimits {
  std::size_t max_parts = 1024;          // more parts → OutOfRange
  std::size_t max_header_bytes = 16384;  // one part's header block; larger → OutOfRange
};

// The boundary parameter of a multipart/* Content-Type (quoted or token form, RFC 2046 §5.1.1:
// 1..70 characters). InvalidArgument when the type is not multipart or has no valid boundary.
Result<std::string> multipartBoundary(std::string_view content_type);

// Parses a multipart/form-data body whose request Content-Type is `content_type`.
Result<std::vector<MultipartPart>> parseMultipart(std::string_view body,
                                                  std::string_view content_type,
                                                  const MultipartLimits& limits = {});

// The first part named `name`, or nullptr.
const MultipartPart* findPart(const std::vector<MultipartPart>& parts, std::string_view name);

}  // namespace sextant::codec::multipart
