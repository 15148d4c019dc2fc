// The built-in functions, mostly on the examples of DataKit's function documentation.
#include <gtest/gtest.h>

#include "pipeline/test_util.h"

namespace sextant::pipeline {
namespace {

using namespace testing;  // NOLINT

TEST(PipelineFuncs, AddKeySetTagRenameDropKey) {
  model::Point pt = runOn(R"(
add_key(city, "shanghai")
add_key(n)                 # no value: the key's own value (nil here: nothing added)
set_tag(city)              # field -> tag
set_tag(env, "prod")
add_key(tmp, 1)
rename("renamed", tmp)
add_key(gone, 1)
drop_key(gone)
)",
                          "x");
  ASSERT_NE(pt.findTag("city"), nullptr);
  EXPECT_EQ(pt.findTag("city")->value, "shanghai");
  EXPECT_EQ(pt.findField("city"), nullptr);
  EXPECT_EQ(pt.findTag("env")->value, "prod");
  EXPECT_EQ(i64(pt, "renamed"), 1);
  EXPECT_FALSE(has(pt, "tmp"));
  EXPECT_FALSE(has(pt, "gone"));
  EXPECT_FALSE(has(pt, "n"));
}

TEST(PipelineFuncs, GetKeyDeleteAppendLen) {
  model::Point pt = runOn(R"(
add_key(a, "v")
x = get_key(a)
m = {"k1": 1, "k2": 2}
delete(m, "k1")
l = append([1, 2], "three")
add_key(x, x)
add_key(mlen, len(m))
add_key(llen, len(l))
add_key(l2, l[2])
add_key(slen, len("abc"))
)",
                          "");
  EXPECT_EQ(str(pt, "x"), "v");
  EXPECT_EQ(i64(pt, "mlen"), 1);
  EXPECT_EQ(i64(pt, "llen"), 3);
  EXPECT_EQ(str(pt, "l2"), "three");
  EXPECT_EQ(i64(pt, "slen"), 3);
}

TEST(PipelineFuncs, SetMeasurement) {
  model::Point pt = logPoint("x");
  pt.addField("source_name", "nginx_access");
  runScript("set_measurement(source_name, true)", &pt);
  EXPECT_EQ(pt.measurement, "nginx_access");
  EXPECT_FALSE(has(pt, "source_name"));
  pt = runOn("set_measurement(\"literal\")", "x");
  EXPECT_EQ(pt.measurement, "literal");
}

TEST(PipelineFuncs, Cast) {
  model::Point pt = runOn(R"(
add_key(a, "123")
add_key(b, "3.25")
add_key(c, 7)
add_key(d, "true")
add_key(e, "junk")
add_key(f, 2.9)
cast(a, "int")
cast(b, "float")
cast(c, "str")
cast(d, "bool")
cast(e, "int")
cast(f, "int")
)",
                          "");
  EXPECT_EQ(i64(pt, "a"), 123);
  EXPECT_DOUBLE_EQ(f64(pt, "b"), 3.25);
  EXPECT_EQ(str(pt, "c"), "7");
  EXPECT_EQ(std::get<bool>(*field(pt, "d")), true);
  EXPECT_EQ(i64(pt, "e"), 0);
  EXPECT_EQ(i64(pt, "f"), 2);
}

TEST(PipelineFuncs, Strfmt) {
  // DataKit's example: json then strfmt(target, "%v %s %v", ...).
  model::Point pt = runOn(R"(
json(_, a.second)
json(_, a.thrid)
json(_, a.forth)
strfmt(target, "%v %s %v", a.second, a.thrid, a.forth)
strfmt(f2, "%.2f|%d|%x|%%|%s", 3.14159, 42, 255, "s")
)",
                          R"({"a":{"first":2.3,"second":2,"thrid":"abc","forth":true},"age":47})");
  EXPECT_EQ(str(pt, "target"), "2 abc true");
  EXPECT_EQ(str(pt, "f2"), "3.14|42|ff|%|s");
}

TEST(PipelineFuncs, CaseTrimReplace) {
  model::Point pt = runOn(R"PL(
add_key(u, "Hello")
add_key(l, "Hello")
add_key(t1, "  padded \t")
add_key(t2, "--x--")
add_key(phone, "18612345678")
add_key(swap, "ab-cd")
uppercase(u)
lowercase(l)
trim(t1)
trim(t2, "-")
replace(phone, "(1[0-9]{2})[0-9]{4}([0-9]{4})", "$1****$2")
replace(swap, "(?P<x>\w+)-(?P<y>\w+)", "${y}+${x}")
)PL",
                          "");
  EXPECT_EQ(str(pt, "u"), "HELLO");
  EXPECT_EQ(str(pt, "l"), "hello");
  EXPECT_EQ(str(pt, "t1"), "padded");
  EXPECT_EQ(str(pt, "t2"), "x");
  EXPECT_EQ(str(pt, "phone"), "186****5678");
  EXPECT_EQ(str(pt, "swap"), "cd+ab");
}

TEST(PipelineFuncs, ParseIntNullifB64decUrlDecode) {
  model::Point pt = runOn(R"(
add_key(hex, parse_int("ff", 16))
add_key(auto, parse_int("0x1f", 0))
add_key(bad, parse_int("zz", 10))
add_key(empty, "-")
nullif(empty, "-")
add_key(keep, "x")
nullif(keep, "-")
add_key(b64, "aGVsbG8gd29ybGQ=")
b64dec(b64)
add_key(url, "http%3A%2F%2Fexample.com%2Fa%20b%3Fq%3D1+2")
url_decode(url)
)",
                          "");
  EXPECT_EQ(i64(pt, "hex"), 255);
  EXPECT_EQ(i64(pt, "auto"), 31);
  EXPECT_FALSE(has(pt, "bad"));
  EXPECT_FALSE(has(pt, "empty"));
  EXPECT_EQ(str(pt, "keep"), "x");
  EXPECT_EQ(str(pt, "b64"), "hello world");
  EXPECT_EQ(str(pt, "url"), "http://example.com/a b?q=1 2");
}

TEST(PipelineFuncs, GroupBetweenAndGroupIn) {
  const char* src = R"(
group_between(status_code, [200, 299], "OK", status)
group_between(status_code, [500, 599], "error")
group_in(level, ["warn", "warning"], "warning", lv)
)";
  model::Point pt = logPoint("");
  pt.addField("status_code", int64_t{204});
  pt.addField("level", "warn");
  runScript(src, &pt);
  EXPECT_EQ(str(pt, "status"), "OK");
  EXPECT_EQ(i64(pt, "status_code"), 204);
  EXPECT_EQ(str(pt, "lv"), "warning");

  pt = logPoint("");
  pt.addField("status_code", int64_t{503});
  runScript(src, &pt);
  EXPECT_EQ(str(pt, "status_code"), "error");  // no new_key: the key itself is replaced
  EXPECT_FALSE(has(pt, "status"));
}

TEST(PipelineFuncs, JsonExtraction) {
  const char* msg = R"({"info": {"age": 17, "name": "  zhangsan  ", "height": 180.5},
    "items": [{"n": "first"}, {"n": "second"}], "ok": true, "nul": null})";
  model::Point pt = runOn(R"(
json(_, info, "zhangsan")
json(zhangsan, name)
json(_, info.age)
json(_, items[1].n, "second")
json(_, items[-1].n, "last")
json(_, ok)
json(_, nul)
json(_, info.name, "raw", false)
json(_, nosuch.path)
)",
                          msg);
  EXPECT_EQ(str(pt, "name"), "zhangsan");       // trimmed by default
  EXPECT_DOUBLE_EQ(f64(pt, "info.age"), 17.0);  // JSON numbers are floats, as DataKit
  EXPECT_EQ(str(pt, "second"), "second");
  EXPECT_EQ(str(pt, "last"), "second");
  EXPECT_EQ(std::get<bool>(*field(pt, "ok")), true);
  EXPECT_FALSE(has(pt, "nul"));
  EXPECT_EQ(str(pt, "raw"), "  zhangsan  ");
  EXPECT_FALSE(has(pt, "nosuch.path"));
  // An object is stored as its JSON text (keys sorted).
  EXPECT_EQ(str(pt, "zhangsan"), R"({"age":17.0,"height":180.5,"name":"  zhangsan  "})");
}

TEST(PipelineFuncs, JsonDeleteAfterExtract) {
  model::Point pt = runOn(R"(json(_, a.b, "ab", true, true))", R"({"a":{"b":"x","c":1},"d":2})");
  EXPECT_EQ(str(pt, "ab"), "x");
  EXPECT_EQ(str(pt, "message"), R"({"a":{"c":1.0},"d":2.0})");
  EXPECT_EQ(compileError(R"(json(_, a[0], "x", true, true))"),
            "t.p:1:26: json() cannot delete an element of a list");
}

TEST(PipelineFuncs, JsonOnInvalidInputDoesNothing) {
  RunOutcome o;
  model::Point pt = runOn("json(_, a)", "{not json", &o);
  EXPECT_TRUE(o.error.empty());
  EXPECT_FALSE(has(pt, "a"));
}

TEST(PipelineFuncs, LoadJson) {
  model::Point pt = runOn(R"(
d = load_json(_)
add_key(svc, d["service"])
add_key(first, d["tags"][0])
add_key(n, d["n"])
if load_json("{bad") == nil { add_key(bad_is_nil, true) }
)",
                          R"({"service":"api","tags":["t1","t2"],"n":3})");
  EXPECT_EQ(str(pt, "svc"), "api");
  EXPECT_EQ(str(pt, "first"), "t1");
  EXPECT_DOUBLE_EQ(f64(pt, "n"), 3.0);
  EXPECT_TRUE(has(pt, "bad_is_nil"));
}

TEST(PipelineFuncs, DefaultTime) {
  model::Point pt = runOn(R"(grok(_, "%{TIMESTAMP_ISO8601:time} %{GREEDYDATA:msg}")
default_time(time))",
                          "2021-01-02T03:04:05Z hello");
  EXPECT_EQ(pt.time_ns, 1609556645000000000);  // date -u -d 2021-01-02T03:04:05Z +%s
  EXPECT_FALSE(has(pt, "time"));

  // A timezone for texts without one: 03:04:05 in UTC+8 is 19:04:05 UTC the day before.
  pt = runOn("add_key(ts, \"2021-01-02 03:04:05\")\ndefault_time(ts, \"+8\")", "");
  EXPECT_EQ(pt.time_ns, 1609556645000000000 - 8 * 3600 * 1000000000LL);
  EXPECT_EQ(i64(pt, "ts"), 1609556645000000000 - 8 * 3600 * 1000000000LL);

  // Unparseable: the point time is untouched, no error.
  RunOutcome o;
  pt = runOn("add_key(ts, \"not a time\")\ndefault_time(ts)", "", &o);
  EXPECT_EQ(pt.time_ns, kNow);
  EXPECT_TRUE(o.error.empty());
}

TEST(PipelineFuncs, DefaultTimeWithFmt) {
  model::Point pt = runOn(R"(add_key(t, "2021/01/02 03-04-05")
default_time_with_fmt(t, "2006/01/02 15-04-05"))",
                          "");
  EXPECT_EQ(pt.time_ns, 1609556645000000000);
}

TEST(PipelineFuncs, ParseDurationUserAgent) {
  model::Point pt = runOn(R"(
add_key(d, "1h2m3.5s")
parse_duration(d)
add_key(ua, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
user_agent(ua)
)",
                          "");
  EXPECT_EQ(i64(pt, "d"), (3600 + 120 + 3) * 1000000000LL + 500000000LL);
  EXPECT_EQ(str(pt, "browser"), "Chrome");
  EXPECT_EQ(str(pt, "browserVer"), "120.0.0.0");
  EXPECT_EQ(std::get<bool>(*field(pt, "isMobile")), false);
  EXPECT_EQ(std::get<bool>(*field(pt, "isBot")), false);
  EXPECT_TRUE(has(pt, "os"));
  EXPECT_TRUE(has(pt, "engine"));
}

TEST(PipelineFuncs, GrokTypesTrimAndAddPattern) {
  model::Point pt = runOn(R"(
add_pattern("_dur", "%{INT}ms")
ok = grok(_, "%{WORD:verb} +%{_dur:took} %{NUMBER:ratio:float} %{INT:n:int} %{WORD:flag:bool}%{GREEDYDATA:rest}")
add_key(matched, ok)
)",
                          "GET   15ms 0.5 42 true  trailing  ");
  EXPECT_EQ(std::get<bool>(*field(pt, "matched")), true);
  EXPECT_EQ(str(pt, "verb"), "GET");
  EXPECT_EQ(str(pt, "took"), "15ms");
  EXPECT_DOUBLE_EQ(f64(pt, "ratio"), 0.5);
  EXPECT_EQ(i64(pt, "n"), 42);
  EXPECT_EQ(std::get<bool>(*field(pt, "flag")), true);
  EXPECT_EQ(str(pt, "rest"), "trailing");  // trim_space defaults to true

  pt = runOn(R"(grok(_, "%{WORD:w}%{GREEDYDATA:rest}", false))", "ab  c ");
  EXPECT_EQ(str(pt, "rest"), "  c ");

  pt = runOn(R"(if !grok(_, "^%{INT:n}$") { add_key(nomatch, true) })", "abc");
  EXPECT_TRUE(has(pt, "nomatch"));
  EXPECT_FALSE(has(pt, "n"));
}

TEST(PipelineFuncs, GrokWithPatternFromAVariable) {
  model::Point pt = runOn("p = \"%{INT:n:int}\"\ngrok(_, p)", "x 12 y");
  EXPECT_EQ(i64(pt, "n"), 12);
  RunOutcome o;
  runOn("p = \"%{NOPE:n}\"\ngrok(_, p)", "x", &o);
  EXPECT_EQ(o.error.substr(0, 15), "t.p:2:9: grok()");
}

TEST(PipelineFuncs, KvSplit) {
  model::Point pt = runOn(R"(kv_split(_))", "a=1 b=2 c=x=y");
  EXPECT_EQ(str(pt, "a"), "1");
  EXPECT_EQ(str(pt, "b"), "2");
  EXPECT_EQ(str(pt, "c"), "x=y");
  pt = runOn(R"(kv_split(_, field_split_pattern="&", include_keys=["q"], prefix="p_"))",
             "q=search&lang=en");
  EXPECT_EQ(str(pt, "p_q"), "search");
  EXPECT_FALSE(has(pt, "p_lang"));
  EXPECT_FALSE(has(pt, "lang"));
}

TEST(PipelineFuncs, Match) {
  model::Point pt = runOn(R"(
add_key(m1, match("\w+\s[,\w]+", _))
add_key(m2, match("^\d+$", _))
)",
                          "abc def,ghi");
  EXPECT_EQ(std::get<bool>(*field(pt, "m1")), true);
  EXPECT_EQ(std::get<bool>(*field(pt, "m2")), false);
}

}  // namespace
}  // namespace sextant::pipeline
