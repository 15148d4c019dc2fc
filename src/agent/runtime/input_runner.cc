#include "agent/runtime/input_runner.h"

#include <algorithm>
#include <random>
#include <utility>

#include "core/clock.h"

namespace sextant::agent {

namespace {

std::chrono::nanoseconds randomStartDelay(const InputStats& instance) {
  // DataKit: time.Sleep(rand.Int63n(10s)) before an input starts; capped here by the interval
  // so that short-interval inputs do not wait several intervals for their first point.
  int64_t cap = std::min<int64_t>(std::chrono::nanoseconds(std::chrono::seconds(10)).count(),
                                  instance.interval.count());
  if (cap <= 1) return std::chrono::nanoseconds(0);
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::chrono::nanoseconds(std::uniform_int_distribution<int64_t>(0, cap - 1)(rng));
}

}  // namespace

int64_t alignTime(int64_t tick_ns, int64_t last_ns, std::chrono::nanoseconds interval) {
  if (last_ns == 0 || interval.count() <= 0) return tick_ns;
  int64_t next = last_ns + interval.count();
  int64_t drift = tick_ns > next ? tick_ns - next : next - tick_ns;
  if (drift > interval.count() / 10) return tick_ns;
  return next;
}

struct InputRunner::Instance {
  std::unique_ptr<Input> input;
  InputStats stats;         // guarded by InputRunner::mu_
  std::mutex run_mu;        // held while collect() and feed() run
  int64_t last_pts_ns = 0;  // guarded by run_mu: the last aligned point time
};

InputRunner::InputRunner(InputRunnerOptions options)
    : options_(std::move(options)), leader_(options_.leader) {
  if (!options_.now_ns) options_.now_ns = wallNowNs;
  if (!options_.start_delay) options_.start_delay = randomStartDelay;
}

InputRunner::~InputRunner() { stop(); }

size_t InputRunner::add(std::unique_ptr<Input> input, int instance) {
  auto inst = std::make_unique<Instance>();
  InputStats& s = inst->stats;
  s.name = std::string(input->name());
  s.instance = instance;
  s.category = input->category();
  s.election = input->election();
  s.interval = input->interval();
  s.scheduled = s.interval.count() > 0;
  inst->input = std::move(input);
  std::lock_guard<std::mutex> lock(mu_);
  s.paused = s.election && !leader_;
  instances_.push_back(std::move(inst));
  return instances_.size() - 1;
}

size_t InputRunner::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return instances_.size();
}

Input& InputRunner::input(size_t index) { return *instances_.at(index)->input; }

std::vector<InputRoute> InputRunner::routes() {
  std::vector<InputRoute> all;
  for (auto& inst : instances_) {
    for (auto& r : inst->input->routes()) all.push_back(std::move(r));
  }
  return all;
}

Status InputRunner::start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return Status::ok();
    started_ = true;
    stopping_ = false;
  }
  Status first;
  for (auto& inst : instances_) {
    Status st = inst->input->start();
    if (!st.isOk()) {
      recordError(inst.get(), st, options_.now_ns());
      if (first.isOk()) first = st;
    }
  }
  for (auto& inst : instances_) {
    if (!inst->stats.scheduled) continue;
    Instance* p = inst.get();
    threads_.emplace_back([this, p] { run(p); });
  }
  return first;
}

void InputRunner::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return;
    started_ = false;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& inst : instances_) inst->input->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void InputRunner::setLeader(bool leader) {
  std::lock_guard<std::mutex> lock(mu_);
  if (leader == leader_) return;
  leader_ = leader;
  for (auto& inst : instances_) {
    InputStats& s = inst->stats;
    if (!s.election) continue;
    s.paused = !leader;
    if (leader) {
      ++s.resumes;
    } else {
      ++s.pauses;
    }
  }
}

bool InputRunner::leader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_;
}

Status InputRunner::collectNow(size_t index) {
  Instance* inst = instances_.at(index).get();
  return runOnce(inst, options_.now_ns());
}

std::vector<InputStats> InputRunner::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<InputStats> out;
  out.reserve(instances_.size());
  for (const auto& inst : instances_) {
    out.push_back(inst->stats);
    out.back().targets = inst->input->targets();  // the input's own lock; never a scrape
    out.back().counters = inst->input->counters();
  }
  return out;
}

void InputRunner::run(Instance* inst) {
  using Clock = std::chrono::steady_clock;
  const auto interval = inst->stats.interval;
  InputStats snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot = inst->stats;
  }
  Clock::time_point next = Clock::now() + options_.start_delay(snapshot);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (cv_.wait_until(lock, next, [this] { return stopping_; })) return;
    lock.unlock();
    (void)runOnce(inst, options_.now_ns());
    // The next tick on the grid that is still ahead (ticks missed by a slow collection are
    // dropped, as Go's time.Ticker drops them).
    auto now = Clock::now();
    next += interval;
    if (next <= now) {
      auto behind = (now - next) / interval + 1;
      next += behind * interval;
    }
    lock.lock();
  }
}

Status InputRunner::runOnce(Instance* inst, int64_t tick_ns) {
  std::lock_guard<std::mutex> run_lock(inst->run_mu);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (inst->stats.paused) return Status::ok();
  }
  const int64_t pts_ns = alignTime(tick_ns, inst->last_pts_ns, inst->stats.interval);
  inst->last_pts_ns = pts_ns;

  // The instance's feed: the points of every feed counted, feed errors recorded, and the time
  // spent feeding left out of the collection's latency.
  class InstanceFeeder final : public CollectFeeder {
   public:
    InstanceFeeder(InputRunner* runner, Instance* inst) : runner_(runner), inst_(inst) {
      opts_.input = inst->stats.name;  // immutable after add()
      opts_.election = inst->stats.election;
    }
    Status feed(std::vector<model::Point>&& points) override {
      const size_t n = points.size();
      if (n == 0) return Status::ok();
      const auto start = std::chrono::steady_clock::now();
      Status st = runner_->options_.feeder->feed(inst_->stats.category, std::move(points), opts_);
      return done(n, st, start);
    }
    Status feedReusable(std::vector<model::Point>& points) override {
      const size_t n = points.size();
      if (n == 0) return Status::ok();
      const auto start = std::chrono::steady_clock::now();
      Status st = runner_->options_.feeder->feedReusable(inst_->stats.category, points, opts_);
      return done(n, st, start);
    }
    std::chrono::nanoseconds feeding{0};
    Status first_error;

   private:
    Status done(size_t n, const Status& st, std::chrono::steady_clock::time_point start) {
      feeding += std::chrono::steady_clock::now() - start;
      const int64_t fed_ns = runner_->options_.now_ns();
      {
        std::lock_guard<std::mutex> lock(runner_->mu_);
        InputStats& s = inst_->stats;
        ++s.feeds;
        s.points += static_cast<int64_t>(n);
        s.last_feed_ns = fed_ns;
      }
      if (!st.isOk()) {
        runner_->recordError(inst_, st, fed_ns);
        if (first_error.isOk()) first_error = st;
      }
      return st;
    }
    InputRunner* runner_;
    Instance* inst_;
    FeedOptions opts_;
  };

  InstanceFeeder feeder(this, inst);
  const auto start = std::chrono::steady_clock::now();
  Status st = inst->input->collectAndFeed(pts_ns, feeder);
  const auto latency = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - start - feeder.feeding);
  {
    std::lock_guard<std::mutex> lock(mu_);
    InputStats& s = inst->stats;
    ++s.collects;
    s.last_collect_ns = tick_ns;
    s.last_latency = latency;
    s.total_latency += latency;
  }
  if (!st.isOk()) recordError(inst, st, options_.now_ns());
  return st.isOk() ? feeder.first_error : st;
}

void InputRunner::recordError(Instance* inst, const Status& st, int64_t now_ns) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    InputStats& s = inst->stats;
    ++s.errors;
    s.last_error = st.message();
    s.last_error_ns = now_ns;
  }
  if (options_.feeder != nullptr) options_.feeder->reportError(inst->stats.name, st.message());
}

}  // namespace sextant::agent
