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

class Pool {
 public:
  Pool(const config::PoolConfig& config, unsigned worker_slots);
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
  LatencyHistogram& connectLatency() { return connect_latency_; }
  const LatencyHistogram& connectLatency() const { return connect_latency_; }

 private:
  const config::PoolConfig config_;
  const bool needs_key_;
  std::vector<std::shared_ptr<Backend>> backends_;
  std::unique_ptr<Balancer> balancer_;
  LatencyHistogram connect_latency_;
  std::mutex update_mutex_;  // serializes control-path updates; never taken by pick()
};

}  // namespace fulcrum
