// Offline tools behind `sextant tool ...`. Each takes its streams as arguments so tests can run it.
#pragma once

#include <iosfwd>
#include <string>

namespace sextant::tool {

struct ParseLpOptions {
  std::string file;  // "" or "-": read `in`
  std::string precision;
  std::string category = "metric";
  bool strict = false;
};

// Decodes and normalises line protocol and prints the points as a simple-JSON array on `out`,
// then one line per normalisation warning on `err`. Exit code: 0 ok, 1 bad input, 2 bad usage.
int runParseLp(const ParseLpOptions& opts, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace sextant::tool
