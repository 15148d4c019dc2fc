// [[inputs.cpu]] -> CpuInput (see host_plugins.h).
#include "agent/inputs/host_plugins.h"

namespace sextant::agent::inputs {

Result<CpuConfig> parseCpuConfig(const config::ConfigTable& t, const EnvMap& env) {
  CpuConfig c;
  SEXTANT_RETURN_IF_ERROR(t.get("interval", &c.interval));
  SEXTANT_RETURN_IF_ERROR(t.get("percpu", &c.percpu));
  SEXTANT_RETURN_IF_ERROR(t.get("enable_temperature", &c.enable_temperature));
  SEXTANT_RETURN_IF_ERROR(t.get("enable_load5s", &c.enable_load5s));
  bool disable_temperature = false;  // deprecated; true turns temperature off
  SEXTANT_RETURN_IF_ERROR(t.get("disable_temperature_collect", &disable_temperature));
  SEXTANT_RETURN_IF_ERROR(t.get("tags", &c.tags));

  EnvOverrides e("cpu", env);
  SEXTANT_RETURN_IF_ERROR(e.boolean("PERCPU", &c.percpu));
  SEXTANT_RETURN_IF_ERROR(e.boolean("ENABLE_TEMPERATURE", &c.enable_temperature));
  e.tags("TAGS", &c.tags);
  SEXTANT_RETURN_IF_ERROR(e.duration("INTERVAL", &c.interval));
  e.nonEmptyTrue("DISABLE_TEMPERATURE_COLLECT", &disable_temperature);
  e.nonEmptyTrue("ENABLE_LOAD5S", &c.enable_load5s);
  if (disable_temperature) c.enable_temperature = false;
  return c;
}

void registerCpuInput(std::vector<InputFactory>* list) {
  list->push_back(hostInputFactory<CpuInput>("cpu", model::Category::kMetric, parseCpuConfig));
}

}  // namespace sextant::agent::inputs
