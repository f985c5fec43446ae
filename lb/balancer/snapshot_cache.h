#pragma once
// Lock-free publication of a balancer's precomputed state (its "snapshot") to workers.
//
// The control thread builds a new immutable snapshot in Balancer::update() and calls
// publish(): the shared_ptr is stored atomically, then a generation counter is bumped
// with release ordering. Every worker owns one cache-line-aligned slot that holds its own
// shared_ptr copy, the generation it copied at, and the worker's private state (cursors).
// On the data path acquire() does a single acquire load of the generation; only when it
// differs from the slot's does the worker copy the shared_ptr again with
// std::atomic_load (libstdc++ guards it with a mutex from a small pool: a lock, but only
// once per update per worker).
// In steady state a pick therefore touches no shared reference count, takes no lock and
// writes nothing but its own slot.
//
// Ordering: publish() stores the pointer before it bumps the generation, so a worker
// that observes generation g loads the snapshot of g or a newer one; if newer, it simply
// refreshes once more on its next call.
//
// Lifetime: a worker drops its old copy with an atomic decrement only; the memory of
// replaced snapshots is freed on the control thread (see publish()), so the data path
// never calls free() or munmap() for a multi-megabyte table.
//
// Why std::atomic_load and not C++20's std::atomic<std::shared_ptr>: in libstdc++ 12 the
// latter releases its internal lock bit with relaxed ordering after reading the pointer,
// which ThreadSanitizer (rightly, by the memory model) reports as a data race.
#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <memory>
#include <vector>

namespace fulcrum {

template <typename Snapshot, typename WorkerState>
class SnapshotCache {
 public:
  struct alignas(64) Slot {
    std::shared_ptr<const Snapshot> snapshot;
    uint64_t generation = 0;
    WorkerState state{};
  };

  // Slots for workers 0 .. worker_slots - 1 (at least one). Publishes `initial` so that
  // acquire() never returns a slot without a snapshot.
  SnapshotCache(unsigned worker_slots, std::shared_ptr<const Snapshot> initial)
      : slot_count_(std::max(1u, worker_slots)), slots_(std::make_unique<Slot[]>(slot_count_)) {
    publish(std::move(initial));
  }
  SnapshotCache(const SnapshotCache&) = delete;
  SnapshotCache& operator=(const SnapshotCache&) = delete;

  unsigned slotCount() const { return slot_count_; }

  // Control path; callers serialize publish() among themselves. Also frees the
  // snapshots that every worker has moved away from.
  void publish(std::shared_ptr<const Snapshot> snapshot) {
    std::shared_ptr<const Snapshot> previous = std::atomic_exchange(&current_, std::move(snapshot));
    generation_.fetch_add(1, std::memory_order_release);
    if (previous) retired_.push_back(std::move(previous));
    // No new reference to a retired snapshot can appear (current_ no longer points to
    // it), so a use count of 1 means only this list holds it. use_count() is a relaxed
    // hint; the erase's own acq_rel decrement orders the destruction after the workers'
    // last reads, which released their copies.
    std::erase_if(retired_, [](const auto& retired) { return retired.use_count() == 1; });
  }

  // Data path: the worker's slot, its snapshot brought up to date. `changed` is set when
  // the snapshot was replaced by this call, so the caller can re-base per-worker state.
  // `worker` must be < slotCount(); each slot is used by one thread at a time.
  Slot& acquire(unsigned worker, bool& changed) {
    assert(worker < slot_count_);
    Slot& slot = slots_[worker];
    const uint64_t generation = generation_.load(std::memory_order_acquire);
    changed = generation != slot.generation;
    if (changed) [[unlikely]] {
      slot.snapshot = std::atomic_load(&current_);
      slot.generation = generation;
    }
    return slot;
  }

  // The most recently published snapshot, for control-path readers and tests.
  std::shared_ptr<const Snapshot> latest() const { return std::atomic_load(&current_); }

 private:
  const unsigned slot_count_;
  const std::unique_ptr<Slot[]> slots_;
  alignas(64) std::atomic<uint64_t> generation_{0};
  std::shared_ptr<const Snapshot> current_;  // only through std::atomic_load/atomic_exchange
  std::vector<std::shared_ptr<const Snapshot>> retired_;  // control thread only
};

}  // namespace fulcrum
