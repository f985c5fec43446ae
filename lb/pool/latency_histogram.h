#pragma once
// A fixed-bucket latency histogram that many threads record into with relaxed atomics
// and a scrape reads (Prometheus histogram semantics: cumulative buckets at export).
#include <array>
#include <atomic>
#include <cstdint>

namespace fulcrum {

class LatencyHistogram {
 public:
  // Upper bounds in seconds, as exported in the `le` label.
  static constexpr std::array<double, 13> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1.0,   2.5,   5.0};

  void observeNanoseconds(uint64_t nanoseconds) {
    const double seconds = static_cast<double>(nanoseconds) / 1e9;
    size_t bucket = 0;
    while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_nanoseconds_.fetch_add(nanoseconds, std::memory_order_relaxed);
  }

  // Per-bucket (not cumulative) counts; the last one is +Inf.
  std::array<uint64_t, kBounds.size() + 1> bucketCounts() const {
    std::array<uint64_t, kBounds.size() + 1> counts{};
    for (size_t i = 0; i < counts.size(); ++i) counts[i] = buckets_[i].load(std::memory_order_relaxed);
    return counts;
  }
  double sumSeconds() const { return static_cast<double>(sum_nanoseconds_.load(std::memory_order_relaxed)) / 1e9; }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_nanoseconds_{0};
};

}  // namespace fulcrum
