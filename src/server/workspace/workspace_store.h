// WorkspaceStore: the server's workspaces and their tokens, persisted in DIR/workspaces.json
// (format in README.md) with the default workspace's token also in DIR/default.token.
//
// open() loads the file, or on first start creates the `default` workspace and writes both files.
// create()/remove() re-read the file, apply the change and rewrite it atomically; reload() picks
// up changes another process (the `sextant workspace` CLI) made. byToken() is the hot path of
// every authenticated request.
//
// Ownership: the store borrows the FileSystem, which must outlive it.
// Thread-safety: every method may be called from any thread. Lookups take a shared lock;
// mutations and reload() are serialized among themselves and swap the new set in under the
// exclusive lock, so a lookup sees either the old or the new set of workspaces.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_system.h"
#include "core/status.h"

namespace sextant::server::workspace {

struct Workspace {
  std::string id;     // "wksp_" + 32 lowercase hex; stable
  std::string name;   // [a-z0-9_-]{1,64}; unique
  std::string token;  // "tkn_" + 32 lowercase hex; unique, secret
  std::int64_t created_ns = 0;

  bool operator==(const Workspace& other) const = default;
};

// The name of the workspace created on first start.
inline constexpr std::string_view kDefaultWorkspace = "default";

// True for names matching [a-z0-9_-]{1,64}.
bool isValidWorkspaceName(std::string_view name);
// True for "tkn_" followed by 32 lowercase hex digits (the form this store issues).
bool isValidToken(std::string_view token);
// True for "wksp_" followed by 32 lowercase hex digits.
bool isValidWorkspaceId(std::string_view id);
// `prefix` + 32 lowercase hex digits from getrandom(2) (16 random bytes).
Result<std::string> randomHexId(std::string_view prefix);

// Serializes / parses workspaces.json (format version 1). Exposed for tests and tools.
std::string encodeWorkspacesFile(const std::vector<Workspace>& workspaces);
// `path` only names the file in error messages.
Result<std::vector<Workspace>> decodeWorkspacesFile(std::string_view text, const std::string& path);

class WorkspaceStore {
 public:
  struct Options {
    // Clock for created_ns; empty: the system clock.
    std::function<std::int64_t()> now_ns;
  };

  // Opens the store kept in `data_dir` (created when missing). Fails with a message naming the
  // file when workspaces.json is unreadable, corrupt or from a newer version.
  static Result<std::unique_ptr<WorkspaceStore>> open(FileSystem& fs, std::string data_dir,
                                                      Options options);
  static Result<std::unique_ptr<WorkspaceStore>> open(FileSystem& fs, std::string data_dir) {
    return open(fs, std::move(data_dir), Options{});
  }

  WorkspaceStore(const WorkspaceStore&) = delete;
  WorkspaceStore& operator=(const WorkspaceStore&) = delete;

  // Adds a workspace with a fresh id and token. InvalidArgument for a bad name, AlreadyExists
  // for a taken one; on a write error nothing changes.
  Result<Workspace> create(std::string name);
  // Removes a workspace (the default one too; then default.token is removed). NotFound when
  // there is none by that name.
  Status remove(std::string_view name);
  // Re-reads workspaces.json. On error the current workspaces stay.
  Status reload();

  // All workspaces, in creation order.
  std::vector<Workspace> list() const;
  // The workspace whose token is `token` (constant-time comparison against every token).
  std::optional<Workspace> byToken(std::string_view token) const;
  std::optional<Workspace> byName(std::string_view name) const;

  const std::string& dataDir() const { return data_dir_; }
  std::string filePath() const;
  std::string defaultTokenPath() const;

 private:
  WorkspaceStore(FileSystem& fs, std::string data_dir, Options options);

  // Reads and decodes workspaces.json.
  Result<std::vector<Workspace>> readFile() const;
  // Writes workspaces.json (and chmods it on the real file system).
  Status writeFile(const std::vector<Workspace>& workspaces);
  // Makes default.token hold the default workspace's token (when there is one).
  Status syncDefaultToken(const std::vector<Workspace>& workspaces);
  // First start: creates `default` (adopting a valid default.token) and writes both files.
  Status initialize();
  void publish(std::vector<Workspace> workspaces);
  std::int64_t nowNs() const;

  FileSystem& fs_;
  const std::string data_dir_;
  const Options options_;
  std::mutex write_mu_;  // serializes create/remove/reload (read-modify-write of the file)
  mutable std::shared_mutex mu_;
  std::vector<Workspace> workspaces_;  // guarded by mu_
};

}  // namespace sextant::server::workspace
