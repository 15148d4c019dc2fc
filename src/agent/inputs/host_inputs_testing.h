// AllHostInputs (test and bench only, header-only): every default host input with its default
// config over one HostPaths, collected together, as an idle agent does every interval.
// Thread-safety: one thread at a time, like the inputs it holds.
#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "agent/inputs/cpu/cpu_input.h"
#include "agent/inputs/disk/disk_input.h"
#include "agent/inputs/diskio/diskio_input.h"
#include "agent/inputs/hostobject/hostobject_input.h"
#include "agent/inputs/mem/mem_input.h"
#include "agent/inputs/net/net_input.h"
#include "agent/inputs/swap/swap_input.h"
#include "agent/inputs/system/system_input.h"

namespace sextant::agent::inputs::testing {

class AllHostInputs {
 public:
  static Result<AllHostInputs> create(const HostPaths& paths) {
    AllHostInputs all;
    SEXTANT_RETURN_IF_ERROR(all.add(CpuInput::create(CpuConfig{}, paths)));
    SEXTANT_RETURN_IF_ERROR(all.add(MemInput::create(MemConfig{}, paths)));
    SEXTANT_RETURN_IF_ERROR(all.add(SwapInput::create(SwapConfig{}, paths)));
    SEXTANT_RETURN_IF_ERROR(all.add(SystemInput::create(SystemConfig{}, paths)));
    SEXTANT_RETURN_IF_ERROR(all.add(DiskInput::create(DiskConfig{}, paths)));
    SEXTANT_RETURN_IF_ERROR(all.add(DiskioInput::create(DiskioConfig{}, paths)));
    SEXTANT_RETURN_IF_ERROR(all.add(NetInput::create(NetConfig{}, paths)));
    SEXTANT_RETURN_IF_ERROR(all.add(HostObjectInput::create(HostObjectConfig{}, paths)));
    return all;
  }

  // Collects every input into *out; returns the first error after trying them all.
  Status collect(int64_t now_ns, std::vector<model::Point>* out) {
    Status first;
    for (auto& collect : collectors_) {
      Status st = collect(now_ns, out);
      if (first.isOk()) first = std::move(st);
    }
    return first;
  }

 private:
  template <typename Input>
  Status add(Result<Input> in) {
    if (!in.isOk()) return in.status();
    auto input = std::make_shared<Input>(std::move(*in));
    collectors_.push_back([input](int64_t now_ns, std::vector<model::Point>* out) {
      return input->collect(now_ns, out);
    });
    return Status::ok();
  }

  std::vector<std::function<Status(int64_t, std::vector<model::Point>*)>> collectors_;
};

}  // namespace sextant::agent::inputs::testing
