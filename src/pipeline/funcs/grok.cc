// Grok expansion and matching. See grok.h.
#include "pipeline/funcs/grok.h"

#include <re2/re2.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cstring>
#include <map>
#include <optional>
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

// Capture extraction by pieces. RE2 finds where a pattern matches with its DFA (fast), but
// extracting captures needs a second pass (OnePass, BitState or NFA) over the whole program, whose
// cost grows with the program's size: a grok pattern of a dozen fields spent ~95% of its time
// there. So the expanded pattern is also cut, at the top level, into pieces X1 X2 ... Xn (each
// capturing group with the literal text right after it; the text between groups; plain (?:...)
// groups are opened first), each compiled on its own, and the pieces are matched one after the
// other, each anchored where the previous one ended (RE2's first-priority match of Xi alone).
// Leftmost-first (backtracking) priority orders the matches of X1...Xn lexicographically by the
// matches of X1, then X2...; so when every piece matches from p, the sequence is the
// first-priority match of the whole pattern from p. Tried from the line's start first (then it is
// also the leftmost match), else from the start of the match RE2's DFAs find. When a piece fails
// (an earlier piece should have given back text), RE2's own capture pass over that match decides.
// One optional group (?:X)? is cut too: its X-branch comes first in priority, and when a piece of
// X fails while X cannot match there at all, the empty branch is the only one left.
namespace {

struct Piece {
  std::string literal;      // the piece when it is plain text (matched with memcmp)
  std::unique_ptr<RE2> re;  // otherwise
  int first_group = 0;      // the whole pattern's group number of the piece's group 1
  int ngroups = 0;
  // `(R)L`: one capturing group, without groups inside, then literal text L of this length. The
  // group is the piece's match less L, so the DFA's match (no capture pass) is enough.
  bool simple = false;
  size_t suffix = 0;
  // (?:X)?: the next body_pieces pieces are X's; `re` is the whole (?:X), tried when one of them
  // fails, to tell "X cannot match here" (go on after it, its groups unset) from "an earlier
  // piece must give back text" (fall back).
  bool optional = false;
  size_t body_pieces = 0;
};

// Skips a character class starting at re[i] == '['; returns the index just past its ']', or npos.
size_t skipClass(std::string_view re, size_t i) {
  ++i;
  if (i < re.size() && re[i] == '^') ++i;
  if (i < re.size() && re[i] == ']') ++i;  // a leading ']' is a literal
  while (i < re.size()) {
    if (re[i] == '\\') {
      i += 2;
    } else if (re[i] == '[' && i + 1 < re.size() && re[i + 1] == ':') {
      size_t close = re.find(":]", i + 2);
      if (close == std::string_view::npos) return std::string_view::npos;
      i = close + 2;
    } else if (re[i] == ']') {
      return i + 1;
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

// Steps *i over the escape (\x) or character class at re[*i]: true when there was one (*i is npos
// when a class is unterminated), false (and *i unchanged) otherwise.
bool skipEscapeOrClass(std::string_view re, size_t* i) {
  if (re[*i] == '\\') {
    *i = std::min(*i + 2, re.size());
    return true;
  }
  if (re[*i] == '[') {
    *i = skipClass(re, *i);
    return true;
  }
  return false;
}

// A run of pattern text: a top-level capturing group (or a group holding one) with its
// quantifier, or the text between two of them.
struct Run {
  std::string_view text;
  bool capture = false;
  bool quantified = false;
  // An optional group (?:X)? whose body X is cut too: the next `body_runs` runs are X's.
  bool optional = false;
  size_t body_runs = 0;
};

// The length of the quantifier at re[i] (*, +, ?, {n}, {n,}, {n,m}, each maybe followed by '?'),
// or 0.
size_t quantifierLength(std::string_view re, size_t i) {
  if (i >= re.size()) return 0;
  size_t j = i;
  if (re[j] == '*' || re[j] == '+' || re[j] == '?') {
    ++j;
  } else if (re[j] == '{') {
    size_t k = j + 1;
    size_t digits = 0;
    while (k < re.size() && std::isdigit(static_cast<unsigned char>(re[k]))) ++k, ++digits;
    if (digits == 0) return 0;
    if (k < re.size() && re[k] == ',') {
      ++k;
      while (k < re.size() && std::isdigit(static_cast<unsigned char>(re[k]))) ++k;
    }
    if (k >= re.size() || re[k] != '}') return 0;
    j = k + 1;
  } else {
    return 0;
  }
  if (j < re.size() && re[j] == '?') ++j;
  return j - i;
}

// Finds the ')' closing the group opened at re[i] == '('; npos when unbalanced. *captures is set
// when the group is or holds a capturing group, *flags when it holds a flag setting such as (?i).
size_t closeGroup(std::string_view re, size_t i, bool* captures, bool* flags) {
  int depth = 0;
  while (i < re.size()) {
    if (skipEscapeOrClass(re, &i)) {
      if (i == std::string_view::npos) return i;
      continue;
    }
    char c = re[i];
    if (c == '(') {
      ++depth;
      if (i + 1 < re.size() && re[i + 1] == '?') {
        size_t j = i + 2;
        if (j < re.size() && (re[j] == '<' || re[j] == 'P')) {
          *captures = true;
        } else {
          while (j < re.size() && re[j] != ':' && re[j] != ')') ++j;
          if (j >= re.size() || re[j] == ')') *flags = true;
        }
      } else {
        *captures = true;
      }
    } else if (c == ')') {
      if (--depth == 0) return i;
    }
    ++i;
  }
  return std::string_view::npos;
}

// Splits re (a concatenation) into runs (see Run); a non-capturing group (?:...) without a
// quantifier whose body has no top-level '|' is opened (its body is concatenated in its place, as
// it means the same). False when re cannot be cut: a top-level '|', a flag setting (it applies to
// what follows), or anything unbalanced (\Q...\E is refused before).
bool splitRuns(std::string_view re, std::vector<Run>* runs, bool open_optional) {
  size_t run_start = 0;
  auto flush = [&](size_t end) {
    if (end > run_start) runs->push_back(Run{re.substr(run_start, end - run_start)});
  };
  size_t i = 0;
  while (i < re.size()) {
    if (skipEscapeOrClass(re, &i)) {
      if (i == std::string_view::npos) return false;
      continue;
    }
    char c = re[i];
    if (c == '|' || c == ')') return false;
    if (c != '(') {
      ++i;
      continue;
    }
    bool captures = false, flags = false;
    size_t close = closeGroup(re, i, &captures, &flags);
    if (close == std::string_view::npos || flags) return false;
    size_t quant = quantifierLength(re, close + 1);
    if (quant == 0 && close + 1 < re.size() && re[close + 1] == '{') return false;  // odd '{'
    if (!captures) {
      i = close + 1;
      continue;
    }
    if (quant == 1 && re[close + 1] == '?' && open_optional && re.substr(i, 3) == "(?:") {
      // (?:X)? tries X first, then nothing: X is cut too (not an optional inside it).
      std::vector<Run> inner;
      if (splitRuns(re.substr(i + 3, close - i - 3), &inner, false)) {
        flush(i);
        runs->push_back(Run{re.substr(i, close + 1 - i), false, false, true, inner.size()});
        runs->insert(runs->end(), inner.begin(), inner.end());
        i = close + 2;
        run_start = i;
        continue;
      }
    }
    if (quant == 0 && re.substr(i, 3) == "(?:") {
      std::vector<Run> inner;
      if (splitRuns(re.substr(i + 3, close - i - 3), &inner, open_optional)) {
        flush(i);
        runs->insert(runs->end(), inner.begin(), inner.end());
        i = close + 1;
        run_start = i;
        continue;
      }
    }
    flush(i);
    runs->push_back(Run{re.substr(i, close + 1 + quant - i), true, quant != 0});
    i = close + 1 + quant;
    run_start = i;
  }
  flush(re.size());
  return true;
}

// The longest prefix of re made of literal characters (ASCII letters, digits, space and
// punctuation that is not an operator, or escaped punctuation) none of which a quantifier
// follows: *text is set to those characters, unescaped, and the prefix's length is returned.
size_t literalPrefix(std::string_view re, std::string* text) {
  text->clear();
  size_t i = 0;
  while (i < re.size()) {
    auto c = static_cast<unsigned char>(re[i]);
    size_t len = 1;
    if (c == '\\') {
      if (i + 1 >= re.size()) break;
      c = static_cast<unsigned char>(re[i + 1]);
      if (c < 0x21 || c > 0x7e || std::isalnum(c)) break;
      len = 2;
    } else if (c < 0x20 || c > 0x7e ||
               std::string_view(".+*?()|[]{}^$").find(static_cast<char>(c)) !=
                   std::string_view::npos) {
      break;
    }
    if (i + len < re.size() && std::string_view("*+?{").find(re[i + len]) != std::string_view::npos)
      break;
    *text += static_cast<char>(c);
    i += len;
  }
  return i;
}

}  // namespace

struct GrokPattern::Compiled {
  std::string expanded;
  std::unique_ptr<RE2> re;
  int ngroups = 0;
  // For each RE2 group index (1-based; 0 unused): the output slot, or -1.
  std::vector<int> slot_of_group;
  std::vector<GrokCapture> outputs;  // unique names, first-appearance order, empty values
  std::vector<Piece> pieces;         // empty: not cut (see above)

  // Cuts `expanded` into `pieces` when it can (see above); leaves them empty otherwise.
  void cut(const RE2::Options& opts);
  // Matches the pieces one after the other from text[begin], within text[..end): on success
  // sub[0..ngroups] are set (sub[0]: the whole match) and true is returned.
  bool captureByPieces(std::string_view text, size_t begin, size_t end,
                       re2::StringPiece* sub) const;
  // Fills *sub (group 0 and every group) for a match in text; false when there is none.
  bool findGroups(std::string_view text, bool split, std::vector<re2::StringPiece>* sub) const;
};

void GrokPattern::Compiled::cut(const RE2::Options& opts) {
  // \Q...\E quotes parentheses and brackets: never cut a pattern that may hold one.
  if (expanded.find("\\Q") != std::string::npos) return;
  std::vector<Run> runs;
  if (!splitRuns(expanded, &runs, true)) return;
  std::vector<Piece> out;
  int group = 1;
  std::string lit;
  size_t optional_piece = 0, optional_end = 0;  // the open optional's piece and end run
  for (size_t k = 0; k < runs.size(); ++k) {
    if (optional_end != 0 && k == optional_end) {
      out[optional_piece].body_pieces = out.size() - optional_piece - 1;
      optional_end = 0;
    }
    Piece p;
    p.first_group = group;
    std::string text(runs[k].text);
    if (runs[k].optional) {
      p.optional = true;
      p.re = std::make_unique<RE2>(text, opts);
      if (!p.re->ok()) return;
      optional_piece = out.size();
      optional_end = k + 1 + runs[k].body_runs;
      out.push_back(std::move(p));
      continue;
    }
    if (runs[k].capture) {
      std::string_view t = runs[k].text;
      p.simple = !runs[k].quantified && t.back() == ')' &&
                 (t.substr(0, 4) == "(?P<" || t.substr(0, 3) == "(?<" || t.substr(0, 2) != "(?");
      if (k + 1 < runs.size() && !runs[k + 1].capture && !runs[k + 1].optional &&
          k + 1 != optional_end && !runs[k].quantified) {
        // Literal text right after the group joins its piece (a lazy or greedy group then ends
        // where the whole pattern would end it, more often than not).
        size_t n = literalPrefix(runs[k + 1].text, &lit);
        text += runs[k + 1].text.substr(0, n);
        p.suffix = lit.size();
        runs[k + 1].text.remove_prefix(n);
      }
    } else {
      if (text.empty()) continue;
      if (literalPrefix(text, &lit) == text.size()) p.literal = lit;
    }
    if (p.literal.empty()) {
      p.re = std::make_unique<RE2>(text, opts);
      if (!p.re->ok()) return;  // not cut: the whole pattern still matches as one
      p.ngroups = p.re->NumberOfCapturingGroups();
      if (p.ngroups != 1) p.simple = false;
    }
    group += p.ngroups;
    out.push_back(std::move(p));
  }
  if (optional_end != 0) out[optional_piece].body_pieces = out.size() - optional_piece - 1;
  if (group != ngroups + 1 || out.size() < 2) return;
  pieces = std::move(out);
}

Result<GrokPattern> GrokPattern::compile(std::string_view pattern, const GrokLibrary& library,
                                         bool pieces) {
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
  if (pieces) {
    RE2::Options piece_opts = opts;
    piece_opts.set_max_mem(8 << 20);  // each piece is a part of the whole
    c->cut(piece_opts);
  }
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

bool GrokPattern::Compiled::captureByPieces(std::string_view text, size_t begin, size_t end,
                                            re2::StringPiece* sub) const {
  const char* base = text.data();
  re2::StringPiece whole(text.data(), text.size());
  size_t p = begin;
  size_t opt = 0, opt_end = 0, opt_start = 0;  // the optional being matched: piece, end, where
  for (size_t k = 0; k < pieces.size(); ++k) {
    if (opt_end != 0 && k == opt_end) opt_end = 0;
    const Piece& piece = pieces[k];
    bool ok = true;
    if (piece.optional) {
      opt = k;
      opt_end = k + 1 + piece.body_pieces;
      opt_start = p;
      continue;
    }
    if (!piece.re) {
      ok = end - p >= piece.literal.size() &&
           std::memcmp(base + p, piece.literal.data(), piece.literal.size()) == 0;
      if (ok) p += piece.literal.size();
    } else if (piece.simple) {
      re2::StringPiece m;
      ok = piece.re->Match(whole, p, end, RE2::ANCHOR_START, &m, 1);
      if (ok) {
        const auto m_end = static_cast<size_t>(m.data() + m.size() - base);
        sub[piece.first_group] = re2::StringPiece(base + p, m_end - piece.suffix - p);
        p = m_end;
      }
    } else {
      // The piece's match goes to sub[first_group - 1] (its group 0) for a moment.
      re2::StringPiece* at = sub + (piece.first_group - 1);
      re2::StringPiece saved = *at;
      ok = piece.re->Match(whole, p, end, RE2::ANCHOR_START, at, piece.ngroups + 1);
      if (ok) p = static_cast<size_t>(at->data() + at->size() - base);
      *at = saved;
    }
    if (ok) continue;
    if (opt_end == 0) return false;
    // Inside (?:X)?: if X cannot match at all where it started, the optional matches nothing.
    const Piece& o = pieces[opt];
    if (o.re->Match(whole, opt_start, end, RE2::ANCHOR_START, nullptr, 0)) return false;
    for (size_t j = opt + 1; j < opt_end; ++j) {
      for (int g = 0; g < pieces[j].ngroups; ++g) sub[pieces[j].first_group + g] = {};
    }
    p = opt_start;
    k = opt_end - 1;
    opt_end = 0;
  }
  sub[0] = re2::StringPiece(base + begin, p - begin);
  return true;
}

bool GrokPattern::Compiled::findGroups(std::string_view text, bool split,
                                       std::vector<re2::StringPiece>* sub) const {
  sub->assign(static_cast<size_t>(ngroups) + 1, re2::StringPiece());
  const bool by_pieces = split && !pieces.empty();
  // Most lines match from their first byte: when the pieces match there, that is the leftmost
  // match (no DFA pass needed to find where it starts).
  if (by_pieces && captureByPieces(text, 0, text.size(), sub->data())) return true;
  // DFA only: where the match is (forward, then backward for its start).
  re2::StringPiece whole(text.data(), text.size());
  re2::StringPiece span;
  if (!re->Match(whole, 0, text.size(), RE2::UNANCHORED, &span, 1)) return false;
  const auto s = static_cast<size_t>(span.data() - text.data());
  const size_t e = s + span.size();
  if (ngroups == 0) {
    (*sub)[0] = span;
    return true;
  }
  if (by_pieces && captureByPieces(text, s, e, sub->data()) && (*sub)[0].data() == span.data() &&
      (*sub)[0].size() == span.size()) {
    return true;
  }
  // RE2's own capture pass over the match (what Match does after its DFA).
  sub->assign(sub->size(), re2::StringPiece());
  return re->Match(whole, s, e, RE2::ANCHOR_BOTH, sub->data(), static_cast<int>(sub->size()));
}

bool GrokPattern::viewsImpl(std::string_view text, std::vector<std::string_view>* values,
                            bool split) const {
  const Compiled& c = *c_;
  thread_local std::vector<re2::StringPiece> sub;
  if (!c.findGroups(text, split, &sub)) return false;
  values->assign(c.outputs.size(), std::string_view());
  for (size_t g = 1; g < sub.size(); ++g) {
    int slot = c.slot_of_group[g];
    if (slot < 0 || sub[g].empty()) continue;
    auto s = static_cast<size_t>(slot);
    if ((*values)[s].empty()) (*values)[s] = std::string_view(sub[g].data(), sub[g].size());
  }
  return true;
}

bool GrokPattern::matchViews(std::string_view text, std::vector<std::string_view>* values) const {
  return viewsImpl(text, values, true);
}

bool GrokPattern::match(std::string_view text, std::vector<GrokCapture>* out) const {
  return matchImpl(text, out, true);
}

bool GrokPattern::matchWithoutPieces(std::string_view text, std::vector<GrokCapture>* out) const {
  return matchImpl(text, out, false);
}

bool GrokPattern::matchImpl(std::string_view text, std::vector<GrokCapture>* out,
                            bool split) const {
  if (out == nullptr) {  // whether it matches: the DFA alone
    return c_->re->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                         RE2::UNANCHORED, nullptr, 0);
  }
  thread_local std::vector<std::string_view> values;
  if (!viewsImpl(text, &values, split)) return false;
  const std::vector<GrokCapture>& f = c_->outputs;
  out->resize(f.size());
  for (size_t i = 0; i < f.size(); ++i) {
    GrokCapture& o = (*out)[i];
    if (o.name != f[i].name) o.name = f[i].name;
    if (o.type != f[i].type) o.type = f[i].type;
    o.value.assign(values[i].data(), values[i].size());
  }
  return true;
}

const std::vector<GrokCapture>& GrokPattern::fields() const { return c_->outputs; }

size_t GrokPattern::pieces() const { return c_->pieces.size(); }

const std::string& GrokPattern::expanded() const { return c_->expanded; }

}  // namespace sextant::pipeline::funcs
