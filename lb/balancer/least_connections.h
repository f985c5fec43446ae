#pragma once
// least_connections: the eligible backend with the fewest active connections per unit
// of weight; ties broken round robin.
//
// Counts are Backend::activeConnections(), shared by all workers. The caller counts a
// connection from the successful pick until close (see Balancer::pick), so connections
// still being set up count too and a backend that rejects fast does not attract a burst.
// The scan is O(backends) and lock-free: it reads the counters with relaxed loads, so
// two workers picking at the same instant may both choose the same backend; the next
// picks see both increments and even it out.
#include <cstdint>
#include <memory>
#include <vector>

#include "lb/balancer/balancer.h"
#include "lb/balancer/snapshot_cache.h"

namespace fulcrum {

class LeastConnectionsBalancer final : public Balancer {
 public:
  explicit LeastConnectionsBalancer(unsigned worker_slots);

  Backend* pick(const PickContext& context) override;
  void update(const std::vector<std::shared_ptr<Backend>>& backends) override;

 private:
  struct Candidate {
    Backend* backend;
    uint64_t weight;
  };
  struct Snapshot {
    std::vector<Candidate> candidates;  // eligible when built, in configuration order
  };
  struct WorkerRotation {
    size_t next_start = 0;  // where this worker's next scan begins: just after its last pick
    bool positioned = false;
  };

  SnapshotCache<Snapshot, WorkerRotation> cache_;
};

}  // namespace fulcrum
