#include "storage/wal/wal_format.h"

#include <cstdio>

#include "core/crc32c.h"
#include "core/little_endian.h"

namespace sextant::storage {
namespace {

constexpr std::string_view kSegmentMagic = "SXWL";
constexpr std::string_view kPrefix = "wal-";
constexpr std::string_view kSuffix = ".log";
constexpr std::string_view kCorruptSuffix = ".log.corrupt";
constexpr std::string_view kTempSuffix = ".log.tmp";
constexpr std::size_t kDigits = 20;

}  // namespace

std::string walSegmentName(std::uint64_t seq, WalFileKind kind) {
  char buf[64];
  const char* suffix = kind == WalFileKind::kSegment   ? ".log"
                       : kind == WalFileKind::kCorrupt ? ".log.corrupt"
                                                       : ".log.tmp";
  std::snprintf(buf, sizeof(buf), "wal-%020llu%s", static_cast<unsigned long long>(seq), suffix);
  return buf;
}

std::optional<WalFileName> parseWalFileName(std::string_view name) {
  if (name.size() < kPrefix.size() + kDigits || name.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  std::string_view suffix = name.substr(kPrefix.size() + kDigits);
  WalFileName out;
  if (suffix == kSuffix) {
    out.kind = WalFileKind::kSegment;
  } else if (suffix == kCorruptSuffix) {
    out.kind = WalFileKind::kCorrupt;
  } else if (suffix == kTempSuffix) {
    out.kind = WalFileKind::kTemp;
  } else {
    return std::nullopt;
  }
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < kDigits; ++i) {
    const char c = name[kPrefix.size() + i];
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (seq > (UINT64_MAX - digit) / 10) return std::nullopt;
    seq = seq * 10 + digit;
  }
  out.seq = seq;
  return out;
}

std::string encodeWalSegmentHeader(const WalSegmentHeader& header) {
  std::string out(kSegmentMagic);
  putLe(out, kWalFormatVersion, 2);
  putLe(out, 0, 2);
  putLe(out, header.seq, 8);
  putLe(out, header.first_lsn, 8);
  putLe(out, 0, 4);
  putLe(out, crc32c(out), 4);
  return out;
}

Result<WalSegmentHeader> decodeWalSegmentHeader(std::string_view bytes) {
  if (bytes.size() < kWalSegmentHeaderSize) return dataLoss("wal segment header truncated");
  if (bytes.substr(0, 4) != kSegmentMagic) return dataLoss("wal segment header: bad magic");
  if (getLe(bytes, 28, 4) != crc32c(bytes.substr(0, 28))) {
    return dataLoss("wal segment header: checksum mismatch");
  }
  if (getLe(bytes, 4, 2) != kWalFormatVersion) {
    return dataLoss("wal segment header: unsupported version " +
                    std::to_string(getLe(bytes, 4, 2)));
  }
  if (getLe(bytes, 6, 2) != 0 || getLe(bytes, 24, 4) != 0) {
    return dataLoss("wal segment header: reserved bits set");
  }
  return WalSegmentHeader{getLe(bytes, 8, 8), getLe(bytes, 16, 8)};
}

void appendWalRecord(std::string& out, std::uint64_t lsn, std::string_view payload) {
  const std::size_t start = out.size();
  putLe(out, 0, 4);  // CRC, filled in below
  putLe(out, payload.size(), 4);
  putLe(out, kWalRecordTypeFull, 1);
  putLe(out, 0, 1);  // flags
  putLe(out, 0, 2);  // reserved
  putLe(out, lsn, 8);
  out.append(payload);
  const std::uint32_t crc = crc32c(std::string_view(out).substr(start + 4));
  for (int i = 0; i < 4; ++i) {
    out[start + static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xFFu);
  }
}

WalRecordView decodeWalRecord(std::string_view bytes) {
  WalRecordView r;
  using Outcome = WalRecordView::Outcome;
  if (bytes.size() < kWalRecordHeaderSize) {
    // A short header: plausible when what is there could start a header.
    r.outcome = Outcome::kTruncated;
    r.error = "record header truncated";
    return r;
  }
  const std::uint64_t length = getLe(bytes, 4, 4);
  if (length > kWalMaxPayloadSize) {
    r.error = "record length out of range";
    return r;
  }
  if (getLe(bytes, 8, 1) != kWalRecordTypeFull) {
    r.error = "unknown record type";
    return r;
  }
  if (getLe(bytes, 9, 1) != 0 || getLe(bytes, 10, 2) != 0) {
    r.error = "record flags or reserved bits set";
    return r;
  }
  if (bytes.size() - kWalRecordHeaderSize < length) {
    r.outcome = Outcome::kTruncated;
    r.error = "record payload truncated";
    return r;
  }
  const std::size_t size = kWalRecordHeaderSize + static_cast<std::size_t>(length);
  if (crc32c(bytes.substr(4, size - 4)) != getLe(bytes, 0, 4)) {
    r.error = "record checksum mismatch";
    return r;
  }
  r.outcome = Outcome::kRecord;
  r.lsn = getLe(bytes, 12, 8);
  r.payload = bytes.substr(kWalRecordHeaderSize, static_cast<std::size_t>(length));
  r.size = size;
  r.error = "";
  return r;
}

WalSegmentScan scanWalSegment(std::string_view bytes, std::uint64_t seq) {
  WalSegmentScan scan;
  Result<WalSegmentHeader> header = decodeWalSegmentHeader(bytes);
  if (!header.isOk()) {
    scan.damaged = true;
    scan.error = header.status().message();
  } else if (header->seq != seq) {
    scan.damaged = true;
    scan.error = "wal segment header names segment " + std::to_string(header->seq);
  } else if (header->first_lsn == 0) {
    scan.damaged = true;
    scan.error = "wal segment header: first LSN 0";
  } else {
    scan.header_ok = true;
    scan.header = *header;
    scan.last_lsn = header->first_lsn - 1;
    scan.valid_end = kWalSegmentHeaderSize;
  }
  if (scan.header_ok) {
    std::size_t pos = kWalSegmentHeaderSize;
    while (pos < bytes.size()) {
      WalRecordView r = decodeWalRecord(bytes.substr(pos));
      if (r.outcome != WalRecordView::Outcome::kRecord) {
        scan.damaged = true;
        scan.error = r.error;
        break;
      }
      if (r.lsn != scan.last_lsn + 1) {
        scan.damaged = true;
        scan.error = "record LSN " + std::to_string(r.lsn) + " where " +
                     std::to_string(scan.last_lsn + 1) + " was expected";
        break;
      }
      scan.last_lsn = r.lsn;
      ++scan.records;
      pos += r.size;
    }
    scan.valid_end = pos;
  }
  if (!scan.damaged) return scan;
  // Search past the damage for records that are intact: they tell corruption from a torn tail.
  // Only LSNs above the last valid one count (a stale copy of an older record is no evidence).
  const std::uint64_t floor = scan.header_ok ? scan.last_lsn : 0;
  std::size_t pos = scan.valid_end;  // the record there may be intact with an unexpected LSN
  while (pos + kWalRecordHeaderSize <= bytes.size()) {
    WalRecordView r = decodeWalRecord(bytes.substr(pos));
    if (r.outcome == WalRecordView::Outcome::kRecord && r.lsn > floor) {
      if (!scan.lsn_after_damage || r.lsn > *scan.lsn_after_damage) scan.lsn_after_damage = r.lsn;
      ++scan.records_after_damage;
      pos += r.size;
    } else {
      ++pos;
    }
  }
  return scan;
}

}  // namespace sextant::storage
