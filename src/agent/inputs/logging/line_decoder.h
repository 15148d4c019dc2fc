// LineDecoder: turns the raw bytes of one tailed file into log entries, the pure part of the
// logging input (no I/O, no clock): it splits lines in the file's encoding (a line longer than
// max_line_bytes is cut into pieces), converts them to UTF-8 (glibc iconv for gbk, gb18030,
// utf-16le, utf-16be; invalid bytes become U+FFFD), optionally parses docker json-file / CRI lines
// (codec/container_log, partial lines reassembled), removes ANSI escape sequences, and joins
// multi-line entries (an explicit first-line regexp, or DataKit's automatic detection over
// timestamp patterns).
//
// Offsets: the decoder is told the file offset of the first byte it is given and counts every
// byte after it. safeOffset() is the offset from which reading again would reproduce everything
// not yet emitted: the start of the oldest line still held (a partial line, a pending multi-line
// entry, a partial container record). The tailer checkpoints safeOffset() once the entries
// emitted so far were fed successfully, so a restart never loses a line.
//
// Ownership: a LineDecoder owns its iconv handle and buffers. Thread-safety: single-threaded (one
// per tailed file); create() and the option checks are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::agent::inputs::logging {

enum class Encoding : uint8_t { kUtf8, kGbk, kGb18030, kUtf16le, kUtf16be };
// "" / "utf-8" / "utf8" -> kUtf8, "gbk", "gb18030", "utf-16le", "utf-16be" (case-insensitive);
// others InvalidArgument "unknown character_encoding 'x'".
Result<Encoding> parseEncoding(std::string_view name);

enum class LineMode : uint8_t { kPlain, kDocker, kCri };
// "" / "plain" -> kPlain, "docker", "cri"; others InvalidArgument.
Result<LineMode> parseLineMode(std::string_view name);

// The built-in patterns of automatic multi-line detection (DataKit's timestamp patterns), RE2.
const std::vector<std::string>& builtinMultilinePatterns();

// The smallest max_line_bytes (a cut piece must hold a 4-byte UTF-8 character and some text);
// the config rejects less, the decoder raises less to this.
inline constexpr size_t kMinLineBytes = 16;

struct DecoderOptions {
  Encoding encoding = Encoding::kUtf8;
  LineMode mode = LineMode::kPlain;
  bool remove_ansi = false;
  // RE2 (Go syntax) of an entry's first line; empty: no explicit multi-line.
  std::string multiline_match;
  // Used when multiline_match is empty: the first of extra patterns then built-in ones to match a
  // line becomes this file's first-line pattern; until one matches every line is an entry.
  bool auto_multiline = false;
  std::vector<std::string> auto_extra_patterns;
  size_t max_line_bytes = 800 * 1024;      // raw bytes; longer lines are cut into pieces
  size_t max_entry_bytes = 800 * 1024;     // a multi-line entry is emitted when it reaches this
  size_t max_lines_per_entry = 1000;       // ... or this many lines
  size_t max_container_record = 1u << 20;  // docker/cri reassembly bound
};

struct Entry {
  std::string message;  // UTF-8, without its line ending
};

class LineDecoder {
 public:
  // InvalidArgument for a regexp that does not compile or an encoding iconv does not know.
  static Result<std::unique_ptr<LineDecoder>> create(const DecoderOptions& options,
                                                     uint64_t start_offset);
  ~LineDecoder();
  LineDecoder(const LineDecoder&) = delete;
  LineDecoder& operator=(const LineDecoder&) = delete;

  // The next bytes of the file (contiguous with what came before); complete entries are appended
  // to *out. Never fails: bad bytes are replaced, bad container lines counted and skipped.
  void push(std::string_view bytes, std::vector<Entry>* out);

  // The file was closed (rotated away, deleted, dead): the partial last line and the pending
  // entry are emitted.
  void finish(std::vector<Entry>* out);

  // Emits the pending multi-line entry (and container records) only, keeping a partial line:
  // called when nothing new came for the multi-line wait time.
  void flushPending(std::vector<Entry>* out);

  // Drops everything held and continues at `offset` (truncation: 0).
  void reset(uint64_t offset);

  uint64_t safeOffset() const;
  uint64_t offset() const { return offset_; }  // the offset after the last byte pushed
  bool hasPendingEntry() const;                // something flushPending() would emit
  size_t bufferedBytes() const { return line_.size(); }

  struct Stats {
    uint64_t lines = 0;      // raw lines (pieces of cut lines included)
    uint64_t entries = 0;    // entries emitted
    uint64_t cut_lines = 0;  // pieces produced by max_line_bytes
    uint64_t bad_bytes = 0;  // invalid sequences replaced by U+FFFD
    uint64_t bad_container_lines = 0;
  };
  Stats stats() const { return stats_; }

 private:
  struct Impl;
  explicit LineDecoder(std::unique_ptr<Impl> impl, const DecoderOptions& options, uint64_t start);

  void onRawLine(std::string_view raw, uint64_t line_start, std::vector<Entry>* out);
  void onText(std::string text, uint64_t line_start, std::vector<Entry>* out);
  void emitPending(std::vector<Entry>* out);

  std::unique_ptr<Impl> impl_;
  DecoderOptions options_;
  uint64_t offset_ = 0;      // after the last byte pushed
  std::string line_;         // the partial raw line
  uint64_t line_start_ = 0;  // its offset
  // The pending multi-line entry.
  bool pending_ = false;
  std::string pending_text_;
  size_t pending_lines_ = 0;
  uint64_t pending_start_ = 0;
  // The offset of the first line of a container record still being reassembled.
  bool container_pending_ = false;
  uint64_t container_start_ = 0;
  std::string decoded_;  // scratch
  Stats stats_;
};

// Pure helpers, exposed for tests.
// Removes ANSI escape sequences (CSI "ESC [ ... final", OSC "ESC ] ... BEL|ESC \", and two-byte
// "ESC x") from UTF-8 text.
std::string removeAnsiEscapes(std::string_view text);
// Appends text to *out with every invalid UTF-8 sequence replaced by U+FFFD; returns how many
// were replaced.
size_t appendValidUtf8(std::string_view text, std::string* out);

}  // namespace sextant::agent::inputs::logging
