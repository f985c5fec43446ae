#pragma once
// Counting on the data path: a relaxed atomic add that a scrape reads later. Compiling
// with -DFULCRUM_NO_DATA_PATH_COUNTERS removes them, only so that
// bench/metrics_overhead.sh can measure what they cost.
#include <atomic>
#include <cstdint>

namespace fulcrum {

template <typename Counter>
inline void countOnDataPath(Counter& counter, uint64_t amount = 1) {
#ifndef FULCRUM_NO_DATA_PATH_COUNTERS
  counter.fetch_add(amount, std::memory_order_relaxed);
#else
  (void)counter;
  (void)amount;
#endif
}

}  // namespace fulcrum
