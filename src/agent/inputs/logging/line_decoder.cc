#include "agent/inputs/logging/line_decoder.h"

#include <iconv.h>
#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "codec/container_log/container_log.h"

namespace sextant::agent::inputs::logging {
namespace {

// Lines automatic multi-line detection tries before it gives up on a file.
constexpr size_t kAutoDetectLines = 1000;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const char* iconvName(Encoding e) {
  switch (e) {
    case Encoding::kGbk: return "GBK";
    case Encoding::kGb18030: return "GB18030";
    case Encoding::kUtf16le: return "UTF-16LE";
    case Encoding::kUtf16be: return "UTF-16BE";
    case Encoding::kUtf8: break;
  }
  return nullptr;
}

bool isUtf16(Encoding e) { return e == Encoding::kUtf16le || e == Encoding::kUtf16be; }

// The length of the valid UTF-8 sequence at s[i], or 0 when it is invalid or incomplete.
size_t utf8SequenceLength(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = s.size() - i;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return n >= 2 && (b(i + 1) & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || (b(i + 1) & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || (b(i + 1) & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80 ||
        (b(i + 3) & 0xC0) != 0x80) {
      return 0;
    }
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

// Where to cut a UTF-8 piece of at most `max` bytes of s (never inside a sequence when one
// starts within the last 3 bytes).
size_t utf8CutPoint(std::string_view s, size_t max) {
  if (s.size() <= max) return s.size();
  size_t cut = max;
  for (size_t back = 0; back < 3 && cut > 1; ++back) {
    unsigned char c = static_cast<unsigned char>(s[cut]);
    if ((c & 0xC0) != 0x80) break;  // s[cut] starts a character: cut before it
    --cut;
  }
  if ((static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) cut = max;  // not UTF-8 anyway
  return cut;
}

}  // namespace

Result<Encoding> parseEncoding(std::string_view name) {
  std::string n = lower(name);
  if (n.empty() || n == "utf-8" || n == "utf8") return Encoding::kUtf8;
  if (n == "gbk") return Encoding::kGbk;
  if (n == "gb18030") return Encoding::kGb18030;
  if (n == "utf-16le") return Encoding::kUtf16le;
  if (n == "utf-16be") return Encoding::kUtf16be;
  return invalidArgument("unknown character_encoding '" + std::string(name) +
                         "' (want utf-8, gbk, gb18030, utf-16le or utf-16be)");
}

Result<LineMode> parseLineMode(std::string_view name) {
  std::string n = lower(name);
  if (n.empty() || n == "plain") return LineMode::kPlain;
  if (n == "docker") return LineMode::kDocker;
  if (n == "cri") return LineMode::kCri;
  return invalidArgument("unknown mode '" + std::string(name) + "' (want docker or cri)");
}

const std::vector<std::string>& builtinMultilinePatterns() {
  // Timestamps at the start of a line, the shapes DataKit's auto detection knows: ISO dates
  // with time (optionally ",ms" / ".ns", 'T', zone), RFC 3339, ANSIC / UnixDate ("Mon Jan _2
  // 15:04:05 2006"), RFC 1123 / 822 ("Mon, 02 Jan 2006 15:04:05 MST"), "02 Jan 06 15:04",
  // "Jan _2 15:04:05" (syslog), "15:04:05" clock-only, "2006/01/02 15:04:05", "20060102 15:04:05",
  // bracketed "[2006-01-02 ...".
  static const std::vector<std::string> kPatterns = {
      R"(^\d+-\d+-\d+ \d+:\d+:\d+(,\d+)?)",
      R"(^\d+-\d+-\d+T\d+:\d+:\d+(\.\d+)?(Z|[+-]\d+:?\d+)?)",
      R"(^\d+/\d+/\d+ \d+:\d+:\d+(\.\d+)?)",
      R"(^\d{8} \d+:\d+:\d+(\.\d+)?)",
      R"(^[A-Za-z_]+ [A-Za-z_]+ +\d+ \d+:\d+:\d+( [A-Za-z_]+)? \d+)",
      R"(^[A-Za-z_]+, \d+ [A-Za-z_]+ \d+ \d+:\d+:\d+ ([A-Za-z_]+|[+-]\d+))",
      R"(^\d+ [A-Za-z_]+ \d+ \d+:\d+( [A-Za-z_]+|[+-]\d+)?)",
      R"(^[A-Za-z_]+ +\d+ \d+:\d+:\d+)",
      R"(^\[\d+-\d+-\d+[ T]\d+:\d+:\d+)",
      R"(^\d+:\d+:\d+(\.\d+)? )",
  };
  return kPatterns;
}

std::string removeAnsiEscapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const void* esc = std::memchr(text.data() + i, 0x1B, text.size() - i);
    if (esc == nullptr) {
      out.append(text.substr(i));
      break;
    }
    size_t e = static_cast<size_t>(static_cast<const char*>(esc) - text.data());
    out.append(text.substr(i, e - i));
    i = e + 1;
    if (i >= text.size()) break;  // a lone ESC at the end
    char c = text[i];
    if (c == '[') {
      // CSI: parameter and intermediate bytes 0x20-0x3F, then one final byte 0x40-0x7E.
      ++i;
      while (i < text.size()) {
        unsigned char b = static_cast<unsigned char>(text[i]);
        if (b >= 0x40 && b <= 0x7E) {
          ++i;
          break;
        }
        if (b < 0x20 || b > 0x3F) break;  // malformed: the sequence ends before this byte
        ++i;
      }
    } else if (c == ']') {
      // OSC: up to BEL or ST (ESC \).
      ++i;
      while (i < text.size()) {
        if (text[i] == '\a') {
          ++i;
          break;
        }
        if (text[i] == 0x1B && i + 1 < text.size() && text[i + 1] == '\\') {
          i += 2;
          break;
        }
        ++i;
      }
    } else if (static_cast<unsigned char>(c) < 0x80) {
      ++i;  // a two-byte escape (ESC c, ESC 7, ESC ( ...)
    }       // else: ESC before a multi-byte character: only the ESC goes
  }
  return out;
}

size_t appendValidUtf8(std::string_view text, std::string* out) {
  size_t bad = 0;
  size_t i = 0;
  size_t run = 0;  // start of the current valid run
  while (i < text.size()) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= text.size()) {
      uint64_t w;
      std::memcpy(&w, text.data() + i, 8);
      if ((w & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= text.size()) break;
    size_t n = utf8SequenceLength(text, i);
    if (n == 0) {
      out->append(text.substr(run, i - run));
      out->append(kReplacement);
      ++bad;
      ++i;
      run = i;
    } else {
      i += n;
    }
  }
  out->append(text.substr(run));
  return bad;
}

struct LineDecoder::Impl {
  iconv_t cd = reinterpret_cast<iconv_t>(-1);
  std::unique_ptr<RE2> first_line;               // explicit or chosen by auto detection
  std::vector<std::unique_ptr<RE2>> candidates;  // auto detection, in order
  std::optional<codec::container_log::Reassembler> reassembler;
  std::vector<codec::container_log::LogRecord> records;  // scratch
  size_t utf16_scan = 0;                                 // line_ bytes already searched
  size_t auto_tries = 0;                                 // lines tried by auto detection

  ~Impl() {
    if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
  }
};

Result<std::unique_ptr<LineDecoder>> LineDecoder::create(const DecoderOptions& options,
                                                         uint64_t start_offset) {
  auto impl = std::make_unique<Impl>();
  if (const char* name = iconvName(options.encoding); name != nullptr) {
    impl->cd = iconv_open("UTF-8", name);
    if (impl->cd == reinterpret_cast<iconv_t>(-1)) {
      return invalidArgument(std::string("character_encoding: iconv does not know ") + name);
    }
  }
  RE2::Options re_opts;
  re_opts.set_log_errors(false);
  if (!options.multiline_match.empty()) {
    impl->first_line = std::make_unique<RE2>(options.multiline_match, re_opts);
    if (!impl->first_line->ok()) {
      return invalidArgument("multiline_match: bad regexp '" + options.multiline_match +
                             "': " + impl->first_line->error());
    }
  } else if (options.auto_multiline) {
    std::vector<std::string> all = options.auto_extra_patterns;
    for (const std::string& p : builtinMultilinePatterns()) all.push_back(p);
    for (const std::string& p : all) {
      auto re = std::make_unique<RE2>(p, re_opts);
      if (!re->ok()) {
        return invalidArgument("auto_multiline_extra_patterns: bad regexp '" + p +
                               "': " + re->error());
      }
      impl->candidates.push_back(std::move(re));
    }
  }
  if (options.mode != LineMode::kPlain) {
    impl->reassembler.emplace(options.mode == LineMode::kDocker
                                  ? codec::container_log::Format::kDockerJson
                                  : codec::container_log::Format::kCri,
                              options.max_container_record);
  }
  DecoderOptions o = options;
  if (o.max_line_bytes < kMinLineBytes) o.max_line_bytes = kMinLineBytes;
  if (o.max_lines_per_entry == 0) o.max_lines_per_entry = 1;
  return std::unique_ptr<LineDecoder>(new LineDecoder(std::move(impl), o, start_offset));
}

LineDecoder::LineDecoder(std::unique_ptr<Impl> impl, const DecoderOptions& options, uint64_t start)
    : impl_(std::move(impl)), options_(options), offset_(start), line_start_(start) {}

LineDecoder::~LineDecoder() = default;

void LineDecoder::reset(uint64_t offset) {
  offset_ = offset;
  line_.clear();
  line_start_ = offset;
  impl_->utf16_scan = 0;
  pending_ = false;
  pending_text_.clear();
  pending_lines_ = 0;
  container_pending_ = false;
  if (impl_->reassembler) {
    impl_->records.clear();
    impl_->reassembler->flush(&impl_->records);  // dropped: the file was truncated
    impl_->records.clear();
  }
}

uint64_t LineDecoder::safeOffset() const {
  uint64_t safe = line_.empty() ? offset_ : line_start_;
  if (pending_) safe = std::min(safe, pending_start_);
  if (container_pending_) safe = std::min(safe, container_start_);
  return safe;
}

bool LineDecoder::hasPendingEntry() const {
  return pending_ || (impl_->reassembler && impl_->reassembler->pendingBytes() > 0);
}

void LineDecoder::push(std::string_view bytes, std::vector<Entry>* out) {
  const size_t max = options_.max_line_bytes;
  if (isUtf16(options_.encoding)) {
    const char nl_lo = options_.encoding == Encoding::kUtf16le ? '\n' : '\0';
    const char nl_hi = options_.encoding == Encoding::kUtf16le ? '\0' : '\n';
    line_.append(bytes);
    offset_ += bytes.size();
    size_t begin = 0;  // start of the current line in line_
    size_t i = impl_->utf16_scan;
    for (; i + 1 < line_.size(); i += 2) {
      if (line_[i] == nl_lo && line_[i + 1] == nl_hi) {
        onRawLine(std::string_view(line_).substr(begin, i - begin), line_start_ + begin, out);
        begin = i + 2;
      } else if (i + 2 - begin >= max) {
        onRawLine(std::string_view(line_).substr(begin, i + 2 - begin), line_start_ + begin, out);
        ++stats_.cut_lines;
        begin = i + 2;
      }
    }
    line_.erase(0, begin);
    line_start_ += begin;
    impl_->utf16_scan = i - begin;
    return;
  }

  size_t pos = 0;
  while (pos < bytes.size()) {
    const void* nlp = std::memchr(bytes.data() + pos, '\n', bytes.size() - pos);
    if (nlp == nullptr) {
      line_.append(bytes.substr(pos));
      offset_ += bytes.size() - pos;
      // Cut an over-long partial line now so a huge line never sits in memory.
      while (line_.size() > max) {
        size_t cut = options_.encoding == Encoding::kUtf8 ? utf8CutPoint(line_, max) : max;
        onRawLine(std::string_view(line_).substr(0, cut), line_start_, out);
        ++stats_.cut_lines;
        line_.erase(0, cut);
        line_start_ += cut;
      }
      return;
    }
    size_t nl = static_cast<size_t>(static_cast<const char*>(nlp) - bytes.data());
    std::string_view piece = bytes.substr(pos, nl - pos);
    offset_ += nl + 1 - pos;
    if (line_.empty()) {
      onRawLine(piece, offset_ - piece.size() - 1, out);
    } else {
      line_.append(piece);
      onRawLine(line_, line_start_, out);
      line_.clear();
    }
    line_start_ = offset_;
    pos = nl + 1;
  }
}

void LineDecoder::onRawLine(std::string_view raw, uint64_t line_start, std::vector<Entry>* out) {
  const size_t max = options_.max_line_bytes;
  // A complete line longer than the limit: its pieces, in order.
  while (raw.size() > max) {
    size_t cut = options_.encoding == Encoding::kUtf8 ? utf8CutPoint(raw, max)
                 : isUtf16(options_.encoding)         ? (max & ~size_t{1})
                                                      : max;
    onRawLine(raw.substr(0, cut), line_start, out);
    ++stats_.cut_lines;
    raw.remove_prefix(cut);
    line_start += cut;
  }
  ++stats_.lines;
  // A byte order mark at the start of the file.
  if (line_start == 0) {
    if (options_.encoding == Encoding::kUtf8 && raw.starts_with("\xEF\xBB\xBF")) {
      raw.remove_prefix(3);
    } else if (options_.encoding == Encoding::kUtf16le && raw.starts_with("\xFF\xFE")) {
      raw.remove_prefix(2);
    } else if (options_.encoding == Encoding::kUtf16be && raw.starts_with("\xFE\xFF")) {
      raw.remove_prefix(2);
    }
  }
  std::string text;
  if (impl_->cd == reinterpret_cast<iconv_t>(-1)) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    text.reserve(raw.size());
    stats_.bad_bytes += appendValidUtf8(raw, &text);
  } else {
    iconv(impl_->cd, nullptr, nullptr, nullptr, nullptr);
    const size_t unit = isUtf16(options_.encoding) ? 2 : 1;
    text.resize(raw.size() * 2 + 16);
    char* in = const_cast<char*>(raw.data());
    size_t in_left = raw.size();
    size_t used = 0;
    while (in_left > 0) {
      char* outp = text.data() + used;
      size_t out_left = text.size() - used;
      size_t r = iconv(impl_->cd, &in, &in_left, &outp, &out_left);
      used = static_cast<size_t>(outp - text.data());
      if (r != static_cast<size_t>(-1)) break;
      if (errno == E2BIG) {
        text.resize(text.size() * 2);
        continue;
      }
      // EILSEQ (invalid) or EINVAL (incomplete at the end): replace and skip one unit.
      if (text.size() - used < kReplacement.size()) text.resize(text.size() * 2);
      std::memcpy(text.data() + used, kReplacement.data(), kReplacement.size());
      used += kReplacement.size();
      ++stats_.bad_bytes;
      size_t skip = std::min(unit, in_left);
      in += skip;
      in_left -= skip;
      iconv(impl_->cd, nullptr, nullptr, nullptr, nullptr);
    }
    text.resize(used);
    if (!text.empty() && text.back() == '\r') text.pop_back();
  }

  if (!impl_->reassembler) {
    onText(std::move(text), line_start, out);
    return;
  }
  uint64_t record_start = container_pending_ ? container_start_ : line_start;
  impl_->records.clear();
  if (!impl_->reassembler->feed(text, &impl_->records).isOk()) ++stats_.bad_container_lines;
  if (impl_->reassembler->pendingBytes() > 0) {
    if (!container_pending_) {
      container_pending_ = true;
      container_start_ = line_start;
    }
  } else {
    container_pending_ = false;
  }
  std::vector<codec::container_log::LogRecord> records;
  records.swap(impl_->records);
  for (auto& r : records) onText(std::move(r.message), record_start, out);
}

void LineDecoder::onText(std::string text, uint64_t line_start, std::vector<Entry>* out) {
  if (options_.remove_ansi && text.find('\x1B') != std::string::npos) {
    text = removeAnsiEscapes(text);
  }
  if (!impl_->first_line && !impl_->candidates.empty()) {
    for (auto& re : impl_->candidates) {
      if (RE2::PartialMatch(text, *re)) {
        impl_->first_line = std::move(re);
        impl_->candidates.clear();
        break;
      }
    }
    // Give up on a file whose first lines have no known timestamp (one regexp per line less).
    if (!impl_->first_line && ++impl_->auto_tries >= kAutoDetectLines) impl_->candidates.clear();
  }
  if (!impl_->first_line) {
    out->push_back(Entry{std::move(text)});
    ++stats_.entries;
    return;
  }
  if (!pending_ || RE2::PartialMatch(text, *impl_->first_line)) {
    if (pending_) emitPending(out);
    pending_ = true;
    pending_text_ = std::move(text);
    pending_lines_ = 1;
    pending_start_ = line_start;
  } else {
    pending_text_.push_back('\n');
    pending_text_.append(text);
    ++pending_lines_;
  }
  if (pending_lines_ >= options_.max_lines_per_entry ||
      pending_text_.size() >= options_.max_entry_bytes) {
    emitPending(out);
  }
}

void LineDecoder::emitPending(std::vector<Entry>* out) {
  if (!pending_) return;
  out->push_back(Entry{std::move(pending_text_)});
  ++stats_.entries;
  pending_ = false;
  pending_text_.clear();
  pending_lines_ = 0;
}

void LineDecoder::flushPending(std::vector<Entry>* out) {
  if (impl_->reassembler && impl_->reassembler->pendingBytes() > 0) {
    uint64_t start = container_start_;
    impl_->records.clear();
    impl_->reassembler->flush(&impl_->records);
    container_pending_ = false;
    std::vector<codec::container_log::LogRecord> records;
    records.swap(impl_->records);
    for (auto& r : records) onText(std::move(r.message), start, out);
  }
  emitPending(out);
}

void LineDecoder::finish(std::vector<Entry>* out) {
  if (!line_.empty()) {
    std::string rest;
    rest.swap(line_);
    onRawLine(rest, line_start_, out);
    line_start_ = offset_;
    impl_->utf16_scan = 0;
  }
  flushPending(out);
}

}  // namespace sextant::agent::inputs::logging
