// InputRunner: runs the agent's inputs. It owns the Input instances, runs each scheduled
// instance on its own thread (DataKit runs a goroutine per input, so a slow or stuck input never
// delays another), hands what they collect to the Feeder, starts and stops streaming inputs,
// pauses election inputs while this agent is not the leader, and keeps per-instance statistics
// for /metrics (appendInputMetrics) and the HOST object's collector list.
//
// Scheduling, as DataKit: an instance's first collection comes after a start delay (DataKit
// sleeps a uniform random time in [0, 10 s) so inputs do not all fire together; a seam here),
// then one every interval on a fixed grid (start + k * interval; ticks missed while a collection
// overran are skipped, like Go's time.Ticker). The time handed to collect() is the wall clock
// aligned as DataKit's inputs.AlignTime does: the previous point time + interval, unless the
// clock drifted from it by more than a tenth of the interval (then the clock's time).
//
// Errors: a collect() error is counted, reported through Feeder::reportError and kept as the
// instance's last error; the points collected despite it are still fed. A feed() error is
// handled the same way. Nothing stops an instance but stop().
//
// Threading: add() before start(); start()/stop()/setLeader() from the owner's thread;
// stats(), setLeader() and collectNow() are thread-safe. Idle threads sleep on a condition
// variable (no polling); stop() wakes them at once and joins them, waiting for collections in
// progress (inputs bound their own I/O with timeouts). One instance's collect() never runs twice
// at the same time (collectNow() waits for a running collection).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/runtime/input.h"
#include "core/status.h"
#include "model/category.h"

namespace sextant::agent {

// One instance's statistics (a snapshot).
struct InputStats {
  std::string name;  // the input's name ("cpu")
  int instance = 0;  // 0, 1, ... for the [[inputs.<name>]] blocks of one input
  model::Category category = model::Category::kMetric;
  bool election = false;
  bool scheduled = false;  // interval() > 0
  std::chrono::nanoseconds interval{0};
  int64_t collects = 0;  // collections run (not counting paused ticks)
  int64_t feeds = 0;     // feed() calls made with at least one point
  int64_t points = 0;    // points handed to feed()
  int64_t errors = 0;    // collect, feed and start errors
  std::string last_error;
  int64_t last_error_ns = 0;                  // wall clock
  int64_t last_collect_ns = 0;                // wall clock when the last collection started
  int64_t last_feed_ns = 0;                   // wall clock of the last feed() with points
  std::chrono::nanoseconds last_latency{0};   // duration of the last collect()
  std::chrono::nanoseconds total_latency{0};  // sum over all collections
  bool paused = false;                 // an election input while this agent is not the leader
  int64_t pauses = 0;                  // leader -> follower transitions seen by this election input
  int64_t resumes = 0;                 // follower -> leader transitions
  std::vector<TargetHealth> targets;   // Input::targets() at the time of the snapshot
  std::vector<InputCounter> counters;  // Input::counters() at the time of the snapshot
};

struct InputRunnerOptions {
  Feeder* feeder = nullptr;  // required; must outlive the runner
  // Wall clock for point times and statistics; default: system_clock.
  std::function<int64_t()> now_ns;
  // The delay before an instance's first collection; default: uniform random in
  // [0, min(10 s, interval)).
  std::function<std::chrono::nanoseconds(const InputStats& instance)> start_delay;
  // Whether this agent starts as the leader (election disabled: true; election enabled: false
  // until the election client says otherwise).
  bool leader = true;
};

// DataKit's inputs.AlignTime: last + interval when the tick is within interval/10 of it, else
// the tick; the tick when there is no last time (last_ns == 0).
int64_t alignTime(int64_t tick_ns, int64_t last_ns, std::chrono::nanoseconds interval);

class InputRunner {
 public:
  explicit InputRunner(InputRunnerOptions options);
  ~InputRunner();  // stop()s
  InputRunner(const InputRunner&) = delete;
  InputRunner& operator=(const InputRunner&) = delete;

  // Adds an instance (before start()). `instance` tells apart several [[inputs.<name>]] blocks;
  // returns the instance's index for collectNow().
  size_t add(std::unique_ptr<Input> input, int instance = 0);
  size_t size() const;
  Input& input(size_t index);

  // Every instance's HTTP routes (call once, before the server starts).
  std::vector<InputRoute> routes();

  // Starts streaming inputs (Input::start()) and one thread per scheduled instance. Returns the
  // first start() error; the other inputs run regardless (the error is also counted).
  Status start();
  // Stops streaming inputs, wakes the scheduled threads and joins them. Idempotent.
  void stop();

  // Election: while not the leader, election inputs skip their ticks (and count a pause).
  void setLeader(bool leader);
  bool leader() const;

  // Runs one collection of instance `index` now, on the calling thread, with the same
  // bookkeeping as a scheduled tick (paused election inputs skip it and return ok). Tests drive
  // the runner with this instead of start().
  Status collectNow(size_t index);

  std::vector<InputStats> stats() const;

 private:
  struct Instance;

  void run(Instance* inst);
  Status runOnce(Instance* inst, int64_t tick_ns);
  void recordError(Instance* inst, const Status& st, int64_t now_ns);

  InputRunnerOptions options_;
  mutable std::mutex mu_;  // guards stats, leader_, stopping_; cv_ waits on it
  std::condition_variable cv_;
  bool leader_;
  bool stopping_ = false;
  bool started_ = false;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<std::thread> threads_;
};

}  // namespace sextant::agent
