#include "agent/inputs/host_common/mounts.h"

#include <strings.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "agent/inputs/host_common/proc_file.h"

namespace sextant::agent::inputs {

namespace {

// Decodes the \ooo escapes the kernel writes for space, tab, newline and backslash.
std::string unescapeOctal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// "/rootfs/dev/vda" -> "/dev/vda", "/rootfs" -> "/" (root without a trailing '/').
std::string trimRoot(std::string_view root, std::string_view path) {
  if (root.empty() || path.substr(0, root.size()) != root) return std::string(path);
  if (path.size() == root.size()) return "/";
  if (path[root.size()] != '/') return std::string(path);
  return std::string(path.substr(root.size()));
}

bool parseDeviceNumber(std::string_view s, uint32_t* major, uint32_t* minor) {
  size_t colon = s.find(':');
  uint64_t ma = 0;
  uint64_t mi = 0;
  if (colon == std::string_view::npos || !parseUint64(s.substr(0, colon), &ma) ||
      !parseUint64(s.substr(colon + 1), &mi) || ma > UINT32_MAX || mi > UINT32_MAX) {
    return false;
  }
  *major = static_cast<uint32_t>(ma);
  *minor = static_cast<uint32_t>(mi);
  return true;
}

std::string baseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// gopsutil's device fix-ups: /dev/mapper/<x> becomes the device node it links to (/dev/dm-0),
// /dev/root the device its major:minor names in /sys/dev/block.
void resolveDevice(const HostPaths& paths, std::string_view root, MountEntry* m) {
  if (m->device.rfind("/dev/mapper/", 0) == 0) {
    std::string link = HostPaths::join(paths.root, m->device);
    char buf[PATH_MAX];
    if (::realpath(link.c_str(), buf) != nullptr) m->device = trimRoot(root, buf);
  } else if (m->device == "/dev/root" && (m->major != 0 || m->minor != 0)) {
    std::string link =
        paths.sysFile("dev/block/" + std::to_string(m->major) + ":" + std::to_string(m->minor));
    char buf[PATH_MAX];
    ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
    if (n > 0) m->device = "/dev/" + baseName(std::string_view(buf, static_cast<size_t>(n)));
  }
}

}  // namespace

Status parseMountinfo(std::string_view text, std::string_view file, std::vector<MountEntry>* out) {
  out->clear();
  std::vector<std::string_view> f;
  return parseLines(text, [&](size_t line_no, std::string_view line) -> Status {
    splitFields(line, &f);
    if (f.empty()) return Status::ok();
    size_t sep = 6;  // the "-" ending the optional fields
    while (sep < f.size() && f[sep] != "-") ++sep;
    MountEntry m;
    if (f.size() < 10 || sep + 2 >= f.size() || !parseDeviceNumber(f[2], &m.major, &m.minor)) {
      return garbled(file, line_no, "not a mountinfo line", line);
    }
    m.mount_point = unescapeOctal(f[4]);
    m.fstype = unescapeOctal(f[sep + 1]);
    m.device = unescapeOctal(f[sep + 2]);
    out->push_back(std::move(m));
    return Status::ok();
  });
}

Status parseProcMounts(std::string_view text, std::string_view file, std::vector<MountEntry>* out) {
  out->clear();
  std::vector<std::string_view> f;
  return parseLines(text, [&](size_t line_no, std::string_view line) -> Status {
    splitFields(line, &f);
    if (f.empty()) return Status::ok();
    if (f.size() < 4) return garbled(file, line_no, "not a mounts line", line);
    MountEntry m;
    m.device = unescapeOctal(f[0]);
    m.mount_point = unescapeOctal(f[1]);
    m.fstype = unescapeOctal(f[2]);
    out->push_back(std::move(m));
    return Status::ok();
  });
}

Status readMounts(const HostPaths& paths, std::vector<MountEntry>* out) {
  std::string path = paths.procFile("self/mountinfo");
  Result<std::string> text = readFile(path);
  if (text.isOk()) {
    SEXTANT_RETURN_IF_ERROR(parseMountinfo(*text, path, out));
  } else if (text.status().code() == StatusCode::kNotFound) {
    path = paths.procFile("mounts");
    text = readFile(path);
    if (!text.isOk()) return text.status();
    SEXTANT_RETURN_IF_ERROR(parseProcMounts(*text, path, out));
  } else {
    return text.status();
  }
  std::string_view root = paths.hasHostRoot() ? std::string_view(paths.root) : std::string_view();
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  for (MountEntry& m : *out) {
    m.stat_path = m.mount_point;
    m.device = trimRoot(root, m.device);
    m.mount_point = trimRoot(root, m.mount_point);
    resolveDevice(paths, root, &m);
  }
  return Status::ok();
}

Status readNodevFilesystems(const HostPaths& paths, std::set<std::string>* out) {
  out->clear();
  std::string path = paths.procFile("filesystems");
  Result<std::string> text = readFile(path);
  if (!text.isOk()) return text.status();
  std::vector<std::string_view> f;
  forEachLine(*text, [&](std::string_view line) {
    splitFields(line, &f);
    if (f.size() == 2 && f[0] == "nodev") out->insert(std::string(f[1]));
  });
  return Status::ok();
}

bool deviceSelected(std::string_view device, const std::vector<std::string>& extra_device,
                    const std::vector<std::string>& exclude_device) {
  auto listed = [&](const std::vector<std::string>& list) {
    for (const std::string& d : list) {
      if (d.size() == device.size() && ::strncasecmp(d.data(), device.data(), d.size()) == 0) {
        return true;
      }
    }
    return false;
  };
  if (device.rfind("/dev/", 0) != 0 && !listed(extra_device)) return false;
  return !listed(exclude_device);
}

Status statFs(const std::string& path, FsStat* out) {
  struct statfs st;
  if (::statfs(path.c_str(), &st) != 0) {
    int err = errno;
    std::string msg = "statfs " + path + ": " + std::strerror(err);
    return err == ENOENT ? notFound(std::move(msg)) : unavailable(std::move(msg));
  }
  out->blocks = static_cast<uint64_t>(st.f_blocks);
  out->blocks_free = static_cast<uint64_t>(st.f_bfree);
  out->blocks_avail = static_cast<uint64_t>(st.f_bavail);
  out->block_size = static_cast<uint64_t>(st.f_bsize);
  out->files = static_cast<uint64_t>(st.f_files);
  out->files_free = static_cast<uint64_t>(st.f_ffree);
  return Status::ok();
}

FsUsage fsUsage(const FsStat& st) {
  FsUsage u;
  u.total = st.blocks * st.block_size;
  u.free = st.blocks_avail * st.block_size;
  u.inodes_total = st.files;
  u.inodes_free = st.files_free;
  if (u.inodes_total < u.inodes_free) return u;  // gopsutil gives up on the rest here
  u.inodes_used = u.inodes_total - u.inodes_free;
  u.used = st.blocks >= st.blocks_free ? (st.blocks - st.blocks_free) * st.block_size : 0;
  if (u.inodes_total != 0) {
    u.inodes_used_percent =
        static_cast<double>(u.inodes_used) / static_cast<double>(u.inodes_total) * 100.0;
  }
  return u;
}

}  // namespace sextant::agent::inputs
