#pragma once
// What all workers share about one configured listener: its config, the pool that new
// connections go to (switchable at run time), and its counters. Workers touch only
// atomics here.
#include <atomic>
#include <cstdint>

#include "lb/config/config.h"
#include "lb/pool/pool.h"

namespace fulcrum {

struct alignas(64) ListenerCounters {
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> rejected_max_connections{0};
  std::atomic<uint64_t> rejected_no_backend{0};
};

class ListenerState {
 public:
  ListenerState(const config::ListenerConfig& config, Pool* pool) : config_(config), pool_(pool) {}
  ListenerState(const ListenerState&) = delete;
  ListenerState& operator=(const ListenerState&) = delete;

  const config::ListenerConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }

  Pool* pool() const { return pool_.load(std::memory_order_acquire); }
  void setPool(Pool* pool) { pool_.store(pool, std::memory_order_release); }

  // Counts a new connection in unless max_connections is reached; the caller must
  // call leave() exactly once for every admitted connection.
  bool tryAdmit() {
    const int64_t now_active = active_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (config_.max_connections != 0 && static_cast<uint64_t>(now_active) > config_.max_connections) {
      active_.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    return true;
  }
  void leave() { active_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t activeConnections() const { return active_.load(std::memory_order_relaxed); }

  ListenerCounters& counters() { return counters_; }
  const ListenerCounters& counters() const { return counters_; }

 private:
  const config::ListenerConfig config_;
  std::atomic<Pool*> pool_;
  alignas(64) std::atomic<int64_t> active_{0};
  ListenerCounters counters_;
};

}  // namespace fulcrum
