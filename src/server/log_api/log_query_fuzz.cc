// Fuzz target for the log search query language and cursor (log_query.h), on the whole input:
// parseLogQuery must never crash, and a parsed query written back with toString must parse to
// the same query (unless the written form passes the size or nesting limits); parseCursor must
// never crash and a parsed cursor must encode and parse back to itself; globMatch over the two
// halves of the input must not crash and must agree with a simple recursive matcher on short
// inputs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/log_api/log_query.h"

namespace {

namespace la = sextant::server::log_api;

bool slowGlob(std::string_view p, std::string_view t) {
  if (p.empty()) return t.empty();
  if (p[0] == '*') return slowGlob(p.substr(1), t) || (!t.empty() && slowGlob(p, t.substr(1)));
  if (t.empty()) return false;
  return (p[0] == '?' || p[0] == t[0]) && slowGlob(p.substr(1), t.substr(1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  std::size_t pos = 0;
  sextant::Result<la::QueryNode> q = la::parseLogQuery(in, &pos);
  if (q.isOk()) {
    std::string text = la::toString(*q);
    sextant::Result<la::QueryNode> again = la::parseLogQuery(text);
    if (again.isOk()) {
      if (la::toString(*again) != text) std::abort();
    } else if (text.size() <= la::kMaxQueryBytes &&
               again.status().message().find("nesting") == std::string::npos) {
      std::fprintf(stderr, "written back as [%s]: %s\n", text.c_str(),
                   again.status().message().c_str());
      std::abort();
    }
  } else if (pos > in.size() && pos != la::kMaxQueryBytes) {
    std::abort();
  }

  sextant::Result<la::LogCursor> c = la::parseCursor(in);
  if (c.isOk()) {
    sextant::Result<la::LogCursor> back = la::parseCursor(la::encodeCursor(*c));
    if (!back.isOk() || !(*back == *c)) std::abort();
  }

  std::size_t half = in.find('\n');
  if (half != std::string_view::npos) {
    std::string_view p = in.substr(0, half), t = in.substr(half + 1);
    bool fast = la::globMatch(p, t);
    if (p.size() <= 12 && t.size() <= 16 && fast != slowGlob(p, t)) std::abort();
  }
  return 0;
}
