#include "agent/point_path.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "codec/point_pb/point_pb.h"

namespace sextant::agent {

PointPath::PointPath(PointPathOptions options) : options_(std::move(options)) {
  for (size_t i = 0; i < model::kAllCategories.size(); ++i) {
    batches_.push_back(std::make_unique<Batch>());
  }
}

PointPath::~PointPath() { stop(); }

void PointPath::start() {
  std::lock_guard lock(timer_mu_);
  if (timer_.joinable()) return;
  stopping_ = false;
  timer_ = std::thread([this] { timerLoop(); });
}

void PointPath::stop() {
  {
    std::lock_guard lock(timer_mu_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  flush();
}

void PointPath::timerLoop() {
  std::unique_lock lock(timer_mu_);
  while (!stopping_) {
    if (timer_cv_.wait_for(lock, options_.flush_interval, [this] { return stopping_; })) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

void PointPath::flush() {
  for (model::Category c : model::kAllCategories) flushCategory(c);
}

PointPath::Batch& PointPath::batch(model::Category category, const std::string& storage_index) {
  if (storage_index.empty()) return *batches_[static_cast<size_t>(category)];
  std::lock_guard lock(indexed_mu_);
  std::unique_ptr<Batch>& b = indexed_batches_[{category, storage_index}];
  if (!b) b = std::make_unique<Batch>();
  return *b;
}

void PointPath::flushCategory(model::Category category) {
  std::vector<std::pair<std::string, Batch*>> list = {
      {"", batches_[static_cast<size_t>(category)].get()}};
  {
    std::lock_guard lock(indexed_mu_);
    for (const auto& [key, b] : indexed_batches_) {
      if (key.first == category) list.emplace_back(key.second, b.get());
    }
  }
  for (const auto& [index, b] : list) {
    std::vector<model::Point> points;
    Encoded encoded;
    {
      std::lock_guard lock(b->mu);
      points.swap(b->pending);
      encoded.pb.swap(b->pb);
      encoded.ends.swap(b->pb_ends);
    }
    if (!points.empty()) (void)sinkBatch(category, index, std::move(points));
    if (!encoded.ends.empty()) (void)sinkEncoded(category, index, encoded);
  }
}

bool PointPath::fastPathAllowed(model::Category category, const FeedOptions& options) const {
  if (!options_.protobuf_sink || !options.ignore_status.empty() ||
      !options.field_white_list.empty()) {
    return false;
  }
  return !options_.pipeline ||
         (options_.pipeline_applies && !options_.pipeline_applies(category, options));
}

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// FeedOptions::ignore_status and field_white_list; returns the points dropped by status.
size_t applyLogFilters(const FeedOptions& options, std::vector<model::Point>* points) {
  size_t before = points->size();
  if (!options.ignore_status.empty()) {
    std::erase_if(*points, [&](const model::Point& p) {
      std::string_view status = "info";
      if (const model::Field* f = p.findField("status"); f != nullptr) {
        if (const auto* s = std::get_if<std::string>(&f->value)) status = *s;
      }
      return std::any_of(options.ignore_status.begin(), options.ignore_status.end(),
                         [&](const std::string& i) { return equalsIgnoreCase(i, status); });
    });
  }
  if (!options.field_white_list.empty()) {
    const auto& keep = options.field_white_list;
    for (model::Point& p : *points) {
      std::erase_if(p.fields, [&](const model::Field& f) {
        return f.key != "message" && f.key != "status" &&
               std::find(keep.begin(), keep.end(), f.key) == keep.end();
      });
    }
  }
  return before - points->size();
}

}  // namespace

namespace {

// Step 1 on one point: the global tags whose key the point has neither as tag nor as field.
void addGlobalTagsTo(const TagMap& tags, model::Point& p) {
  for (const auto& [k, v] : tags) {
    if (p.findTag(k) != nullptr || p.findField(k) != nullptr) continue;
    p.addTag(k, v);
  }
}

// Step 3's rule: a time more than `skew` away from `now` (either side) is replaced by now. The
// distance in uint64: any two int64 times, never an overflow.
bool outsideSkew(int64_t t, int64_t now, int64_t skew) {
  const uint64_t d = t > now ? static_cast<uint64_t>(t) - static_cast<uint64_t>(now)
                             : static_cast<uint64_t>(now) - static_cast<uint64_t>(t);
  return skew < 0 || d > static_cast<uint64_t>(skew);
}

// Step 3 on one point; true if it was re-timed.
bool correctTime(model::Point& p, int64_t now, int64_t skew) {
  if (outsideSkew(p.time_ns, now, skew)) {
    p.addField("__orig_time", int64_t{p.time_ns});
    p.time_ns = now;
    return true;
  }
  return false;
}

// The fast paths' step for one point (feedReusable; feedLineProtocol runs the same steps):
// global tags (step 1) and time correction (step 3) exactly as feed() applies them, then the
// point's PBPoints entry appended to *pb and its end to *ends. Returns whether it was re-timed.
bool finishAndEncode(const TagMap* tags, bool correct, int64_t now, int64_t skew, model::Point& p,
                     std::string* pb, std::vector<uint32_t>* ends) {
  if (tags != nullptr) addGlobalTagsTo(*tags, p);
  const bool corrected = correct && correctTime(p, now, skew);
  codec::pb::appendPoint(p, pb);
  ends->push_back(static_cast<uint32_t>(pb->size()));
  return corrected;
}

// Appends the PBPoints entries of `points` (already through every step) to a batch's bytes.
void encodeInto(std::span<const model::Point> points, std::string* pb,
                std::vector<uint32_t>* ends) {
  for (const model::Point& p : points) {
    codec::pb::appendPoint(p, pb);
    ends->push_back(static_cast<uint32_t>(pb->size()));
  }
}

// Point ends are uint32_t offsets: a batch flushes once its bytes pass 2 GiB and one feed may
// add at most 2 GiB, so offsets stay below 4 GiB.
constexpr size_t kMaxFeedBytes = size_t{1} << 31;

}  // namespace

void PointPath::addGlobalTags(const TagMap& tags, std::vector<model::Point>& points) const {
  for (model::Point& p : points) addGlobalTagsTo(tags, p);
}

void PointPath::correctTimes(std::vector<model::Point>& points) {
  const int64_t now = options_.now_ns();
  const int64_t skew = options_.max_time_skew.count();
  uint64_t corrected = 0;
  for (model::Point& p : points) corrected += correctTime(p, now, skew) ? 1 : 0;
  countCorrected(corrected);
}

void PointPath::countCorrected(uint64_t corrected) {
  if (corrected == 0) return;
  std::lock_guard lock(stats_mu_);
  corrected_times_ += corrected;
}

TagsSnapshot PointPath::globalTags(const FeedOptions& options) const {
  if (options.ignore_global_tags) return nullptr;
  const auto& source = options.election ? options_.election_tags : options_.host_tags;
  if (!source) return nullptr;
  TagsSnapshot tags = source();
  return tags && !tags->empty() ? tags : nullptr;
}

void PointPath::countFeed(model::Category category, const FeedOptions& options, size_t points) {
  std::lock_guard lock(stats_mu_);
  FeedStats& s = feed_stats_[{options.input, category}];
  s.input = options.input;
  s.category = category;
  ++s.feeds;
  s.points += points;
  s.last_feed_ns = options_.now_ns();
}

Status PointPath::sinkBatch(model::Category category, const std::string& storage_index,
                            std::vector<model::Point>&& points) {
  if (!options_.sink) {
    std::lock_guard lock(stats_mu_);
    discarded_points_ += points.size();
    return Status::ok();
  }
  Status st = options_.sink(category, points, storage_index);
  countSink(category, points.size(), st);
  return st;
}

Status PointPath::sinkEncoded(model::Category category, const std::string& storage_index,
                              const Encoded& encoded) {
  if (!options_.protobuf_sink) {  // never: encoded points exist only with a protobuf sink
    std::lock_guard lock(stats_mu_);
    discarded_points_ += encoded.ends.size();
    return Status::ok();
  }
  Status st = options_.protobuf_sink(category, encoded.pb, encoded.ends, storage_index);
  countSink(category, encoded.ends.size(), st);
  return st;
}

void PointPath::countSink(model::Category category, size_t points, const Status& st) {
  std::lock_guard lock(stats_mu_);
  ++flushes_;
  if (st.isOk()) {
    sunk_points_ += points;
  } else {
    ++sink_failures_;
    failed_points_ += points;
    InputError& e = errors_["uploader"];
    e.input = "uploader";
    e.message = std::string(model::categoryName(category)) + ": " + st.toString();
    e.time_ns = options_.now_ns();
    ++e.count;
  }
}

Status PointPath::feed(model::Category category, std::vector<model::Point>&& points,
                       const FeedOptions& options) {
  if (points.empty()) return Status::ok();
  if (TagsSnapshot tags = globalTags(options)) addGlobalTags(*tags, points);
  if (options_.pipeline) {
    options_.pipeline(category, options, &points);
    if (points.empty()) return Status::ok();
  }
  if (!options.ignore_status.empty() || !options.field_white_list.empty()) {
    if (size_t ignored = applyLogFilters(options, &points); ignored > 0) {
      std::lock_guard lock(stats_mu_);
      FeedStats& s = feed_stats_[{options.input, category}];
      s.input = options.input;
      s.category = category;
      s.ignored_status += ignored;
      ignored_status_ += ignored;
    }
    if (points.empty()) return Status::ok();
  }
  if (options_.auto_timestamp_correction) correctTimes(points);

  countFeed(category, options, points.size());

  if (options.durable) return sinkBatch(category, options.storage_index, std::move(points));

  std::vector<model::Point> ready;
  Encoded ready_encoded;
  {
    Batch& b = batch(category, options.storage_index);
    std::lock_guard lock(b.mu);
    if (!b.pb_ends.empty()) {
      // The batch holds encoded points (feedReusable): these follow them, encoded too, so the
      // batch keeps the order of its feeds.
      encodeInto(points, &b.pb, &b.pb_ends);
    } else if (b.pending.empty()) {
      b.pending = std::move(points);
    } else {
      b.pending.insert(b.pending.end(), std::make_move_iterator(points.begin()),
                       std::make_move_iterator(points.end()));
    }
    if (b.size() >= options_.max_cache_count || b.pb.size() > kMaxFeedBytes) {
      ready.swap(b.pending);
      ready_encoded.pb.swap(b.pb);
      ready_encoded.ends.swap(b.pb_ends);
    }
  }
  if (!ready.empty()) (void)sinkBatch(category, options.storage_index, std::move(ready));
  if (!ready_encoded.ends.empty())
    (void)sinkEncoded(category, options.storage_index, ready_encoded);
  return Status::ok();
}

Status PointPath::feedReusable(model::Category category, std::vector<model::Point>& points,
                               const FeedOptions& options) {
  if (points.empty()) return Status::ok();
  if (!fastPathAllowed(category, options)) {
    Status st = feed(category, std::move(points), options);
    points.clear();
    return st;
  }
  const TagsSnapshot tags = globalTags(options);
  const bool correct = options_.auto_timestamp_correction;
  const int64_t now = correct ? options_.now_ns() : 0;
  const int64_t skew = options_.max_time_skew.count();
  // Steps 1 and 3 on the caller's points, each encoded at once into `pb` / `ends`: the batch's
  // own bytes (under its lock: no copy, and the batch keeps its feeds' order), or a body of its
  // own for a durable feed. False when the feed is too large to address (nothing added).
  uint64_t corrected = 0;
  auto encode = [&](std::string* pb, std::vector<uint32_t>* ends) {
    const size_t start = pb->size(), first_end = ends->size();
    for (model::Point& p : points) {
      if (finishAndEncode(tags.get(), correct, now, skew, p, pb, ends)) ++corrected;
      if (ends->size() == first_end + 1) {  // room for all, guessed from the first point
        const size_t guess = (pb->size() - start) * points.size();
        pb->reserve(start + guess + guess / 8);
      }
      if (pb->size() - start > kMaxFeedBytes) {
        pb->resize(start);
        ends->resize(first_end);
        return false;
      }
    }
    return true;
  };
  auto too_large = [&] {
    return invalidArgument("point path: a feed of " + std::to_string(points.size()) +
                           " points encodes to more than 2 GiB");
  };

  if (options.durable) {
    Encoded body;
    if (!encode(&body.pb, &body.ends)) return too_large();
    countCorrected(corrected);
    countFeed(category, options, points.size());
    return sinkEncoded(category, options.storage_index, body);
  }

  Encoded ready;
  {
    Batch& b = batch(category, options.storage_index);
    std::lock_guard lock(b.mu);
    if (!b.pending.empty()) {
      // Points fed by feed() before these: encoded in front of them (feed order); the batch
      // holds encoded points only from now until it is flushed.
      encodeInto(b.pending, &b.pb, &b.pb_ends);
      b.pending.clear();
    }
    if (!encode(&b.pb, &b.pb_ends)) return too_large();
    if (b.size() >= options_.max_cache_count || b.pb.size() > kMaxFeedBytes) {
      ready.pb.swap(b.pb);
      ready.ends.swap(b.pb_ends);
    }
  }
  countCorrected(corrected);
  countFeed(category, options, points.size());
  if (!ready.ends.empty()) (void)sinkEncoded(category, options.storage_index, ready);
  return Status::ok();
}

namespace {

// Step 1 on a view (as addGlobalTagsTo): the added tags are views into `tags`.
void addGlobalTagViews(const TagMap& tags, model::PointView& p) {
  for (const auto& [k, v] : tags) {
    const std::string_view key = k;
    bool has = false;
    for (const model::TagView& t : p.tags) has = has || t.key == key;
    for (const model::FieldView& f : p.fields) has = has || f.key == key;
    if (!has) p.tags.push_back(model::TagView{key, v});
  }
}

// Step 3 on a view (as correctTime); true if it was re-timed.
bool correctTimeView(model::PointView& p, int64_t now, int64_t skew) {
  if (outsideSkew(p.time_ns, now, skew)) {
    model::FieldView& orig = p.fields.emplace_back();
    orig.key = "__orig_time";
    orig.type = model::FieldType::kInt;
    orig.i = p.time_ns;
    p.time_ns = now;
    return true;
  }
  return false;
}

// The fast path's upload body: an uninitialised byte buffer that grows by doubling (a
// std::string zero-fills its growth before it is written).
class PbBuffer {
 public:
  explicit PbBuffer(size_t capacity)
      : data_(new char[std::max<size_t>(capacity, 64)]),
        capacity_(std::max<size_t>(capacity, 64)) {}

  char* end() { return data_.get() + size_; }
  size_t room() const { return capacity_ - size_; }
  size_t size() const { return size_; }
  std::string_view view() const { return std::string_view(data_.get(), size_); }
  void commit(size_t n) { size_ += n; }
  // Room for at least n more bytes.
  void grow(size_t n) {
    const size_t capacity = std::max(2 * capacity_, size_ + n);
    std::unique_ptr<char[]> data(new char[capacity]);
    std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }
  void append(std::string_view s) {
    if (room() < s.size()) grow(s.size());
    std::memcpy(end(), s.data(), s.size());
    size_ += s.size();
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_;
  size_t size_ = 0;
};

}  // namespace

std::optional<Status> PointPath::feedLineProtocol(model::Category category, std::string_view body,
                                                  const codec::lp::DecodeOptions& decode,
                                                  const model::CheckOptions& check,
                                                  const FeedOptions& options) {
  // Only what steps 1 and 3 do is replayed here; anything else takes the ordinary path.
  if (!options.durable || !fastPathAllowed(category, options)) return std::nullopt;
  const TagsSnapshot tags = globalTags(options);
  const bool correct = options_.auto_timestamp_correction;
  const int64_t now = correct ? options_.now_ns() : 0;
  const int64_t skew = options_.max_time_skew.count();

  // Protobuf runs ~1.6x the line protocol's size (more with time correction and global tags);
  // pages reserved and never written cost no memory.
  PbBuffer pb(body.size() * 2);
  std::string one;  // the entry of a line read as a point
  std::vector<uint32_t> ends;
  uint64_t corrected = 0;
  // Each line is read as views into the body (no string is copied), checked and encoded from
  // them; a line views cannot show (an array or bytes field) is read again into a point.
  model::PointView view;               // reused for every line
  model::Point pt;                     // for the lines views cannot show
  model::ViewCheck view_check(check);  // the lines mostly repeat their names
  codec::lp::LineReader reader(body, decode);
  for (;;) {
    const codec::lp::LineReader::Next next = reader.next(&view);
    if (next == codec::lp::LineReader::Next::kEnd) break;
    if (next == codec::lp::LineReader::Next::kPoint) {
      if (!view_check.isNormalized(view)) return std::nullopt;
      if (tags) addGlobalTagViews(*tags, view);
      if (correct && correctTimeView(view, now, skew)) ++corrected;
      size_t n;
      while ((n = codec::pb::appendPoint(view, pb.end(), pb.room())) == 0) pb.grow(1);  // doubles
      pb.commit(n);
    } else {
      // A bad line is a 400 and a point needing repair gets warnings: the ordinary path's job.
      if (next != codec::lp::LineReader::Next::kUnsupported ||
          reader.next(&pt) != codec::lp::LineReader::Next::kPoint ||
          !model::isNormalized(pt, check)) {
        return std::nullopt;
      }
      if (tags) addGlobalTagsTo(*tags, pt);
      if (correct && correctTime(pt, now, skew)) ++corrected;
      one.clear();
      codec::pb::appendPoint(pt, &one);
      pb.append(one);
    }
    if (pb.size() > UINT32_MAX) return std::nullopt;
    ends.push_back(static_cast<uint32_t>(pb.size()));
  }
  if (ends.empty()) return std::nullopt;  // "no points": the ordinary path's answer

  countCorrected(corrected);
  countFeed(category, options, ends.size());
  Status st = options_.protobuf_sink(category, pb.view(), ends, options.storage_index);
  countSink(category, ends.size(), st);
  return st;
}

void PointPath::reportError(std::string_view input, std::string_view message) {
  std::lock_guard lock(stats_mu_);
  InputError& e = errors_[std::string(input)];
  e.input = std::string(input);
  e.message = std::string(message);
  e.time_ns = options_.now_ns();
  ++e.count;
}

PointPathStats PointPath::stats() const {
  PointPathStats out;
  {
    std::lock_guard lock(stats_mu_);
    for (const auto& [key, s] : feed_stats_) out.feeds.push_back(s);
    for (const auto& [key, e] : errors_) out.errors.push_back(e);
    out.corrected_times = corrected_times_;
    out.ignored_status = ignored_status_;
    out.flushes = flushes_;
    out.sunk_points = sunk_points_;
    out.sink_failures = sink_failures_;
    out.failed_points = failed_points_;
    out.discarded_points = discarded_points_;
  }
  for (const auto& b : batches_) {
    std::lock_guard lock(b->mu);
    out.pending_points += b->size();
  }
  std::lock_guard lock(indexed_mu_);
  for (const auto& [key, b] : indexed_batches_) {
    std::lock_guard batch_lock(b->mu);
    out.pending_points += b->size();
  }
  return out;
}

}  // namespace sextant::agent
