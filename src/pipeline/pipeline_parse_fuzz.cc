// libFuzzer target: script text -> compile (lexer, parser, binding, literal pattern compilation);
// a script that compiles is also run once on a fixed point (bounded by the loop budget).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pipeline/script.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sextant;  // NOLINT
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = pipeline::Script::compile("fuzz.p", text);
  if (!s.isOk()) return 0;
  model::Point pt;
  pt.category = model::Category::kLogging;
  pt.measurement = "fuzz";
  pt.addTag("host", "h");
  pt.addField("message",
              std::string("127.0.0.1 GET /a 200 {\"a\":{\"b\":[1,2]}} 2023-10-10T13:55:36Z"));
  pt.addField("n", int64_t{5});
  (*s)->run(&pt, 0);
  return 0;
}
