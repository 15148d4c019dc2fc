// [[inputs.diskio]] -> DiskioInput (see host_plugins.h).
#include "agent/inputs/host_plugins.h"

namespace sextant::agent::inputs {

Result<DiskioConfig> parseDiskioConfig(const config::ConfigTable& t, const EnvMap& env) {
  DiskioConfig c;
  SEXTANT_RETURN_IF_ERROR(t.get("interval", &c.interval));
  SEXTANT_RETURN_IF_ERROR(t.get("devices", &c.devices));
  SEXTANT_RETURN_IF_ERROR(checkRegexes(c.devices, t.where("devices")));
  SEXTANT_RETURN_IF_ERROR(t.get("device_tags", &c.device_tags));
  SEXTANT_RETURN_IF_ERROR(t.get("name_templates", &c.name_templates));
  SEXTANT_RETURN_IF_ERROR(t.get("skip_serial_number", &c.skip_serial_number));
  SEXTANT_RETURN_IF_ERROR(t.get("tags", &c.tags));

  EnvOverrides e("diskio", env);
  SEXTANT_RETURN_IF_ERROR(e.boolean("SKIP_SERIAL_NUMBER", &c.skip_serial_number));
  e.tags("TAGS", &c.tags);
  SEXTANT_RETURN_IF_ERROR(e.duration("INTERVAL", &c.interval));
  std::vector<std::string> env_devices;
  e.appendList("DEVICES", &env_devices);
  SEXTANT_RETURN_IF_ERROR(checkRegexes(env_devices, e.variable("DEVICES")));
  c.devices.insert(c.devices.end(), env_devices.begin(), env_devices.end());
  e.appendList("DEVICE_TAGS", &c.device_tags);
  e.appendList("NAME_TEMPLATES", &c.name_templates);
  return c;
}

void registerDiskioInput(std::vector<InputFactory>* list) {
  list->push_back(
      hostInputFactory<DiskioInput>("diskio", model::Category::kMetric, parseDiskioConfig));
}

}  // namespace sextant::agent::inputs
