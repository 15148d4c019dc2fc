#include "agent/inputs/host_common/host_paths.h"

#include <cstdlib>

namespace sextant::agent::inputs {

HostPaths HostPaths::fromEnv() {
  return fromEnv([](const char* name) -> const char* { return std::getenv(name); });
}

HostPaths HostPaths::fromEnv(const std::function<const char*(const char*)>& getenv) {
  HostPaths p;
  auto set = [&](const char* name, std::string* field) {
    const char* v = getenv(name);
    if (v != nullptr && *v != '\0') *field = v;
  };
  set("HOST_PROC", &p.proc);
  set("HOST_SYS", &p.sys);
  set("HOST_ETC", &p.etc);
  set("HOST_VAR", &p.var);
  set("HOST_RUN", &p.run);
  set("HOST_ROOT", &p.root);
  set("ENV_HOST_ROOT", &p.root);
  return p;
}

HostPaths HostPaths::underRoot(std::string_view dir) {
  HostPaths p;
  p.proc = join(dir, "proc");
  p.sys = join(dir, "sys");
  p.etc = join(dir, "etc");
  p.var = join(dir, "var");
  p.run = join(dir, "run");
  p.root = std::string(dir);
  return p;
}

std::string HostPaths::join(std::string_view dir, std::string_view rel) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  std::string out(dir);
  if (rel.empty()) return out;
  if (out.empty() || out.back() != '/') out.push_back('/');
  out.append(rel);
  return out;
}

}  // namespace sextant::agent::inputs
