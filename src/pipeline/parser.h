// The Platypus lexer and parser: script text -> syntax tree (ast.h).
//
// Errors are InvalidArgument "<script>:<line>:<col>: <message>" (1-based line and column, the
// column counted in bytes). Nesting is limited (kMaxDepth) so hostile input cannot exhaust the
// stack. Thread-safety: pure function.
#pragma once

#include <string_view>

#include "core/status.h"
#include "pipeline/ast.h"

namespace sextant::pipeline {

inline constexpr int kMaxDepth = 200;

Result<Program> parseScript(std::string_view script_name, std::string_view text);

}  // namespace sextant::pipeline
