#include "server/workspace/workspace_store.h"

#include <simdjson.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <set>

#include "core/clock.h"
#include "core/crc32c.h"

namespace sextant::server::workspace {

namespace {

constexpr std::string_view kFormat = "sextant-workspaces";
constexpr std::int64_t kVersion = 1;
constexpr std::string_view kFileName = "workspaces.json";
constexpr std::string_view kDefaultTokenFileName = "default.token";

bool isLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool isPrefixedHex(std::string_view s, std::string_view prefix) {
  if (s.size() != prefix.size() + 32 || s.substr(0, prefix.size()) != prefix) return false;
  for (char c : s.substr(prefix.size())) {
    if (!isLowerHex(c)) return false;
  }
  return true;
}

// The canonical text of the workspaces array (README.md): what the checksum covers.
std::string canonicalArray(const std::vector<Workspace>& workspaces, bool newlines) {
  std::string out = "[";
  for (size_t i = 0; i < workspaces.size(); ++i) {
    const Workspace& w = workspaces[i];
    if (i > 0) out += ',';
    if (newlines) out += '\n';
    // Ids, names and tokens are validated to need no JSON escaping.
    out += "{\"id\":\"" + w.id + "\",\"name\":\"" + w.name + "\",\"token\":\"" + w.token +
           "\",\"created_ns\":" + std::to_string(w.created_ns) + "}";
  }
  if (newlines && !workspaces.empty()) out += '\n';
  out += ']';
  return out;
}

Status corrupt(const std::string& path, std::string_view what) {
  return dataLoss(path + ": " + std::string(what));
}
Status invalid(const std::string& path, std::string_view what) {
  return invalidArgument(path + ": " + std::string(what));
}

// Validates one workspace's fields and their uniqueness among those seen so far.
Status checkWorkspace(const Workspace& w, const std::string& path, size_t index,
                      std::set<std::string>* ids, std::set<std::string>* names,
                      std::set<std::string>* tokens) {
  const std::string at = "workspace #" + std::to_string(index) + ": ";
  if (!isValidWorkspaceId(w.id)) return invalid(path, at + "id is not wksp_ + 32 hex digits");
  if (!isValidWorkspaceName(w.name)) return invalid(path, at + "name is not [a-z0-9_-]{1,64}");
  if (!isValidToken(w.token)) return invalid(path, at + "token is not tkn_ + 32 hex digits");
  if (w.created_ns < 0) return invalid(path, at + "created_ns is negative");
  if (!ids->insert(w.id).second) return invalid(path, at + "duplicate id " + w.id);
  if (!names->insert(w.name).second) return invalid(path, at + "duplicate name " + w.name);
  // The token itself is a secret: do not print it.
  if (!tokens->insert(w.token).second) return invalid(path, at + "token used twice");
  return Status::ok();
}

// a == b without an early exit; different lengths compare unequal (lengths are not secret).
bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

// Strips one trailing "\n" (or "\r\n") from a token file's contents.
std::string_view trimNewline(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

// Owner-only access on the real file system (the seam has no file modes: README "Permissions").
void restrictMode(FileSystem& fs, const std::string& path, mode_t mode) {
  if (&fs == &realFileSystem()) (void)::chmod(path.c_str(), mode);
}

}  // namespace

bool isValidWorkspaceName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

bool isValidToken(std::string_view token) { return isPrefixedHex(token, "tkn_"); }

bool isValidWorkspaceId(std::string_view id) { return isPrefixedHex(id, "wksp_"); }

Result<std::string> randomHexId(std::string_view prefix) {
  unsigned char bytes[16];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t n = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errnoToStatus(errno, "getrandom");
    }
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

std::string encodeWorkspacesFile(const std::vector<Workspace>& workspaces) {
  const std::uint32_t crc = crc32c(canonicalArray(workspaces, /*newlines=*/false));
  return "{\"format\":\"" + std::string(kFormat) + "\",\"version\":" + std::to_string(kVersion) +
         ",\"crc32c\":" + std::to_string(crc) +
         ",\"workspaces\":" + canonicalArray(workspaces, /*newlines=*/true) + "}\n";
}

Result<std::vector<Workspace>> decodeWorkspacesFile(std::string_view text,
                                                    const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err) {
    return corrupt(path, std::string("not valid JSON (") + simdjson::error_message(err) + ")");
  }
  simdjson::dom::object root;
  if (doc.get(root)) return corrupt(path, "not a JSON object");

  std::string_view format;
  if (root["format"].get(format) || format != kFormat) {
    return corrupt(path,
                   "not a Sextant workspaces file (\"format\" is not \"sextant-workspaces\")");
  }
  std::int64_t version = 0;
  if (root["version"].get(version)) return corrupt(path, "\"version\" missing or not an integer");
  if (version != kVersion) {
    return invalid(path, "format version " + std::to_string(version) +
                             " is not supported (this Sextant reads version 1; was the file "
                             "written by a newer Sextant?)");
  }
  std::uint64_t stored_crc = 0;
  if (root["crc32c"].get(stored_crc) || stored_crc > 0xFFFFFFFFu) {
    return corrupt(path, "\"crc32c\" missing or not a 32-bit unsigned integer");
  }
  simdjson::dom::array array;
  if (root["workspaces"].get(array)) return corrupt(path, "\"workspaces\" missing or not an array");

  std::vector<Workspace> out;
  for (simdjson::dom::element e : array) {
    simdjson::dom::object o;
    const std::string at = "workspace #" + std::to_string(out.size()) + ": ";
    if (e.get(o)) return corrupt(path, at + "not an object");
    if (o.size() != 4) return corrupt(path, at + "must have exactly id, name, token, created_ns");
    Workspace w;
    std::string_view id, name, token;
    if (o["id"].get(id) || o["name"].get(name) || o["token"].get(token) ||
        o["created_ns"].get(w.created_ns)) {
      return corrupt(path, at + "id, name, token (strings) and created_ns (integer) required");
    }
    w.id = id;
    w.name = name;
    w.token = token;
    out.push_back(std::move(w));
  }
  // Validate the forms first: canonicalArray() assumes values that need no escaping.
  std::set<std::string> ids, names, tokens;
  for (size_t i = 0; i < out.size(); ++i) {
    SEXTANT_RETURN_IF_ERROR(checkWorkspace(out[i], path, i, &ids, &names, &tokens));
  }
  const std::uint32_t computed = crc32c(canonicalArray(out, /*newlines=*/false));
  if (computed != stored_crc) {
    return corrupt(path, "checksum mismatch (stored " + std::to_string(stored_crc) + ", computed " +
                             std::to_string(computed) +
                             "): the file was changed outside `sextant workspace` or is corrupt");
  }
  return out;
}

WorkspaceStore::WorkspaceStore(FileSystem& fs, std::string data_dir, Options options)
    : fs_(fs), data_dir_(std::move(data_dir)), options_(std::move(options)) {}

std::string WorkspaceStore::filePath() const { return joinPath(data_dir_, kFileName); }

std::string WorkspaceStore::defaultTokenPath() const {
  return joinPath(data_dir_, kDefaultTokenFileName);
}

std::int64_t WorkspaceStore::nowNs() const {
  if (options_.now_ns) return options_.now_ns();
  return wallNowNs();
}

Result<std::unique_ptr<WorkspaceStore>> WorkspaceStore::open(FileSystem& fs, std::string data_dir,
                                                             Options options) {
  if (data_dir.empty()) return invalidArgument("workspace store: empty data directory");
  const bool dir_existed = fs.exists(data_dir);
  if (Status st = fs.createDirs(data_dir); !st.isOk()) {
    return Status(st.code(), "workspace store: data directory " + data_dir + ": " + st.message());
  }
  if (!dir_existed) restrictMode(fs, data_dir, 0700);
  std::unique_ptr<WorkspaceStore> store(
      new WorkspaceStore(fs, std::move(data_dir), std::move(options)));
  if (!fs.exists(store->filePath())) {
    SEXTANT_RETURN_IF_ERROR(store->initialize());
    return store;
  }
  Result<std::vector<Workspace>> loaded = store->readFile();
  if (!loaded.isOk()) return loaded.status();
  SEXTANT_RETURN_IF_ERROR(store->syncDefaultToken(*loaded));
  store->publish(std::move(loaded).value());
  return store;
}

Status WorkspaceStore::initialize() {
  Workspace w;
  w.name = std::string(kDefaultWorkspace);
  const std::string token_path = defaultTokenPath();
  if (fs_.exists(token_path)) {
    Result<std::string> text = fs_.readFile(token_path);
    if (!text.isOk()) return text.status();
    std::string_view token = trimNewline(*text);
    if (!isValidToken(token)) {
      return invalidArgument(token_path +
                             ": exists but does not hold a token (tkn_ + 32 lowercase hex "
                             "digits); on first start it is adopted as the default workspace's "
                             "token. Fix or remove it");
    }
    w.token = std::string(token);
  } else {
    Result<std::string> token = randomHexId("tkn_");
    if (!token.isOk()) return token.status();
    w.token = std::move(token).value();
  }
  Result<std::string> id = randomHexId("wksp_");
  if (!id.isOk()) return id.status();
  w.id = std::move(id).value();
  w.created_ns = nowNs();
  std::vector<Workspace> workspaces{std::move(w)};
  SEXTANT_RETURN_IF_ERROR(writeFile(workspaces));
  SEXTANT_RETURN_IF_ERROR(syncDefaultToken(workspaces));
  publish(std::move(workspaces));
  return Status::ok();
}

Result<std::vector<Workspace>> WorkspaceStore::readFile() const {
  const std::string path = filePath();
  Result<std::string> text = fs_.readFile(path);
  if (!text.isOk()) {
    return Status(text.status().code(), path + ": " + text.status().message());
  }
  return decodeWorkspacesFile(*text, path);
}

Status WorkspaceStore::writeFile(const std::vector<Workspace>& workspaces) {
  const std::string path = filePath();
  SEXTANT_RETURN_IF_ERROR(writeFileAtomically(fs_, path, encodeWorkspacesFile(workspaces)));
  restrictMode(fs_, path, 0600);
  return Status::ok();
}

Status WorkspaceStore::syncDefaultToken(const std::vector<Workspace>& workspaces) {
  const std::string path = defaultTokenPath();
  for (const Workspace& w : workspaces) {
    if (w.name != kDefaultWorkspace) continue;
    const std::string want = w.token + "\n";
    if (fs_.exists(path)) {
      Result<std::string> have = fs_.readFile(path);
      if (have.isOk() && *have == want) return Status::ok();
    }
    SEXTANT_RETURN_IF_ERROR(writeFileAtomically(fs_, path, want));
    restrictMode(fs_, path, 0600);
    return Status::ok();
  }
  return Status::ok();
}

void WorkspaceStore::publish(std::vector<Workspace> workspaces) {
  std::unique_lock lock(mu_);
  workspaces_.swap(workspaces);
}

Result<Workspace> WorkspaceStore::create(std::string name) {
  if (!isValidWorkspaceName(name)) {
    return invalidArgument("invalid workspace name \"" + name +
                           "\": use 1 to 64 of a-z, 0-9, '_' and '-'");
  }
  std::lock_guard write_lock(write_mu_);
  Result<std::vector<Workspace>> current = readFile();
  if (!current.isOk()) return current.status();
  std::vector<Workspace> next = std::move(current).value();
  for (const Workspace& w : next) {
    if (w.name == name) {
      return Status(StatusCode::kAlreadyExists, "workspace \"" + name + "\" already exists");
    }
  }
  Workspace w;
  w.name = std::move(name);
  // 128 random bits: a collision with an existing id or token is practically impossible, but
  // uniqueness is an invariant of the file, so retry rather than assume.
  for (int attempt = 0;; ++attempt) {
    Result<std::string> id = randomHexId("wksp_");
    Result<std::string> token = randomHexId("tkn_");
    if (!id.isOk()) return id.status();
    if (!token.isOk()) return token.status();
    bool clash = false;
    for (const Workspace& other : next) {
      clash = clash || other.id == *id || other.token == *token;
    }
    if (!clash) {
      w.id = std::move(id).value();
      w.token = std::move(token).value();
      break;
    }
    if (attempt >= 8) return internalError("could not generate a unique workspace id and token");
  }
  w.created_ns = nowNs();
  next.push_back(w);
  SEXTANT_RETURN_IF_ERROR(writeFile(next));
  // workspaces.json is the truth: once it is written the workspace exists, even if writing
  // default.token fails below (the next open() repairs that file).
  const std::vector<Workspace> written = next;
  publish(std::move(next));
  SEXTANT_RETURN_IF_ERROR(syncDefaultToken(written));
  return w;
}

Status WorkspaceStore::remove(std::string_view name) {
  std::lock_guard write_lock(write_mu_);
  Result<std::vector<Workspace>> current = readFile();
  if (!current.isOk()) return current.status();
  std::vector<Workspace> next = std::move(current).value();
  auto it =
      std::find_if(next.begin(), next.end(), [&](const Workspace& w) { return w.name == name; });
  if (it == next.end()) return notFound("no workspace named \"" + std::string(name) + "\"");
  next.erase(it);
  SEXTANT_RETURN_IF_ERROR(writeFile(next));
  publish(std::move(next));
  if (name == kDefaultWorkspace && fs_.exists(defaultTokenPath())) {
    return fs_.remove(defaultTokenPath());
  }
  return Status::ok();
}

Status WorkspaceStore::reload() {
  std::lock_guard write_lock(write_mu_);
  Result<std::vector<Workspace>> loaded = readFile();
  if (!loaded.isOk()) return loaded.status();
  publish(std::move(loaded).value());
  return Status::ok();
}

std::vector<Workspace> WorkspaceStore::list() const {
  std::shared_lock lock(mu_);
  return workspaces_;
}

std::optional<Workspace> WorkspaceStore::byToken(std::string_view token) const {
  std::shared_lock lock(mu_);
  const Workspace* found = nullptr;
  for (const Workspace& w : workspaces_) {
    // No early exit: the time taken does not depend on which token (if any) matched.
    if (constantTimeEquals(w.token, token)) found = &w;
  }
  if (found == nullptr) return std::nullopt;
  return *found;
}

std::optional<Workspace> WorkspaceStore::byName(std::string_view name) const {
  std::shared_lock lock(mu_);
  for (const Workspace& w : workspaces_) {
    if (w.name == name) return w;
  }
  return std::nullopt;
}

}  // namespace sextant::server::workspace
