// Container log line codecs: docker json-file (simdjson DOM) and CRI lines, RFC 3339 times, and the
// per-stream Reassembler of partial lines. See container_log.h and README.md.
#include "codec/container_log/container_log.h"

#include <simdjson.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "core/time_format.h"

namespace sextant::codec::container_log {

namespace dom = simdjson::dom;

namespace {

// A short printable excerpt of untrusted input for an error message: at most 40 bytes, bytes
// outside printable ASCII as \xNN, "..." when cut.
std::string snippet(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  size_t n = std::min<size_t>(s.size(), 40);
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (n < s.size()) out += "...";
  out += '"';
  return out;
}

bool streamFromName(std::string_view name, Stream* out) {
  if (name == "stdout") {
    *out = Stream::kStdout;
    return true;
  }
  if (name == "stderr") {
    *out = Stream::kStderr;
    return true;
  }
  return false;
}

// Drops an incomplete UTF-8 sequence a cut left at the end of *s (at most 3 bytes; a lead byte
// without enough continuation bytes after it).
void dropIncompleteUtf8Tail(std::string* s) {
  size_t n = s->size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    auto c = static_cast<unsigned char>((*s)[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    if (len > back) s->resize(n - back);
    return;
  }
}

}  // namespace

std::string_view streamName(Stream stream) {
  return stream == Stream::kStdout ? "stdout" : "stderr";
}

std::string_view formatName(Format format) {
  return format == Format::kDockerJson ? "docker" : "cri";
}

Result<LineParts> parseCriLine(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) {
    return invalidArgument("cri: missing stream after the timestamp in " + snippet(line));
  }
  LineParts parts;
  std::optional<int64_t> t = parseRfc3339Nano(line.substr(0, sp));
  if (!t) return invalidArgument("cri: bad timestamp " + snippet(line.substr(0, sp)));
  parts.time_ns = *t;

  std::string_view rest = line.substr(sp + 1);
  sp = rest.find(' ');
  std::string_view stream = rest.substr(0, sp);
  if (!streamFromName(stream, &parts.stream)) {
    return invalidArgument("cri: unknown stream " + snippet(stream) + " (want stdout or stderr)");
  }
  if (sp == std::string_view::npos) return invalidArgument("cri: missing tag after the stream");

  rest = rest.substr(sp + 1);
  sp = rest.find(' ');
  std::string_view tag = rest.substr(0, sp);
  std::string_view first = tag.substr(0, tag.find(':'));
  if (first == "P") {
    parts.partial = true;
  } else if (first != "F") {
    return invalidArgument("cri: bad tag " + snippet(tag) + " (want P or F)");
  }
  if (sp != std::string_view::npos) parts.text = rest.substr(sp + 1);
  return parts;
}

struct DockerLineParser::Impl {
  dom::parser parser{kMaxDockerLineBytes};
};

DockerLineParser::DockerLineParser() : impl_(std::make_unique<Impl>()) {}
DockerLineParser::~DockerLineParser() = default;
DockerLineParser::DockerLineParser(DockerLineParser&&) noexcept = default;
DockerLineParser& DockerLineParser::operator=(DockerLineParser&&) noexcept = default;

Result<LineParts> DockerLineParser::parse(std::string_view line) {
  dom::element doc;
  if (auto err = impl_->parser.parse(line.data(), line.size(), true).get(doc)) {
    return invalidArgument(std::string("docker: invalid JSON: ") + simdjson::error_message(err));
  }
  dom::object obj;
  if (doc.get(obj) != simdjson::SUCCESS) return invalidArgument("docker: not a JSON object");
  std::optional<dom::element> log, stream, time;
  for (dom::key_value_pair field : obj) {
    if (field.key == "log") {
      if (!log) log = field.value;
    } else if (field.key == "stream") {
      if (!stream) stream = field.value;
    } else if (field.key == "time") {
      if (!time) time = field.value;
    }
  }
  if (!log) return invalidArgument("docker: missing log");
  if (!stream) return invalidArgument("docker: missing stream");
  if (!time) return invalidArgument("docker: missing time");

  LineParts parts;
  std::string_view text;
  if (log->get(text) != simdjson::SUCCESS) return invalidArgument("docker: log is not a string");
  std::string_view s;
  if (stream->get(s) != simdjson::SUCCESS || !streamFromName(s, &parts.stream)) {
    return invalidArgument("docker: unknown stream " +
                           (stream->is_string() ? snippet(s) : std::string("(not a string)")) +
                           " (want stdout or stderr)");
  }
  if (time->get(s) != simdjson::SUCCESS) return invalidArgument("docker: time is not a string");
  std::optional<int64_t> t = parseRfc3339Nano(s);
  if (!t) return invalidArgument("docker: bad timestamp " + snippet(s));
  parts.time_ns = *t;
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  } else {
    parts.partial = true;
  }
  parts.text = text;
  return parts;
}

std::optional<Format> detect(std::string_view line) {
  size_t i = 0;
  while (i < line.size() &&
         (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
    ++i;
  if (i < line.size() && line[i] == '{') {
    dom::parser parser(kMaxDockerLineBytes);
    dom::object obj;
    if (parser.parse(line.data(), line.size(), true).get(obj) == simdjson::SUCCESS &&
        obj["log"].error() == simdjson::SUCCESS) {
      return Format::kDockerJson;
    }
    return std::nullopt;
  }
  if (parseCriLine(line).isOk()) return Format::kCri;
  return std::nullopt;
}

Reassembler::Reassembler(Format format, size_t max_record_bytes)
    : format_(format), max_record_bytes_(max_record_bytes == 0 ? 1 : max_record_bytes) {}

Status Reassembler::feed(std::string_view line, std::vector<LogRecord>* out) {
  ++stats_.lines;
  Result<LineParts> parts = format_ == Format::kCri ? parseCriLine(line) : docker_.parse(line);
  if (!parts.isOk()) {
    ++stats_.bad_lines;
    flush(out);
    return parts.status();
  }
  append(*parts, out);
  return Status::ok();
}

void Reassembler::append(const LineParts& parts, std::vector<LogRecord>* out) {
  Pending* p = &pending_[static_cast<size_t>(parts.stream)];
  if (p->skipping) {
    if (!parts.partial) *p = Pending();
    return;
  }
  if (!p->active) {
    p->active = true;
    p->time_ns = parts.time_ns;
    p->parts = 0;
    p->text.clear();
  }
  ++p->parts;
  std::string_view text = parts.text;
  if (!parts.partial) {
    // The record's line ending: "\n" is already off; drop the '\r' of a "\r\n", which may be the
    // last byte of an earlier part when the final one is empty.
    if (!text.empty()) {
      if (text.back() == '\r') text.remove_suffix(1);
    } else if (!p->text.empty() && p->text.back() == '\r') {
      p->text.pop_back();
    }
  }
  size_t room = max_record_bytes_ - p->text.size();
  if (text.size() > room) {
    p->text.append(text.substr(0, room));
    dropIncompleteUtf8Tail(&p->text);
    ++stats_.truncated;
    bool more = parts.partial;
    emit(parts.stream, p, /*unterminated=*/false, out);
    out->back().truncated = true;
    p->skipping = more;
    return;
  }
  p->text.append(text);
  if (!parts.partial) emit(parts.stream, p, /*unterminated=*/false, out);
}

void Reassembler::emit(Stream stream, Pending* p, bool unterminated, std::vector<LogRecord>* out) {
  LogRecord& r = out->emplace_back();
  r.time_ns = p->time_ns;
  r.stream = stream;
  r.message = std::move(p->text);
  r.partial_reassembled = p->parts > 1;
  r.unterminated = unterminated;
  ++stats_.records;
  if (unterminated) ++stats_.unterminated;
  *p = Pending();
}

void Reassembler::flush(std::vector<LogRecord>* out) {
  for (Stream s : {Stream::kStdout, Stream::kStderr}) {
    Pending* p = &pending_[static_cast<size_t>(s)];
    if (p->active && !p->skipping) {
      emit(s, p, /*unterminated=*/true, out);
    } else {
      *p = Pending();
    }
  }
}

size_t Reassembler::pendingBytes() const {
  size_t n = 0;
  for (const Pending& p : pending_) {
    if (p.active && !p.skipping) n += p.text.size();
  }
  return n;
}

}  // namespace sextant::codec::container_log
