// Test helpers for the host inputs (test-only, header-only): the recorded trees under
// host_common/testdata, a writable copy of one for fault injection, and typed field access.
//
// testdata/sample1 and sample2 were copied from a 2-vCPU Debian 12 VM five seconds apart and then
// hand-edited (see testdata/README.md); the tests take sample2 as 10 s after sample1.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "agent/inputs/host_common/host_paths.h"
#include "agent/inputs/host_common/mounts.h"
#include "model/point.h"

namespace sextant::agent::inputs::testing {

// The times the tests collect the samples at: btime of the samples + 60 s, then 10 s later.
inline constexpr int64_t kT1 = 1795276500'000'000'000;
inline constexpr int64_t kT2 = kT1 + 10'000'000'000;

inline std::string sampleDir(int n) {
  return std::string(SEXTANT_SOURCE_DIR) + "/src/agent/inputs/host_common/testdata/sample" +
         std::to_string(n);
}
inline HostPaths samplePaths(int n) { return HostPaths::underRoot(sampleDir(n)); }

// A private copy of a sample tree in a temporary directory, removed on destruction.
class TempTree {
 public:
  explicit TempTree(int sample) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("sextant-host-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::copy(
        sampleDir(sample), dir_,
        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  HostPaths paths() const { return HostPaths::underRoot(dir_.string()); }
  std::string path(std::string_view rel) const { return (dir_ / rel).string(); }

  void write(std::string_view rel, std::string_view content) const {
    std::filesystem::create_directories((dir_ / rel).parent_path());
    std::ofstream f(dir_ / rel, std::ios::binary | std::ios::trunc);
    f << content;
  }
  void remove(std::string_view rel) const { std::filesystem::remove_all(dir_ / rel); }
  // Moves sampleN's version of rel over this tree's (e.g. to step one file forward in time).
  void copyFrom(int sample, std::string_view rel) const {
    std::filesystem::copy_file(std::filesystem::path(sampleDir(sample)) / rel, dir_ / rel,
                               std::filesystem::copy_options::overwrite_existing);
  }

 private:
  std::filesystem::path dir_;
};

// statfs numbers: a 40.96 GB filesystem with 6M inodes, and a 100 KiB one.
inline constexpr FsStat kBigFs{.blocks = 10'000'000,
                               .blocks_free = 4'000'000,
                               .blocks_avail = 3'500'000,
                               .block_size = 4096,
                               .files = 6'000'000,
                               .files_free = 4'500'000};
inline constexpr FsStat kSmallFs{.blocks = 100,
                                 .blocks_free = 50,
                                 .blocks_avail = 50,
                                 .block_size = 1024,
                                 .files = 10,
                                 .files_free = 5};

// A StatFsFn answering from `table` by path; other paths fail like an unreadable mount.
inline StatFsFn fakeStatFs(std::map<std::string, FsStat> table) {
  return [table = std::move(table)](const std::string& path, FsStat* out) -> Status {
    auto it = table.find(path);
    if (it == table.end()) return notFound("statfs " + path);
    *out = it->second;
    return Status::ok();
  };
}

inline const model::Point* findPoint(const std::vector<model::Point>& points,
                                     std::string_view measurement, std::string_view tag_key = {},
                                     std::string_view tag_value = {}) {
  for (const model::Point& p : points) {
    if (p.measurement != measurement) continue;
    if (tag_key.empty()) return &p;
    const model::Tag* t = p.findTag(tag_key);
    if (t != nullptr && t->value == tag_value) return &p;
  }
  return nullptr;
}

// The field's value when it exists with type T; fails the test otherwise.
template <typename T>
T field(const model::Point& p, std::string_view key) {
  const model::Field* f = p.findField(key);
  if (f == nullptr) {
    ADD_FAILURE() << "no field " << key << " in " << model::debugString(p);
    return T{};
  }
  if (!std::holds_alternative<T>(f->value)) {
    ADD_FAILURE() << "field " << key << " has type "
                  << model::fieldTypeName(model::fieldType(f->value)) << " in "
                  << model::debugString(p);
    return T{};
  }
  return std::get<T>(f->value);
}

inline std::string tag(const model::Point& p, std::string_view key) {
  const model::Tag* t = p.findTag(key);
  return t == nullptr ? "<none>" : t->value;
}

inline std::vector<std::string> fieldKeys(const model::Point& p) {
  std::vector<std::string> keys;
  for (const model::Field& f : p.fields) keys.push_back(f.key);
  return keys;
}

}  // namespace sextant::agent::inputs::testing
