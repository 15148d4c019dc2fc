// libFuzzer target for the PromQL parser. Parses arbitrary bytes; when that succeeds, the printed
// form must parse again to an equal tree that prints the same (a round-trip oracle), and the
// error path must produce a well-formed Prometheus-style message. Any violation aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/promql/parser.h"

namespace {

namespace promql = sextant::query::promql;

[[noreturn]] void die(const char* what, std::string_view input, const std::string& detail) {
  fprintf(stderr, "fuzz_promql: %s\ninput: %.*s\n%s\n", what, static_cast<int>(input.size()),
          input.data(), detail.c_str());
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view query(reinterpret_cast<const char*>(data), size);
  promql::ParseError err;
  sextant::Result<promql::ExprPtr> first = promql::parse(query, &err);
  if (!first.isOk()) {
    const std::string& msg = first.status().message();
    if (err.message.empty() || msg.find(": parse error: ") == std::string::npos) {
      die("malformed error", query, msg);
    }
    if (!query.empty() && (err.line == 0 || err.column == 0 || err.offset > query.size())) {
      die("bad error position", query, msg);
    }
    return 0;
  }
  std::string printed = promql::toString(**first);
  sextant::Result<promql::ExprPtr> second = promql::parse(printed);
  if (!second.isOk())
    die("printed query does not parse", query, printed + "\n" + second.status().message());
  if (!promql::equal(**first, **second)) die("round trip changed the tree", query, printed);
  std::string again = promql::toString(**second);
  if (again != printed) die("printing is not stable", query, printed + "\n---\n" + again);
  (void)promql::valueType(**first);
  return 0;
}
