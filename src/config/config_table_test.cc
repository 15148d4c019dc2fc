#include "config/config_table.h"

#include <gtest/gtest.h>

namespace sextant::config {
namespace {

using std::chrono::nanoseconds;

ConfigTable parseOk(std::string_view text, const std::string& name = "cpu.conf") {
  auto t = ConfigTable::parse(text, name);
  EXPECT_TRUE(t.isOk()) << t.status().toString();
  return t.isOk() ? *t : ConfigTable();
}

// The table at a dotted path of plain keys ("inputs.cpu"), asserting it exists.
ConfigTable sub(const ConfigTable& root, std::string_view key) {
  auto t = root.table(key);
  EXPECT_TRUE(t.isOk()) << t.status().toString();
  EXPECT_TRUE(t.isOk() && t->has_value()) << key;
  return t.isOk() && t->has_value() ? **t : ConfigTable();
}

const char kCpu[] = R"([inputs.cpu]
  percpu = true
  interval = "10s"
  count = 7
  ratio = 0.5
  whole = 3
  name = "x"
  list = ["a", "b"]

[inputs.cpu.tags]
  b = "2"
  a = "1"
)";

TEST(ConfigTableTest, EmptyTableHasNothing) {
  ConfigTable t;
  EXPECT_EQ(t.file(), "");
  EXPECT_EQ(t.path(), "");
  EXPECT_EQ(t.line(), 0);
  EXPECT_FALSE(t.has("x"));
  EXPECT_TRUE(t.keys().empty());
  bool b = true;
  EXPECT_TRUE(t.get("x", &b).isOk());
  EXPECT_TRUE(b);
  auto st = t.table("x");
  ASSERT_TRUE(st.isOk());
  EXPECT_FALSE(st->has_value());
  auto arr = t.tableArray("x");
  ASSERT_TRUE(arr.isOk());
  EXPECT_TRUE(arr->empty());
}

TEST(ConfigTableTest, ParseErrorNamesFileLineColumn) {
  auto t = ConfigTable::parse("a = 1\nb = \n", "conf.d/x.conf");
  ASSERT_FALSE(t.isOk());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message().rfind("conf.d/x.conf:2:", 0), 0u) << t.status().message();
}

TEST(ConfigTableTest, RootAndSubTablePathsAndLines) {
  ConfigTable root = parseOk(kCpu, "conf.d/host/cpu.conf");
  EXPECT_EQ(root.file(), "conf.d/host/cpu.conf");
  EXPECT_EQ(root.path(), "");
  EXPECT_EQ(root.line(), 0);
  ConfigTable cpu = sub(sub(root, "inputs"), "cpu");
  EXPECT_EQ(cpu.file(), "conf.d/host/cpu.conf");
  EXPECT_EQ(cpu.path(), "inputs.cpu");
  EXPECT_EQ(cpu.line(), 1);
  ConfigTable tags = sub(cpu, "tags");
  EXPECT_EQ(tags.path(), "inputs.cpu.tags");
  EXPECT_EQ(tags.line(), 10);
  EXPECT_TRUE(cpu.has("percpu"));
  EXPECT_FALSE(cpu.has("nope"));
}

TEST(ConfigTableTest, KeysInFileOrder) {
  ConfigTable cpu = sub(sub(parseOk(kCpu), "inputs"), "cpu");
  EXPECT_EQ(cpu.keys(), (std::vector<std::string>{"percpu", "interval", "count", "ratio", "whole",
                                                  "name", "list", "tags"}));
  EXPECT_EQ(sub(cpu, "tags").keys(), (std::vector<std::string>{"b", "a"}));
}

TEST(ConfigTableTest, BoolGetter) {
  ConfigTable cpu = sub(sub(parseOk(kCpu), "inputs"), "cpu");
  bool b = false;
  ASSERT_TRUE(cpu.get("percpu", &b).isOk());
  EXPECT_TRUE(b);
  bool absent = true;
  ASSERT_TRUE(cpu.get("missing", &absent).isOk());
  EXPECT_TRUE(absent);
  Status st = cpu.get("name", &b);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "cpu.conf:7: [inputs.cpu] name: want a bool, got a string");
}

TEST(ConfigTableTest, IntGetter) {
  ConfigTable cpu = sub(sub(parseOk(kCpu), "inputs"), "cpu");
  int64_t i = 0;
  ASSERT_TRUE(cpu.get("count", &i).isOk());
  EXPECT_EQ(i, 7);
  int64_t absent = 42;
  ASSERT_TRUE(cpu.get("missing", &absent).isOk());
  EXPECT_EQ(absent, 42);
  EXPECT_EQ(cpu.get("ratio", &i).message(),
            "cpu.conf:5: [inputs.cpu] ratio: want an integer, got a float");
  EXPECT_EQ(cpu.get("percpu", &i).message(),
            "cpu.conf:2: [inputs.cpu] percpu: want an integer, got a bool");
  EXPECT_EQ(i, 7);  // unchanged on error
}

TEST(ConfigTableTest, DoubleGetterAcceptsIntegers) {
  ConfigTable cpu = sub(sub(parseOk(kCpu), "inputs"), "cpu");
  double d = 0;
  ASSERT_TRUE(cpu.get("ratio", &d).isOk());
  EXPECT_EQ(d, 0.5);
  ASSERT_TRUE(cpu.get("whole", &d).isOk());
  EXPECT_EQ(d, 3.0);
  double absent = 1.25;
  ASSERT_TRUE(cpu.get("missing", &absent).isOk());
  EXPECT_EQ(absent, 1.25);
  EXPECT_EQ(cpu.get("name", &d).message(),
            "cpu.conf:7: [inputs.cpu] name: want a number, got a string");
}

TEST(ConfigTableTest, StringGetter) {
  ConfigTable cpu = sub(sub(parseOk(kCpu), "inputs"), "cpu");
  std::string s;
  ASSERT_TRUE(cpu.get("name", &s).isOk());
  EXPECT_EQ(s, "x");
  std::string absent = "keep";
  ASSERT_TRUE(cpu.get("missing", &absent).isOk());
  EXPECT_EQ(absent, "keep");
  EXPECT_EQ(cpu.get("count", &s).message(),
            "cpu.conf:4: [inputs.cpu] count: want a string, got an integer");
  EXPECT_EQ(cpu.get("list", &s).message(),
            "cpu.conf:8: [inputs.cpu] list: want a string, got an array");
  EXPECT_EQ(cpu.get("tags", &s).message(),
            "cpu.conf:10: [inputs.cpu] tags: want a string, got a table");
}

TEST(ConfigTableTest, StringListGetter) {
  ConfigTable t = parseOk("a = [\"x\", \"y\"]\nempty = []\nmixed = [\"x\",\n  2]\nscalar = \"x\"\n",
                          "datakit.conf");
  std::vector<std::string> v;
  ASSERT_TRUE(t.get("a", &v).isOk());
  EXPECT_EQ(v, (std::vector<std::string>{"x", "y"}));
  ASSERT_TRUE(t.get("empty", &v).isOk());
  EXPECT_TRUE(v.empty());
  std::vector<std::string> absent{"keep"};
  ASSERT_TRUE(t.get("missing", &absent).isOk());
  EXPECT_EQ(absent, std::vector<std::string>{"keep"});
  // The root table has no "[path]" part; the line is the offending element's.
  std::vector<std::string> untouched{"u"};
  EXPECT_EQ(t.get("mixed", &untouched).message(),
            "datakit.conf:4: mixed: want an array of strings, got an integer at index 1");
  EXPECT_EQ(untouched, std::vector<std::string>{"u"});
  EXPECT_EQ(t.get("scalar", &v).message(),
            "datakit.conf:5: scalar: want an array of strings, got a string");
}

TEST(ConfigTableTest, DurationGetterStringsAndNanoseconds) {
  ConfigTable t = parseOk(R"([inputs.cpu]
  a = "10s"
  b = "1m30s"
  c = 1500000000
  d = "10x"
  e = 1.5
  f = -5
  g = "0"
)");
  ConfigTable cpu = sub(sub(t, "inputs"), "cpu");
  nanoseconds d{0};
  ASSERT_TRUE(cpu.get("a", &d).isOk());
  EXPECT_EQ(d, std::chrono::seconds(10));
  ASSERT_TRUE(cpu.get("b", &d).isOk());
  EXPECT_EQ(d, std::chrono::seconds(90));
  ASSERT_TRUE(cpu.get("c", &d).isOk());
  EXPECT_EQ(d, std::chrono::milliseconds(1500));
  ASSERT_TRUE(cpu.get("g", &d).isOk());
  EXPECT_EQ(d, nanoseconds(0));
  nanoseconds absent = std::chrono::seconds(3);
  ASSERT_TRUE(cpu.get("missing", &absent).isOk());
  EXPECT_EQ(absent, std::chrono::seconds(3));
  EXPECT_EQ(cpu.get("d", &d).message(),
            "cpu.conf:5: [inputs.cpu] d: bad duration '10x': unknown unit 'x' (use ns, us, ms, "
            "s, m, h)");
  EXPECT_EQ(cpu.get("e", &d).message(),
            "cpu.conf:6: [inputs.cpu] e: want a duration (a string like \"10s\" or integer "
            "nanoseconds), got a float");
  EXPECT_EQ(cpu.get("f", &d).message(), "cpu.conf:7: [inputs.cpu] f: negative duration -5");
  EXPECT_EQ(d, nanoseconds(0));
}

TEST(ConfigTableTest, StringMapGetter) {
  ConfigTable t = parseOk(R"([inputs.cpu]
  name = "x"
[inputs.cpu.tags]
  b = "2"
  a = "1"
[inputs.cpu.bad]
  ok = "1"
  n = 3
)");
  ConfigTable cpu = sub(sub(t, "inputs"), "cpu");
  std::map<std::string, std::string> m;
  ASSERT_TRUE(cpu.get("tags", &m).isOk());
  EXPECT_EQ(m, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  std::map<std::string, std::string> absent{{"k", "v"}};
  ASSERT_TRUE(cpu.get("missing", &absent).isOk());
  EXPECT_EQ(absent.size(), 1u);
  std::map<std::string, std::string> untouched;
  EXPECT_EQ(cpu.get("bad", &untouched).message(),
            "cpu.conf:8: [inputs.cpu.bad] n: want a string, got an integer");
  EXPECT_TRUE(untouched.empty());
  EXPECT_EQ(cpu.get("name", &m).message(),
            "cpu.conf:2: [inputs.cpu] name: want a table of strings, got a string");
}

TEST(ConfigTableTest, SubTables) {
  ConfigTable t = parseOk(R"([inputs.prom]
  url = "http://x"
  auth = "no"
  [inputs.prom.auth2]
    type = "bearer_token"
)",
                          "prom.conf");
  ConfigTable prom = sub(sub(t, "inputs"), "prom");
  auto missing = prom.table("nope");
  ASSERT_TRUE(missing.isOk());
  EXPECT_FALSE(missing->has_value());
  auto wrong = prom.table("auth");
  ASSERT_FALSE(wrong.isOk());
  EXPECT_EQ(wrong.status().message(),
            "prom.conf:3: [inputs.prom] auth: want a table, got a string");
  ConfigTable auth = sub(prom, "auth2");
  EXPECT_EQ(auth.path(), "inputs.prom.auth2");
  EXPECT_EQ(auth.line(), 4);
  std::string type;
  ASSERT_TRUE(auth.get("type", &type).isOk());
  EXPECT_EQ(type, "bearer_token");
}

TEST(ConfigTableTest, ArraysOfTables) {
  ConfigTable t = parseOk(R"([[inputs.prom]]
  url = "http://a"
  [[inputs.prom.measurements]]
    prefix = "cpu_"
    name = "cpu"
  [[inputs.prom.measurements]]
    prefix = "mem_"
    name = "mem"
[[inputs.prom]]
  url = "http://b"
  measurements = 3
  mixed = [{a = "1"}, 2]
)",
                          "prom.conf");
  auto proms = sub(t, "inputs").tableArray("prom");
  ASSERT_TRUE(proms.isOk()) << proms.status().toString();
  ASSERT_EQ(proms->size(), 2u);
  EXPECT_EQ((*proms)[0].path(), "inputs.prom");
  EXPECT_EQ((*proms)[0].line(), 1);
  EXPECT_EQ((*proms)[1].line(), 9);
  auto ms = (*proms)[0].tableArray("measurements");
  ASSERT_TRUE(ms.isOk());
  ASSERT_EQ(ms->size(), 2u);
  std::string name;
  ASSERT_TRUE((*ms)[1].get("name", &name).isOk());
  EXPECT_EQ(name, "mem");
  EXPECT_EQ((*ms)[1].path(), "inputs.prom.measurements");
  EXPECT_EQ((*ms)[1].line(), 6);
  EXPECT_EQ((*ms)[0].keys(), (std::vector<std::string>{"prefix", "name"}));
  auto absent = (*proms)[1].tableArray("nope");
  ASSERT_TRUE(absent.isOk());
  EXPECT_TRUE(absent->empty());
  auto wrong = (*proms)[1].tableArray("measurements");
  ASSERT_FALSE(wrong.isOk());
  EXPECT_EQ(wrong.status().message(),
            "prom.conf:11: [inputs.prom] measurements: want an array of tables, got an integer");
  auto mixed = (*proms)[1].tableArray("mixed");
  ASSERT_FALSE(mixed.isOk());
  EXPECT_EQ(
      mixed.status().message(),
      "prom.conf:12: [inputs.prom] mixed: want an array of tables, got an integer at index 1");
  // A single [table] where an array is wanted is an error, as in DataKit's Go decoder.
  auto single = t.tableArray("inputs");
  EXPECT_FALSE(single.isOk());
}

TEST(ConfigTableTest, TableOutlivesParserAndCopies) {
  ConfigTable cpu;
  {
    ConfigTable root = parseOk(kCpu);
    cpu = sub(sub(root, "inputs"), "cpu");
  }
  ConfigTable copy = cpu;
  std::string name;
  ASSERT_TRUE(copy.get("name", &name).isOk());
  EXPECT_EQ(name, "x");
}

TEST(ConfigTableTest, WhereKindAndLineOf) {
  ConfigTable cpu = sub(sub(parseOk(kCpu, "conf.d/host/cpu.conf"), "inputs"), "cpu");
  EXPECT_EQ(cpu.where("interval"), "conf.d/host/cpu.conf:3: [inputs.cpu] interval");
  EXPECT_EQ(cpu.where("absent"), "conf.d/host/cpu.conf:1: [inputs.cpu] absent");
  EXPECT_EQ(cpu.kind("interval"), "a string");
  EXPECT_EQ(cpu.kind("list"), "an array");
  EXPECT_EQ(cpu.kind("tags"), "a table");
  EXPECT_EQ(cpu.kind("absent"), "");
  EXPECT_EQ(cpu.lineOf("count"), 4);
  ConfigTable quoted = parseOk("[inputs.\"a.b\"]\nx = 1\n");
  ConfigTable ab = sub(sub(quoted, "inputs"), "a.b");
  EXPECT_EQ(ab.where("x"), "cpu.conf:2: [inputs.\"a.b\"] x");
}

}  // namespace
}  // namespace sextant::config
