// [[inputs.system]] -> SystemInput (see host_plugins.h).
#include "agent/inputs/host_plugins.h"

namespace sextant::agent::inputs {

Result<SystemConfig> parseSystemConfig(const config::ConfigTable& t, const EnvMap& env) {
  return parseIntervalAndTags<SystemConfig>("system", t, env);
}

void registerSystemInput(std::vector<InputFactory>* list) {
  list->push_back(
      hostInputFactory<SystemInput>("system", model::Category::kMetric, parseSystemConfig));
}

}  // namespace sextant::agent::inputs
