// Grok expansion and matching. See grok.h.
#include "pipeline/funcs/grok.h"

#include <re2/re2.h>

#include <algorithm>
#include <cassert>
#include <map>
#include <utility>

#include "pipeline/funcs/grok_patterns.h"

namespace sextant::pipeline::funcs {

namespace {

bool isNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// Capture names may also hold '@', '[', ']' and '/' (DataKit field names such as
// "[nginx][access]"), never '}' or ':'.
bool isCaptureChar(char c) {
  return isNameChar(c) || c == '@' || c == '[' || c == ']' || c == '/' || c == '$';
}

bool validType(std::string_view t) {
  return t.empty() || t == "int" || t == "float" || t == "str" || t == "string" || t == "bool";
}

struct Ref {
  std::string_view name, capture, type;
  size_t end;  // index just past the closing '}'
};

// Parses "%{...}" starting at text[pos] == '%' (text[pos+1] == '{').
Result<Ref> parseRef(std::string_view text, size_t pos) {
  size_t close = text.find('}', pos + 2);
  if (close == std::string_view::npos) {
    return invalidArgument("grok: unterminated %{ at offset " + std::to_string(pos));
  }
  std::string_view body = text.substr(pos + 2, close - pos - 2);
  Ref r{};
  r.end = close + 1;
  size_t c1 = body.find(':');
  r.name = body.substr(0, c1);
  if (c1 != std::string_view::npos) {
    std::string_view rest = body.substr(c1 + 1);
    size_t c2 = rest.find(':');
    r.capture = rest.substr(0, c2);
    if (c2 != std::string_view::npos) r.type = rest.substr(c2 + 1);
    if (r.capture.empty())
      return invalidArgument("grok: empty capture name in %{" + std::string(body) + "}");
  }
  if (r.name.empty())
    return invalidArgument("grok: empty pattern name at offset " + std::to_string(pos));
  for (char c : r.name) {
    if (!isNameChar(c))
      return invalidArgument("grok: bad pattern name in %{" + std::string(body) + "}");
  }
  for (char c : r.capture) {
    if (!isCaptureChar(c))
      return invalidArgument("grok: bad capture name in %{" + std::string(body) + "}");
  }
  if (!validType(r.type)) {
    return invalidArgument("grok: unknown type '" + std::string(r.type) +
                           "' (int, float, str, bool)");
  }
  return r;
}

// Checks every %{...} reference of a pattern is well formed.
Status checkRefs(std::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
      continue;
    }
    if (text[i] == '%' && text[i + 1] == '{') {
      Result<Ref> r = parseRef(text, i);
      if (!r.isOk()) return r.status();
      i = r->end - 1;
    }
  }
  return Status::ok();
}

struct Expander {
  const GrokLibrary& lib;
  std::string out;
  std::vector<GrokCapture> groups;  // index k <-> RE2 group named "_gk"
  std::vector<std::string> stack;   // names being expanded (cycle detection)

  Status openGroup(std::string name, std::string type) {
    out += "(?P<_g" + std::to_string(groups.size()) + ">";
    groups.push_back(GrokCapture{std::move(name), "", std::move(type)});
    return Status::ok();
  }

  Status expand(std::string_view text, int depth) {
    if (depth > GrokPattern::kMaxDepth) {
      return outOfRange("grok: patterns nested deeper than " +
                        std::to_string(GrokPattern::kMaxDepth));
    }
    bool in_class = false;
    for (size_t i = 0; i < text.size(); ++i) {
      if (out.size() > GrokPattern::kMaxExpandedSize) {
        return outOfRange("grok: expanded pattern larger than " +
                          std::to_string(GrokPattern::kMaxExpandedSize) + " bytes");
      }
      char c = text[i];
      if (c == '\\') {
        out += c;
        if (i + 1 < text.size()) out += text[++i];
        continue;
      }
      if (in_class) {
        if (c == ']') in_class = false;
        out += c;
        continue;
      }
      if (c == '[') {
        in_class = true;
        out += c;
        // A ']' right after '[' or '[^' is a literal.
        if (i + 1 < text.size() && text[i + 1] == '^') out += text[++i];
        if (i + 1 < text.size() && text[i + 1] == ']') out += text[++i];
        continue;
      }
      if (c == '%' && i + 1 < text.size() && text[i + 1] == '{') {
        Result<Ref> r = parseRef(text, i);
        if (!r.isOk()) return r.status();
        const std::string* body = lib.find(r->name);
        if (body == nullptr)
          return invalidArgument("grok: no pattern named " + std::string(r->name));
        for (const std::string& s : stack) {
          if (s == r->name) return invalidArgument("grok: pattern " + s + " refers to itself");
        }
        if (r->capture.empty()) {
          out += "(?:";
        } else {
          std::string type(r->type);
          if (type == "string") type = "str";
          SEXTANT_RETURN_IF_ERROR(openGroup(std::string(r->capture), std::move(type)));
        }
        stack.emplace_back(r->name);
        SEXTANT_RETURN_IF_ERROR(expand(*body, depth + 1));
        stack.pop_back();
        out += ')';
        i = r->end - 1;
        continue;
      }
      if (c == '(' && i + 2 < text.size() && text[i + 1] == '?') {
        // Oniguruma (?<name>...) and Python (?P<name>...) named groups.
        size_t name_start = 0;
        if (text[i + 2] == '<' && i + 3 < text.size() && text[i + 3] != '=' && text[i + 3] != '!') {
          name_start = i + 3;
        } else if (text[i + 2] == 'P' && i + 3 < text.size() && text[i + 3] == '<') {
          name_start = i + 4;
        }
        if (name_start != 0) {
          size_t close = text.find('>', name_start);
          if (close == std::string_view::npos)
            return invalidArgument("grok: unterminated (?<name>");
          std::string_view name = text.substr(name_start, close - name_start);
          if (name.empty()) return invalidArgument("grok: empty group name");
          for (char nc : name) {
            if (!isCaptureChar(nc))
              return invalidArgument("grok: bad group name " + std::string(name));
          }
          SEXTANT_RETURN_IF_ERROR(openGroup(std::string(name), ""));
          i = close;
          continue;
        }
      }
      out += c;
    }
    return Status::ok();
  }
};

}  // namespace

const GrokLibrary& GrokLibrary::builtin() {
  static const GrokLibrary lib = [] {
    GrokLibrary l;
    Status st = l.loadFile(builtinGrokPatternText());
    assert(st.isOk() && "builtin grok pattern file must parse");
    (void)st;
    return l;
  }();
  return lib;
}

Status GrokLibrary::add(std::string name, std::string pattern) {
  if (name.empty()) return invalidArgument("grok: empty pattern name");
  for (char c : name) {
    if (!isNameChar(c)) return invalidArgument("grok: bad pattern name '" + name + "'");
  }
  if (pattern.empty()) return invalidArgument("grok: empty pattern for " + name);
  SEXTANT_RETURN_IF_ERROR(checkRefs(pattern));
  patterns_[std::move(name)] = std::move(pattern);
  return Status::ok();
}

Status GrokLibrary::loadFile(std::string_view text) {
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string_view::npos || line[b] == '#') continue;
    line = line.substr(b);
    size_t sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos) {
      return invalidArgument("grok pattern file line " + std::to_string(line_no) +
                             ": no pattern after name");
    }
    std::string_view name = line.substr(0, sp);
    std::string_view pat = line.substr(sp);
    pat.remove_prefix(std::min(pat.size(), pat.find_first_not_of(" \t")));
    Status st = add(std::string(name), std::string(pat));
    if (!st.isOk()) {
      return invalidArgument("grok pattern file line " + std::to_string(line_no) + ": " +
                             st.message());
    }
  }
  return Status::ok();
}

const std::string* GrokLibrary::find(std::string_view name) const {
  auto it = patterns_.find(name);
  return it == patterns_.end() ? nullptr : &it->second;
}

std::vector<std::string> GrokLibrary::names() const {
  std::vector<std::string> out;
  out.reserve(patterns_.size());
  for (const auto& [name, pattern] : patterns_) out.push_back(name);
  return out;
}

struct GrokPattern::Compiled {
  std::string expanded;
  std::unique_ptr<RE2> re;
  int ngroups = 0;
  // For each RE2 group index (1-based; 0 unused): the output slot, or -1.
  std::vector<int> slot_of_group;
  std::vector<GrokCapture> outputs;  // unique names, first-appearance order, empty values
};

Result<GrokPattern> GrokPattern::compile(std::string_view pattern, const GrokLibrary& library) {
  if (pattern.empty()) return invalidArgument("grok: empty pattern");
  if (pattern.size() > kMaxExpandedSize) return outOfRange("grok: pattern too large");
  Expander ex{library, {}, {}, {}};
  SEXTANT_RETURN_IF_ERROR(ex.expand(pattern, 0));
  if (ex.out.size() > kMaxExpandedSize) return outOfRange("grok: expanded pattern too large");

  auto c = std::make_shared<Compiled>();
  c->expanded = std::move(ex.out);
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(64 << 20);
  c->re = std::make_unique<RE2>(c->expanded, opts);
  if (!c->re->ok()) return invalidArgument("grok: bad regular expression: " + c->re->error());
  c->ngroups = c->re->NumberOfCapturingGroups();
  c->slot_of_group.assign(static_cast<size_t>(c->ngroups) + 1, -1);
  std::map<std::string, int, std::less<>> slot_by_name;
  std::vector<std::pair<int, size_t>> named;  // group index, ex.groups index
  for (const auto& [gname, idx] : c->re->NamedCapturingGroups()) {
    if (gname.size() > 2 && gname[0] == '_' && gname[1] == 'g') {
      size_t k = std::stoul(gname.substr(2));
      if (k < ex.groups.size()) named.emplace_back(idx, k);
    }
  }
  std::sort(named.begin(), named.end());
  for (const auto& [idx, k] : named) {
    const GrokCapture& g = ex.groups[k];
    auto it = slot_by_name.find(g.name);
    int slot;
    if (it == slot_by_name.end()) {
      slot = static_cast<int>(c->outputs.size());
      slot_by_name.emplace(g.name, slot);
      c->outputs.push_back(g);
    } else {
      slot = it->second;
      if (c->outputs[static_cast<size_t>(slot)].type.empty())
        c->outputs[static_cast<size_t>(slot)].type = g.type;
    }
    c->slot_of_group[static_cast<size_t>(idx)] = slot;
  }
  return GrokPattern(std::move(c));
}

bool GrokPattern::match(std::string_view text, std::vector<GrokCapture>* out) const {
  const Compiled& c = *c_;
  std::vector<re2::StringPiece> sub(static_cast<size_t>(c.ngroups) + 1);
  if (!c.re->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED,
                   sub.data(), static_cast<int>(sub.size()))) {
    return false;
  }
  if (out == nullptr) return true;
  *out = c.outputs;
  std::vector<bool> set(out->size(), false);
  for (size_t g = 1; g < sub.size(); ++g) {
    int slot = c.slot_of_group[g];
    if (slot < 0 || sub[g].data() == nullptr) continue;
    auto s = static_cast<size_t>(slot);
    if (set[s] || sub[g].empty()) continue;
    (*out)[s].value.assign(sub[g].data(), sub[g].size());
    set[s] = true;
  }
  return true;
}

const std::string& GrokPattern::expanded() const { return c_->expanded; }

}  // namespace sextant::pipeline::funcs
