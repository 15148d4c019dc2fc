// The one explicit list of every input Sextant has (no static-initialisation registration).
// Add a new input's register<Name>Input() call here.
#include "agent/inputs/gitlab/gitlab_input.h"
#include "agent/inputs/host_plugins.h"
#include "agent/inputs/logging/logging_input.h"
#include "agent/inputs/opentelemetry/otel_input.h"
#include "agent/inputs/prom/prom_input.h"
#include "agent/inputs/rum/rum_input.h"
#include "agent/inputs/zipkin/zipkin_input.h"
#include "agent/runtime/input.h"

namespace sextant::agent {

const std::vector<InputFactory>& inputRegistry() {
  static const std::vector<InputFactory> registry = [] {
    std::vector<InputFactory> all;
    std::vector<InputFactory>* list = &all;
    inputs::registerCpuInput(list);
    inputs::registerMemInput(list);
    inputs::registerSwapInput(list);
    inputs::registerSystemInput(list);
    inputs::registerDiskInput(list);
    inputs::registerDiskioInput(list);
    inputs::registerNetInput(list);
    inputs::registerHostObjectInput(list);
    inputs::prom::registerPromInput(list);
    inputs::zipkin::registerZipkinInput(list);
    inputs::opentelemetry::registerOpenTelemetryInput(list);
    inputs::logging::registerLoggingInput(list);
    inputs::gitlab::registerGitlabInput(list);
    inputs::rum::registerRumInput(list);
    return all;
  }();
  return registry;
}

const InputFactory* findInput(std::string_view name) {
  for (const InputFactory& f : inputRegistry()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace sextant::agent
