#include "query/exec/promql_script.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>

#include "query/promql/parser.h"
#include "query/promql/text.h"

namespace sextant::query::promql {

namespace {

using Labels = std::vector<model::Tag>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::optional<int64_t> parseTime(std::string_view s) {
  if (s == "0") return 0;
  std::string err;
  return parseDuration(s, &err);
}

std::optional<double> parseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string z(s);
  char* end = nullptr;
  double v = std::strtod(z.c_str(), &end);
  if (end != z.c_str() + z.size()) return std::nullopt;
  return v;
}

// `metric{a="b", c="d"}` or `{a="b"}` or `metric`: labels sorted by name; `*rest` gets the text
// after the series description.
std::optional<Labels> parseSeriesDesc(std::string_view s, std::string_view* rest) {
  Labels l;
  size_t i = 0;
  while (i < s.size() &&
         (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == ':')) {
    ++i;
  }
  if (i > 0) l.push_back({"__name__", std::string(s.substr(0, i))});
  if (i < s.size() && s[i] == '{') {
    ++i;
    while (true) {
      while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
      if (i >= s.size()) return std::nullopt;
      if (s[i] == '}') {
        ++i;
        break;
      }
      size_t b = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      std::string key(s.substr(b, i - b));
      while (i < s.size() && s[i] == ' ') ++i;
      if (key.empty() || i >= s.size() || s[i] != '=') return std::nullopt;
      ++i;
      while (i < s.size() && s[i] == ' ') ++i;
      if (i >= s.size() || s[i] != '"') return std::nullopt;
      size_t q = i + 1;
      while (q < s.size() && s[q] != '"') q += s[q] == '\\' ? 2 : 1;
      if (q >= s.size()) return std::nullopt;
      auto val = unquote(s.substr(i, q - i + 1));
      if (!val) return std::nullopt;
      i = q + 1;
      l.push_back({key, *val});
    }
  } else if (i == 0) {
    return std::nullopt;
  }
  std::sort(l.begin(), l.end(),
            [](const model::Tag& a, const model::Tag& b) { return a.key < b.key; });
  *rest = s.substr(i);
  return l;
}

// Series values notation; nullopt entries are blanks.
std::optional<std::vector<std::optional<double>>> parseValues(std::string_view s) {
  std::vector<std::optional<double>> out;
  std::istringstream in{std::string(s)};
  std::string tok;
  while (in >> tok) {
    if (tok == "_") {
      out.push_back(std::nullopt);
      continue;
    }
    if (tok == "stale") {
      out.push_back(staleNaN());
      continue;
    }
    size_t x = tok.rfind('x');
    if (x != std::string::npos && x > 0 && x + 1 < tok.size() &&
        std::all_of(tok.begin() + static_cast<std::ptrdiff_t>(x) + 1, tok.end(), ::isdigit)) {
      int64_t n = std::stoll(tok.substr(x + 1));
      std::string head = tok.substr(0, x);
      if (head == "_") {
        for (int64_t i = 0; i < n; ++i) out.push_back(std::nullopt);
        continue;
      }
      // a+b, a-b or a (the sign of a may lead)
      size_t op = std::string::npos;
      for (size_t i = 1; i < head.size(); ++i) {
        if ((head[i] == '+' || head[i] == '-') && head[i - 1] != 'e' && head[i - 1] != 'E') {
          op = i;
          break;
        }
      }
      auto a = parseNumber(head.substr(0, op));
      if (!a) return std::nullopt;
      double b = 0;
      if (op != std::string::npos) {
        auto bb = parseNumber(head.substr(op + 1));
        if (!bb) return std::nullopt;
        b = head[op] == '+' ? *bb : -*bb;
      }
      for (int64_t i = 0; i <= n; ++i) out.push_back(*a + static_cast<double>(i) * b);
      continue;
    }
    auto v = parseNumber(tok);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

std::string labelsText(const Labels& l) {
  std::string s = "{";
  for (size_t i = 0; i < l.size(); ++i) {
    if (i > 0) s += ", ";
    s += l[i].key + "=" + goQuote(l[i].value);
  }
  return s + "}";
}

std::string num(double v) { return goFormatFloat(v); }

bool almostEqual(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  double diff = std::fabs(a - b);
  return diff <= 1e-9 * std::max(std::fabs(a), std::fabs(b)) || diff < 1e-12;
}

struct Eval {
  bool fail = false, ordered = false, range = false;
  int64_t at = 0, start = 0, end = 0, step = 0;
  std::string expr;
  int line = 0;
  std::vector<std::pair<int, std::string>> expected;  // (line, text)
};

class Runner {
 public:
  Runner(std::string_view name, const EngineOptions& o) : name_(name), o_(o) {}

  void fail(int line, const std::string& what) {
    out_.failures.push_back(std::string(name_) + ":" + std::to_string(line) + ": " + what);
  }

  void load(int64_t interval, const std::vector<std::pair<int, std::string>>& lines) {
    for (const auto& [ln, text] : lines) {
      std::string_view rest;
      auto labels = parseSeriesDesc(text, &rest);
      auto values = labels ? parseValues(rest) : std::nullopt;
      if (!values) {
        fail(ln, "bad series line: " + text);
        continue;
      }
      PromSeries s;
      s.labels = *labels;
      for (size_t i = 0; i < values->size(); ++i) {
        if (!(*values)[i]) continue;
        s.time_ms.push_back(static_cast<int64_t>(i) * interval);
        s.values.push_back(*(*values)[i]);
      }
      q_.add(std::move(s));
    }
  }

  void run(const Eval& e) {
    ++out_.evals;
    auto expr = parse(e.expr);
    if (!expr.isOk()) {
      if (!e.fail) fail(e.line, "parse: " + expr.status().message());
      return;
    }
    Result<QueryResult> r = e.range ? evalRange(q_, **expr, e.start, e.end, e.step, o_)
                                    : evalInstant(q_, **expr, e.at, o_);
    if (e.fail) {
      if (r.isOk()) {
        fail(e.line, "expected an error from " + e.expr);
        return;
      }
      for (const auto& [ln, text] : e.expected) {
        std::string_view t = text;
        constexpr std::string_view kMsg = "expected_fail_message ";
        if (!t.starts_with(kMsg)) {
          fail(ln, "unexpected line after eval_fail: " + text);
        } else if (r.status().message().find(t.substr(kMsg.size())) == std::string::npos) {
          fail(ln, "error \"" + r.status().message() + "\" lacks \"" +
                       std::string(t.substr(kMsg.size())) + "\"");
        }
      }
      return;
    }
    if (!r.isOk()) {
      fail(e.line, e.expr + ": " + r.status().toString());
      return;
    }
    if (r->type == ValueType::kScalar) {
      if (e.expected.size() != 1) {
        fail(e.line, "scalar result " + num(r->scalar) + " but " +
                         std::to_string(e.expected.size()) + " expected lines");
        return;
      }
      auto v = parseNumber(trim(e.expected[0].second));
      if (!v || !almostEqual(*v, r->scalar)) {
        fail(e.expected[0].first,
             "scalar: got " + num(r->scalar) + ", want " + e.expected[0].second);
      }
      return;
    }
    // Expected series.
    struct Want {
      int line;
      Labels labels;
      std::vector<std::optional<double>> values;
    };
    std::vector<Want> want;
    for (const auto& [ln, text] : e.expected) {
      std::string_view rest;
      auto labels = parseSeriesDesc(text, &rest);
      auto values = labels ? parseValues(rest) : std::nullopt;
      if (!values) {
        fail(ln, "bad expected line: " + text);
        return;
      }
      want.push_back({ln, *labels, *values});
    }
    std::string got_text;
    for (const SeriesValues& s : r->series) {
      got_text += "\n    " + labelsText(s.labels);
      for (size_t i = 0; i < s.v.size(); ++i) {
        got_text +=
            " " + (e.range ? "@" + std::to_string(s.t_ms[i]) + ":" : std::string()) + num(s.v[i]);
      }
    }
    if (want.size() != r->series.size()) {
      fail(e.line, e.expr + ": got " + std::to_string(r->series.size()) + " series, want " +
                       std::to_string(want.size()) + "; got:" + got_text);
      return;
    }
    std::map<std::string, size_t> by_labels;
    for (size_t i = 0; i < r->series.size(); ++i) by_labels[labelsText(r->series[i].labels)] = i;
    for (size_t w = 0; w < want.size(); ++w) {
      const Want& x = want[w];
      auto it = by_labels.find(labelsText(x.labels));
      if (it == by_labels.end()) {
        fail(x.line, e.expr + ": no series " + labelsText(x.labels) + "; got:" + got_text);
        continue;
      }
      if (e.ordered && it->second != w) {
        fail(x.line, e.expr + ": " + labelsText(x.labels) + " at position " +
                         std::to_string(it->second) + ", want " + std::to_string(w) +
                         "; got:" + got_text);
      }
      const SeriesValues& s = r->series[it->second];
      if (!e.range) {
        if (x.values.size() != 1 || !x.values[0] || s.v.size() != 1 || s.t_ms[0] != e.at ||
            !almostEqual(*x.values[0], s.v[0])) {
          fail(x.line, e.expr + ": " + labelsText(x.labels) + " got:" + got_text);
        }
        continue;
      }
      std::vector<std::pair<int64_t, double>> exp;
      for (size_t i = 0; i < x.values.size(); ++i) {
        if (x.values[i]) exp.emplace_back(e.start + static_cast<int64_t>(i) * e.step, *x.values[i]);
      }
      bool ok = exp.size() == s.v.size();
      for (size_t i = 0; ok && i < exp.size(); ++i) {
        ok = exp[i].first == s.t_ms[i] && almostEqual(exp[i].second, s.v[i]);
      }
      if (!ok) fail(x.line, e.expr + ": " + labelsText(x.labels) + " differs; got:" + got_text);
    }
  }

  ScriptOutcome run(std::string_view text) {
    std::vector<std::string> lines;
    {
      std::istringstream in{std::string(text)};
      std::string l;
      while (std::getline(in, l)) lines.push_back(l);
    }
    size_t i = 0;
    auto block = [&](size_t* pos) {
      std::vector<std::pair<int, std::string>> b;
      while (*pos < lines.size()) {
        const std::string& l = lines[*pos];
        std::string_view t = trim(l);
        if (t.empty() || l.empty() || (l[0] != ' ' && l[0] != '\t')) break;
        if (t[0] != '#') b.emplace_back(static_cast<int>(*pos) + 1, std::string(t));
        ++*pos;
      }
      return b;
    };
    while (i < lines.size()) {
      std::string_view t = trim(lines[i]);
      int ln = static_cast<int>(i) + 1;
      ++i;
      if (t.empty() || t[0] == '#') continue;
      std::istringstream in{std::string(t)};
      std::string cmd;
      in >> cmd;
      if (cmd == "clear") {
        q_.clear();
        continue;
      }
      if (cmd == "load") {
        std::string iv;
        in >> iv;
        auto interval = parseTime(iv);
        if (!interval) {
          fail(ln, "bad load interval");
          continue;
        }
        load(*interval, block(&i));
        continue;
      }
      if (cmd == "eval" || cmd == "eval_fail" || cmd == "eval_ordered") {
        Eval e;
        e.line = ln;
        e.fail = cmd == "eval_fail";
        e.ordered = cmd == "eval_ordered";
        std::string kind, w1, a, w2, b, w3, c;
        in >> kind;
        bool ok = true;
        if (kind == "instant") {
          in >> w1 >> a;
          auto at = parseTime(a);
          ok = w1 == "at" && at.has_value();
          e.at = at.value_or(0);
        } else if (kind == "range") {
          in >> w1 >> a >> w2 >> b >> w3 >> c;
          auto s = parseTime(a), en = parseTime(b), st = parseTime(c);
          ok = w1 == "from" && w2 == "to" && w3 == "step" && s && en && st;
          e.range = true;
          e.start = s.value_or(0);
          e.end = en.value_or(0);
          e.step = st.value_or(1);
        } else {
          ok = false;
        }
        std::string rest;
        std::getline(in, rest);
        e.expr = std::string(trim(rest));
        e.expected = block(&i);
        if (!ok || e.expr.empty()) {
          fail(ln, "bad eval command");
          continue;
        }
        run(e);
        continue;
      }
      fail(ln, "unknown command: " + std::string(t));
    }
    return out_;
  }

 private:
  std::string_view name_;
  const EngineOptions& o_;
  MemoryQueryable q_;
  ScriptOutcome out_;
};

}  // namespace

ScriptOutcome runScript(std::string_view text, std::string_view name,
                        const EngineOptions& options) {
  Runner r(name, options);
  return r.run(text);
}

}  // namespace sextant::query::promql
