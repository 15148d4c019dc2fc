// Interpreter semantics: point keys vs local variables, drop/exit, time and status handling,
// runtime errors, concurrent runs.
#include "pipeline/script.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "pipeline/test_util.h"

namespace sextant::pipeline {
namespace {

using namespace testing;  // NOLINT

TEST(PipelineScript, UnderscoreIsTheMessageField) {
  model::Point pt = runOn("add_key(copy, _)\n_ = \"changed\"", "original");
  EXPECT_EQ(str(pt, "copy"), "original");
  EXPECT_EQ(str(pt, "message"), "changed");
}

TEST(PipelineScript, NamesReadPointKeysAndAssignmentWritesExistingKeys) {
  model::Point pt = logPoint("m");
  pt.addTag("host", "web-1");
  pt.addField("code", int64_t{200});
  runScript(R"(
add_key(h, host)          # a tag read by name
code = code + 1           # an existing field is written
host = "web-2"            # an existing tag stays a tag
local = 5                 # not a key: a local variable, not added to the point
add_key(l, local)
)",
            &pt);
  EXPECT_EQ(str(pt, "h"), "web-1");
  EXPECT_EQ(i64(pt, "code"), 201);
  ASSERT_NE(pt.findTag("host"), nullptr);
  EXPECT_EQ(pt.findTag("host")->value, "web-2");
  EXPECT_FALSE(has(pt, "local"));
  EXPECT_EQ(i64(pt, "l"), 5);
}

TEST(PipelineScript, DropKeepsRunningExitStops) {
  RunOutcome o;
  model::Point pt = runOn("drop()\nadd_key(after_drop, 1)", "x", &o);
  EXPECT_TRUE(o.dropped);
  EXPECT_TRUE(has(pt, "after_drop"));

  pt = runOn("add_key(a, 1)\nif true { exit() }\nadd_key(b, 2)", "x", &o);
  EXPECT_FALSE(o.dropped);
  EXPECT_TRUE(o.error.empty());
  EXPECT_TRUE(has(pt, "a"));
  EXPECT_FALSE(has(pt, "b"));
}

TEST(PipelineScript, TimeKeyBecomesPointTime) {
  model::Point pt = runOn("add_key(time, 1600000000000000000)", "x");
  EXPECT_EQ(pt.time_ns, 1600000000000000000);
  EXPECT_FALSE(has(pt, "time"));
  // A non-int time key is left alone.
  pt = runOn("add_key(time, \"soon\")", "x");
  EXPECT_EQ(pt.time_ns, kNow);
  EXPECT_EQ(str(pt, "time"), "soon");
}

TEST(PipelineScript, StatusIsNormalisedForLogs) {
  struct Case {
    const char* in;
    const char* want;
  };
  for (auto c : {Case{"a", "alert"}, Case{"E", "error"}, Case{"w", "warning"},
                 Case{"WARN", "warning"}, Case{"i", "info"}, Case{"d", "debug"},
                 Case{"trace", "debug"}, Case{"verbose", "debug"}, Case{"o", "OK"}, Case{"s", "OK"},
                 Case{"c", "critical"}, Case{"n", "notice"}, Case{"whatever", "whatever"}}) {
    model::Point pt = runOn(std::string("add_key(status, \"") + c.in + "\")", "x");
    EXPECT_EQ(str(pt, "status"), c.want) << c.in;
  }
  // Not for metrics.
  model::Point m = logPoint("");
  m.category = model::Category::kMetric;
  runScript("add_key(status, \"e\")", &m);
  EXPECT_EQ(str(m, "status"), "e");
  EXPECT_EQ(normalizeStatus("Info"), "info");
}

TEST(PipelineScript, RuntimeErrorStopsTheScriptAndKeepsThePoint) {
  RunOutcome o;
  model::Point pt =
      runOn("add_key(before, 1)\nm = {\"a\": 1}\ncast(m, \"int\")\nadd_key(after, 1)", "x", &o);
  EXPECT_EQ(o.error, "t.p:3:6: cast() of a map");
  EXPECT_FALSE(o.dropped);
  EXPECT_TRUE(has(pt, "before"));
  EXPECT_FALSE(has(pt, "after"));

  pt = runOn("a = 1 / 0", "x", &o);
  EXPECT_EQ(o.error, "t.p:1:7: division by zero");
  pt = runOn("a = 1 + \"x\"", "x", &o);
  EXPECT_EQ(o.error, "t.p:1:7: unsupported operand types int and str");
  pt = runOn("a = [1]\na[5] = 2", "x", &o);
  EXPECT_EQ(o.error, "t.p:2:2: list index out of range");
  pt = runOn("for x in 5 { }", "x", &o);
  EXPECT_EQ(o.error, "t.p:1:10: cannot iterate over int");
}

TEST(PipelineScript, InfiniteLoopsAreCut) {
  RunOutcome o;
  runOn("for ;; { }", "x", &o);
  EXPECT_EQ(o.error, "t.p:1:1: loop iteration limit exceeded");
  runOn("s = \"ab\"\nfor ;; { s = s + s }", "x", &o);
  EXPECT_EQ(o.error, "t.p:2:16: string too long");
}

TEST(PipelineScript, CyclesAndDeepNestingAreRefused) {
  RunOutcome o;
  runOn("a = [1]\na[0] = a", "x", &o);
  EXPECT_EQ(o.error, "t.p:2:2: cyclic or too deeply nested value");
  runOn("m = {}\nm[\"self\"] = [m]", "x", &o);
  EXPECT_EQ(o.error, "t.p:2:2: cyclic or too deeply nested value");
  runOn("a = []\nfor i = 0; i < 1000; i += 1 { a = [a] }", "x", &o);
  EXPECT_EQ(o.error, "t.p:2:36: cyclic or too deeply nested value");
  // A shared but acyclic value is fine.
  model::Point pt = runOn("b = [1]\na = [b, b]\nadd_key(n, len(a))", "x", &o);
  EXPECT_TRUE(o.error.empty()) << o.error;
  EXPECT_EQ(i64(pt, "n"), 2);
}

TEST(PipelineScript, IntegerOverflowWrapsLikeGo) {
  model::Point pt = runOn(
      "a = 9223372036854775807 + 1\nb = -9223372036854775807 - 1\nc = b / -1\nd = b % -1\n"
      "add_key(a, a)\nadd_key(c, c)\nadd_key(d, d)",
      "");
  EXPECT_EQ(i64(pt, "a"), INT64_MIN);
  EXPECT_EQ(i64(pt, "c"), INT64_MIN);
  EXPECT_EQ(i64(pt, "d"), 0);
}

TEST(PipelineScript, ConcurrentRunsOfOneScript) {
  auto s = Script::compile("c.p", R"(grok(_, "%{INT:n:int} %{WORD:w}")
n = n * 2
if n > 100 { drop() })");
  ASSERT_TRUE(s.isOk()) << s.status().message();
  std::shared_ptr<const Script> script = *s;
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        model::Point pt = logPoint(std::to_string(i) + " w" + std::to_string(t));
        RunOutcome o = script->run(&pt, kNow);
        const model::Field* n = pt.findField("n");
        bool ok = n != nullptr && std::get<int64_t>(n->value) == 2 * i &&
                  o.dropped == (2 * i > 100) &&
                  std::get<std::string>(pt.findField("w")->value) == "w" + std::to_string(t);
        if (!ok) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace sextant::pipeline
