#pragma once
// A backend as every thread sees it: configuration that never changes, and state that
// the health checker, the admin API and the workers share through atomics only.
#include <atomic>
#include <cstdint>
#include <string>

#include "common/rate_limit.h"
#include "common/socket_address.h"

namespace fulcrum {

enum class HealthState : uint8_t { kUnknown, kUp, kDown };

const char* toString(HealthState state);

// Counters that workers bump with relaxed atomics and a scrape reads.
struct alignas(64) BackendCounters {
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> connect_failures_total{0};
  std::atomic<uint64_t> bytes_to_backend{0};
  std::atomic<uint64_t> bytes_to_client{0};
  std::atomic<uint64_t> health_successes{0};
  std::atomic<uint64_t> health_failures{0};
  std::atomic<uint64_t> drained_closes{0};
};

class Backend {
 public:
  Backend(std::string name, SocketAddress address, uint32_t weight)
      : name_(std::move(name)), address_(address), weight_(weight) {}
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // The configured address string ("10.0.0.11:8080"): the `backend` label and API key.
  const std::string& name() const { return name_; }
  const SocketAddress& address() const { return address_; }

  uint32_t weight() const { return weight_.load(std::memory_order_relaxed); }
  void setWeight(uint32_t weight) { weight_.store(weight, std::memory_order_relaxed); }

  HealthState health() const { return health_.load(std::memory_order_acquire); }
  void setHealth(HealthState state) { health_.store(state, std::memory_order_release); }

  bool draining() const { return draining_.load(std::memory_order_acquire); }
  // Starts or ends a drain and returns the new drain epoch. A drain deadline set for
  // one epoch does nothing if the backend was enabled (or drained anew) since.
  uint64_t setDraining(bool draining) {
    draining_.store(draining, std::memory_order_release);
    return drain_epoch_.fetch_add(1, std::memory_order_acq_rel) + 1;
  }
  uint64_t drainEpoch() const { return drain_epoch_.load(std::memory_order_acquire); }

  // May take new connections: weight > 0, not draining, not known down (unknown counts
  // as up until the first verdict, per the contract).
  bool eligible() const { return weight() > 0 && !draining() && health() != HealthState::kDown; }

  // Connections assigned to this backend (from the pick until close), over all workers.
  int64_t activeConnections() const { return active_.load(std::memory_order_relaxed); }
  void addActive(int64_t delta) { active_.fetch_add(delta, std::memory_order_relaxed); }

  // Connect errors are logged at most once a second per backend.
  RateLimit& connectErrorLog() { return connect_error_log_; }

  BackendCounters& counters() { return counters_; }
  const BackendCounters& counters() const { return counters_; }

 private:
  const std::string name_;
  const SocketAddress address_;
  std::atomic<uint32_t> weight_;
  std::atomic<HealthState> health_{HealthState::kUnknown};
  std::atomic<bool> draining_{false};
  std::atomic<uint64_t> drain_epoch_{0};
  alignas(64) std::atomic<int64_t> active_{0};
  BackendCounters counters_;
  RateLimit connect_error_log_{std::chrono::seconds(1)};
};

}  // namespace fulcrum
