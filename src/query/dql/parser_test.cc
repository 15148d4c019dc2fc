// Parser and printer tests: a table of valid queries with hand-written canonical forms, invalid
// queries with the error they must give, tree-shape checks for what a planner reads, and the
// round-trip property parse(toString(parse(x))) == parse(x) over the table.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "query/dql/dql.h"

namespace sextant::query::dql {
namespace {

Query parseOk(std::string_view text) {
  Result<Query> r = parse(text);
  EXPECT_TRUE(r.isOk()) << text << "\n  -> " << r.status().message();
  return r.isOk() ? std::move(r).value() : Query{};
}

std::string parseError(std::string_view text) {
  Result<Query> r = parse(text);
  EXPECT_FALSE(r.isOk()) << text << " parsed as " << (r.isOk() ? toString(*r) : "");
  return r.isOk() ? "" : r.status().message();
}

struct Canon {
  const char* in;
  const char* out;
};

// Input -> canonical form, written by hand from docs/dql.md's printing rules.
const Canon kValid[] = {
    // Statement shape, namespaces, sources (guance-docs dql/define.md examples).
    {"M::cpu", "M::cpu"},
    {"cpu", "M::cpu"},
    {"metric::cpu [5m]", "M::cpu [5m]"},
    {"M::cpu [10m:5m]", "M::cpu [10m:5m]"},
    {"M::cpu:(usage_idle) [10m:5m:1m]", "M::cpu:(usage_idle) [10m:5m:1m]"},
    {"M:: cpu:(time_active, time_guest_nice)\n\t\t{ host = \"host-name\", cpu = \"cpu0\" } [5m] "
     "BY host,cpu",
     "M::cpu:(time_active, time_guest_nice) {host = 'host-name', cpu = 'cpu0'} [5m] BY host, cpu"},
    {"M   ::cpu : (time_active, time_guest_nice)\n\t{ host = \"host-name\", cpu = \"cpu0\" } [5m]",
     "M::cpu:(time_active, time_guest_nice) {host = 'host-name', cpu = 'cpu0'} [5m]"},
    {"O::human:(height, age) { age > 100, sex = \"直男\" } ORDER BY height desc LIMIT 10",
     "O::human:(height, age) {age > 100, sex = '直男'} ORDER BY height DESC LIMIT 10"},
    {"M::cpu,mem:(time_active, time_guest_nice, host) { host = \"host-name\", cpu = \"cpu0\" } "
     "[5m] BY host,cpu",
     "M::cpu,mem:(time_active, time_guest_nice, host) {host = 'host-name', cpu = 'cpu0'} [5m] BY "
     "host, cpu"},
    {"M::re('*db') [5m]", "M::re('*db') [5m]"},
    {"M::cpu,re('mem.*'),`disk io`", "M::cpu,re('mem.*'),`disk io`"},
    {"M::re`^cpu` [5m]", "M::re('^cpu') [5m]"},
    {"L::`*`", "L::*"},
    {"T::*:(count(*))", "T::*:(count(*))"},
    {"L('default')::kubernetes_events:(status,__docid,message)",
     "L('default')::kubernetes_events:(status, __docid, message)"},
    {"logging::nginx", "L::nginx"},
    {"object::HOST", "O::HOST"},
    {"object_history::HOST", "OH::HOST"},
    {"custom_object::rds", "CO::rds"},
    {"COH::rds", "COH::rds"},
    {"keyevent::monitor", "E::monitor"},
    {"event::monitor", "E::monitor"},
    {"tracing::mysqli", "T::mysqli"},
    {"rum::view", "R::view"},
    {"security::storage", "S::storage"},
    {"network::httpflow", "N::httpflow"},
    {"profiling::x", "P::x"},
    {"BL::nginx", "BL::nginx"},
    {"F::x", "F::x"},
    {"TM::service_list_1m", "TM::service_list_1m"},
    {"TSM::*", "TSM::*"},
    {"ci::gitlab_pipeline", "CI::gitlab_pipeline"},
    {"m::cpu", "M::cpu"},
    {"M::kube_pod.ready", "M::kube_pod.ready"},
    {"M::`by`", "M::`by`"},
    // Target lists.
    {"M::cpu:()", "M::cpu:()"},
    {"M::cpu:(*)", "M::cpu:(*)"},
    {"M::cpu:(`*`)", "M::cpu:(*)"},
    {"M::cpu:(time_active+1, time_active/time_guest_nice) [5m]",
     "M::cpu:(time_active + 1, time_active / time_guest_nice) [5m]"},
    {"M::cpu:(avg(time_active) AS time_active_avg) [1d::1h]",
     "M::cpu:(avg(time_active) AS time_active_avg) [1d::1h]"},
    {"M::cpu:(fill(avg(time_active) AS time_active_avg, 0.1)) [1d::1h]",
     "M::cpu:(fill(avg(time_active) AS time_active_avg, 0.1)) [1d::1h]"},
    {"cpu:(fill(f1, 123), fill(f2, \"foo bar\"), fill(f3, 123.456))",
     "M::cpu:(fill(f1, 123), fill(f2, 'foo bar'), fill(f3, 123.456))"},
    {"cpu:(fill(f1, LINEAR), fill(f2, Previous), fill(f3, null), fill(f4, nil))",
     "M::cpu:(fill(f1, linear), fill(f2, previous), fill(f3, nil), fill(f4, nil))"},
    {"M::cpu:(usage AS 使用率👍) [5m]", "M::cpu:(usage AS 使用率👍) [5m]"},
    {"M::cpu:(usage as `my alias`, x AS 'quoted')", "M::cpu:(usage AS `my alias`, x AS quoted)"},
    {"M::cpu:(`bytes_recv/sec`)", "M::cpu:(`bytes_recv/sec`)"},
    {"M::cpu:(`by`, `limit`, `nil`)", "M::cpu:(`by`, `limit`, `nil`)"},
    {"M::cpu:(identifier(\"this`is\"))", "M::cpu:(identifier(\"this`is\"))"},
    {"M::cpu:(identifier('plain'))", "M::cpu:(plain)"},
    {"M::cpu:(COUNT(*), count(`*`), LAST(x), Count_Distinct(host))",
     "M::cpu:(count(*), count(*), last(x), count_distinct(host))"},
    {"M::cpu:(percentile(usage, 90), top(usage, 3), count_filter(status, ['a','b']))",
     "M::cpu:(percentile(usage, 90), top(usage, 3), count_filter(status, ['a', 'b']))"},
    {"M::cpu:(histogram(x, 0, 100, 10, 1), int(x), float(y), median(z))",
     "M::cpu:(histogram(x, 0, 100, 10, 1), int(x), float(y), median(z))"},
    {"L::nginx:(regexp_extract(message, re'(\\d+)', 1))",
     "L::nginx:(regexp_extract(message, re('(\\\\d+)'), 1))"},
    {"M::cpu:(max('usage_total')) by host order by time desc",
     "M::cpu:(max('usage_total')) BY host ORDER BY time DESC"},
    {"L::`*`:(max('response_time') as m1) by host order by m1 asc",
     "L::*:(max('response_time') AS m1) BY host ORDER BY m1 ASC"},
    {"M::cpu:(A.a1 + B.b1)", "M::cpu:(A.a1 + B.b1)"},
    // Arithmetic: precedence, associativity, folding of negative numbers.
    {"M::cpu:(a - -1, -a, 2 ^ 3 ^ 2, -2 ^ 2, (-2) ^ 2, a % 3, +a)",
     "M::cpu:(a - -1, -a, 2 ^ 3 ^ 2, -2 ^ 2, (-2) ^ 2, a % 3, a)"},
    {"M::cpu:((a + b) * c, a + b * c, a - (b - c), (a - b) - c, a / (b * c), (a ^ b) ^ c)",
     "M::cpu:((a + b) * c, a + b * c, a - (b - c), a - b - c, a / (b * c), (a ^ b) ^ c)"},
    {"M::cpu:(-(a + b), - -a, -(-5), x * -y)", "M::cpu:(-(a + b), --a, 5, x * -y)"},
    {"M::cpu:(last(x)/last(x))", "M::cpu:(last(x) / last(x))"},
    // Filters.
    {"O::human:(height) { age > 100, sex != re(\"男\") }",
     "O::human:(height) {age > 100, sex != re('男')}"},
    {"O::human:(height) { (age + 1)/2 > 31, sex != re(\"男\") }",
     "O::human:(height) {(age + 1) / 2 > 31, sex != re('男')}"},
    {"O::human:(height) { age > 31 || sex != re(\"男\"), weight > 70}",
     "O::human:(height) {age > 31 OR sex != re('男'), weight > 70}"},
    {"O::human:(height) { age in [30, 40, 50], weight > 70}",
     "O::human:(height) {age IN [30, 40, 50], weight > 70}"},
    {"O::human:(height) { age > 31 && sex != re(\"男\") }",
     "O::human:(height) {age > 31, sex != re('男')}"},
    {"M::some_metric {(a>123.45 && b!=re(\"abc\")) || (z!=\"abc\"), c=re(\"xyz\")} [1d::30m]",
     "M::some_metric {a > 123.45 AND b != re('abc') OR z != 'abc', c = re('xyz')} [1d::30m]"},
    {"M::cpu {a = 1 OR b = 2 AND c = 3}", "M::cpu {a = 1 OR b = 2 AND c = 3}"},
    {"M::cpu {(a = 1 OR b = 2) AND c = 3}", "M::cpu {a = 1 OR b = 2, c = 3}"},
    {"M::cpu {a = 1 AND (b = 2 AND c = 3)}", "M::cpu {a = 1, b = 2 AND c = 3}"},
    {"M::cpu {a = 1 or (b = 2 or c = 3)}", "M::cpu {a = 1 OR (b = 2 OR c = 3)}"},
    {"M::cpu {NOT (a = 1 OR b = 2)}", "M::cpu {NOT (a = 1 OR b = 2)}"},
    {"L::nginx {not status in ['200', '304'] and host != 'a'}",
     "L::nginx {NOT status IN ['200', '304'], host != 'a'}"},
    {"L::nginx {status not in ['200'], code NOT IN [1, 2]}",
     "L::nginx {status NOT IN ['200'], code NOT IN [1, 2]}"},
    {"M::cpu {host =~ 'web-.*', dc !~ \"a|b\"}", "M::cpu {host = re('web-.*'), dc != re('a|b')}"},
    {"M::cpu {host = re'web.*', h2 = re\"x\", h3 = re`y`}",
     "M::cpu {host = re('web.*'), h2 = re('x'), h3 = re('y')}"},
    {"L::nginx {match('timeout'), host = wildcard('web-*')}",
     "L::nginx {match('timeout'), host = wildcard('web-*')}"},
    {"L::nginx {message = match('error')}", "L::nginx {message = match('error')}"},
    {"L::nginx {query_string('info OR warn'), trace_id = exists()}",
     "L::nginx {query_string('info OR warn'), trace_id = exists()}"},
    {"O::HOST {with_labels(object_class='HOST', labels=['a','b'])}",
     "O::HOST {with_labels(object_class='HOST', labels=['a', 'b'])}"},
    {"L::nginx { @abc.def = \"xyz\" }", "L::nginx {`message@json.abc.def` = 'xyz'}"},
    {"M::`cpu`:(last(`usage_system`)) {`host`=`xxx`} BY `host_ip`",
     "M::cpu:(last(usage_system)) {host = xxx} BY host_ip"},
    {"L::`datakit`:(COUNT(`*`)) { `index` = 'default' } BY `host`",
     "L::datakit:(count(*)) {index = 'default'} BY host"},
    {"S::`storage`:(LAST(`host`)) { `level` = re('warn') } BY `level`",
     "S::storage:(last(host)) {level = re('warn')} BY level"},
    {"O::HOST:(distinct('host')){'os'='linux'}[10m]",
     "O::HOST:(distinct('host')) {'os' = 'linux'} [10m]"},
    {"M::cpu {host = #{host}, dc = '#{dc}'}", "M::cpu {host = #{host}, dc = '#{dc}'}"},
    {"M::cpu {}", "M::cpu"},
    // Literals.
    {"M::cpu {a = true, b = FALSE, c = nil, d = 5.67E3, e = 1e-3, f = 10, g = 1h30m, "
     "h = b64'aGVsbG8='}",
     "M::cpu {a = true, b = false, c = nil, d = 5670.0, e = 0.001, f = 10, g = 90m, h = 'hello'}"},
    {"M::cpu {a > -1, b < -1.5, c = -5m, d = 7d, e = 1y, f = 1500ms, g = 0s}",
     "M::cpu {a > -1, b < -1.5, c = -5m, d = 1w, e = 365d, f = 1500ms, g = 0s}"},
    {"M::cpu {a = 'it\\'s', b = \"say \\\"hi\\\"\", c = 'tab\\there', d = 'back\\\\slash'}",
     "M::cpu {a = 'it\\'s', b = 'say \"hi\"', c = 'tab\\there', d = 'back\\\\slash'}"},
    {"M::cpu {a = 'line\nbreak'}", "M::cpu {a = 'line\\nbreak'}"},
    {"M::cpu {a = 'keep \\d'}", "M::cpu {a = 'keep \\\\d'}"},
    // Time expressions.
    {"M::cpu [2019-01-01 12:13:14:5m:1w]", "M::cpu [1546344794:5m:1w]"},
    {"M::cpu [1672502400000:1672588800000]", "M::cpu [1672502400:1672588800]"},
    {"M::cpu [1672502400:1672588800]", "M::cpu [1672502400:1672588800]"},
    {"M::cpu [1672531200123]", "M::cpu [1672531200123]"},
    {"M::cpu [2023-01-01:2023-01-02]", "M::cpu [1672531200:1672617600]"},
    {"M::cpu ['2023-01-01 00:00:00':\"2024-02-29 23:59:59\"]", "M::cpu [1672531200:1709251199]"},
    {"M::cpu [now()-1h:now()]", "M::cpu [1h:now()]"},
    {"M::cpu [ now ( ) - 1h : now() + 30m ]", "M::cpu [1h:now()+30m]"},
    {"M::cpu [0s]", "M::cpu [now()]"},
    {"M::cpu [7d]", "M::cpu [1w]"},
    {"M::cpu [120s]", "M::cpu [2m]"},
    {"M::cpu [1h::auto]", "M::cpu [1h::auto]"},
    {"M::cpu [1h::AUTO]", "M::cpu [1h::auto]"},
    {"M::cpu [::1m:IRATE]", "M::cpu [::1m:irate]"},
    {"M::cpu [:::p99]", "M::cpu [:::p99]"},
    {"M::cpu [:5m]", "M::cpu [:5m]"},
    {"M::cpu [1d::1h]", "M::cpu [1d::1h]"},
    {"M::cpu [::]", "M::cpu []"},
    {"M::cpu []", "M::cpu []"},
    // Clauses.
    {"M::cpu:(last(usage)) BY host ORDER BY time DESC LIMIT 10 OFFSET 5 SORDER BY host ASC "
     "SLIMIT 3 SOFFSET 1",
     "M::cpu:(last(usage)) BY host ORDER BY time DESC LIMIT 10 OFFSET 5 SORDER BY host ASC "
     "SLIMIT 3 SOFFSET 1"},
    {"M::cpu BY host SLIMIT 3 SOFFSET 1 SORDER BY host desc",
     "M::cpu BY host SORDER BY host DESC SLIMIT 3 SOFFSET 1"},
    {"M::cpu BY host SLIMIT 3 SORDER BY max_usage", "M::cpu BY host SORDER BY max_usage SLIMIT 3"},
    {"M::cpu:(avg(usage)) [1d::1h] BY host SLIMIT 3 tz('Asia/Shanghai')",
     "M::cpu:(avg(usage)) [1d::1h] BY host SLIMIT 3 tz('Asia/Shanghai')"},
    {"M::cpu [::1d] TZ(\"+8\")", "M::cpu [::1d] tz('+8')"},
    {"M::cpu:() limit 3", "M::cpu:() LIMIT 3"},
    {"M::cpu:() by host limit 3 slimit 3", "M::cpu:() BY host LIMIT 3 SLIMIT 3"},
    {"M::cpu:(max(usage_total) as m) by host having m > 80",
     "M::cpu:(max(usage_total) AS m) BY host HAVING m > 80"},
    {"M::cpu ORDER BY a, b DESC", "M::cpu ORDER BY a, b DESC"},
    {"M::cpu [5m] BY host, time(1m)", "M::cpu [5m] BY host, time(1m)"},
    {"m::cpu:(AVG(x) as y) by host Limit 5", "M::cpu:(avg(x) AS y) BY host LIMIT 5"},
    {"M::cpu # a comment\n[5m] # another\n", "M::cpu [5m]"},
    {"# leading comment\nM::cpu", "M::cpu"},
    // Composition: subqueries, FILTER / LINK.
    {"M::(\n# 子查询\nM::cpu:(usage_total) {host='kind'} \n):(last(usage_total))  # "
     "外层查询目标列\n"
     "{}  # 外层查询过滤条件",
     "M::(M::cpu:(usage_total) {host = 'kind'}):(last(usage_total))"},
    {"M::(M::(M::cpu:(usage_total) {host='kind'}):(usage_total) {usage_total > 0} )"
     ":(last(usage_total))",
     "M::(M::(M::cpu:(usage_total) {host = 'kind'}):(usage_total) {usage_total > 0})"
     ":(last(usage_total))"},
    {"M::cpu:(host, usage) FILTER O::ecs:(hostname) WITH {host = hostname}",
     "M::cpu:(host, usage) FILTER O::ecs:(hostname) WITH {host = hostname}"},
    {"O::ecs:(host, region) LINK M::cpu:(usage, hostname) [:5m] WITH {host = hostname}",
     "O::ecs:(host, region) LINK M::cpu:(usage, hostname) [:5m] WITH {host = hostname}"},
    {"O::ecs:(host, region)\n  LINK M::cpu:(usage, hostname) [:5m]\n  LINK M::mem:(percent, "
     "hostname) [:5m]\n  WITH {host = hostname}",
     "O::ecs:(host, region) LINK M::cpu:(usage, hostname) [:5m] LINK M::mem:(percent, hostname) "
     "[:5m] WITH {host = hostname}"},
    {"M::cpu:(avg(usage)) BY host filter O::HOST:(host) {os = 'linux'} [1h] LIMIT 10 with "
     "{host = host}",
     "M::cpu:(avg(usage)) BY host FILTER O::HOST:(host) {os = 'linux'} [1h] LIMIT 10 WITH "
     "{host = host}"},
    {"M::cpu FILTER O::ecs WITH {host = hostname AND `cluster name` = cl}",
     "M::cpu FILTER O::ecs WITH {host = hostname, `cluster name` = cl}"},
    {"M::(M::cpu FILTER O::ecs WITH {host = h}):(count(*))",
     "M::(M::cpu FILTER O::ecs WITH {host = h}):(count(*))"},
    {"L::nginx FILTER L::(L::auth:(user) {ok = false}):(user) WITH {user = user}",
     "L::nginx FILTER L::(L::auth:(user) {ok = false}):(user) WITH {user = user}"},
    // Outer functions, eval, show_*.
    {"irate(\"M::etcd:(avg(x)) BY host\").series_sum()",
     "irate(\"M::etcd:(avg(x)) BY host\").series_sum()"},
    {"series_sum(irate(\"M::etcd:(avg(x)) BY host\"))",
     "irate(\"M::etcd:(avg(x)) BY host\").series_sum()"},
    {"series_sum('irate(\"M::etcd:(avg(x)) BY host\")')",
     "irate(\"M::etcd:(avg(x)) BY host\").series_sum()"},
    {"series_sum(M::disk:(avg(total)) BY host)", "series_sum(\"M::disk:(avg(total)) BY host\")"},
    {"abs(dql=`R::resource:(resource_load) {resource_load > 100} limit 3`)",
     "abs(dql=\"R::resource:(resource_load) {resource_load > 100} LIMIT 3\")"},
    {"difference(dql=`R::resource:(resource_load) {resource_load > 100} "
     "[1614239472:1614239531] limit 3`).cumsum()",
     "difference(dql=\"R::resource:(resource_load) {resource_load > 100} [1614239472:1614239531] "
     "LIMIT 3\").cumsum()"},
    {"count(`L::nginxlog:(status) {client_ip='127.0.0.1'}`)",
     "count(\"L::nginxlog:(status) {client_ip = '127.0.0.1'}\")"},
    {"count_filter(\n  dql=\"E::monitor:(event_id, status, source){source=monitor} by event_id\", "
     "\n  expr=\"status != `critical`\"\n)",
     "count_filter(dql=\"E::monitor:(event_id, status, source) {source = monitor} BY event_id\", "
     "expr='status != `critical`')"},
    {"eval(A/B, A=\"M::cpu:(avg(a))\", B=\"M::cpu:(avg(b))\")",
     "eval(A / B, A=\"M::cpu:(avg(a))\", B=\"M::cpu:(avg(b))\")"},
    {"eval(A.a1 + B.b1 + 10 , A='M::`cpu`:(avg(usage_total) as `a1`) {  } [2h::1h]', "
     "B='M::`cpu`:(avg(usage_total) as `b1`) {  } [2h::1h]')",
     "eval(A.a1 + B.b1 + 10, A=\"M::cpu:(avg(usage_total) AS a1) [2h::1h]\", "
     "B=\"M::cpu:(avg(usage_total) AS b1) [2h::1h]\")"},
    {"eval(A/B, alias='x', A=\"M::a\", B=M::b)", "eval(A / B, alias='x', A=\"M::a\", B=\"M::b\")"},
    {"eval(A/1000, A=\"series_sum(\\\"M::kube_pod:(avg(cpu_usage_millicores)) BY pod_name\\\")\")",
     "eval(A / 1000, A=\"series_sum(\\\"M::kube_pod:(avg(cpu_usage_millicores)) BY "
     "pod_name\\\")\")"},
    {"SHOW_MEASUREMENT()", "show_measurement()"},
    {"show_measurement() {name = re('cpu.*')} LIMIT 10 OFFSET 5",
     "show_measurement() {name = re('cpu.*')} LIMIT 10 OFFSET 5"},
    {"show_tag_key(from=['cpu'])", "show_tag_key(from=['cpu'])"},
    {"show_tag_value(from=['kubernetes'], keyin=['cluster_name_k8s']){cluster_name_k8s='#{c}'}"
     "[5m]",
     "show_tag_value(from=['kubernetes'], keyin=['cluster_name_k8s']) "
     "{cluster_name_k8s = '#{c}'} [5m]"},
    {"show_field_key(from=['cpu'])", "show_field_key(from=['cpu'])"},
    {"show_object_field('HOST')", "show_object_field('HOST')"},
    {"show_workspaces()", "show_workspaces()"},
    // Found by fuzzing: a JSON path is never an argument name.
    {"foo(+a = 1, (b = 2 AND c))", "foo((a = 1), (b = 2 AND c))"},
    {"M::cpu {@a.b = 1}", "M::cpu {`message@json.a.b` = 1}"},
    {"series_sum(('x'), 'y')", "series_sum(('x'), 'y')"},
    {"M::cpu:(x AS 'a`b')", "M::cpu:(x AS 'a`b')"},
    {"series_sum((foo(x) + 1))", "series_sum((foo(x) + 1))"},
    {"series_sum((re('a')) AS r)", "series_sum((re('a')) AS r)"},
    {"series_sum((`a b` = 1))", "series_sum((`a b` = 1))"},
    {"eval(A, A=(5), B='M::x')", "eval(A, A=5, B=\"M::x\")"},
    {"M::cpu:(f((a = 1) AS x, `k` = 2, k2 = 3))", "M::cpu:(f((a = 1) AS x, (k = 2), k2=3))"},
    {"show_tag_value(from=['a'], @k.n=['x'])",
     "show_tag_value(from=['a'], `message@json.k.n` = ['x'])"},
};

TEST(DqlParser, CanonicalForms) {
  for (const Canon& c : kValid) {
    Result<Query> q = parse(c.in);
    ASSERT_TRUE(q.isOk()) << c.in << "\n  -> " << q.status().message();
    EXPECT_EQ(toString(*q), c.out) << "input: " << c.in;
  }
}

// The round-trip property over the table: the canonical text parses to the same tree and is a
// fixed point of printing.
TEST(DqlParser, RoundTripOverTheTable) {
  for (const Canon& c : kValid) {
    Query q = parseOk(c.in);
    std::string text = toString(q);
    Query again = parseOk(text);
    EXPECT_EQ(again, q) << c.in << "\n  printed: " << text;
    EXPECT_EQ(toString(again), text);
    // The canonical form given in the table parses to the same tree too.
    EXPECT_EQ(parseOk(c.out), q) << c.out;
  }
}

struct Bad {
  const char* in;
  const char* error;  // a substring of the message, position included
};

const Bad kInvalid[] = {
    {"", "1:1: expected a data source, got end of query"},
    {"M::", "1:4: expected a data source"},
    {"X::cpu", "1:1: unknown namespace 'X'"},
    {"M::cpu:(", "1:9: expected an expression, got end of query"},
    {"M::cpu:(a b)", "1:11: expected ',' or ')' in the target list, got 'b'"},
    {"M::cpu:x", "1:8: expected '(' after ':'"},
    {"M::cpu {a = }", "1:13: expected an expression, got '}'"},
    {"M::cpu {a = 1", "1:14: expected ',' or '}' in the filter, got end of query"},
    {"M::cpu {a = 1,}", "1:15: expected an expression, got '}'"},
    {"M::cpu [5m] {a = 1}", "1:13: filter {...} is out of order"},
    {"M::cpu LIMIT 5 BY host", "1:16: BY is out of order"},
    {"M::cpu LIMIT 5 LIMIT 6", "1:16: duplicate LIMIT"},
    {"M::cpu SORDER BY a SLIMIT 1 SORDER BY b", "1:29: duplicate SORDER BY"},
    {"M::cpu SORDER BY a LIMIT 1", "1:20: LIMIT is out of order"},
    {"M::cpu LIMIT x", "1:14: expected a non-negative integer after limit, got 'x'"},
    {"M::cpu SLIMIT -1", "1:15: expected a non-negative integer after slimit, got '-'"},
    {"M::cpu ORDER time", "1:14: expected BY after ORDER"},
    {"M::cpu SORDER host", "1:15: expected BY after SORDER"},
    {"M::cpu [5x]", "1:9: invalid time '5x'"},
    {"M::cpu [5m", "1:11: unterminated time expression"},
    {"M::cpu [1:2:3m:irate:x]", "1:21: unexpected ':' in the time expression"},
    {"M::cpu [5m 6m]", "1:12: unexpected '6' in the time expression"},
    {"M::cpu [2023-13-01]", "1:9: invalid date"},
    {"M::cpu [2023-02-29]", "1:9: invalid date"},
    {"M::cpu [1969-12-31]", "1:9: invalid date"},
    {"M::cpu ['5m']", "1:9: expected a date in the quotes"},
    {"M::cpu [::0s]", "1:11: the interval must be positive"},
    {"M::cpu [::5x]", "1:11: invalid interval '5x'"},
    {"M::cpu [:::9x]", "1:12: invalid rollup '9x'"},
    {"M::cpu [now]", "1:9: expected now()"},
    {"M::cpu [now()-]", "1:15: expected a duration after now() -"},
    {"M::cpu [99999999999999999999]", "1:9: timestamp out of range"},
    {"M::cpu {a = 'x}", "1:13: unterminated string"},
    {"M::`cpu", "1:4: unterminated `quoted name`"},
    {"M::cpu {a = 12abc}", "1:13: invalid number '12abc'"},
    {"M::cpu {a = 1.5h}", "1:13: invalid number '1.5h'"},
    {"M::cpu {a = 99999999999999999999}", "1:13: number out of range"},
    {"M::cpu {a = 1e999}", "1:13: number out of range"},
    {"M::cpu {a = 999999999999999999d}", "1:13: invalid number"},
    {"M::cpu {a = #{}}", "1:13: empty variable name '#{}'"},
    {"M::cpu {a = #{x", "1:13: unterminated variable '#{'"},
    {"M::cpu {a IN 1}", "1:14: expected '[' after IN"},
    {"M::cpu {a IN [1, 2}", "1:19: expected ',' or ']' in the list"},
    {"M::cpu {a =~ 5}", "1:14: expected a pattern string after =~ or !~"},
    {"M::cpu:(a AS)", "1:13: expected a name after AS"},
    {"M::cpu:(a AS by)", "1:14: expected a name after AS, got 'by'"},
    {"M::cpu extra", "1:8: unexpected 'extra'"},
    {"M::cpu,(M::mem)", "1:8: a subquery cannot have sibling data sources"},
    {"M::(M::mem", "1:11: expected ')' after the subquery"},
    {"M::re(1)", "1:7: expected a string in re(...)"},
    {"M::limit", "1:4: expected a data source, got 'limit'"},
    {"series_sum(\"M::cpu {\")", "1:12: in query string: 1:9: expected an expression"},
    {"eval(A/B, A='M::')", "1:13: in query string: 1:4: expected a data source"},
    {"M::cpu FILTER O::ecs", "1:21: expected WITH {...} after FILTER"},
    {"M::cpu LINK O::ecs WITH host", "1:25: expected '{' after WITH"},
    {"M::cpu FILTER show_measurement() WITH {a = b}", "1:15: FILTER and LINK take a select"},
    {"M::cpu FILTER O::ecs WITH {}", "1:27: WITH {...} needs at least one key pair"},
    {"M::cpu FILTER O::ecs WITH {host = 'a'}", "1:28: WITH takes key pairs left_name = "},
    {"M::cpu LINK O::ecs WITH {a = b OR c = d}", "1:26: WITH takes key pairs"},
    {"M::cpu LINK O::ecs WITH {a = b, c > d}", "1:33: WITH takes key pairs"},
    {"M::cpu LINK O::ecs WITH {a = b, c = d + 1}", "1:33: WITH takes key pairs"},
    {"M::cpu FILTER O::ecs FILTER O::x WITH {a = b}",
     "1:22: expected WITH {...} after FILTER, got 'FILTER'"},
    {"M::cpu LINK O::ecs WITH {a = b} LINK O::x WITH {a = b}", "1:33: unexpected 'LINK'"},
    {"M::cpu FILTER O::ecs {a = 1} WITH", "1:34: expected '{' after WITH, got end of query"},
    {"M::cpu FILTER O::ecs:( WITH {a = b}", "1:24: expected an expression, got 'WITH'"},
    {"M::cpu FILTER O::ecs WITH {a = b", "1:33: expected ',' or '}' in the filter"},
    {"M::cpu FILTER\n  O::ecs [5x] WITH {a = b}", "2:11: invalid time '5x'"},
    {"M::cpu {a = 1 $}", "1:15: unexpected character '$'"},
    {"M::cpu {a = 1 & b}", "1:15: unexpected character '&'"},
    {"M::cpu {a = re(1)}", "1:13: re() takes one pattern string"},
    {"M::cpu {a = identifier(1)}", "1:13: identifier() takes one string"},
    {"M::cpu:(by)", "1:9: expected an expression, got 'by'"},
    {"M::cpu {a = b64'!!'}", "1:13: invalid base64 string"},
    {"M::cpu {@ = 1}", "1:9: expected a JSON path after '@'"},
    {"@L('x')", "1:3: unexpected '('"},
    {"M::cpu:(@f(x))", "1:11: expected ',' or ')' in the target list, got '('"},
    {"irate(\"M::cpu\").", "1:17: expected a function name after '.', got end of query"},
    {"irate(\"M::cpu\"", "1:15: expected ',' or ')' after the arguments"},
    {"M::cpu\n  {a = }", "2:8: expected an expression, got '}'"},
    {"M::cpu {a = 'multi\nline'\n  , b = }", "3:9: expected an expression, got '}'"},
    {"M::cpu {a = 1 = 2 = 3}", "1:15: expected ',' or '}' in the filter, got '='"},
    {"M::cpu {a = -9223372036854775808}", "1:14: number out of range"},
    {"M::cpu [::1d] tz(8)", "1:18: expected a time zone name in tz('...'), got"},
    {"M::cpu [::1d] tz('UTC'", "1:23: expected ')' after the time zone"},
    {"M::cpu tz('UTC') BY host", "1:18: BY is out of order"},
    {"M::cpu tz('UTC') tz('UTC')", "1:18: duplicate tz()"},
};

TEST(DqlParser, InvalidQueries) {
  for (const Bad& b : kInvalid) {
    std::string msg = parseError(b.in);
    EXPECT_NE(msg.find(b.error), std::string::npos)
        << "input: " << b.in << "\n  message: " << msg << "\n  wanted: " << b.error;
  }
}

TEST(DqlParser, NestingIsBounded) {
  std::string deep = "M::cpu:(" + std::string(500, '(') + "a" + std::string(500, ')') + ")";
  EXPECT_NE(parseError(deep).find("nested too deeply"), std::string::npos);
  std::string nots = "M::cpu {" + std::string(0, ' ');
  for (int i = 0; i < 300; ++i) nots += "NOT ";
  nots += "a = 1}";
  EXPECT_NE(parseError(nots).find("nested too deeply"), std::string::npos);
  std::string subs;
  for (int i = 0; i < 100; ++i) subs += "M::(";
  subs += "M::cpu" + std::string(100, ')');
  EXPECT_NE(parseError(subs).find("nested too deeply"), std::string::npos);
  // Moderate nesting is fine.
  std::string ok = "M::cpu:(" + std::string(20, '(') + "a" + std::string(20, ')') + ")";
  EXPECT_EQ(toString(parseOk(ok)), "M::cpu:(a)");
}

// What a planner reads: the tree of a typical dashboard query.
TEST(DqlParser, TreeShapeOfASelect) {
  Query q = parseOk(
      "M::kube_pod:(avg(cpu_usage) AS cpu, last(mem)) {cluster='a', ns IN ['x','y']} "
      "[1h:now():1m:irate] BY pod_name LIMIT 10 SLIMIT 5");
  EXPECT_EQ(q.kind, Query::Kind::kSelect);
  EXPECT_EQ(q.ns, Namespace::kM);
  EXPECT_FALSE(q.index.has_value());
  ASSERT_EQ(q.sources.size(), 1u);
  EXPECT_EQ(q.sources[0].kind, Source::Kind::kName);
  EXPECT_EQ(q.sources[0].name, "kube_pod");
  EXPECT_TRUE(q.has_targets);
  ASSERT_EQ(q.targets.size(), 2u);
  const Expr& t0 = q.targets[0];
  EXPECT_EQ(t0.kind, ExprKind::kAlias);
  EXPECT_EQ(t0.text, "cpu");
  ASSERT_EQ(t0.args.size(), 1u);
  EXPECT_EQ(t0.args[0].kind, ExprKind::kCall);
  EXPECT_EQ(t0.args[0].text, "avg");
  ASSERT_EQ(t0.args[0].args.size(), 1u);
  EXPECT_EQ(t0.args[0].args[0].kind, ExprKind::kIdent);
  EXPECT_EQ(t0.args[0].args[0].text, "cpu_usage");
  EXPECT_EQ(t0.args[0].arg_names, std::vector<std::string>{""});
  ASSERT_TRUE(q.filter.has_value());
  const Expr& f = *q.filter;
  EXPECT_EQ(f.kind, ExprKind::kBinary);
  EXPECT_EQ(f.op, Op::kAnd);
  EXPECT_EQ(f.args[0].op, Op::kEq);
  EXPECT_EQ(f.args[0].args[0].text, "cluster");
  EXPECT_EQ(f.args[0].args[1].kind, ExprKind::kString);
  EXPECT_EQ(f.args[0].args[1].text, "a");
  EXPECT_EQ(f.args[1].kind, ExprKind::kIn);
  EXPECT_FALSE(f.args[1].negated);
  EXPECT_EQ(f.args[1].args[1].kind, ExprKind::kList);
  EXPECT_EQ(f.args[1].args[1].args.size(), 2u);
  ASSERT_TRUE(q.time.has_value());
  EXPECT_EQ(q.time->start.kind, TimeBound::Kind::kRelative);
  EXPECT_EQ(q.time->start.value, -3600'000'000'000);
  EXPECT_EQ(q.time->end.kind, TimeBound::Kind::kRelative);
  EXPECT_EQ(q.time->end.value, 0);
  EXPECT_EQ(q.time->interval_ns, 60'000'000'000);
  EXPECT_EQ(q.time->rollup, "irate");
  ASSERT_EQ(q.by.size(), 1u);
  EXPECT_EQ(q.by[0].text, "pod_name");
  EXPECT_EQ(q.limit, 10);
  EXPECT_EQ(q.slimit, 5);
  EXPECT_FALSE(q.offset.has_value());
}

TEST(DqlParser, TreeShapeOfCallsAndChains) {
  Query q = parseOk("irate(\"M::etcd:(avg(x)) BY host\").series_sum()");
  EXPECT_EQ(q.kind, Query::Kind::kCall);
  EXPECT_EQ(q.func, "series_sum");
  ASSERT_EQ(q.args.size(), 1u);
  ASSERT_EQ(q.args[0].kind, ExprKind::kQuery);
  const Query& inner = *q.args[0].query;
  EXPECT_EQ(inner.kind, Query::Kind::kCall);
  EXPECT_EQ(inner.func, "irate");
  ASSERT_EQ(inner.args.size(), 1u);
  ASSERT_EQ(inner.args[0].kind, ExprKind::kQuery);
  EXPECT_EQ(inner.args[0].query->sources[0].name, "etcd");
  EXPECT_EQ(inner.args[0].query->by[0].text, "host");

  Query e = parseOk("eval(A/B, alias='ratio', A=\"M::a:(sum(x))\", B=\"M::b:(sum(y))\")");
  EXPECT_EQ(e.func, "eval");
  EXPECT_EQ(e.arg_names, (std::vector<std::string>{"", "alias", "A", "B"}));
  EXPECT_EQ(e.args[0].kind, ExprKind::kBinary);
  EXPECT_EQ(e.args[1].kind, ExprKind::kString);
  EXPECT_EQ(e.args[2].kind, ExprKind::kQuery);
  EXPECT_EQ(e.args[3].query->sources[0].name, "b");

  Query s = parseOk("show_tag_value(from=['kube_pod'], keyin=['namespace']) {a = 'b'} [5m]");
  EXPECT_EQ(s.func, "show_tag_value");
  EXPECT_EQ(s.arg_names, (std::vector<std::string>{"from", "keyin"}));
  EXPECT_EQ(s.args[0].kind, ExprKind::kList);
  EXPECT_EQ(s.args[0].args[0].text, "kube_pod");
  EXPECT_TRUE(s.filter.has_value());
  EXPECT_EQ(s.time->start.value, -300'000'000'000);
}

TEST(DqlParser, SubqueriesAndJoins) {
  Query q = parseOk("M::(M::cpu:(usage_total) {host='x'}):(last(usage_total))");
  ASSERT_EQ(q.sources.size(), 1u);
  EXPECT_EQ(q.sources[0].kind, Source::Kind::kSubquery);
  EXPECT_EQ(q.sources[0].subquery->sources[0].name, "cpu");
  Query l = parseOk("O::ecs:(host) LINK M::cpu:(usage) LINK M::mem:(p) WITH {host = hostname}");
  EXPECT_EQ(l.join, Query::Join::kLink);
  ASSERT_EQ(l.joined.size(), 2u);
  EXPECT_EQ(l.joined[1].sources[0].name, "mem");
  EXPECT_TRUE(l.join_on.has_value());
}

TEST(DqlParser, PositionsPointAtNodes) {
  Query q = parseOk("M::cpu:(avg(x))\n  {host = 'a'}\n  [5m] BY host");
  EXPECT_EQ(q.pos.line, 1u);
  EXPECT_EQ(q.pos.col, 1u);
  EXPECT_EQ(q.sources[0].pos.col, 4u);
  EXPECT_EQ(q.targets[0].pos.col, 9u);
  EXPECT_EQ(q.targets[0].args[0].pos.col, 13u);
  EXPECT_EQ(q.filter->pos.line, 2u);
  EXPECT_EQ(q.filter->pos.col, 4u);
  EXPECT_EQ(q.time->pos.line, 3u);
  EXPECT_EQ(q.time->pos.col, 3u);
  EXPECT_EQ(q.by[0].pos.line, 3u);
  EXPECT_EQ(q.by[0].pos.col, 11u);
}

TEST(DqlParser, CaseRules) {
  // Keywords and function names are case-insensitive; names are not.
  EXPECT_EQ(parseOk("m::Cpu:(AVG(Usage)) by Host"), parseOk("M::Cpu:(avg(Usage)) BY Host"));
  EXPECT_NE(parseOk("M::Cpu"), parseOk("M::cpu"));
  EXPECT_NE(parseOk("M::cpu {Host = 'a'}"), parseOk("M::cpu {host = 'a'}"));
}

TEST(DqlParser, EquivalentSpellingsGiveEqualTrees) {
  EXPECT_EQ(parseOk("cpu"), parseOk("M::cpu"));
  EXPECT_EQ(parseOk("M::cpu {a = 1, b = 2}"), parseOk("M::cpu {a = 1 && b = 2}"));
  EXPECT_EQ(parseOk("M::cpu {a = 1, b = 2}"), parseOk("M::cpu {a = 1 and b = 2}"));
  EXPECT_EQ(parseOk("M::cpu {a = 1 || b = 2}"), parseOk("M::cpu {a = 1 OR b = 2}"));
  EXPECT_EQ(parseOk("M::cpu {a =~ 'x'}"), parseOk("M::cpu {a = re('x')}"));
  EXPECT_EQ(parseOk("M::cpu {a = re`x`}"), parseOk("M::cpu {a = re('x')}"));
  EXPECT_EQ(parseOk("M::cpu [5m]"), parseOk("M::cpu [now()-5m]"));
  EXPECT_EQ(parseOk("M::cpu [1672531200]"), parseOk("M::cpu [2023-01-01]"));
  EXPECT_EQ(parseOk("M::cpu [1672531200]"), parseOk("M::cpu [1672531200000]"));
  EXPECT_EQ(parseOk("M::cpu {a != 1}"), parseOk("M::cpu {a <> 1}"));
  EXPECT_EQ(parseOk("a(\"M::x\").b()"), parseOk("b(a(\"M::x\"))"));
  EXPECT_EQ(parseOk("L::x {@a.b = 1}"), parseOk("L::x {`message@json.a.b` = 1}"));
}

}  // namespace
}  // namespace sextant::query::dql
