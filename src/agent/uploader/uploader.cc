#include "agent/uploader/uploader.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "codec/compression/compression.h"
#include "core/clock.h"
#include "core/version.h"

namespace sextant::agent {

namespace {

std::string_view archName() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "386";
#else
  return "unknown";
#endif
}

// Creation times are unique within the process, so X-Pkg-Id (time + CRC) is too.
std::int64_t uniqueCreateTimeNs() {
  static std::atomic<std::int64_t> last{0};
  std::int64_t now = wallNowNs();
  std::int64_t prev = last.load(std::memory_order_relaxed);
  for (;;) {
    std::int64_t next = std::max(now, prev + 1);
    if (last.compare_exchange_weak(prev, next, std::memory_order_relaxed)) return next;
  }
}

enum class Verdict { kAck, kDrop, kRetry };

Verdict classify(int status) {
  if (status >= 200 && status < 300) return Verdict::kAck;
  if (status >= 400 && status < 500 && status != 408 && status != 429) return Verdict::kDrop;
  return Verdict::kRetry;  // 5xx, 408, 429 (and the unexpected 1xx/3xx, as DataKit)
}

}  // namespace

// One (DataWay URL, category) pair: its queue, its sender and its counters.
struct Uploader::Lane {
  size_t endpoint_index = 0;
  model::Category category = model::Category::kMetric;
  std::string url;  // <dataway>/v1/write/<category>?token=...
  bool no_drop = false;
  std::unique_ptr<DiskQueue> queue;
  std::mutex put_mu;  // DiskQueue takes one producer at a time

  std::mutex mu;  // everything below
  std::condition_variable cv;
  std::uint64_t generation = 0;  // bumped by every put: wakes the sender
  bool unsynced = false;         // puts or acks since the last sync()
  bool stop = false;
  std::thread sender;
  UploaderLaneStats stats;
};

Result<std::unique_ptr<Uploader>> Uploader::create(UploaderOptions options, FileSystem& fs,
                                                   net::HttpClient& client) {
  if (options.urls.empty()) return invalidArgument("uploader: no DataWay URL");
  if (options.queue_dir.empty()) return invalidArgument("uploader: no queue directory");
  if (options.max_raw_body_size == 0) return invalidArgument("uploader: max_raw_body_size is 0");
  std::vector<DatawayEndpoint> endpoints;
  for (const std::string& url : options.urls) {
    auto ep = parseDatawayUrl(url);
    if (!ep.isOk()) return ep.status();
    endpoints.push_back(std::move(ep).value());
  }
  options.max_retry_count = std::max(0, options.max_retry_count);
  options.retry_delay = std::max(options.retry_delay, std::chrono::milliseconds(1));
  options.retry_backoff_max = std::max(options.retry_backoff_max, options.retry_delay);
  return std::unique_ptr<Uploader>(
      new Uploader(std::move(options), std::move(endpoints), fs, client));
}

Uploader::Uploader(UploaderOptions options, std::vector<DatawayEndpoint> endpoints, FileSystem& fs,
                   net::HttpClient& client)
    : options_(std::move(options)),
      endpoints_(std::move(endpoints)),
      fs_(fs),
      client_(client),
      lanes_(endpoints_.size() * model::kAllCategories.size()) {
  user_agent_ = options_.user_agent;
  if (user_agent_.empty()) {
    std::string host = options_.hostname;
    if (host.empty()) {
      char buf[256] = {};
      if (::gethostname(buf, sizeof(buf) - 1) == 0) host = buf;
    }
    user_agent_ = "datakit-linux-" + std::string(archName()) + "/" + kVersion + "/" + host;
  }
}

Uploader::~Uploader() { stop(); }

Result<Uploader::Lane*> Uploader::lane(size_t endpoint, model::Category category) {
  std::lock_guard lock(mu_);
  auto& slot = lanes_[endpoint * model::kAllCategories.size() + static_cast<size_t>(category)];
  if (slot) return slot.get();
  auto lane = std::make_unique<Lane>();
  const DatawayEndpoint& ep = endpoints_[endpoint];
  lane->endpoint_index = endpoint;
  lane->category = category;
  lane->url = ep.apiUrl("/v1/write/" + std::string(model::categoryName(category)));
  lane->no_drop = std::find(options_.no_drop_categories.begin(), options_.no_drop_categories.end(),
                            category) != options_.no_drop_categories.end();
  DiskQueueOptions qo;
  qo.dir = joinPath(joinPath(options_.queue_dir, ep.id()), model::categoryName(category));
  qo.max_bytes = options_.queue_max_bytes;
  qo.segment_bytes = options_.queue_segment_bytes;
  qo.sync = options_.sync;
  qo.sync_interval = options_.sync_interval;
  qo.when_full = lane->no_drop ? FullPolicy::kReject : FullPolicy::kDropOldest;
  auto queue = DiskQueue::open(fs_, qo);
  if (!queue.isOk()) return queue.status();
  lane->queue = std::move(queue).value();
  lane->stats.endpoint = ep.redacted();
  lane->stats.endpoint_id = ep.id();
  lane->stats.category = category;
  slot = std::move(lane);
  if (started_) startSenderLocked(*slot);
  return slot.get();
}

void Uploader::startSenderLocked(Lane& lane) {
  if (lane.sender.joinable()) return;
  {
    std::lock_guard lk(lane.mu);
    lane.stop = false;
  }
  lane.sender = std::thread([this, &lane] { senderLoop(lane); });
}

Result<std::vector<Uploader::Lane*>> Uploader::lanesOf(model::Category category) {
  std::vector<Lane*> lanes;
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    auto l = lane(i, category);
    if (!l.isOk()) return l.status();
    lanes.push_back(*l);
  }
  return lanes;
}

Status Uploader::queueBody(const std::vector<Lane*>& lanes, model::Category category,
                           std::string_view raw, std::string* movable_raw, std::uint32_t count,
                           const std::string& storage_index) {
  QueueRecord rec;
  rec.content_type = std::string(uploadContentType(options_.encoding));
  rec.point_count = count;
  rec.storage_index = storage_index;
  rec.create_time_ns = uniqueCreateTimeNs();
  const size_t raw_size = raw.size();
  if (options_.gzip) {
    rec.body = options_.gzip_fast
                   ? codec::gzipFast(raw)
                   : codec::compress(raw, codec::ContentEncoding::kGzip, options_.gzip_level);
    if (rec.body.empty()) return internalError("uploader: gzip failed");
    rec.content_encoding = "gzip";
  } else if (movable_raw != nullptr) {
    rec.body = std::move(*movable_raw);
  } else {
    rec.body = std::string(raw);
  }
  for (Lane* l : lanes) {
    Status st;
    {
      std::lock_guard put_lock(l->put_mu);
      st = l->queue->put(rec);
    }
    std::lock_guard lk(l->mu);
    if (!st.isOk()) {
      if (st.code() == StatusCode::kResourceExhausted && l->no_drop) {
        l->stats.points_rejected_full += count;
        ++l->stats.bodies_rejected_full;
        return Status(StatusCode::kResourceExhausted,
                      "upload queue for " + std::string(model::categoryName(category)) +
                          " is full: " + st.message());
      }
      return st;
    }
    l->stats.points_written += count;
    ++l->stats.bodies_written;
    l->stats.bytes_written += rec.body.size();
    l->stats.raw_bytes_written += raw_size;
    ++l->generation;
    l->unsynced = true;
    l->cv.notify_one();
  }
  return Status::ok();
}

Status Uploader::write(model::Category category, const std::vector<model::Point>& points,
                       const std::string& storage_index) {
  if (points.empty()) return Status::ok();
  auto lanes = lanesOf(category);
  if (!lanes.isOk()) return lanes.status();
  return splitBodies(points, options_.encoding, options_.max_raw_body_size,
                     [&](std::string& raw, std::uint32_t count) -> Status {
                       return queueBody(*lanes, category, raw, &raw, count, storage_index);
                     });
}

Status Uploader::writeProtobuf(model::Category category, std::string_view pb,
                               std::span<const std::uint32_t> point_ends,
                               const std::string& storage_index) {
  if (options_.encoding != UploadEncoding::kProtobuf) {
    return Status(StatusCode::kUnimplemented,
                  "uploader: writeProtobuf needs the protobuf encoding");
  }
  if (point_ends.empty()) return Status::ok();
  if (point_ends.back() != pb.size() || !std::is_sorted(point_ends.begin(), point_ends.end())) {
    return invalidArgument("uploader: point_ends do not describe the body");
  }
  auto lanes = lanesOf(category);
  if (!lanes.isOk()) return lanes.status();
  // splitBodies()' rule on the given boundaries: a point that would take the body past the cap
  // starts the next body, unless it would be alone.
  size_t start = 0, last_end = 0;
  std::uint32_t count = 0;
  for (std::uint32_t end : point_ends) {
    if (count > 0 && end - start > options_.max_raw_body_size) {
      SEXTANT_RETURN_IF_ERROR(queueBody(*lanes, category, pb.substr(start, last_end - start),
                                        nullptr, count, storage_index));
      start = last_end;
      count = 0;
    }
    last_end = end;
    ++count;
  }
  return queueBody(*lanes, category, pb.substr(start, last_end - start), nullptr, count,
                   storage_index);
}

Status Uploader::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return Status::ok();
  }
  // Queues left by a previous run: <queue_dir>/<endpoint id>/<category name>/.
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    std::string dir = joinPath(options_.queue_dir, endpoints_[i].id());
    if (!fs_.exists(dir)) continue;
    auto names = fs_.listDir(dir);
    if (!names.isOk()) return names.status();
    for (const std::string& name : *names) {
      auto category = model::parseCategory(name);
      if (!category || model::categoryName(*category) != name) continue;
      auto l = lane(i, *category);
      if (!l.isOk()) return l.status();
    }
  }
  std::lock_guard lock(mu_);
  started_ = true;
  for (auto& l : lanes_) {
    if (l) startSenderLocked(*l);
  }
  return Status::ok();
}

void Uploader::stop() {
  std::vector<Lane*> lanes;
  {
    std::lock_guard lock(mu_);
    started_ = false;
    for (auto& l : lanes_) {
      if (l) lanes.push_back(l.get());
    }
  }
  for (Lane* l : lanes) {
    std::lock_guard lk(l->mu);
    l->stop = true;
    l->cv.notify_all();
  }
  for (Lane* l : lanes) {
    if (l->sender.joinable()) l->sender.join();
    (void)l->queue->sync();
  }
}

bool Uploader::deliver(Lane& lane, QueueRecord& record) {
  net::ClientRequest req;
  req.method = "POST";
  req.url = lane.url;
  req.timeout = options_.timeout;
  req.tls = options_.tls;
  req.headers.emplace_back("Content-Type", record.content_type);
  if (!record.content_encoding.empty())
    req.headers.emplace_back("Content-Encoding", record.content_encoding);
  req.headers.emplace_back("X-Points", std::to_string(record.point_count));
  req.headers.emplace_back("X-Pkg-Id", packageId(record.create_time_ns, record.body));
  req.headers.emplace_back("User-Agent", user_agent_);
  req.headers.emplace_back("Referer", "DataKit");
  if (!record.storage_index.empty()) {
    req.headers.emplace_back("X-Storage-Index-Name", record.storage_index);
  }
  const std::size_t body_bytes = record.body.size();
  req.body = std::move(record.body);  // the record is the sender's own copy (from peek)
  auto resp = client_.send(req);

  Verdict verdict = Verdict::kRetry;
  std::string error;
  int status = 0;
  if (resp.isOk()) {
    status = resp->status;
    verdict = classify(status);
    if (verdict != Verdict::kAck) {
      error = "HTTP " + std::to_string(status) + " from " + lane.stats.endpoint + ": " +
              resp->body.substr(0, 512);
    }
  } else {
    error = resp.status().toString();
  }
  Status acked;
  if (verdict != Verdict::kRetry) acked = lane.queue->ack();
  {
    std::lock_guard lk(lane.mu);
    lane.stats.last_status = status;
    if (!error.empty()) {
      lane.stats.last_error = std::move(error);
      lane.stats.last_error_time_ns = wallNowNs();
    }
    switch (verdict) {
      case Verdict::kAck:
        lane.stats.points_sent += record.point_count;
        ++lane.stats.bodies_sent;
        lane.stats.bytes_sent += body_bytes;
        break;
      case Verdict::kDrop:
        lane.stats.points_dropped_4xx += record.point_count;
        ++lane.stats.bodies_dropped_4xx;
        break;
      case Verdict::kRetry: ++lane.stats.retries; break;
    }
    if (!acked.isOk()) {
      lane.stats.last_error = "queue ack: " + acked.toString();
      lane.stats.last_error_time_ns = wallNowNs();
    }
    if (verdict != Verdict::kRetry) lane.unsynced = true;
  }
  if (verdict != Verdict::kRetry) {
    {
      std::lock_guard lock(mu_);
    }  // see waitIdle(): a waiter is either waiting or not yet checking
    idle_cv_.notify_all();
  }
  return verdict != Verdict::kRetry;
}

void Uploader::senderLoop(Lane& lane) {
  int failures = 0;  // consecutive failures of the record at the head
  auto backoff = [&]() {
    if (failures <= options_.max_retry_count) return options_.retry_delay;
    int doublings = std::min(failures - options_.max_retry_count, 30);
    auto d = options_.retry_delay * (std::int64_t{1} << doublings);
    return std::min<std::chrono::milliseconds>(d, options_.retry_backoff_max);
  };
  // Waits d or until stop; false when stopping.
  auto pause = [&](std::chrono::milliseconds d) {
    std::unique_lock lk(lane.mu);
    return !lane.cv.wait_for(lk, d, [&] { return lane.stop; });
  };
  for (;;) {
    std::uint64_t generation = 0;
    {
      std::lock_guard lk(lane.mu);
      if (lane.stop) return;
      generation = lane.generation;
    }
    auto next = lane.queue->peek();
    if (!next.isOk()) {
      {
        std::lock_guard lk(lane.mu);
        lane.stats.last_error = "queue read: " + next.status().toString();
        lane.stats.last_error_time_ns = wallNowNs();
      }
      ++failures;
      if (!pause(backoff())) return;
      continue;
    }
    if (!next->has_value()) {  // empty: sleep until a write (sync first if something is dirty)
      failures = 0;
      { std::lock_guard lock(mu_); }
      idle_cv_.notify_all();
      std::unique_lock lk(lane.mu);
      auto woken = [&] { return lane.stop || lane.generation != generation; };
      if (lane.unsynced) {
        if (lane.cv.wait_for(lk, options_.sync_interval, woken)) continue;
        lane.unsynced = false;
        lk.unlock();
        (void)lane.queue->sync();
        continue;
      }
      lane.cv.wait(lk, woken);
      continue;
    }
    if (deliver(lane, **next)) {
      failures = 0;
      continue;
    }
    ++failures;
    if (!pause(backoff())) return;
  }
}

UploaderStats Uploader::stats() const {
  UploaderStats out;
  std::lock_guard lock(mu_);
  for (const auto& l : lanes_) {
    if (!l) continue;
    UploaderLaneStats s;
    {
      std::lock_guard lk(l->mu);
      s = l->stats;
    }
    s.queue = l->queue->stats();
    out.lanes.push_back(std::move(s));
  }
  return out;
}

bool Uploader::waitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [&] {
    for (const auto& l : lanes_) {
      if (l && l->queue->stats().queued_records > 0) return false;
    }
    return true;
  });
}

}  // namespace sextant::agent
