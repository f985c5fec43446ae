#pragma once
// consistent_hash: Maglev hashing over the eligible backends (see maglev_table.h).
//
// update() builds the table off the data path and publishes it as an immutable snapshot;
// pick() is table[key_hash mod M], one lookup. A backend that turned ineligible after the
// build (update() is on its way) is replaced deterministically: the next slots of the
// table in order, then a scan of the backends from a key-derived start, so a key still
// maps to the same backend on every worker and instance that sees the same health.
#include <cstdint>
#include <memory>
#include <vector>

#include "lb/balancer/balancer.h"
#include "lb/balancer/snapshot_cache.h"

namespace fulcrum {

class MaglevBalancer final : public Balancer {
 public:
  // Throws std::invalid_argument when table_size is not prime.
  MaglevBalancer(uint32_t table_size, unsigned worker_slots);

  Backend* pick(const PickContext& context) override;
  void update(const std::vector<std::shared_ptr<Backend>>& backends) override;

  uint32_t tableSize() const { return table_size_; }

 private:
  struct Snapshot {
    std::vector<Backend*> backends;  // eligible when built, in configuration order
    std::vector<uint32_t> table;     // table_size indices into `backends`; empty when none
  };
  struct NoWorkerState {};

  // For a key whose slot's backend is ineligible: the first eligible backend among the
  // next table slots, then among the backends from key_hash mod count; nullptr if none.
  static Backend* pickFallback(const Snapshot& snapshot, uint64_t key_hash, size_t slot);

  const uint32_t table_size_;
  SnapshotCache<Snapshot, NoWorkerState> cache_;
};

}  // namespace fulcrum
