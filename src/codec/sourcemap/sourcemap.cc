#include "codec/sourcemap/sourcemap.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>

namespace sextant::codec::sourcemap {
namespace {

int base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool isAbsoluteUrl(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return false;
  }
  return true;
}

std::string mappingError(size_t line, size_t segment, std::string_view what) {
  return "sourcemap mappings: generated line " + std::to_string(line + 1) + ", segment " +
         std::to_string(segment + 1) + ": " + std::string(what);
}

// Reads one base64 VLQ value at m[*pos]; advances *pos. False on bad input.
bool readVlq(std::string_view m, size_t* pos, int64_t* out, std::string* why) {
  uint64_t value = 0;
  int shift = 0;
  while (true) {
    if (*pos >= m.size() || m[*pos] == ',' || m[*pos] == ';') {
      *why = "truncated VLQ value";
      return false;
    }
    int d = base64Digit(m[*pos]);
    if (d < 0) {
      *why = std::string("invalid base64 character '") + m[*pos] + "'";
      return false;
    }
    ++*pos;
    if (shift > 31) {
      *why = "VLQ value beyond 32 bits";
      return false;
    }
    value |= static_cast<uint64_t>(d & 31) << shift;
    shift += 5;
    if ((d & 32) == 0) break;
  }
  if (value > 0xffffffffull) {
    *why = "VLQ value beyond 32 bits";
    return false;
  }
  int64_t magnitude = static_cast<int64_t>(value >> 1);
  *out = (value & 1) != 0 ? -magnitude : magnitude;
  return true;
}

std::string_view trimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Parses the decimal number that ends s (at most 9 digits); returns the digits' length.
size_t trailingNumber(std::string_view s, uint32_t* out) {
  size_t n = 0;
  while (n < s.size() && n < 10 && s[s.size() - 1 - n] >= '0' && s[s.size() - 1 - n] <= '9') ++n;
  if (n == 0 || n > 9) return 0;
  uint32_t v = 0;
  for (char c : s.substr(s.size() - n)) v = v * 10 + static_cast<uint32_t>(c - '0');
  *out = v;
  return n;
}

}  // namespace

Result<SourceMap> parseSourceMap(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) {
    return invalidArgument("sourcemap: not valid JSON");
  }
  simdjson::dom::object obj;
  if (doc.get(obj) != simdjson::SUCCESS) return invalidArgument("sourcemap: not a JSON object");
  if (obj["sections"].error() == simdjson::SUCCESS) {
    return Status(StatusCode::kUnimplemented,
                  "sourcemap: index maps (\"sections\") are not supported");
  }
  int64_t version = 0;
  if (obj["version"].get(version) != simdjson::SUCCESS || version != 3) {
    return invalidArgument("sourcemap: \"version\" must be 3");
  }
  SourceMap out;
  std::string_view root;
  simdjson::dom::element root_el;
  if (obj["sourceRoot"].get(root_el) == simdjson::SUCCESS && !root_el.is_null()) {
    if (root_el.get(root) != simdjson::SUCCESS) {
      return invalidArgument("sourcemap: \"sourceRoot\" must be a string");
    }
  }
  simdjson::dom::array sources;
  if (obj["sources"].get(sources) != simdjson::SUCCESS) {
    return invalidArgument("sourcemap: \"sources\" must be an array");
  }
  for (simdjson::dom::element s : sources) {
    std::string_view v;
    if (s.is_null()) {
      out.sources_.emplace_back();
      continue;
    }
    if (s.get(v) != simdjson::SUCCESS) {
      return invalidArgument("sourcemap: \"sources\" must hold strings or null");
    }
    std::string full;
    if (!root.empty() && !isAbsoluteUrl(v)) {
      full.assign(root);
      if (full.back() != '/') full += '/';
    }
    full += v;
    out.sources_.push_back(std::move(full));
  }
  simdjson::dom::array names;
  if (obj["names"].get(names) == simdjson::SUCCESS) {
    for (simdjson::dom::element n : names) {
      std::string_view v;
      if (n.get(v) != simdjson::SUCCESS) {
        return invalidArgument("sourcemap: \"names\" must hold strings");
      }
      out.names_.emplace_back(v);
    }
  } else if (obj["names"].error() != simdjson::NO_SUCH_FIELD) {
    return invalidArgument("sourcemap: \"names\" must be an array");
  }
  std::string_view m;
  if (obj["mappings"].get(m) != simdjson::SUCCESS) {
    return invalidArgument("sourcemap: \"mappings\" must be a string");
  }

  // Relative state: the generated column restarts on every line; the others run on.
  int64_t source = 0, line = 0, column = 0, name = 0;
  size_t gen_line = 0, seg_index = 0;
  size_t pos = 0;
  out.line_start_.push_back(0);
  std::string why;
  int64_t gen_column = 0;
  while (pos < m.size()) {
    char c = m[pos];
    if (c == ';') {
      ++pos;
      ++gen_line;
      seg_index = 0;
      gen_column = 0;
      out.line_start_.push_back(static_cast<uint32_t>(out.segments_.size()));
      continue;
    }
    if (c == ',') {
      ++pos;
      ++seg_index;
      continue;
    }
    int64_t f[5];
    int n = 0;
    while (pos < m.size() && m[pos] != ',' && m[pos] != ';') {
      if (n == 5) {
        return invalidArgument(mappingError(gen_line, seg_index, "more than 5 fields"));
      }
      if (!readVlq(m, &pos, &f[n], &why)) {
        return invalidArgument(mappingError(gen_line, seg_index, why));
      }
      ++n;
    }
    if (n != 1 && n != 4 && n != 5) {
      return invalidArgument(
          mappingError(gen_line, seg_index, std::to_string(n) + " fields (1, 4 or 5 expected)"));
    }
    SourceMap::Segment seg;
    gen_column += f[0];
    if (gen_column < 0 || gen_column > UINT32_MAX) {
      return invalidArgument(mappingError(gen_line, seg_index, "negative generated column"));
    }
    seg.column = static_cast<uint32_t>(gen_column);
    if (n >= 4) {
      source += f[1];
      line += f[2];
      column += f[3];
      if (source < 0 || static_cast<size_t>(source) >= out.sources_.size()) {
        return invalidArgument(mappingError(gen_line, seg_index, "source index out of range"));
      }
      if (line < 0 || column < 0 || line > UINT32_MAX || column > UINT32_MAX) {
        return invalidArgument(mappingError(gen_line, seg_index, "negative original position"));
      }
      seg.source = static_cast<int32_t>(source);
      seg.line = static_cast<uint32_t>(line);
      seg.original_column = static_cast<uint32_t>(column);
    }
    if (n == 5) {
      name += f[4];
      if (name < 0 || static_cast<size_t>(name) >= out.names_.size()) {
        return invalidArgument(mappingError(gen_line, seg_index, "name index out of range"));
      }
      seg.name = static_cast<int32_t>(name);
    }
    out.segments_.push_back(seg);
  }
  out.line_start_.push_back(static_cast<uint32_t>(out.segments_.size()));
  // Bundlers emit each line in column order; sort anyway so lookups can bisect.
  for (size_t i = 0; i + 1 < out.line_start_.size(); ++i) {
    std::stable_sort(out.segments_.begin() + out.line_start_[i],
                     out.segments_.begin() + out.line_start_[i + 1],
                     [](const auto& a, const auto& b) { return a.column < b.column; });
  }
  return out;
}

std::optional<OriginalPosition> SourceMap::lookup(uint32_t line, uint32_t column) const {
  if (static_cast<size_t>(line) + 1 >= line_start_.size()) return std::nullopt;
  auto begin = segments_.begin() + line_start_[line];
  auto end = segments_.begin() + line_start_[line + 1];
  auto it = std::upper_bound(begin, end, column,
                             [](uint32_t c, const Segment& s) { return c < s.column; });
  if (it == begin) return std::nullopt;
  const Segment& s = *(it - 1);
  if (s.source < 0) return std::nullopt;
  OriginalPosition p;
  p.source = sources_[static_cast<size_t>(s.source)];
  p.line = s.line;
  p.column = s.original_column;
  if (s.name >= 0) p.name = names_[static_cast<size_t>(s.name)];
  return p;
}

size_t SourceMap::memoryBytes() const {
  size_t n = sizeof(*this) + segments_.capacity() * sizeof(Segment) +
             line_start_.capacity() * sizeof(uint32_t);
  for (const std::string& s : sources_) n += sizeof(s) + s.capacity();
  for (const std::string& s : names_) n += sizeof(s) + s.capacity();
  return n;
}

std::optional<StackFrame> parseStackFrame(std::string_view raw) {
  std::string_view s = trimRight(raw);
  StackFrame f;
  size_t ind = 0;
  while (ind < s.size() && (s[ind] == ' ' || s[ind] == '\t')) ++ind;
  f.indent = s.substr(0, ind);
  bool paren = !s.empty() && s.back() == ')';
  if (paren) s.remove_suffix(1);
  size_t n = trailingNumber(s, &f.column);
  if (n == 0 || s.size() < n + 1 || s[s.size() - n - 1] != ':') return std::nullopt;
  s.remove_suffix(n + 1);
  n = trailingNumber(s, &f.line);
  if (n == 0 || s.size() < n + 1 || s[s.size() - n - 1] != ':') return std::nullopt;
  s.remove_suffix(n + 1);
  size_t delim = s.find_last_of(" \t(@");
  if (delim == std::string_view::npos || delim < ind) return std::nullopt;
  f.url = s.substr(delim + 1);
  if (f.url.empty()) return std::nullopt;
  char d = s[delim];
  std::string_view rest = s.substr(ind, delim - ind);  // before the delimiter, after the indent
  auto afterAt = [](std::string_view r, std::string_view* fn) {
    if (r == "at") {
      *fn = {};
      return true;
    }
    if (r.substr(0, 3) != "at ") return false;
    *fn = trimRight(r.substr(3));
    return true;
  };
  if (d == '(') {
    if (!paren || !afterAt(trimRight(rest), &f.function)) return std::nullopt;
  } else if (paren) {
    return std::nullopt;
  } else if (d == '@') {
    f.function = rest;  // Firefox / Safari: "fn@url", "@url"
  } else {
    rest = trimRight(rest);
    if (!rest.empty() && rest.back() == '@') {  // the SDK's "at fn @ url"
      rest.remove_suffix(1);
      if (!afterAt(trimRight(rest), &f.function)) return std::nullopt;
    } else if (rest != "at") {  // V8's "at url"
      return std::nullopt;
    }
  }
  return f;
}

SymbolicatedStack symbolicateStack(std::string_view stack, const MapResolver& resolve) {
  SymbolicatedStack out;
  out.text.reserve(stack.size() + stack.size() / 4);
  size_t start = 0;
  while (start <= stack.size()) {
    size_t nl = stack.find('\n', start);
    size_t end = nl == std::string_view::npos ? stack.size() : nl;
    std::string_view line = stack.substr(start, end - start);
    bool cr = !line.empty() && line.back() == '\r';
    std::optional<StackFrame> f = parseStackFrame(line);
    bool done = false;
    if (f) {
      ++out.frames;
      const SourceMap* map = resolve(f->url);
      std::optional<OriginalPosition> p;
      if (map != nullptr && f->line > 0) {
        p = map->lookup(f->line - 1, f->column > 0 ? f->column - 1 : 0);
      }
      if (p) {
        ++out.mapped;
        out.text += f->indent;
        out.text += "at ";
        if (!f->function.empty()) {
          out.text += f->function;
        } else if (!p->name.empty()) {
          out.text += p->name;
        } else {
          out.text += "<anonymous>";
        }
        out.text += " @ ";
        out.text += p->source;
        out.text += ':';
        out.text += std::to_string(p->line + 1);
        out.text += ':';
        out.text += std::to_string(p->column);
        if (cr) out.text += '\r';
        done = true;
      }
    }
    if (!done) out.text += line;
    if (nl == std::string_view::npos) break;
    out.text += '\n';
    start = nl + 1;
  }
  return out;
}

}  // namespace sextant::codec::sourcemap
