// libFuzzer target for the DQL parser. Parses arbitrary bytes; when that succeeds, the canonical
// text must parse again to an equal tree and print identically (a round-trip oracle); variable
// substitution of every referenced variable (as "x" and as "__all__") must not crash, and its
// output must print and re-parse too. Any violation aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/dql/dql.h"

namespace {

namespace dql = sextant::query::dql;

// Prints printable ASCII as is and every other byte as \xNN (inputs may hold NULs).
std::string escaped(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 0x20 && c < 0x7f) || c == '\n') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

[[noreturn]] void die(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_dql: %s\n%s\n", what, escaped(detail).c_str());
  abort();
}

void roundTrip(const dql::Query& q, std::string_view input) {
  std::string text = dql::toString(q);
  sextant::Result<dql::Query> again = dql::parse(text);
  if (!again.isOk()) {
    die("canonical text does not parse",
        std::string(input) + "\n---\n" + text + "\n---\n" + again.status().message());
  }
  if (!(*again == q)) die("round trip changed the tree", std::string(input) + "\n---\n" + text);
  std::string text2 = dql::toString(*again);
  if (text2 != text) die("printing is not stable", text + "\n---\n" + text2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sextant::Result<dql::Query> q = dql::parse(input);
  if (!q.isOk()) {
    const std::string& m = q.status().message();
    if (m.empty() || m[0] < '1' || m[0] > '9') die("error without a position", m);
    return 0;
  }
  roundTrip(*q, input);

  std::vector<std::string> names = dql::referencedVariables(*q);
  if (names.empty()) return 0;
  for (int mode = 0; mode < 3; ++mode) {
    dql::Variables vars;
    for (size_t i = 0; i < names.size(); ++i) {
      if (mode == 0) vars[names[i]] = {"x"};
      if (mode == 1) vars[names[i]] = {std::string(dql::kAllValue)};
      if (mode == 2)
        vars[names[i]] =
            i % 2 == 0 ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"__all__"};
    }
    sextant::Result<dql::Query> s = dql::substituteVariables(*q, vars);
    if (s.isOk()) roundTrip(*s, input);
  }
  return 0;
}
