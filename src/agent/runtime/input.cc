#include "agent/runtime/input.h"

namespace sextant::agent {

Status Input::collect(int64_t /*now_ns*/, std::vector<model::Point>* /*out*/) {
  return Status(StatusCode::kUnimplemented,
                std::string(name()) + ": not a scheduled input (interval() is 0)");
}

}  // namespace sextant::agent
