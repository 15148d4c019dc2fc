#include "agent/runtime/input.h"

namespace sextant::agent {

Status Input::collect(int64_t /*now_ns*/, std::vector<model::Point>* /*out*/) {
  return Status(StatusCode::kUnimplemented,
                std::string(name()) + ": not a scheduled input (interval() is 0)");
}

Status Input::collectAndFeed(int64_t now_ns, CollectFeeder& feeder) {
  std::vector<model::Point> points;
  Status st = collect(now_ns, &points);
  if (!points.empty()) (void)feeder.feed(std::move(points));
  return st;
}

}  // namespace sextant::agent
