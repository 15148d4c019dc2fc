// The default host inputs as agent Inputs: for each, the parser of its [[inputs.<name>]] table
// (DataKit's keys and defaults, then the ENV_INPUT_<NAME>_<KEY> overrides DataKit's ReadEnv
// reads in container mode) and the function that adds its InputFactory to the registration
// list (registry.cc). The Input is a HostInput over the collector (host_common/plugin_util.h),
// or for hostobject one that also refreshes the agent's facts; the collectors add
// [inputs.<name>.tags] to every point without overriding their own tags.
//
// Parse errors are ConfigTable's ("cpu.conf:3: [inputs.cpu] percpu: ...") or name the variable
// ("ENV_INPUT_CPU_PERCPU: bad bool 'yes'"). Keys DataKit accepts that these inputs do not use
// (hostobject's cloud_meta_url, disk's use_nsenter, ...) are ignored, as DataKit ignores unknown
// keys. `env` holds KEY -> value without the ENV_INPUT_<NAME>_ prefix.
// Free functions; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/inputs/cpu/cpu_input.h"
#include "agent/inputs/disk/disk_input.h"
#include "agent/inputs/diskio/diskio_input.h"
#include "agent/inputs/host_common/plugin_util.h"
#include "agent/inputs/hostobject/hostobject_input.h"
#include "agent/inputs/mem/mem_input.h"
#include "agent/inputs/net/net_input.h"
#include "agent/inputs/swap/swap_input.h"
#include "agent/inputs/system/system_input.h"
#include "agent/runtime/input.h"
#include "config/config_table.h"

namespace sextant::agent::inputs {

Result<CpuConfig> parseCpuConfig(const config::ConfigTable& table, const EnvMap& env);
Result<MemConfig> parseMemConfig(const config::ConfigTable& table, const EnvMap& env);
Result<SwapConfig> parseSwapConfig(const config::ConfigTable& table, const EnvMap& env);
Result<SystemConfig> parseSystemConfig(const config::ConfigTable& table, const EnvMap& env);
Result<DiskConfig> parseDiskConfig(const config::ConfigTable& table, const EnvMap& env);
Result<DiskioConfig> parseDiskioConfig(const config::ConfigTable& table, const EnvMap& env);
Result<NetConfig> parseNetConfig(const config::ConfigTable& table, const EnvMap& env);
Result<HostObjectConfig> parseHostObjectConfig(const config::ConfigTable& table, const EnvMap& env);

// The hostobject Input with a source of the agent's facts (hostname, version, election state,
// the runner's collectors...) for the HOST object; `agent_info` is called before each collection
// on the collecting thread (null: AgentInfo's defaults). The registry's factory passes null; the
// agent creates "hostobject" with this instead.
using AgentInfoFn = std::function<AgentInfo()>;
Result<std::unique_ptr<Input>> createHostObjectInput(const config::ConfigTable& table,
                                                     const InputEnv& env, AgentInfoFn agent_info);

void registerCpuInput(std::vector<InputFactory>* list);
void registerMemInput(std::vector<InputFactory>* list);
void registerSwapInput(std::vector<InputFactory>* list);
void registerSystemInput(std::vector<InputFactory>* list);
void registerDiskInput(std::vector<InputFactory>* list);
void registerDiskioInput(std::vector<InputFactory>* list);
void registerNetInput(std::vector<InputFactory>* list);
void registerHostObjectInput(std::vector<InputFactory>* list);

}  // namespace sextant::agent::inputs
