#pragma once
// A pool: its backends and its balancer. Workers call pick(); control threads call
// backendsChanged() after touching a backend's health, drain flag or weight.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lb/balancer/balancer.h"
#include "lb/config/config.h"
#include "lb/pool/backend.h"
#include "lb/pool/latency_histogram.h"

namespace fulcrum {

// Statistics that outlive a reload of the pool (a reload makes a new Pool).
struct PoolStats {
  LatencyHistogram connect_latency;
};

// A reload builds a new Pool for a pool that stays, with the same Backend objects for
// the addresses that stay (their health, drain flag, counters and open connections
// carry on) and the same PoolStats. Connections hold their Pool (shared_from_this).
class Pool : public std::enable_shared_from_this<Pool> {
 public:
  Pool(const config::PoolConfig& config, unsigned worker_slots);
  // `backends` are reused by address where the config names them; the rest are made.
  Pool(const config::PoolConfig& config, unsigned worker_slots,
       const std::vector<std::shared_ptr<Backend>>& reusable, std::shared_ptr<PoolStats> stats);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const std::string& name() const { return config_.name; }
  const config::PoolConfig& config() const { return config_; }
  const std::vector<std::shared_ptr<Backend>>& backends() const { return backends_; }
  Backend* findBackend(const std::string& name) const;
  std::shared_ptr<Backend> findBackendShared(const std::string& name) const;

  // Data path: an eligible backend for this client, or nullptr.
  Backend* pick(unsigned worker, const SocketAddress& client) {
    return balancer_->pick(PickContext{worker, needs_key_ ? hashClientKey(client, config_.hash_key) : 0});
  }

  // Control path: re-read every backend's eligibility and weight into the balancer.
  void backendsChanged();

  // Time from starting a backend connect to its success (fulcrum_backend_connect_seconds).
  LatencyHistogram& connectLatency() { return stats_->connect_latency; }
  const LatencyHistogram& connectLatency() const { return stats_->connect_latency; }
  const std::shared_ptr<PoolStats>& stats() const { return stats_; }

  // Backends that a reload removed from this pool while they still had connections:
  // draining, never picked, listed (as draining) until their last connection closes.
  void addRetiring(std::shared_ptr<Backend> backend);
  std::vector<std::shared_ptr<Backend>> retiringBackends() const;
  // What status and metrics list: the configured backends, then the retiring ones.
  std::vector<std::shared_ptr<Backend>> listedBackends() const;

 private:
  const config::PoolConfig config_;
  const bool needs_key_;
  std::vector<std::shared_ptr<Backend>> backends_;
  std::unique_ptr<Balancer> balancer_;
  const std::shared_ptr<PoolStats> stats_;
  mutable std::mutex update_mutex_;  // control path only (updates, retiring_); never taken by pick()
  mutable std::vector<std::shared_ptr<Backend>> retiring_;
};

}  // namespace fulcrum
