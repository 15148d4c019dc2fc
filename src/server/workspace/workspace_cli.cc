#include "server/workspace/workspace_cli.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "server/workspace/workspace_store.h"

namespace sextant::server::workspace {

namespace {

constexpr const char* kReloadHint =
    "a running `sextant server` on this data directory picks the change up on SIGHUP";

Result<std::unique_ptr<WorkspaceStore>> openStore(FileSystem& fs,
                                                  const WorkspaceCliOptions& options,
                                                  std::ostream& err) {
  if (options.data_dir.empty()) {
    err << "sextant workspace: --data-dir is required\n";
    return invalidArgument("--data-dir is required");
  }
  Result<std::unique_ptr<WorkspaceStore>> store = WorkspaceStore::open(fs, options.data_dir);
  if (!store.isOk()) err << "sextant workspace: " << store.status().toString() << "\n";
  return store;
}

void padTo(std::ostream& out, const std::string& s, size_t width) {
  out << s;
  if (s.size() < width) out << std::string(width - s.size(), ' ');
}

}  // namespace

std::string formatUtc(std::int64_t unix_ns) {
  time_t secs = static_cast<time_t>(unix_ns / 1'000'000'000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[80];  // room for any int in each field (GCC's -Wformat-truncation counts so)
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

int runWorkspaceCreate(FileSystem& fs, const WorkspaceCliOptions& options, std::ostream& out,
                       std::ostream& err) {
  auto store = openStore(fs, options, err);
  if (!store.isOk()) return 1;
  Result<Workspace> w = (*store)->create(options.name);
  if (!w.isOk()) {
    err << "sextant workspace create: " << w.status().toString() << "\n";
    return 1;
  }
  out << w->token << "\n";
  err << "created workspace " << w->name << " (" << w->id << "); " << kReloadHint << "\n";
  return 0;
}

int runWorkspaceList(FileSystem& fs, const WorkspaceCliOptions& options, std::ostream& out,
                     std::ostream& err) {
  auto store = openStore(fs, options, err);
  if (!store.isOk()) return 1;
  const std::vector<Workspace> all = (*store)->list();
  size_t name_width = 4;  // "NAME"
  for (const Workspace& w : all) name_width = std::max(name_width, w.name.size());
  const size_t id_width = 37;     // "wksp_" + 32
  const size_t token_width = 36;  // "tkn_" + 32
  padTo(out, "NAME", name_width + 2);
  padTo(out, "ID", id_width + 2);
  padTo(out, "TOKEN", token_width + 2);
  out << "CREATED\n";
  for (const Workspace& w : all) {
    padTo(out, w.name, name_width + 2);
    padTo(out, w.id, id_width + 2);
    padTo(out, w.token, token_width + 2);
    out << formatUtc(w.created_ns) << "\n";
  }
  return 0;
}

int runWorkspaceDelete(FileSystem& fs, const WorkspaceCliOptions& options, std::ostream& out,
                       std::ostream& err) {
  if (options.name == kDefaultWorkspace && !options.force) {
    err << "sextant workspace delete: refusing to delete the default workspace without --force "
           "(agents using DIR/default.token lose access)\n";
    return 1;
  }
  auto store = openStore(fs, options, err);
  if (!store.isOk()) return 1;
  Status st = (*store)->remove(options.name);
  if (!st.isOk()) {
    err << "sextant workspace delete: " << st.toString() << "\n";
    return 1;
  }
  out << "deleted workspace " << options.name << "\n";
  err << kReloadHint << "\n";
  return 0;
}

}  // namespace sextant::server::workspace
