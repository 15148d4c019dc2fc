// [[inputs.swap]] -> SwapInput (see host_plugins.h).
#include "agent/inputs/host_plugins.h"

namespace sextant::agent::inputs {

Result<SwapConfig> parseSwapConfig(const config::ConfigTable& t, const EnvMap& env) {
  return parseIntervalAndTags<SwapConfig>("swap", t, env);
}

void registerSwapInput(std::vector<InputFactory>* list) {
  list->push_back(hostInputFactory<SwapInput>("swap", model::Category::kMetric, parseSwapConfig));
}

}  // namespace sextant::agent::inputs
