#include "agent/inputs/prom/prom_template.h"

namespace sextant::agent::inputs::prom {

namespace {

std::string replaceAll(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (;;) {
    size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace

std::string expandPromInstancesTemplate(std::string_view toml, const PodFacts& pod) {
  std::string s = replaceAll(toml, "$IP", pod.ip);
  s = replaceAll(s, "$NAMESPACE", pod.ns);
  s = replaceAll(s, "$PODNAME", pod.name);
  return replaceAll(s, "$NODENAME", pod.node_name);
}

}  // namespace sextant::agent::inputs::prom
