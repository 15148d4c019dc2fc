// The `logging` input ([[inputs.logging]], datakit-inputs.md §6): tails files matched by globs
// and feeds one point per log entry (category logging, measurement = source, fields message and
// status, tags service, filepath, filename and [tags]). What it adds over DataKit: positions are
// durable. Each file's position is checkpointed (CheckpointStore, every checkpoint_interval and
// at stop) only past entries whose durable feed() returned ok, so a kill -9 loses nothing; the
// entries fed since the last checkpoint are fed again after a restart (the duplicate window).
//
// Threads: start() spawns one tailer thread that owns every open file (discovery by globs with
// inotify on the watched directories plus a periodic rescan, reading, rotation and truncation
// checks, decoding with LineDecoder, feeding with retry, checkpointing); stop() wakes and joins
// it, then flushes the checkpoints. With `sockets`, a SocketReceiver (its own thread) receives
// tcp/udp lines: points with tag log_source=socket and field socket (the bound URL) instead of
// filepath/filename; feeds are retried until ok, which slows reading (back-pressure). Both are
// started and stopped together. The Feeder is borrowed (InputEnv) and must outlive stop().
// Thread-safety: start()/stop() from the owner thread; stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/inputs/logging/line_decoder.h"
#include "agent/inputs/logging/socket_receiver.h"
#include "agent/runtime/input.h"
#include "config/config_table.h"
#include "core/status.h"

namespace sextant::agent::inputs::logging {

struct LoggingConfig {
  std::vector<std::string> logfiles;  // globs: * ? [abc] [!a-z] and ** (any directories)
  std::vector<std::string> ignore;    // globs of paths to skip (matched against the whole path)
  std::string source = "default";
  std::string service;   // "" -> source
  std::string pipeline;  // FeedOptions::pipeline ("" -> the point path's choice)
  std::map<std::string, std::string> tags;
  int64_t max_open_files = 500;                                      // -1: unlimited
  std::chrono::nanoseconds ignore_dead_log = std::chrono::hours(1);  // 0: never dead
  bool from_beginning = false;
  DecoderOptions decoder;  // encoding, mode, multi-line, ANSI, line limits
  std::chrono::nanoseconds multiline_timeout = std::chrono::seconds(3);
  // tcp:// and udp:// line receivers (socket_receiver.h); the file globs may then be empty.
  std::vector<SocketAddress> sockets;
  // Filters and routing applied by the point path after the pipeline (FeedOptions).
  std::vector<std::string> ignore_status;
  std::vector<std::string> field_white_list;
  std::string storage_index;
  // Sextant's own knobs.
  std::chrono::nanoseconds checkpoint_interval = std::chrono::seconds(1);
  std::chrono::nanoseconds rescan_interval = std::chrono::seconds(5);       // polling fallback
  std::chrono::nanoseconds stat_interval = std::chrono::milliseconds(500);  // rotation checks
  uint64_t big_file_bytes = 20ull << 20;  // existing files this big start at their end
  size_t batch_lines = 1000;              // per feed()
  size_t batch_bytes = 1u << 20;
  size_t socket_max_connections = 256;    // TCP connections at once over every listener
  std::string sockets_where = "sockets";  // names the key in bind errors ("file:line: ...")
  bool use_inotify = true;                // internal: false leaves discovery to the rescans
  std::string checkpoint_path;            // "" -> <install_dir>/cache/logging.checkpoint
};

// Parses one [[inputs.logging]] table (and ENV_INPUT_LOGGING_* in env); errors name the key.
Result<LoggingConfig> parseLoggingConfig(const config::ConfigTable& table,
                                         const std::map<std::string, std::string>& env);

// Glob matching, exposed for tests: `pattern` against a whole path, component by component
// (fnmatch(3) per component; "**" matches zero or more directories).
bool globMatch(std::string_view pattern, std::string_view path);
// The regular files (symlinks followed) matching `pattern`, sorted; at most `limit`.
std::vector<std::string> globExpand(const std::string& pattern, size_t limit);

class LoggingInput final : public Input {
 public:
  struct Stats {
    std::atomic<uint64_t> files_open{0};
    std::atomic<uint64_t> files_opened{0};
    std::atomic<uint64_t> bytes_read{0};
    std::atomic<uint64_t> entries_fed{0};
    std::atomic<uint64_t> feed_errors{0};  // failed feed() calls (each retried)
    std::atomic<uint64_t> open_errors{0};  // open/stat/read failures
    std::atomic<uint64_t> rotations{0};    // rename+create seen
    std::atomic<uint64_t> truncations{0};
    std::atomic<uint64_t> deletions{0};
    std::atomic<uint64_t> dead_released{0};
    std::atomic<uint64_t> inode_reuses{0};  // checkpoint ignored: fingerprint differs
    std::atomic<uint64_t> skipped_max_open{0};
    std::atomic<uint64_t> checkpoint_errors{0};
    std::atomic<uint64_t> scans{0};
    SocketStats sockets;  // the tcp/udp receivers
  };

  // Builds the input (the checkpoint store is opened here: errors fail the input).
  static Result<std::unique_ptr<LoggingInput>> create(LoggingConfig config, const InputEnv& env);
  ~LoggingInput() override;

  std::string_view name() const override { return "logging"; }
  model::Category category() const override { return model::Category::kLogging; }
  Status start() override;
  void stop() override;

  const Stats& stats() const { return stats_; }
  std::vector<InputCounter> counters() const override;
  const LoggingConfig& config() const { return config_; }
  // The bound URLs of `sockets` ("tcp://127.0.0.1:41234"), in configuration order.
  std::vector<std::string> socketUrls() const;

  struct Impl;  // the tailer (logging_input.cc)

 private:
  LoggingInput(LoggingConfig config, const InputEnv& env);

  LoggingConfig config_;
  InputEnv env_;
  Stats stats_;
  // Feeds the entries of one socket: retried with backoff until ok or stop() (back-pressure).
  void feedSocketEntries(const std::string& listener, std::vector<Entry>* entries);

  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::unique_ptr<SocketReceiver> sockets_;
  FeedOptions socket_feed_options_;
  std::mutex socket_mu_;  // guards socket_stopping_ (with socket_cv_, the retry wait)
  std::condition_variable socket_cv_;
  bool socket_stopping_ = false;
  bool sockets_started_ = false;
};

// The factory of [[inputs.logging]].
void registerLoggingInput(std::vector<InputFactory>* list);

}  // namespace sextant::agent::inputs::logging
