// multipart/form-data parser: see multipart.h and README.md for the accepted syntax.
#include "codec/multipart/multipart.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace sextant::codec::multipart {
namespace {

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046 §5.1.1

bool isSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// RFC 2045 tspecials excluded from tokens.
bool isTokenChar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// RFC 2046 bcharsnospace (space is allowed except as the last character).
bool isBoundaryChar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// A header value of the form `value *(";" name "=" (token / quoted-string))`: the leading value
// and the parameters with lowercased names, in order.
struct ParamHeader {
  std::string value;
  std::vector<std::pair<std::string, std::string>> params;

  const std::string* param(std::string_view name) const {
    for (const auto& [k, v] : params) {
      if (k == name) return &v;
    }
    return nullptr;
  }
};

Result<ParamHeader> parseParamHeader(std::string_view s, std::string_view what) {
  ParamHeader out;
  std::size_t semi = s.find(';');
  out.value = std::string(trim(s.substr(0, semi)));
  std::size_t i = semi == std::string_view::npos ? s.size() : semi + 1;
  while (i < s.size()) {
    while (i < s.size() && (isSpace(s[i]) || s[i] == ';')) ++i;
    if (i >= s.size()) break;
    std::size_t name_start = i;
    while (i < s.size() && isTokenChar(s[i])) ++i;
    if (i == name_start) {
      return invalidArgument(std::string(what) + ": bad parameter name");
    }
    std::string name(s.substr(name_start, i - name_start));
    std::transform(name.begin(), name.end(), name.begin(), lower);
    while (i < s.size() && isSpace(s[i])) ++i;
    if (i >= s.size() || s[i] != '=') {
      return invalidArgument(std::string(what) + ": parameter '" + name + "' has no value");
    }
    ++i;
    while (i < s.size() && isSpace(s[i])) ++i;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i];
        if (c == '"') {
          closed = true;
          ++i;
          break;
        }
        // A backslash escapes only '"' and '\': browsers percent-encode quotes instead and
        // send Windows paths with literal backslashes (RFC 7578 §4.2).
        if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) {
          value.push_back(s[i + 1]);
          i += 2;
          continue;
        }
        value.push_back(c);
        ++i;
      }
      if (!closed) {
        return invalidArgument(std::string(what) + ": unterminated quoted value of '" + name + "'");
      }
    } else {
      std::size_t v_start = i;
      while (i < s.size() && s[i] != ';') ++i;
      value = std::string(trim(s.substr(v_start, i - v_start)));
    }
    while (i < s.size() && isSpace(s[i])) ++i;
    if (i < s.size() && s[i] != ';') {
      return invalidArgument(std::string(what) + ": junk after parameter '" + name + "'");
    }
    out.params.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

// Returns the position just past the line ending at or after `pos` (CRLF or LF) and sets *line
// to the line without its ending, or nullopt when no line ending follows within `limit` bytes.
std::optional<std::size_t> nextLine(std::string_view body, std::size_t pos, std::size_t limit,
                                    std::string_view* line) {
  std::size_t end = std::min(body.size(), pos + limit + 1);
  std::size_t lf = body.substr(0, end).find('\n', pos);
  if (lf == std::string_view::npos) return std::nullopt;
  std::size_t line_end = (lf > pos && body[lf - 1] == '\r') ? lf - 1 : lf;
  *line = body.substr(pos, line_end - pos);
  return lf + 1;
}

std::string partLabel(std::size_t index) { return "multipart part " + std::to_string(index); }

}  // namespace

Result<std::string> multipartBoundary(std::string_view content_type) {
  Result<ParamHeader> h = parseParamHeader(content_type, "Content-Type");
  if (!h.isOk()) return h.status();
  std::string_view type = h->value;
  constexpr std::string_view kPrefix = "multipart/";
  if (type.size() <= kPrefix.size() || !equalsIgnoreCase(type.substr(0, kPrefix.size()), kPrefix)) {
    return invalidArgument("Content-Type '" + std::string(type) + "' is not multipart/*");
  }
  const std::string* b = h->param("boundary");
  if (b == nullptr) return invalidArgument("Content-Type has no boundary parameter");
  if (b->empty() || b->size() > kMaxBoundary) {
    return invalidArgument("multipart boundary must have 1 to 70 characters");
  }
  if (!std::all_of(b->begin(), b->end(), isBoundaryChar) || b->back() == ' ') {
    return invalidArgument("multipart boundary has a character RFC 2046 does not allow");
  }
  return *b;
}

Result<std::vector<MultipartPart>> parseMultipart(std::string_view body,
                                                  std::string_view content_type,
                                                  const MultipartLimits& limits) {
  {
    std::string_view type = trim(content_type.substr(0, content_type.find(';')));
    if (!equalsIgnoreCase(type, "multipart/form-data")) {
      return invalidArgument("Content-Type '" + std::string(type) + "' is not multipart/form-data");
    }
  }
  Result<std::string> boundary = multipartBoundary(content_type);
  if (!boundary.isOk()) return boundary.status();
  const std::string dash_boundary = "--" + *boundary;
  // Between parts the delimiter is (CR)LF "--" boundary.
  const std::string delimiter = "\n" + dash_boundary;

  // The first delimiter: at the very start of the body or after a preamble line.
  std::size_t pos;
  if (body.substr(0, dash_boundary.size()) == dash_boundary) {
    pos = dash_boundary.size();
  } else {
    std::size_t d = body.find(delimiter);
    if (d == std::string_view::npos) {
      return invalidArgument("multipart body has no boundary '" + *boundary + "'");
    }
    pos = d + delimiter.size();
  }

  std::vector<MultipartPart> parts;
  for (;;) {
    // After a delimiter: "--" closes the body; else transport padding then a line break.
    if (body.substr(pos, 2) == "--") return parts;
    while (pos < body.size() && isSpace(body[pos])) ++pos;
    if (body.substr(pos, 2) == "\r\n") {
      pos += 2;
    } else if (body.substr(pos, 1) == "\n") {
      pos += 1;
    } else if (pos >= body.size()) {
      return invalidArgument("multipart body ends without its closing boundary");
    } else {
      return invalidArgument(partLabel(parts.size()) + ": boundary not followed by a line break");
    }
    if (parts.size() >= limits.max_parts) {
      return Status(StatusCode::kOutOfRange,
                    "multipart body has more than " + std::to_string(limits.max_parts) + " parts");
    }
    const std::size_t index = parts.size();
    MultipartPart part;
    bool has_disposition = false;
    // Header block: lines up to an empty line, at most max_header_bytes in all.
    std::size_t header_start = pos;
    std::string_view prev_name;
    for (;;) {
      std::size_t used = pos - header_start;
      if (used > limits.max_header_bytes) {
        return Status(StatusCode::kOutOfRange, partLabel(index) + ": headers exceed " +
                                                   std::to_string(limits.max_header_bytes) +
                                                   " bytes");
      }
      std::string_view line;
      std::optional<std::size_t> next = nextLine(body, pos, limits.max_header_bytes - used, &line);
      if (!next) {
        if (body.size() - pos > limits.max_header_bytes - used) {
          return Status(StatusCode::kOutOfRange, partLabel(index) + ": headers exceed " +
                                                     std::to_string(limits.max_header_bytes) +
                                                     " bytes");
        }
        return invalidArgument(partLabel(index) + ": body ends inside the part's headers");
      }
      pos = *next;
      if (line.empty()) break;
      if (isSpace(line.front())) {
        // Obsolete folding (RFC 5322 §2.2.3): only meaningful for headers we keep.
        if (prev_name.empty()) {
          return invalidArgument(partLabel(index) + ": header continuation without a header");
        }
        continue;
      }
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        return invalidArgument(partLabel(index) + ": malformed header line");
      }
      std::string_view name = trim(line.substr(0, colon));
      std::string_view value = trim(line.substr(colon + 1));
      prev_name = name;
      if (equalsIgnoreCase(name, "Content-Disposition")) {
        if (has_disposition) {
          return invalidArgument(partLabel(index) + ": duplicate Content-Disposition");
        }
        Result<ParamHeader> cd = parseParamHeader(value, partLabel(index) + " Content-Disposition");
        if (!cd.isOk()) return cd.status();
        if (!equalsIgnoreCase(cd->value, "form-data")) {
          return invalidArgument(partLabel(index) + ": Content-Disposition is '" + cd->value +
                                 "', not form-data");
        }
        const std::string* n = cd->param("name");
        if (n == nullptr) {
          return invalidArgument(partLabel(index) + ": Content-Disposition has no name");
        }
        part.name = *n;
        if (const std::string* f = cd->param("filename")) part.filename = *f;
        has_disposition = true;
      } else if (equalsIgnoreCase(name, "Content-Type")) {
        part.content_type = std::string(value);
      }
    }
    if (!has_disposition) {
      return invalidArgument(partLabel(index) + ": no Content-Disposition header");
    }
    // The data runs up to the next delimiter; its CR (when there) belongs to the delimiter.
    std::size_t d = body.find(delimiter, pos >= 1 ? pos - 1 : pos);
    if (d == std::string_view::npos) {
      return invalidArgument(partLabel(index) + ": body ends without its closing boundary");
    }
    std::size_t data_end = d;
    if (data_end > pos && body[data_end - 1] == '\r') --data_end;
    // An empty part's delimiter may share the blank line's LF: the data is then empty.
    part.data = data_end > pos ? body.substr(pos, data_end - pos) : std::string_view();
    parts.push_back(std::move(part));
    pos = d + delimiter.size();
  }
}

const MultipartPart* findPart(const std::vector<MultipartPart>& parts, std::string_view name) {
  for (const MultipartPart& p : parts) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace sextant::codec::multipart
