#pragma once
// One backend's health on the checker's loop: its check schedule, its rise/fall
// tracker, and the publication of every state change (Backend::setHealth, then
// Pool::backendsChanged so the balancer rebuilds, then a log line).
//
// Schedule: the first check comes after a random fraction of `interval` (so a pool's
// checks are spread instead of bursting at start-up), then one check every `interval`
// ±5% counted from the end of the previous one; never two at once.
//
// Passive signal (HAProxy's `observe layer4` with `on-error fail-check` plus
// `fastinter`, HAProxy 2.6 configuration manual, section 5.2): a failed connect on the
// data path counts as one failed check, at most once between two active checks, and,
// unless the backend is down already, starts an active check at once and then fast
// re-checks every min(interval, 100ms) while failures keep piling up towards `fall`.
// The fast mode ends when the backend is down or a check succeeds. So with fall = 3 a
// dead backend that traffic notices is down after the passive failure plus two checks:
// about 100ms when its port refuses, about 2 x timeout when it black-holes, whatever
// the interval.
#include <uv.h>

#include <memory>
#include <random>
#include <string>

#include "lb/config/config.h"
#include "lb/health/check_connection.h"
#include "lb/health/check_spec.h"
#include "lb/health/passive_signal.h"
#include "lb/health/rise_fall.h"
#include "lb/pool/latency_histogram.h"
#include "lb/pool/pool.h"

namespace fulcrum {

class Probe final : public CheckObserver {
 public:
  static constexpr uint64_t kFastRecheckMs = 100;

  // Loop thread only, like every method. The probe takes its initial state from the
  // backend (unknown for a new one).
  Probe(uv_loop_t* loop, std::shared_ptr<Pool> pool, std::shared_ptr<Backend> backend, CheckSpec spec,
        std::shared_ptr<PassiveSignal> signal, std::shared_ptr<LatencyHistogram> latency, std::mt19937_64* random);
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // Schedules the first check.
  void start();
  // After a reload: the backend now belongs to `pool` (same check config).
  void adopt(std::shared_ptr<Pool> pool, std::shared_ptr<LatencyHistogram> latency);
  // Acts on a raised passive signal, if any.
  void pollPassiveSignal();
  // Cancels the running check and the schedule; the probe deletes itself once its
  // handles are closed. Do not touch it afterwards.
  void retire();

  const config::HealthCheckConfig& checkConfig() const { return pool_->config().health_check; }
  HealthState state() const { return tracker_.state(); }

  void onCheckDone(const CheckOutcome& outcome) override;

 private:
  ~Probe() override = default;

  void runCheck();
  void scheduleNext();
  void scheduleIn(uint64_t delay_ms);
  // Feeds one verdict to the tracker and publishes a state change.
  void record(bool success, const std::string& detail);

  static void onTimer(uv_timer_t* timer);
  static void onTimerClosed(uv_handle_t* handle);

  uv_loop_t* loop_;
  std::shared_ptr<Pool> pool_;
  std::shared_ptr<Backend> backend_;
  const CheckSpec spec_;
  std::shared_ptr<PassiveSignal> signal_;
  std::shared_ptr<LatencyHistogram> latency_;
  std::mt19937_64* random_;
  RiseFallTracker tracker_;
  uv_timer_t timer_{};
  CheckConnection* check_ = nullptr;  // the running check, if any
  bool fast_ = false;                 // fast re-checks after a passive failure
  bool passive_counted_ = false;      // a passive failure counted since the last check
  bool retired_ = false;
};

}  // namespace fulcrum
