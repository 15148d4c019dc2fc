// [inputs.hostobject] -> HostObjectInput (see host_plugins.h).
#include <utility>

#include "agent/inputs/host_plugins.h"

namespace sextant::agent::inputs {

Result<HostObjectConfig> parseHostObjectConfig(const config::ConfigTable& t, const EnvMap& env) {
  HostObjectConfig c;
  SEXTANT_RETURN_IF_ERROR(t.get("interval", &c.interval));
  SEXTANT_RETURN_IF_ERROR(t.get("enable_net_virtual_interfaces", &c.enable_net_virtual_interfaces));
  SEXTANT_RETURN_IF_ERROR(t.get("ignore_zero_bytes_disk", &c.ignore_zero_bytes_disk));
  SEXTANT_RETURN_IF_ERROR(t.get("only_physical_device", &c.only_physical_device));
  SEXTANT_RETURN_IF_ERROR(t.get("merge_on_device", &c.merge_on_device));
  SEXTANT_RETURN_IF_ERROR(t.get("extra_device", &c.extra_device));
  SEXTANT_RETURN_IF_ERROR(t.get("exclude_device", &c.exclude_device));
  SEXTANT_RETURN_IF_ERROR(t.get("tags", &c.tags));

  EnvOverrides e("hostobject", env);
  SEXTANT_RETURN_IF_ERROR(
      e.boolean("ENABLE_NET_VIRTUAL_INTERFACES", &c.enable_net_virtual_interfaces));
  e.appendList("EXTRA_DEVICE", &c.extra_device);
  e.appendList("EXCLUDE_DEVICE", &c.exclude_device);
  // DataKit maps ENV_INPUT_HOSTOBJECT_ENABLE_ZERO_BYTES_DISK onto ignore_zero_bytes_disk as is
  // (true ignores zero-byte disks); kept for identical behaviour.
  SEXTANT_RETURN_IF_ERROR(e.boolean("ENABLE_ZERO_BYTES_DISK", &c.ignore_zero_bytes_disk));
  e.tags("TAGS", &c.tags);
  return c;
}

namespace {

// The HOST object input: refreshes the agent's facts before each collection, on the collecting
// thread (so the collector is never touched from two threads).
class HostObjectPlugin final : public Input {
 public:
  HostObjectPlugin(HostObjectInput collector, AgentInfoFn agent_info)
      : collector_(std::move(collector)), agent_info_(std::move(agent_info)) {}

  std::string_view name() const override { return "hostobject"; }
  model::Category category() const override { return model::Category::kObject; }
  std::chrono::nanoseconds interval() const override { return collector_.config().interval; }
  Status collect(int64_t now_ns, std::vector<model::Point>* out) override {
    if (agent_info_) collector_.setAgentInfo(agent_info_());
    return collector_.collect(now_ns, out);
  }

 private:
  HostObjectInput collector_;
  AgentInfoFn agent_info_;
};

}  // namespace

Result<std::unique_ptr<Input>> createHostObjectInput(const config::ConfigTable& table,
                                                     const InputEnv& env, AgentInfoFn agent_info) {
  Result<HostObjectConfig> config = parseHostObjectConfig(table, env.env);
  if (!config.isOk()) return config.status();
  Result<HostObjectInput> collector = HostObjectInput::create(std::move(*config), env.host_paths);
  if (!collector.isOk()) return collector.status();
  return std::unique_ptr<Input>(new HostObjectPlugin(std::move(*collector), std::move(agent_info)));
}

void registerHostObjectInput(std::vector<InputFactory>* list) {
  list->push_back({"hostobject", [](const config::ConfigTable& table, const InputEnv& env) {
                     return createHostObjectInput(table, env, nullptr);
                   }});
}

}  // namespace sextant::agent::inputs
