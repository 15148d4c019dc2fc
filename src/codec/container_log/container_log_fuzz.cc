// libFuzzer target for the container log codecs. The input is cut into lines; each line goes
// through detect(), parseCriLine() and a DockerLineParser, and the whole input is fed line by line
// to a docker and a CRI Reassembler with a small cap (so truncation runs too). Checked invariants:
// detect() agrees with the parsers (kCri only for lines parseCriLine() accepts; a line either
// parser accepts is detected), CRI text is a view inside the line, every error is InvalidArgument
// with a message, no record exceeds the cap, and the stats add up (every line counted, bad lines
// match the errors feed() returned, no pending bytes after flush()). Any violation aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "codec/container_log/container_log.h"

namespace {

namespace cl = sextant::codec::container_log;

[[noreturn]] void die(const char* what, std::string_view line) {
  fprintf(stderr, "fuzz_container_log: %s\nline: %.*s\n", what, static_cast<int>(line.size()),
          line.data());
  abort();
}

void checkError(const sextant::Status& st, std::string_view line) {
  if (st.code() != sextant::StatusCode::kInvalidArgument || st.message().empty()) {
    die("error is not a described InvalidArgument", line);
  }
}

constexpr size_t kCap = 64;

void drive(cl::Format format, const std::vector<std::string_view>& lines) {
  cl::Reassembler r(format, kCap);
  std::vector<cl::LogRecord> out;
  uint64_t errors = 0;
  for (std::string_view line : lines) {
    sextant::Status st = r.feed(line, &out);
    if (!st.isOk()) {
      checkError(st, line);
      ++errors;
    }
  }
  r.flush(&out);
  cl::Reassembler::Stats s = r.stats();
  if (s.lines != lines.size() || s.bad_lines != errors || s.records != out.size() ||
      r.pendingBytes() != 0 || s.truncated > s.records || s.unterminated > s.records) {
    die("stats do not add up", "");
  }
  for (const cl::LogRecord& rec : out) {
    if (rec.message.size() > kCap) die("record above the cap", rec.message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  while (!in.empty()) {
    size_t nl = in.find('\n');
    size_t n = nl == std::string_view::npos ? in.size() : nl + 1;
    lines.push_back(in.substr(0, n));
    in.remove_prefix(n);
  }
  cl::DockerLineParser docker;
  for (std::string_view line : lines) {
    sextant::Result<cl::LineParts> cri = cl::parseCriLine(line);
    if (cri.isOk()) {
      const char* b = cri->text.data();
      if (!cri->text.empty() &&
          (b < line.data() || b + cri->text.size() > line.data() + line.size())) {
        die("CRI text outside the line", line);
      }
    } else {
      checkError(cri.status(), line);
    }
    sextant::Result<cl::LineParts> dj = docker.parse(line);
    if (!dj.isOk()) checkError(dj.status(), line);
    std::optional<cl::Format> f = cl::detect(line);
    if (f == cl::Format::kCri && !cri.isOk()) die("detected CRI but does not parse", line);
    if (cri.isOk() && !f) die("parses as CRI but not detected", line);
    if (dj.isOk() && f != cl::Format::kDockerJson) die("parses as docker but not detected", line);
  }
  drive(cl::Format::kDockerJson, lines);
  drive(cl::Format::kCri, lines);
  return 0;
}
