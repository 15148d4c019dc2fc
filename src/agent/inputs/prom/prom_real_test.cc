// The prom input against real exporters from Debian packages (deps/apt.txt), started here on
// 127.0.0.1 with free ports and temp dirs: prometheus-node-exporter, prometheus (its own
// /metrics) and etcd with client-certificate TLS (CA, server and client certificates made with
// the openssl CLI), the latter scraped with the seed's etcd.conf (URL and certificate paths
// adapted, nothing else). A missing binary FAILS the test: `make test` installs the packages.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "agent/inputs/prom/prom_input.h"
#include "codec/prometheus_text/prometheus_proto.h"
#include "core/testing/read_file.h"
#include "core/testing/temp_dir.h"

namespace sextant::agent::inputs::prom {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

using ::sextant::testing::readFile;

// The binary's path, or "" (the caller fails the test).
std::string findBinary(const std::string& name) {
  for (const char* dir : {"/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin"}) {
    std::string p = std::string(dir) + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

#define REQUIRE_BINARY(var, name, package)                                                      \
  const std::string var = findBinary(name);                                                     \
  ASSERT_FALSE(var.empty()) << "'" name "' is not installed: it comes from the Debian package " \
                            << package << " (deps/apt.txt; scripts/install-deps.sh installs it)"

uint16_t freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A child process with its output in `log`; SIGTERM then SIGKILL when destroyed.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  bool running() { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
  std::string log() const { return readFile(log_); }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

// Scrapes until the target is up (at most `wait`); the points of the first good scrape.
std::vector<model::Point> scrapeWhenUp(PromInput& in, Process& proc, seconds wait = seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline && proc.running()) {
    std::vector<model::Point> out;
    Status st = in.collect(1'700'000'000'000'000'000, &out);
    if (st.isOk()) return out;
    last = st.message();
    std::this_thread::sleep_for(milliseconds(200));
  }
  ADD_FAILURE() << "target never came up; last error: " << last << "\nlog:\n" << proc.log();
  return {};
}

const model::Point* findPoint(const std::vector<model::Point>& pts, std::string_view measurement,
                              std::string_view field,
                              const std::vector<std::pair<std::string, std::string>>& tags = {}) {
  for (const model::Point& p : pts) {
    if (p.measurement != measurement || p.findField(field) == nullptr) continue;
    bool ok = true;
    for (const auto& [k, v] : tags) {
      const model::Tag* t = p.findTag(k);
      ok = ok && t != nullptr && t->value == v;
    }
    if (ok) return &p;
  }
  return nullptr;
}

// Every family name of a body (the `# TYPE <name> <type>` lines), read line by line, not with
// the parser.
std::map<std::string, std::string> typeLines(const std::string& body) {
  std::map<std::string, std::string> out;
  std::istringstream lines(body);
  for (std::string l; std::getline(lines, l);) {
    if (!l.starts_with("# TYPE ")) continue;
    std::istringstream words(l.substr(7));
    std::string name, type;
    words >> name >> type;
    out[name] = type;
  }
  return out;
}

// The checks shared by the default-naming scrapes: every point's measurement and field come
// from a family of the body by the first-'_' split (plus _count/_sum/_bucket for the expanded
// types), values are floats, `instance` is the target, and the `collector` up point is there.
void checkDefaultNaming(const std::vector<model::Point>& pts, const std::string& body,
                        const std::string& instance, const std::string& job) {
  auto families = typeLines(body);
  ASSERT_GT(families.size(), 20u);
  size_t checked = 0;
  for (const model::Point& p : pts) {
    if (p.measurement == "collector") continue;
    for (const model::Field& f : p.fields) {
      EXPECT_EQ(model::fieldType(f.value), model::FieldType::kFloat) << debugString(p);
      EXPECT_FALSE(std::isnan(std::get<double>(f.value)) && p.findTag("quantile"))
          << "NaN quantile kept: " << debugString(p);
      std::string name = p.measurement + "_" + f.key;
      std::string type;
      if (families.count(name)) {
        type = families[name];
        EXPECT_TRUE(type == "counter" || type == "gauge" || type == "untyped" ||
                    (type == "summary" && p.findTag("quantile")))
            << debugString(p);
      } else {
        for (const char* suffix : {"_count", "_sum", "_bucket"}) {
          if (name.ends_with(suffix) &&
              families.count(name.substr(0, name.size() - std::strlen(suffix)))) {
            type = families[name.substr(0, name.size() - std::strlen(suffix))];
            EXPECT_TRUE(type == "histogram" || type == "summary") << debugString(p);
            if (std::string_view(suffix) == "_bucket") {
              EXPECT_EQ(type, "histogram");
              EXPECT_NE(p.findTag("le"), nullptr) << debugString(p);
            }
          }
        }
      }
      EXPECT_FALSE(type.empty()) << "no family for " << debugString(p);
      ++checked;
    }
    const model::Tag* inst = p.findTag("instance");
    ASSERT_NE(inst, nullptr) << debugString(p);
    EXPECT_EQ(inst->value, instance) << debugString(p);
    EXPECT_EQ(p.findTag("host"), nullptr);  // a loopback target gives no host tag
  }
  EXPECT_GT(checked, 100u);
  const model::Point* up =
      findPoint(pts, "collector", "up", {{"job", job}, {"instance", instance}});
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(std::get<int64_t>(up->findField("up")->value), 1);
}

// The body as the scraper sees it, fetched independently.
std::string fetch(const std::string& url, const net::TlsOptions& tls = {}) {
  auto client = net::makeHttpClient();
  net::ClientRequest req;
  req.url = url;
  req.tls = tls;
  auto resp = client->send(req);
  EXPECT_TRUE(resp.isOk()) << resp.status().message();
  return resp.isOk() ? resp->body : "";
}

TEST(PromRealServers, NodeExporter) {
  REQUIRE_BINARY(bin, "prometheus-node-exporter", "prometheus-node-exporter");
  testing::TempDir dir;
  const std::string addr = "127.0.0.1:" + std::to_string(freePort());
  Process proc({bin, "--web.listen-address=" + addr}, dir.path() + "/node-exporter.log");
  PromConfig c;
  c.urls = {"http://" + addr + "/metrics"};
  c.source = "node-exporter";
  PromInput in(c);
  auto pts = scrapeWhenUp(in, proc);
  ASSERT_FALSE(pts.empty());
  std::string body = fetch(c.urls[0]);
  checkDefaultNaming(pts, body, addr, "node-exporter");

  // Spot checks of the reference's rules on this exporter's families.
  EXPECT_NE(findPoint(pts, "node", "load1"), nullptr);  // gauge node_load1
  const model::Point* cpu = findPoint(pts, "node", "cpu_seconds_total", {{"mode", "idle"}});
  ASSERT_NE(cpu, nullptr);  // counter node_cpu_seconds_total{cpu,mode}
  EXPECT_NE(cpu->findTag("cpu"), nullptr);
  // Summary go_gc_duration_seconds: an aggregate point and one point per quantile.
  const model::Point* agg = findPoint(pts, "go", "gc_duration_seconds_count");
  ASSERT_NE(agg, nullptr);
  EXPECT_NE(agg->findField("gc_duration_seconds_sum"), nullptr);
  EXPECT_EQ(agg->findTag("quantile"), nullptr);
  std::set<std::string> quantiles;
  for (const auto& p : pts)
    if (p.measurement == "go" && p.findField("gc_duration_seconds"))
      quantiles.insert(p.findTag("quantile")->value);
  // Node exporter writes quantile="0", "0.25", ... as Go prints them.
  EXPECT_EQ(quantiles, (std::set<std::string>{"0", "0.25", "0.5", "0.75", "1"}));
  // promhttp_metric_handler_errors_total -> promhttp / metric_handler_errors_total (reference).
  EXPECT_NE(findPoint(pts, "promhttp", "metric_handler_errors_total", {{"cause", "encoding"}}),
            nullptr);

  auto h = in.targets();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_TRUE(h[0].up);
  EXPECT_GT(h[0].last_samples, 200);

  // The seed-style filters: counter/gauge only, one measurement.
  PromConfig f = c;
  f.convert.metric_types = {"counter", "gauge"};
  f.convert.measurement_name = "node_exporter";
  f.convert.metric_name_filter = *compileRegexes({"^node_load", "filesystem_avail"});
  PromInput filtered(f);
  std::vector<model::Point> fp;
  ASSERT_TRUE(filtered.collect(1, &fp).isOk());
  std::set<std::string> fields;
  for (const auto& p : fp) {
    if (p.measurement == "collector") continue;
    EXPECT_EQ(p.measurement, "node_exporter");
    fields.insert(p.fields[0].key);
  }
  EXPECT_TRUE(fields.count("node_load1") && fields.count("node_load5") &&
              fields.count("node_load15"));
  for (const std::string& k : fields)
    EXPECT_TRUE(k.starts_with("node_load") || k == "node_filesystem_avail_bytes") << k;
}

// prefer_protobuf against the real exporter: it answers the delimited protobuf exposition when
// asked, and the points have the same measurements, fields and tags as a text scrape (values
// move between the two scrapes; series do not).
TEST(PromRealServers, NodeExporterProtobuf) {
  REQUIRE_BINARY(bin, "prometheus-node-exporter", "prometheus-node-exporter");
  testing::TempDir dir;
  const std::string addr = "127.0.0.1:" + std::to_string(freePort());
  Process proc({bin, "--web.listen-address=" + addr}, dir.path() + "/node-exporter.log");
  PromConfig c;
  c.urls = {"http://" + addr + "/metrics"};
  c.source = "node-exporter";
  PromInput text_in(c);
  auto as_text = scrapeWhenUp(text_in, proc);
  ASSERT_FALSE(as_text.empty());

  // The exporter really speaks protobuf to our Accept header.
  auto client = net::makeHttpClient();
  net::ClientRequest req;
  req.url = c.urls[0];
  req.headers.emplace_back("Accept", std::string(codec::prom::kProtobufAcceptHeader));
  auto resp = client->send(req);
  ASSERT_TRUE(resp.isOk()) << resp.status().message();
  EXPECT_TRUE(codec::prom::isProtobufContentType(resp->header("Content-Type")))
      << resp->header("Content-Type");
  auto decoded = codec::prom::parseProtobuf(resp->body);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  EXPECT_GT(decoded->sampleCount(), 200u);

  c.prefer_protobuf = true;
  PromInput pb_in(c);
  std::vector<model::Point> as_pb;
  ASSERT_TRUE(pb_in.collect(1, &as_pb).isOk());
  // measurement, field, tags: everything but the values and the time.
  auto shape = [](const std::vector<model::Point>& pts) {
    std::set<std::string> out;
    for (const model::Point& p : pts) {
      std::vector<std::string> tags;
      for (const model::Tag& t : p.tags) tags.push_back(t.key + "=" + t.value);
      std::sort(tags.begin(), tags.end());
      std::string s = p.measurement;
      for (const model::Field& f : p.fields) s += " " + f.key;
      for (const std::string& t : tags) s += " " + t;
      out.insert(s);
    }
    return out;
  };
  std::set<std::string> a = shape(as_text), b = shape(as_pb);
  EXPECT_GT(a.size(), 200u);
  std::vector<std::string> only_text, only_pb;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_text));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_pb));
  EXPECT_TRUE(only_text.empty()) << only_text.size() << " only in text, e.g. " << only_text[0];
  EXPECT_TRUE(only_pb.empty()) << only_pb.size() << " only in protobuf, e.g. " << only_pb[0];
  EXPECT_TRUE(pb_in.targets()[0].up);
}

TEST(PromRealServers, PrometheusOwnMetrics) {
  REQUIRE_BINARY(bin, "prometheus", "prometheus");
  testing::TempDir dir;
  const std::string addr = "127.0.0.1:" + std::to_string(freePort());
  std::ofstream(dir.path() + "/prometheus.yml") << "global:\n  scrape_interval: 1h\n";
  Process proc({bin, "--config.file=" + dir.path() + "/prometheus.yml",
                "--web.listen-address=" + addr, "--storage.tsdb.path=" + dir.path() + "/data"},
               dir.path() + "/prometheus.log");
  PromConfig c;
  c.urls = {"http://" + addr + "/metrics"};
  c.source = "prometheus";
  PromInput in(c);
  ASSERT_FALSE(scrapeWhenUp(in, proc).empty());
  // Once /metrics has been served, its histogram series exist: scrape again.
  std::vector<model::Point> pts;
  ASSERT_TRUE(in.collect(1'700'000'000'000'000'000, &pts).isOk());
  std::string body = fetch(c.urls[0]);
  checkDefaultNaming(pts, body, addr, "prometheus");

  // Histogram prometheus_http_request_duration_seconds{handler="/metrics"}: the aggregate point
  // and one bucket point per `le`, spelled as Go prints the bound.
  const model::Point* agg = findPoint(pts, "prometheus", "http_request_duration_seconds_count",
                                      {{"handler", "/metrics"}});
  ASSERT_NE(agg, nullptr);
  EXPECT_GE(std::get<double>(agg->findField("http_request_duration_seconds_count")->value), 1.0);
  EXPECT_NE(agg->findField("http_request_duration_seconds_sum"), nullptr);
  std::vector<std::string> les;
  for (const auto& p : pts)
    if (p.findField("http_request_duration_seconds_bucket") &&
        p.findTag("handler")->value == "/metrics")
      les.push_back(p.findTag("le")->value);
  EXPECT_EQ(les, (std::vector<std::string>{"0.1", "0.2", "0.4", "1", "3", "8", "20", "60", "120",
                                           "+Inf"}));
  // NaN: Prometheus' idle summaries have NaN quantiles; none became a point.
  size_t nan_lines = 0;
  std::istringstream lines(body);
  for (std::string l; std::getline(lines, l);)
    if (l.ends_with(" NaN")) ++nan_lines;
  EXPECT_GT(nan_lines, 0u) << "expected idle summaries with NaN quantiles";
  for (const auto& p : pts) {
    if (p.findTag("quantile") == nullptr) continue;
    for (const auto& f : p.fields)
      EXPECT_FALSE(std::isnan(std::get<double>(f.value))) << debugString(p);
  }
}

// openssl CLI: a CA, a server certificate for 127.0.0.1 and a client certificate.
void makeCerts(const std::string& d) {
  auto sh = [&](const std::string& cmd) {
    std::string full = "cd '" + d + "' && " + cmd + " >>openssl.log 2>&1";
    ASSERT_EQ(std::system(full.c_str()), 0) << cmd << "\n" << readFile(d + "/openssl.log");
  };
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  sh("openssl req -x509 " + ec + " -keyout ca.key -out ca.pem -days 2 -subj /CN=sextant-test-ca");
  std::ofstream(d + "/server.ext") << "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
  std::ofstream(d + "/client.ext") << "extendedKeyUsage=clientAuth\n";
  sh("openssl req " + ec + " -keyout server.key -out server.csr -subj /CN=127.0.0.1");
  sh("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
     "-extfile server.ext -out server.pem");
  sh("openssl req " + ec + " -keyout client.key -out client.csr -subj /CN=datakit");
  sh("openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
     "-extfile client.ext -out client.pem");
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

TEST(PromRealServers, EtcdWithClientCertificatesAndTheSeedConf) {
  REQUIRE_BINARY(bin, "etcd", "etcd-server");
  REQUIRE_BINARY(openssl, "openssl", "openssl");
  testing::TempDir dir;
  const std::string d = dir.path();
  makeCerts(d);
  if (HasFatalFailure()) return;
  const uint16_t client_port = freePort();
  uint16_t peer_port = freePort();
  while (peer_port == client_port) peer_port = freePort();
  const std::string client_url = "https://127.0.0.1:" + std::to_string(client_port);
  const std::string peer_url = "http://127.0.0.1:" + std::to_string(peer_port);
  Process proc({bin, "--name=t", "--data-dir=" + d + "/data", "--listen-client-urls=" + client_url,
                "--advertise-client-urls=" + client_url, "--listen-peer-urls=" + peer_url,
                "--initial-advertise-peer-urls=" + peer_url, "--initial-cluster=t=" + peer_url,
                "--client-cert-auth", "--trusted-ca-file=" + d + "/ca.pem",
                "--cert-file=" + d + "/server.pem", "--key-file=" + d + "/server.key"},
               d + "/etcd.log");

  // The seed's etcd.conf, with the URL and the certificate paths adapted, nothing else.
  std::string conf =
      readFile(std::string(SEXTANT_SOURCE_DIR) + "/src/agent/inputs/prom/testdata/etcd.conf");
  ASSERT_NE(conf.find("https://172.16.0.229:2379/metrics"), std::string::npos);
  conf = replaceAll(conf, "https://172.16.0.229:2379/metrics", client_url + "/metrics");
  conf = replaceAll(conf, "/etc/kubernetes/pki/etcd/peer.crt", d + "/client.pem");
  conf = replaceAll(conf, "/etc/kubernetes/pki/etcd/peer.key", d + "/client.key");
  auto doc = config::ConfigTable::parse(conf, "etcd.conf");
  ASSERT_TRUE(doc.isOk()) << doc.status().message();
  auto blocks = (*doc->table("inputs"))->tableArray("prom");
  ASSERT_TRUE(blocks.isOk());
  auto cfg = parsePromConfig(blocks->at(0));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().message();
  PromInput in(*cfg);
  auto pts = scrapeWhenUp(in, proc);
  ASSERT_FALSE(pts.empty());

  // metric_types counter+gauge, the four unanchored filters, rule etcd_ -> measurement etcd with
  // the name minus the prefix as field; etcd 3.4.23 has these eight families matching.
  const std::string instance = "127.0.0.1:" + std::to_string(client_port);
  std::set<std::string> fields;
  for (const model::Point& p : pts) {
    if (p.measurement == "collector") {
      EXPECT_EQ(p.findTag("job")->value, "etcd");
      EXPECT_EQ(p.findTag("instance")->value, instance);
      EXPECT_EQ(std::get<int64_t>(p.findField("up")->value), 1);
      continue;
    }
    EXPECT_EQ(p.measurement, "etcd");
    EXPECT_EQ(p.tags, (std::vector<model::Tag>{{"instance", instance}})) << debugString(p);
    ASSERT_EQ(p.fields.size(), 1u);
    EXPECT_EQ(model::fieldType(p.fields[0].value), model::FieldType::kFloat);
    fields.insert(p.fields[0].key);
  }
  EXPECT_EQ(fields,
            (std::set<std::string>{
                "network_client_grpc_received_bytes_total", "network_client_grpc_sent_bytes_total",
                "server_has_leader", "server_leader_changes_seen_total",
                "server_proposals_applied_total", "server_proposals_committed_total",
                "server_proposals_failed_total", "server_proposals_pending"}));
  const model::Point* leader = findPoint(pts, "etcd", "server_has_leader");
  ASSERT_NE(leader, nullptr);
  EXPECT_EQ(std::get<double>(leader->findField("server_has_leader")->value), 1.0);

  // Client-certificate auth is really enforced: without tls_cert/tls_key the scrape fails.
  PromConfig nocert = *cfg;
  nocert.tls.cert_file.clear();
  nocert.tls.key_file.clear();
  PromInput denied(nocert);
  std::vector<model::Point> none;
  EXPECT_FALSE(denied.collect(1, &none).isOk());
  EXPECT_FALSE(denied.targets()[0].up);
  // And verifying the server with the CA works too (tls_ca set).
  PromConfig verified = *cfg;
  verified.tls.insecure_skip_verify = false;
  verified.tls.ca_files = {d + "/ca.pem"};
  PromInput with_ca(verified);
  std::vector<model::Point> ok;
  EXPECT_TRUE(with_ca.collect(1, &ok).isOk());
  EXPECT_GT(ok.size(), 8u);
}

}  // namespace
}  // namespace sextant::agent::inputs::prom
