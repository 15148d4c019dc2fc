// `sextant workspace create|list|delete`: manages the workspaces in a server data directory
// through WorkspaceStore (README.md). Each function opens the store (performing the first start
// on an empty directory), prints to `out`, reports errors on `err` and returns the exit code
// (0 ok, 1 error). A running server sees the change after SIGHUP; the commands print that hint.
// Thread-safety: plain functions; the FileSystem is borrowed for the call.
#pragma once

#include <ostream>
#include <string>

#include "core/file_system.h"

namespace sextant::server::workspace {

struct WorkspaceCliOptions {
  std::string data_dir;
  std::string name;    // create, delete
  bool force = false;  // delete: required to delete the default workspace
};

// Prints the new workspace's token on the first line of `out`.
int runWorkspaceCreate(FileSystem& fs, const WorkspaceCliOptions& options, std::ostream& out,
                       std::ostream& err);
// A table: NAME, ID, TOKEN, CREATED (UTC, RFC 3339), one workspace per line.
int runWorkspaceList(FileSystem& fs, const WorkspaceCliOptions& options, std::ostream& out,
                     std::ostream& err);
int runWorkspaceDelete(FileSystem& fs, const WorkspaceCliOptions& options, std::ostream& out,
                       std::ostream& err);

// "2026-11-21T19:41:13Z" (seconds precision, UTC).
std::string formatUtc(std::int64_t unix_ns);

}  // namespace sextant::server::workspace
