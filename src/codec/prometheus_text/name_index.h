// NameIndex: family names -> family indices for the exposition parsers (internal to
// codec/prometheus_text, used by prometheus_text.cc and prometheus_proto.cc).
//
// Open addressing with linear probing over a power-of-two table of (hash, name, index) slots,
// grown at half load: one allocation per growth instead of one node per family
// (std::unordered_map allocated a node per family). Names are string_views that must outlive the
// table (into the body or the Exposition). Not thread-safe; one per parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <vector>

namespace sextant::codec::prom {

class NameIndex {
 public:
  static constexpr uint32_t kMissing = std::numeric_limits<uint32_t>::max();

  explicit NameIndex(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    slots_.assign(cap, Slot{});
  }

  uint32_t find(std::string_view name) const {
    const uint64_t h = hashOf(name);
    for (size_t i = h & mask();; i = (i + 1) & mask()) {
      const Slot& s = slots_[i];
      if (s.index == kMissing) return kMissing;
      if (s.hash == h && s.name == name) return s.index;
    }
  }

  // `name` must not be in the table yet.
  void insert(std::string_view name, uint32_t index) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(Slot{hashOf(name), name, index});
    ++size_;
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    std::string_view name;
    uint32_t index = kMissing;
  };

  static uint64_t hashOf(std::string_view name) { return std::hash<std::string_view>{}(name); }
  size_t mask() const { return slots_.size() - 1; }

  void place(const Slot& slot) {
    size_t i = slot.hash & mask();
    while (slots_[i].index != kMissing) i = (i + 1) & mask();
    slots_[i] = slot;
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.index != kMissing) place(s);
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace sextant::codec::prom
