// Container log line codecs: the two on-disk formats container runtimes write a container's
// stdout/stderr in, parsed line by line, and a Reassembler that joins the partial lines those
// runtimes split long lines into. The formats, the rules and the error messages are described in
// README.md beside this file.
//
//   docker json-file:  {"log":"hello\n","stream":"stdout","time":"2019-01-01T11:11:11.111111111Z"}
//   CRI (containerd, CRI-O; kubelet's /var/log/pods): 2016-10-06T00:17:09.669794202Z stdout F hello
//
// The logging input tails a file and hands each line (with or without its trailing "\n") to a
// Reassembler; records come out complete, per stream, with the time of their first part.
//
// Ownership: LineParts::text is a view into the line (CRI) or into the DockerLineParser that
// produced it (docker: JSON strings are unescaped into the parser), valid until that parser parses
// again or is destroyed. LogRecords own their message.
// Thread-safety: detect() and parseCriLine() are pure functions; a DockerLineParser and a
// Reassembler are single-threaded objects (use one per file being tailed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::codec::container_log {

enum class Stream : uint8_t { kStdout, kStderr };
std::string_view streamName(Stream stream);  // "stdout" / "stderr"

enum class Format : uint8_t {
  kDockerJson,  // Docker's json-file logging driver (/var/lib/docker/containers/<id>/<id>-json.log)
  kCri,         // the Kubernetes CRI log format (containerd, CRI-O)
};
std::string_view formatName(Format format);  // "docker" / "cri"

// The format of a file from one of its lines: a JSON object with a "log" key is docker, a line
// parseCriLine() accepts is CRI; nullopt when neither.
std::optional<Format> detect(std::string_view line);

// One line cut into its parts, nothing joined.
struct LineParts {
  int64_t time_ns = 0;  // Unix nanoseconds (the line's RFC 3339 time, offset applied)
  Stream stream = Stream::kStdout;
  bool partial = false;   // more of the same log line follows in a later line of this stream
  std::string_view text;  // the content; a docker final part without its "\n" (a CRLF's '\r'
                          // stays: the Reassembler drops it from the record)
};

// A CRI line "<RFC3339Nano time> <stdout|stderr> <tag> <text>": the tag is "P" (partial) or "F"
// (full), or a ':'-separated list whose first element is one of those ("F:x"); the text may be
// empty and its separating space may be missing when it is. One trailing "\n" of the line is
// ignored; text views into line. Errors (InvalidArgument): "cri: bad timestamp ...", "cri: unknown
// stream ...", "cri: bad tag ...", "cri: missing ...".
Result<LineParts> parseCriLine(std::string_view line);

// Parses docker json-file lines: a JSON object with "log" (string), "stream" ("stdout"/"stderr")
// and "time" (RFC 3339) keys; other keys ("attrs") are ignored. A "log" ending in "\n" is a final
// part (the "\n" is not in text); anything else is partial (docker splits lines at 16 KiB and
// leaves "\n" off all but the last piece). Errors (InvalidArgument): "docker: invalid JSON ...",
// "docker: missing log/stream/time", "docker: log is not a string", "docker: unknown stream ...",
// "docker: bad timestamp ...". Lines longer than kMaxDockerLineBytes are rejected ("docker:
// invalid JSON: ... capacity ..."; docker's own lines are at most ~100 KiB: 16 KiB of text,
// escaped). Reuse one parser: it keeps its buffers between lines.
inline constexpr size_t kMaxDockerLineBytes = size_t{4} << 20;
class DockerLineParser {
 public:
  DockerLineParser();
  ~DockerLineParser();
  DockerLineParser(DockerLineParser&&) noexcept;
  DockerLineParser& operator=(DockerLineParser&&) noexcept;

  // text views into this parser, valid until the next parse() or the parser's destruction.
  Result<LineParts> parse(std::string_view line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One complete log line of a container.
struct LogRecord {
  int64_t time_ns = 0;  // the time of its first part
  Stream stream = Stream::kStdout;
  std::string message;               // without its line ending ("\n" or "\r\n")
  bool partial_reassembled = false;  // joined from more than one line
  bool truncated = false;            // longer than max_record_bytes: message is its first max bytes
  bool unterminated = false;         // emitted by flush() or a bad line before its final part came
};

// Joins partial lines into records, stdout and stderr separately (the runtime interleaves them).
// Bounded: a record reaching max_record_bytes is emitted at once, truncated and flagged, and the
// rest of its parts (up to and including its final part) are dropped.
class Reassembler {
 public:
  explicit Reassembler(Format format, size_t max_record_bytes = size_t{1} << 20);

  // Parses one line (a trailing "\n" is allowed) and appends the records it completes to *out.
  // A bad line is counted and its error returned; it first ends both streams' pending records
  // (appended to *out, flagged unterminated), as it may have been a part of either.
  Status feed(std::string_view line, std::vector<LogRecord>* out);

  // Appends the pending records (unterminated), stdout's first: the file was rotated or closed,
  // or nothing came for a while (the caller's choice, see pendingBytes()).
  void flush(std::vector<LogRecord>* out);

  // Bytes held in records waiting for their final part (0: nothing pending).
  size_t pendingBytes() const;

  struct Stats {
    uint64_t lines = 0;         // lines fed, bad ones included
    uint64_t records = 0;       // records emitted
    uint64_t bad_lines = 0;     // lines that did not parse
    uint64_t truncated = 0;     // records cut at max_record_bytes
    uint64_t unterminated = 0;  // records emitted without their final part
  };
  Stats stats() const { return stats_; }
  Format format() const { return format_; }

 private:
  struct Pending {
    bool active = false;    // a record has started
    bool skipping = false;  // emitted truncated: drop parts up to the final one
    int64_t time_ns = 0;
    uint32_t parts = 0;
    std::string text;
  };

  void append(const LineParts& parts, std::vector<LogRecord>* out);
  void emit(Stream stream, Pending* p, bool unterminated, std::vector<LogRecord>* out);

  Format format_;
  size_t max_record_bytes_;
  DockerLineParser docker_;
  Pending pending_[2];  // by Stream
  Stats stats_;
};

}  // namespace sextant::codec::container_log
