#include "storage/field_predicate.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace sextant::storage {
namespace {

std::string_view opName(FieldPredicate::Op op) {
  switch (op) {
    case FieldPredicate::kEq: return "=";
    case FieldPredicate::kNe: return "!=";
    case FieldPredicate::kLt: return "<";
    case FieldPredicate::kLe: return "<=";
    case FieldPredicate::kGt: return ">";
    case FieldPredicate::kGe: return ">=";
    case FieldPredicate::kIn: return "IN";
    case FieldPredicate::kNotIn: return "NOT IN";
    case FieldPredicate::kExists: return "EXISTS";
    case FieldPredicate::kNotExists: return "NOT EXISTS";
  }
  return "?";
}

std::string valueText(const model::FieldValue& v) {
  switch (model::fieldType(v)) {
    case model::FieldType::kInt: return std::to_string(std::get<std::int64_t>(v));
    case model::FieldType::kUint: return std::to_string(std::get<std::uint64_t>(v)) + "u";
    case model::FieldType::kFloat: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, std::get<double>(v));
      return std::string(buf, r.ptr);
    }
    case model::FieldType::kBool: return std::get<bool>(v) ? "true" : "false";
    case model::FieldType::kString: return "'" + std::get<std::string>(v) + "'";
    case model::FieldType::kBytes: return "bytes(" + std::get<model::Bytes>(v).data + ")";
    case model::FieldType::kArray: return "[array]";
  }
  return "?";
}

std::optional<double> parseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double d = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return d;
}

// The text DQL gives a number (toText): decimal integers, shortest round-trip doubles, booleans.
std::string_view numberText(const ScalarRef& v, char (&buf)[64]) {
  if (v.is_bool) return v.i != 0 ? "true" : "false";
  std::to_chars_result r{};
  if (v.kind == ScalarRef::kInt) {
    r = std::to_chars(buf, buf + sizeof buf, v.i);
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v.d);
  }
  return std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
}

double asDouble(const ScalarRef& v) {
  return v.kind == ScalarRef::kInt ? static_cast<double>(v.i) : v.d;
}

int sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

ScalarRef ofInt(std::int64_t i) {
  ScalarRef r;
  r.kind = ScalarRef::kInt;
  r.i = i;
  return r;
}

ScalarRef ofUint(std::uint64_t u) {
  if (u <= static_cast<std::uint64_t>(INT64_MAX)) return ofInt(static_cast<std::int64_t>(u));
  ScalarRef r;
  r.kind = ScalarRef::kDouble;
  r.d = static_cast<double>(u);
  return r;
}

ScalarRef ofDouble(double d) {
  ScalarRef r;
  r.kind = ScalarRef::kDouble;
  r.d = d;
  return r;
}

ScalarRef ofBool(bool b) {
  ScalarRef r = ofInt(b ? 1 : 0);
  r.is_bool = true;
  return r;
}

ScalarRef ofString(std::string_view s) {
  ScalarRef r;
  r.kind = ScalarRef::kString;
  r.s = s;
  return r;
}

}  // namespace

std::string toString(const FieldPredicate& p) {
  std::string out = p.column + " " + std::string(opName(p.op));
  if (p.op == FieldPredicate::kExists || p.op == FieldPredicate::kNotExists) return out;
  if (p.op == FieldPredicate::kIn || p.op == FieldPredicate::kNotIn) {
    out += " (";
    for (std::size_t i = 0; i < p.values.size(); ++i) {
      out += (i > 0 ? ", " : "") + valueText(p.values[i]);
    }
    return out + ")";
  }
  return out + " " + (p.values.empty() ? std::string("?") : valueText(p.values[0]));
}

Status validateFieldPredicates(std::span<const FieldPredicate> preds) {
  for (const FieldPredicate& p : preds) {
    if (p.column.empty()) return invalidArgument("field predicate without a column name");
    if (p.op > FieldPredicate::kNotExists) {
      return invalidArgument("field predicate on " + p.column + ": unknown operator " +
                             std::to_string(static_cast<int>(p.op)));
    }
    std::size_t lo = 1, hi = 1;
    if (p.op == FieldPredicate::kIn || p.op == FieldPredicate::kNotIn) {
      hi = SIZE_MAX;
    } else if (p.op == FieldPredicate::kExists || p.op == FieldPredicate::kNotExists) {
      lo = hi = 0;
    }
    if (p.values.size() < lo || p.values.size() > hi) {
      return invalidArgument(
          "field predicate " + toString(p) + ": " + std::string(opName(p.op)) + " takes " +
          (lo == 0 ? std::string("no value")
                   : (hi == 1 ? std::string("one value") : std::string("at least one value"))) +
          ", got " + std::to_string(p.values.size()));
    }
    for (const model::FieldValue& v : p.values) {
      if (model::fieldType(v) == model::FieldType::kArray) {
        return invalidArgument("field predicate on " + p.column + ": arrays do not compare");
      }
    }
  }
  return Status::ok();
}

ScalarRef scalarOf(const model::FieldValue& v) {
  switch (model::fieldType(v)) {
    case model::FieldType::kInt: return ofInt(std::get<std::int64_t>(v));
    case model::FieldType::kUint: return ofUint(std::get<std::uint64_t>(v));
    case model::FieldType::kFloat: return ofDouble(std::get<double>(v));
    case model::FieldType::kBool: return ofBool(std::get<bool>(v));
    case model::FieldType::kString: return ofString(std::get<std::string>(v));
    case model::FieldType::kBytes: return ofString(std::get<model::Bytes>(v).data);
    case model::FieldType::kArray: return ScalarRef{};
  }
  return ScalarRef{};
}

ScalarRef scalarAt(const Column& c, std::size_t row) {
  switch (c.values.index()) {
    case 0: return ofInt(std::get<0>(c.values)[row]);
    case 1: return ofUint(std::get<1>(c.values)[row]);
    case 2: return ofDouble(std::get<2>(c.values)[row]);
    case 3: return ofBool(std::get<3>(c.values)[row] != 0);
    case 4: return ofString(std::get<4>(c.values)[row]);
    case 5: return ofString(std::get<5>(c.values)[row]);
    default: return ScalarRef{};
  }
}

std::optional<int> compareFieldValues(const ScalarRef& a, const ScalarRef& b) {
  if (a.kind == ScalarRef::kUnordered || b.kind == ScalarRef::kUnordered) return std::nullopt;
  const bool sa = a.kind == ScalarRef::kString;
  const bool sb = b.kind == ScalarRef::kString;
  if (sa && sb) return sign(a.s.compare(b.s));
  if (sa || sb) {
    const ScalarRef& str = sa ? a : b;
    const ScalarRef& num = sa ? b : a;
    if (std::optional<double> sv = parseNumber(str.s)) {
      const double n = asDouble(num);
      if (std::isnan(*sv) || std::isnan(n)) return std::nullopt;
      const double x = sa ? *sv : n;
      const double y = sa ? n : *sv;
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    char buf[64];
    const std::string_view text = numberText(num, buf);
    return sa ? sign(str.s.compare(text)) : sign(text.compare(str.s));
  }
  if (a.kind == ScalarRef::kInt && b.kind == ScalarRef::kInt) {
    return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  }
  const double x = asDouble(a);
  const double y = asDouble(b);
  if (std::isnan(x) || std::isnan(y)) return std::nullopt;
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool missingPasses(FieldPredicate::Op op) {
  return op == FieldPredicate::kNe || op == FieldPredicate::kNotIn ||
         op == FieldPredicate::kNotExists;
}

namespace {

bool passesWith(FieldPredicate::Op op, const ScalarRef* values, std::size_t n, const ScalarRef& v) {
  switch (op) {
    case FieldPredicate::kExists: return true;
    case FieldPredicate::kNotExists: return false;
    case FieldPredicate::kIn:
    case FieldPredicate::kNotIn: {
      bool found = false;
      for (std::size_t i = 0; i < n && !found; ++i) {
        std::optional<int> c = compareFieldValues(v, values[i]);
        found = c && *c == 0;
      }
      return op == FieldPredicate::kIn ? found : !found;
    }
    default: break;
  }
  std::optional<int> c = compareFieldValues(v, values[0]);
  if (op == FieldPredicate::kNe) return !c || *c != 0;
  if (!c) return false;
  switch (op) {
    case FieldPredicate::kEq: return *c == 0;
    case FieldPredicate::kLt: return *c < 0;
    case FieldPredicate::kLe: return *c <= 0;
    case FieldPredicate::kGt: return *c > 0;
    case FieldPredicate::kGe: return *c >= 0;
    default: return false;
  }
}

}  // namespace

bool valuePasses(const FieldPredicate& p, const ScalarRef& v) {
  std::vector<ScalarRef> values;
  values.reserve(p.values.size());
  for (const model::FieldValue& x : p.values) values.push_back(scalarOf(x));
  return passesWith(p.op, values.data(), values.size(), v);
}

Result<FieldFilter> FieldFilter::make(std::span<const FieldPredicate> preds) {
  SEXTANT_RETURN_IF_ERROR(validateFieldPredicates(preds));
  FieldFilter f;
  f.preds_.assign(preds.begin(), preds.end());
  for (const FieldPredicate& p : f.preds_) {
    f.offset_.push_back(f.scalars_.size());
    for (const model::FieldValue& v : p.values) f.scalars_.push_back(scalarOf(v));
    f.names_.push_back(p.column);
  }
  f.offset_.push_back(f.scalars_.size());
  std::sort(f.names_.begin(), f.names_.end());
  f.names_.erase(std::unique(f.names_.begin(), f.names_.end()), f.names_.end());
  return f;
}

void FieldFilter::evaluate(const std::vector<Column>& columns, std::size_t rows,
                           std::vector<std::uint8_t>* keep) const {
  keep->assign(rows, 1);
  std::vector<const Column*> cols;
  for (std::size_t i = 0; i < preds_.size(); ++i) {
    const FieldPredicate& p = preds_[i];
    const ScalarRef* values = scalars_.data() + offset_[i];
    const std::size_t n = offset_[i + 1] - offset_[i];
    cols.clear();
    for (const Column& c : columns) {
      if (c.name == p.column && c.size() == rows) cols.push_back(&c);
    }
    const bool missing_ok = missingPasses(p.op);
    for (std::size_t r = 0; r < rows; ++r) {
      if ((*keep)[r] == 0) continue;
      bool any_present = false;
      bool pass = false;
      for (const Column* c : cols) {
        if (!c->isPresent(r)) continue;
        any_present = true;
        if (passesWith(p.op, values, n, scalarAt(*c, r))) {
          pass = true;
          break;
        }
      }
      if (!any_present) pass = missing_ok;
      if (!pass) (*keep)[r] = 0;
    }
  }
}

void FieldFilter::apply(ColumnBatch& b) const {
  if (empty() || b.rows() == 0) return;
  std::vector<std::uint8_t> keep;
  evaluate(b.columns, b.rows(), &keep);
  std::vector<std::uint32_t> rows;
  for (std::uint32_t r = 0; r < keep.size(); ++r) {
    if (keep[r] != 0) rows.push_back(r);
  }
  if (rows.size() != b.rows()) b = selectRows(b, rows);
}

}  // namespace sextant::storage
