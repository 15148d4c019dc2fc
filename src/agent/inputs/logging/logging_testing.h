// Test helpers of the logging input: a Feeder that records points and can be told to fail, and
// small file helpers. Test-only. Thread-safety: RecordingFeeder is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/runtime/input.h"
#include "core/status.h"
#include "model/point.h"

namespace sextant::agent::inputs::logging::testing {

class RecordingFeeder : public Feeder {
 public:
  Status feed(model::Category category, std::vector<model::Point>&& points,
              const FeedOptions& options) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    if (fail_next_ > 0) {
      --fail_next_;
      return unavailable("injected failure");
    }
    last_options_ = options;
    for (auto& p : points) {
      p.category = category;
      points_.push_back(std::move(p));
    }
    return Status::ok();
  }
  void reportError(std::string_view, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mu_);
    errors_.emplace_back(message);
  }

  void failNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = n;
  }
  std::vector<model::Point> points() const {
    std::lock_guard<std::mutex> lock(mu_);
    return points_;
  }
  std::vector<std::string> messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& p : points_) {
      const model::Field* f = p.findField("message");
      out.push_back(f != nullptr ? std::get<std::string>(f->value) : "<none>");
    }
    return out;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return points_.size();
  }
  std::vector<std::string> errors() const {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }
  FeedOptions lastOptions() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_options_;
  }
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<model::Point> points_;
  std::vector<std::string> errors_;
  FeedOptions last_options_;
  int fail_next_ = 0;
  int calls_ = 0;
};

// Polls `pred` every 10 ms for up to `timeout`.
inline bool waitFor(const std::function<bool()>& pred,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

inline void appendFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << data;
}

}  // namespace sextant::agent::inputs::logging::testing
