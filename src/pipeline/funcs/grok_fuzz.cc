// libFuzzer target: grok pattern expansion, RE2 compilation and matching over untrusted script
// text. Input: "NAME pattern\n<pattern to compile>\n<text to match>"; the first line is added to a
// copy of the builtin library (add_pattern), errors are fine, crashes are not, and match() must
// give what matchWithoutPieces() gives.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pipeline/funcs/grok.h"

using sextant::pipeline::funcs::GrokCapture;
using sextant::pipeline::funcs::GrokLibrary;
using sextant::pipeline::funcs::GrokPattern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl1 = in.find('\n');
  if (nl1 == std::string_view::npos) return 0;
  std::string_view def = in.substr(0, nl1);
  std::string_view rest = in.substr(nl1 + 1);
  size_t nl2 = rest.find('\n');
  std::string_view pattern = rest.substr(0, nl2);
  std::string_view text = nl2 == std::string_view::npos ? std::string_view() : rest.substr(nl2 + 1);

  GrokLibrary lib = GrokLibrary::builtin();
  (void)lib.loadFile(def);
  auto p = GrokPattern::compile(pattern, lib);
  if (!p.isOk()) return 0;
  std::vector<GrokCapture> caps;
  const bool matched = p->match(text, &caps);
  if (matched) {
    for (const GrokCapture& c : caps) {
      // Every capture is named and its value is a piece of the text.
      if (c.name.empty() || c.value.size() > text.size()) __builtin_trap();
    }
  }
  // Extraction by pieces gives RE2's own answer (one capture pass over the whole pattern).
  std::vector<GrokCapture> ref;
  if (p->matchWithoutPieces(text, &ref) != matched) __builtin_trap();
  if (matched) {
    if (ref.size() != caps.size()) __builtin_trap();
    for (size_t i = 0; i < ref.size(); ++i) {
      if (ref[i].name != caps[i].name || ref[i].value != caps[i].value) __builtin_trap();
    }
  }
  return 0;
}
