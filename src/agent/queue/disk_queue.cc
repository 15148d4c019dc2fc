#include "agent/queue/disk_queue.h"

#include <algorithm>
#include <vector>

namespace sextant::agent {
namespace {

constexpr std::string_view kCursorName = "cursor";

Status resourceExhausted(std::string message) {
  return Status(StatusCode::kResourceExhausted, std::move(message));
}

// Where the records of a segment that are still queued start.
std::uint64_t firstUnread(bool is_front, std::uint64_t read_offset) {
  return is_front ? read_offset : kSegmentHeaderSize;
}

}  // namespace

// ---- open and recovery ----

Result<std::unique_ptr<DiskQueue>> DiskQueue::open(FileSystem& fs, DiskQueueOptions options) {
  if (options.dir.empty()) return invalidArgument("disk queue: empty dir");
  if (options.segment_bytes <= kSegmentHeaderSize) {
    return invalidArgument("disk queue: segment_bytes too small");
  }
  if (options.max_bytes <= kSegmentHeaderSize + kRecordHeaderSize + kRecordMetaSize) {
    return invalidArgument("disk queue: max_bytes too small");
  }
  std::unique_ptr<DiskQueue> q(new DiskQueue(fs, std::move(options)));
  SEXTANT_RETURN_IF_ERROR(q->recover());
  return q;
}

DiskQueue::DiskQueue(FileSystem& fs, DiskQueueOptions options)
    : fs_(fs), options_(std::move(options)) {}

DiskQueue::~DiskQueue() {
  std::lock_guard lock(mu_);
  (void)syncWriterLocked(/*force=*/true);
  (void)persistCursorLocked(/*force=*/true);
  if (writer_) (void)writer_->close();
}

std::string DiskQueue::segmentPath(std::uint64_t seq) const {
  return joinPath(options_.dir, segmentFileName(seq));
}

std::chrono::steady_clock::time_point DiskQueue::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

Status DiskQueue::recover() {
  std::lock_guard lock(mu_);
  last_sync_ = last_cursor_write_ = now();  // intervals count from open
  SEXTANT_RETURN_IF_ERROR(fs_.createDirs(options_.dir));
  const std::string cursor_path = joinPath(options_.dir, kCursorName);
  if (fs_.exists(cursor_path + ".tmp")) SEXTANT_RETURN_IF_ERROR(fs_.remove(cursor_path + ".tmp"));

  Result<std::vector<std::string>> names = fs_.listDir(options_.dir);
  if (!names.isOk()) return names.status();
  std::vector<std::uint64_t> seqs;
  for (const std::string& name : *names) {
    if (std::optional<std::uint64_t> seq = parseSegmentName(name)) seqs.push_back(*seq);
  }
  std::sort(seqs.begin(), seqs.end());

  // 1. The cursor. Unreadable: start at the oldest segment (at-least-once).
  std::optional<QueueCursor> cursor;
  bool rewrite_cursor = false;
  if (fs_.exists(cursor_path)) {
    Result<std::string> bytes = fs_.readFile(cursor_path);
    if (!bytes.isOk()) return bytes.status();
    Result<QueueCursor> decoded = decodeCursor(*bytes);
    if (decoded.isOk()) {
      cursor = *decoded;
    } else {
      ++stats_.cursor_resets;
      rewrite_cursor = true;
    }
  }
  next_seq_ = (seqs.empty() ? 0 : seqs.back()) + 1;
  if (cursor) next_seq_ = std::max(next_seq_, cursor->segment + 1);

  // 2. Segments before the cursor's are fully acknowledged. 3. Check every header.
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    const std::uint64_t seq = seqs[i];
    const std::string path = segmentPath(seq);
    if (cursor && seq < cursor->segment) {
      SEXTANT_RETURN_IF_ERROR(fs_.remove(path));
      continue;
    }
    Result<std::uint64_t> size = fs_.fileSize(path);
    if (!size.isOk()) return size.status();
    Result<std::string> header = fs_.readRange(path, 0, kSegmentHeaderSize);
    if (!header.isOk()) return header.status();
    Result<std::uint64_t> header_seq = decodeSegmentHeader(*header);
    if (!header_seq.isOk() || *header_seq != seq) {
      // On the last segment a torn creation; anywhere else corruption.
      if (i + 1 == seqs.size()) {
        stats_.torn_bytes += *size;
      } else {
        ++stats_.corrupt_skips;
        stats_.corrupt_bytes += *size;
      }
      SEXTANT_RETURN_IF_ERROR(fs_.remove(path));
      continue;
    }
    segments_.push_back(Segment{seq, *size, 0});
  }
  if (segments_.empty()) {
    if (rewrite_cursor) {
      cursor_dirty_ = true;
      SEXTANT_RETURN_IF_ERROR(persistCursorLocked(/*force=*/true));
    }
    return Status::ok();
  }

  // 6 (first half). Where reading resumes.
  Segment& front = segments_.front();
  read_offset_ = kSegmentHeaderSize;
  if (cursor && cursor->segment == front.seq) {
    read_offset_ = std::max<std::uint64_t>(cursor->offset, kSegmentHeaderSize);
  }

  // 4. The last segment: check every record, cut the torn tail. 5. Older ones: count records.
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    Segment& seg = segments_[i];
    const bool last = i + 1 == segments_.size();
    const std::string path = segmentPath(seg.seq);
    const std::uint64_t count_from = firstUnread(i == 0, read_offset_);
    std::uint64_t offset = kSegmentHeaderSize;
    while (offset + kRecordHeaderSize <= seg.size) {
      Result<std::string> header = fs_.readRange(path, offset, kRecordHeaderSize);
      if (!header.isOk()) return header.status();
      Result<RecordHeader> h = decodeRecordHeader(*header);
      if (!h.isOk()) break;
      const std::uint64_t end = offset + kRecordHeaderSize + h->length;
      if (end > seg.size) break;
      if (last) {
        Result<std::string> body = fs_.readRange(path, offset + kRecordHeaderSize, h->length);
        if (!body.isOk()) return body.status();
        if (!decodeRecordBody(*header, *body).isOk()) break;
      }
      if (offset >= count_from) ++seg.records;
      offset = end;
    }
    if (last && offset < seg.size) {
      SEXTANT_RETURN_IF_ERROR(fs_.truncate(path, offset));
      stats_.torn_bytes += seg.size - offset;
      seg.size = offset;
    }
  }

  // 6 (second half). A cursor past the end (acknowledged data that was never synced) means the
  // end; rewrite it so that records appended from now on are not skipped after another crash.
  if (read_offset_ > front.size) {
    read_offset_ = front.size;
    rewrite_cursor = true;
  }
  for (const Segment& seg : segments_) disk_bytes_ += seg.size;

  // Append to the last segment; sync it first, since what a crashed process wrote may still sit
  // in the page cache and only the last segment may ever be torn.
  Result<std::unique_ptr<WritableFile>> writer = fs_.openAppend(segmentPath(segments_.back().seq));
  if (!writer.isOk()) return writer.status();
  writer_ = std::move(writer).value();
  SEXTANT_RETURN_IF_ERROR(writer_->sync());
  last_sync_ = now();

  if (rewrite_cursor) {
    cursor_dirty_ = true;
    SEXTANT_RETURN_IF_ERROR(persistCursorLocked(/*force=*/true));
  }
  return Status::ok();
}

// ---- writer side ----

Status DiskQueue::put(const QueueRecord& record) {
  Result<std::string> frame = encodeRecord(record);
  if (!frame.isOk()) return frame.status();
  const std::uint64_t size = frame->size();
  if (size + kSegmentHeaderSize > options_.max_bytes) {
    return outOfRange("disk queue: a " + std::to_string(size) +
                      "-byte record never fits max_bytes " + std::to_string(options_.max_bytes));
  }

  std::lock_guard lock(mu_);
  // Rotate when the record would take a non-empty write segment past segment_bytes.
  if (!segments_.empty() && !back_sealed_ && segments_.back().size > kSegmentHeaderSize &&
      segments_.back().size + size > options_.segment_bytes) {
    SEXTANT_RETURN_IF_ERROR(closeWriteSegment(/*sync_first=*/true));
  }
  const bool needs_segment = segments_.empty() || back_sealed_;
  if (disk_bytes_ + size + (needs_segment ? kSegmentHeaderSize : 0) > options_.max_bytes) {
    if (options_.when_full == FullPolicy::kReject) {
      ++stats_.rejected_records;
      return resourceExhausted("disk queue " + options_.dir + " is full (" +
                               std::to_string(disk_bytes_) + " bytes)");
    }
    SEXTANT_RETURN_IF_ERROR(makeRoom(size));
  }
  if (segments_.empty() || back_sealed_) SEXTANT_RETURN_IF_ERROR(startSegment());

  Segment& back = segments_.back();
  const std::string path = segmentPath(back.seq);
  if (!writer_) {
    Result<std::unique_ptr<WritableFile>> writer = fs_.openAppend(path);
    if (!writer.isOk()) return writer.status();
    writer_ = std::move(writer).value();
  }
  Status st = writer_->append(*frame);
  if (st.isOk()) {
    writer_dirty_ = true;
    st = syncWriterLocked(/*force=*/options_.sync == SyncPolicy::kEveryPut);
  }
  if (!st.isOk()) {
    // Take the record back out: cut the file where it began (a failed append may have written
    // part of it). When even that fails, close the segment there; the next put starts a new one.
    (void)writer_->close();
    writer_.reset();
    if (!fs_.truncate(path, back.size).isOk()) back_sealed_ = true;
    return st;
  }
  back.size += size;
  ++back.records;
  disk_bytes_ += size;
  ++stats_.put_records;
  return Status::ok();
}

Status DiskQueue::startSegment() {
  const std::uint64_t seq = next_seq_++;  // never reused, even when this attempt fails
  const std::string path = segmentPath(seq);
  Result<std::unique_ptr<WritableFile>> file = fs_.openAppend(path);
  if (!file.isOk()) return file.status();
  const std::string header = encodeSegmentHeader(seq);
  Status st = (*file)->append(header);
  if (!st.isOk()) {
    (void)(*file)->close();
    (void)fs_.remove(path);
    return st;
  }
  if (segments_.empty()) read_offset_ = kSegmentHeaderSize;
  segments_.push_back(Segment{seq, header.size(), 0});
  disk_bytes_ += header.size();
  writer_ = std::move(file).value();
  writer_dirty_ = true;  // the header is synced with the first record
  back_sealed_ = false;
  return Status::ok();
}

Status DiskQueue::closeWriteSegment(bool sync_first) {
  if (writer_) {
    if (sync_first) SEXTANT_RETURN_IF_ERROR(syncWriterLocked(/*force=*/true));
    (void)writer_->close();  // synced (or about to be deleted): a close error changes nothing
    writer_.reset();
    writer_dirty_ = false;
  }
  back_sealed_ = true;
  return Status::ok();
}

Status DiskQueue::makeRoom(std::uint64_t record_size) {
  while (true) {
    const bool needs_segment = segments_.empty() || back_sealed_;
    if (disk_bytes_ + record_size + (needs_segment ? kSegmentHeaderSize : 0) <=
        options_.max_bytes) {
      return Status::ok();
    }
    if (segments_.empty()) return internalError("disk queue: accounting error in makeRoom");
    if (segments_.size() == 1 && !back_sealed_) {
      SEXTANT_RETURN_IF_ERROR(closeWriteSegment(/*sync_first=*/false));
    }
    const Segment& front = segments_.front();
    SEXTANT_RETURN_IF_ERROR(fs_.remove(segmentPath(front.seq)));
    stats_.dropped_records += front.records;
    stats_.dropped_bytes += front.size - std::min(front.size, read_offset_);
    popFrontSegment();
  }
}

Status DiskQueue::syncWriterLocked(bool force) {
  if (!writer_ || !writer_dirty_) return Status::ok();
  const auto t = now();
  if (!force && options_.sync == SyncPolicy::kInterval && t - last_sync_ < options_.sync_interval) {
    return Status::ok();
  }
  SEXTANT_RETURN_IF_ERROR(writer_->sync());
  writer_dirty_ = false;
  last_sync_ = t;
  return Status::ok();
}

// ---- reader side ----

bool DiskQueue::frontIsWriteSegment() const { return segments_.size() == 1 && !back_sealed_; }

void DiskQueue::popFrontSegment() {
  disk_bytes_ -= segments_.front().size;
  segments_.pop_front();
  read_offset_ = kSegmentHeaderSize;
  if (segments_.empty()) back_sealed_ = false;  // the next put starts a fresh segment
}

Status DiskQueue::removeFrontSegment() {
  Status st = fs_.remove(segmentPath(segments_.front().seq));
  if (st.code() == StatusCode::kNotFound) st = Status::ok();
  popFrontSegment();  // even when remove failed: a leftover file is at most re-delivered
  return st;
}

void DiskQueue::skipCorruptRest() {
  Segment& front = segments_.front();
  ++stats_.corrupt_skips;
  stats_.corrupt_bytes += front.size - std::min(front.size, read_offset_);
  stats_.corrupt_records += front.records;
  front.records = 0;
  read_offset_ = front.size;
}

Result<std::optional<QueueRecord>> DiskQueue::peek() {
  std::lock_guard lock(mu_);
  while (!segments_.empty()) {
    const Segment& front = segments_.front();
    if (read_offset_ >= front.size) {
      if (frontIsWriteSegment()) break;
      (void)removeFrontSegment();
      continue;
    }
    const std::string path = segmentPath(front.seq);
    Result<std::string> header = fs_.readRange(path, read_offset_, kRecordHeaderSize);
    if (!header.isOk()) {
      if (header.status().code() != StatusCode::kNotFound) return header.status();
      skipCorruptRest();  // the file vanished
      continue;
    }
    Result<RecordHeader> h = decodeRecordHeader(*header);
    if (!h.isOk() || read_offset_ + kRecordHeaderSize + h->length > front.size) {
      skipCorruptRest();
      continue;
    }
    Result<std::string> body = fs_.readRange(path, read_offset_ + kRecordHeaderSize, h->length);
    if (!body.isOk()) {
      if (body.status().code() != StatusCode::kNotFound) return body.status();
      skipCorruptRest();
      continue;
    }
    Result<QueueRecord> record = decodeRecordBody(*header, *body);
    if (!record.isOk()) {
      skipCorruptRest();
      continue;
    }
    peeked_ = Peeked{front.seq, read_offset_, read_offset_ + kRecordHeaderSize + h->length};
    return std::optional<QueueRecord>(std::move(record).value());
  }
  return std::optional<QueueRecord>();
}

Status DiskQueue::ack() {
  std::lock_guard lock(mu_);
  if (!peeked_) return invalidArgument("disk queue: ack without a peeked record");
  const Peeked p = *peeked_;
  peeked_.reset();
  if (segments_.empty() || segments_.front().seq != p.seq || read_offset_ != p.offset) {
    return Status::ok();  // dropped to make room (or skipped) while it was in flight
  }
  Segment& front = segments_.front();
  read_offset_ = p.end;
  if (front.records > 0) --front.records;
  ++stats_.acked_records;
  cursor_dirty_ = true;

  Status st = persistCursorLocked(/*force=*/false);
  while (!segments_.empty() && read_offset_ >= segments_.front().size && !frontIsWriteSegment()) {
    Status removed = removeFrontSegment();
    if (st.isOk()) st = removed;
  }
  return st;
}

Status DiskQueue::persistCursorLocked(bool force) {
  if (!cursor_dirty_) return Status::ok();
  const auto t = now();
  if (!force && t - last_cursor_write_ < options_.sync_interval) return Status::ok();
  // With no segment left everything is acknowledged: point at the first record of the next one.
  const QueueCursor cursor = segments_.empty() ? QueueCursor{next_seq_, kSegmentHeaderSize}
                                               : QueueCursor{segments_.front().seq, read_offset_};
  SEXTANT_RETURN_IF_ERROR(
      writeFileAtomically(fs_, joinPath(options_.dir, kCursorName), encodeCursor(cursor)));
  cursor_dirty_ = false;
  last_cursor_write_ = t;
  return Status::ok();
}

// ---- both ----

Status DiskQueue::sync() {
  std::lock_guard lock(mu_);
  Status st = syncWriterLocked(/*force=*/true);
  Status cursor = persistCursorLocked(/*force=*/true);
  return st.isOk() ? cursor : st;
}

DiskQueueStats DiskQueue::stats() const {
  std::lock_guard lock(mu_);
  DiskQueueStats s = stats_;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const Segment& seg = segments_[i];
    s.queued_records += seg.records;
    s.queued_bytes += seg.size - std::min(seg.size, firstUnread(i == 0, read_offset_));
  }
  s.disk_bytes = disk_bytes_;
  s.segments = segments_.size();
  return s;
}

}  // namespace sextant::agent
