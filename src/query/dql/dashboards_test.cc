// The DQL of ../shared/reference/platform.md §1 (the language) and §2 (the built-in dashboards):
// every complete query written there must parse, and the dashboard queries (with the abbreviations
// of §2 expanded by hand: `last(a|b)` is one query per field, `...` and `{cluster..}` are filled
// in) must parse, round-trip and survive variable substitution with "__all__" and with a value.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "query/dql/dql.h"

namespace sextant::query::dql {
namespace {

std::string readPlatformMd() {
  std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/reference/platform.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Inline code spans of §1 and §2 that look like DQL statements.
std::vector<std::string> extractCandidates(const std::string& md) {
  size_t begin = md.find("## 1. DQL");
  size_t end = md.find("## 3. APM");
  std::vector<std::string> out;
  if (begin == std::string::npos || end == std::string::npos) return out;
  std::string sec = md.substr(begin, end - begin);
  static const char* kStarts[] = {"show_",  "series_sum(", "eval(",
                                  "irate(", "difference(", "non_negative_derivative("};
  size_t i = 0;
  while (i < sec.size()) {
    if (sec.compare(i, 3, "```") == 0) {  // fenced block: skip
      size_t e = sec.find("```", i + 3);
      i = e == std::string::npos ? sec.size() : e + 3;
      continue;
    }
    std::string span;
    if (sec.compare(i, 2, "``") == 0) {
      size_t e = sec.find("``", i + 2);
      if (e == std::string::npos) break;
      span = sec.substr(i + 2, e - i - 2);
      while (!span.empty() && span.front() == ' ') span.erase(0, 1);
      while (!span.empty() && span.back() == ' ') span.pop_back();
      i = e + 2;
    } else if (sec[i] == '`') {
      size_t e = sec.find('`', i + 1);
      if (e == std::string::npos) break;
      span = sec.substr(i + 1, e - i - 1);
      i = e + 1;
    } else {
      ++i;
      continue;
    }
    bool dql = span.find("::") != std::string::npos;
    for (const char* s : kStarts) dql = dql || span.rfind(s, 0) == 0;
    if (dql) out.push_back(span);
  }
  return out;
}

// Spans that are not complete statements: fragments of syntax, PromQL, or abbreviations
// (`a|b` alternatives, `...`, `{cluster..}`) whose expansions are in kDashboardQueries below.
const std::set<std::string> kNotStatements = {
    "::",
    "L('default')::",
    "CI::",
    "[1d::1h]",
    "[:::irate]",
    "[range::interval:rollup]",
    "show_tag_value",
    "show_measurement",
    "show_*_field",
    "show_tag_value(...)",
    "show_{object,logging,event,tracing,rum,network,profiling,custom_object,security}_{source,"
    "field}()",
    "show_tag_value(from=['kube_pod'],...)",
    "show_tag_value(from=['docker_containers'],...)",
    "eval(A/B, alias='x', A=\"<dql>\", B=\"<dql>\")",
    "series_sum(\"M::kubernetes:(last(node|pod|container|deployment|replicaset|daemonset|service))"
    " {cluster..} BY cluster_name_k8s[,namespace]\")",
    "M::kube_node:(last(cpu_capacity|memory_capacity|pods_capacity)) BY node",
    "series_sum(M::disk:(avg(total|used)) BY host)",
    "series_sum(O::kubelet_pod:(count(status)){status='Running' | not Running/Succeeded | "
    "'Pending'} BY pod_name,...)",
    "O::kubernetes_deployments:(sum(ready|available|unavailable))",
    "M::kube_deployment:(last(replicas_available|replicas_unavailable|replicas_ready|replicas_"
    "desired)) BY deployment,namespace",
    "O::kubernetes_daemonset:(last(desired|daemons_available|daemons_unavailable))",
    "M::kube_daemonset:(last(daemons_available|daemons_unavailable|ready|desired))",
    "O::kubernetes_statefulsets:(last(replicas_ready|replicas_desired|replicas_available|replicas_"
    "current))",
    "M::kubernetes:(last(deployment|daemonset|statefulset|pod)) BY namespace",
    "O::kubernetes_services:(last(annotations|cluster_ip|external_ips|type|age)) BY service_name,"
    "namespace",
    "non_negative_derivative(\"M::kube_pod:(avg(network_bytes_rcvd|network_bytes_sent)) BY "
    "pod_name\")",
    "difference(\"...last(kube_pod_container_status_restarts_total) BY pod\")",
    "eval(A/B, A=\"...{response_code!=re('5.*')}[:::rate]\", B=\"...[:::rate]\")",
    "difference(\"...avg(etcd_server_health_success|failures) BY host\")",
    "irate(\"...etcd_network_client_grpc_received_bytes_total BY host\").series_sum()",
    "irate(...etcd_server_proposals_*).series_sum()",
    "irate(pilot_xds_pushes)",                                            // PromQL
    "irate(container_cpu_usage_seconds_total{container=\"discovery\"})",  // PromQL
    "irate(etcd_disk_wal_fsync_duration_seconds_sum)",                    // shorthand
    "irate(etcd_disk_backend_commit_duration_seconds_sum)",               // shorthand
    "eval(A/B)",                                                          // shorthand
    "eval(A-B)",                                                          // shorthand
};

TEST(DqlReference, EveryCompleteQueryOfPlatformMdParses) {
  std::string md = readPlatformMd();
  ASSERT_FALSE(md.empty()) << "cannot read " << SEXTANT_SHARED_DIR << "/reference/platform.md";
  std::vector<std::string> spans = extractCandidates(md);
  EXPECT_GE(spans.size(), 60u);
  std::set<std::string> seen;
  int parsed = 0;
  for (const std::string& s : spans) {
    seen.insert(s);
    if (kNotStatements.count(s) != 0) continue;
    Result<Query> q = parse(s);
    EXPECT_TRUE(q.isOk()) << s << "\n  -> " << q.status().message();
    if (!q.isOk()) continue;
    ++parsed;
    Result<Query> again = parse(toString(*q));
    ASSERT_TRUE(again.isOk()) << toString(*q);
    EXPECT_EQ(*again, *q) << s;
  }
  EXPECT_GE(parsed, 30);
  // The exception list only names spans that are really in the document.
  for (const std::string& s : kNotStatements) EXPECT_EQ(seen.count(s), 1u) << s;
}

// §2 with the abbreviations expanded, plus the DQL of §3/§6 examples.
const char* const kDashboardQueries[] = {
    // 2.1 Kubernetes Cluster Overview: variables.
    "show_tag_value(from=['kubernetes'],keyin=['cluster_name_k8s'])[5m]",
    "show_tag_value(from=['kubernetes'], keyin=['node_name']){cluster_name_k8s='#{cluster_name_"
    "k8s}'}[5m]",
    "show_tag_value(from=['kubernetes'], keyin=['namespace']){cluster_name_k8s='#{cluster_name_"
    "k8s}'}[5m]",
    // Clusters and Namespaces count series via last(x)/last(x).
    "series_sum(\"M::kubernetes:(last(node)/last(node)) {cluster_name_k8s='#{cluster_name_k8s}'} "
    "BY cluster_name_k8s\")",
    "series_sum(\"M::kubernetes:(last(pod)/last(pod)) {cluster_name_k8s='#{cluster_name_k8s}'} "
    "BY cluster_name_k8s, namespace\")",
    "M::cpu:(avg(usage_total)) {cluster_name_k8s='#{cluster_name_k8s}'} BY cluster_name_k8s,host",
    "M::mem:(avg(used_percent)) {cluster_name_k8s='#{cluster_name_k8s}'} BY cluster_name_k8s,host",
    "M::disk:(avg(used_percent)) {cluster_name_k8s='#{cluster_name_k8s}'} BY "
    "cluster_name_k8s,host",
    "O::kubelet_pod:(count(__source)) BY namespace",
    "M::cpu:(last(usage_total)) {host='#{node_name}'} BY host",
    "M::mem:(last(used_percent)) {host='#{node_name}'} BY host",
    "M::disk:(last(used_percent)) {host='#{node_name}'} BY host",
    "M::net:(last(`bytes_recv/sec`)) {host='#{node_name}'} BY host",
    "M::net:(last(`bytes_sent/sec`)) {host='#{node_name}'} BY host",
    "M::diskio:(last(`read_bytes/sec`)) {host='#{node_name}'} BY host",
    "M::diskio:(last(`write_bytes/sec`)) {host='#{node_name}'} BY host",
    "eval(A/1000, A=\"series_sum(\\\"M::kube_pod:(avg(cpu_usage_millicores)) BY pod_name\\\")\")",
    "M::kube_pod:(last(memory_usage_bytes)) {cluster_name_k8s='#{cluster_name_k8s}'} BY pod_name",
    "eval(A/B, A=\"series_sum(\\\"O::kubelet_pod:(last(cpu_limit_millicores)) BY pod_name\\\")\", "
    "B=\"series_sum(\\\"O::kubelet_pod:(last(cpu_capacity_millicores)) BY pod_name\\\")\")",
    "eval(A/B, A=\"series_sum(\\\"O::kubelet_pod:(last(mem_limit)) BY pod_name\\\")\", "
    "B=\"series_sum(\\\"O::kubelet_pod:(last(mem_capacity)) BY pod_name\\\")\")",
    "M::kube_node:(last(cpu_capacity)) BY node",
    "M::kube_node:(last(memory_capacity)) BY node",
    "M::kube_node:(last(pods_capacity)) BY node",
    "series_sum(M::disk:(avg(total)) BY host)",
    "series_sum(\"M::disk:(avg(used)) {cluster_name_k8s='#{cluster_name_k8s}'} BY host\")",
    "series_sum(\"O::kubelet_pod:(count(status)) {status='Running', "
    "cluster_name_k8s='#{cluster_name_k8s}'} BY pod_name, namespace\")",
    "series_sum(\"O::kubelet_pod:(count(status)) {status NOT IN ['Running','Succeeded']} BY "
    "pod_name, namespace\")",
    "series_sum(O::kubelet_pod:(count(status)){status='Pending'} BY pod_name,namespace)",
    "M::kube_pod:(last(ready)) {namespace='#{namespace}'} BY namespace,pod_name",
    "O::kubelet_pod:(last(status), last(restarts), last(pod_ip), last(node_name), last(age)) "
    "{namespace='#{namespace}'} BY namespace, pod_name",
    "O::kubernetes_deployments:(sum(ready))",
    "O::kubernetes_deployments:(sum(available))",
    "O::kubernetes_deployments:(sum(unavailable)) {namespace='#{namespace}'}",
    "M::kube_deployment:(last(replicas_available), last(replicas_unavailable), "
    "last(replicas_ready), last(replicas_desired)) BY deployment,namespace",
    "O::kubernetes_daemonset:(last(desired))",
    "O::kubernetes_daemonset:(last(daemons_available))",
    "O::kubernetes_daemonset:(last(daemons_unavailable))",
    "M::kube_daemonset:(last(daemons_available), last(daemons_unavailable), last(ready), "
    "last(desired)) BY daemonset, namespace",
    "O::kubernetes_statefulsets:(last(replicas_ready), last(replicas_desired), "
    "last(replicas_available), last(replicas_current)) BY statefulset_name",
    "M::kubernetes:(last(deployment)) BY namespace",
    "M::kubernetes:(last(daemonset)) BY namespace",
    "M::kubernetes:(last(statefulset)) BY namespace",
    "M::kubernetes:(last(pod)) BY namespace",
    "O::kubernetes_services:(last(annotations), last(cluster_ip), last(external_ips), last(type), "
    "last(age)) BY service_name,namespace",
    "L('default')::kubernetes_events:(status,__docid,cluster_name_k8s,involved_namespace,from_"
    "node,message) {cluster_name_k8s='#{cluster_name_k8s}'}",
    "L('default')::kubernetes_events:(count(*) AS count) {cluster_name_k8s='#{cluster_name_k8s}'} "
    "BY reason SORDER BY count DESC SLIMIT 10",
    "O::kubernetes_nodes:(last(age),last(kubelet_version)) BY node_name",
    "M::kubernetes:(last(pod), last(deployment), last(service)) BY namespace",
    // 2.2 Kubernetes Pods Overview.
    "show_tag_value(from=['kube_pod'], keyin=['cluster_name_k8s'])[5m]",
    "show_tag_value(from=['kube_pod'], keyin=['namespace']){cluster_name_k8s='#{cluster_name_k8s}"
    "'}[5m]",
    "show_tag_value(from=['kube_pod'], keyin=['node_name']){cluster_name_k8s='#{cluster_name_k8s}"
    "', namespace='#{namespace}'}[5m]",
    "O::kubelet_pod:(count(status)) {status NOT IN ['Running','Succeeded'], "
    "namespace='#{namespace}', node_name='#{node_name}'} BY status",
    "M::kube_pod:(last(ready)) {namespace='#{namespace}'} BY pod_name",
    "M::kube_pod:(last(restarts)) {namespace='#{namespace}'} BY pod_name",
    "O::kubelet_pod:(last(restarts) AS restarts) BY pod_name SORDER BY restarts DESC SLIMIT 10",
    "L('default')::kubernetes_events:(type, reason, involved_kind, message) "
    "{involved_namespace='#{namespace}'}",
    "M::kube_pod:(avg(cpu_usage)) {namespace='#{namespace}'} BY pod_name",
    "M::kube_pod:(avg(cpu_usage_millicores)) BY pod_name",
    "M::kube_pod:(avg(memory_used_percent)) BY pod_name",
    "M::kube_pod:(avg(memory_usage_bytes)) BY pod_name",
    "M::kube_pod:(avg(cpu_usage) AS cpu) BY pod_name SORDER BY cpu DESC SLIMIT 10",
    "non_negative_derivative(\"M::kube_pod:(avg(network_bytes_rcvd)) BY pod_name\")",
    "non_negative_derivative(\"M::kube_pod:(avg(network_bytes_sent)) {namespace='#{namespace}'} BY "
    "pod_name\")",
    "M::docker_containers:(last(cpu_usage), last(cpu_limit), last(mem_usage)) "
    "{namespace='#{namespace}'} BY container_name,pod_name",
    // 2.3 Kubernetes Services and related templates.
    "series_sum(M::kubernetes:(last(service)))",
    "series_sum(\"M::kubernetes:(last(service)) {cluster_name_k8s='#{cluster_name_k8s}'}\")",
    "M::kubernetes:(AVG(service)) BY namespace",
    "series_sum(\"M::kubernetes:(last(pod))\")",
    "O::kubernetes_services:(last(session_affinity), last(external_traffic_policy), last(type), "
    "last(cluster_ip)) {namespace='#{namespace}'} BY namespace,service_name",
    "M::kube_pod:(last(memory_usage_bytes), last(mem_limit)) {pod_name='#{pod_name}'}",
    "M::kube_pod:(last(network_bytes_rcvd), last(network_bytes_sent)) {pod_name='#{pod_name}'} "
    "[:::irate]",
    "M::kube_pod:(last(ephemeral_storage_used_bytes), last(ephemeral_storage_available_bytes)) "
    "{pod_name='#{pod_name}'}",
    "M::kube_pod:(last(cpu_usage_base100)) {pod_name='#{pod_name}'}",
    "M::kube_pod:(last(cpu_usage_millicores)/last(cpu_limit_millicores)*100) "
    "{pod_name='#{pod_name}'}",
    // 2.4 Kube State Metrics and the kubernetes monitors.
    "M::prom_state_metrics:(sum(kube_deployment_spec_replicas)) {cluster_name_k8s='#{c}'}",
    "M::prom_state_metrics:(sum(kube_deployment_status_replicas_available)) "
    "{cluster_name_k8s='#{c}'}",
    "M::prom_state_metrics:(sum(kube_daemonset_status_desired_number_scheduled), "
    "sum(kube_daemonset_status_number_ready)) BY namespace",
    "M::prom_state_metrics:(sum(kube_replicaset_spec_replicas), "
    "sum(kube_replicaset_status_ready_replicas))",
    "M::prom_state_metrics:(sum(kube_pod_status_phase)) BY phase",
    "M::prom_state_metrics:(sum(kube_pod_container_status_running), "
    "sum(kube_pod_container_status_waiting), sum(kube_pod_container_status_terminated), "
    "sum(kube_pod_container_status_ready))",
    "difference(\"M::prom_state_metrics:(last(kube_pod_container_status_restarts_total)) BY "
    "pod\")",
    "M::system:(avg(load15_per_core)) BY host",
    "M::prom_state_metrics:(LAST(kube_pod_status_phase)) {phase IN ['Failed','Pending','Unknown']}"
    " BY cluster_name,node,pod",
    "M::prom_state_metrics:(LAST(kube_pod_container_status_restarts_total)) BY "
    "cluster_name,node,pod HAVING LAST(kube_pod_container_status_restarts_total) > 3",
    // 2.5 Istio.
    "M::istio_prom:(sum(istio_requests_total)) {reporter='destination', "
    "destination_service='#{service}'} [:::rate] BY response_code",
    "eval(A/B, A=\"M::istio_prom:(sum(istio_requests_total)) {reporter='destination', "
    "destination_service='#{service}', response_code!=re('5.*')}[:::rate]\", "
    "B=\"M::istio_prom:(sum(istio_requests_total)) {reporter='destination', "
    "destination_service='#{service}'}[:::rate]\")",
    "M::istio_prom:(sum(istio_requests_total)) {reporter=re('source|waypoint'), "
    "response_code=re('4..')} [:::rate]",
    "M::istio_prom:(sum(istio_build)) BY component,tag",
    "M::istio_prom:(max(pilot_xds_pushes)) [:::irate] BY type",
    "M::istio_prom:(last(envoy_cluster_upstream_cx_active)) {cluster_name='xds-grpc'}",
    "M::istio_prom:(sum(istio_tcp_received_bytes_total)) {reporter='#{qrep}'} [:::rate] BY "
    "destination_workload",
    // 2.6 Docker and container views.
    "show_tag_value(from=['docker_containers'], keyin=['host'])",
    "show_tag_value(from=['docker_containers'], keyin=['container_name']){host='#{host}'}",
    "show_tag_value(from=['docker_containers'], keyin=['container_id']){host='#{host}', "
    "container_name='#{container_name}'}",
    "M::docker_containers:(avg(cpu_usage_base100), avg(cpu_limit)) {host='#{host}', "
    "container_name='#{container_name}'} BY container_name,host",
    "M::docker_containers:(avg(mem_used_percent_base_limit), avg(mem_usage), avg(mem_limit)) "
    "{host='#{host}'} BY container_name,host",
    "M::docker_containers:(avg(network_bytes_rcvd), avg(network_bytes_sent)) {host='#{host}'} "
    "[:::irate] BY container_name,host",
    "M::docker_containers:(avg(block_read_byte), avg(block_write_byte)) {host='#{host}'} "
    "[:::irate] BY container_name,host",
    "M::docker_containers:(avg(cpu_usage) AS cpu) BY container_name SORDER BY cpu DESC SLIMIT 10",
    "O::docker_containers:(count(*)) BY state",
    // 2.7 ETCD.
    "show_tag_value(from=['etcd'], keyin=['cluster_name_k8s'])",
    "series_sum(\"M::etcd:(count_distinct(etcd_server_has_leader)) BY host\")",
    "M::etcd:(max(etcd_server_has_leader)) {cluster_name_k8s='#{cluster_name_k8s}'}",
    "difference(\"M::etcd:(avg(etcd_server_health_success)) BY host\")",
    "difference(\"M::etcd:(avg(etcd_server_health_failures)) BY host\")",
    "M::etcd:(last(process_resident_memory_bytes)) BY host",
    "M::etcd:(last(etcd_mvcc_db_total_size_in_bytes)) BY host",
    "irate(\"M::etcd:(avg(etcd_network_client_grpc_received_bytes_total)) BY host\").series_sum()",
    "irate(\"M::etcd:(avg(etcd_network_client_grpc_sent_bytes_total)) {cluster_name_k8s="
    "'#{cluster_name_k8s}'} BY host\").series_sum()",
    "M::etcd:(max(etcd_server_leader_changes_seen_total))",
    "irate(\"M::etcd:(avg(etcd_server_proposals_failed_total)) BY host\").series_sum()",
    "irate(\"M::etcd:(avg(etcd_server_proposals_pending)) BY host\").series_sum()",
    "irate(\"M::etcd:(avg(etcd_server_proposals_committed_total)) BY host\").series_sum()",
    "irate(\"M::etcd:(avg(etcd_server_proposals_applied_total)) BY host\").series_sum()",
    "eval(A-B, A=\"M::etcd:(avg(etcd_server_proposals_committed_total))\", "
    "B=\"M::etcd:(avg(etcd_server_proposals_applied_total))\")",
    "M::etcd:(last(process_open_fds), last(process_max_fds)) BY host",
    "irate(\"M::etcd:(avg(etcd_disk_wal_fsync_duration_seconds_sum)) BY host\")",
    "irate(\"M::etcd:(avg(etcd_disk_backend_commit_duration_seconds_sum)) BY host\")",
    // 2.8 Host overview.
    "O::HOST:(distinct('host')){'os'='linux'}[10m]",
    "M::cpu:(avg(usage_irq), avg(usage_system), avg(usage_user), avg(usage_total), "
    "avg(usage_softirq), avg(usage_iowait)) {host='#{host}'}",
    "M::system:(avg(load1_per_core), avg(load5_per_core), avg(load15_per_core)) {host='#{host}'}",
    "M::diskio:(avg(write_time), avg(read_time)) {host='#{host}'} [:::irate]",
    "M::diskio:(avg(`read_bytes/sec`), avg(`write_bytes/sec`)) {host='#{host}'}",
    "M::disk:(avg(free), avg(used), avg(total)) {host='#{host}'} BY device",
    "M::net:(avg(`bytes_recv/sec`), avg(`bytes_sent/sec`), avg(`packets_recv/sec`), "
    "avg(`packets_sent/sec`)) {host='#{host}'} BY interface",
    "M::mem:(avg(used_percent), avg(total), avg(free), avg(used), avg(cached), avg(buffered)) "
    "{host='#{host}'}",
    "M::system:(last(n_users), last(n_cpus), last(uptime)) {host='#{host}'}",
    "M::disk:(avg(used_percent)) {host='#{host}', fstype='#{fstype}'} BY device",
    "M::netstat:(avg(tcp_established)) {host='#{host}'} BY host",
    // §3 / §4 / §6 examples.
    "TSM::*:(first(source_service), first(target_service), sum(count), sum(error_count), "
    "sum(target_duration)) by unique_id",
    "R::view:(count(*)) {app_id='x'}",
    "R::view:(count_distinct(userid)) {app_id='x', is_signin='T'}",
    "M::prom_state_metrics:(LAST(kube_pod_status_phase)){phase='Failed'} BY cluster_name,node,pod",
    "CI::gitlab_pipeline:(count(*)) {ci_status='failed'} [1d::1h] BY ref",
    "T::`*`:(count(*)) {service='#{service}', status='error'} [1h::1m]",
};

TEST(DqlReference, DashboardQueriesParseRoundTripAndSubstitute) {
  for (const char* text : kDashboardQueries) {
    Result<Query> q = parse(text);
    ASSERT_TRUE(q.isOk()) << text << "\n  -> " << q.status().message();
    std::string printed = toString(*q);
    Result<Query> again = parse(printed);
    ASSERT_TRUE(again.isOk()) << printed << "\n  -> " << again.status().message();
    EXPECT_EQ(*again, *q) << text;
    EXPECT_EQ(toString(*again), printed);

    std::vector<std::string> names = referencedVariables(*q);
    for (const char* value : {"__all__", "some-value"}) {
      Variables vars;
      for (const auto& n : names) vars[n] = {value};
      Result<Query> s = substituteVariables(*q, vars);
      ASSERT_TRUE(s.isOk()) << text << " with " << value << ": " << s.status().message();
      std::string out = toString(*s);
      EXPECT_EQ(out.find("#{"), std::string::npos) << out;
      Result<Query> reparsed = parse(out);
      ASSERT_TRUE(reparsed.isOk()) << out;
      EXPECT_EQ(*reparsed, *s);
    }
  }
}

TEST(DqlReference, ClusterVariableAllDropsTheClusterFilter) {
  Result<Query> q = parse(
      "series_sum(\"M::kubernetes:(last(pod)) {cluster_name_k8s='#{cluster_name_k8s}', "
      "namespace='#{namespace}'} BY cluster_name_k8s, namespace\")");
  ASSERT_TRUE(q.isOk());
  Result<Query> s =
      substituteVariables(*q, {{"cluster_name_k8s", {"__all__"}}, {"namespace", {"kube-system"}}});
  ASSERT_TRUE(s.isOk());
  EXPECT_EQ(toString(*s),
            "series_sum(\"M::kubernetes:(last(pod)) {namespace = 'kube-system'} BY "
            "cluster_name_k8s, namespace\")");
}

}  // namespace
}  // namespace sextant::query::dql
