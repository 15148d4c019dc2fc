// libFuzzer target for parseMultipart. The first byte picks the limits (small limits reach the
// OutOfRange paths); the rest, up to the first '\n', is the Content-Type, then the body. A parse
// must never crash; an error must be InvalidArgument or OutOfRange with a message; parts must
// respect the limits and their data must lie inside the body. Parts whose strings are plain are
// re-encoded with a fresh boundary and must parse back to the same parts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/multipart/multipart.h"

namespace {

namespace mp = sextant::codec::multipart;

[[noreturn]] void die(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_multipart: %s\n%s\n", what, detail.c_str());
  abort();
}

bool plain(std::string_view s) {
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  mp::MultipartLimits limits;
  if (data[0] & 1) {
    limits.max_parts = data[0] >> 4;
    limits.max_header_bytes = 16 + (data[0] & 0x0e) * 8;
  }
  std::size_t nl = in.find('\n');
  std::string_view ct = nl == std::string_view::npos ? in : in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  auto r = mp::parseMultipart(body, ct, limits);
  if (!r.isOk()) {
    auto code = r.status().code();
    if ((code != sextant::StatusCode::kInvalidArgument &&
         code != sextant::StatusCode::kOutOfRange) ||
        r.status().message().empty()) {
      die("error is not InvalidArgument/OutOfRange with a message", r.status().toString());
    }
    return 0;
  }
  if (r->size() > limits.max_parts) die("too many parts", std::to_string(r->size()));
  bool round_trip = true;
  for (const auto& p : *r) {
    if (!p.data.empty() && (p.data.data() < body.data() ||
                            p.data.data() + p.data.size() > body.data() + body.size())) {
      die("part data outside the body", p.name);
    }
    round_trip = round_trip && plain(p.name) && plain(p.filename) && plain(p.content_type) &&
                 !p.name.empty() && p.content_type.find(';') == std::string::npos;
  }
  if (!round_trip) return 0;
  const std::string boundary = "fuzzb0undary7q";
  std::string out;
  for (const auto& p : *r) {
    if (p.data.find(boundary) != std::string_view::npos) return 0;
    out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
    if (!p.filename.empty()) out += "; filename=\"" + p.filename + "\"";
    out += "\r\n";
    if (!p.content_type.empty()) out += "Content-Type: " + p.content_type + "\r\n";
    out += "\r\n";
    out += p.data;
    out += "\r\n";
  }
  out += "--" + boundary + "--\r\n";
  mp::MultipartLimits big;
  big.max_parts = r->size() + 1;
  big.max_header_bytes = 1 << 20;
  auto again = mp::parseMultipart(out, "multipart/form-data; boundary=" + boundary, big);
  if (!again.isOk()) die("re-encoded body does not parse", again.status().toString() + "\n" + out);
  if (again->size() != r->size()) die("part count changed", out);
  for (std::size_t i = 0; i < r->size(); ++i) {
    const auto& a = (*r)[i];
    const auto& b = (*again)[i];
    if (a.name != b.name || a.filename != b.filename || a.content_type != b.content_type ||
        a.data != b.data) {
      die("round trip changed a part", out);
    }
  }
  return 0;
}
