#include "lb/balancer/least_connections.h"

#include <algorithm>

namespace fulcrum {

LeastConnectionsBalancer::LeastConnectionsBalancer(unsigned worker_slots)
    : cache_(worker_slots, std::make_shared<const Snapshot>()) {}

void LeastConnectionsBalancer::update(const std::vector<std::shared_ptr<Backend>>& backends) {
  auto snapshot = std::make_shared<Snapshot>();
  for (const auto& backend : backends) {
    if (backend->eligible()) snapshot->candidates.push_back({backend.get(), backend->weight()});
  }
  cache_.publish(std::move(snapshot));
}

Backend* LeastConnectionsBalancer::pick(const PickContext& context) {
  bool changed = false;
  auto& slot = cache_.acquire(context.worker, changed);
  const std::vector<Candidate>& candidates = slot.snapshot->candidates;
  const size_t count = candidates.size();
  if (count == 0) return nullptr;
  WorkerRotation& rotation = slot.state;
  if (changed) [[unlikely]] {
    // Spread the workers' first tie-breaks over the backends.
    if (!rotation.positioned) rotation.next_start = context.worker;
    rotation.positioned = true;
    rotation.next_start %= count;
  }

  // Scanning from just after this worker's previous pick and keeping the first of equal
  // loads is what makes ties go round robin.
  size_t best = count;
  uint64_t best_active = 0;
  uint64_t best_weight = 1;
  size_t index = rotation.next_start;
  for (size_t step = 0; step < count; ++step, index = index + 1 == count ? 0 : index + 1) {
    const Candidate& candidate = candidates[index];
    // A negative count can only come from a caller's unbalanced addActive; treat as 0.
    const auto active = static_cast<uint64_t>(std::max<int64_t>(0, candidate.backend->activeConnections()));
    // active / weight < best_active / best_weight, without division. Counts stay far
    // below 2^32 (they are file descriptors), so the products fit in 64 bits.
    const bool better = best == count || active * best_weight < best_active * candidate.weight;
    if (better && candidate.backend->eligible()) {
      best = index;
      best_active = active;
      best_weight = candidate.weight;
    }
  }
  if (best == count) return nullptr;
  rotation.next_start = best + 1 == count ? 0 : best + 1;
  return candidates[best].backend;
}

}  // namespace fulcrum
