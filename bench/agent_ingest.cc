// agent_ingest: whole-agent numbers for issue 3's goals, measured on the real `sextant agent`
// process.
//
//   agent_ingest <sextant binary> [--points N] [--batch B] [--clients C] [--idle-seconds S]
//                [--no-dataway 1]
//
// 1. Idle RSS: an agent with DataKit's default host inputs (cpu, mem, disk, diskio, net, system,
//    swap, hostobject) and a DataWay configured, left alone for S seconds; VmRSS is read from
//    /proc/<pid>/status.
// 2. Ingest: C clients POST the metric corpus (bench/metric_corpus.h, the shape of
//    ../shared/tools/gen_lp.py) as line protocol bodies of B points to /v1/write/metric; the
//    agent decodes, normalises, batches and uploads protobuf + gzip (its defaults) to a null
//    DataWay in this process, which answers 200 and counts X-Points. The agent's CPU time
//    (utime + stime from /proc/<pid>/stat) over the run gives points per CPU-second; the clients
//    and the null sink run in this process and are not counted. With --no-dataway 1 the agent has
//    no DataWay: the point path discards its batches (HTTP -> decode -> normalise -> batch only).
// 3. Spans (--spans zipkin|otlp, instead of 1 and 2): the agent runs the zipkin and opentelemetry
//    inputs; the clients POST bodies of 99 spans built from the captures in
//    ../shared/fixtures/tracing (Zipkin v2 JSON to /api/v2/spans, OTLP protobuf to
//    /otel/v1/traces) until --points spans were sent; spans per agent CPU-second, uploads
//    included (issue 6's goal: >= 100 k spans/s per core).
// 4. Logs (--logs plain|grok, instead of 1 and 2): --points nginx access lines (~150 bytes) are
//    written to a file first; the agent's logging input tails it from the start and ships to the
//    null DataWay, with (grok) or without (plain) a Pipeline script extracting 9 fields and the
//    time; tail + ship MB of log per agent CPU-second (issue 7's goals: >= 100 plain, >= 20 grok).
// Prints one line per result; never asserts on speed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/metric_corpus.h"
#include "codec/line_protocol/line_protocol.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace {

using namespace std::chrono_literals;

struct Child {
  pid_t pid = -1;
  uint16_t port = 0;
};

Child startAgent(const std::string& binary, const std::string& dir) {
  int out[2];
  if (::pipe(out) != 0) return {};
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(binary.c_str(), binary.c_str(), "agent", "--install-dir", dir.c_str(), "--listen",
            "127.0.0.1:0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char ch;
  while (::read(out[0], &ch, 1) == 1) {
    if (ch != '\n') {
      line += ch;
      continue;
    }
    if (size_t at = line.find("listening on http://127.0.0.1:"); at != std::string::npos) {
      c.port = static_cast<uint16_t>(std::stoi(line.substr(at + 30)));
      break;
    }
    line.clear();
  }
  ::close(out[0]);
  return c;
}

void stopAgent(Child& c) {
  if (c.pid <= 0) return;
  ::kill(c.pid, SIGTERM);
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  c.pid = -1;
}

double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double rssMiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

void writeConf(const std::string& dir, const std::string& text) {
  std::filesystem::create_directories(dir + "/conf.d");
  std::ofstream(dir + "/conf.d/datakit.conf") << text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s <sextant binary> [--points N] [--batch B] [--clients C] "
                 "[--idle-seconds S]\n",
                 argv[0]);
    return 2;
  }
  const std::string binary = argv[1];
  size_t points = 2'000'000, batch = 5'000;
  int clients = 2, idle_seconds = 15;
  bool no_dataway = false;
  std::string spans;  // "", "zipkin" or "otlp"
  std::string logs;   // "", "plain" or "grok"
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    long v = std::atol(argv[i + 1]);
    if (flag == "--spans") spans = argv[i + 1];
    if (flag == "--logs") logs = argv[i + 1];
    if (flag == "--points") points = static_cast<size_t>(v);
    if (flag == "--batch") batch = static_cast<size_t>(v);
    if (flag == "--clients") clients = static_cast<int>(v);
    if (flag == "--idle-seconds") idle_seconds = static_cast<int>(v);
    if (flag == "--no-dataway") no_dataway = v != 0;
  }

  // The null DataWay: answers 200 and counts the points each body says it carries.
  std::atomic<uint64_t> sunk_points{0}, sunk_bytes{0};
  sextant::net::Router router;
  router.add("POST", "/v1/write/:category", [&](sextant::net::HttpRequest& req) {
    sunk_points += std::strtoull(std::string(req.header("X-Points")).c_str(), nullptr, 10);
    sunk_bytes += req.body.size();
    return sextant::net::HttpResponse{200, "", "", {}};
  });
  sextant::net::HttpServerOptions so;
  so.listen = "127.0.0.1:0";
  so.threads = 1;
  sextant::net::HttpServer sink(so, std::move(router));
  if (!sink.start().isOk()) return 1;
  const std::string dataway = "http://127.0.0.1:" + std::to_string(sink.port()) + "?token=tkn_b";

  char tmpl[] = "/tmp/sextant-agent-ingest-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = tmpl;

  // 4. Logs.
  if (!logs.empty()) {
    std::filesystem::create_directories(dir + "/logs");
    std::filesystem::create_directories(dir + "/pipeline");
    size_t log_bytes = 0;
    {
      std::ofstream out(dir + "/logs/access.log");
      char line[256];
      for (size_t i = 0; i < points; ++i) {
        int n = std::snprintf(
            line, sizeof(line),
            "10.%zu.%zu.%zu - - [22/Nov/2026:04:%02zu:%02zu +0000] \"GET /api/v1/items/%zu "
            "HTTP/1.1\" %d %zu \"-\" \"Mozilla/5.0 (X11; Linux x86_64) curl/7.88\"\n",
            i % 200, i / 200 % 250, i % 250, i / 60 % 60, i % 60, i, i % 50 == 0 ? 500 : 200,
            500 + i % 3000);
        out.write(line, n);
        log_bytes += static_cast<size_t>(n);
      }
    }
    if (logs == "grok") {
      std::ofstream(dir + "/pipeline/nginx.p")
          << "grok(_, \"%{IPORHOST:client_ip} %{NOTSPACE} %{NOTSPACE} \\\\[%{HTTPDATE:time}\\\\] "
             "\\\"%{WORD:method} %{NOTSPACE:path} HTTP/%{NUMBER:http_version}\\\" "
             "%{INT:status_code:int} %{INT:bytes:int} \\\"%{NOTSPACE:referrer}\\\" "
             "\\\"%{GREEDYDATA:agent}\\\"\")\n"
             "default_time(time)\n";
    }
    writeConf(dir, "default_enabled_inputs = []\n[dataway]\n  urls = [\"" + dataway + "\"]\n");
    std::ofstream(dir + "/conf.d/logging.conf")
        << "[[inputs.logging]]\n  logfiles = [\"" << dir << "/logs/*.log\"]\n"
        << "  source = \"nginx\"\n  from_beginning = true\n";
    Child agent = startAgent(binary, dir);
    if (agent.port == 0) return 1;
    const auto t0 = std::chrono::steady_clock::now();
    while (sunk_points.load() < points && std::chrono::steady_clock::now() - t0 < 600s) {
      std::this_thread::sleep_for(10ms);
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpuSeconds(agent.pid);
    stopAgent(agent);
    std::filesystem::remove_all(dir);
    std::printf(
        "logs (%s): %zu lines, %.1f MB tailed and shipped: agent CPU %.2f s -> %.1f MB per "
        "CPU-second, %.0f lines per CPU-second; wall %.2f s; uploaded %llu points in %.1f MB\n",
        logs == "grok" ? "grok pipeline" : "no pipeline", points,
        static_cast<double>(log_bytes) / 1e6, cpu, static_cast<double>(log_bytes) / 1e6 / cpu,
        static_cast<double>(points) / cpu, wall,
        static_cast<unsigned long long>(sunk_points.load()),
        static_cast<double>(sunk_bytes.load()) / 1e6);
    return sunk_points.load() >= points ? 0 : 1;
  }

  // 1. Idle RSS with the default inputs.
  if (idle_seconds > 0 && spans.empty()) {
    writeConf(dir, "[dataway]\n  urls = [\"" + dataway + "\"]\n");
    Child agent = startAgent(binary, dir);
    if (agent.port == 0) return 1;
    std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
    std::printf("idle: default inputs, %d s: RSS %.1f MiB, CPU %.3f s\n", idle_seconds,
                rssMiB(agent.pid), cpuSeconds(agent.pid));
    std::fflush(stdout);
    stopAgent(agent);
    std::filesystem::remove_all(dir + "/cache");
  }

  // 2. Ingest (or 3. spans).
  std::vector<std::string> bodies;
  size_t lp_bytes = 0;
  std::string route = "/v1/write/metric", content_type = "text/plain", unit = "points";
  if (!spans.empty()) {
    const std::string file = spans == "otlp" ? "otel-js_otlp_traces.pb" : "zipkin-js_v2_spans.json";
    std::ifstream in(std::string(SEXTANT_SHARED_DIR) + "/fixtures/tracing/" + file);
    std::string one((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (one.empty()) return 1;
    std::string body;
    if (spans == "otlp") {  // concatenated messages merge: 33 x 3 spans
      for (int i = 0; i < 33; ++i) body += one;
      route = "/otel/v1/traces";
      content_type = "application/x-protobuf";
    } else {
      std::string inner = one.substr(1, one.rfind(']') - 1);
      body = "[";
      for (int i = 0; i < 33; ++i) body += (i ? "," : "") + inner;
      body += "]";
      route = "/api/v2/spans";
      content_type = "application/json";
    }
    batch = 99;
    unit = "spans";
    for (size_t i = 0; i < points; i += batch) {
      bodies.push_back(body);
      lp_bytes += body.size();
    }
    points = bodies.size() * batch;
  } else {
    std::fprintf(stderr, "building %zu points of line protocol...\n", points);
    const size_t series = 1000;
    std::vector<sextant::model::Point> corpus =
        sextant::bench::metricCorpus(series, (points + series - 1) / series);
    corpus.resize(points);
    for (size_t i = 0; i < corpus.size(); i += batch) {
      std::vector<sextant::model::Point> part(
          corpus.begin() + static_cast<std::ptrdiff_t>(i),
          corpus.begin() + static_cast<std::ptrdiff_t>(std::min(corpus.size(), i + batch)));
      std::string body;
      sextant::codec::lp::encode(part, &body);
      lp_bytes += body.size();
      bodies.push_back(std::move(body));
    }
  }

  // The per-client rate limit (DataKit's 100 requests/s) would throttle the load generator.
  writeConf(dir, "default_enabled_inputs = []\n[http_api]\n  request_rate_limit = 0.0\n" +
                     (no_dataway ? std::string() : "[dataway]\n  urls = [\"" + dataway + "\"]\n"));
  if (!spans.empty()) {
    std::ofstream(dir + "/conf.d/tracing.conf") << "[[inputs.zipkin]]\n[[inputs.opentelemetry]]\n";
  }
  Child agent = startAgent(binary, dir);
  if (agent.port == 0) return 1;
  const double rss_before = rssMiB(agent.pid);
  const double cpu_before = cpuSeconds(agent.pid);
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      auto client = sextant::net::makeHttpClient();
      for (size_t i = next++; i < bodies.size(); i = next++) {
        sextant::net::ClientRequest req;
        req.method = "POST";
        req.url = "http://127.0.0.1:" + std::to_string(agent.port) + route;
        req.headers = {{"Content-Type", content_type}};
        req.body = bodies[i];
        auto r = client->send(req);
        if (!r.isOk() || r->status != 200) ++failures;
        if (i % 40 == 0) std::fprintf(stderr, "\rposted %zu/%zu bodies", i, bodies.size());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::fprintf(stderr, "\rposted %zu/%zu bodies\n", bodies.size(), bodies.size());
  while (!no_dataway &&
         sunk_points.load() < points - static_cast<size_t>(failures.load()) * batch &&
         std::chrono::steady_clock::now() - t0 < 300s) {
    std::this_thread::sleep_for(10ms);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpuSeconds(agent.pid) - cpu_before;
  const double rss_after = rssMiB(agent.pid);
  stopAgent(agent);
  std::filesystem::remove_all(dir);

  std::printf(
      "ingest%s%s: %zu %s (%.1f MB of bodies) in bodies of %zu, %d clients: agent CPU %.2f s "
      "-> %.0f %s per CPU-second; wall %.2f s -> %.0f %s/s; uploaded %llu points in "
      "%.1f MB (protobuf+gzip); RSS %.1f -> %.1f MiB; failed requests %d\n",
      spans.empty() ? "" : (" of " + spans + " spans").c_str(),
      no_dataway ? " (no DataWay: batches discarded)" : "", points, unit.c_str(),
      static_cast<double>(lp_bytes) / 1e6, batch, clients, cpu, static_cast<double>(points) / cpu,
      unit.c_str(), wall, static_cast<double>(points) / wall, unit.c_str(),
      static_cast<unsigned long long>(sunk_points.load()),
      static_cast<double>(sunk_bytes.load()) / 1e6, rss_before, rss_after, failures.load());
  return failures.load() == 0 && (no_dataway || sunk_points.load() >= points) ? 0 : 1;
}
