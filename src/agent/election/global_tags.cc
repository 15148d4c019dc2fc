#include "agent/election/global_tags.h"

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <set>
#include <utility>

namespace sextant::agent::election {

// ---------------------------------------------------------------------------------------------
// GlobalTags

GlobalTags::GlobalTags(TagMap host_tags, TagMap election_tags, bool election_enabled,
                       std::shared_ptr<TagPersister> persister)
    : election_enabled_(election_enabled),
      persister_(std::move(persister)),
      host_(std::make_shared<const TagMap>(std::move(host_tags))),
      election_(std::make_shared<const TagMap>(std::move(election_tags))) {}

std::atomic<TagSnapshot>& GlobalTags::slot(TagTable table) {
  return table == TagTable::kHost ? host_ : election_;
}

TagUpdate GlobalTags::set(TagTable table, const TagMap& set) {
  std::lock_guard<std::mutex> lock(write_mu_);
  TagUpdate result;
  if (persister_) result.persisted = persister_->apply(table, set, {});
  std::atomic<TagSnapshot>& s = slot(table);
  auto next = std::make_shared<TagMap>(*s.load(std::memory_order_acquire));
  for (const auto& [k, v] : set) {
    auto [it, inserted] = next->try_emplace(k, v);
    if (inserted) {
      result.changed = true;
    } else if (it->second != v) {
      it->second = v;
      result.changed = true;
    }
  }
  if (result.changed) s.store(std::move(next), std::memory_order_release);
  return result;
}

TagUpdate GlobalTags::remove(TagTable table, const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(write_mu_);
  TagUpdate result;
  if (persister_) result.persisted = persister_->apply(table, {}, keys);
  std::atomic<TagSnapshot>& s = slot(table);
  auto next = std::make_shared<TagMap>(*s.load(std::memory_order_acquire));
  for (const std::string& k : keys) {
    if (next->erase(k) > 0) result.changed = true;
  }
  if (result.changed) s.store(std::move(next), std::memory_order_release);
  return result;
}

// ---------------------------------------------------------------------------------------------
// A line-oriented TOML scanner: just enough to find table headers and key/value statements (with
// multi-line values) without being fooled by brackets or '#' inside strings.

namespace {

struct Stmt {
  enum Kind { kOther, kHeader, kArrayHeader, kKeyValue };
  Kind kind = kOther;
  size_t begin = 0;  // whole lines: [begin, end), including the final line break when present
  size_t end = 0;
  std::vector<std::string> path;  // header path or key path, unquoted
  size_t indent = 0;              // leading blanks of the first line
  size_t value_begin = 0;         // kKeyValue: the value without trailing blanks or comment
  size_t value_end = 0;
};

bool isBareKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : t_(text) {}

  Status scan(std::vector<Stmt>* out) {
    while (p_ < t_.size()) {
      Stmt s;
      s.begin = p_;
      skipBlanks();
      s.indent = p_ - s.begin;
      if (p_ >= t_.size()) {
        // trailing blanks without a line break
      } else if (t_[p_] == '\n' || t_[p_] == '#' || lineBreakAt(p_)) {
        skipToLineEnd();
        consumeLineBreak();
      } else if (t_[p_] == '[') {
        SEXTANT_RETURN_IF_ERROR(header(&s));
      } else {
        SEXTANT_RETURN_IF_ERROR(keyValue(&s));
      }
      s.end = p_;
      out->push_back(std::move(s));
    }
    return Status::ok();
  }

  // Decodes one single-line basic or literal string spanning exactly `text`.
  static bool simpleString(std::string_view text, std::string* out) {
    Scanner sc(text);
    if (text.empty() || (text[0] != '"' && text[0] != '\'')) return false;
    if (text.size() >= 3 && text[1] == text[0] && text[2] == text[0]) return false;  // multi-line
    if (!sc.quotedKey(out).isOk()) return false;
    return sc.p_ == text.size();
  }

 private:
  Status error(std::string_view what) const {
    return invalidArgument("line " + std::to_string(line_) + ": " + std::string(what));
  }
  bool lineBreakAt(size_t p) const {
    return t_[p] == '\n' || (t_[p] == '\r' && p + 1 < t_.size() && t_[p + 1] == '\n');
  }
  void skipBlanks() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t')) ++p_;
  }
  void skipToLineEnd() {
    while (p_ < t_.size() && !lineBreakAt(p_)) ++p_;
  }
  void consumeLineBreak() {
    if (p_ < t_.size() && t_[p_] == '\r') ++p_;
    if (p_ < t_.size() && t_[p_] == '\n') {
      ++p_;
      ++line_;
    }
  }
  // After a header or value: blanks, an optional comment, then the line break (or the end).
  Status lineTail() {
    skipBlanks();
    if (p_ < t_.size() && t_[p_] == '#') skipToLineEnd();
    if (p_ < t_.size() && !lineBreakAt(p_)) return error("unexpected text after a value");
    consumeLineBreak();
    return Status::ok();
  }

  // A "..." (with escapes) or '...' string on one line; p_ at the opening quote.
  Status quotedKey(std::string* out) {
    char q = t_[p_++];
    out->clear();
    while (p_ < t_.size()) {
      char c = t_[p_];
      if (c == '\n') break;
      ++p_;
      if (c == q) return Status::ok();
      if (c == '\\' && q == '"') {
        if (p_ >= t_.size()) break;
        char e = t_[p_++];
        switch (e) {
          case 'b': out->push_back('\b'); break;
          case 't': out->push_back('\t'); break;
          case 'n': out->push_back('\n'); break;
          case 'f': out->push_back('\f'); break;
          case 'r': out->push_back('\r'); break;
          case '"': out->push_back('"'); break;
          case '\\': out->push_back('\\'); break;
          case 'u':
          case 'U': {
            size_t n = e == 'u' ? 4 : 8;
            if (p_ + n > t_.size()) return error("bad escape");
            uint32_t cp = 0;
            for (size_t i = 0; i < n; ++i) {
              char h = t_[p_ + i];
              int d = (h >= '0' && h <= '9')   ? h - '0'
                      : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                      : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                               : -1;
              if (d < 0) return error("bad escape");
              cp = cp * 16 + static_cast<uint32_t>(d);
            }
            p_ += n;
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return error("bad escape");
            if (cp < 0x80) {
              out->push_back(static_cast<char>(cp));
            } else if (cp < 0x800) {
              out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
              out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            } else if (cp < 0x10000) {
              out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
              out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
              out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            } else {
              out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
              out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
              out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
              out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            }
            break;
          }
          default: return error("bad escape");
        }
        continue;
      }
      out->push_back(c);
    }
    return error("unterminated string");
  }

  Status keyPath(std::vector<std::string>* path) {
    path->clear();
    for (;;) {
      skipBlanks();
      if (p_ >= t_.size()) return error("missing key");
      std::string part;
      if (t_[p_] == '"' || t_[p_] == '\'') {
        SEXTANT_RETURN_IF_ERROR(quotedKey(&part));
      } else {
        size_t b = p_;
        while (p_ < t_.size() && isBareKeyChar(t_[p_])) ++p_;
        if (p_ == b) return error("bad key");
        part.assign(t_.substr(b, p_ - b));
      }
      path->push_back(std::move(part));
      size_t after = p_;
      skipBlanks();
      if (p_ < t_.size() && t_[p_] == '.') {
        ++p_;
        continue;
      }
      p_ = after;
      return Status::ok();
    }
  }

  Status header(Stmt* s) {
    ++p_;
    s->kind = Stmt::kHeader;
    if (p_ < t_.size() && t_[p_] == '[') {
      ++p_;
      s->kind = Stmt::kArrayHeader;
    }
    SEXTANT_RETURN_IF_ERROR(keyPath(&s->path));
    skipBlanks();
    if (p_ >= t_.size() || t_[p_] != ']') return error("bad table header");
    ++p_;
    if (s->kind == Stmt::kArrayHeader) {
      if (p_ >= t_.size() || t_[p_] != ']') return error("bad table header");
      ++p_;
    }
    return lineTail();
  }

  Status keyValue(Stmt* s) {
    s->kind = Stmt::kKeyValue;
    SEXTANT_RETURN_IF_ERROR(keyPath(&s->path));
    skipBlanks();
    if (p_ >= t_.size() || t_[p_] != '=') return error("expected '=' after a key");
    ++p_;
    skipBlanks();
    s->value_begin = p_;
    s->value_end = p_;
    return value(s);
  }

  // Skips a value up to the end of its statement (its last line break), tracking strings,
  // comments and bracket depth; records where the value's text ends on its last line.
  Status value(Stmt* s) {
    int depth = 0;
    while (p_ < t_.size()) {
      char c = t_[p_];
      if (c == '\n' || (c == '\r' && lineBreakAt(p_))) {
        consumeLineBreak();
        if (depth == 0) return Status::ok();
        continue;
      }
      if (c == ' ' || c == '\t') {
        ++p_;
        continue;
      }
      if (c == '#') {
        skipToLineEnd();
        continue;
      }
      if (c == '"' || c == '\'') {
        if (p_ + 2 < t_.size() && t_[p_ + 1] == c && t_[p_ + 2] == c) {
          SEXTANT_RETURN_IF_ERROR(multiLineString(c));
        } else {
          std::string ignored;
          SEXTANT_RETURN_IF_ERROR(quotedKey(&ignored));
        }
      } else {
        if (c == '[' || c == '{') ++depth;
        if (c == ']' || c == '}') {
          if (--depth < 0) return error("unbalanced bracket");
        }
        ++p_;
      }
      s->value_end = p_;
    }
    if (depth != 0) return error("unterminated array or inline table");
    return Status::ok();
  }

  Status multiLineString(char q) {
    const int start_line = line_;
    p_ += 3;
    while (p_ < t_.size()) {
      char c = t_[p_];
      if (c == '\\' && q == '"') {
        if (p_ + 1 < t_.size() && t_[p_ + 1] == '\n') ++line_;
        p_ += 2;
        continue;
      }
      if (c == '\n') ++line_;
      if (c == q && p_ + 2 < t_.size() && t_[p_ + 1] == q && t_[p_ + 2] == q) {
        p_ += 3;
        for (int i = 0; i < 2 && p_ < t_.size() && t_[p_] == q; ++i) ++p_;  // """a""""" etc.
        return Status::ok();
      }
      ++p_;
    }
    line_ = start_line;  // name the line the string opened on
    return error("unterminated multi-line string");
  }

  std::string_view t_;
  size_t p_ = 0;
  int line_ = 1;
};

std::vector<std::string> splitDotted(std::string_view name) {
  std::vector<std::string> parts;
  size_t b = 0;
  for (;;) {
    size_t dot = name.find('.', b);
    parts.emplace_back(name.substr(b, dot == std::string_view::npos ? dot : dot - b));
    if (dot == std::string_view::npos) break;
    b = dot + 1;
  }
  return parts;
}

void appendTomlString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\f': out->append("\\f"); break;
      case '\r': out->append("\\r"); break;
      default:
        if (u < 0x20 || u == 0x7F) {
          out->append("\\u00");
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void appendTomlKey(std::string_view key, std::string* out) {
  bool bare = !key.empty();
  for (char c : key) bare = bare && isBareKeyChar(c);
  if (bare) {
    out->append(key);
  } else {
    appendTomlString(key, out);
  }
}

}  // namespace

Result<std::string> replaceTomlTable(std::string_view toml_text, std::string_view table_name,
                                     const TagMap& values) {
  std::vector<Stmt> stmts;
  if (Status st = Scanner(toml_text).scan(&stmts); !st.isOk()) {
    return invalidArgument("TOML: " + st.message());
  }
  const std::vector<std::string> want = splitDotted(table_name);

  size_t header = stmts.size();
  for (size_t i = 0; i < stmts.size(); ++i) {
    if (stmts[i].path != want) continue;
    if (stmts[i].kind == Stmt::kArrayHeader) {
      return invalidArgument("TOML: [[" + std::string(table_name) + "]] is an array of tables");
    }
    if (stmts[i].kind == Stmt::kHeader) {
      header = i;
      break;
    }
  }

  auto entry = [&](std::string_view indent, std::string_view key, std::string_view value,
                   std::string_view line_break, std::string* out) {
    out->append(indent);
    appendTomlKey(key, out);
    out->append(" = ");
    appendTomlString(value, out);
    out->append(line_break);
  };

  if (header == stmts.size()) {
    std::string out(toml_text);
    if (values.empty()) return out;
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
    if (!out.empty()) out.push_back('\n');
    out.append("[").append(table_name).append("]\n");
    for (const auto& [k, v] : values) entry("  ", k, v, "\n", &out);
    return out;
  }

  size_t body_end = header + 1;
  while (body_end < stmts.size() && stmts[body_end].kind != Stmt::kHeader &&
         stmts[body_end].kind != Stmt::kArrayHeader) {
    ++body_end;
  }
  size_t insert_after = header;  // new keys go after this statement
  std::string indent = "  ";
  for (size_t i = header + 1; i < body_end; ++i) {
    if (stmts[i].kind != Stmt::kKeyValue) continue;
    insert_after = i;
    indent.assign(toml_text.substr(stmts[i].begin, stmts[i].indent));
  }

  std::set<std::string> written;
  std::string out;
  out.reserve(toml_text.size() + 64 * values.size());
  for (size_t i = 0; i < stmts.size(); ++i) {
    const Stmt& s = stmts[i];
    std::string_view original = toml_text.substr(s.begin, s.end - s.begin);
    if (i <= header || i >= body_end || s.kind != Stmt::kKeyValue || s.path.size() != 1) {
      out.append(original);
    } else {
      const std::string& key = s.path[0];
      auto it = values.find(key);
      if (it != values.end() && written.insert(key).second) {
        std::string current;
        if (Scanner::simpleString(toml_text.substr(s.value_begin, s.value_end - s.value_begin),
                                  &current) &&
            current == it->second) {
          out.append(original);
        } else {
          // Everything but the value stays: indent, key, spacing, a trailing comment.
          out.append(toml_text.substr(s.begin, s.value_begin - s.begin));
          appendTomlString(it->second, &out);
          out.append(toml_text.substr(s.value_end, s.end - s.value_end));
        }
      }
      // else: not wanted (or a duplicate): dropped
    }
    if (i == insert_after) {
      for (const auto& [k, v] : values) {
        if (written.count(k) != 0) continue;  // its own entry came before
        if (!out.empty() && out.back() != '\n') out.push_back('\n');
        entry(indent, k, v, "\n", &out);
        written.insert(k);
      }
    }
  }
  return out;
}

namespace {

Result<toml::table> parseToml(std::string_view text) {
  toml::parse_result parsed = toml::parse(text);
  if (!parsed) {
    const auto& err = parsed.error();
    return invalidArgument("TOML line " + std::to_string(err.source().begin.line) + ": " +
                           std::string(err.description()));
  }
  return std::move(parsed).table();
}

}  // namespace

Result<TagMap> readTomlStringTable(std::string_view toml_text, std::string_view table_name) {
  Result<toml::table> doc = parseToml(toml_text);
  if (!doc.isOk()) return doc.status();
  const toml::table* t = &doc.value();
  for (const std::string& part : splitDotted(table_name)) {
    const toml::node* n = t->get(part);
    if (n == nullptr) return TagMap{};
    t = n->as_table();
    if (t == nullptr) {
      return invalidArgument("[" + std::string(table_name) + "]: " + part + " is not a table");
    }
  }
  TagMap out;
  for (const auto& [k, v] : *t) {
    std::optional<std::string> s = v.value<std::string>();
    if (!v.is_string() || !s) {
      return invalidArgument("[" + std::string(table_name) + "] " + std::string(k.str()) +
                             ": not a string");
    }
    out.emplace(std::string(k.str()), std::move(*s));
  }
  return out;
}

Status ConfFilePersister::apply(TagTable table, const TagMap& set,
                                const std::vector<std::string>& remove) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string_view name = table == TagTable::kHost ? "global_host_tags" : "election.tags";
  Result<std::string> text = fs_.readFile(path_);
  if (!text.isOk()) return text.status();
  Result<TagMap> current = readTomlStringTable(*text, name);
  if (!current.isOk()) return invalidArgument(path_ + ": " + current.status().message());

  TagMap merged = *current;
  for (const auto& [k, v] : set) merged[k] = v;
  for (const std::string& k : remove) merged.erase(k);
  if (merged == *current) return Status::ok();  // DataKit dumps only on a change

  Result<std::string> rewritten = replaceTomlTable(*text, name, merged);
  if (!rewritten.isOk()) return invalidArgument(path_ + ": " + rewritten.status().message());
  Result<TagMap> check = readTomlStringTable(*rewritten, name);
  if (!check.isOk() || *check != merged) {
    return internalError(path_ + ": cannot rewrite [" + std::string(name) + "] in place" +
                         (check.isOk() ? "" : ": " + check.status().message()));
  }
  return writeFileAtomically(fs_, path_, *rewritten);
}

}  // namespace sextant::agent::election
