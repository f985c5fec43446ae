#pragma once
// The lock-free mailbox between the data path and one backend's probe: a worker that
// saw a connect to the backend fail raises the flag (and wakes the checker's loop once);
// the probe takes it down on the loop. Repeated failures before the probe looks are
// coalesced into one.
#include <atomic>

namespace fulcrum {

struct alignas(64) PassiveSignal {
  std::atomic<bool> raised{false};
  // The latest failure's reason. Points to a string with static storage duration
  // (uv_strerror's table or a literal, as the data path passes).
  std::atomic<const char*> reason{nullptr};

  // Worker side. True when the flag was down, i.e. the caller must wake the loop.
  bool raise(const char* why) {
    // A plain load first: under a storm of failures the flag is already up and the
    // cache line stays shared instead of bouncing between workers.
    if (raised.load(std::memory_order_relaxed)) return false;
    reason.store(why, std::memory_order_relaxed);
    return !raised.exchange(true, std::memory_order_acq_rel);
  }

  // Loop side. The reason when the flag was up (and now is down), else nullptr.
  const char* take() {
    if (!raised.load(std::memory_order_relaxed) || !raised.exchange(false, std::memory_order_acq_rel)) {
      return nullptr;
    }
    const char* why = reason.load(std::memory_order_relaxed);
    return why != nullptr ? why : "connect failed";
  }
};

}  // namespace fulcrum
