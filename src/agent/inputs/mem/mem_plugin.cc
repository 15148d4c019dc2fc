// [[inputs.mem]] -> MemInput (see host_plugins.h).
#include "agent/inputs/host_plugins.h"

namespace sextant::agent::inputs {

Result<MemConfig> parseMemConfig(const config::ConfigTable& t, const EnvMap& env) {
  return parseIntervalAndTags<MemConfig>("mem", t, env);
}

void registerMemInput(std::vector<InputFactory>* list) {
  list->push_back(hostInputFactory<MemInput>("mem", model::Category::kMetric, parseMemConfig));
}

}  // namespace sextant::agent::inputs
