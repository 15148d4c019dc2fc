// [[inputs.disk]] -> DiskInput (see host_plugins.h).
#include "agent/inputs/host_plugins.h"

namespace sextant::agent::inputs {

Result<DiskConfig> parseDiskConfig(const config::ConfigTable& t, const EnvMap& env) {
  DiskConfig c;
  SEXTANT_RETURN_IF_ERROR(t.get("interval", &c.interval));
  SEXTANT_RETURN_IF_ERROR(t.get("only_physical_device", &c.only_physical_device));
  SEXTANT_RETURN_IF_ERROR(t.get("merge_on_device", &c.merge_on_device));
  SEXTANT_RETURN_IF_ERROR(t.get("extra_device", &c.extra_device));
  SEXTANT_RETURN_IF_ERROR(t.get("exclude_device", &c.exclude_device));
  SEXTANT_RETURN_IF_ERROR(t.get("ignore_fstypes", &c.ignore_fstypes));
  SEXTANT_RETURN_IF_ERROR(checkRegexes({c.ignore_fstypes}, t.where("ignore_fstypes")));
  SEXTANT_RETURN_IF_ERROR(t.get("ignore_mountpoints", &c.ignore_mountpoints));
  SEXTANT_RETURN_IF_ERROR(checkRegexes({c.ignore_mountpoints}, t.where("ignore_mountpoints")));
  SEXTANT_RETURN_IF_ERROR(t.get("tags", &c.tags));

  EnvOverrides e("disk", env);
  e.appendList("EXTRA_DEVICE", &c.extra_device);
  e.appendList("EXCLUDE_DEVICE", &c.exclude_device);
  e.tags("TAGS", &c.tags);
  SEXTANT_RETURN_IF_ERROR(e.duration("INTERVAL", &c.interval));
  e.nonEmptyString("IGNORE_FSTYPES", &c.ignore_fstypes);
  SEXTANT_RETURN_IF_ERROR(checkRegexes({c.ignore_fstypes}, e.variable("IGNORE_FSTYPES")));
  e.nonEmptyString("IGNORE_MOUNTPOINTS", &c.ignore_mountpoints);
  SEXTANT_RETURN_IF_ERROR(checkRegexes({c.ignore_mountpoints}, e.variable("IGNORE_MOUNTPOINTS")));
  return c;
}

void registerDiskInput(std::vector<InputFactory>* list) {
  list->push_back(hostInputFactory<DiskInput>("disk", model::Category::kMetric, parseDiskConfig));
}

}  // namespace sextant::agent::inputs
