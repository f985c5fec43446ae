#include "lb/balancer/round_robin.h"

#include <numeric>

#include "lb/balancer/smooth_weighted_schedule.h"

namespace fulcrum {
namespace {

// Schedule positions pick() tries before it scans the backends for an eligible one.
constexpr unsigned kScheduleProbes = 8;
// int64 values per cache line: live-mode strides are padded so workers never share one.
constexpr size_t kValuesPerCacheLine = 64 / sizeof(int64_t);

}  // namespace

RoundRobinBalancer::RoundRobinBalancer(unsigned worker_slots)
    : cache_(worker_slots, std::make_shared<const Snapshot>()) {}

void RoundRobinBalancer::update(const std::vector<std::shared_ptr<Backend>>& backends) {
  auto snapshot = std::make_shared<Snapshot>();
  uint32_t divisor = 0;
  for (const auto& backend : backends) {
    if (!backend->eligible()) continue;
    snapshot->backends.push_back(backend.get());
    snapshot->weights.push_back(backend->weight());
    divisor = std::gcd(divisor, backend->weight());
  }
  uint64_t total = 0;
  for (uint32_t& weight : snapshot->weights) {
    weight /= divisor;
    total += weight;
  }
  const size_t count = snapshot->backends.size();
  if (total <= kMaxScheduleLength && total * count <= kMaxScheduleWork) {
    snapshot->schedule = buildSmoothWeightedSchedule(snapshot->weights);
  } else if (count > 0) {
    // One spare cache line per stride keeps neighbours apart whatever the base alignment.
    snapshot->live_stride = (count + kValuesPerCacheLine - 1) / kValuesPerCacheLine * kValuesPerCacheLine +
                            kValuesPerCacheLine;
    snapshot->live_current = std::make_unique<int64_t[]>(snapshot->live_stride * cache_.slotCount());
  }
  cache_.publish(std::move(snapshot));
}

bool RoundRobinBalancer::usesSchedule() const { return !cache_.latest()->schedule.empty(); }

Backend* RoundRobinBalancer::pick(const PickContext& context) {
  bool changed = false;
  auto& slot = cache_.acquire(context.worker, changed);
  const Snapshot& snapshot = *slot.snapshot;
  if (snapshot.schedule.empty()) return pickLive(snapshot, context.worker);

  WorkerCursor& cursor = slot.state;
  if (changed) [[unlikely]] reposition(snapshot, context.worker, cursor);
  const auto size = static_cast<uint32_t>(snapshot.schedule.size());
  for (unsigned probe = 0; probe < kScheduleProbes; ++probe) {
    Backend* backend = snapshot.backends[snapshot.schedule[cursor.position]];
    if (++cursor.position == size) cursor.position = 0;
    if (backend->eligible()) [[likely]] {
      cursor.last = backend;
      return backend;
    }
  }
  return pickAnyEligible(snapshot, cursor);
}

void RoundRobinBalancer::reposition(const Snapshot& snapshot, unsigned worker, WorkerCursor& cursor) const {
  const auto size = static_cast<uint32_t>(snapshot.schedule.size());
  if (!cursor.positioned) {
    cursor.position = static_cast<uint32_t>(uint64_t{worker} * size / cache_.slotCount());
    cursor.positioned = true;
    return;
  }
  cursor.position %= size;
  // Continuing on the backend picked just before the change could extend its run past
  // what the new weights allow; step to the next position scheduled for another one.
  for (uint32_t step = 0; step < size && snapshot.backends[snapshot.schedule[cursor.position]] == cursor.last;
       ++step) {
    if (++cursor.position == size) cursor.position = 0;
  }
}

Backend* RoundRobinBalancer::pickLive(const Snapshot& snapshot, unsigned worker) {
  int64_t* current = snapshot.live_current.get() + worker * snapshot.live_stride;
  const long chosen = smoothWeightedStep(snapshot.weights.data(), current, snapshot.backends.size(),
                                         [&](size_t i) { return snapshot.backends[i]->eligible(); });
  return chosen < 0 ? nullptr : snapshot.backends[chosen];
}

Backend* RoundRobinBalancer::pickAnyEligible(const Snapshot& snapshot, WorkerCursor& cursor) {
  // Start where the schedule stands so that successive fallbacks still rotate.
  const size_t count = snapshot.backends.size();
  const size_t start = snapshot.schedule[cursor.position];
  for (size_t step = 0; step < count; ++step) {
    Backend* backend = snapshot.backends[(start + step) % count];
    if (backend->eligible()) {
      cursor.last = backend;
      return backend;
    }
  }
  return nullptr;
}

}  // namespace fulcrum
