#include "core/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sextant {
namespace {

// The directory part of a path ("." when there is none).
std::string parentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status syncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errnoToStatus(errno, "open dir " + dir);
  Status st;
  if (::fsync(fd) != 0) st = errnoToStatus(errno, "fsync dir " + dir);
  ::close(fd);
  return st;
}

// Retries a system call returning -1/errno on EINTR.
template <typename F>
auto retryEintr(F f) {
  decltype(f()) r;
  do {
    r = f();
  } while (r < 0 && errno == EINTR);
  return r;
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  // Unbuffered: every append is a write(2), so flush() has nothing to do.
  Status append(std::string_view data) override {
    if (fd_ < 0) return internalError("append to closed file " + path_);
    while (!data.empty()) {
      ssize_t n = retryEintr([&] { return ::write(fd_, data.data(), data.size()); });
      if (n < 0) return errnoToStatus(errno, "write " + path_);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::ok();
  }

  Status flush() override {
    if (fd_ < 0) return internalError("flush of closed file " + path_);
    return Status::ok();
  }

  Status sync() override {
    if (fd_ < 0) return internalError("sync of closed file " + path_);
    if (retryEintr([&] { return ::fdatasync(fd_); }) != 0) {
      return errnoToStatus(errno, "fdatasync " + path_);
    }
    return Status::ok();
  }

  Status close() override {
    if (fd_ < 0) return internalError("close of closed file " + path_);
    int r = ::close(fd_);
    fd_ = -1;
    if (r != 0) return errnoToStatus(errno, "close " + path_);
    return Status::ok();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Status createDirs(const std::string& path) override {
    if (path.empty()) return invalidArgument("createDirs: empty path");
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Status::ok();
      return Status(StatusCode::kAlreadyExists, path + " exists and is not a directory");
    }
    std::string parent = parentDir(path);
    if (parent != path) SEXTANT_RETURN_IF_ERROR(createDirs(parent));
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return errnoToStatus(errno, "mkdir " + path);
    }
    return syncDir(parent);
  }

  Result<std::vector<std::string>> listDir(const std::string& path) override {
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) return errnoToStatus(errno, "opendir " + path);
    std::vector<std::string> names;
    while (true) {
      errno = 0;
      const dirent* e = ::readdir(d);
      if (e == nullptr) break;
      std::string_view name(e->d_name);
      if (name != "." && name != "..") names.emplace_back(name);
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return errnoToStatus(err, "readdir " + path);
    return names;
  }

  Result<std::uint64_t> fileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return errnoToStatus(errno, "stat " + path);
    return static_cast<std::uint64_t>(st.st_size);
  }

  bool exists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Result<std::string> readFile(const std::string& path) override {
    int fd = retryEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
    if (fd < 0) return errnoToStatus(errno, "open " + path);
    std::string out;
    struct stat st;
    if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
    char buf[65536];
    while (true) {
      ssize_t n = retryEintr([&] { return ::read(fd, buf, sizeof(buf)); });
      if (n < 0) {
        Status err = errnoToStatus(errno, "read " + path);
        ::close(fd);
        return err;
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  Result<std::string> readRange(const std::string& path, std::uint64_t offset,
                                std::size_t n) override {
    int fd = retryEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
    if (fd < 0) return errnoToStatus(errno, "open " + path);
    std::string out(n, '\0');
    size_t got = 0;
    while (got < n) {
      ssize_t r = retryEintr(
          [&] { return ::pread(fd, out.data() + got, n - got, static_cast<off_t>(offset + got)); });
      if (r < 0) {
        Status err = errnoToStatus(errno, "pread " + path);
        ::close(fd);
        return err;
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    ::close(fd);
    out.resize(got);
    return out;
  }

  Result<std::unique_ptr<WritableFile>> openAppend(const std::string& path) override {
    bool existed = exists(path);
    int fd = retryEintr(
        [&] { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644); });
    if (fd < 0) return errnoToStatus(errno, "open " + path);
    if (!existed) {
      Status st = syncDir(parentDir(path));
      if (!st.isOk()) {
        ::close(fd);
        return st;
      }
    }
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }

  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return errnoToStatus(errno, "rename " + from + " -> " + to);
    }
    std::string from_dir = parentDir(from);
    std::string to_dir = parentDir(to);
    SEXTANT_RETURN_IF_ERROR(syncDir(to_dir));
    if (from_dir != to_dir) SEXTANT_RETURN_IF_ERROR(syncDir(from_dir));
    return Status::ok();
  }

  Status remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return errnoToStatus(errno, "unlink " + path);
    return Status::ok();
  }

  Status truncate(const std::string& path, std::uint64_t size) override {
    int fd = retryEintr([&] { return ::open(path.c_str(), O_WRONLY | O_CLOEXEC); });
    if (fd < 0) return errnoToStatus(errno, "open " + path);
    Status st;
    if (retryEintr([&] { return ::ftruncate(fd, static_cast<off_t>(size)); }) != 0) {
      st = errnoToStatus(errno, "ftruncate " + path);
    } else if (retryEintr([&] { return ::fsync(fd); }) != 0) {
      st = errnoToStatus(errno, "fsync " + path);
    }
    ::close(fd);
    return st;
  }
};

}  // namespace

FileSystem& realFileSystem() {
  static PosixFileSystem* fs = new PosixFileSystem();  // never destroyed: usable during exit
  return *fs;
}

std::string joinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  out += name;
  return out;
}

Status writeFileAtomically(FileSystem& fs, const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  if (fs.exists(tmp)) SEXTANT_RETURN_IF_ERROR(fs.remove(tmp));
  Result<std::unique_ptr<WritableFile>> file = fs.openAppend(tmp);
  if (!file.isOk()) return file.status();
  Status st = (*file)->append(data);
  if (st.isOk()) st = (*file)->sync();
  Status closed = (*file)->close();
  if (st.isOk()) st = closed;
  if (!st.isOk()) {
    (void)fs.remove(tmp);
    return st;
  }
  return fs.rename(tmp, path);
}

Status errnoToStatus(int error_number, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += std::strerror(error_number);
  switch (error_number) {
    case ENOENT:
    case ENOTDIR: return Status(StatusCode::kNotFound, std::move(message));
    case EEXIST: return Status(StatusCode::kAlreadyExists, std::move(message));
    case EACCES:
    case EPERM:
    case EROFS: return Status(StatusCode::kPermissionDenied, std::move(message));
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE: return Status(StatusCode::kResourceExhausted, std::move(message));
    case EINVAL: return Status(StatusCode::kInvalidArgument, std::move(message));
    default: return Status(StatusCode::kInternal, std::move(message));
  }
}

}  // namespace sextant
