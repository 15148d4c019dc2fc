#include "query/promql/parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "query/promql/functions.h"

namespace sextant::query::promql {
namespace {

struct Valid {
  const char* input;
  const char* canonical;  // Prometheus' String() of the parsed expression, written by hand
};

// Valid queries and their canonical form.
const Valid kValid[] = {
    // Number literals.
    {"1", "1"},
    {"+1", "1"},
    {"-1", "-1"},
    {"- -1", "1"},
    {".5", "0.5"},
    {"5.", "5"},
    {"1.5", "1.5"},
    {"1e3", "1000"},
    {"1E-3", "0.001"},
    {"1e6", "1e+06"},
    {"123456", "123456"},
    {"1234567", "1.234567e+06"},
    {"0.0001", "0.0001"},
    {"0.00001", "1e-05"},
    {"1e-400", "0"},
    {"0x1f", "31"},
    {"0X1F", "31"},
    {"0x1e3", "483"},
    {"010", "8"},  // Go's ParseInt base 0: a leading 0 is octal
    {"09", "9"},
    {"Inf", "+Inf"},
    {"+inf", "+Inf"},
    {"-Inf", "-Inf"},
    {"NaN", "NaN"},
    {"nan", "NaN"},
    {"0755", "493"},
    {"-0755", "-493"},
    {"+5.5e-3", "0.0055"},
    {"-1^-2", "-1 ^ -2"},
    {"+1 + -2 * 1", "1 + -2 * 1"},
    {"-(1)", "-(1)"},
    {"(-1)", "(-1)"},
    // String literals.
    {"\"foo\"", "\"foo\""},
    {"'foo'", "\"foo\""},
    {"`foo\\n`", "\"foo\\\\n\""},
    {"\"a\\\"b\"", "\"a\\\"b\""},
    {"'a\"b'", "\"a\\\"b\""},
    {"'it\\'s'", "\"it's\""},
    {"\"\\u00e9\"", "\"\xc3\xa9\""},
    {"\"\\x41\\101\"", "\"AA\""},
    {"\"tab\\there\\n\"", "\"tab\\there\\n\""},
    {"\"\\a\\b\\f\\v\\\\\"", "\"\\a\\b\\f\\v\\\\\""},
    {"\"\\U0001F600\"", "\"\xf0\x9f\x98\x80\""},
    {"\"\\x00\"", "\"\\x00\""},
    // Vector selectors.
    {"foo", "foo"},
    {"foo:bar", "foo:bar"},
    {":foo", ":foo"},
    {"foo_bar:baz_total", "foo_bar:baz_total"},
    {"foo{}", "foo"},
    {"foo{a=\"b\"}", "foo{a=\"b\"}"},
    {"foo{a=\"b\",}", "foo{a=\"b\"}"},
    {"foo { a = \"b\" }", "foo{a=\"b\"}"},
    {"metric{label=\"v\", l2!=\"x\", l3=~\"re\", l4!~\"re\"}",
     "metric{l2!=\"x\",l3=~\"re\",l4!~\"re\",label=\"v\"}"},
    {"foo{b=\"1\",a=\"2\"}", "foo{a=\"2\",b=\"1\"}"},
    {"foo{a='b'}", "foo{a=\"b\"}"},
    {"foo{a=`b\\d`}", "foo{a=\"b\\\\d\"}"},
    {"foo{a=\"\\xff\"}", "foo{a=\"\\xff\"}"},
    {"foo{a=\"\xc3\xa9\"}", "foo{a=\"\xc3\xa9\"}"},
    {"foo{sum=\"x\",by=\"y\"}", "foo{by=\"y\",sum=\"x\"}"},
    {"{__name__=\"m\"}", "{__name__=\"m\"}"},
    {"{__name__=~\"m.*\", job=\"x\"}", "{__name__=~\"m.*\",job=\"x\"}"},
    {"{job=\"x\"}", "{job=\"x\"}"},
    {"{a!=\"\"}", "{a!=\"\"}"},
    {"{a=~\".+\"}", "{a=~\".+\"}"},
    {"foo{a=~\"b|c\"}", "foo{a=~\"b|c\"}"},
    {"sum{job=\"x\"}", "sum{job=\"x\"}"},  // keywords may name metrics
    {"min", "min"},
    {"sum(sum)", "sum(sum)"},
    {"a + sum", "a + sum"},
    {"foo{NaN='bc'}", "foo{NaN=\"bc\"}"},
    {"foo{bar='}'}", "foo{bar=\"}\"}"},
    {"foo # comment", "foo"},
    {"# comment\nfoo", "foo"},
    {"foo{a=\"b\" # comment\n}", "foo{a=\"b\"}"},
    // Range selectors and durations.
    {"foo[5m]", "foo[5m]"},
    {"foo[ 5m ]", "foo[5m]"},
    {"foo[1h30m]", "foo[1h30m]"},
    {"foo[90m]", "foo[1h30m]"},
    {"foo[100ms]", "foo[100ms]"},
    {"foo[1500ms]", "foo[1s500ms]"},
    {"foo[3600s]", "foo[1h]"},
    {"foo[1d]", "foo[1d]"},
    {"foo[7d]", "foo[1w]"},
    {"foo[10d]", "foo[10d]"},
    {"foo[14d]", "foo[2w]"},
    {"foo[1y]", "foo[1y]"},
    {"foo[365d]", "foo[1y]"},
    {"foo[1y2w3d4h5m6s7ms]", "foo[382d4h5m6s7ms]"},  // y and w only when exact
    {"foo{a=\"b\"}[5m]", "foo{a=\"b\"}[5m]"},
    // Offset and @.
    {"foo offset 5m", "foo offset 5m"},
    {"foo OFFSET 1h", "foo offset 1h"},
    {"foo offset -5m", "foo offset -5m"},
    {"foo offset - 5m", "foo offset -5m"},
    {"foo[5m] offset 1h", "foo[5m] offset 1h"},
    {"foo[5m] offset -1h", "foo[5m] offset -1h"},
    {"{a=\"b\"} offset 1w", "{a=\"b\"} offset 1w"},
    {"foo @ 1609746000", "foo @ 1609746000.000"},
    {"foo @ 1609746000.5", "foo @ 1609746000.500"},
    {"foo @ -100", "foo @ -100.000"},
    {"foo @ +1e3", "foo @ 1000.000"},
    {"foo @ .3", "foo @ 0.300"},
    {"foo @ 3.3335", "foo @ 3.334"},  // rounded to milliseconds
    {"foo @ -3.3e1", "foo @ -33.000"},
    {"foo OFFSET 1m30ms", "foo offset 1m30ms"},
    {"foo @ 0x10", "foo @ 16.000"},
    {"foo @ start()", "foo @ start()"},
    {"foo @ end()", "foo @ end()"},
    {"foo @ START ( )", "foo @ start()"},
    {"foo[5m] @ 100", "foo[5m] @ 100.000"},
    {"foo @ 100 offset 5m", "foo @ 100.000 offset 5m"},
    {"foo offset 5m @ 100", "foo @ 100.000 offset 5m"},
    {"foo[5m] offset 5m @ end()", "foo[5m] @ end() offset 5m"},
    // Subqueries.
    {"foo[30m:1m]", "foo[30m:1m]"},
    {"foo[30m:]", "foo[30m:]"},
    {"rate(foo[5m])[30m:1m]", "rate(foo[5m])[30m:1m]"},
    {"sum(rate(foo[5m]))[1h:] offset 1m", "sum(rate(foo[5m]))[1h:] offset 1m"},
    {"(foo + bar)[5m:]", "(foo + bar)[5m:]"},
    {"foo[5m:] @ 100", "foo[5m:] @ 100.000"},
    {"foo[5m:1m] @ start() offset -1m", "foo[5m:1m] @ start() offset -1m"},
    {"min_over_time(rate(http_requests_total[5m])[30m:1m])",
     "min_over_time(rate(http_requests_total[5m])[30m:1m])"},
    {"max_over_time(deriv(rate(foo[1m])[5m:1m])[10m:])",
     "max_over_time(deriv(rate(foo[1m])[5m:1m])[10m:])"},
    // Unary operators.
    {"-foo", "-foo"},
    {"+foo", "+foo"},
    {"-sum(foo)", "-sum(foo)"},
    {"- - foo", "--foo"},
    {"-2 ^ 2", "-2 ^ 2"},
    {"Inf ^ 2", "Inf ^ 2"},  // not "+Inf ^ 2", which is +(Inf ^ 2)
    {"2 ^ Inf ^ 2", "2 ^ Inf ^ 2"},
    {"Inf * 2", "+Inf * 2"},
    // Binary operators and vector matching.
    {"foo + bar", "foo + bar"},
    {"foo+bar", "foo + bar"},
    {"foo - bar", "foo - bar"},
    {"1 + 2 * 3", "1 + 2 * 3"},
    {"(1 + 2) * 3", "(1 + 2) * 3"},
    {"2 ^ 3 ^ 2", "2 ^ 3 ^ 2"},
    {"foo % 2", "foo % 2"},
    {"foo atan2 bar", "foo atan2 bar"},
    {"foo ATAN2 bar", "foo atan2 bar"},
    {"foo > 0", "foo > 0"},
    {"foo >= bool 0", "foo >= bool 0"},
    {"1 == bool 1", "1 == bool 1"},
    {"1 != bool 2", "1 != bool 2"},
    {"foo == bool bar", "foo == bool bar"},
    {"foo < bar", "foo < bar"},
    {"foo <= bar", "foo <= bar"},
    {"foo and bar", "foo and bar"},
    {"foo AND bar", "foo and bar"},
    {"foo or on(job) bar", "foo or on (job) bar"},
    {"foo unless ignoring(a) bar", "foo unless ignoring (a) bar"},
    {"foo and on() bar", "foo and on () bar"},
    {"foo * on(a) bar", "foo * on (a) bar"},
    {"foo * on (a, b) group_left (c) bar", "foo * on (a, b) group_left (c) bar"},
    {"foo * on(a,b,) group_left(c,) bar", "foo * on (a, b) group_left (c) bar"},
    {"foo * ignoring(a) group_right bar", "foo * ignoring (a) group_right () bar"},
    {"foo / on() bar", "foo / on () bar"},
    {"foo + ignoring() bar", "foo + bar"},
    {"foo * ignoring() group_left() bar", "foo * ignoring () group_left () bar"},
    {"foo > bool on(a) group_left(b) bar", "foo > bool on (a) group_left (b) bar"},
    {"foo * ON(a) GROUP_LEFT(b) bar", "foo * on (a) group_left (b) bar"},
    {"foo + 1", "foo + 1"},
    {"1 + on() 2", "1 + 2"},
    {"foo offset 5m + bar", "foo offset 5m + bar"},
    // Aggregations.
    {"sum(foo)", "sum(foo)"},
    {"sum by (job) (foo)", "sum by (job) (foo)"},
    {"sum(foo) by (job)", "sum by (job) (foo)"},
    {"sum without (job) (foo)", "sum without (job) (foo)"},
    {"sum(foo) without (job, instance)", "sum without (job, instance) (foo)"},
    {"sum by () (foo)", "sum(foo)"},
    {"sum without () (foo)", "sum without () (foo)"},
    {"SUM BY (job) (foo)", "sum by (job) (foo)"},
    {"sum by (job,) (foo)", "sum by (job) (foo)"},
    {"sum by (and, by, sum, on, start, offset, bool) (foo)",
     "sum by (and, by, sum, on, start, offset, bool) (foo)"},
    {"sum by (BY) (foo)", "sum by (BY) (foo)"},
    {"avg(foo)", "avg(foo)"},
    {"min(foo)", "min(foo)"},
    {"max(foo)", "max(foo)"},
    {"count(foo)", "count(foo)"},
    {"group(foo)", "group(foo)"},
    {"stddev(foo)", "stddev(foo)"},
    {"stdvar(foo)", "stdvar(foo)"},
    {"topk(5, foo)", "topk(5, foo)"},
    {"bottomk(3, foo) by (job)", "bottomk by (job) (3, foo)"},
    {"quantile(0.9, foo)", "quantile(0.9, foo)"},
    {"count_values(\"v\", foo)", "count_values(\"v\", foo)"},
    {"topk(scalar(foo), bar)", "topk(scalar(foo), bar)"},
    {"sum(foo + bar)", "sum(foo + bar)"},
    // Functions.
    {"rate(foo[5m])", "rate(foo[5m])"},
    {"irate(foo[5m])", "irate(foo[5m])"},
    {"increase(foo[1h])", "increase(foo[1h])"},
    {"delta(foo[5m])", "delta(foo[5m])"},
    {"idelta(foo[5m])", "idelta(foo[5m])"},
    {"deriv(foo[5m])", "deriv(foo[5m])"},
    {"changes(foo[5m])", "changes(foo[5m])"},
    {"resets(foo[5m])", "resets(foo[5m])"},
    {"time()", "time()"},
    {"pi()", "pi()"},
    {"vector(1)", "vector(1)"},
    {"scalar(foo)", "scalar(foo)"},
    {"round(foo)", "round(foo)"},
    {"round(foo, 0.1)", "round(foo, 0.1)"},
    {"hour()", "hour()"},
    {"hour(foo)", "hour(foo)"},
    {"minute(timestamp(foo))", "minute(timestamp(foo))"},
    {"year()", "year()"},
    {"month(foo)", "month(foo)"},
    {"day_of_month()", "day_of_month()"},
    {"day_of_week()", "day_of_week()"},
    {"day_of_year(foo)", "day_of_year(foo)"},
    {"days_in_month()", "days_in_month()"},
    {"label_replace(foo, \"dst\", \"$1\", \"src\", \"(.*)\")",
     "label_replace(foo, \"dst\", \"$1\", \"src\", \"(.*)\")"},
    {"label_join(foo, \"dst\", \",\", \"a\", \"b\", \"c\")",
     "label_join(foo, \"dst\", \",\", \"a\", \"b\", \"c\")"},
    {"label_join(foo, \"dst\", \",\")", "label_join(foo, \"dst\", \",\")"},
    {"histogram_quantile(0.9, rate(foo_bucket[5m]))",
     "histogram_quantile(0.9, rate(foo_bucket[5m]))"},
    {"clamp(foo, 0, 1)", "clamp(foo, 0, 1)"},
    {"clamp_min(foo, 0)", "clamp_min(foo, 0)"},
    {"clamp_max(foo, 1)", "clamp_max(foo, 1)"},
    {"holt_winters(foo[1h], 0.5, 0.5)", "holt_winters(foo[1h], 0.5, 0.5)"},
    {"quantile_over_time(0.5, foo[5m])", "quantile_over_time(0.5, foo[5m])"},
    {"absent(nonexistent{job=\"x\"})", "absent(nonexistent{job=\"x\"})"},
    {"absent_over_time(foo[5m])", "absent_over_time(foo[5m])"},
    {"predict_linear(foo[1h], 3600)", "predict_linear(foo[1h], 3600)"},
    {"timestamp(foo)", "timestamp(foo)"},
    {"sort(foo)", "sort(foo)"},
    {"sort_desc(foo)", "sort_desc(foo)"},
    {"abs(foo)", "abs(foo)"},
    {"ceil(foo)", "ceil(foo)"},
    {"floor(foo)", "floor(foo)"},
    {"exp(foo)", "exp(foo)"},
    {"ln(foo)", "ln(foo)"},
    {"log2(foo)", "log2(foo)"},
    {"log10(foo)", "log10(foo)"},
    {"sqrt(foo)", "sqrt(foo)"},
    {"sgn(foo)", "sgn(foo)"},
    {"deg(foo)", "deg(foo)"},
    {"rad(foo)", "rad(foo)"},
    {"acos(foo) + asin(foo) + atan(foo) + cos(foo) + sin(foo) + tan(foo)",
     "acos(foo) + asin(foo) + atan(foo) + cos(foo) + sin(foo) + tan(foo)"},
    {"acosh(foo) + asinh(foo) + atanh(foo) + cosh(foo) + sinh(foo) + tanh(foo)",
     "acosh(foo) + asinh(foo) + atanh(foo) + cosh(foo) + sinh(foo) + tanh(foo)"},
    {"avg_over_time(foo[5m])", "avg_over_time(foo[5m])"},
    {"min_over_time(foo[5m])", "min_over_time(foo[5m])"},
    {"max_over_time(foo[5m])", "max_over_time(foo[5m])"},
    {"sum_over_time(foo[5m])", "sum_over_time(foo[5m])"},
    {"count_over_time(foo[5m])", "count_over_time(foo[5m])"},
    {"stddev_over_time(foo[5m])", "stddev_over_time(foo[5m])"},
    {"stdvar_over_time(foo[5m])", "stdvar_over_time(foo[5m])"},
    {"last_over_time(foo[5m])", "last_over_time(foo[5m])"},
    {"present_over_time(foo[5m])", "present_over_time(foo[5m])"},
    {"histogram_count(foo)", "histogram_count(foo)"},
    {"histogram_sum(foo)", "histogram_sum(foo)"},
    {"histogram_fraction(0, 0.1, foo)", "histogram_fraction(0, 0.1, foo)"},
    {"rate ( foo [5m] )", "rate(foo[5m])"},
    {"sum(\n  rate(x[5m])\n)\n", "sum(rate(x[5m]))"},
    // Parentheses.
    {"(foo)", "(foo)"},
    {"((foo))", "((foo))"},
    {"(\"a\")", "(\"a\")"},
};

// Every PromQL query of ../shared/reference/platform.md section 2 (Kubernetes KSM charts and
// alerts, Istio mesh/control-plane/service/workload dashboards, etcd) and of
// ../shared/tools/query_bench.py, with its canonical form. Grafana's $__rate_interval is
// substituted ([1m]); the shorthand `irate(metric)` of the reference is written with a range.
const Valid kDashboard[] = {
    // Kubernetes (kube-state-metrics v2).
    {"sum(kube_deployment_spec_replicas)", "sum(kube_deployment_spec_replicas)"},
    {"sum(kube_deployment_status_replicas_available)",
     "sum(kube_deployment_status_replicas_available)"},
    {"sum(kube_deployment_status_replicas_unavailable)",
     "sum(kube_deployment_status_replicas_unavailable)"},
    {"sum by (namespace)(kube_daemonset_status_desired_number_scheduled)",
     "sum by (namespace) (kube_daemonset_status_desired_number_scheduled)"},
    {"sum by (namespace)(kube_daemonset_status_number_ready)",
     "sum by (namespace) (kube_daemonset_status_number_ready)"},
    {"kube_replicaset_spec_replicas", "kube_replicaset_spec_replicas"},
    {"kube_replicaset_status_ready_replicas", "kube_replicaset_status_ready_replicas"},
    {"sum by (phase)(kube_pod_status_phase)", "sum by (phase) (kube_pod_status_phase)"},
    {"sum(kube_pod_container_status_running)", "sum(kube_pod_container_status_running)"},
    {"sum(kube_pod_container_status_waiting)", "sum(kube_pod_container_status_waiting)"},
    {"sum(kube_pod_container_status_terminated)", "sum(kube_pod_container_status_terminated)"},
    {"sum(kube_pod_container_status_ready)", "sum(kube_pod_container_status_ready)"},
    {"topk(10, increase(kube_pod_container_status_restarts_total[1h]))",
     "topk(10, increase(kube_pod_container_status_restarts_total[1h]))"},
    {"kube_pod_container_status_waiting_reason > 0",
     "kube_pod_container_status_waiting_reason > 0"},
    {"kube_pod_container_status_restarts_total > 3",
     "kube_pod_container_status_restarts_total > 3"},
    {"kube_job_status_failed > 0", "kube_job_status_failed > 0"},
    {"last_over_time(kube_pod_status_phase{phase=~\"Failed|Pending|Unknown\"}[5m]) > 0",
     "last_over_time(kube_pod_status_phase{phase=~\"Failed|Pending|Unknown\"}[5m]) > 0"},
    // Istio mesh.
    {"round(sum(rate(istio_requests_total{reporter=~\"source|waypoint\"}[1m])),0.01)",
     "round(sum(rate(istio_requests_total{reporter=~\"source|waypoint\"}[1m])), 0.01)"},
    {"sum(rate(istio_requests_total{reporter=~\"source|waypoint\",response_code!~\"5.*\"}[1m])) / "
     "sum(rate(istio_requests_total{reporter=~\"source|waypoint\"}[1m]))",
     "sum(rate(istio_requests_total{reporter=~\"source|waypoint\",response_code!~\"5.*\"}[1m])) / "
     "sum(rate(istio_requests_total{reporter=~\"source|waypoint\"}[1m]))"},
    {"round(sum(rate(istio_requests_total{response_code=~\"4..\"}[1m])), 0.01) or vector(0)",
     "round(sum(rate(istio_requests_total{response_code=~\"4..\"}[1m])), 0.01) or vector(0)"},
    {"round(sum(rate(istio_requests_total{response_code=~\"5..\"}[1m])), 0.01) or vector(0)",
     "round(sum(rate(istio_requests_total{response_code=~\"5..\"}[1m])), 0.01) or vector(0)"},
    {"label_join(sum(rate(istio_requests_total{reporter=\"source\", response_code=\"200\"}[1m])) "
     "by (destination_workload, destination_workload_namespace, destination_service), "
     "\"destination_workload_var\", \".\", \"destination_workload\", "
     "\"destination_workload_namespace\")",
     "label_join(sum by (destination_workload, destination_workload_namespace, "
     "destination_service) (rate(istio_requests_total{reporter=\"source\",response_code=\"200\"}"
     "[1m])), \"destination_workload_var\", \".\", \"destination_workload\", "
     "\"destination_workload_namespace\")"},
    {"histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="
     "\"destination\"}[1m])) by (le))",
     "histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{"
     "reporter=\"destination\"}[1m])))"},
    {"histogram_quantile(0.50, sum(rate(istio_request_duration_milliseconds_bucket{reporter="
     "\"source\"}[1m])) by (le, destination_workload, destination_workload_namespace))",
     "histogram_quantile(0.5, sum by (le, destination_workload, destination_workload_namespace) "
     "(rate(istio_request_duration_milliseconds_bucket{reporter=\"source\"}[1m])))"},
    {"histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter="
     "\"source\",destination_service=~\"svc.ns.svc.cluster.local\"}[1m])) by (le))",
     "histogram_quantile(0.9, sum by (le) (irate(istio_request_duration_milliseconds_bucket{"
     "destination_service=~\"svc.ns.svc.cluster.local\",reporter=\"source\"}[1m])))"},
    {"sum(rate(istio_tcp_received_bytes_total{reporter=\"source\"}[1m])) by "
     "(destination_workload, destination_workload_namespace, destination_service)",
     "sum by (destination_workload, destination_workload_namespace, destination_service) "
     "(rate(istio_tcp_received_bytes_total{reporter=\"source\"}[1m]))"},
    {"sum(rate(istio_tcp_sent_bytes_total{reporter=\"source\"}[1m])) by (destination_workload)",
     "sum by (destination_workload) (rate(istio_tcp_sent_bytes_total{reporter=\"source\"}[1m]))"},
    {"sum by (component,tag)(istio_build)", "sum by (component, tag) (istio_build)"},
    // Istio control plane (pilot).
    {"istio_build{component=\"pilot\"}", "istio_build{component=\"pilot\"}"},
    {"irate(container_cpu_usage_seconds_total{container=\"discovery\"}[1m])",
     "irate(container_cpu_usage_seconds_total{container=\"discovery\"}[1m])"},
    {"sum(irate(pilot_xds_pushes[1m])) by (type)", "sum by (type) (irate(pilot_xds_pushes[1m]))"},
    {"envoy_cluster_upstream_cx_active{cluster_name=\"xds-grpc\"}",
     "envoy_cluster_upstream_cx_active{cluster_name=\"xds-grpc\"}"},
    {"sum(pilot_xds)", "sum(pilot_xds)"},
    {"sum(irate(pilot_total_xds_rejects[1m]))", "sum(irate(pilot_total_xds_rejects[1m]))"},
    {"sum(irate(pilot_total_xds_internal_errors[1m]))",
     "sum(irate(pilot_total_xds_internal_errors[1m]))"},
    {"sum(rate(pilot_xds_push_time_bucket[1m])) by (le)",
     "sum by (le) (rate(pilot_xds_push_time_bucket[1m]))"},
    {"sum(rate(pilot_xds_config_size_bytes_bucket[1m])) by (le)",
     "sum by (le) (rate(pilot_xds_config_size_bytes_bucket[1m]))"},
    {"sum(rate(galley_validation_passed[1m]))", "sum(rate(galley_validation_passed[1m]))"},
    {"sum(rate(sidecar_injection_success_total[1m]))",
     "sum(rate(sidecar_injection_success_total[1m]))"},
    // Istio service / workload.
    {"round(sum(irate(istio_requests_total{reporter=\"destination\",destination_service=~"
     "\"svc\",response_code!~\"5.*\"}[5m])) / sum(irate(istio_requests_total{reporter="
     "\"destination\",destination_service=~\"svc\"}[5m])), 0.01)",
     "round(sum(irate(istio_requests_total{destination_service=~\"svc\",reporter="
     "\"destination\",response_code!~\"5.*\"}[5m])) / sum(irate(istio_requests_total{"
     "destination_service=~\"svc\",reporter=\"destination\"}[5m])), 0.01)"},
    {"round(sum(irate(istio_requests_total{connection_security_policy=\"mutual_tls\","
     "destination_service=~\"svc\",reporter=~\"destination\"}[5m])) by (source_workload, "
     "source_workload_namespace, response_code), 0.001)",
     "round(sum by (source_workload, source_workload_namespace, response_code) "
     "(irate(istio_requests_total{connection_security_policy=\"mutual_tls\","
     "destination_service=~\"svc\",reporter=~\"destination\"}[5m])), 0.001)"},
    {"histogram_quantile(0.99, sum(irate(istio_request_bytes_bucket{reporter=\"destination\"}"
     "[1m])) by (source_workload, source_workload_namespace, le))",
     "histogram_quantile(0.99, sum by (source_workload, source_workload_namespace, le) "
     "(irate(istio_request_bytes_bucket{reporter=\"destination\"}[1m])))"},
    {"histogram_quantile(0.99, sum(irate(istio_response_bytes_bucket{reporter=\"destination\"}"
     "[1m])) by (le))",
     "histogram_quantile(0.99, sum by (le) (irate(istio_response_bytes_bucket{reporter="
     "\"destination\"}[1m])))"},
    {"sum(irate(istio_requests_total{reporter=\"source\",destination_principal=~\"spiffe.*\"}"
     "[5m])) by (destination_service, response_code)",
     "sum by (destination_service, response_code) (irate(istio_requests_total{"
     "destination_principal=~\"spiffe.*\",reporter=\"source\"}[5m]))"},
    // etcd.
    {"max(etcd_server_has_leader)", "max(etcd_server_has_leader)"},
    {"max(etcd_server_leader_changes_seen_total)", "max(etcd_server_leader_changes_seen_total)"},
    {"count(etcd_server_has_leader)", "count(etcd_server_has_leader)"},
    {"sum(irate(etcd_network_client_grpc_received_bytes_total[1m]))",
     "sum(irate(etcd_network_client_grpc_received_bytes_total[1m]))"},
    {"irate(etcd_disk_wal_fsync_duration_seconds_sum[1m])",
     "irate(etcd_disk_wal_fsync_duration_seconds_sum[1m])"},
    {"irate(etcd_disk_backend_commit_duration_seconds_sum[1m])",
     "irate(etcd_disk_backend_commit_duration_seconds_sum[1m])"},
    {"sum(etcd_server_proposals_committed_total) - sum(etcd_server_proposals_applied_total)",
     "sum(etcd_server_proposals_committed_total) - sum(etcd_server_proposals_applied_total)"},
    // tools/query_bench.py.
    {"sum(rate(http_requests_total[5m]))", "sum(rate(http_requests_total[5m]))"},
    {"sum by (service) (rate(http_requests_total[5m]))",
     "sum by (service) (rate(http_requests_total[5m]))"},
    {"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
     "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"},
    {"topk(5, sum by (instance) (rate(http_requests_total{code=\"500\"}[5m])))",
     "topk(5, sum by (instance) (rate(http_requests_total{code=\"500\"}[5m])))"},
    {"avg_over_time(node_memory_bytes[10m])", "avg_over_time(node_memory_bytes[10m])"},
    {"count(node_memory_bytes)", "count(node_memory_bytes)"},
    {"sum by (service) (increase(http_requests_total[1h]))",
     "sum by (service) (increase(http_requests_total[1h]))"},
};

struct Invalid {
  const char* input;
  const char* error;  // the whole message, or a distinctive part of it
};

const Invalid kInvalid[] = {
    // Empty input.
    {"", "unknown position: parse error: no expression found in input"},
    {"   ", "1:1: parse error: no expression found in input"},
    {"# only a comment", "1:1: parse error: no expression found in input"},
    // Lexer errors.
    {"sum(", "1:5: parse error: unclosed left parenthesis"},
    {"(foo", "1:5: parse error: unclosed left parenthesis"},
    {"foo)", "1:5: parse error: unexpected right parenthesis ')'"},
    {"foo[5m", "1:7: parse error: unclosed left bracket"},
    {"foo]", "1:4: parse error: unexpected right bracket ']'"},
    {"foo[5m:1m:1m]", "1:10: parse error: unexpected colon ':'"},
    {"foo[5m:[1m]]", "1:8: parse error: unexpected left bracket '['"},
    {"foo[[5m]]", "1:5: parse error: missing unit character in duration"},
    {"foo{", "1:5: parse error: unexpected end of input inside braces"},
    {"foo{a=\"b\"", "1:10: parse error: unexpected end of input inside braces"},
    {"foo{a=\"b\"{", "1:10: parse error: unexpected left brace '{'"},
    {"foo{a:b=\"c\"}", "1:6: parse error: unexpected character inside braces: ':'"},
    {"foo{a!b}", "1:6: parse error: unexpected character after '!' inside braces: 'b'"},
    {"foo =~ bar", "1:5: parse error: unexpected character after '=': '~'"},
    {"foo ! bar", "1:5: parse error: unexpected character after '!': ' '"},
    {"foo $", "1:5: parse error: unexpected character: '$'"},
    {"}", "1:1: parse error: unexpected character: '}'"},
    {"\"foo", "1:1: parse error: unterminated quoted string"},
    {"\"foo\nbar\"", "1:1: parse error: unterminated quoted string"},
    {"`foo", "1:1: parse error: unterminated raw string"},
    {"\"\\q\"", "1:1: parse error: unknown escape sequence U+0071 'q'"},
    {"'\\\"'", "1:1: parse error: unknown escape sequence U+0022 '\"'"},
    {"\"\\xZZ\"", "1:1: parse error: illegal character U+005A 'Z' in escape sequence"},
    {"\"\\ud800\"", "1:1: parse error: escape sequence is an invalid Unicode code point"},
    {"\"\\400\"", "escape sequence is an invalid Unicode code point"},
    {"\"\\x4", "1:1: parse error: escape sequence not terminated"},
    {"\"\xff\"", "1:1: parse error: invalid UTF-8 rune"},
    {"foo[5]", "1:5: parse error: missing unit character in duration"},
    {"foo[]", "1:5: parse error: missing unit character in duration"},
    {"foo[$__rate_interval]", "1:5: parse error: missing unit character in duration"},
    {"foo[5mm]", "1:5: parse error: bad duration syntax: \"5mm\""},
    {"5x", "1:1: parse error: bad number or duration syntax: \"5\""},
    {"5mx", "1:1: parse error: bad number or duration syntax: \"5mx\""},
    {"1.5.3", "1:4: parse error: unexpected number \".3\""},
    {"some_metric{a=\"\xff\"}", "1:15: parse error: invalid UTF-8 rune"},
    {"label_replace(a, `b`, `c\xff`, `d`, `.*`)", "1:23: parse error: invalid UTF-8 rune"},
    {".", "1:1: parse error: unexpected character: '.'"},
    {"2.5.", "1:4: parse error: unexpected character: '.'"},
    {"100..4", "unexpected number \".4\""},
    {"0deadbeef", "1:1: parse error: bad number or duration syntax: \"0de\""},
    {"foo{1}", "1:5: parse error: unexpected character inside braces: '1'"},
    {"foo{a>=\"b\"}", "unexpected character inside braces: '>'"},
    {"foo[5m1]", "1:5: parse error: bad duration syntax: \"5m1\""},
    {"foo[5m:1m1]", "1:8: parse error: bad number or duration syntax: \"1m1\""},
    {"foo[\"5m\"]", "1:5: parse error: missing unit character in duration"},
    {"some_metric[5m] OFFSET 1mm", "bad number or duration syntax: \"1mm\""},
    // Numbers and durations.
    {"1.5e",
     "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1.5e\": "
     "invalid syntax"},
    {"1e999",
     "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e999\": "
     "value out of range"},
    {"0x", "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0x\": invalid"},
    {"foo[5y1hs]", "1:5: parse error: not a valid duration string: \"5y1hs\""},
    {"foo[1.5h]", "1:5: parse error: not a valid duration string: \"1.5h\""},
    {"foo[1m1h]", "1:5: parse error: not a valid duration string: \"1m1h\""},
    {"foo[1h1h]", "1:5: parse error: not a valid duration string: \"1h1h\""},
    {"foo[99999999999y]", "1:5: parse error: duration out of range"},
    {"5m", "1:1: parse error: unexpected duration \"5m\""},
    {"foo[0s]", "1:5: parse error: duration must be greater than 0"},
    {"foo[5m:0s]", "1:8: parse error: duration must be greater than 0"},
    {"foo offset 0s", "1:12: parse error: duration must be greater than 0"},
    {"foo offset -0m", "1:13: parse error: duration must be greater than 0"},
    // Syntax.
    {"foo bar", "1:5: parse error: unexpected identifier \"bar\""},
    {"1 +", "1:4: parse error: unexpected end of input"},
    {"foo +\n  bar baz", "2:7: parse error: unexpected identifier \"baz\""},
    {"()", "1:2: parse error: unexpected \")\""},
    {"(foo bar)", "1:6: parse error: unexpected identifier \"bar\""},
    {"on", "1:1: parse error: unexpected <on>"},
    {"*1", "1:1: parse error: unexpected <op:*>"},
    {"(1))", "1:5: parse error: unexpected right parenthesis ')'"},
    {"-=", "1:2: parse error: unexpected \"=\""},
    {"++-++-+-+-<", "unexpected <op:<>"},
    {"e-+=/(0)", "unexpected \"=\""},
    {"a - on(b) ignoring(c) d", "1:11: parse error: unexpected <ignoring>"},
    {"foo + group_left(baz) bar", "1:7: parse error: unexpected <group_left>"},
    {"foo{__name__= =}", "1:15: parse error: unexpected \"=\" in label matching, expected string"},
    {"sum without(==)(some_metric)",
     "1:13: parse error: unexpected <op:==> in grouping opts, "
     "expected label"},
    {"sum some_metric by (test)", "1:5: parse error: unexpected identifier \"some_metric\""},
    {"sum (some_metric) by test",
     "1:22: parse error: unexpected identifier \"test\" in grouping "
     "opts, expected \"(\""},
    {"MIN keep_common (some_metric)", "1:5: parse error: unexpected identifier \"keep_common\""},
    {"sum (some_metric) without (test) by (test)", "unexpected <by>"},
    {"some_metric[5m] @ 1m",
     "1:19: parse error: unexpected duration \"1m\" in @, expected "
     "timestamp"},
    {"bool", "1:1: parse error: unexpected <bool>"},
    {"foo{a=\"b\"}{c=\"d\"}", "1:11: parse error: unexpected \"{\""},
    {"foo * on bar",
     "1:10: parse error: unexpected identifier \"bar\" in grouping opts, "
     "expected \"(\""},
    {"foo + bool on(a) 1 offset", "unexpected end of input in offset, expected duration"},
    {"foo{a}",
     "1:6: parse error: unexpected \"}\" in label matching, expected label matching "
     "operator"},
    {"foo{a=}", "1:7: parse error: unexpected \"}\" in label matching, expected string"},
    {"foo{a=b}",
     "1:7: parse error: unexpected identifier \"b\" in label matching, expected "
     "string"},
    {"foo{a==\"b\"}", "1:7: parse error: unexpected \"=\" in label matching, expected string"},
    {"foo{a=\"b\" c=\"d\"}",
     "1:11: parse error: unexpected identifier \"c\" in label matching, "
     "expected \",\" or \"}\""},
    {"foo{,}",
     "1:5: parse error: unexpected \",\" in label matching, expected identifier or "
     "\"}\""},
    {"foo{\"a\"=\"b\"}",
     "1:5: parse error: unexpected string \"\\\"a\\\"\" in label matching, "
     "expected identifier or \"}\""},
    {"foo{a=~\"(\"}", "1:5: parse error: error parsing regexp: missing )"},
    {"sum by foo (bar)",
     "1:8: parse error: unexpected identifier \"foo\" in grouping opts, "
     "expected \"(\""},
    {"sum by", "1:7: parse error: unexpected end of input in grouping opts, expected \"(\""},
    {"sum by (a b) (foo)",
     "1:11: parse error: unexpected identifier \"b\" in grouping opts, "
     "expected \",\" or \")\""},
    {"sum by (1) (foo)",
     "1:9: parse error: unexpected number \"1\" in grouping opts, expected "
     "label"},
    {"sum by (,) (foo)", "1:9: parse error: unexpected \",\" in grouping opts, expected label"},
    {"sum by (a:b) (foo)",
     "1:9: parse error: unexpected metric identifier \"a:b\" in grouping "
     "opts, expected label"},
    {"sum(foo bar)", "1:9: parse error: unexpected identifier \"bar\" in aggregation"},
    {"sum(rate(foo[5m] bar))", "1:18: parse error: unexpected identifier \"bar\" in aggregation"},
    {"sum by (a) foo", "1:12: parse error: unexpected identifier \"foo\" in aggregation"},
    {"sum(foo) by (a) by (b)", "1:17: parse error: unexpected <by>"},
    {"rate(foo[5m] bar)", "1:14: parse error: unexpected identifier \"bar\""},
    {"rate(,foo)", "1:6: parse error: unexpected \",\""},
    {"rate(foo[5m],)", "1:13: parse error: trailing commas not allowed in function call args"},
    {"sum(foo,)", "1:8: parse error: trailing commas not allowed in function call args"},
    {"foo offset", "1:11: parse error: unexpected end of input in offset, expected duration"},
    {"foo offset 5", "1:12: parse error: unexpected number \"5\" in offset, expected duration"},
    {"foo offset -", "1:13: parse error: unexpected end of input in offset, expected duration"},
    {"foo @", "1:6: parse error: unexpected end of input in @, expected timestamp"},
    {"foo @ start", "1:12: parse error: unexpected end of input in @, expected timestamp"},
    {"foo @ start(1)", "1:13: parse error: unexpected number \"1\" in @, expected timestamp"},
    {"foo @ 5m", "1:7: parse error: unexpected duration \"5m\" in @, expected timestamp"},
    {"foo[5m:5]",
     "1:8: parse error: unexpected number \"5\" in subquery selector, expected "
     "duration or \"]\""},
    {"foo[5m:1m 2]",
     "1:11: parse error: unexpected number \"2\" in subquery selector, expected "
     "\"]\""},
    {"foo[5m 1m]",
     "1:8: parse error: unexpected duration \"1m\" in subquery or range, expected "
     "\":\" or \"]\""},
    {"foo[5m x]", "1:8: parse error: unexpected character: 'x', expected ':'"},
    // Modifiers in the wrong place.
    {"(foo)[5m]", "1:6: parse error: ranges only allowed for vector selectors"},
    {"(foo + bar)[5m]", "1:12: parse error: ranges only allowed for vector selectors"},
    {"rate(some_metric[5m]) @ 1234",
     "1:1: parse error: @ modifier must be preceded by an "
     "instant vector selector or range vector selector or a "
     "subquery"},
    {"rate(foo[5m])[5m]", "1:14: parse error: ranges only allowed for vector selectors"},
    {"foo[5m][5m]", "1:8: parse error: ranges only allowed for vector selectors"},
    {"foo offset 5m[5m]", "1:14: parse error: no offset modifiers allowed before range"},
    {"foo @ 100 [5m]", "1:11: parse error: no @ modifiers allowed before range"},
    {"foo offset 5m offset 5m", "1:1: parse error: offset may not be set multiple times"},
    {"foo[5m:] offset 1m offset 1m", "1:1: parse error: offset may not be set multiple times"},
    {"foo @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times"},
    {"foo @ start() @ end()", "1:1: parse error: @ <timestamp> may not be set multiple times"},
    {"sum(foo) offset 5m",
     "1:1: parse error: offset modifier must be preceded by an instant "
     "vector selector or range vector selector or a subquery"},
    {"1 @ 5",
     "1:1: parse error: @ modifier must be preceded by an instant vector selector or "
     "range vector selector or a subquery"},
    {"foo @ Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"},
    {"foo @ NaN", "1:1: parse error: timestamp out of bounds for @ modifier: NaN"},
    {"foo @ 1e19",
     "1:1: parse error: timestamp out of bounds for @ modifier: "
     "10000000000000000000.000000"},
    // Selectors.
    {"{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {"{a=\"\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {"{a=~\".*\"}", "vector selector must contain at least one non-empty matcher"},
    {"{a!~\".+\"}", "vector selector must contain at least one non-empty matcher"},
    {"{x!=\"a\"}",
     "1:1: parse error: vector selector must contain at least one non-empty "
     "matcher"},
    {"{a=~\".*\", b!=\"x\"}", "vector selector must contain at least one non-empty matcher"},
    {"foo{__name__=\"bar\"}",
     "1:1: parse error: metric name must not be set twice: \"foo\" or "
     "\"bar\""},
    {"foo{__name__=~\"b.*\"}", "metric name must not be set twice: \"foo\" or \"b.*\""},
    // Functions.
    {"foo(bar)", "1:1: parse error: unknown function with name \"foo\""},
    {"a>b()", "1:3: parse error: unknown function with name \"b\""},
    {"rate(avg)",
     "1:6: parse error: expected type range vector in call to function \"rate\", "
     "got instant vector"},
    {"floor(1)", "expected type instant vector in call to function \"floor\", got scalar"},
    {"RATE(foo[5m])", "1:1: parse error: unknown function with name \"RATE\""},
    {"rate(foo)",
     "1:6: parse error: expected type range vector in call to function \"rate\", got "
     "instant vector"},
    {"rate(foo[5m], 1)", "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 2"},
    {"time(1)", "1:1: parse error: expected 0 argument(s) in call to \"time\", got 1"},
    {"round()", "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0"},
    {"round(foo, 1, 2)",
     "1:1: parse error: expected at most 2 argument(s) in call to \"round\", "
     "got 3"},
    {"hour(foo, bar)", "expected at most 1 argument(s) in call to \"hour\", got 2"},
    {"label_join(foo, \"a\")", "expected at least 3 argument(s) in call to \"label_join\", got 2"},
    {"label_join(foo, \"a\", \",\", 1)",
     "1:27: parse error: expected type string in call to "
     "function \"label_join\", got scalar"},
    {"label_replace(foo, \"a\", \"b\", \"c\")",
     "expected 5 argument(s) in call to "
     "\"label_replace\", got 4"},
    {"histogram_quantile(foo, bar)",
     "1:20: parse error: expected type scalar in call to "
     "function \"histogram_quantile\", got instant vector"},
    {"abs(\"a\")",
     "1:5: parse error: expected type instant vector in call to function \"abs\", "
     "got string"},
    {"vector(foo)", "expected type scalar in call to function \"vector\", got instant vector"},
    {"quantile_over_time(foo[5m], 0.5)",
     "expected type scalar in call to function "
     "\"quantile_over_time\", got range vector"},
    {"rate(foo[5m:1m] + 1)", "binary expression must contain only scalar and instant vector"},
    // Aggregations.
    {"sum()", "1:1: parse error: no arguments for aggregate expression provided"},
    {"topk(foo)",
     "1:1: parse error: wrong number of arguments for aggregate expression "
     "provided, expected 2, got 1"},
    {"sum(foo, bar)",
     "1:1: parse error: wrong number of arguments for aggregate expression "
     "provided, expected 1, got 2"},
    {"topk(\"a\", foo)",
     "1:6: parse error: expected type scalar in aggregation parameter, got "
     "string"},
    {"quantile(foo, bar)", "expected type scalar in aggregation parameter, got instant vector"},
    {"count_values(1, foo)",
     "1:14: parse error: expected type string in aggregation parameter, "
     "got scalar"},
    {"sum(foo[5m])",
     "1:5: parse error: expected type instant vector in aggregation expression, "
     "got range vector"},
    {"sum(1)", "expected type instant vector in aggregation expression, got scalar"},
    // Binary operators.
    {"1 == 1", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
    {"1 > (2)", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
    {"foo + bool bar", "1:5: parse error: bool modifier can only be used on comparison operators"},
    {"foo and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
    {"1 or foo", "set operator \"or\" not allowed in binary scalar expression"},
    {"foo and on(a) group_left bar",
     "1:1: parse error: no grouping allowed for \"and\" "
     "operation"},
    {"foo unless ignoring(a) group_right(b) bar", "no grouping allowed for \"unless\" operation"},
    {"foo + on(a) 1", "1:1: parse error: vector matching only allowed between instant vectors"},
    {"foo * on(a) group_left(a) bar",
     "1:5: parse error: label \"a\" must not occur in ON and "
     "GROUP clause at once"},
    {"foo[5m] + 1",
     "1:1: parse error: binary expression must contain only scalar and instant "
     "vector types"},
    {"1 + foo[5m]",
     "1:5: parse error: binary expression must contain only scalar and instant "
     "vector types"},
    {"\"a\" + 1", "binary expression must contain only scalar and instant vector types"},
    {"-foo[5m]",
     "1:1: parse error: unary expression only allowed on expressions of type scalar "
     "or instant vector, got \"range vector\""},
    {"-\"a\"", "got \"string\""},
    {"foo[5m][5m:]",
     "1:1: parse error: subquery is only allowed on instant vector, got matrix "
     "instead"},
    {"\"a\"[5m:]", "subquery is only allowed on instant vector, got string instead"},
    {"1[5m:]", "subquery is only allowed on instant vector, got scalar instead"},
};

std::string parseError(std::string_view q) {
  Result<ExprPtr> r = parse(q);
  return r.isOk() ? "<ok: " + toString(**r) + ">" : r.status().message();
}

void expectCanonical(const Valid& v) {
  Result<ExprPtr> r = parse(v.input);
  ASSERT_TRUE(r.isOk()) << v.input << "\n" << r.status().message();
  EXPECT_EQ(toString(**r), v.canonical) << v.input;
  // Round trip: the printed form parses to an equal tree that prints the same.
  Result<ExprPtr> again = parse(toString(**r));
  ASSERT_TRUE(again.isOk()) << toString(**r) << "\n" << again.status().message();
  EXPECT_TRUE(equal(**r, **again)) << v.input;
  EXPECT_EQ(toString(**again), toString(**r)) << v.input;
}

TEST(PromqlParser, ValidQueriesPrintCanonically) {
  for (const Valid& v : kValid) expectCanonical(v);
}

TEST(PromqlParser, DashboardQueries) {
  for (const Valid& v : kDashboard) expectCanonical(v);
}

TEST(PromqlParser, InvalidQueriesAreRejectedWithPrometheusMessages) {
  for (const Invalid& c : kInvalid) {
    std::string err = parseError(c.input);
    EXPECT_NE(err.find(c.error), std::string::npos)
        << "query: " << c.input << "\n  got: " << err << "\n want: " << c.error;
  }
}

TEST(PromqlParser, ReferenceShorthandsAreRejected) {
  // platform.md writes some panels as `irate(metric)`; as PromQL they lack the range.
  EXPECT_EQ(parseError("irate(container_cpu_usage_seconds_total{container=\"discovery\"})"),
            "1:7: parse error: expected type range vector in call to function \"irate\", got "
            "instant vector");
  EXPECT_EQ(parseError("irate(pilot_xds_pushes)"),
            "1:7: parse error: expected type range vector in call to function \"irate\", got "
            "instant vector");
  // Grafana's $__rate_interval must be substituted before the query reaches the parser.
  EXPECT_EQ(parseError("round(sum(rate(istio_requests_total{reporter=~\"source|waypoint\"}"
                       "[$__rate_interval])),0.01)"),
            "1:66: parse error: missing unit character in duration");
}

TEST(PromqlParser, ErrorDetails) {
  ParseError e;
  Result<ExprPtr> r = parse("sum(rate(x[5m]))\n  + on(job) foo bar", &e);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 17u);
  EXPECT_EQ(e.offset, 33u);
  EXPECT_EQ(e.message, "unexpected identifier \"bar\"");
  EXPECT_EQ(r.status().message(), "2:17: parse error: unexpected identifier \"bar\"");
}

// Fully parenthesised form, to check precedence and associativity.
std::string sexpr(const Expr& e) {
  if (const auto* b = e.as<BinaryExpr>()) {
    return "(" + sexpr(*b->lhs) + " " + std::string(binOpString(b->op)) +
           (b->return_bool ? " bool " : " ") + sexpr(*b->rhs) + ")";
  }
  if (const auto* u = e.as<UnaryExpr>()) {
    return std::string("(") + (u->negate ? "-" : "+") + sexpr(*u->expr) + ")";
  }
  return toString(e);
}

TEST(PromqlParser, PrecedenceAndAssociativity) {
  const std::pair<const char*, const char*> cases[] = {
      {"1 + 2 * 3", "(1 + (2 * 3))"},
      {"1 * 2 + 3", "((1 * 2) + 3)"},
      {"1 - 2 - 3", "((1 - 2) - 3)"},
      {"1 / 2 * 3", "((1 / 2) * 3)"},
      {"8 / 2 % 3", "((8 / 2) % 3)"},
      {"2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"},
      {"a % b ^ c", "(a % (b ^ c))"},
      {"a ^ b * c", "((a ^ b) * c)"},
      {"a atan2 b * c", "((a atan2 b) * c)"},
      {"a * b atan2 c", "((a * b) atan2 c)"},
      {"a + b atan2 c", "(a + (b atan2 c))"},
      {"-2 ^ 2", "(-(2 ^ 2))"},
      {"-a * b", "((-a) * b)"},
      {"-a + b", "((-a) + b)"},
      {"a * -b", "(a * (-b))"},
      {"a ^ -b * c", "((a ^ (-b)) * c)"},
      {"a * -b ^ c", "(a * (-(b ^ c)))"},
      {"1 + -2 * 3", "(1 + (-2 * 3))"},
      {"a or b and c", "(a or (b and c))"},
      {"a and b or c", "((a and b) or c)"},
      {"a unless b and c", "((a unless b) and c)"},
      {"a or b unless c", "(a or (b unless c))"},
      {"a or b or c", "((a or b) or c)"},
      {"a > b + c", "(a > (b + c))"},
      {"a + b > c", "((a + b) > c)"},
      {"a + b > c and d", "(((a + b) > c) and d)"},
      {"a == bool b == bool c", "((a == bool b) == bool c)"},
      {"a < b > c", "((a < b) > c)"},
      {"a and b > c", "(a and (b > c))"},
      {"a + b offset 5m", "(a + b offset 5m)"},
      {"a offset 5m * b @ 5", "(a offset 5m * b @ 5.000)"},
      {"-a offset 1m", "(-a offset 1m)"},
      {"(a + b) * c", "((a + b) * c)"},
  };
  for (const auto& [in, want] : cases) {
    Result<ExprPtr> r = parse(in);
    ASSERT_TRUE(r.isOk()) << in << ": " << r.status().message();
    EXPECT_EQ(sexpr(**r), want) << in;
  }
}

ExprPtr mustParse(std::string_view q) {
  Result<ExprPtr> r = parse(q);
  EXPECT_TRUE(r.isOk()) << q << ": " << r.status().message();
  return r.isOk() ? std::move(r).value() : nullptr;
}

TEST(PromqlParser, ValueTypes) {
  const std::pair<const char*, ValueType> cases[] = {
      {"1", ValueType::kScalar},          {"\"a\"", ValueType::kString},
      {"foo", ValueType::kVector},        {"foo[5m]", ValueType::kMatrix},
      {"foo[5m:]", ValueType::kMatrix},   {"time()", ValueType::kScalar},
      {"pi()", ValueType::kScalar},       {"scalar(foo)", ValueType::kScalar},
      {"vector(1)", ValueType::kVector},  {"1 + 1", ValueType::kScalar},
      {"1 > bool 1", ValueType::kScalar}, {"foo + 1", ValueType::kVector},
      {"1 - foo", ValueType::kVector},    {"(1)", ValueType::kScalar},
      {"-foo", ValueType::kVector},       {"-(1)", ValueType::kScalar},
      {"sum(foo)", ValueType::kVector},   {"rate(foo[5m])", ValueType::kVector},
  };
  for (const auto& [q, want] : cases) {
    ExprPtr e = mustParse(q);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(valueType(*e), want) << q;
  }
  EXPECT_EQ(documentedType(ValueType::kMatrix), "range vector");
  EXPECT_EQ(documentedType(ValueType::kVector), "instant vector");
}

TEST(PromqlParser, SelectorTree) {
  ExprPtr e = mustParse("http_requests_total{job=~\"api|web\", code!=\"500\"} offset 5m @ 100.5");
  ASSERT_NE(e, nullptr);
  const auto* vs = e->as<VectorSelector>();
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->name, "http_requests_total");
  ASSERT_EQ(vs->matchers.size(), 3u);
  EXPECT_EQ(vs->matchers[0].name, "job");
  EXPECT_EQ(vs->matchers[0].op, MatchOp::kRegexMatch);
  EXPECT_TRUE(vs->matchers[0].matches("api"));
  EXPECT_TRUE(vs->matchers[0].matches("web"));
  EXPECT_FALSE(vs->matchers[0].matches("apiserver"));  // anchored
  EXPECT_FALSE(vs->matchers[0].matches(""));
  EXPECT_EQ(vs->matchers[1].op, MatchOp::kNotEqual);
  EXPECT_TRUE(vs->matchers[1].matches(""));
  EXPECT_FALSE(vs->matchers[1].matches("500"));
  // The implicit name matcher comes last.
  EXPECT_EQ(vs->matchers[2].name, "__name__");
  EXPECT_EQ(vs->matchers[2].op, MatchOp::kEqual);
  EXPECT_EQ(vs->matchers[2].value, "http_requests_total");
  EXPECT_EQ(vs->offset_ms, 5 * 60 * 1000);
  EXPECT_EQ(vs->at.kind, AtModifier::Kind::kTimestamp);
  EXPECT_EQ(vs->at.timestamp_ms, 100500);
  EXPECT_EQ(e->pos.start, 0u);

  ExprPtr m = mustParse("foo[1h] offset -1d @ end()");
  ASSERT_NE(m, nullptr);
  const auto* ms = m->as<MatrixSelector>();
  ASSERT_NE(ms, nullptr);
  EXPECT_EQ(ms->range_ms, 3600 * 1000);
  EXPECT_EQ(ms->selector.offset_ms, -86400 * 1000);
  EXPECT_EQ(ms->selector.at.kind, AtModifier::Kind::kEnd);

  ExprPtr n = mustParse("{__name__=~\"node_.*\"}");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->as<VectorSelector>()->name, "");
  EXPECT_EQ(n->as<VectorSelector>()->matchers.size(), 1u);
}

TEST(PromqlParser, SubqueryTree) {
  ExprPtr e = mustParse("max_over_time(rate(foo[5m])[1h:30s] offset 1m)");
  ASSERT_NE(e, nullptr);
  const auto* call = e->as<Call>();
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->func->name, "max_over_time");
  ASSERT_EQ(call->args.size(), 1u);
  const auto* sq = call->args[0]->as<SubqueryExpr>();
  ASSERT_NE(sq, nullptr);
  EXPECT_EQ(sq->range_ms, 3600 * 1000);
  EXPECT_EQ(sq->step_ms, 30 * 1000);
  EXPECT_EQ(sq->offset_ms, 60 * 1000);
  EXPECT_NE(sq->expr->as<Call>(), nullptr);
}

TEST(PromqlParser, AggregationTree) {
  ExprPtr e = mustParse("topk(5, rate(foo[5m])) without (instance, pod)");
  ASSERT_NE(e, nullptr);
  const auto* a = e->as<AggregateExpr>();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->op, AggOp::kTopk);
  EXPECT_TRUE(a->without);
  EXPECT_EQ(a->grouping, (std::vector<std::string>{"instance", "pod"}));
  ASSERT_NE(a->param, nullptr);
  EXPECT_EQ(a->param->as<NumberLiteral>()->value, 5);
  EXPECT_NE(a->expr->as<Call>(), nullptr);

  ExprPtr s = mustParse("sum(foo)");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->as<AggregateExpr>()->param, nullptr);
  EXPECT_TRUE(s->as<AggregateExpr>()->grouping.empty());
}

TEST(PromqlParser, VectorMatchingTree) {
  ExprPtr e = mustParse("foo * on(a, b) group_left(c) bar");
  ASSERT_NE(e, nullptr);
  const auto* b = e->as<BinaryExpr>();
  ASSERT_NE(b, nullptr);
  ASSERT_NE(b->matching, nullptr);
  EXPECT_EQ(b->matching->card, Cardinality::kManyToOne);
  EXPECT_TRUE(b->matching->on);
  EXPECT_EQ(b->matching->matching_labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(b->matching->include, (std::vector<std::string>{"c"}));
  EXPECT_EQ(b->op_pos, 4u);

  ExprPtr r = mustParse("foo / ignoring(x) group_right bar");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->as<BinaryExpr>()->matching->card, Cardinality::kOneToMany);
  EXPECT_FALSE(r->as<BinaryExpr>()->matching->on);
  EXPECT_TRUE(r->as<BinaryExpr>()->matching->include.empty());

  // Set operators match many-to-many.
  ExprPtr s = mustParse("foo and bar");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->as<BinaryExpr>()->matching->card, Cardinality::kManyToMany);
  // No matching with a scalar side.
  ExprPtr k = mustParse("foo > bool 1");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->as<BinaryExpr>()->matching, nullptr);
  EXPECT_TRUE(k->as<BinaryExpr>()->return_bool);
}

TEST(PromqlParser, UnaryMinusFoldsIntoNumbers) {
  ExprPtr e = mustParse("-5");
  ASSERT_NE(e, nullptr);
  ASSERT_NE(e->as<NumberLiteral>(), nullptr);
  EXPECT_EQ(e->as<NumberLiteral>()->value, -5);
  ExprPtr u = mustParse("-(5)");
  ASSERT_NE(u, nullptr);
  ASSERT_NE(u->as<UnaryExpr>(), nullptr);
  EXPECT_TRUE(u->as<UnaryExpr>()->negate);
}

TEST(PromqlParser, FunctionTable) {
  for (const Function& f : allFunctions()) {
    EXPECT_EQ(findFunction(f.name), &f) << f.name;
  }
  EXPECT_EQ(findFunction("nope"), nullptr);
  EXPECT_EQ(findFunction("Rate"), nullptr);
  const Function* lj = findFunction("label_join");
  ASSERT_NE(lj, nullptr);
  EXPECT_EQ(lj->variadic, -1);
  EXPECT_EQ(findFunction("time")->return_type, ValueType::kScalar);
  EXPECT_EQ(findFunction("rate")->arg_types[0], ValueType::kMatrix);
  // Every function named in the brief is there.
  for (const char* name : {"abs",
                           "absent",
                           "absent_over_time",
                           "ceil",
                           "changes",
                           "clamp",
                           "clamp_max",
                           "clamp_min",
                           "day_of_month",
                           "day_of_week",
                           "day_of_year",
                           "days_in_month",
                           "delta",
                           "deriv",
                           "exp",
                           "floor",
                           "histogram_quantile",
                           "holt_winters",
                           "hour",
                           "idelta",
                           "increase",
                           "irate",
                           "label_join",
                           "label_replace",
                           "ln",
                           "log10",
                           "log2",
                           "minute",
                           "month",
                           "predict_linear",
                           "rate",
                           "resets",
                           "round",
                           "scalar",
                           "sgn",
                           "sort",
                           "sort_desc",
                           "sqrt",
                           "time",
                           "timestamp",
                           "vector",
                           "year",
                           "avg_over_time",
                           "min_over_time",
                           "max_over_time",
                           "sum_over_time",
                           "count_over_time",
                           "quantile_over_time",
                           "stddev_over_time",
                           "stdvar_over_time",
                           "last_over_time",
                           "present_over_time",
                           "acos",
                           "acosh",
                           "asin",
                           "asinh",
                           "atan",
                           "atanh",
                           "cos",
                           "cosh",
                           "sin",
                           "sinh",
                           "tan",
                           "tanh",
                           "deg",
                           "rad",
                           "pi"}) {
    EXPECT_NE(findFunction(name), nullptr) << name;
  }
}

// Random well-typed queries built from the grammar: each must parse, and its printed form must
// parse to an equal tree that prints the same.
class QueryGen {
 public:
  explicit QueryGen(uint32_t seed) : rng_(seed) {}

  std::string vector(int depth) {
    if (depth <= 0) return selector();
    switch (pick(10)) {
      case 0: return selector();
      case 1:
        return oneOf({"rate", "irate", "increase", "delta", "avg_over_time"}) + "(" +
               matrix(depth - 1) + ")";
      case 2: return aggregation(depth - 1);
      case 3: {
        std::string op = oneOf({"+", "-", "*", "/", "%", "^", "atan2", "==", "!=", ">", "<",
                                ">=", "<=", "and", "or", "unless"});
        bool set = op == "and" || op == "or" || op == "unless";
        bool cmp = op == "==" || op == "!=" || op[0] == '>' || op[0] == '<';
        std::string mod = cmp && pick(2) == 0 ? " bool" : "";
        // Parenthesised, so operand precedence cannot regroup the generated operands.
        if (set || pick(2) == 0) {
          mod += matching(set);
          return "(" + vector(depth - 1) + " " + op + mod + " " + vector(depth - 1) + ")";
        }
        return pick(2) == 0
                   ? "(" + vector(depth - 1) + " " + op + mod + " " + scalar(depth - 1) + ")"
                   : "(" + scalar(depth - 1) + " " + op + mod + " " + vector(depth - 1) + ")";
      }
      case 4: return "(" + vector(depth - 1) + ")";
      case 5: return oneOf({"-", "+"}) + vector(depth - 1);
      case 6:
        return oneOf({"abs", "ceil", "sqrt", "sort", "timestamp", "absent"}) + "(" +
               vector(depth - 1) + ")";
      case 7:
        return oneOf({"max_over_time", "quantile_over_time(0.5, "}) == "max_over_time"
                   ? "max_over_time(" + subquery(depth - 1) + ")"
                   : "quantile_over_time(0.5, " + subquery(depth - 1) + ")";
      case 8: return "histogram_quantile(" + scalar(depth - 1) + ", " + vector(depth - 1) + ")";
      default:
        return "label_replace(" + vector(depth - 1) + ", \"dst\", \"$1\", \"src\", \"(.*)\")";
    }
  }

  std::string scalar(int depth) {
    if (depth <= 0) return number();
    switch (pick(6)) {
      case 0: return number();
      case 1: return "time()";
      case 2: return "scalar(" + vector(depth - 1) + ")";
      case 3: {
        std::string op = oneOf({"+", "-", "*", "/", "^", "== bool", "> bool", "atan2"});
        return "(" + scalar(depth - 1) + " " + op + " " + scalar(depth - 1) + ")";
      }
      case 4: return "(" + scalar(depth - 1) + ")";
      default: return "-" + scalar(depth - 1);
    }
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  std::string oneOf(std::initializer_list<const char*> xs) {
    return *(xs.begin() + pick(xs.size()));
  }
  std::string number() {
    return oneOf({"1", "0.5", "1e3", "0x10", "Inf", "NaN", "-2", "123456789", ".25", "1e-7"});
  }
  std::string duration() { return oneOf({"1m", "5m", "90s", "1h30m", "1d", "2w", "100ms"}); }
  std::string modifiers() {
    std::string m;
    if (pick(4) == 0) m += " @ " + oneOf({"100", "start()", "end()", "1609746000.5"});
    if (pick(4) == 0) m += " offset " + oneOf({"5m", "-1h", "1d"});
    return m;
  }
  std::string selector() { return selectorBody() + modifiers(); }
  std::string selectorBody() {
    std::string name = oneOf({"foo", "http_requests_total", "a:b", "sum", ""});
    std::vector<std::string> ms;
    size_t n = name.empty() ? 1 + pick(3) : pick(3);
    for (size_t i = 0; i < n; ++i) {
      ms.push_back(oneOf({"job", "instance", "le", "code"}) + oneOf({"=", "!=", "=~", "!~"}) +
                   oneOf({"\"x\"", "'a.+'", "`b|c`", "\"\\n\""}));
    }
    std::string s = name;
    if (!ms.empty() || name.empty()) {
      s += "{";
      for (size_t i = 0; i < ms.size(); ++i) s += (i ? ", " : "") + ms[i];
      s += "}";
    }
    // Selectors that only match the empty string are invalid; force one non-empty matcher.
    if (name.empty()) s = "{job=\"x\"," + s.substr(1);
    return s;
  }
  std::string matrix(int depth) {
    if (depth > 0 && pick(3) == 0) return subquery(depth);
    std::string sel = selectorBody();
    std::string mods = modifiers();
    return sel + "[" + duration() + "]" + mods;
  }
  std::string subquery(int depth) {
    std::string inner = pick(2) == 0 ? "(" + vector(depth) + ")" : "rate(" + matrix(0) + ")";
    return inner + "[" + duration() + ":" + (pick(2) == 0 ? duration() : "") + "]" + modifiers();
  }
  std::string labels() {
    std::string s = "(";
    size_t n = pick(3);
    for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + oneOf({"job", "le", "on", "by", "x_1"});
    return s + ")";
  }
  std::string matching(bool set) {
    switch (pick(4)) {
      case 0: return "";
      case 1: return " on" + labels();
      case 2: return " ignoring" + labels();
      default:
        if (set) return " on" + labels();
        // Always with a label list: `group_left (x)` would take a parenthesised right-hand side
        // for its labels, in Prometheus too.
        return " on(zz)" + std::string(pick(2) ? " group_left" : " group_right") + labels();
    }
  }
  std::string aggregation(int depth) {
    std::string op = oneOf({"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar",
                            "topk", "bottomk", "quantile", "count_values"});
    std::string param;
    if (op == "topk" || op == "bottomk" || op == "quantile") param = scalar(depth) + ", ";
    if (op == "count_values") param = "\"value\", ";
    std::string mod = pick(3) == 0 ? "" : std::string(pick(2) ? " by " : " without ") + labels();
    if (pick(2) == 0) return op + mod + " (" + param + vector(depth) + ")";
    return op + "(" + param + vector(depth) + ")" + mod;
  }

  std::mt19937 rng_;
};

TEST(PromqlParser, RandomQueriesRoundTrip) {
  QueryGen gen(20261121);
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string q = i % 4 == 0 ? gen.scalar(4) : gen.vector(5);
    Result<ExprPtr> r = parse(q);
    ASSERT_TRUE(r.isOk()) << q << "\n" << r.status().message();
    ++parsed;
    std::string printed = toString(**r);
    Result<ExprPtr> again = parse(printed);
    ASSERT_TRUE(again.isOk()) << q << "\nprinted: " << printed << "\n" << again.status().message();
    EXPECT_TRUE(equal(**r, **again)) << q << "\nprinted: " << printed;
    EXPECT_EQ(toString(**again), printed) << q;
  }
  EXPECT_EQ(parsed, 3000);

  // Unparenthesised operator chains over instant vectors, mixing every precedence level and
  // unary signs: printing without parentheses must keep the grouping.
  std::mt19937 rng(7);
  const char* const ops[] = {"+",
                             "-",
                             "*",
                             "/",
                             "%",
                             "^",
                             "atan2",
                             "==",
                             "!= bool",
                             ">",
                             "<=",
                             "and",
                             "or",
                             "unless",
                             "* on(a) group_left(b)",
                             "+ ignoring(c)"};
  const char* const leaves[] = {"a", "-b", "+c", "sum(d)", "(e + f)", "g offset 1m", "-h @ 5"};
  for (int i = 0; i < 1000; ++i) {
    std::string q = leaves[rng() % std::size(leaves)];
    for (int n = 1 + static_cast<int>(rng() % 6); n > 0; --n) {
      q += std::string(" ") + ops[rng() % std::size(ops)] + " " + leaves[rng() % std::size(leaves)];
    }
    Result<ExprPtr> r = parse(q);
    ASSERT_TRUE(r.isOk()) << q << "\n" << r.status().message();
    Result<ExprPtr> again = parse(toString(**r));
    ASSERT_TRUE(again.isOk()) << q;
    EXPECT_TRUE(equal(**r, **again)) << q << "\nprinted: " << toString(**r);
    EXPECT_EQ(sexpr(**again), sexpr(**r)) << q;
  }
}

TEST(PromqlParser, DeepNestingIsRejectedNotACrash) {
  std::string parens = std::string(5000, '(') + "1" + std::string(5000, ')');
  std::string ok_parens = std::string(1000, '(') + "1" + std::string(1000, ')');
  EXPECT_TRUE(parse(ok_parens).isOk());
  EXPECT_NE(parseError(parens).find("expression nesting is too deep"), std::string::npos);
  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  EXPECT_NE(parseError(chain).find("expression nesting is too deep"), std::string::npos);
  std::string pow = "1";
  for (int i = 0; i < 5000; ++i) pow += " ^ 1";
  EXPECT_NE(parseError(pow).find("expression nesting is too deep"), std::string::npos);
  std::string neg = std::string(5000, '-') + "foo";
  EXPECT_NE(parseError(neg).find("expression nesting is too deep"), std::string::npos);
  // Within the limit is fine.
  std::string ok = "1";
  for (int i = 0; i < 1000; ++i) ok += " + 1";
  EXPECT_TRUE(parse(ok).isOk());
}

TEST(PromqlParser, NumberEdgeCases) {
  ExprPtr e = mustParse("-0");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(std::signbit(e->as<NumberLiteral>()->value));
  EXPECT_EQ(toString(*e), "-0");
  ExprPtr big = mustParse("99999999999999999999");  // ParseInt overflows, ParseFloat does not
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(toString(*big), "1e+20");
  ExprPtr nan = mustParse("-NaN");
  ASSERT_NE(nan, nullptr);
  EXPECT_TRUE(std::isnan(nan->as<NumberLiteral>()->value));
}

}  // namespace
}  // namespace sextant::query::promql
