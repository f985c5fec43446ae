#pragma once
// Time limits for test waits: every wait in the support code is bounded by one.
#include <chrono>
#include <thread>

namespace fulcrum::test {

using Millis = std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class Deadline {
 public:
  explicit Deadline(Millis budget) : end_(Clock::now() + budget) {}

  bool expired() const { return Clock::now() >= end_; }
  // Time left, never negative.
  Millis remaining() const {
    const auto left = std::chrono::duration_cast<Millis>(end_ - Clock::now());
    return left.count() > 0 ? left : Millis(0);
  }
  // Milliseconds left as an int for poll(2), rounded up so that poll never spins at 0
  // before the deadline really passed.
  int pollTimeout() const {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(end_ - Clock::now());
    if (left.count() <= 0) return 0;
    return static_cast<int>((left.count() + 999) / 1000);
  }

 private:
  Clock::time_point end_;
};

// Calls `condition` every `step` until it returns true or `budget` passes; returns its
// last result.
template <typename Condition>
bool eventually(Millis budget, Condition condition, Millis step = Millis(10)) {
  const Deadline deadline(budget);
  while (true) {
    if (condition()) return true;
    if (deadline.expired()) return false;
    std::this_thread::sleep_for(std::min(step, deadline.remaining() + Millis(1)));
  }
}

}  // namespace fulcrum::test
