// Script compilation (binding calls to built-ins, variable slots) and the tree-walking
// interpreter (script.h, interp.h).
#include "pipeline/script.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "pipeline/interp.h"
#include "pipeline/parser.h"

namespace sextant::pipeline {
namespace {

constexpr int64_t kLoopBudget = 100'000;             // loop iterations per run
constexpr int64_t kWorkBudget = 64 * 1024 * 1024;    // bytes / elements copied per run
constexpr size_t kMaxStringSize = 16 * 1024 * 1024;  // bytes of one string value

Status errorAt(std::string_view script, int line, int col, std::string_view msg) {
  return invalidArgument(std::string(script) + ":" + std::to_string(line) + ":" +
                         std::to_string(col) + ": " + std::string(msg));
}

}  // namespace

Status CompileCtx::error(const Expr& at, std::string_view msg) const {
  return errorAt(script, at.line, at.col, msg);
}

std::optional<std::string> keyName(const Expr* e) {
  if (e == nullptr) return std::nullopt;
  switch (e->kind) {
    case ExprKind::kIdent: return e->s;
    case ExprKind::kStr: return e->s;
    case ExprKind::kAttr: {
      std::optional<std::string> base = keyName(e->kids[0].get());
      if (!base || e->kids[0]->kind == ExprKind::kStr) return std::nullopt;
      return *base + "." + e->s;
    }
    default: return std::nullopt;
  }
}

class Compiler {
 public:
  Compiler(Script* s) : script_(s) {
    cc_.script = s->name_;
    cc_.grok = &s->grok_;
  }

  Status block(Block& b) {
    for (auto& s : b) SEXTANT_RETURN_IF_ERROR(stmt(*s, 0));
    return Status::ok();
  }

 private:
  Status stmt(Stmt& s, int loops) {
    switch (s.kind) {
      case StmtKind::kExpr: return expr(*s.expr);
      case StmtKind::kIf:
        for (auto& c : s.conds) SEXTANT_RETURN_IF_ERROR(expr(*c));
        for (auto& b : s.blocks) {
          for (auto& x : b) SEXTANT_RETURN_IF_ERROR(stmt(*x, loops));
        }
        return Status::ok();
      case StmtKind::kFor:
      case StmtKind::kForIn:
        if (s.init) SEXTANT_RETURN_IF_ERROR(expr(*s.init));
        if (s.expr) SEXTANT_RETURN_IF_ERROR(expr(*s.expr));
        if (s.step) SEXTANT_RETURN_IF_ERROR(expr(*s.step));
        if (s.var) SEXTANT_RETURN_IF_ERROR(expr(*s.var));
        for (auto& x : s.blocks[0]) SEXTANT_RETURN_IF_ERROR(stmt(*x, loops + 1));
        return Status::ok();
      case StmtKind::kBreak:
      case StmtKind::kContinue:
        if (loops == 0) {
          return errorAt(
              cc_.script, s.line, s.col,
              s.kind == StmtKind::kBreak ? "break outside a loop" : "continue outside a loop");
        }
        return Status::ok();
    }
    return Status::ok();
  }

  int slotOf(const std::string& name) {
    auto it = slots_.find(name);
    if (it != slots_.end()) return it->second;
    int id = static_cast<int>(script_->slot_names_.size());
    script_->slot_names_.push_back(name);
    slots_.emplace(name, id);
    return id;
  }

  Status expr(Expr& e) {
    if (e.kind == ExprKind::kIdent) {
      if (e.s == "_") e.s = "message";
      e.slot = slotOf(e.s);
      return Status::ok();
    }
    for (auto& k : e.kids) SEXTANT_RETURN_IF_ERROR(expr(*k));
    if (e.kind != ExprKind::kCall) return Status::ok();
    const Builtin* fn = findBuiltin(e.s);
    if (fn == nullptr) return cc_.error(e, "unknown function '" + e.s + "'");
    e.fn = fn;
    e.args.assign(fn->params.size(), nullptr);
    size_t positional = 0;
    for (size_t i = 0; i < e.kids.size(); ++i) {
      const std::string& an = e.arg_names[i];
      if (an.empty()) {
        if (positional < fn->params.size()) {
          e.args[positional] = e.kids[i].get();
        } else if (fn->variadic) {
          e.args.push_back(e.kids[i].get());
        } else {
          return cc_.error(*e.kids[i], e.s + "() takes at most " +
                                           std::to_string(fn->params.size()) + " arguments");
        }
        ++positional;
        continue;
      }
      auto it = std::find(fn->params.begin(), fn->params.end(), an);
      if (it == fn->params.end()) {
        return cc_.error(*e.kids[i], e.s + "() has no argument named '" + an + "'");
      }
      size_t idx = static_cast<size_t>(it - fn->params.begin());
      if (e.args[idx] != nullptr) {
        return cc_.error(*e.kids[i], e.s + "() argument '" + an + "' given twice");
      }
      e.args[idx] = e.kids[i].get();
    }
    for (size_t i = 0; i < fn->min_args; ++i) {
      if (e.args[i] == nullptr) {
        return cc_.error(e, e.s + "() missing argument '" + std::string(fn->params[i]) + "'");
      }
    }
    if (fn->check != nullptr) SEXTANT_RETURN_IF_ERROR(fn->check(e, cc_));
    return Status::ok();
  }

  Script* script_;
  CompileCtx cc_;
  std::map<std::string, int, std::less<>> slots_;
};

Result<std::shared_ptr<const Script>> Script::compile(std::string name, std::string_view text,
                                                      const funcs::GrokLibrary& patterns) {
  auto s = std::make_shared<Script>();
  s->name_ = std::move(name);
  s->grok_ = patterns;
  Result<Program> prog = parseScript(s->name_, text);
  if (!prog.isOk()) return prog.status();
  s->prog_ = std::move(prog).value();
  Compiler c(s.get());
  SEXTANT_RETURN_IF_ERROR(c.block(s->prog_.body));
  return std::shared_ptr<const Script>(std::move(s));
}

std::string normalizeStatus(std::string_view status) {
  std::string l(status);
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<std::string_view, std::string_view> kMap[] = {
      {"f", "emerg"},
      {"emerg", "emerg"},
      {"a", "alert"},
      {"alert", "alert"},
      {"c", "critical"},
      {"critical", "critical"},
      {"e", "error"},
      {"error", "error"},
      {"w", "warning"},
      {"warn", "warning"},
      {"warning", "warning"},
      {"n", "notice"},
      {"notice", "notice"},
      {"i", "info"},
      {"info", "info"},
      {"d", "debug"},
      {"debug", "debug"},
      {"trace", "debug"},
      {"verbose", "debug"},
      {"o", "OK"},
      {"s", "OK"},
      {"ok", "OK"},
  };
  for (const auto& [from, to] : kMap) {
    if (l == from) return std::string(to);
  }
  return std::string(status);
}

RunOutcome Script::run(model::Point* pt, int64_t now_ns) const {
  RunOutcome out;
  Interp in(*this, pt, now_ns);
  Status st = in.execBlock(prog_.body);
  if (!st.isOk()) out.error = st.message();
  out.dropped = in.dropped;
  // A `time` key holding an int becomes the point time.
  if (model::Field* f = pt->findField("time"); f != nullptr) {
    if (const int64_t* t = std::get_if<int64_t>(&f->value)) {
      pt->time_ns = *t;
      in.deleteKey("time");
    }
  }
  if (pt->category == model::Category::kLogging) {
    if (model::Tag* t = pt->findTag("status"); t != nullptr) {
      t->value = normalizeStatus(t->value);
    } else if (model::Field* f = pt->findField("status"); f != nullptr) {
      if (auto* s = std::get_if<std::string>(&f->value)) *s = normalizeStatus(*s);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Interp

Interp::Interp(const Script& script, model::Point* pt, int64_t now_ns)
    : script_(script),
      pt_(pt),
      now_ns_(now_ns),
      slots_(script.slotCount()),
      set_(script.slotCount(), false),
      loop_budget_(kLoopBudget),
      work_budget_(kWorkBudget) {}

Status Interp::error(const Expr& at, std::string_view msg) const {
  return errorAt(script_.name(), at.line, at.col, msg);
}

Status Interp::checkStringSize(const Expr& at, size_t n) const {
  if (n > kMaxStringSize) return error(at, "string too long");
  return Status::ok();
}

Status Interp::charge(const Expr& at, size_t n) {
  work_budget_ -= static_cast<int64_t>(std::min<size_t>(n, kWorkBudget + 1));
  if (work_budget_ < 0) return error(at, "work limit exceeded");
  return Status::ok();
}

namespace {

// Depth of v (a scalar is 0), or -1 when `target` is reachable from v or the depth exceeds
// kMaxValueDepth. *nodes counts the containers visited.
int valueDepth(const Value& v, const void* target, int depth, size_t* nodes) {
  const void* self = nullptr;
  if (v.isList()) self = &v.asList();
  if (v.isMap()) self = &v.asMap();
  if (self == nullptr) return 0;
  if (self == target || depth >= kMaxValueDepth) return -1;
  ++*nodes;
  int d = 0;
  if (v.isList()) {
    for (const Value& e : v.asList()) {
      int c = valueDepth(e, target, depth + 1, nodes);
      if (c < 0) return -1;
      d = std::max(d, c);
    }
  } else {
    for (const auto& [k, e] : v.asMap()) {
      int c = valueDepth(e, target, depth + 1, nodes);
      if (c < 0) return -1;
      d = std::max(d, c);
    }
  }
  return d + 1;
}

}  // namespace

Status Interp::checkStore(const Expr& at, const Value& v, const void* target) {
  if (!v.isList() && !v.isMap()) return Status::ok();
  size_t nodes = 0;
  int d = valueDepth(v, target, 1, &nodes);
  SEXTANT_RETURN_IF_ERROR(charge(at, nodes));
  if (d < 0) return error(at, "cyclic or too deeply nested value");
  return Status::ok();
}

std::optional<Value> Interp::getKey(std::string_view key) const {
  if (const model::Tag* t = pt_->findTag(key)) return Value(t->value);
  if (const model::Field* f = pt_->findField(key)) return fromFieldValue(f->value);
  return std::nullopt;
}

void Interp::setKey(std::string_view key, const Value& v) {
  if (v.isNil()) {
    deleteKey(key);
    return;
  }
  if (model::Tag* t = pt_->findTag(key)) {
    t->value = toText(v);
    return;
  }
  std::optional<model::FieldValue> fv = toFieldValue(v);
  if (model::Field* f = pt_->findField(key)) {
    f->value = std::move(*fv);
    return;
  }
  pt_->addField(std::string(key), std::move(*fv));
}

void Interp::setTag(std::string_view key, std::string value) {
  auto& fs = pt_->fields;
  fs.erase(
      std::remove_if(fs.begin(), fs.end(), [&](const model::Field& f) { return f.key == key; }),
      fs.end());
  if (model::Tag* t = pt_->findTag(key)) {
    t->value = std::move(value);
    return;
  }
  pt_->addTag(std::string(key), std::move(value));
}

bool Interp::deleteKey(std::string_view key) {
  auto& ts = pt_->tags;
  auto& fs = pt_->fields;
  size_t before = ts.size() + fs.size();
  ts.erase(std::remove_if(ts.begin(), ts.end(), [&](const model::Tag& t) { return t.key == key; }),
           ts.end());
  fs.erase(
      std::remove_if(fs.begin(), fs.end(), [&](const model::Field& f) { return f.key == key; }),
      fs.end());
  return ts.size() + fs.size() != before;
}

Value Interp::readKeyArg(const Expr* e) {
  if (e->kind == ExprKind::kIdent && e->slot >= 0 && set_[e->slot]) return slots_[e->slot];
  std::optional<std::string> k = keyName(e);
  if (!k) return Value();
  std::optional<Value> v = getKey(*k);
  return v ? *v : Value();
}

void Interp::writeKeyArg(const Expr* e, const Value& v) {
  if (e->kind == ExprKind::kIdent && e->slot >= 0 && set_[e->slot]) {
    slots_[e->slot] = v;
    return;
  }
  std::optional<std::string> k = keyName(e);
  if (k) setKey(*k, v);
}

Status Interp::execBlock(const Block& b) {
  Status st = execBody(b);
  return st;
}

Status Interp::execBody(const Block& b) {
  for (const auto& s : b) {
    SEXTANT_RETURN_IF_ERROR(exec(*s));
    if (exited || flow_ != Flow::kNormal) break;
  }
  return Status::ok();
}

Status Interp::loopTick(const Stmt& s) {
  if (--loop_budget_ < 0) {
    return errorAt(script_.name(), s.line, s.col, "loop iteration limit exceeded");
  }
  return Status::ok();
}

Status Interp::exec(const Stmt& s) {
  switch (s.kind) {
    case StmtKind::kExpr: {
      Value v;
      return eval(*s.expr, &v);
    }
    case StmtKind::kIf: {
      for (size_t i = 0; i < s.conds.size(); ++i) {
        Value c;
        SEXTANT_RETURN_IF_ERROR(eval(*s.conds[i], &c));
        if (exited) return Status::ok();
        if (truthy(c)) return execBody(s.blocks[i]);
      }
      if (s.blocks.size() > s.conds.size()) return execBody(s.blocks.back());
      return Status::ok();
    }
    case StmtKind::kBreak: flow_ = Flow::kBreak; return Status::ok();
    case StmtKind::kContinue: flow_ = Flow::kContinue; return Status::ok();
    case StmtKind::kFor: {
      Value tmp;
      if (s.init) SEXTANT_RETURN_IF_ERROR(eval(*s.init, &tmp));
      while (!exited) {
        SEXTANT_RETURN_IF_ERROR(loopTick(s));
        if (s.expr) {
          Value c;
          SEXTANT_RETURN_IF_ERROR(eval(*s.expr, &c));
          if (!truthy(c)) break;
        }
        SEXTANT_RETURN_IF_ERROR(execBody(s.blocks[0]));
        if (flow_ == Flow::kBreak) {
          flow_ = Flow::kNormal;
          break;
        }
        flow_ = Flow::kNormal;
        if (s.step) SEXTANT_RETURN_IF_ERROR(eval(*s.step, &tmp));
      }
      return Status::ok();
    }
    case StmtKind::kForIn: {
      Value coll;
      SEXTANT_RETURN_IF_ERROR(eval(*s.expr, &coll));
      std::vector<Value> items;
      if (coll.isList()) {
        SEXTANT_RETURN_IF_ERROR(charge(*s.expr, coll.asList().size()));
        items = coll.asList();
      } else if (coll.isMap()) {
        for (const auto& [k, v] : coll.asMap()) items.emplace_back(k);
      } else if (coll.isStr()) {
        const std::string& str = coll.asStr();
        for (size_t i = 0; i < str.size();) {
          size_t n = 1;
          unsigned char c = static_cast<unsigned char>(str[i]);
          if (c >= 0xF0) {
            n = 4;
          } else if (c >= 0xE0) {
            n = 3;
          } else if (c >= 0xC0) {
            n = 2;
          }
          n = std::min(n, str.size() - i);
          items.emplace_back(str.substr(i, n));
          i += n;
        }
      } else if (!coll.isNil()) {
        return error(*s.expr, "cannot iterate over " + std::string(typeName(coll)));
      }
      int slot = s.var->slot;
      for (Value& item : items) {
        SEXTANT_RETURN_IF_ERROR(loopTick(s));
        slots_[slot] = std::move(item);
        set_[slot] = true;
        SEXTANT_RETURN_IF_ERROR(execBody(s.blocks[0]));
        if (exited) break;
        if (flow_ == Flow::kBreak) {
          flow_ = Flow::kNormal;
          break;
        }
        flow_ = Flow::kNormal;
      }
      return Status::ok();
    }
  }
  return Status::ok();
}

Status Interp::assign(const Expr& target, Value v) {
  switch (target.kind) {
    case ExprKind::kIdent: {
      int slot = target.slot;
      if (!set_[slot]) {
        // Not a local variable yet: an existing point key of that name is written.
        if (getKey(target.s)) {
          setKey(target.s, v);
          return Status::ok();
        }
      }
      slots_[slot] = std::move(v);
      set_[slot] = true;
      return Status::ok();
    }
    case ExprKind::kAttr: {
      const Expr& obj = *target.kids[0];
      if (obj.kind == ExprKind::kIdent && set_[obj.slot] && slots_[obj.slot].isMap()) {
        SEXTANT_RETURN_IF_ERROR(checkStore(target, v, &slots_[obj.slot].asMap()));
        slots_[obj.slot].asMap()[target.s] = std::move(v);
        return Status::ok();
      }
      std::optional<std::string> k = keyName(&target);
      if (!k) return error(target, "cannot assign to this expression");
      setKey(*k, v);
      return Status::ok();
    }
    case ExprKind::kIndex: {
      Value obj;
      Value idx;
      SEXTANT_RETURN_IF_ERROR(eval(*target.kids[0], &obj));
      SEXTANT_RETURN_IF_ERROR(eval(*target.kids[1], &idx));
      if (obj.isList()) {
        if (!idx.isInt()) return error(target, "list index must be an int");
        List& l = obj.asList();
        int64_t i = idx.asInt();
        int64_t n = static_cast<int64_t>(l.size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) return error(target, "list index out of range");
        SEXTANT_RETURN_IF_ERROR(checkStore(target, v, &l));
        l[static_cast<size_t>(i)] = std::move(v);
        return Status::ok();
      }
      if (obj.isMap()) {
        if (!idx.isStr()) return error(target, "map key must be a str");
        SEXTANT_RETURN_IF_ERROR(checkStore(target, v, &obj.asMap()));
        obj.asMap()[idx.asStr()] = std::move(v);
        return Status::ok();
      }
      return error(target, "cannot index " + std::string(typeName(obj)));
    }
    default: return error(target, "cannot assign to this expression");
  }
}

namespace {

int64_t wrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t wrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t wrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

}  // namespace

Status Interp::binary(const Expr& e, const Value& a, const Value& b, Value* out) {
  switch (e.op) {
    case Op::kEq: *out = Value(valuesEqual(a, b)); return Status::ok();
    case Op::kNe: *out = Value(!valuesEqual(a, b)); return Status::ok();
    case Op::kIn: {
      if (b.isStr()) {
        if (!a.isStr()) return error(e, "'in' a str needs a str on the left");
        *out = Value(b.asStr().find(a.asStr()) != std::string::npos);
      } else if (b.isList()) {
        bool found = false;
        for (const Value& x : b.asList()) {
          if (valuesEqual(a, x)) {
            found = true;
            break;
          }
        }
        *out = Value(found);
      } else if (b.isMap()) {
        *out = Value(a.isStr() && b.asMap().count(a.asStr()) > 0);
      } else {
        return error(e,
                     "'in' needs a str, list or map on the right, got " + std::string(typeName(b)));
      }
      return Status::ok();
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      int c;
      if (a.isNumber() && b.isNumber()) {
        if (a.isInt() && b.isInt()) {
          c = a.asInt() < b.asInt() ? -1 : (a.asInt() > b.asInt() ? 1 : 0);
        } else {
          double x = a.asNumber();
          double y = b.asNumber();
          if (std::isnan(x) || std::isnan(y)) {
            *out = Value(false);
            return Status::ok();
          }
          c = x < y ? -1 : (x > y ? 1 : 0);
        }
      } else if (a.isStr() && b.isStr()) {
        int r = a.asStr().compare(b.asStr());
        c = r < 0 ? -1 : (r > 0 ? 1 : 0);
      } else {
        return error(
            e, "cannot compare " + std::string(typeName(a)) + " and " + std::string(typeName(b)));
      }
      bool r = e.op == Op::kLt   ? c < 0
               : e.op == Op::kLe ? c <= 0
               : e.op == Op::kGt ? c > 0
                                 : c >= 0;
      *out = Value(r);
      return Status::ok();
    }
    case Op::kAdd:
      if (a.isStr() && b.isStr()) {
        SEXTANT_RETURN_IF_ERROR(checkStringSize(e, a.asStr().size() + b.asStr().size()));
        SEXTANT_RETURN_IF_ERROR(charge(e, a.asStr().size() + b.asStr().size()));
        *out = Value(a.asStr() + b.asStr());
        return Status::ok();
      }
      if (a.isList() && b.isList()) {
        if (a.asList().size() + b.asList().size() > kMaxStringSize) {
          return error(e, "list too long");
        }
        SEXTANT_RETURN_IF_ERROR(charge(e, a.asList().size() + b.asList().size()));
        List l = a.asList();
        l.insert(l.end(), b.asList().begin(), b.asList().end());
        *out = newList(std::move(l));
        return Status::ok();
      }
      [[fallthrough]];
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kMod: {
      if (!a.isNumber() || !b.isNumber()) {
        return error(e, "unsupported operand types " + std::string(typeName(a)) + " and " +
                            std::string(typeName(b)));
      }
      if (a.isInt() && b.isInt()) {
        int64_t x = a.asInt();
        int64_t y = b.asInt();
        switch (e.op) {
          case Op::kAdd: *out = Value(wrapAdd(x, y)); break;
          case Op::kSub: *out = Value(wrapSub(x, y)); break;
          case Op::kMul: *out = Value(wrapMul(x, y)); break;
          case Op::kDiv:
            if (y == 0) return error(e, "division by zero");
            *out = Value(y == -1 ? wrapSub(0, x) : x / y);
            break;
          default:
            if (y == 0) return error(e, "division by zero");
            *out = Value(y == -1 ? int64_t{0} : x % y);
            break;
        }
        return Status::ok();
      }
      double x = a.asNumber();
      double y = b.asNumber();
      switch (e.op) {
        case Op::kAdd: *out = Value(x + y); break;
        case Op::kSub: *out = Value(x - y); break;
        case Op::kMul: *out = Value(x * y); break;
        case Op::kDiv:
          if (y == 0) return error(e, "division by zero");
          *out = Value(x / y);
          break;
        default:
          if (y == 0) return error(e, "division by zero");
          *out = Value(std::fmod(x, y));
          break;
      }
      return Status::ok();
    }
    default: return error(e, "bad operator");
  }
}

Status Interp::eval(const Expr& e, Value* out) {
  switch (e.kind) {
    case ExprKind::kNil: *out = Value(); return Status::ok();
    case ExprKind::kBool: *out = Value(e.b); return Status::ok();
    case ExprKind::kInt: *out = Value(e.i); return Status::ok();
    case ExprKind::kFloat: *out = Value(e.f); return Status::ok();
    case ExprKind::kStr: *out = Value(e.s); return Status::ok();
    case ExprKind::kList: {
      List l;
      l.reserve(e.kids.size());
      for (const auto& k : e.kids) {
        Value v;
        SEXTANT_RETURN_IF_ERROR(eval(*k, &v));
        SEXTANT_RETURN_IF_ERROR(checkStore(*k, v, nullptr));
        l.push_back(std::move(v));
      }
      *out = newList(std::move(l));
      return Status::ok();
    }
    case ExprKind::kMap: {
      Map m;
      for (size_t i = 0; i + 1 < e.kids.size(); i += 2) {
        Value k;
        Value v;
        SEXTANT_RETURN_IF_ERROR(eval(*e.kids[i], &k));
        SEXTANT_RETURN_IF_ERROR(eval(*e.kids[i + 1], &v));
        if (!k.isStr()) return error(*e.kids[i], "map keys must be str");
        SEXTANT_RETURN_IF_ERROR(checkStore(*e.kids[i + 1], v, nullptr));
        m[k.asStr()] = std::move(v);
      }
      *out = newMap(std::move(m));
      return Status::ok();
    }
    case ExprKind::kIdent: {
      if (set_[e.slot]) {
        *out = slots_[e.slot];
        return Status::ok();
      }
      std::optional<Value> v = getKey(e.s);
      *out = v ? std::move(*v) : Value();
      return Status::ok();
    }
    case ExprKind::kAttr: {
      const Expr& obj = *e.kids[0];
      if (obj.kind == ExprKind::kIdent && set_[obj.slot] && slots_[obj.slot].isMap()) {
        const Map& m = slots_[obj.slot].asMap();
        auto it = m.find(e.s);
        *out = it == m.end() ? Value() : it->second;
        return Status::ok();
      }
      std::optional<std::string> k = keyName(&e);
      std::optional<Value> v = k ? getKey(*k) : std::nullopt;
      *out = v ? std::move(*v) : Value();
      return Status::ok();
    }
    case ExprKind::kIndex: {
      Value obj;
      Value idx;
      SEXTANT_RETURN_IF_ERROR(eval(*e.kids[0], &obj));
      SEXTANT_RETURN_IF_ERROR(eval(*e.kids[1], &idx));
      if (obj.isList()) {
        if (!idx.isInt()) return error(e, "list index must be an int");
        const List& l = obj.asList();
        int64_t i = idx.asInt();
        int64_t n = static_cast<int64_t>(l.size());
        if (i < 0) i += n;
        *out = (i < 0 || i >= n) ? Value() : l[static_cast<size_t>(i)];
        return Status::ok();
      }
      if (obj.isMap()) {
        if (!idx.isStr()) return error(e, "map key must be a str");
        const Map& m = obj.asMap();
        auto it = m.find(idx.asStr());
        *out = it == m.end() ? Value() : it->second;
        return Status::ok();
      }
      if (obj.isNil()) {
        *out = Value();
        return Status::ok();
      }
      return error(e, "cannot index " + std::string(typeName(obj)));
    }
    case ExprKind::kUnary: {
      Value v;
      SEXTANT_RETURN_IF_ERROR(eval(*e.kids[0], &v));
      if (e.op == Op::kNot) {
        *out = Value(!truthy(v));
        return Status::ok();
      }
      if (v.isInt()) {
        *out = e.op == Op::kSub ? Value(wrapSub(0, v.asInt())) : v;
        return Status::ok();
      }
      if (v.isFloat()) {
        *out = e.op == Op::kSub ? Value(-v.asFloat()) : v;
        return Status::ok();
      }
      return error(e, "unary operator on " + std::string(typeName(v)));
    }
    case ExprKind::kBinary: {
      Value a;
      SEXTANT_RETURN_IF_ERROR(eval(*e.kids[0], &a));
      if (e.op == Op::kAnd || e.op == Op::kOr) {
        bool ta = truthy(a);
        if (e.op == Op::kAnd ? !ta : ta) {
          *out = Value(ta);
          return Status::ok();
        }
        Value b;
        SEXTANT_RETURN_IF_ERROR(eval(*e.kids[1], &b));
        *out = Value(truthy(b));
        return Status::ok();
      }
      Value b;
      SEXTANT_RETURN_IF_ERROR(eval(*e.kids[1], &b));
      return binary(e, a, b, out);
    }
    case ExprKind::kAssign: {
      Value v;
      SEXTANT_RETURN_IF_ERROR(eval(*e.kids[1], &v));
      if (e.op != Op::kNone) {
        Value cur;
        SEXTANT_RETURN_IF_ERROR(eval(*e.kids[0], &cur));
        Expr tmp;
        tmp.kind = ExprKind::kBinary;
        tmp.op = e.op;
        tmp.line = e.line;
        tmp.col = e.col;
        Value r;
        SEXTANT_RETURN_IF_ERROR(binary(tmp, cur, v, &r));
        v = std::move(r);
      }
      *out = v;
      return assign(*e.kids[0], std::move(v));
    }
    case ExprKind::kCall: {
      *out = Value();
      if (exited) return Status::ok();
      return e.fn->run(*this, e, out);
    }
  }
  return Status::ok();
}

}  // namespace sextant::pipeline
