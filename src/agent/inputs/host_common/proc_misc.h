// Small kernel files shared by the system and hostobject inputs: /proc/loadavg,
// /proc/sys/fs/file-nr, the conntrack counters, and the number of logged-in users in utmp.
// Free functions and plain structs; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "agent/inputs/host_common/host_paths.h"
#include "core/status.h"

namespace sextant::agent::inputs {

struct LoadAvg {
  double load1 = 0;
  double load5 = 0;
  double load15 = 0;
};
Status parseLoadavg(std::string_view text, std::string_view file, LoadAvg* out);

// /proc/sys/fs/file-nr: "<allocated> <unused> <maximum>".
struct FileFd {
  int64_t allocated = 0;
  int64_t maximum = 0;
  double maximumMega() const { return static_cast<double>(maximum) / 1000000; }
};
Status parseFileNr(std::string_view text, std::string_view file, FileFd* out);

// DataKit's conntrack measurement. entries / entries_limit come from
// /proc/sys/net/netfilter/nf_conntrack_{count,max} and are -1 when a file is missing (no
// conntrack module); the stat_* sums over CPUs come from /proc/net/stat/nf_conntrack and stay 0
// when it is missing.
struct Conntrack {
  int64_t entries = -1;
  int64_t entries_limit = -1;
  int64_t stat_found = 0;
  int64_t stat_invalid = 0;
  int64_t stat_ignore = 0;
  int64_t stat_insert = 0;
  int64_t stat_insert_failed = 0;
  int64_t stat_drop = 0;
  int64_t stat_early_drop = 0;
  int64_t stat_search_restart = 0;
};
// Parses /proc/net/stat/nf_conntrack (a header naming the columns, then one row of hex numbers
// per CPU) and adds the rows into *out's stat_* fields. Columns are found by name, so kernels
// with extra or reordered columns parse too.
Status parseConntrackStat(std::string_view text, std::string_view file, Conntrack* out);
// Reads all three files under `paths`: missing files are not errors (see above), garbled ones are.
Status readConntrack(const HostPaths& paths, Conntrack* out);

// Counts USER_PROCESS records in a utmp file's bytes (glibc x86-64/aarch64 layout, 384-byte
// records), as gopsutil's host.Users() does.
int64_t countUtmpUsers(std::string_view utmp);

}  // namespace sextant::agent::inputs
