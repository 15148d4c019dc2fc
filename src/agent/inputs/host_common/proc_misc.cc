#include "agent/inputs/host_common/proc_misc.h"

#include <cstring>
#include <string>
#include <vector>

#include "agent/inputs/host_common/proc_file.h"

namespace sextant::agent::inputs {

Status parseLoadavg(std::string_view text, std::string_view file, LoadAvg* out) {
  std::vector<std::string_view> f;
  splitFields(trimSpace(text), &f);
  if (f.size() < 3 || !parseDouble(f[0], &out->load1) || !parseDouble(f[1], &out->load5) ||
      !parseDouble(f[2], &out->load15)) {
    return garbled(file, 1, "bad load averages", trimSpace(text));
  }
  return Status::ok();
}

Status parseFileNr(std::string_view text, std::string_view file, FileFd* out) {
  std::vector<std::string_view> f;
  splitFields(trimSpace(text), &f);
  if (f.size() < 3 || !parseInt64(f[0], &out->allocated) || !parseInt64(f[2], &out->maximum)) {
    return garbled(file, 1, "expected '<allocated> <unused> <maximum>'", trimSpace(text));
  }
  return Status::ok();
}

Status parseConntrackStat(std::string_view text, std::string_view file, Conntrack* out) {
  struct Column {
    std::string_view name;
    int64_t Conntrack::*field;
    int index = -1;
  };
  Column cols[] = {
      {"found", &Conntrack::stat_found},
      {"invalid", &Conntrack::stat_invalid},
      {"ignore", &Conntrack::stat_ignore},
      {"insert", &Conntrack::stat_insert},
      {"insert_failed", &Conntrack::stat_insert_failed},
      {"drop", &Conntrack::stat_drop},
      {"early_drop", &Conntrack::stat_early_drop},
      {"search_restart", &Conntrack::stat_search_restart},
  };
  std::vector<std::string_view> f;
  size_t header_size = 0;
  SEXTANT_RETURN_IF_ERROR(parseLines(text, [&](size_t line_no, std::string_view line) -> Status {
    splitFields(line, &f);
    if (f.empty()) return Status::ok();
    if (line_no == 1) {
      if (f[0] != "entries") {
        return garbled(file, line_no, "expected a header starting with 'entries'", line);
      }
      header_size = f.size();
      for (Column& c : cols) {
        for (size_t i = 0; i < f.size(); ++i) {
          if (f[i] == c.name) c.index = static_cast<int>(i);
        }
      }
      return Status::ok();
    }
    if (f.size() != header_size)
      return garbled(file, line_no, "row does not match the header", line);
    for (const Column& c : cols) {
      if (c.index < 0) continue;
      std::string_view cell = f[static_cast<size_t>(c.index)];
      uint64_t v = 0;
      if (!parseHexUint64(cell, &v)) return garbled(file, line_no, "bad hex counter", cell);
      out->*(c.field) += static_cast<int64_t>(v);
    }
    return Status::ok();
  }));
  if (header_size == 0) return invalidArgument(std::string(file) + ": empty");
  return Status::ok();
}

Status readConntrack(const HostPaths& paths, Conntrack* out) {
  *out = Conntrack();
  auto readCounter = [](const std::string& path, int64_t* dst) -> Status {
    Result<int64_t> v = readInt64File(path);
    if (v.isOk()) {
      *dst = *v;
      return Status::ok();
    }
    return v.status().code() == StatusCode::kNotFound ? Status::ok() : v.status();
  };
  SEXTANT_RETURN_IF_ERROR(
      readCounter(paths.procFile("sys/net/netfilter/nf_conntrack_count"), &out->entries));
  SEXTANT_RETURN_IF_ERROR(
      readCounter(paths.procFile("sys/net/netfilter/nf_conntrack_max"), &out->entries_limit));
  std::string stat_path = paths.procFile("net/stat/nf_conntrack");
  Result<std::string> text = readFile(stat_path);
  if (!text.isOk()) {
    return text.status().code() == StatusCode::kNotFound ? Status::ok() : text.status();
  }
  return parseConntrackStat(*text, stat_path, out);
}

int64_t countUtmpUsers(std::string_view utmp) {
  constexpr size_t kRecordSize = 384;  // sizeof(struct utmp) on glibc x86-64 and aarch64
  constexpr int16_t kUserProcess = 7;
  int64_t n = 0;
  for (size_t off = 0; off + kRecordSize <= utmp.size(); off += kRecordSize) {
    int16_t type = 0;
    std::memcpy(&type, utmp.data() + off, sizeof(type));  // ut_type, little-endian host
    if (type == kUserProcess) ++n;
  }
  return n;
}

}  // namespace sextant::agent::inputs
