// HostPaths: where the host inputs find the host's /proc, /sys, /etc, /var, /run and root
// filesystem.
//
// On a plain host every path is the usual one. In a container (DataKit's DaemonSet mounts the
// host at /rootfs) the environment says where the host's trees are: HOST_PROC, HOST_SYS,
// HOST_ETC, HOST_VAR, HOST_RUN and HOST_ROOT (ENV_HOST_ROOT wins over HOST_ROOT, as in DataKit's
// disk input). Every file a host input reads goes through these paths, so tests point them at
// recorded trees under testdata/.
// Plain value type; thread-safe to read.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace sextant::agent::inputs {

struct HostPaths {
  std::string proc = "/proc";
  std::string sys = "/sys";
  std::string etc = "/etc";
  std::string var = "/var";
  std::string run = "/run";
  std::string root = "/";

  // The defaults overridden by the HOST_* variables that are set and non-empty.
  static HostPaths fromEnv();
  // Same, reading variables through `getenv` (returns nullptr when unset), for tests.
  static HostPaths fromEnv(const std::function<const char*(const char*)>& getenv);
  // A recorded tree: dir/proc, dir/sys, dir/etc, dir/var, dir/run, and root = dir.
  static HostPaths underRoot(std::string_view dir);

  // proc + "/" + rel (rel without a leading '/'), and the same for the other trees.
  std::string procFile(std::string_view rel) const { return join(proc, rel); }
  std::string sysFile(std::string_view rel) const { return join(sys, rel); }
  std::string etcFile(std::string_view rel) const { return join(etc, rel); }
  std::string varFile(std::string_view rel) const { return join(var, rel); }
  std::string runFile(std::string_view rel) const { return join(run, rel); }

  // True when root is not "/" (the host is mounted somewhere in our filesystem).
  bool hasHostRoot() const { return !root.empty() && root != "/"; }

  static std::string join(std::string_view dir, std::string_view rel);
};

}  // namespace sextant::agent::inputs
