// Helpers the host inputs' Input adapters share: reading DataKit's ENV_INPUT_<NAME>_<KEY>
// overrides (container mode) with DataKit's parsing rules, checking regular expressions with
// errors that name the config key or variable, and HostInput<T>, the adapter that turns a host
// collector (CpuInput, MemInput, ...) into an agent Input.
// Free functions and value types; thread-safety as each says.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/runtime/input.h"
#include "config/config_table.h"
#include "core/status.h"
#include "model/category.h"

namespace sextant::agent::inputs {

// An input's ENV_INPUT_<NAME>_<KEY> values keyed by KEY (InputEnv::env).
using EnvMap = std::map<std::string, std::string>;

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
Result<bool> parseGoBool(std::string_view s);

// DataKit's config.ParseGlobalTags ("k1=v1,k2=v2"): pairs split on ',', then on '='; an item
// without exactly one '=' is skipped; keys and values are trimmed of spaces.
std::map<std::string, std::string> parseTagList(std::string_view s);

// Reads one input's overrides from InputEnv::env (keyed by KEY, without the ENV_INPUT_<NAME>_
// prefix). A value that does not parse is InvalidArgument naming the variable
// ("ENV_INPUT_CPU_PERCPU: bad bool 'yes'"). Absent variables leave *out unchanged.
// Plain value borrowing the map; thread-compatible.
class EnvOverrides {
 public:
  EnvOverrides(std::string_view input, const EnvMap& env);

  // "ENV_INPUT_CPU_" + key.
  std::string variable(std::string_view key) const;
  bool has(std::string_view key) const;

  // strconv.ParseBool.
  Status boolean(std::string_view key, bool* out) const;
  // DataKit's "any non-empty string is true" switches (ENV_INPUT_CPU_ENABLE_LOAD5S).
  void nonEmptyTrue(std::string_view key, bool* out) const;
  // time.ParseDuration (Go-style "10s").
  Status duration(std::string_view key, std::chrono::nanoseconds* out) const;
  // "k=v,k2=v2": each pair overrides the config file's tag of that key.
  void tags(std::string_view key, std::map<std::string, std::string>* out) const;
  // A comma-separated list appended to *out (empty items skipped).
  void appendList(std::string_view key, std::vector<std::string>* out) const;
  // The value replaces *out when non-empty.
  void nonEmptyString(std::string_view key, std::string* out) const;

 private:
  const std::string* find(std::string_view key) const;

  std::string prefix_;
  const EnvMap& env_;
};

// Checks that every expression in `exprs` compiles (RE2, Go syntax); the error starts with
// `where` ("cpu.conf:3: [inputs.net] interfaces" or "ENV_INPUT_NET_INTERFACES").
Status checkRegexes(const std::vector<std::string>& exprs, const std::string& where);

// HostInput: an Input over one host collector (any type with config().interval and
// collect(now_ns, out)). Owns the collector. Used from one thread at a time, like the collector.
template <typename Collector>
class HostInput final : public Input {
 public:
  HostInput(std::string name, model::Category category, Collector collector)
      : name_(std::move(name)), category_(category), collector_(std::move(collector)) {}

  std::string_view name() const override { return name_; }
  model::Category category() const override { return category_; }
  std::chrono::nanoseconds interval() const override { return collector_.config().interval; }
  Status collect(int64_t now_ns, std::vector<model::Point>* out) override {
    return collector_.collect(now_ns, out);
  }

  Collector& collector() { return collector_; }

 private:
  std::string name_;
  model::Category category_;
  Collector collector_;
};

// Builds a HostInput from a parsed config and the collector's create(config, paths).
template <typename Collector, typename Config>
Result<std::unique_ptr<Input>> makeHostInput(std::string name, model::Category category,
                                             Result<Config> config, const HostPaths& paths) {
  if (!config.isOk()) return config.status();
  Result<Collector> collector = Collector::create(std::move(*config), paths);
  if (!collector.isOk()) return collector.status();
  return std::unique_ptr<Input>(
      new HostInput<Collector>(std::move(name), category, std::move(*collector)));
}

// The InputFactory of a host collector: `parse` reads the table and env.env into its config,
// then makeHostInput() builds it over env.host_paths.
template <typename Collector, typename Config>
InputFactory hostInputFactory(std::string name, model::Category category,
                              Result<Config> (*parse)(const config::ConfigTable&, const EnvMap&)) {
  return InputFactory{
      name, [name, category, parse](const config::ConfigTable& table, const InputEnv& env) {
        return makeHostInput<Collector>(name, category, parse(table, env.env), env.host_paths);
      }};
}

// For inputs whose only keys are `interval` and `[inputs.<name>.tags]` (mem, swap, system):
// reads them from the table, then ENV_INPUT_<NAME>_TAGS and _INTERVAL.
template <typename Config>
Result<Config> parseIntervalAndTags(std::string_view input, const config::ConfigTable& t,
                                    const EnvMap& env) {
  Config c;
  SEXTANT_RETURN_IF_ERROR(t.get("interval", &c.interval));
  SEXTANT_RETURN_IF_ERROR(t.get("tags", &c.tags));
  EnvOverrides e(input, env);
  e.tags("TAGS", &c.tags);
  SEXTANT_RETURN_IF_ERROR(e.duration("INTERVAL", &c.interval));
  return c;
}

}  // namespace sextant::agent::inputs
