#pragma once
// Active health checks for every pool whose health_check type is tcp or http
// (INTERFACE.md, [pools.health_check]), on a thread of their own with their own uv loop,
// and the passive signal from the data path (PassiveHealthSink). Per-backend behaviour
// (schedule, rise/fall, fast re-checks after a passive failure, publication and log
// lines) is described in lb/health/probe.h. Pools of type none are not checked: their
// backends are up (Pool marks new ones; the checker marks again any that a reload moved
// from a checked pool).
//
// Threading: construct, start(), update() and stop() from control threads (serialized
// by an internal mutex); onConnectFailure() from any worker thread, lock-free;
// everything else happens on the checker's loop.
#include <uv.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lb/pool/latency_histogram.h"
#include "lb/proxy/passive_health.h"
#include "lb/runtime/topology.h"

namespace fulcrum {

class Probe;
struct PassiveSignal;

class HealthChecker final : public PassiveHealthSink {
 public:
  // Ready to take passive signals for `topology`'s backends at once; checks begin with
  // start().
  explicit HealthChecker(std::shared_ptr<const Topology> topology);
  // Stops the checker if it is still running.
  ~HealthChecker() override;
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Starts the thread. Once only.
  void start();

  // Checks `topology` from now on: a backend (the same Backend object) whose pool keeps
  // the same health_check settings keeps its probe, schedule and state; new backends get
  // a new probe (starting from their current state); probes of backends no longer in a
  // checked pool are stopped. Returns at once; the loop applies it.
  void update(std::shared_ptr<const Topology> topology);

  // Cancels every check, closes every handle, joins the thread and closes the loop.
  // Call it after the workers have stopped calling onConnectFailure (Server does, once
  // they have exited). Returns whether the loop closed cleanly (uv_loop_close gave 0);
  // a second call returns true at once.
  bool stop();

  // PassiveHealthSink: a lookup, an atomic flag and at most one uv_async_send.
  // `reason` must have static storage duration (a literal or uv_strerror's result).
  void onConnectFailure(Pool& pool, Backend& backend, const char* reason) override;

  // Latency of the active checks of `pool` (connect to verdict), nullptr for a pool not
  // checked. Thread-safe.
  std::shared_ptr<const LatencyHistogram> checkLatency(const std::string& pool) const;

 private:
  // What workers and scrapers read without a lock: immutable once published, kept until
  // the checker is destroyed (old generations are few: one per reload).
  struct Directory {
    std::shared_ptr<const Topology> topology;
    std::unordered_map<const Backend*, std::shared_ptr<PassiveSignal>> signals;
    std::unordered_map<std::string, std::shared_ptr<LatencyHistogram>> latency_by_pool;
  };

  // Control thread, under control_mutex_: the directory for `topology`, reusing the
  // signals and histograms of backends and pools already known.
  std::unique_ptr<Directory> makeDirectory(std::shared_ptr<const Topology> topology, const Directory* previous) const;
  // Loop thread.
  void applyDirectory(const Directory& directory);
  void pollPassiveSignals();
  void shutDownOnLoop();

  static void onCommand(uv_async_t* async);
  static void onPassive(uv_async_t* async);

  uv_loop_t loop_{};
  uv_async_t command_async_{};
  uv_async_t passive_async_{};
  std::thread thread_;

  mutable std::mutex control_mutex_;                           // control threads: lifecycle and the fields below
  std::vector<std::unique_ptr<const Directory>> directories_;  // every generation
  const Directory* pending_ = nullptr;                         // for the loop to apply
  bool stop_requested_ = false;
  bool started_ = false;
  bool stopped_ = false;

  std::atomic<const Directory*> current_{nullptr};  // the newest, for workers
  std::atomic<bool> passive_open_{true};            // false once stop() began

  // Loop thread only.
  std::unordered_map<const Backend*, Probe*> probes_;
  std::mt19937_64 random_;
};

}  // namespace fulcrum
