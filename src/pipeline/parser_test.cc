// Grammar tests: literals, operators and precedence, statements, and compile errors with their
// exact line:col.
#include "pipeline/parser.h"

#include <gtest/gtest.h>

#include "pipeline/test_util.h"

namespace sextant::pipeline {
namespace {

using namespace testing;  // NOLINT

TEST(PipelineGrammar, LiteralsAndArithmetic) {
  model::Point pt = runOn(R"(
a = 1 + 2 * 3       # 7
b = (1 + 2) * 3     # 9
c = 7 / 2           # int division
d = 7 / 2.0
e = 7 % 3
f = -5 + +2
g = "ab" + 'cd'
add_key(a, a)
add_key(b, b)
add_key(c, c)
add_key(d, d)
add_key(e, e)
add_key(f, f)
add_key(g, g)
)",
                          "");
  EXPECT_EQ(i64(pt, "a"), 7);
  EXPECT_EQ(i64(pt, "b"), 9);
  EXPECT_EQ(i64(pt, "c"), 3);
  EXPECT_DOUBLE_EQ(f64(pt, "d"), 3.5);
  EXPECT_EQ(i64(pt, "e"), 1);
  EXPECT_EQ(i64(pt, "f"), -3);
  EXPECT_EQ(str(pt, "g"), "abcd");
}

TEST(PipelineGrammar, StringsEscapesAndTripleQuotes) {
  model::Point pt = runOn(R"SCRIPT(
add_key(a, "x\ty\n\"q\"")
add_key(b, 'it\'s')
add_key(c, """line1
line2""")
add_key(d, '''single "quoted" ''')
add_key(e, "\u00e9\x41")
add_key(f, "\[keep\]")
"""a doc string used as a comment"""
)SCRIPT",
                          "");
  EXPECT_EQ(str(pt, "a"), "x\ty\n\"q\"");
  EXPECT_EQ(str(pt, "b"), "it's");
  EXPECT_EQ(str(pt, "c"), "line1\nline2");
  EXPECT_EQ(str(pt, "d"), "single \"quoted\" ");
  EXPECT_EQ(str(pt, "e"),
            "\xc3\xa9"
            "A");
  EXPECT_EQ(str(pt, "f"), "\\[keep\\]");
}

TEST(PipelineGrammar, ComparisonLogicAndIn) {
  model::Point pt = runOn(R"(
add_key(t1, 1 + 2 * 3 == 7 && 1 <= 2)
add_key(t2, "a" in [1, "a"])
add_key(t3, "def" in "abcdef")
add_key(t4, "a" in {"a": 1})
add_key(t5, "b" in {"a": 1})
add_key(t6, !0 || false)
add_key(t7, nil == nil)
add_key(t8, 1 == 1.0)
add_key(t9, "b" > "a")
add_key(t10, !"")
)",
                          "");
  for (const char* k : {"t1", "t2", "t3", "t4", "t6", "t7", "t8", "t9", "t10"}) {
    ASSERT_NE(field(pt, k), nullptr) << k;
    EXPECT_EQ(std::get<bool>(*field(pt, k)), true) << k;
  }
  EXPECT_EQ(std::get<bool>(*field(pt, "t5")), false);
}

TEST(PipelineGrammar, ListsMapsIndexingAndReferenceSemantics) {
  model::Point pt = runOn(R"(
a = {
  "1": [1, "2", 3, nil],
  "2": 1.1,
  "abc": nil,
}
b = a["1"]
b[0] = 1.5          # a["1"][0] changes too: lists are shared
x = [1, 2, 3, -1.]
x[-1] = -2
m = {"k": [-1]}
m["k"][-1] = x[-1]
add_key(a0, a["1"][0])
add_key(last, x[-1])
add_key(mk, m["k"][0])
add_key(missing, a["nope"])
add_key(out_of_range, x[10])
add_key(n, len(x))
)",
                          "");
  EXPECT_DOUBLE_EQ(f64(pt, "a0"), 1.5);
  EXPECT_EQ(i64(pt, "last"), -2);
  EXPECT_EQ(i64(pt, "mk"), -2);
  EXPECT_FALSE(has(pt, "missing"));
  EXPECT_FALSE(has(pt, "out_of_range"));
  EXPECT_EQ(i64(pt, "n"), 4);
}

TEST(PipelineGrammar, IfElifElse) {
  const char* src = R"(
if status_code >= 500 {
  add_key(level, "error")
} elif status_code >= 400 {
  add_key(level, "warn")
}
else {
  add_key(level, "ok")
}
)";
  for (auto [code, want] : {std::pair{503, "error"}, {404, "warn"}, {200, "ok"}}) {
    model::Point pt = logPoint("");
    pt.addField("status_code", int64_t{code});
    runScript(src, &pt);
    EXPECT_EQ(str(pt, "level"), want) << code;
  }
}

TEST(PipelineGrammar, ForLoops) {
  model::Point pt = runOn(R"(
b = "2"
for a in ["1", "a", "2"] {
  b = b + a
  if b == "21a" {
    break
  }
}
d = 0
map_a = {"a": 1, "b": 2}
for x in map_a {
  d = d + map_a[x]
}
s = ""
for c in "abcdef" {
  if s == "abc" {
    break
  } else {
    continue
  }
  s = s + "z"
}
s2 = ""
for c in "abc" { s2 = s2 + c }
n = 0
for i = 0; i < 10; i = i + 1 {
  if i % 2 == 0 { continue }
  n += i
}
add_key(b, b)
add_key(d, d)
add_key(s, s)
add_key(s2, s2)
add_key(n, n)
)",
                          "");
  EXPECT_EQ(str(pt, "b"), "21a");
  EXPECT_EQ(i64(pt, "d"), 3);
  EXPECT_EQ(str(pt, "s"), "");
  EXPECT_EQ(str(pt, "s2"), "abc");
  EXPECT_EQ(i64(pt, "n"), 25);
}

TEST(PipelineGrammar, StatementsSeparatedBySemicolons) {
  model::Point pt = runOn("a = 1; b = a + 1; add_key(b, b)", "");
  EXPECT_EQ(i64(pt, "b"), 2);
}

TEST(PipelineGrammar, BackquotedIdentifiersAndCompoundAssignment) {
  model::Point pt = logPoint("");
  pt.addField("@odd-key", int64_t{5});
  runScript("`@odd-key` *= 3\n`@odd-key` -= 1", &pt);
  EXPECT_EQ(i64(pt, "@odd-key"), 14);
}

TEST(PipelineGrammar, CompileErrorsHaveLineAndColumn) {
  EXPECT_EQ(compileError("a = 1\nb = (2 + 3\n"), "t.p:3:1: expected ')', got end of script");
  EXPECT_EQ(compileError("a = 1\n  nosuch(a)\n"), "t.p:2:3: unknown function 'nosuch'");
  EXPECT_EQ(compileError("x = \"abc"), "t.p:1:5: unterminated string");
  EXPECT_EQ(compileError("if a {\n  b = 1\n"), "t.p:3:1: expected '}', got end of script");
  EXPECT_EQ(compileError("a = 1 $ 2"), "t.p:1:7: unexpected character '$'");
  EXPECT_EQ(compileError("cast(a)"), "t.p:1:1: cast() missing argument 'type'");
  EXPECT_EQ(compileError("cast(a, \"int\", 3)"), "t.p:1:16: cast() takes at most 2 arguments");
  EXPECT_EQ(compileError("cast(a, \"integer\")"),
            "t.p:1:9: cast() type must be \"int\", \"float\", \"str\" or \"bool\"");
  EXPECT_EQ(compileError("cast(key=a, kind=\"int\")"),
            "t.p:1:18: cast() has no argument named 'kind'");
  EXPECT_EQ(compileError("lowercase(1 + 2)"),
            "t.p:1:13: lowercase() argument 'key' must be a key name (identifier or string)");
  EXPECT_EQ(compileError("break"), "t.p:1:1: break outside a loop");
  EXPECT_EQ(compileError("a = 99999999999999999999"), "t.p:1:5: integer literal out of range");
  EXPECT_EQ(compileError("1 = a"), "t.p:1:3: cannot assign to this expression");
  EXPECT_EQ(compileError("a = 1 b = 2"), "t.p:1:7: expected end of statement, got identifier");
  EXPECT_EQ(compileError("grok(_, \"%{NOSUCHPATTERN:x}\")").substr(0, 14), "t.p:1:9: grok(");
  EXPECT_EQ(compileError("replace(a, \"(\", \"x\")").substr(0, 34),
            "t.p:1:12: bad regular expression: ");
  EXPECT_EQ(compileError("json(_, a.b, \"c\", 1)"),
            "t.p:1:19: json() argument 'trim_space' must be true or false");
}

TEST(PipelineGrammar, DeepNestingIsAnErrorNotACrash) {
  std::string deep(5000, '(');
  EXPECT_NE(compileError("a = " + deep), "");
  std::string neg(5000, '!');
  EXPECT_NE(compileError("a = " + neg + "1"), "");
  std::string chain = "a = 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  EXPECT_NE(compileError(chain), "");
}

TEST(PipelineGrammar, NamedArguments) {
  model::Point pt = runOn(R"(json(_, a.b, newkey="c", trim_space=false))", R"({"a":{"b":" x "}})");
  EXPECT_EQ(str(pt, "c"), " x ");
}

}  // namespace
}  // namespace sextant::pipeline
