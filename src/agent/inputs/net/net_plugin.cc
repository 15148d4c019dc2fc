// [[inputs.net]] -> NetInput (see host_plugins.h).
#include "agent/inputs/host_plugins.h"

namespace sextant::agent::inputs {

Result<NetConfig> parseNetConfig(const config::ConfigTable& t, const EnvMap& env) {
  NetConfig c;
  SEXTANT_RETURN_IF_ERROR(t.get("interval", &c.interval));
  SEXTANT_RETURN_IF_ERROR(t.get("interfaces", &c.interfaces));
  SEXTANT_RETURN_IF_ERROR(checkRegexes(c.interfaces, t.where("interfaces")));
  SEXTANT_RETURN_IF_ERROR(t.get("enable_virtual_interfaces", &c.enable_virtual_interfaces));
  SEXTANT_RETURN_IF_ERROR(t.get("ignore_protocol_stats", &c.ignore_protocol_stats));
  SEXTANT_RETURN_IF_ERROR(t.get("tags", &c.tags));

  EnvOverrides e("net", env);
  SEXTANT_RETURN_IF_ERROR(e.boolean("IGNORE_PROTOCOL_STATS", &c.ignore_protocol_stats));
  SEXTANT_RETURN_IF_ERROR(e.boolean("ENABLE_VIRTUAL_INTERFACES", &c.enable_virtual_interfaces));
  e.tags("TAGS", &c.tags);
  SEXTANT_RETURN_IF_ERROR(e.duration("INTERVAL", &c.interval));
  std::vector<std::string> env_interfaces;
  e.appendList("INTERFACES", &env_interfaces);
  SEXTANT_RETURN_IF_ERROR(checkRegexes(env_interfaces, e.variable("INTERFACES")));
  c.interfaces.insert(c.interfaces.end(), env_interfaces.begin(), env_interfaces.end());
  return c;
}

void registerNetInput(std::vector<InputFactory>* list) {
  list->push_back(hostInputFactory<NetInput>("net", model::Category::kMetric, parseNetConfig));
}

}  // namespace sextant::agent::inputs
