// The built-in functions of the Pipeline language (DataKit's pipeline-built-in-function.md):
// their parameter lists, compile-time checks and implementations. Grok, time parsing,
// user_agent, url_decode and parse_duration come from funcs/.
//
// Conventions (as DataKit): a "key" parameter names a point key (an identifier, `a.b` or a
// string); functions that transform a key write it back in place; a failed conversion leaves the
// key unchanged. Thread-safety: the table is immutable; CallData is read-only after compile.
#include <re2/re2.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "codec/point_json/base64.h"
#include "pipeline/funcs/grok.h"
#include "pipeline/funcs/strings.h"
#include "pipeline/funcs/time_parse.h"
#include "pipeline/funcs/user_agent.h"
#include "pipeline/interp.h"
#include "pipeline/script.h"

namespace sextant::pipeline {
namespace {

// Work charged for compiling a pattern at run time (a pattern held in a variable).
constexpr size_t kCompileCost = 64 * 1024;

// ---- compile-time helpers ----

Status needKey(Expr& call, CompileCtx& cc, size_t i) {
  const Expr* a = call.args[i];
  if (a == nullptr) return Status::ok();
  if (!keyName(a)) {
    return cc.error(*a, call.s + "() argument '" + std::string(call.fn->params[i]) +
                            "' must be a key name (identifier or string)");
  }
  return Status::ok();
}

Status needStrLit(Expr& call, CompileCtx& cc, size_t i) {
  const Expr* a = call.args[i];
  if (a != nullptr && a->kind != ExprKind::kStr) {
    return cc.error(*a, call.s + "() argument '" + std::string(call.fn->params[i]) +
                            "' must be a string literal");
  }
  return Status::ok();
}

Status needBoolLit(Expr& call, CompileCtx& cc, size_t i) {
  const Expr* a = call.args[i];
  if (a != nullptr && a->kind != ExprKind::kBool) {
    return cc.error(
        *a, call.s + "() argument '" + std::string(call.fn->params[i]) + "' must be true or false");
  }
  return Status::ok();
}

bool boolArg(const Expr& call, size_t i, bool dflt) {
  const Expr* a = call.args[i];
  return a == nullptr ? dflt : a->b;
}

Status evalArg(Interp& in, const Expr& call, size_t i, Value* out) {
  const Expr* a = i < call.args.size() ? call.args[i] : nullptr;
  if (a == nullptr) {
    *out = Value();
    return Status::ok();
  }
  return in.eval(*a, out);
}

Status checkKey0(Expr& call, CompileCtx& cc) { return needKey(call, cc, 0); }

// ---- key functions ----

Status runAddKey(Interp& in, const Expr& call, Value*) {
  Value v;
  if (call.args[1] != nullptr) {
    SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &v));
  } else {
    v = in.readKeyArg(call.args[0]);
  }
  in.setKey(*keyName(call.args[0]), v);
  return Status::ok();
}

Status runSetTag(Interp& in, const Expr& call, Value*) {
  std::string key = *keyName(call.args[0]);
  Value v;
  if (call.args[1] != nullptr) {
    SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &v));
    if (!v.isStr()) return in.error(*call.args[1], "set_tag() value must be a str");
  } else {
    v = in.readKeyArg(call.args[0]);
    if (v.isNil()) return Status::ok();
  }
  in.setTag(key, toText(v));
  return Status::ok();
}

Status checkRename(Expr& call, CompileCtx& cc) {
  SEXTANT_RETURN_IF_ERROR(needKey(call, cc, 0));
  return needKey(call, cc, 1);
}

Status runRename(Interp& in, const Expr& call, Value*) {
  std::string to = *keyName(call.args[0]);
  std::string from = *keyName(call.args[1]);
  if (to == from) return Status::ok();
  model::Point* pt = in.point();
  if (model::Tag* t = pt->findTag(from)) {
    std::string v = std::move(t->value);
    in.deleteKey(from);
    in.deleteKey(to);
    pt->addTag(to, std::move(v));
  } else if (model::Field* f = pt->findField(from)) {
    model::FieldValue v = std::move(f->value);
    in.deleteKey(from);
    in.deleteKey(to);
    pt->addField(to, std::move(v));
  }
  return Status::ok();
}

Status runDropKey(Interp& in, const Expr& call, Value*) {
  in.deleteKey(*keyName(call.args[0]));
  return Status::ok();
}

Status runDelete(Interp& in, const Expr& call, Value*) {
  Value m;
  Value k;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[0], &m));
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &k));
  if (!m.isMap()) return in.error(*call.args[0], "delete() needs a map");
  if (!k.isStr()) return in.error(*call.args[1], "delete() key must be a str");
  m.asMap().erase(k.asStr());
  return Status::ok();
}

Status runGetKey(Interp& in, const Expr& call, Value* out) {
  *out = in.readKeyArg(call.args[0]);
  return Status::ok();
}

Status checkSetMeasurement(Expr& call, CompileCtx& cc) { return needBoolLit(call, cc, 1); }

Status runSetMeasurement(Interp& in, const Expr& call, Value*) {
  Value v;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[0], &v));
  if (v.isNil()) return Status::ok();
  in.point()->measurement = toText(v);
  if (boolArg(call, 1, false)) {
    const Expr* a = call.args[0];
    if (a->kind == ExprKind::kIdent || a->kind == ExprKind::kAttr) in.deleteKey(*keyName(a));
  }
  return Status::ok();
}

Status runDrop(Interp& in, const Expr&, Value*) {
  in.dropped = true;
  return Status::ok();
}

Status runExit(Interp& in, const Expr&, Value*) {
  in.exited = true;
  return Status::ok();
}

// ---- conversions ----

std::optional<int64_t> parseIntText(std::string_view s, int base) {
  std::string t(s);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(t.c_str(), &end, base);
  if (errno != 0 || end != t.c_str() + t.size()) return std::nullopt;
  // strtoll accepts leading spaces; Go does not.
  if (std::isspace(static_cast<unsigned char>(t[0]))) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<double> parseFloatText(std::string_view s) {
  std::string t(s);
  if (t.empty() || std::isspace(static_cast<unsigned char>(t[0]))) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

std::optional<bool> parseBoolText(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False") {
    return false;
  }
  return std::nullopt;
}

int64_t floatToInt(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9.2233720368547758e18) return INT64_MAX;
  if (d <= -9.2233720368547758e18) return INT64_MIN;
  return static_cast<int64_t>(d);
}

Status checkCast(Expr& call, CompileCtx& cc) {
  SEXTANT_RETURN_IF_ERROR(needKey(call, cc, 0));
  SEXTANT_RETURN_IF_ERROR(needStrLit(call, cc, 1));
  const std::string& t = call.args[1]->s;
  if (t != "int" && t != "float" && t != "str" && t != "bool") {
    return cc.error(*call.args[1], "cast() type must be \"int\", \"float\", \"str\" or \"bool\"");
  }
  return Status::ok();
}

Status runCast(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  if (v.isNil()) return Status::ok();
  if (v.isList() || v.isMap()) {
    return in.error(*call.args[0], "cast() of a " + std::string(typeName(v)));
  }
  const std::string& t = call.args[1]->s;
  Value r;
  if (t == "str") {
    r = Value(toText(v));
  } else if (t == "int") {
    if (v.isInt()) {
      r = v;
    } else if (v.isFloat()) {
      r = Value(floatToInt(v.asFloat()));
    } else if (v.isBool()) {
      r = Value(int64_t{v.asBool() ? 1 : 0});
    } else {
      std::optional<int64_t> i = parseIntText(v.asStr(), 10);
      if (!i) {
        std::optional<double> d = parseFloatText(v.asStr());
        i = d ? floatToInt(*d) : 0;
      }
      r = Value(*i);
    }
  } else if (t == "float") {
    if (v.isNumber()) {
      r = Value(v.asNumber());
    } else if (v.isBool()) {
      r = Value(v.asBool() ? 1.0 : 0.0);
    } else {
      std::optional<double> d = parseFloatText(v.asStr());
      r = Value(d ? *d : 0.0);
    }
  } else {
    if (v.isBool()) {
      r = v;
    } else if (v.isNumber()) {
      r = Value(v.asNumber() != 0);
    } else {
      std::optional<bool> b = parseBoolText(v.asStr());
      r = Value(b ? *b : false);
    }
  }
  in.writeKeyArg(call.args[0], r);
  return Status::ok();
}

// Go fmt subset: %v %s %d %f %.Nf %g %e %x %X %t %q %%.
Status runStrfmt(Interp& in, const Expr& call, Value*) {
  Value fmtv;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &fmtv));
  if (!fmtv.isStr()) return in.error(*call.args[1], "strfmt() format must be a str");
  std::vector<Value> args;
  for (size_t i = 2; i < call.args.size(); ++i) {
    Value v;
    SEXTANT_RETURN_IF_ERROR(evalArg(in, call, i, &v));
    args.push_back(std::move(v));
  }
  const std::string& f = fmtv.asStr();
  std::string out;
  size_t ai = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out.push_back(f[i]);
      continue;
    }
    size_t j = i + 1;
    std::string spec = "%";
    while (j < f.size() && (std::strchr("+-# 0", f[j]) != nullptr)) spec.push_back(f[j++]);
    while (j < f.size() && (std::isdigit(static_cast<unsigned char>(f[j])) || f[j] == '.')) {
      spec.push_back(f[j++]);
    }
    if (spec.size() > 6) spec.resize(6);  // bounded width/precision: output stays small
    if (j >= f.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = f[j];
    i = j;
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (ai >= args.size()) {
      out += "%!";
      out.push_back(verb);
      out += "(MISSING)";
      continue;
    }
    const Value& a = args[ai++];
    char buf[512];
    switch (verb) {
      case 'd':
        if (a.isInt()) {
          std::snprintf(buf, sizeof(buf), (spec + "lld").c_str(),
                        static_cast<long long>(a.asInt()));
          out += buf;
        } else {
          out += "%!d(" + std::string(typeName(a)) + "=" + toText(a) + ")";
        }
        break;
      case 'f':
      case 'e':
      case 'g':
        if (a.isNumber()) {
          std::snprintf(buf, sizeof(buf), (spec + verb).c_str(), a.asNumber());
          out += buf;
        } else {
          out += std::string("%!") + verb + "(" + std::string(typeName(a)) + "=" + toText(a) + ")";
        }
        break;
      case 'x':
      case 'X':
        if (a.isInt()) {
          std::snprintf(buf, sizeof(buf), (spec + "ll" + verb).c_str(),
                        static_cast<unsigned long long>(a.asInt()));
          out += buf;
        } else {
          for (unsigned char c : toText(a)) {
            std::snprintf(buf, sizeof(buf), verb == 'x' ? "%02x" : "%02X", c);
            out += buf;
          }
        }
        break;
      case 'q': out += toJson(Value(toText(a))); break;
      default: out += toText(a); break;  // %v %s %t
    }
    SEXTANT_RETURN_IF_ERROR(in.checkStringSize(call, out.size()));
  }
  SEXTANT_RETURN_IF_ERROR(in.charge(call, out.size()));
  in.writeKeyArg(call.args[0], Value(std::move(out)));
  return Status::ok();
}

template <bool kUpper>
Status runCase(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  if (!v.isStr()) return Status::ok();
  std::string s = v.asStr();
  for (char& c : s) {
    c = static_cast<char>(kUpper ? std::toupper(static_cast<unsigned char>(c))
                                 : std::tolower(static_cast<unsigned char>(c)));
  }
  in.writeKeyArg(call.args[0], Value(std::move(s)));
  return Status::ok();
}

Status runTrim(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  if (!v.isStr()) return Status::ok();
  Value cut;
  SEXTANT_RETURN_IF_ERROR(evalArg(in, call, 1, &cut));
  std::string set = cut.isStr() && !cut.asStr().empty() ? cut.asStr() : std::string(" \t\n\r\v\f");
  const std::string& s = v.asStr();
  size_t b = s.find_first_not_of(set);
  std::string r = b == std::string::npos ? "" : s.substr(b, s.find_last_not_of(set) - b + 1);
  in.writeKeyArg(call.args[0], Value(std::move(r)));
  return Status::ok();
}

// A compiled regex for replace() / match() / kv_split() with a literal pattern.
struct RegexData : CallData {
  std::unique_ptr<RE2> re;
};

std::unique_ptr<RE2> compileRegex(std::string_view pattern, std::string* err) {
  RE2::Options opt;
  opt.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, opt);
  if (!re->ok()) {
    *err = re->error();
    return nullptr;
  }
  return re;
}

Status precompileRegexArg(Expr& call, CompileCtx& cc, size_t i) {
  const Expr* a = call.args[i];
  if (a == nullptr || a->kind != ExprKind::kStr) return Status::ok();
  std::string err;
  auto d = std::make_unique<RegexData>();
  d->re = compileRegex(a->s, &err);
  if (!d->re) return cc.error(*a, "bad regular expression: " + err);
  call.data = std::move(d);
  return Status::ok();
}

// The regex of argument i: precompiled, or compiled now into *holder.
Status regexArg(Interp& in, const Expr& call, size_t i, const RE2** re,
                std::unique_ptr<RE2>* holder) {
  if (call.data != nullptr && call.args[i]->kind == ExprKind::kStr) {
    *re = static_cast<const RegexData*>(call.data.get())->re.get();
    return Status::ok();
  }
  Value p;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[i], &p));
  if (!p.isStr()) return in.error(*call.args[i], "pattern must be a str");
  SEXTANT_RETURN_IF_ERROR(in.charge(call, kCompileCost));
  std::string err;
  *holder = compileRegex(p.asStr(), &err);
  if (!*holder) return in.error(*call.args[i], "bad regular expression: " + err);
  *re = holder->get();
  return Status::ok();
}

Status checkReplace(Expr& call, CompileCtx& cc) {
  SEXTANT_RETURN_IF_ERROR(needKey(call, cc, 0));
  return precompileRegexArg(call, cc, 1);
}

// Go's Regexp.ReplaceAllString template ($1, ${1}, ${name}, $$) -> RE2 rewrite (\1, \\).
std::string goTemplateToRe2(const std::string& t, const RE2& re) {
  std::string out;
  const auto& names = re.NamedCapturingGroups();
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '\\') {
      out += "\\\\";
      continue;
    }
    if (c != '$' || i + 1 >= t.size()) {
      out.push_back(c);
      continue;
    }
    if (t[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    std::string name;
    size_t j = i + 1;
    if (t[j] == '{') {
      size_t close = t.find('}', j);
      if (close == std::string::npos) {
        out.push_back(c);
        continue;
      }
      name = t.substr(j + 1, close - j - 1);
      j = close + 1;
    } else {
      while (j < t.size() && (std::isalnum(static_cast<unsigned char>(t[j])) || t[j] == '_')) {
        name.push_back(t[j++]);
      }
      if (name.empty()) {
        out.push_back(c);
        continue;
      }
    }
    i = j - 1;
    int group = -1;
    if (!name.empty() &&
        std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      group = name.size() > 3 ? 1000 : std::atoi(name.c_str());
    } else if (auto it = names.find(name); it != names.end()) {
      group = it->second;
    }
    if (group >= 0 && group <= re.NumberOfCapturingGroups() && group <= 9) {
      out.push_back('\\');
      out.push_back(static_cast<char>('0' + group));
    }
    // An unknown group expands to nothing, as Go.
  }
  return out;
}

Status runReplace(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  if (!v.isStr()) return Status::ok();
  const RE2* re = nullptr;
  std::unique_ptr<RE2> holder;
  SEXTANT_RETURN_IF_ERROR(regexArg(in, call, 1, &re, &holder));
  Value rep;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[2], &rep));
  if (!rep.isStr()) return in.error(*call.args[2], "replace() replacement must be a str");
  std::string s = v.asStr();
  RE2::GlobalReplace(&s, *re, goTemplateToRe2(rep.asStr(), *re));
  SEXTANT_RETURN_IF_ERROR(in.checkStringSize(call, s.size()));
  SEXTANT_RETURN_IF_ERROR(in.charge(call, s.size()));
  in.writeKeyArg(call.args[0], Value(std::move(s)));
  return Status::ok();
}

Status checkMatch(Expr& call, CompileCtx& cc) { return precompileRegexArg(call, cc, 0); }

Status runMatch(Interp& in, const Expr& call, Value* out) {
  const RE2* re = nullptr;
  std::unique_ptr<RE2> holder;
  SEXTANT_RETURN_IF_ERROR(regexArg(in, call, 0, &re, &holder));
  Value s;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &s));
  *out = Value(s.isStr() && RE2::PartialMatch(s.asStr(), *re));
  return Status::ok();
}

Status runLen(Interp& in, const Expr& call, Value* out) {
  Value v;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[0], &v));
  if (v.isStr()) {
    *out = Value(static_cast<int64_t>(v.asStr().size()));
  } else if (v.isList()) {
    *out = Value(static_cast<int64_t>(v.asList().size()));
  } else if (v.isMap()) {
    *out = Value(static_cast<int64_t>(v.asMap().size()));
  } else {
    return in.error(*call.args[0], "len() of a " + std::string(typeName(v)));
  }
  return Status::ok();
}

Status runParseInt(Interp& in, const Expr& call, Value* out) {
  Value v;
  Value b;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[0], &v));
  SEXTANT_RETURN_IF_ERROR(evalArg(in, call, 1, &b));
  int64_t base = b.isInt() ? b.asInt() : 10;
  if (b.isNil()) base = 10;
  if (!v.isStr()) return Status::ok();
  if (base != 0 && (base < 2 || base > 36)) return in.error(call, "parse_int() base out of range");
  std::string s = v.asStr();
  if (base == 0) {  // Go: prefix 0x, 0o, 0b, 0 decides
    std::string body = s;
    std::string sign;
    if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
      sign = body.substr(0, 1);
      body = body.substr(1);
    }
    if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
      base = 16;
      body = body.substr(2);
    } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
      base = 2;
      body = body.substr(2);
    } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) {
      base = 8;
      body = body.substr(2);
    } else if (body.size() > 1 && body[0] == '0') {
      base = 8;
      body = body.substr(1);
    } else {
      base = 10;
    }
    if (body.empty() || body[0] == '-' || body[0] == '+') return Status::ok();
    s = sign + body;
  } else if (base == 16 && s.size() > 1 && (s[1] == 'x' || s[1] == 'X')) {
    return Status::ok();  // Go rejects a prefix with an explicit base
  }
  std::optional<int64_t> i = parseIntText(s, static_cast<int>(base));
  if (i) *out = Value(*i);
  return Status::ok();
}

Status runNullif(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  Value cmp;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &cmp));
  if (!v.isNil() && valuesEqual(v, cmp)) in.deleteKey(*keyName(call.args[0]));
  return Status::ok();
}

Status runUrlDecode(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  if (!v.isStr()) return Status::ok();
  Result<std::string> r = funcs::urlDecode(v.asStr());
  if (r.isOk()) in.writeKeyArg(call.args[0], Value(std::move(r).value()));
  return Status::ok();
}

Status checkGroup(Expr& call, CompileCtx& cc) {
  SEXTANT_RETURN_IF_ERROR(needKey(call, cc, 0));
  return needKey(call, cc, 3);
}

void writeGroupResult(Interp& in, const Expr& call, const Value& nv) {
  if (call.args[3] != nullptr) {
    in.setKey(*keyName(call.args[3]), nv);
  } else {
    in.writeKeyArg(call.args[0], nv);
  }
}

Status runGroupBetween(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  Value range;
  Value nv;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &range));
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[2], &nv));
  if (!range.isList() || range.asList().size() != 2 || !range.asList()[0].isNumber() ||
      !range.asList()[1].isNumber()) {
    return in.error(*call.args[1], "group_between() range must be a list of two numbers");
  }
  if (!v.isNumber()) return Status::ok();
  double x = v.asNumber();
  if (x >= range.asList()[0].asNumber() && x <= range.asList()[1].asNumber()) {
    writeGroupResult(in, call, nv);
  }
  return Status::ok();
}

Status runGroupIn(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  Value set;
  Value nv;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &set));
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[2], &nv));
  if (!set.isList()) return in.error(*call.args[1], "group_in() set must be a list");
  if (v.isNil()) return Status::ok();
  for (const Value& e : set.asList()) {
    if (valuesEqual(v, e)) {
      writeGroupResult(in, call, nv);
      break;
    }
  }
  return Status::ok();
}

Status runB64dec(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  if (!v.isStr()) return Status::ok();
  std::string out;
  if (codec::json::base64Decode(v.asStr(), &out)) in.writeKeyArg(call.args[0], Value(out));
  return Status::ok();
}

Status runAppend(Interp& in, const Expr& call, Value* out) {
  Value l;
  Value e;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[0], &l));
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &e));
  if (!l.isList()) return in.error(*call.args[0], "append() needs a list");
  if (l.asList().size() >= (1u << 24)) return in.error(call, "list too long");
  SEXTANT_RETURN_IF_ERROR(in.charge(call, l.asList().size() + 1));
  SEXTANT_RETURN_IF_ERROR(in.checkStore(call, e, nullptr));
  List copy = l.asList();
  copy.push_back(std::move(e));
  *out = newList(std::move(copy));
  return Status::ok();
}

// ---- JSON ----

Status fromJson(simdjson::dom::element el, Value* out, int depth) {
  if (depth >= kMaxValueDepth) return invalidArgument("JSON nested too deep");
  switch (el.type()) {
    case simdjson::dom::element_type::ARRAY: {
      List l;
      simdjson::dom::array arr;
      if (el.get_array().get(arr) != simdjson::SUCCESS) return invalidArgument("bad JSON");
      for (simdjson::dom::element c : arr) {
        Value v;
        SEXTANT_RETURN_IF_ERROR(fromJson(c, &v, depth + 1));
        l.push_back(std::move(v));
      }
      *out = newList(std::move(l));
      return Status::ok();
    }
    case simdjson::dom::element_type::OBJECT: {
      Map m;
      simdjson::dom::object obj;
      if (el.get_object().get(obj) != simdjson::SUCCESS) return invalidArgument("bad JSON");
      for (auto field : obj) {
        Value v;
        SEXTANT_RETURN_IF_ERROR(fromJson(field.value, &v, depth + 1));
        m[std::string(field.key)] = std::move(v);
      }
      *out = newMap(std::move(m));
      return Status::ok();
    }
    case simdjson::dom::element_type::INT64:
      *out = Value(static_cast<double>(el.get_int64().value_unsafe()));
      return Status::ok();
    case simdjson::dom::element_type::UINT64:
      *out = Value(static_cast<double>(el.get_uint64().value_unsafe()));
      return Status::ok();
    case simdjson::dom::element_type::DOUBLE:
      *out = Value(el.get_double().value_unsafe());
      return Status::ok();
    case simdjson::dom::element_type::STRING:
      *out = Value(std::string(el.get_string().value_unsafe()));
      return Status::ok();
    case simdjson::dom::element_type::BOOL:
      *out = Value(el.get_bool().value_unsafe());
      return Status::ok();
    case simdjson::dom::element_type::NULL_VALUE: *out = Value(); return Status::ok();
  }
  return invalidArgument("bad JSON");
}

// Parses JSON text into a Value (every number a float, as DataKit's Go decoding).
Status parseJsonValue(std::string_view text, Value* out) {
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return invalidArgument("invalid JSON");
  return fromJson(root, out, 0);
}

Status runLoadJson(Interp& in, const Expr& call, Value* out) {
  Value v;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[0], &v));
  if (!v.isStr()) return Status::ok();
  Value r;
  if (parseJsonValue(v.asStr(), &r).isOk()) *out = std::move(r);
  return Status::ok();
}

struct JsonPath : CallData {
  // Each step: a member name, or (is_index) a list index.
  struct Step {
    std::string name;
    int64_t index = 0;
    bool is_index = false;
  };
  std::vector<Step> steps;
  std::string target;  // key written
};

bool buildJsonPath(const Expr* e, std::vector<JsonPath::Step>* steps, std::string* text) {
  switch (e->kind) {
    case ExprKind::kIdent:
    case ExprKind::kStr:
      steps->push_back({e->s, 0, false});
      *text = e->s;
      return true;
    case ExprKind::kAttr: {
      if (!buildJsonPath(e->kids[0].get(), steps, text)) return false;
      steps->push_back({e->s, 0, false});
      *text += "." + e->s;
      return true;
    }
    case ExprKind::kIndex: {
      if (e->kids[1]->kind != ExprKind::kInt) return false;
      if (!buildJsonPath(e->kids[0].get(), steps, text)) return false;
      steps->push_back({"", e->kids[1]->i, true});
      *text += "[" + std::to_string(e->kids[1]->i) + "]";
      return true;
    }
    default: return false;
  }
}

Status checkJson(Expr& call, CompileCtx& cc) {
  SEXTANT_RETURN_IF_ERROR(needKey(call, cc, 0));
  auto d = std::make_unique<JsonPath>();
  std::string text;
  if (!buildJsonPath(call.args[1], &d->steps, &text)) {
    return cc.error(*call.args[1], "json() path must be a JSON path such as a.b[0].c");
  }
  // The identifier `_` was renamed `message` by the compiler; as a path it means "_".
  d->target = text;
  if (call.args[2] != nullptr) {
    SEXTANT_RETURN_IF_ERROR(needKey(call, cc, 2));
    d->target = *keyName(call.args[2]);
  }
  SEXTANT_RETURN_IF_ERROR(needBoolLit(call, cc, 3));
  SEXTANT_RETURN_IF_ERROR(needBoolLit(call, cc, 4));
  if (boolArg(call, 4, false) && d->steps.back().is_index) {
    return cc.error(*call.args[4], "json() cannot delete an element of a list");
  }
  call.data = std::move(d);
  return Status::ok();
}

Status runJson(Interp& in, const Expr& call, Value*) {
  const auto& path = *static_cast<const JsonPath*>(call.data.get());
  Value src = in.readKeyArg(call.args[0]);
  if (!src.isStr()) return Status::ok();
  Value root;
  if (!parseJsonValue(src.asStr(), &root).isOk()) return Status::ok();
  bool del = boolArg(call, 4, false);
  Value cur = root;
  Value parent;
  for (const auto& st : path.steps) {
    parent = cur;
    if (st.is_index) {
      if (!cur.isList()) return Status::ok();
      int64_t n = static_cast<int64_t>(cur.asList().size());
      int64_t i = st.index < 0 ? st.index + n : st.index;
      if (i < 0 || i >= n) return Status::ok();
      cur = cur.asList()[static_cast<size_t>(i)];
    } else {
      if (!cur.isMap()) return Status::ok();
      auto it = cur.asMap().find(st.name);
      if (it == cur.asMap().end()) return Status::ok();
      cur = it->second;
    }
  }
  if (cur.isNil()) return Status::ok();
  if (cur.isStr() && boolArg(call, 3, true)) {
    const std::string& s = cur.asStr();
    size_t b = s.find_first_not_of(" \t\n\r\v\f");
    cur = Value(b == std::string::npos ? std::string()
                                       : s.substr(b, s.find_last_not_of(" \t\n\r\v\f") - b + 1));
  }
  in.setKey(path.target, cur);
  if (del) {
    parent.asMap().erase(path.steps.back().name);
    in.writeKeyArg(call.args[0], Value(toJson(root)));
  }
  return Status::ok();
}

// ---- time ----

Status runDefaultTime(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  if (v.isNil() || v.isList() || v.isMap()) return Status::ok();
  Value tz;
  SEXTANT_RETURN_IF_ERROR(evalArg(in, call, 1, &tz));
  Result<int64_t> t = funcs::parseTimeAuto(toText(v), tz.isStr() ? tz.asStr() : "");
  if (!t.isOk()) return Status::ok();
  in.point()->time_ns = *t;
  in.writeKeyArg(call.args[0], Value(*t));
  return Status::ok();
}

Status runDefaultTimeWithFmt(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  if (!v.isStr()) return Status::ok();
  Value fmt;
  Value tz;
  SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &fmt));
  SEXTANT_RETURN_IF_ERROR(evalArg(in, call, 2, &tz));
  if (!fmt.isStr()) return in.error(*call.args[1], "default_time_with_fmt() format must be a str");
  Result<int64_t> t =
      funcs::parseTimeWithFormat(v.asStr(), fmt.asStr(), tz.isStr() ? tz.asStr() : "");
  if (!t.isOk()) return Status::ok();
  in.point()->time_ns = *t;
  in.writeKeyArg(call.args[0], Value(*t));
  return Status::ok();
}

Status runParseDuration(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  if (!v.isStr()) return Status::ok();
  Result<int64_t> d = funcs::parseGoDuration(v.asStr());
  if (d.isOk()) in.writeKeyArg(call.args[0], Value(*d));
  return Status::ok();
}

Status runUserAgent(Interp& in, const Expr& call, Value*) {
  Value v = in.readKeyArg(call.args[0]);
  if (!v.isStr()) return Status::ok();
  funcs::UserAgentInfo ua = funcs::parseUserAgent(v.asStr());
  in.setKey("browser", Value(ua.browser));
  in.setKey("browserVer", Value(ua.browser_ver));
  in.setKey("engine", Value(ua.engine));
  in.setKey("engineVer", Value(ua.engine_ver));
  in.setKey("os", Value(ua.os));
  in.setKey("isMobile", Value(ua.is_mobile));
  in.setKey("isBot", Value(ua.is_bot));
  return Status::ok();
}

// ---- grok ----

struct GrokData : CallData {
  std::optional<funcs::GrokPattern> pattern;
};

Status checkAddPattern(Expr& call, CompileCtx& cc) {
  SEXTANT_RETURN_IF_ERROR(needStrLit(call, cc, 0));
  SEXTANT_RETURN_IF_ERROR(needStrLit(call, cc, 1));
  Status st = cc.grok->add(call.args[0]->s, call.args[1]->s);
  if (!st.isOk()) return cc.error(call, "add_pattern(): " + st.message());
  return Status::ok();
}

Status runNothing(Interp&, const Expr&, Value*) { return Status::ok(); }

Status checkGrok(Expr& call, CompileCtx& cc) {
  SEXTANT_RETURN_IF_ERROR(needKey(call, cc, 0));
  SEXTANT_RETURN_IF_ERROR(needBoolLit(call, cc, 2));
  const Expr* p = call.args[1];
  if (p->kind != ExprKind::kStr) return Status::ok();
  Result<funcs::GrokPattern> g = funcs::GrokPattern::compile(p->s, *cc.grok);
  if (!g.isOk()) return cc.error(*p, "grok(): " + g.status().message());
  auto d = std::make_unique<GrokData>();
  d->pattern = std::move(g).value();
  call.data = std::move(d);
  return Status::ok();
}

Status runGrok(Interp& in, const Expr& call, Value* out) {
  *out = Value(false);
  Value v = in.readKeyArg(call.args[0]);
  if (!v.isStr()) return Status::ok();
  const funcs::GrokPattern* pat = nullptr;
  std::optional<funcs::GrokPattern> local;
  if (call.data != nullptr) {
    pat = &*static_cast<const GrokData*>(call.data.get())->pattern;
  } else {
    Value p;
    SEXTANT_RETURN_IF_ERROR(in.eval(*call.args[1], &p));
    if (!p.isStr()) return in.error(*call.args[1], "grok() pattern must be a str");
    SEXTANT_RETURN_IF_ERROR(in.charge(call, kCompileCost));
    // Compiled for this one match: without the pieces (they pay off over many lines).
    Result<funcs::GrokPattern> g =
        funcs::GrokPattern::compile(p.asStr(), in.script().grokLibrary(), /*pieces=*/false);
    if (!g.isOk()) return in.error(*call.args[1], "grok(): " + g.status().message());
    local = std::move(g).value();
    pat = &*local;
  }
  // Views into the input's text (v holds it until the loop ends): no copy before the Value.
  thread_local std::vector<std::string_view> values;
  if (!pat->matchViews(v.asStr(), &values)) return Status::ok();
  const std::vector<funcs::GrokCapture>& fields = pat->fields();
  bool trim = boolArg(call, 2, true);
  for (size_t k = 0; k < fields.size(); ++k) {
    const funcs::GrokCapture& c = fields[k];
    std::string_view val = values[k];
    if (trim) {
      size_t b = val.find_first_not_of(" \t\n\r\v\f");
      val = b == std::string_view::npos
                ? std::string_view()
                : val.substr(b, val.find_last_not_of(" \t\n\r\v\f") - b + 1);
    }
    Value r;
    if (c.type == "int") {
      std::optional<int64_t> i = parseIntText(val, 10);
      if (!i) {
        std::optional<double> d = parseFloatText(val);
        i = d ? floatToInt(*d) : 0;
      }
      r = Value(*i);
    } else if (c.type == "float") {
      std::optional<double> d = parseFloatText(val);
      r = Value(d ? *d : 0.0);
    } else if (c.type == "bool") {
      std::optional<bool> b = parseBoolText(val);
      r = Value(b ? *b : false);
    } else {
      r = Value(std::string(val));
    }
    in.setKey(c.name, r);
  }
  *out = Value(true);
  return Status::ok();
}

// ---- kv_split ----

Status checkKvSplit(Expr& call, CompileCtx& cc) { return needKey(call, cc, 0); }

Status runKvSplit(Interp& in, const Expr& call, Value* out) {
  *out = Value(false);
  Value v = in.readKeyArg(call.args[0]);
  if (!v.isStr() || v.asStr().empty()) return Status::ok();
  Value fs, vs, tk, tv, inc, prefix;
  SEXTANT_RETURN_IF_ERROR(evalArg(in, call, 1, &fs));
  SEXTANT_RETURN_IF_ERROR(evalArg(in, call, 2, &vs));
  SEXTANT_RETURN_IF_ERROR(evalArg(in, call, 3, &tk));
  SEXTANT_RETURN_IF_ERROR(evalArg(in, call, 4, &tv));
  SEXTANT_RETURN_IF_ERROR(evalArg(in, call, 5, &inc));
  SEXTANT_RETURN_IF_ERROR(evalArg(in, call, 6, &prefix));
  SEXTANT_RETURN_IF_ERROR(in.charge(call, 2 * kCompileCost + v.asStr().size()));
  std::string err;
  std::unique_ptr<RE2> fre = compileRegex(fs.isStr() ? fs.asStr() : " ", &err);
  if (!fre) return in.error(call, "kv_split(): bad field_split_pattern: " + err);
  std::unique_ptr<RE2> vre = compileRegex(vs.isStr() ? vs.asStr() : "=", &err);
  if (!vre) return in.error(call, "kv_split(): bad value_split_pattern: " + err);
  auto trimSet = [](std::string s, const Value& cut) {
    if (!cut.isStr() || cut.asStr().empty()) return s;
    size_t b = s.find_first_not_of(cut.asStr());
    if (b == std::string::npos) return std::string();
    return s.substr(b, s.find_last_not_of(cut.asStr()) - b + 1);
  };
  // Split on the field pattern (empty matches do not split).
  const std::string& text = v.asStr();
  std::vector<std::string_view> parts;
  size_t start = 0;
  re2::StringPiece m;
  while (start <= text.size()) {
    if (!fre->Match(text, start, text.size(), RE2::UNANCHORED, &m, 1) || m.empty()) {
      parts.emplace_back(text.data() + start, text.size() - start);
      break;
    }
    size_t ms = static_cast<size_t>(m.data() - text.data());
    parts.emplace_back(text.data() + start, ms - start);
    start = ms + m.size();
  }
  bool any = false;
  for (std::string_view p : parts) {
    re2::StringPiece sep;
    std::string ps(p);
    if (!vre->Match(ps, 0, ps.size(), RE2::UNANCHORED, &sep, 1)) continue;
    size_t at = static_cast<size_t>(sep.data() - ps.data());
    std::string k = trimSet(ps.substr(0, at), tk);
    std::string val = trimSet(ps.substr(at + sep.size()), tv);
    if (k.empty()) continue;
    if (inc.isList() && !inc.asList().empty()) {
      bool ok = false;
      for (const Value& x : inc.asList()) ok = ok || (x.isStr() && x.asStr() == k);
      if (!ok) continue;
    }
    in.setKey((prefix.isStr() ? prefix.asStr() : "") + k, Value(std::move(val)));
    any = true;
  }
  *out = Value(any);
  return Status::ok();
}

const std::vector<Builtin>& table() {
  static const std::vector<Builtin> kTable = {
      {"add_key", {"key", "value"}, 1, false, checkKey0, runAddKey},
      {"set_tag", {"key", "value"}, 1, false, checkKey0, runSetTag},
      {"rename", {"new_key", "old_key"}, 2, false, checkRename, runRename},
      {"drop_key", {"key"}, 1, false, checkKey0, runDropKey},
      {"delete", {"src", "key"}, 2, false, nullptr, runDelete},
      {"get_key", {"key"}, 1, false, checkKey0, runGetKey},
      {"set_measurement", {"name", "delete_key"}, 1, false, checkSetMeasurement, runSetMeasurement},
      {"drop", {}, 0, false, nullptr, runDrop},
      {"exit", {}, 0, false, nullptr, runExit},
      {"cast", {"key", "type"}, 2, false, checkCast, runCast},
      {"strfmt", {"key", "fmt"}, 2, true, checkKey0, runStrfmt},
      {"lowercase", {"key"}, 1, false, checkKey0, runCase<false>},
      {"uppercase", {"key"}, 1, false, checkKey0, runCase<true>},
      {"trim", {"key", "cutset"}, 1, false, checkKey0, runTrim},
      {"replace", {"key", "regex", "replace_str"}, 3, false, checkReplace, runReplace},
      {"len", {"val"}, 1, false, nullptr, runLen},
      {"parse_int", {"val", "base"}, 1, false, nullptr, runParseInt},
      {"nullif", {"key", "value"}, 2, false, checkKey0, runNullif},
      {"url_decode", {"key"}, 1, false, checkKey0, runUrlDecode},
      {"group_between",
       {"key", "between", "new_value", "new_key"},
       3,
       false,
       checkGroup,
       runGroupBetween},
      {"group_in", {"key", "in", "new_value", "new_key"}, 3, false, checkGroup, runGroupIn},
      {"json",
       {"input", "json_path", "newkey", "trim_space", "delete_after_extract"},
       2,
       false,
       checkJson,
       runJson},
      {"load_json", {"val"}, 1, false, nullptr, runLoadJson},
      {"default_time", {"key", "timezone"}, 1, false, checkKey0, runDefaultTime},
      {"default_time_with_fmt",
       {"key", "goal", "timezone"},
       2,
       false,
       checkKey0,
       runDefaultTimeWithFmt},
      {"parse_duration", {"key"}, 1, false, checkKey0, runParseDuration},
      {"user_agent", {"key"}, 1, false, checkKey0, runUserAgent},
      {"grok", {"input", "pattern", "trim_space"}, 2, false, checkGrok, runGrok},
      {"add_pattern", {"name", "pattern"}, 2, false, checkAddPattern, runNothing},
      {"kv_split",
       {"key", "field_split_pattern", "value_split_pattern", "trim_key", "trim_value",
        "include_keys", "prefix"},
       1,
       false,
       checkKvSplit,
       runKvSplit},
      {"match", {"pattern", "s"}, 2, false, checkMatch, runMatch},
      {"b64dec", {"key"}, 1, false, checkKey0, runB64dec},
      {"append", {"arr", "elem"}, 2, false, nullptr, runAppend},
  };
  return kTable;
}

}  // namespace

const Builtin* findBuiltin(std::string_view name) {
  for (const Builtin& b : table()) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

}  // namespace sextant::pipeline
