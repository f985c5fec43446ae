#pragma once
// round_robin: smooth weighted round robin (see smooth_weighted_schedule.h) over the
// eligible backends, O(1) per pick.
//
// update() precomputes one period of the sequence (the weights divided by their greatest
// common divisor first, which leaves the sequence unchanged and shortens the period);
// each worker walks it with its own cursor. Workers start at evenly spread offsets so
// that their first picks do not all land on the same backend. When the period would be
// too long or too slow to build, the snapshot instead carries per-worker current values
// and pick() runs the O(backends) algorithm live.
//
// A scheduled backend that turned ineligible after the build is skipped (a bounded
// number of schedule positions, then a scan of the backends); pick() never returns an
// ineligible backend. After an update a worker resumes at the same position modulo the
// new period but never starts on the backend it picked last, so a backend that leaves
// does not turn into a run of picks for another.
#include <cstdint>
#include <memory>
#include <vector>

#include "lb/balancer/balancer.h"
#include "lb/balancer/snapshot_cache.h"

namespace fulcrum {

class RoundRobinBalancer final : public Balancer {
 public:
  // Longest precomputed period (4 bytes per entry).
  static constexpr uint64_t kMaxScheduleLength = uint64_t{1} << 20;
  // Most build work (period × backends) update() may spend on a schedule; it runs on the
  // health checker's and the admin API's threads.
  static constexpr uint64_t kMaxScheduleWork = uint64_t{1} << 26;

  explicit RoundRobinBalancer(unsigned worker_slots);

  Backend* pick(const PickContext& context) override;
  void update(const std::vector<std::shared_ptr<Backend>>& backends) override;

  // Whether the latest snapshot uses a precomputed schedule (false: live algorithm).
  bool usesSchedule() const;

 private:
  struct Snapshot {
    std::vector<Backend*> backends;  // eligible when built, in configuration order
    std::vector<uint32_t> weights;   // of `backends`, divided by their gcd
    std::vector<uint32_t> schedule;  // one period of indices into `backends`; empty: live mode
    // Live mode only: worker w's current values are live_current[w * live_stride ...].
    // The one mutable part of a snapshot; each worker writes only its own stride.
    std::unique_ptr<int64_t[]> live_current;
    size_t live_stride = 0;
  };
  struct WorkerCursor {
    uint32_t position = 0;     // next schedule index
    bool positioned = false;   // position has been set for this worker at least once
    Backend* last = nullptr;   // the backend this worker picked last
  };

  // Sets `cursor` for a newly seen schedule-mode snapshot: a worker's first snapshot
  // starts at its spread offset, later ones continue at the same position modulo the
  // period, moved past the backend the worker picked last.
  void reposition(const Snapshot& snapshot, unsigned worker, WorkerCursor& cursor) const;
  // Live mode: one smooth weighted round robin step over the currently eligible backends
  // with `worker`'s current values; nullptr when none is eligible.
  static Backend* pickLive(const Snapshot& snapshot, unsigned worker);
  // The first eligible backend from the cursor's scheduled one on, in list order; nullptr
  // when none is eligible.
  static Backend* pickAnyEligible(const Snapshot& snapshot, WorkerCursor& cursor);

  SnapshotCache<Snapshot, WorkerCursor> cache_;
};

}  // namespace fulcrum
