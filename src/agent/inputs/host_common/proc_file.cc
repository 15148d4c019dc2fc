#include "agent/inputs/host_common/proc_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "agent/inputs/host_common/host_paths.h"

namespace sextant::agent::inputs {

namespace {

Status ioError(std::string_view op, const std::string& path, int err) {
  std::string msg = std::string(op) + " " + path + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return notFound(std::move(msg));
  return unavailable(std::move(msg));
}

}  // namespace

Status readFileInto(const std::string& path, std::string* out) {
  out->clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError("read", path, errno);
  // /proc and /sys files report a size of 0 or 4096: read until EOF.
  size_t chunk = 4096;
  while (true) {
    size_t old = out->size();
    if (old + chunk > kMaxProcFileBytes) {
      ::close(fd);
      return outOfRange("read " + path + ": larger than " + std::to_string(kMaxProcFileBytes) +
                        " bytes");
    }
    out->resize(old + chunk);
    ssize_t n = ::read(fd, out->data() + old, chunk);
    if (n < 0) {
      if (errno == EINTR) {
        out->resize(old);
        continue;
      }
      int err = errno;
      ::close(fd);
      out->clear();
      return ioError("read", path, err);
    }
    out->resize(old + static_cast<size_t>(n));
    if (n == 0) break;
    if (chunk < 65536) chunk *= 2;
  }
  ::close(fd);
  return Status::ok();
}

Result<std::string> readFile(const std::string& path) {
  std::string s;
  SEXTANT_RETURN_IF_ERROR(readFileInto(path, &s));
  return s;
}

Result<std::string> readTrimmedFile(const std::string& path) {
  Result<std::string> r = readFile(path);
  if (!r.isOk()) return r.status();
  return std::string(trimSpace(*r));
}

Result<int64_t> readInt64File(const std::string& path) {
  Result<std::string> r = readFile(path);
  if (!r.isOk()) return r.status();
  int64_t v = 0;
  std::string_view t = trimSpace(*r);
  if (!parseInt64(t, &v)) return garbled(path, 1, "not an integer", t);
  return v;
}

Result<uint64_t> readUint64File(const std::string& path) {
  Result<std::string> r = readFile(path);
  if (!r.isOk()) return r.status();
  uint64_t v = 0;
  std::string_view t = trimSpace(*r);
  if (!parseUint64(t, &v)) return garbled(path, 1, "not an unsigned integer", t);
  return v;
}

bool pathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool isDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status listDirectory(const std::string& path, std::vector<DirEntry>* out) {
  out->clear();
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return ioError("list", path, errno);
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    DirEntry entry;
    entry.name = std::string(name);
    if (e->d_type == DT_DIR) {
      entry.is_dir = true;
    } else if (e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) {
      entry.is_dir = isDirectory(HostPaths::join(path, name));
    }
    out->push_back(std::move(entry));
  }
  ::closedir(dir);
  return Status::ok();
}

std::string_view trimSpace(std::string_view s) {
  size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t' || s[b] == '\n' || s[b] == '\r')) ++b;
  size_t e = s.size();
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' || s[e - 1] == '\r')) {
    --e;
  }
  return s.substr(b, e - b);
}

void splitFields(std::string_view line, std::vector<std::string_view>* out) {
  out->clear();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out->push_back(line.substr(start, i - start));
  }
}

bool parseUint64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parseHexUint64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

Status garbled(std::string_view file, size_t line_no, std::string_view what,
               std::string_view text) {
  if (text.size() > 80) text = text.substr(0, 80);
  return invalidArgument(std::string(file) + ": line " + std::to_string(line_no) + ": " +
                         std::string(what) + " '" + std::string(text) + "'");
}

int64_t unixSeconds(int64_t time_ns) {
  int64_t s = time_ns / 1000000000;
  if (time_ns % 1000000000 < 0) --s;
  return s;
}

}  // namespace sextant::agent::inputs
