#include "agent/runtime/input_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace sextant::agent {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr int64_t kT0 = 1'795'276'500'000'000'000;  // some wall-clock time, ns
constexpr int64_t kSecond = 1'000'000'000;

model::Point point(std::string measurement) {
  model::Point p;
  p.measurement = std::move(measurement);
  p.addField("v", int64_t{1});
  return p;
}

// A scheduled (or streaming) input whose behaviour is a lambda.
class FakeInput : public Input {
 public:
  using CollectFn = std::function<Status(int64_t, std::vector<model::Point>*)>;
  FakeInput(std::string name, nanoseconds interval, CollectFn fn, bool election = false)
      : name_(std::move(name)), interval_(interval), fn_(std::move(fn)), election_(election) {}
  std::string_view name() const override { return name_; }
  bool election() const override { return election_; }
  nanoseconds interval() const override { return interval_; }
  Status collect(int64_t now_ns, std::vector<model::Point>* out) override {
    return fn_(now_ns, out);
  }

 private:
  std::string name_;
  nanoseconds interval_;
  CollectFn fn_;
  bool election_;
};

struct Fed {
  model::Category category;
  size_t points;
  FeedOptions options;
  std::vector<int64_t> times;
};

// Records what it is fed; feed() fails while `fail` is set.
class RecordingFeeder : public Feeder {
 public:
  Status feed(model::Category category, std::vector<model::Point>&& points,
              const FeedOptions& options) override {
    std::lock_guard<std::mutex> lock(mu);
    Fed f{category, points.size(), options, {}};
    for (const auto& p : points) f.times.push_back(p.time_ns);
    fed.push_back(std::move(f));
    if (fail) return unavailable("queue full");
    return Status::ok();
  }
  void reportError(std::string_view input, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(std::string(input) + ": " + std::string(message));
  }
  std::mutex mu;
  std::vector<Fed> fed;
  std::vector<std::string> errors;
  bool fail = false;
};

// A clock that returns the values pushed, then repeats the last one.
struct ScriptedClock {
  std::vector<int64_t> times;
  size_t next = 0;
  std::mutex mu;
  int64_t operator()() {
    std::lock_guard<std::mutex> lock(mu);
    int64_t t = times[std::min(next, times.size() - 1)];
    ++next;
    return t;
  }
};

InputRunnerOptions manualOptions(Feeder* feeder, ScriptedClock* clock) {
  InputRunnerOptions o;
  o.feeder = feeder;
  o.now_ns = [clock] { return (*clock)(); };
  o.start_delay = [](const InputStats&) { return nanoseconds(0); };
  return o;
}

TEST(AlignTime, KeepsTheGridWithinATenthOfTheInterval) {
  const nanoseconds ten_s = seconds(10);
  EXPECT_EQ(alignTime(kT0, 0, ten_s), kT0);  // first tick: the clock
  EXPECT_EQ(alignTime(kT0 + 10 * kSecond + 3, kT0, ten_s), kT0 + 10 * kSecond);
  EXPECT_EQ(alignTime(kT0 + 9 * kSecond, kT0, ten_s), kT0 + 10 * kSecond);   // 1 s early: ok
  EXPECT_EQ(alignTime(kT0 + 11 * kSecond, kT0, ten_s), kT0 + 10 * kSecond);  // 1 s late: ok
  EXPECT_EQ(alignTime(kT0 + 11 * kSecond + 1, kT0, ten_s), kT0 + 11 * kSecond + 1);
  EXPECT_EQ(alignTime(kT0 + 30 * kSecond, kT0, ten_s), kT0 + 30 * kSecond);  // missed ticks
}

TEST(InputRunner, CollectNowFeedsPointsWithTheInputsIdentity) {
  RecordingFeeder feeder;
  ScriptedClock clock{{kT0, kT0 + 1000, kT0 + 10 * kSecond + 2000, kT0 + 10 * kSecond + 3000}};
  InputRunner runner(manualOptions(&feeder, &clock));
  std::vector<int64_t> seen;
  size_t idx =
      runner.add(std::make_unique<FakeInput>("cpu", seconds(10),
                                             [&](int64_t now, std::vector<model::Point>* out) {
                                               seen.push_back(now);
                                               out->push_back(point("cpu"));
                                               out->push_back(point("cpu"));
                                               out->back().time_ns = now;
                                               return Status::ok();
                                             }),
                 1);
  ASSERT_TRUE(runner.collectNow(idx).isOk());
  ASSERT_TRUE(runner.collectNow(idx).isOk());

  // The second tick came 10 s + 2 us after the first: its points carry the aligned time.
  EXPECT_EQ(seen, (std::vector<int64_t>{kT0, kT0 + 10 * kSecond}));
  ASSERT_EQ(feeder.fed.size(), 2u);
  EXPECT_EQ(feeder.fed[0].category, model::Category::kMetric);
  EXPECT_EQ(feeder.fed[0].points, 2u);
  EXPECT_EQ(feeder.fed[0].options.input, "cpu");
  EXPECT_FALSE(feeder.fed[0].options.election);
  EXPECT_EQ(feeder.fed[1].times[1], kT0 + 10 * kSecond);

  auto stats = runner.stats();
  ASSERT_EQ(stats.size(), 1u);
  const InputStats& s = stats[0];
  EXPECT_EQ(s.name, "cpu");
  EXPECT_EQ(s.instance, 1);
  EXPECT_TRUE(s.scheduled);
  EXPECT_EQ(s.interval, seconds(10));
  EXPECT_EQ(s.collects, 2);
  EXPECT_EQ(s.feeds, 2);
  EXPECT_EQ(s.points, 4);
  EXPECT_EQ(s.errors, 0);
  EXPECT_EQ(s.last_collect_ns, kT0 + 10 * kSecond + 2000);
  EXPECT_EQ(s.last_feed_ns, kT0 + 10 * kSecond + 3000);
  EXPECT_FALSE(s.paused);
}

TEST(InputRunner, NothingCollectedMeansNoFeed) {
  RecordingFeeder feeder;
  ScriptedClock clock{{kT0}};
  InputRunner runner(manualOptions(&feeder, &clock));
  size_t idx = runner.add(std::make_unique<FakeInput>(
      "cpu", seconds(10), [](int64_t, std::vector<model::Point>*) { return Status::ok(); }));
  ASSERT_TRUE(runner.collectNow(idx).isOk());
  EXPECT_TRUE(feeder.fed.empty());
  EXPECT_EQ(runner.stats()[0].collects, 1);
  EXPECT_EQ(runner.stats()[0].feeds, 0);
}

TEST(InputRunner, CollectErrorsAreCountedReportedAndPartialPointsStillFed) {
  RecordingFeeder feeder;
  ScriptedClock clock{{kT0, kT0 + 5}};
  InputRunner runner(manualOptions(&feeder, &clock));
  size_t idx = runner.add(
      std::make_unique<FakeInput>("net", seconds(10), [](int64_t, std::vector<model::Point>* out) {
        out->push_back(point("net"));
        return notFound("/proc/net/snmp: no such file");
      }));
  Status st = runner.collectNow(idx);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  ASSERT_EQ(feeder.fed.size(), 1u);
  EXPECT_EQ(feeder.fed[0].points, 1u);
  EXPECT_EQ(feeder.errors, (std::vector<std::string>{"net: /proc/net/snmp: no such file"}));
  auto s = runner.stats()[0];
  EXPECT_EQ(s.errors, 1);
  EXPECT_EQ(s.last_error, "/proc/net/snmp: no such file");
  EXPECT_EQ(s.last_error_ns, kT0 + 5);
  EXPECT_EQ(s.points, 1);
}

TEST(InputRunner, FeedErrorsAreCountedAndReported) {
  RecordingFeeder feeder;
  feeder.fail = true;
  ScriptedClock clock{{kT0}};
  InputRunner runner(manualOptions(&feeder, &clock));
  size_t idx = runner.add(
      std::make_unique<FakeInput>("mem", seconds(10), [](int64_t, std::vector<model::Point>* out) {
        out->push_back(point("mem"));
        return Status::ok();
      }));
  EXPECT_EQ(runner.collectNow(idx).code(), StatusCode::kUnavailable);
  EXPECT_EQ(feeder.errors, (std::vector<std::string>{"mem: queue full"}));
  EXPECT_EQ(runner.stats()[0].errors, 1);
  EXPECT_EQ(runner.stats()[0].last_error, "queue full");
}

TEST(InputRunner, ElectionInputsPauseWhileNotLeader) {
  RecordingFeeder feeder;
  ScriptedClock clock{{kT0}};
  InputRunner runner(manualOptions(&feeder, &clock));
  int elected_calls = 0, plain_calls = 0;
  size_t elected = runner.add(std::make_unique<FakeInput>(
      "prom", seconds(10),
      [&](int64_t, std::vector<model::Point>* out) {
        ++elected_calls;
        out->push_back(point("prom"));
        return Status::ok();
      },
      /*election=*/true));
  size_t plain = runner.add(
      std::make_unique<FakeInput>("cpu", seconds(10), [&](int64_t, std::vector<model::Point>*) {
        ++plain_calls;
        return Status::ok();
      }));

  ASSERT_TRUE(runner.collectNow(elected).isOk());  // leader by default
  EXPECT_EQ(elected_calls, 1);
  ASSERT_EQ(feeder.fed.size(), 1u);
  EXPECT_TRUE(feeder.fed[0].options.election);

  runner.setLeader(false);
  runner.setLeader(false);  // no transition: counted once
  EXPECT_FALSE(runner.leader());
  ASSERT_TRUE(runner.collectNow(elected).isOk());
  ASSERT_TRUE(runner.collectNow(plain).isOk());
  EXPECT_EQ(elected_calls, 1);  // skipped
  EXPECT_EQ(plain_calls, 1);    // not an election input
  auto s = runner.stats();
  EXPECT_TRUE(s[0].paused);
  EXPECT_EQ(s[0].pauses, 1);
  EXPECT_EQ(s[0].collects, 1);
  EXPECT_FALSE(s[1].paused);
  EXPECT_EQ(s[1].pauses, 0);

  runner.setLeader(true);
  ASSERT_TRUE(runner.collectNow(elected).isOk());
  EXPECT_EQ(elected_calls, 2);
  s = runner.stats();
  EXPECT_FALSE(s[0].paused);
  EXPECT_EQ(s[0].resumes, 1);
  EXPECT_EQ(s[0].collects, 2);
}

TEST(InputRunner, StartsAsFollowerWhenTold) {
  RecordingFeeder feeder;
  ScriptedClock clock{{kT0}};
  InputRunnerOptions o = manualOptions(&feeder, &clock);
  o.leader = false;
  InputRunner runner(o);
  int calls = 0;
  size_t idx = runner.add(std::make_unique<FakeInput>(
      "prom", seconds(10),
      [&](int64_t, std::vector<model::Point>*) {
        ++calls;
        return Status::ok();
      },
      true));
  EXPECT_TRUE(runner.stats()[0].paused);
  ASSERT_TRUE(runner.collectNow(idx).isOk());
  EXPECT_EQ(calls, 0);
}

// Waits (without asserting on speed: the bound is only there so a bug fails instead of hanging)
// until pred() holds.
bool waitFor(const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return pred();
}

TEST(InputRunner, ASlowInputDoesNotDelayAFastOne) {
  RecordingFeeder feeder;
  InputRunnerOptions o;
  o.feeder = &feeder;
  o.start_delay = [](const InputStats&) { return nanoseconds(0); };
  InputRunner runner(o);

  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<bool> slow_entered{false};
  runner.add(std::make_unique<FakeInput>("slow", milliseconds(1),
                                         [&](int64_t, std::vector<model::Point>*) {
                                           slow_entered = true;
                                           std::unique_lock<std::mutex> lock(mu);
                                           cv.wait(lock, [&] { return release; });
                                           return Status::ok();
                                         }));
  std::atomic<int> fast_calls{0};
  runner.add(std::make_unique<FakeInput>("fast", milliseconds(1),
                                         [&](int64_t, std::vector<model::Point>*) {
                                           ++fast_calls;
                                           return Status::ok();
                                         }));
  ASSERT_TRUE(runner.start().isOk());
  ASSERT_TRUE(waitFor([&] { return slow_entered.load() && fast_calls.load() >= 5; }));
  // The slow input is still inside its first collection.
  EXPECT_EQ(runner.stats()[0].collects, 0);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  runner.stop();
  EXPECT_GE(runner.stats()[0].collects, 1);
  EXPECT_GE(runner.stats()[1].collects, 5);
}

TEST(InputRunner, StopWakesSleepingInputsPromptly) {
  RecordingFeeder feeder;
  InputRunnerOptions o;
  o.feeder = &feeder;
  o.start_delay = [](const InputStats& s) {
    return s.name == "later" ? nanoseconds(hours(1)) : nanoseconds(0);
  };
  InputRunner runner(o);
  std::atomic<int> calls{0};
  runner.add(
      std::make_unique<FakeInput>("hourly", hours(1), [&](int64_t, std::vector<model::Point>*) {
        ++calls;
        return Status::ok();
      }));
  runner.add(std::make_unique<FakeInput>(
      "later", seconds(10), [&](int64_t, std::vector<model::Point>*) { return Status::ok(); }));
  ASSERT_TRUE(runner.start().isOk());
  ASSERT_TRUE(waitFor([&] { return calls.load() == 1; }));  // first collect after no delay
  auto t0 = std::chrono::steady_clock::now();
  runner.stop();
  // Both threads were asleep for an hour; stop() must not wait for that.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::minutes(1));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(runner.stats()[1].collects, 0);
  runner.stop();  // idempotent
}

class StreamingInput : public Input {
 public:
  explicit StreamingInput(Status start_result) : start_result_(std::move(start_result)) {}
  std::string_view name() const override { return "logging"; }
  model::Category category() const override { return model::Category::kLogging; }
  Status start() override {
    ++starts;
    return start_result_;
  }
  void stop() override { ++stops; }
  std::vector<InputRoute> routes() override {
    return {
        InputRoute{"POST", "/v1/logging", [](net::HttpRequest&) { return net::HttpResponse{}; }}};
  }
  int starts = 0, stops = 0;

 private:
  Status start_result_;
};

TEST(InputRunner, StreamingInputsAreStartedAndStopped) {
  RecordingFeeder feeder;
  InputRunnerOptions o;
  o.feeder = &feeder;
  InputRunner runner(o);
  size_t ok_idx = runner.add(std::make_unique<StreamingInput>(Status::ok()));
  size_t bad_idx = runner.add(std::make_unique<StreamingInput>(unavailable("port in use")), 1);
  auto routes = runner.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].method, "POST");
  EXPECT_EQ(routes[0].path, "/v1/logging");

  Status st = runner.start();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  auto& ok_input = static_cast<StreamingInput&>(runner.input(ok_idx));
  auto& bad_input = static_cast<StreamingInput&>(runner.input(bad_idx));
  EXPECT_EQ(ok_input.starts, 1);
  EXPECT_EQ(bad_input.starts, 1);
  auto s = runner.stats();
  EXPECT_FALSE(s[0].scheduled);
  EXPECT_EQ(s[0].category, model::Category::kLogging);
  EXPECT_EQ(s[0].errors, 0);
  EXPECT_EQ(s[1].errors, 1);
  EXPECT_EQ(s[1].last_error, "port in use");
  EXPECT_EQ(feeder.errors, (std::vector<std::string>{"logging: port in use"}));
  runner.stop();
  EXPECT_EQ(ok_input.stops, 1);
  EXPECT_EQ(bad_input.stops, 1);
}

TEST(Input, DefaultCollectIsUnimplemented) {
  StreamingInput in(Status::ok());
  std::vector<model::Point> out;
  EXPECT_EQ(in.collect(kT0, &out).code(), StatusCode::kUnimplemented);
  EXPECT_EQ(in.interval(), nanoseconds(0));
  EXPECT_FALSE(in.election());
}

// An input that feeds while it collects (as prom does): a reused vector, then one more feed.
class FeedingInput : public Input {
 public:
  std::string_view name() const override { return "feeding"; }
  nanoseconds interval() const override { return seconds(10); }
  Status collectAndFeed(int64_t now_ns, CollectFeeder& feeder) override {
    reused.resize(2, point("r"));
    for (auto& p : reused) p.time_ns = now_ns;
    (void)feeder.feedReusable(reused);
    std::vector<model::Point> empty;
    (void)feeder.feedReusable(empty);  // nothing: not a feed
    (void)feeder.feed({point("extra")});
    return unavailable("one target down");
  }
  std::vector<model::Point> reused;
};

TEST(InputRunner, InputsFeedingWhileCollectingAreCountedLikeCollectedPoints) {
  RecordingFeeder feeder;  // its feedReusable is Feeder's default: moved into feed()
  ScriptedClock clock{{kT0}};
  InputRunner runner(manualOptions(&feeder, &clock));
  size_t idx = runner.add(std::make_unique<FeedingInput>());
  feeder.fail = true;
  EXPECT_EQ(runner.collectNow(idx).code(), StatusCode::kUnavailable);
  std::lock_guard<std::mutex> lock(feeder.mu);
  ASSERT_EQ(feeder.fed.size(), 2u);
  EXPECT_EQ(feeder.fed[0].points, 2u);
  EXPECT_EQ(feeder.fed[0].options.input, "feeding");
  EXPECT_EQ(feeder.fed[0].times, (std::vector<int64_t>{kT0, kT0}));
  EXPECT_EQ(feeder.fed[1].points, 1u);
  auto stats = runner.stats();
  EXPECT_EQ(stats[0].collects, 1);
  EXPECT_EQ(stats[0].feeds, 2);
  EXPECT_EQ(stats[0].points, 3);
  EXPECT_EQ(stats[0].errors, 3);  // two failed feeds and the collection's own error
  EXPECT_EQ(stats[0].last_error, "one target down");
  EXPECT_EQ(feeder.errors.size(), 3u);
}

}  // namespace
}  // namespace sextant::agent
