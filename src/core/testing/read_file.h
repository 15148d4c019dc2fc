// readFile: a whole file's bytes for tests and benches (fixtures, outputs of a child process).
// Returns "" when the file cannot be read: the caller's checks on the content then fail.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sextant::testing {

inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace sextant::testing
