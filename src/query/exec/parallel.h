// Fork-join helper for the query executors: runs fn(0) .. fn(workers - 1) at once, fn(0) on the
// calling thread and the others on threads of their own, and returns when all are done. Work is
// split by the caller (contiguous slices, so that results concatenate in order). Thread-safety:
// fn must be safe to call concurrently with different indexes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace sextant::query {

// The worker count for `items` independent items of work with up to `threads` threads: one
// worker per `min_items` items at least (small inputs stay on the calling thread).
inline std::size_t workersFor(std::size_t items, unsigned threads, std::size_t min_items) {
  if (threads <= 1 || min_items == 0) return 1;
  return std::max<std::size_t>(1, std::min<std::size_t>(threads, items / min_items));
}

template <typename Fn>
void runParallel(std::size_t workers, const Fn& fn) {
  if (workers <= 1) {
    fn(std::size_t{0});
    return;
  }
  std::vector<std::thread> others;
  others.reserve(workers - 1);
  for (std::size_t w = 1; w < workers; ++w) others.emplace_back([&fn, w] { fn(w); });
  fn(std::size_t{0});
  for (std::thread& t : others) t.join();
}

// Slice w of `workers` equal contiguous slices of [0, n): [begin, end).
inline std::size_t sliceBegin(std::size_t n, std::size_t w, std::size_t workers) {
  return n * w / workers;
}

}  // namespace sextant::query
