// Dashboard variable substitution over the syntax tree (rules in dql.h and docs/dql.md).
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "query/dql/dql.h"

namespace sextant::query::dql {
namespace {

constexpr std::string_view kOpen = "#{";

// Calls fn(name) for every `#{name}` in s.
template <typename Fn>
void forEachRef(std::string_view s, Fn&& fn) {
  size_t i = 0;
  while ((i = s.find(kOpen, i)) != std::string_view::npos) {
    size_t end = s.find('}', i + 2);
    if (end == std::string_view::npos) return;
    fn(s.substr(i + 2, end - i - 2));
    i = end + 1;
  }
}

// The name when s is exactly one reference `#{name}`, else "".
std::string_view soleRef(std::string_view s) {
  if (s.size() < 4 || s.substr(0, 2) != kOpen || s.back() != '}') return {};
  std::string_view name = s.substr(2, s.size() - 3);
  if (name.find('}') != std::string_view::npos) return {};
  return name;
}

std::string posText(Pos p) { return std::to_string(p.line) + ":" + std::to_string(p.col) + ": "; }

class Substituter {
 public:
  explicit Substituter(const Variables& vars) : vars_(vars) {}

  Status query(Query* q) {
    for (Source& s : q->sources) {
      if (s.kind == Source::Kind::kSubquery) {
        if (s.subquery) SEXTANT_RETURN_IF_ERROR(query(s.subquery.get()));
      } else {
        SEXTANT_RETURN_IF_ERROR(text(&s.name, s.kind == Source::Kind::kRegex, s.pos));
      }
    }
    for (Expr& e : q->targets) SEXTANT_RETURN_IF_ERROR(value(&e));
    for (Expr& e : q->args) SEXTANT_RETURN_IF_ERROR(value(&e));
    SEXTANT_RETURN_IF_ERROR(filter(&q->filter));
    for (Expr& e : q->by) SEXTANT_RETURN_IF_ERROR(value(&e));
    SEXTANT_RETURN_IF_ERROR(filter(&q->having));
    for (OrderKey& k : q->order_by) SEXTANT_RETURN_IF_ERROR(value(&k.expr));
    for (OrderKey& k : q->sorder_by) SEXTANT_RETURN_IF_ERROR(value(&k.expr));
    for (Query& j : q->joined) SEXTANT_RETURN_IF_ERROR(query(&j));
    SEXTANT_RETURN_IF_ERROR(filter(&q->join_on));
    return Status::ok();
  }

 private:
  // nullptr: not a variable we substitute. Empty vector: "all".
  const std::vector<std::string>* lookup(std::string_view name) const {
    auto it = vars_.find(name);
    if (it == vars_.end()) return nullptr;
    return &it->second;
  }
  static bool isAll(const std::vector<std::string>& v) {
    return v.empty() || std::find(v.begin(), v.end(), kAllValue) != v.end();
  }

  // True when e (outside nested queries) references a variable whose value is "all".
  bool referencesAll(const Expr& e) const {
    bool all = false;
    auto check = [&](std::string_view name) {
      const auto* v = lookup(name);
      if (v != nullptr && isAll(*v)) all = true;
    };
    if (e.kind == ExprKind::kVar) check(e.text);
    if (e.kind == ExprKind::kString || e.kind == ExprKind::kRegex) forEachRef(e.text, check);
    for (const Expr& a : e.args) all = all || referencesAll(a);
    return all;
  }

  // A condition tree: drops the conditions that reference "all" variables.
  Status filter(std::optional<Expr>* f) {
    if (!f->has_value()) return Status::ok();
    bool dropped = false;
    SEXTANT_RETURN_IF_ERROR(condition(&**f, &dropped));
    if (dropped) f->reset();
    return Status::ok();
  }

  Status condition(Expr* e, bool* dropped) {
    *dropped = false;
    if (e->kind == ExprKind::kBinary && (e->op == Op::kAnd || e->op == Op::kOr) &&
        e->args.size() == 2) {
      bool dl = false, dr = false;
      SEXTANT_RETURN_IF_ERROR(condition(&e->args[0], &dl));
      SEXTANT_RETURN_IF_ERROR(condition(&e->args[1], &dr));
      if (dl && dr) {
        *dropped = true;
      } else if (dl || dr) {
        Expr keep = std::move(e->args[dl ? 1 : 0]);
        *e = std::move(keep);
      }
      return Status::ok();
    }
    if (e->kind == ExprKind::kUnary && e->op == Op::kNot && e->args.size() == 1) {
      bool d = false;
      SEXTANT_RETURN_IF_ERROR(condition(&e->args[0], &d));
      *dropped = d;
      return Status::ok();
    }
    if (referencesAll(*e)) {
      *dropped = true;
      return Status::ok();
    }
    // `f = '#{x}'` with several values -> `f IN [...]` (and != -> NOT IN).
    if (e->kind == ExprKind::kBinary && (e->op == Op::kEq || e->op == Op::kNe) &&
        e->args.size() == 2) {
      const std::vector<std::string>* vals = multiValues(e->args[1]);
      if (vals != nullptr) {
        Expr in;
        in.kind = ExprKind::kIn;
        in.pos = e->pos;
        in.negated = e->op == Op::kNe;
        Expr list;
        list.kind = ExprKind::kList;
        list.pos = e->args[1].pos;
        for (const auto& v : *vals) list.args.push_back(stringExpr(v, list.pos));
        in.args.push_back(std::move(e->args[0]));
        in.args.push_back(std::move(list));
        *e = std::move(in);
      }
    }
    // `f IN ['#{x}', ...]`: a multi-valued reference expands in place.
    if (e->kind == ExprKind::kIn && e->args.size() == 2 && e->args[1].kind == ExprKind::kList) {
      std::vector<Expr> items;
      for (Expr& item : e->args[1].args) {
        const std::vector<std::string>* vals = multiValues(item);
        if (vals == nullptr) {
          items.push_back(std::move(item));
          continue;
        }
        for (const auto& v : *vals) items.push_back(stringExpr(v, item.pos));
      }
      e->args[1].args = std::move(items);
    }
    return value(e);
  }

  // The values of a sole multi-valued reference (`#{x}` or '#{x}'), else nullptr.
  const std::vector<std::string>* multiValues(const Expr& e) const {
    std::string_view name;
    if (e.kind == ExprKind::kVar) name = e.text;
    if (e.kind == ExprKind::kString) name = soleRef(e.text);
    if (name.empty()) return nullptr;
    const auto* v = lookup(name);
    return v != nullptr && v->size() > 1 ? v : nullptr;
  }

  static Expr stringExpr(const std::string& s, Pos pos) {
    Expr e;
    e.kind = ExprKind::kString;
    e.pos = pos;
    e.text = s;
    return e;
  }

  // Substitutes inside any expression; "all" here is an error.
  Status value(Expr* e) {
    switch (e->kind) {
      case ExprKind::kVar: {
        const auto* v = lookup(e->text);
        if (v == nullptr) return Status::ok();
        if (isAll(*v)) return allOutsideCondition(e->text, e->pos);
        if (v->size() > 1) return multiMisused(e->text, e->pos);
        *e = stringExpr((*v)[0], e->pos);
        return Status::ok();
      }
      case ExprKind::kString: return text(&e->text, false, e->pos);
      case ExprKind::kRegex: return text(&e->text, true, e->pos);
      case ExprKind::kQuery: return e->query ? query(e->query.get()) : Status::ok();
      default: break;
    }
    for (Expr& a : e->args) SEXTANT_RETURN_IF_ERROR(value(&a));
    return Status::ok();
  }

  Status text(std::string* s, bool regex, Pos pos) {
    if (s->find(kOpen) == std::string::npos) return Status::ok();
    std::string out;
    size_t i = 0;
    while (true) {
      size_t open = s->find(kOpen, i);
      size_t end = open == std::string::npos ? open : s->find('}', open + 2);
      if (end == std::string::npos) {
        out.append(*s, i, std::string::npos);
        break;
      }
      out.append(*s, i, open - i);
      std::string_view name(s->data() + open + 2, end - open - 2);
      const auto* v = lookup(name);
      if (v == nullptr) {
        out.append(*s, open, end + 1 - open);
      } else if (isAll(*v)) {
        return allOutsideCondition(name, pos);
      } else if (v->size() == 1) {
        out += (*v)[0];
      } else if (regex) {
        for (size_t k = 0; k < v->size(); ++k) {
          if (k > 0) out += '|';
          out += (*v)[k];
        }
      } else {
        return multiMisused(name, pos);
      }
      i = end + 1;
    }
    *s = std::move(out);
    return Status::ok();
  }

  static Status allOutsideCondition(std::string_view name, Pos pos) {
    return invalidArgument(posText(pos) + "variable '" + std::string(name) +
                           "' is __all__ but is not used in a filter condition");
  }
  static Status multiMisused(std::string_view name, Pos pos) {
    return invalidArgument(posText(pos) + "variable '" + std::string(name) +
                           "' has several values; use it as the whole value of =, != or IN");
  }

  const Variables& vars_;
};

void collect(const Query& q, std::set<std::string>* out);

void collect(const Expr& e, std::set<std::string>* out) {
  auto add = [&](std::string_view n) { out->insert(std::string(n)); };
  if (e.kind == ExprKind::kVar) add(e.text);
  if (e.kind == ExprKind::kString || e.kind == ExprKind::kRegex) forEachRef(e.text, add);
  if (e.kind == ExprKind::kQuery && e.query) collect(*e.query, out);
  for (const Expr& a : e.args) collect(a, out);
}

void collect(const Query& q, std::set<std::string>* out) {
  for (const Source& s : q.sources) {
    if (s.subquery) collect(*s.subquery, out);
    forEachRef(s.name, [&](std::string_view n) { out->insert(std::string(n)); });
  }
  for (const Expr& e : q.targets) collect(e, out);
  for (const Expr& e : q.args) collect(e, out);
  if (q.filter) collect(*q.filter, out);
  for (const Expr& e : q.by) collect(e, out);
  if (q.having) collect(*q.having, out);
  for (const OrderKey& k : q.order_by) collect(k.expr, out);
  for (const OrderKey& k : q.sorder_by) collect(k.expr, out);
  for (const Query& j : q.joined) collect(j, out);
  if (q.join_on) collect(*q.join_on, out);
}

}  // namespace

Result<Query> substituteVariables(const Query& q, const Variables& vars) {
  Query out = q;
  Substituter s(vars);
  Status st = s.query(&out);
  if (!st.isOk()) return st;
  return out;
}

std::vector<std::string> referencedVariables(const Query& q) {
  std::set<std::string> names;
  collect(q, &names);
  return {names.begin(), names.end()};
}

}  // namespace sextant::query::dql
