#include "storage/wal/wal.h"

#include <algorithm>
#include <map>

#include "storage/wal/wal_format.h"

namespace sextant::storage {
namespace {

using Clock = std::chrono::steady_clock;

std::size_t bucketOf(std::size_t group_size) {
  std::size_t b = 0;
  for (std::size_t n = group_size; n > 1 && b < 5; n >>= 1) ++b;
  return b;
}

}  // namespace

// One append() or sync() waiting in the queue. Lives on its caller's stack; the payload it points
// to stays valid until done is set, because the caller is blocked until then.
struct Wal::Writer {
  std::string_view payload;
  bool has_record = true;
  bool want_sync = false;
  std::uint64_t lsn = 0;
  Status status;
  bool done = false;
  std::condition_variable cv;
};

Wal::Wal(FileSystem& fs, WalOptions options) : fs_(fs), options_(std::move(options)) {}

Result<std::unique_ptr<Wal>> Wal::open(FileSystem& fs, WalOptions options) {
  if (options.dir.empty()) return invalidArgument("wal: dir is empty");
  if (options.segment_bytes == 0 || options.max_batch_bytes == 0) {
    return invalidArgument("wal: segment_bytes and max_batch_bytes must be positive");
  }
  if (options.sync == SyncPolicy::kInterval && options.sync_interval.count() <= 0) {
    return invalidArgument("wal: sync_interval must be positive");
  }
  std::unique_ptr<Wal> wal(new Wal(fs, std::move(options)));
  SEXTANT_RETURN_IF_ERROR(wal->recover());
  if (wal->options_.sync == SyncPolicy::kInterval) {
    wal->flusher_ = std::thread([w = wal.get()] { w->flusherLoop(); });
  }
  return wal;
}

Wal::~Wal() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  flusher_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  if (writer_) {
    if (written_lsn_ > durable_lsn_) (void)writer_->sync();
    (void)writer_->close();
  }
  // Every record is stored elsewhere: the files go (a clean shutdown leaves no log to replay).
  // The owner reopens with min_next_lsn past its checkpoint, so LSNs still never repeat.
  if (checkpointed_lsn_ > 0 && checkpointed_lsn_ + 1 >= next_lsn_) {
    for (const Segment& seg : segments_) (void)fs_.remove(path(seg.seq, WalFileKind::kSegment));
  }
}

std::string Wal::path(std::uint64_t seq, WalFileKind kind) const {
  return joinPath(options_.dir, walSegmentName(seq, kind));
}

// ---------------------------------------------------------------------------------------------
// Recovery

Status Wal::recover() {
  SEXTANT_RETURN_IF_ERROR(fs_.createDirs(options_.dir));
  Result<std::vector<std::string>> names = fs_.listDir(options_.dir);
  if (!names.isOk()) return names.status();
  struct Files {
    bool log = false, corrupt = false, tmp = false;
  };
  std::map<std::uint64_t, Files> files;
  std::uint64_t max_seq = 0;
  for (const std::string& name : *names) {
    std::optional<WalFileName> parsed = parseWalFileName(name);
    if (!parsed) continue;
    Files& f = files[parsed->seq];
    if (parsed->kind == WalFileKind::kSegment) f.log = true;
    if (parsed->kind == WalFileKind::kCorrupt) f.corrupt = true;
    if (parsed->kind == WalFileKind::kTemp) f.tmp = true;
    max_seq = std::max(max_seq, parsed->seq);
  }
  // Finish or undo quarantines a crash interrupted (docs/formats/wal.md).
  for (auto& [seq, f] : files) {
    if (!f.tmp) continue;
    if (!f.log && f.corrupt) {
      SEXTANT_RETURN_IF_ERROR(
          fs_.rename(path(seq, WalFileKind::kTemp), path(seq, WalFileKind::kSegment)));
      f.log = true;
    } else {
      SEXTANT_RETURN_IF_ERROR(fs_.remove(path(seq, WalFileKind::kTemp)));
    }
  }
  next_seq_ = max_seq + 1;

  std::vector<std::uint64_t> logs;
  for (const auto& [seq, f] : files) {
    if (f.log) logs.push_back(seq);
  }
  std::uint64_t max_lsn = 0;  // the highest LSN seen anywhere, damaged segments included
  bool reuse_last = false;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const std::uint64_t seq = logs[i];
    const bool last = i + 1 == logs.size();
    const std::string log_path = path(seq, WalFileKind::kSegment);
    Result<std::string> bytes = fs_.readFile(log_path);
    if (!bytes.isOk()) return bytes.status();
    WalSegmentScan scan = scanWalSegment(*bytes, seq);
    if (!scan.header_ok && bytes->size() <= kWalSegmentHeaderSize) {
      // A torn creation: the header is written and synced before any record.
      SEXTANT_RETURN_IF_ERROR(fs_.remove(log_path));
      damage_.push_back({WalDamage::Kind::kTornTail, seq, 0, bytes->size(), 0, "",
                         "torn segment creation: " + scan.error});
      ++stats_.torn_tails;
      stats_.torn_bytes += bytes->size();
      reuse_last = false;
      continue;
    }
    if (scan.header_ok && max_lsn > 0 && scan.header.first_lsn <= max_lsn) {
      scan.damaged = true;
      scan.header_ok = false;
      scan.valid_end = 0;
      scan.records = 0;
      scan.error = "segment's first LSN " + std::to_string(scan.header.first_lsn) +
                   " is not above the previous segment's " + std::to_string(max_lsn);
    }
    if (!scan.damaged) {
      segments_.push_back({seq, scan.header.first_lsn, scan.last_lsn, bytes->size()});
      max_lsn = std::max(max_lsn, scan.last_lsn);
      reuse_last = true;
      continue;
    }
    const std::uint64_t lost_bytes = bytes->size() - scan.valid_end;
    const bool torn = last && scan.header_ok && !scan.lsn_after_damage;
    if (torn) {
      SEXTANT_RETURN_IF_ERROR(fs_.truncate(log_path, scan.valid_end));
      damage_.push_back({WalDamage::Kind::kTornTail, seq, scan.valid_end, lost_bytes, 0, "",
                         "torn tail: " + scan.error});
      ++stats_.torn_tails;
      stats_.torn_bytes += lost_bytes;
      segments_.push_back({seq, scan.header.first_lsn, scan.last_lsn, scan.valid_end});
      max_lsn = std::max(max_lsn, scan.last_lsn);
      reuse_last = true;
      continue;
    }
    // Corruption: estimate what was lost, quarantine, go on with the next segment.
    const std::uint64_t last_good = scan.header_ok ? scan.last_lsn : max_lsn;
    std::uint64_t lost_to = last_good;
    if (scan.lsn_after_damage) lost_to = std::max(lost_to, *scan.lsn_after_damage);
    if (!last) {
      Result<std::string> next_header =
          fs_.readRange(path(logs[i + 1], WalFileKind::kSegment), 0, kWalSegmentHeaderSize);
      if (next_header.isOk()) {
        Result<WalSegmentHeader> h = decodeWalSegmentHeader(*next_header);
        if (h.isOk() && h->first_lsn > 0) lost_to = std::max(lost_to, h->first_lsn - 1);
      }
    }
    bool rebuilt = false;
    Segment seg{seq, scan.header.first_lsn, scan.last_lsn, scan.valid_end};
    SEXTANT_RETURN_IF_ERROR(quarantine(seq, *bytes, scan.header_ok ? scan.valid_end : 0, &rebuilt));
    damage_.push_back({WalDamage::Kind::kCorrupt, seq, scan.valid_end, lost_bytes,
                       lost_to - last_good, walSegmentName(seq, WalFileKind::kCorrupt),
                       scan.error});
    ++stats_.corrupt_segments;
    ++stats_.quarantined_segments;
    stats_.corrupt_bytes += lost_bytes;
    stats_.corrupt_records += lost_to - last_good;
    if (rebuilt) segments_.push_back(seg);
    max_lsn = std::max(max_lsn, lost_to);
    reuse_last = false;
  }
  next_lsn_ = std::max(max_lsn + 1, options_.min_next_lsn);
  written_lsn_ = durable_lsn_ = next_lsn_ - 1;
  last_sync_ = Clock::now();

  const bool full = !segments_.empty() && segments_.back().size >= options_.segment_bytes;
  if (reuse_last && !segments_.empty() && !full) {
    // Append to the newest segment. Sync it first: a killed process may have left data in the
    // page cache that replay will hand out as durable.
    const Segment& back = segments_.back();
    Result<std::unique_ptr<WritableFile>> f = fs_.openAppend(path(back.seq, WalFileKind::kSegment));
    if (!f.isOk()) return f.status();
    SEXTANT_RETURN_IF_ERROR((*f)->sync());
    ++stats_.syncs;
    writer_ = std::move(f).value();
    active_ = back;
    active_seq_ = back.seq;
    return Status::ok();
  }
  return startSegment(next_lsn_);
}

Status Wal::quarantine(std::uint64_t seq, std::string_view bytes, std::uint64_t valid_end,
                       bool* rebuilt) {
  *rebuilt = false;
  const std::string log_path = path(seq, WalFileKind::kSegment);
  const std::string tmp_path = path(seq, WalFileKind::kTemp);
  if (valid_end > kWalSegmentHeaderSize) {
    // Keep the valid prefix replayable: write it beside the segment first.
    if (fs_.exists(tmp_path)) SEXTANT_RETURN_IF_ERROR(fs_.remove(tmp_path));
    Result<std::unique_ptr<WritableFile>> f = fs_.openAppend(tmp_path);
    if (!f.isOk()) return f.status();
    Status st = (*f)->append(bytes.substr(0, valid_end));
    if (st.isOk()) st = (*f)->sync();
    Status closed = (*f)->close();
    if (st.isOk()) st = closed;
    if (!st.isOk()) {
      (void)fs_.remove(tmp_path);
      return st;
    }
    *rebuilt = true;
  }
  SEXTANT_RETURN_IF_ERROR(fs_.rename(log_path, path(seq, WalFileKind::kCorrupt)));
  if (*rebuilt) SEXTANT_RETURN_IF_ERROR(fs_.rename(tmp_path, log_path));
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Appending

Result<std::uint64_t> Wal::append(std::string_view payload) {
  if (payload.size() > kWalMaxPayloadSize) {
    return outOfRange("wal: record of " + std::to_string(payload.size()) + " bytes is over " +
                      std::to_string(kWalMaxPayloadSize));
  }
  Writer w;
  w.payload = payload;
  w.want_sync = options_.sync == SyncPolicy::kEveryCommit;
  commit(w);
  if (!w.status.isOk()) return w.status;
  return w.lsn;
}

Status Wal::sync() {
  {
    std::lock_guard lock(mu_);
    if (durable_lsn_ >= written_lsn_) return Status::ok();
  }
  Writer w;
  w.has_record = false;
  w.want_sync = true;
  commit(w);
  return w.status;
}

void Wal::commit(Writer& w) {
  std::unique_lock lock(mu_);
  if (w.has_record) w.lsn = next_lsn_++;
  writers_.push_back(&w);
  while (!w.done && writers_.front() != &w) w.cv.wait(lock);
  if (w.done) return;

  // The leader: take everyone queued (up to max_batch_bytes of records).
  std::vector<Writer*> group;
  std::size_t bytes = 0;
  bool want_sync = false;
  for (Writer* x : writers_) {
    const std::size_t size = x->has_record ? walRecordSize(x->payload.size()) : 0;
    if (!group.empty() && bytes + size > options_.max_batch_bytes) break;
    group.push_back(x);
    bytes += size;
    want_sync = want_sync || x->want_sync;
  }
  if (options_.sync == SyncPolicy::kInterval &&
      Clock::now() - last_sync_ >= options_.sync_interval) {
    want_sync = true;
  }
  lock.unlock();
  std::size_t ok_prefix = 0;
  bool synced = false;
  const Status st = writeGroup(group, want_sync, &ok_prefix, &synced);
  lock.lock();

  std::uint64_t records = 0;
  std::uint64_t max_lsn = 0;
  for (std::size_t i = 0; i < group.size(); ++i) {
    Writer* x = group[i];
    x->status = i < ok_prefix || st.isOk() ? Status::ok() : st;
    if (x->has_record) {
      ++records;
      max_lsn = std::max(max_lsn, x->lsn);
      if (x->status.isOk()) {
        ++stats_.appends;
        stats_.payload_bytes += x->payload.size();
      } else {
        ++stats_.append_failures;
      }
    }
  }
  // LSNs of failed records are burned: never reused, never acknowledged.
  written_lsn_ = std::max(written_lsn_, max_lsn);
  if (st.isOk() && synced) {
    durable_lsn_ = written_lsn_;
    last_sync_ = Clock::now();
  }
  if (records > 0) {
    ++stats_.group_commits;
    stats_.max_group_size = std::max(stats_.max_group_size, records);
    ++stats_.group_size_buckets[bucketOf(records)];
  }
  for (Writer* x : group) {
    writers_.pop_front();
    x->done = true;
    if (x != &w) x->cv.notify_one();
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
}

Status Wal::writeGroup(std::vector<Writer*>& group, bool want_sync, std::size_t* ok_prefix,
                       bool* synced) {
  *ok_prefix = 0;
  *synced = false;
  std::size_t first_record = 0;
  while (first_record < group.size() && !group[first_record]->has_record) ++first_record;
  if (!writer_) {
    // No open segment (after a failure): records need a new one; a sync has nothing to do.
    if (first_record == group.size()) {
      *synced = true;
      return Status::ok();
    }
    SEXTANT_RETURN_IF_ERROR(startSegment(group[first_record]->lsn));
  }
  std::uint64_t group_start = active_.size;  // where this group's records begin in the segment
  buf_.clear();
  std::uint64_t buf_last_lsn = active_.last_lsn;
  Status st;
  for (std::size_t i = first_record; i < group.size() && st.isOk(); ++i) {
    Writer* x = group[i];
    if (!x->has_record) continue;
    const std::size_t size = walRecordSize(x->payload.size());
    const bool has_records = buf_last_lsn >= active_.first_lsn;
    if (has_records && active_.size + buf_.size() + size > options_.segment_bytes) {
      // Rotation: finish this segment (synced), then start the next one at this record.
      st = writer_->append(buf_);
      if (!st.isOk()) break;
      active_.size += buf_.size();
      active_.last_lsn = buf_last_lsn;
      {
        std::lock_guard lock(mu_);
        stats_.bytes_written += buf_.size();
      }
      buf_.clear();
      st = rotate();
      if (!st.isOk()) break;
      *ok_prefix = i;  // everything before this record is durable in a sealed segment
      st = startSegment(x->lsn);
      if (!st.isOk()) return st;  // no segment is open; nothing to undo
      group_start = active_.size;
      buf_last_lsn = active_.last_lsn;
    }
    appendWalRecord(buf_, x->lsn, x->payload);
    buf_last_lsn = x->lsn;
  }
  if (st.isOk() && !buf_.empty()) {
    st = writer_->append(buf_);
    if (st.isOk()) {
      active_.size += buf_.size();
      active_.last_lsn = buf_last_lsn;
      std::lock_guard lock(mu_);
      stats_.bytes_written += buf_.size();
    }
  }
  if (st.isOk() && want_sync) {
    st = writer_->sync();
    if (st.isOk()) {
      *synced = true;
      std::lock_guard lock(mu_);
      ++stats_.syncs;
    }
  }
  if (st.isOk()) {
    std::lock_guard lock(mu_);
    segments_.back() = active_;
    return Status::ok();
  }
  sealAfterFailure(group_start);
  return st;
}

Status Wal::startSegment(std::uint64_t first_lsn) {
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mu_);
    seq = next_seq_++;
  }
  const std::string seg_path = path(seq, WalFileKind::kSegment);
  Result<std::unique_ptr<WritableFile>> f = fs_.openAppend(seg_path);
  if (!f.isOk()) return f.status();
  Status st = (*f)->append(encodeWalSegmentHeader({seq, first_lsn}));
  if (st.isOk()) st = (*f)->sync();
  if (!st.isOk()) {
    (void)(*f)->close();
    (void)fs_.remove(seg_path);  // a leftover is a torn creation at the next open
    return st;
  }
  writer_ = std::move(f).value();
  active_ = Segment{seq, first_lsn, first_lsn - 1, kWalSegmentHeaderSize};
  std::lock_guard lock(mu_);
  segments_.push_back(active_);
  active_seq_ = seq;
  stats_.bytes_written += kWalSegmentHeaderSize;
  ++stats_.syncs;
  return Status::ok();
}

Status Wal::rotate() {
  SEXTANT_RETURN_IF_ERROR(writer_->sync());
  Status closed = writer_->close();
  writer_.reset();
  std::lock_guard lock(mu_);
  ++stats_.syncs;
  ++stats_.rotations;
  segments_.back() = active_;
  active_seq_ = 0;
  durable_lsn_ = std::max(durable_lsn_, active_.last_lsn);
  return Status::ok();  // a failed close after a successful sync loses nothing
}

void Wal::sealAfterFailure(std::uint64_t truncate_to) {
  // Cut what this group may have written (a prefix of a record, or records whose sync failed);
  // the next group starts a new segment so that LSNs stay consecutive within a segment.
  (void)writer_->close();
  writer_.reset();
  const bool truncated = fs_.truncate(path(active_.seq, WalFileKind::kSegment), truncate_to).isOk();
  std::lock_guard lock(mu_);
  active_.size = truncate_to;
  active_.last_lsn = std::min(active_.last_lsn, segments_.back().last_lsn);
  segments_.back() = active_;
  active_seq_ = 0;
  // A successful truncate synced the file: everything before the group is durable.
  if (truncated) durable_lsn_ = std::max(durable_lsn_, active_.last_lsn);
}

void Wal::flusherLoop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    flusher_cv_.wait_for(lock, options_.sync_interval);
    if (stop_) break;
    if (written_lsn_ > durable_lsn_) {
      lock.unlock();
      (void)sync();  // a failure is seen by the next append's group too
      lock.lock();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Replay and checkpoint

Status Wal::replay(std::uint64_t from_lsn,
                   const std::function<Status(std::uint64_t lsn, std::string_view payload)>& fn) {
  std::vector<Segment> segments;
  {
    std::lock_guard lock(mu_);
    segments.assign(segments_.begin(), segments_.end());
  }
  for (const Segment& seg : segments) {
    if (seg.last_lsn < seg.first_lsn || seg.last_lsn < from_lsn) continue;  // empty or all below
    Result<std::string> data = fs_.readFile(path(seg.seq, WalFileKind::kSegment));
    if (!data.isOk()) {
      if (data.status().code() == StatusCode::kNotFound) continue;  // checkpointed meanwhile
      return data.status();
    }
    std::string_view bytes(*data);
    if (bytes.size() > seg.size) bytes = bytes.substr(0, seg.size);
    std::uint64_t pos = kWalSegmentHeaderSize;
    std::uint64_t expected = seg.first_lsn;
    std::string error;
    Result<WalSegmentHeader> header = decodeWalSegmentHeader(bytes);
    if (!header.isOk() || header->seq != seg.seq || header->first_lsn != seg.first_lsn) {
      pos = 0;
      error = header.isOk() ? "segment header changed" : header.status().message();
    }
    while (error.empty() && expected <= seg.last_lsn) {
      WalRecordView r = decodeWalRecord(bytes.substr(pos));
      if (r.outcome != WalRecordView::Outcome::kRecord) {
        error = r.error;
        break;
      }
      if (r.lsn != expected) {
        error = "record LSN " + std::to_string(r.lsn) + " where " + std::to_string(expected) +
                " was expected";
        break;
      }
      if (r.lsn >= from_lsn) SEXTANT_RETURN_IF_ERROR(fn(r.lsn, r.payload));
      ++expected;
      pos += r.size;
    }
    if (error.empty()) continue;
    // Damage that appeared after open(): stop this segment, report, quarantine when sealed.
    WalDamage d{WalDamage::Kind::kCorrupt,   seg.seq, pos,  seg.size - pos,
                seg.last_lsn + 1 - expected, "",      error};
    std::lock_guard files_lock(files_mu_);
    bool sealed = false;
    {
      std::lock_guard lock(mu_);
      sealed =
          seg.seq != active_seq_ && std::any_of(segments_.begin(), segments_.end(),
                                                [&](const Segment& s) { return s.seq == seg.seq; });
    }
    if (sealed) {
      bool rebuilt = false;
      Status q = quarantine(seg.seq, *data, pos > kWalSegmentHeaderSize ? pos : 0, &rebuilt);
      if (q.isOk()) {
        d.quarantined_as = walSegmentName(seg.seq, WalFileKind::kCorrupt);
      } else {
        d.reason += "; quarantine failed: " + q.toString();
      }
      std::lock_guard lock(mu_);
      for (auto it = segments_.begin(); it != segments_.end(); ++it) {
        if (it->seq != seg.seq || !q.isOk()) continue;
        if (rebuilt) {
          it->size = pos;
          it->last_lsn = expected - 1;
        } else {
          segments_.erase(it);
        }
        break;
      }
      if (q.isOk()) ++stats_.quarantined_segments;
    }
    std::lock_guard lock(mu_);
    ++stats_.corrupt_segments;
    stats_.corrupt_bytes += d.bytes_lost;
    stats_.corrupt_records += d.records_lost;
    damage_.push_back(std::move(d));
  }
  return Status::ok();
}

Status Wal::checkpoint(std::uint64_t lsn) {
  bool need_sync = false;
  {
    std::lock_guard lock(mu_);
    if (lsn >= next_lsn_) {
      return invalidArgument("wal: checkpoint at LSN " + std::to_string(lsn) +
                             ", which was never given out (next is " + std::to_string(next_lsn_) +
                             ")");
    }
    need_sync = durable_lsn_ < lsn;
  }
  if (need_sync) SEXTANT_RETURN_IF_ERROR(sync());
  std::lock_guard files_lock(files_mu_);
  std::vector<std::uint64_t> doomed;
  {
    std::lock_guard lock(mu_);
    // The newest segment stays (it is the active one, or the next group's predecessor).
    while (segments_.size() > 1 && segments_.front().last_lsn <= lsn) {
      doomed.push_back(segments_.front().seq);
      segments_.pop_front();
    }
    stats_.checkpoint_deleted_segments += doomed.size();
    checkpointed_lsn_ = std::max(checkpointed_lsn_, lsn);
  }
  Status result;
  for (std::uint64_t seq : doomed) {
    Status st = fs_.remove(path(seq, WalFileKind::kSegment));
    if (!st.isOk() && result.isOk()) result = st;  // a leftover is found again at open
  }
  return result;
}

WalStats Wal::stats() const {
  std::lock_guard lock(mu_);
  WalStats s = stats_;
  s.segments = segments_.size();
  s.disk_bytes = 0;
  for (const Segment& seg : segments_) s.disk_bytes += seg.size;
  s.next_lsn = next_lsn_;
  s.durable_lsn = durable_lsn_;
  return s;
}

std::vector<WalDamage> Wal::damage() const {
  std::lock_guard lock(mu_);
  return damage_;
}

}  // namespace sextant::storage
