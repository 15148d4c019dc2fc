// sextant: one binary, several roles.
//   sextant agent       DataKit-compatible agent (HTTP API on :9529)
//   sextant server      the backend (ingest, storage, query, UI)
//   sextant standalone  agent + server in one process
//   sextant tool ...    offline tools (parse-lp, ...)
//   sextant workspace   manage the server's workspaces and tokens (create, list, delete)
//   sextant pipeline    run a Pipeline script on sample text (DataKit's `datakit pipeline`)
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string_view>

#include "agent/agent.h"
#include "core/duration.h"
#include "core/file_system.h"
#include "core/version.h"
#include "net/http_client.h"
#include "pipeline/cli.h"
#include "server/in_process_client.h"
#include "server/server.h"
#include "server/workspace/workspace_cli.h"
#include "tool/tools.h"

namespace {

// The signals the main thread waits for: SIGINT and SIGTERM stop, SIGHUP reloads.
sigset_t controlSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

int waitForSignal() {
  sigset_t set = controlSignals();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

void blockControlSignals() {
  sigset_t set = controlSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // threads started later inherit the mask
}

// Blocks until SIGINT or SIGTERM; each SIGHUP calls reload().
void waitForStop(const char* who, const std::function<sextant::Status()>& reload) {
  for (;;) {
    int sig = waitForSignal();
    if (sig != SIGHUP) {
      std::printf("%s: signal %d, stopping\n", who, sig);
      return;
    }
    sextant::Status st = reload();
    std::printf("%s: SIGHUP, reload %s\n", who, st.isOk() ? "done" : st.toString().c_str());
    std::fflush(stdout);
  }
}

// "web UI: http://127.0.0.1:9528/#/signin?token=tkn_..." (the sign-in page takes the token from
// the link), or how to get the UI when the server runs without one.
void printUiAddress(const sextant::server::Server& server,
                    const sextant::server::ServerOptions& options) {
  if (options.ui_dir.empty()) {
    std::printf(
        "web UI: not served (build it with `make ui`, then start with --ui-dir build/ui)\n");
    return;
  }
  std::printf("web UI: http://%s/#/signin?token=%s\n", server.listenAddress().c_str(),
              server.defaultToken().c_str());
}

int runServer(const sextant::server::ServerOptions& options) {
  blockControlSignals();
  sextant::server::Server server(options);
  sextant::Status st = server.start();
  if (!st.isOk()) {
    std::fprintf(stderr, "sextant server: %s\n", st.toString().c_str());
    return 1;
  }
  std::printf(
      "sextant server %s listening on http://%s (data dir %s; token of workspace "
      "'default' in %s/default.token)\n",
      sextant::kVersion, server.listenAddress().c_str(), options.data_dir.c_str(),
      options.data_dir.c_str());
  printUiAddress(server, options);
  std::fflush(stdout);
  waitForStop("sextant server", [&] { return server.reload(); });
  server.stop();
  return 0;
}

int runAgent(const sextant::agent::AgentOptions& options) {
  // glibc gives every thread that allocates its own arena (up to 8 per core): the agent's ~14
  // threads held 13 arenas of 4-68 KiB each when idle. Two arenas serve the two HTTP threads of
  // ingest; the other threads allocate little.
  mallopt(M_ARENA_MAX, 2);
  blockControlSignals();
  sextant::agent::Agent agent(options);
  sextant::Status st = agent.start();
  if (!st.isOk()) {
    std::fprintf(stderr, "sextant agent: %s\n", st.toString().c_str());
    return 1;
  }
  std::printf("sextant agent %s listening on http://%s (install dir %s)\n", sextant::kVersion,
              agent.listenAddress().c_str(), options.install_dir.c_str());
  std::fflush(stdout);
  waitForStop("sextant agent", [&] { return agent.reload(); });
  agent.stop();
  return 0;
}

// The backend, then the agent shipping to it with the default workspace's token: in-process
// (server/in_process_client.h: the server's router on the uploader's thread, no socket); URLs of
// other DataWays go through a real client. The server still listens for DataKits and agents.
int runStandalone(sextant::agent::AgentOptions agent_options,
                  const sextant::server::ServerOptions& server_options) {
  blockControlSignals();
  sextant::server::Server server(server_options);
  sextant::Status st = server.start();
  if (!st.isOk()) {
    std::fprintf(stderr, "sextant standalone: server: %s\n", st.toString().c_str());
    return 1;
  }
  agent_options.dataway_url =
      "http://" + server.listenAddress() + "?token=" + server.defaultToken();
  std::unique_ptr<sextant::net::HttpClient> network = sextant::net::makeHttpClient();
  sextant::server::InProcessClient in_process(server, *network);
  agent_options.http_client = &in_process;
  sextant::agent::Agent agent(agent_options);
  st = agent.start();
  if (!st.isOk()) {
    std::fprintf(stderr, "sextant standalone: agent: %s\n", st.toString().c_str());
    server.stop();
    return 1;
  }
  std::printf(
      "sextant standalone %s: agent listening on http://%s (install dir %s), server on http://%s "
      "(data dir %s)\n",
      sextant::kVersion, agent.listenAddress().c_str(), agent_options.install_dir.c_str(),
      server.listenAddress().c_str(), server_options.data_dir.c_str());
  printUiAddress(server, server_options);
  std::fflush(stdout);
  waitForStop("sextant standalone", [&] {
    sextant::Status a = agent.reload();
    sextant::Status b = server.reload();
    return a.isOk() ? b : a;
  });
  agent.stop();  // flushes into its queue; what is not delivered yet goes at the next start
  server.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Ingest frees and re-allocates megabytes of points per request. glibc's defaults hand that
  // memory back to the kernel after each request and fault it in again for the next (a third
  // of protobuf decode time in codec_pb_bench); keep up to 64 MiB of free heap instead.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  // `sextant pipeline` has DataKit's flags (-P -T -F -C --date), parsed by the debugger itself.
  if (argc >= 2 && std::string_view(argv[1]) == "pipeline") {
    return sextant::pipeline::runPipelineCli(argc - 1, argv + 1);
  }
  CLI::App app{"Sextant: self-hosted observability (DataKit-compatible agent, backend, UI)"};
  app.set_version_flag(
      "--version", std::string("sextant ") + sextant::kVersion + " (" + sextant::kGitCommit + ")");
  app.require_subcommand(1);

  app.add_subcommand("pipeline",
                     "Run a Pipeline script on sample text like `datakit pipeline`: -P x.p -T "
                     "'text' | -F file [-C category] [--date] (`sextant pipeline --help`)");

  sextant::agent::AgentOptions agent_opts;
  CLI::App* agent = app.add_subcommand("agent", "Run the DataKit-compatible agent");
  agent->add_option("--install-dir", agent_opts.install_dir,
                    "DataKit install dir holding conf.d/ (default /usr/local/datakit)");
  agent->add_option("--listen", agent_opts.listen,
                    "Override [http_api] listen, e.g. 127.0.0.1:9529 (port 0: any free port)");
  agent->add_flag("--container", agent_opts.container,
                  "Container mode: configuration from ENV_* variables (DaemonSet)");

  sextant::server::ServerOptions server_opts;
  CLI::App* server = app.add_subcommand(
      "server",
      "Run the backend: DataWay-compatible ingest into the embedded storage engine, workspaces "
      "and tokens, election (query APIs: issue 10)");
  server->add_option("--listen", server_opts.listen, "HTTP listen address")
      ->default_val("127.0.0.1:9528");
  server
      ->add_option("--data-dir", server_opts.data_dir,
                   "Data directory (workspaces.json, default.token, wal/, storage/)")
      ->default_val("/var/lib/sextant");
  CLI::App* standalone = app.add_subcommand(
      "standalone", "Run the agent and the backend in one process; the agent ships to the backend");
  standalone->add_option("--install-dir", agent_opts.install_dir, "Agent install dir");
  standalone->add_option("--listen", agent_opts.listen, "Agent HTTP listen address");
  std::string standalone_data_dir;
  standalone->add_option("--data-dir", standalone_data_dir,
                         "Backend data directory (default: <install-dir>/data)");
  standalone->add_option("--server-listen", server_opts.listen, "Backend HTTP listen address")
      ->default_val("127.0.0.1:9528");
  std::string flush_interval = "5m";
  std::string retention;
  std::string wal_sync = "every-commit";
  size_t head_limit_mb = server_opts.head_bytes_limit >> 20;
  std::string query_timeout = "2m";
  for (CLI::App* sub : {server, standalone}) {
    sub->add_option("--ui-dir", server_opts.ui_dir,
                    "The web UI's built bundle (ui/ built with `make ui`: build/ui), served at /")
        ->check(CLI::ExistingDirectory);
    sub->add_option("--flush-interval", flush_interval,
                    "Storage: write the in-memory head to parts at least this often (e.g. 5m, "
                    "30s); merges are checked at most 10s apart")
        ->default_val("5m");
    sub->add_option("--retention", retention,
                    "Storage: how long categories are kept, e.g. metric=90d,logging=30d "
                    "(defaults: metric/keyevent 30d, logging/network/security 14d, tracing/rum/"
                    "object history 7d); older points are rejected at ingest");
    sub->add_option("--wal-sync", wal_sync,
                    "When an accepted write is made durable before the 200: every-commit "
                    "(fdatasync per group commit, default), interval (within 100ms), none")
        ->check(CLI::IsMember({"every-commit", "interval", "none"}))
        ->default_val("every-commit");
    sub->add_option("--head-limit-mb", head_limit_mb,
                    "Storage: write the head to parts once it holds about this many MiB")
        ->default_val(head_limit_mb);
    sub->add_option("--query-max-samples", server_opts.query_limits.max_samples,
                    "PromQL: samples one query may hold in memory at once (Prometheus' "
                    "--query.max-samples); over it: 422")
        ->default_val(server_opts.query_limits.max_samples);
    sub->add_option("--query-max-series", server_opts.query_limits.max_series,
                    "PromQL and DQL: series one query may read (VictoriaMetrics' "
                    "-search.maxUniqueTimeseries); over it: 422")
        ->default_val(server_opts.query_limits.max_series);
    sub->add_option("--query-max-rows", server_opts.query_limits.max_rows,
                    "DQL: rows one query may read; over it: 422")
        ->default_val(server_opts.query_limits.max_rows);
    sub->add_option("--query-timeout", query_timeout,
                    "PromQL and DQL: how long one query may run (Prometheus' --query.timeout); "
                    "over it: 503")
        ->default_val("2m");
  }

  CLI::App* tool = app.add_subcommand("tool", "Offline tools");
  tool->require_subcommand(1);
  sextant::tool::ParseLpOptions parse_opts;
  CLI::App* parse_lp =
      tool->add_subcommand("parse-lp",
                           "Decode and normalise line protocol, print the points as JSON (like "
                           "`datakit tool --parse-lp`)");
  parse_lp->add_option("file", parse_opts.file, "Line protocol file ('-' or none: stdin)");
  parse_lp->add_option("--precision", parse_opts.precision, "n, u, ms, s, m, h (default: auto)");
  parse_lp->add_option("--category", parse_opts.category, "metric, logging, object, ...")
      ->default_val("metric");
  parse_lp->add_flag("--strict", parse_opts.strict, "Fail on any normalisation warning");

  sextant::server::workspace::WorkspaceCliOptions ws_opts;
  CLI::App* workspace = app.add_subcommand(
      "workspace",
      "Manage the server's workspaces and their tokens (DIR/workspaces.json; a running server "
      "reloads them on SIGHUP)");
  workspace->require_subcommand(1);
  CLI::App* ws_create =
      workspace->add_subcommand("create", "Create a workspace and print its token");
  ws_create->add_option("name", ws_opts.name, "Workspace name: 1 to 64 of a-z, 0-9, '_', '-'")
      ->required();
  CLI::App* ws_list =
      workspace->add_subcommand("list", "List the workspaces: name, id, token, creation time");
  CLI::App* ws_delete = workspace->add_subcommand(
      "delete", "Delete a workspace (its token stops working once the server reloads)");
  ws_delete->add_option("name", ws_opts.name, "Workspace name")->required();
  ws_delete->add_flag("--force", ws_opts.force, "Required to delete the default workspace");
  for (CLI::App* sub : {ws_create, ws_list, ws_delete}) {
    sub->add_option("--data-dir", ws_opts.data_dir,
                    "Server data directory holding workspaces.json (created on first use)")
        ->required();
  }

  CLI11_PARSE(app, argc, argv);

  if (agent->parsed()) return runAgent(agent_opts);
  if (server->parsed() || standalone->parsed()) {
    auto interval = sextant::parseDuration(flush_interval);
    if (!interval.isOk() || interval->count() <= 0) {
      std::fprintf(stderr, "--flush-interval: %s\n",
                   interval.isOk() ? "must be positive" : interval.status().toString().c_str());
      return 2;
    }
    server_opts.flush_interval = std::chrono::duration_cast<std::chrono::milliseconds>(*interval);
    server_opts.head_bytes_limit = head_limit_mb << 20;
    auto timeout = sextant::parseDuration(query_timeout);
    if (!timeout.isOk() || timeout->count() <= 0) {
      std::fprintf(stderr, "--query-timeout: %s\n",
                   timeout.isOk() ? "must be positive" : timeout.status().toString().c_str());
      return 2;
    }
    server_opts.query_limits.timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
    server_opts.wal_sync = wal_sync == "interval" ? sextant::storage::SyncPolicy::kInterval
                           : wal_sync == "none"   ? sextant::storage::SyncPolicy::kNone
                                                  : sextant::storage::SyncPolicy::kEveryCommit;
    if (sextant::Status st = sextant::storage::parseRetention(retention, &server_opts.retention);
        !st.isOk()) {
      std::fprintf(stderr, "--retention: %s\n", st.message().c_str());
      return 2;
    }
  }
  if (standalone->parsed()) {
    server_opts.data_dir =
        standalone_data_dir.empty() ? agent_opts.install_dir + "/data" : standalone_data_dir;
    return runStandalone(agent_opts, server_opts);
  }
  if (server->parsed()) return runServer(server_opts);
  if (ws_create->parsed()) {
    return sextant::server::workspace::runWorkspaceCreate(sextant::realFileSystem(), ws_opts,
                                                          std::cout, std::cerr);
  }
  if (ws_list->parsed()) {
    return sextant::server::workspace::runWorkspaceList(sextant::realFileSystem(), ws_opts,
                                                        std::cout, std::cerr);
  }
  if (ws_delete->parsed()) {
    return sextant::server::workspace::runWorkspaceDelete(sextant::realFileSystem(), ws_opts,
                                                          std::cout, std::cerr);
  }
  if (parse_lp->parsed())
    return sextant::tool::runParseLp(parse_opts, std::cin, std::cout, std::cerr);
  return 0;
}
