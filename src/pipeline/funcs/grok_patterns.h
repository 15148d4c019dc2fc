// The text of Sextant's standard grok pattern file (our own definitions, RE2 syntax), embedded in
// the binary. GrokLibrary::builtin() parses it once. See grok_patterns.cc.
#pragma once

#include <string_view>

namespace sextant::pipeline::funcs {

std::string_view builtinGrokPatternText();

}  // namespace sextant::pipeline::funcs
