#pragma once
// Lets an event through at most once per interval, across threads, without a lock:
// for log lines about conditions that can repeat thousands of times a second.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace fulcrum {

class RateLimit {
 public:
  explicit RateLimit(std::chrono::milliseconds interval) : interval_ms_(interval.count()) {}

  // True for the first call in each interval; the caller then logs.
  bool allow() {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    int64_t next = next_ms_.load(std::memory_order_relaxed);
    if (now < next) return false;
    return next_ms_.compare_exchange_strong(next, now + interval_ms_, std::memory_order_relaxed);
  }

 private:
  const int64_t interval_ms_;
  std::atomic<int64_t> next_ms_{0};
};

}  // namespace fulcrum
