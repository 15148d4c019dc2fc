// Reading the small text files of /proc and /sys, and the number and field parsing the host
// inputs share.
//
// Errors name the file: "read /proc/stat: No such file or directory" (NotFound when the file does
// not exist, Unavailable for other I/O errors) and "/proc/stat: line 3: ..." (InvalidArgument for
// garbled content). Nothing here throws.
// Free functions; thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::agent::inputs {

// Files larger than this are refused (every file read here is a few KB).
inline constexpr size_t kMaxProcFileBytes = 4 << 20;

// Reads the whole file into *out (replacing its content; its capacity is reused).
Status readFileInto(const std::string& path, std::string* out);
Result<std::string> readFile(const std::string& path);
// A file holding one integer (e.g. /proc/sys/fs/file-max), surrounding whitespace allowed.
Result<int64_t> readInt64File(const std::string& path);
Result<uint64_t> readUint64File(const std::string& path);
// The file's content without surrounding whitespace.
Result<std::string> readTrimmedFile(const std::string& path);

bool pathExists(const std::string& path);
bool isDirectory(const std::string& path);

struct DirEntry {
  std::string name;
  bool is_dir = false;  // a directory, or a symlink to one
};
// The entries of a directory except "." and "..", in readdir order.
Status listDirectory(const std::string& path, std::vector<DirEntry>* out);

std::string_view trimSpace(std::string_view s);

// Calls fn(line) for every line of text (without the '\n'); a last line without '\n' counts.
template <typename Fn>
void forEachLine(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    fn(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// Calls fn(line_no, line) (line_no counting from 1) for every line, stopping at the first
// non-ok Status fn returns, which is returned.
template <typename Fn>
Status parseLines(std::string_view text, Fn&& fn) {
  size_t line_no = 0;
  Status st;
  forEachLine(text, [&](std::string_view line) {
    if (st.isOk()) st = fn(++line_no, line);
  });
  return st;
}

// Splits on runs of spaces and tabs into *out (cleared first).
void splitFields(std::string_view line, std::vector<std::string_view>* out);

// Whole-string decimal (or hex for parseHex) numbers; false on anything else or overflow.
bool parseUint64(std::string_view s, uint64_t* out);
bool parseInt64(std::string_view s, int64_t* out);
bool parseHexUint64(std::string_view s, uint64_t* out);
bool parseDouble(std::string_view s, double* out);

// "<file>: line <n>: <what> '<text>'" as InvalidArgument.
Status garbled(std::string_view file, size_t line_no, std::string_view what, std::string_view text);

// Whole seconds since the epoch of a nanosecond time, rounded down (Go's time.Unix()).
int64_t unixSeconds(int64_t time_ns);

}  // namespace sextant::agent::inputs
