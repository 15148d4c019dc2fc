#include "core/testing/mem_file_system.h"

namespace sextant::testing {
namespace {

// "/a/b/" -> "/a/b"; "" stays "".
std::string normalise(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string parentOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status noSuchFile(const std::string& path) { return notFound(path + ": no such file"); }

}  // namespace

class MemFileSystem::File final : public WritableFile {
 public:
  File(std::mutex* mu, Data data, std::string path)
      : mu_(mu), data_(std::move(data)), path_(std::move(path)) {}

  Status append(std::string_view data) override {
    std::lock_guard lock(*mu_);
    if (closed_) return internalError("append to closed file " + path_);
    data_->append(data);
    return Status::ok();
  }
  Status flush() override { return checkOpen(); }
  Status sync() override { return checkOpen(); }
  Status close() override {
    std::lock_guard lock(*mu_);
    if (closed_) return internalError("close of closed file " + path_);
    closed_ = true;
    return Status::ok();
  }

 private:
  Status checkOpen() {
    std::lock_guard lock(*mu_);
    if (closed_) return internalError("closed file " + path_);
    return Status::ok();
  }

  std::mutex* mu_;  // the file system's; it outlives its files
  Data data_;
  std::string path_;
  bool closed_ = false;
};

MemFileSystem::MemFileSystem() { dirs_.insert("/"); }

Status MemFileSystem::createDirs(const std::string& path) {
  std::string p = normalise(path);
  if (p.empty()) return invalidArgument("createDirs: empty path");
  std::lock_guard lock(mu_);
  while (!p.empty() && p != "." && p != "/") {
    if (files_.count(p) > 0) {
      return Status(StatusCode::kAlreadyExists, p + " exists and is not a directory");
    }
    dirs_.insert(p);
    p = parentOf(p);
  }
  return Status::ok();
}

Result<std::vector<std::string>> MemFileSystem::listDir(const std::string& path) {
  std::string dir = normalise(path);
  std::lock_guard lock(mu_);
  if (dirs_.count(dir) == 0) return noSuchFile(dir);
  std::vector<std::string> names;
  auto addChild = [&](const std::string& p) {
    if (p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 && parentOf(p) == dir) {
      names.push_back(p.substr(dir == "/" ? 1 : dir.size() + 1));
    }
  };
  for (const auto& [p, data] : files_) addChild(p);
  for (const std::string& d : dirs_) addChild(d);
  return names;
}

Result<std::uint64_t> MemFileSystem::fileSize(const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = files_.find(normalise(path));
  if (it == files_.end()) return noSuchFile(path);
  return static_cast<std::uint64_t>(it->second->size());
}

bool MemFileSystem::exists(const std::string& path) {
  std::string p = normalise(path);
  std::lock_guard lock(mu_);
  return files_.count(p) > 0 || dirs_.count(p) > 0;
}

Result<std::string> MemFileSystem::readFile(const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = files_.find(normalise(path));
  if (it == files_.end()) return noSuchFile(path);
  return *it->second;
}

Result<std::string> MemFileSystem::readRange(const std::string& path, std::uint64_t offset,
                                             std::size_t n) {
  std::lock_guard lock(mu_);
  auto it = files_.find(normalise(path));
  if (it == files_.end()) return noSuchFile(path);
  const std::string& data = *it->second;
  if (offset >= data.size()) return std::string();
  return data.substr(static_cast<size_t>(offset), n);
}

Result<std::unique_ptr<WritableFile>> MemFileSystem::openAppend(const std::string& path) {
  std::string p = normalise(path);
  std::lock_guard lock(mu_);
  if (dirs_.count(parentOf(p)) == 0) return noSuchFile(parentOf(p));
  if (dirs_.count(p) > 0) return invalidArgument(p + " is a directory");
  Data& data = files_[p];
  if (!data) data = std::make_shared<std::string>();
  return std::unique_ptr<WritableFile>(new File(&mu_, data, p));
}

Status MemFileSystem::rename(const std::string& from, const std::string& to) {
  std::string f = normalise(from);
  std::string t = normalise(to);
  std::lock_guard lock(mu_);
  auto it = files_.find(f);
  if (it == files_.end()) return noSuchFile(from);
  if (dirs_.count(parentOf(t)) == 0) return noSuchFile(parentOf(t));
  Data data = it->second;
  files_.erase(it);
  files_[t] = std::move(data);
  return Status::ok();
}

Status MemFileSystem::remove(const std::string& path) {
  std::lock_guard lock(mu_);
  if (files_.erase(normalise(path)) == 0) return noSuchFile(path);
  return Status::ok();
}

Status MemFileSystem::truncate(const std::string& path, std::uint64_t size) {
  std::lock_guard lock(mu_);
  auto it = files_.find(normalise(path));
  if (it == files_.end()) return noSuchFile(path);
  if (size > it->second->size()) return invalidArgument("truncate past the end of " + path);
  it->second->resize(static_cast<size_t>(size));
  return Status::ok();
}

Status MemFileSystem::overwrite(const std::string& path, std::uint64_t offset,
                                std::string_view data) {
  std::lock_guard lock(mu_);
  auto it = files_.find(normalise(path));
  if (it == files_.end()) return noSuchFile(path);
  std::string& file = *it->second;
  if (offset + data.size() > file.size()) return invalidArgument("overwrite past the end");
  file.replace(static_cast<size_t>(offset), data.size(), data);
  return Status::ok();
}

}  // namespace sextant::testing
