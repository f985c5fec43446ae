#include "lb/health/probe.h"

#include <algorithm>

#include "common/log.h"
#include "common/rate_limit.h"

namespace fulcrum {
namespace {

constexpr double kJitter = 0.05;

// Once per interval for every probe: when descriptors run out, every check fails alike.
RateLimit g_inconclusive_check_log(std::chrono::seconds(5));

}  // namespace

Probe::Probe(uv_loop_t* loop, std::shared_ptr<Pool> pool, std::shared_ptr<Backend> backend, CheckSpec spec,
             std::shared_ptr<PassiveSignal> signal, std::shared_ptr<LatencyHistogram> latency, std::mt19937_64* random)
    : loop_(loop),
      pool_(std::move(pool)),
      backend_(std::move(backend)),
      spec_(std::move(spec)),
      signal_(std::move(signal)),
      latency_(std::move(latency)),
      random_(random),
      tracker_(pool_->config().health_check.rise, pool_->config().health_check.fall, backend_->health()) {
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
}

void Probe::start() {
  const auto interval_ms = static_cast<uint64_t>(checkConfig().interval.count());
  std::uniform_int_distribution<uint64_t> first(0, interval_ms > 0 ? interval_ms - 1 : 0);
  scheduleIn(first(*random_));
}

void Probe::adopt(std::shared_ptr<Pool> pool, std::shared_ptr<LatencyHistogram> latency) {
  pool_ = std::move(pool);
  latency_ = std::move(latency);
}

void Probe::scheduleIn(uint64_t delay_ms) { uv_timer_start(&timer_, onTimer, delay_ms, 0); }

void Probe::scheduleNext() {
  const auto interval_ms = static_cast<uint64_t>(checkConfig().interval.count());
  if (fast_) {
    scheduleIn(std::min(interval_ms, kFastRecheckMs));
    return;
  }
  std::uniform_real_distribution<double> spread(1.0 - kJitter, 1.0 + kJitter);
  scheduleIn(static_cast<uint64_t>(static_cast<double>(interval_ms) * spread(*random_)));
}

void Probe::onTimer(uv_timer_t* timer) { static_cast<Probe*>(timer->data)->runCheck(); }

void Probe::runCheck() {
  if (retired_ || check_ != nullptr) return;
  uv_timer_stop(&timer_);
  check_ = CheckConnection::start(loop_, spec_, this);
}

void Probe::onCheckDone(const CheckOutcome& outcome) {
  check_ = nullptr;
  if (outcome.inconclusive) {
    if (g_inconclusive_check_log.allow()) {
      log::warn("health: pool \"{}\" backend {}: check not run ({}); its state stays {}", pool_->name(),
                backend_->name(), outcome.detail, toString(backend_->health()));
    }
    scheduleNext();
    return;
  }
  latency_->observeNanoseconds(outcome.elapsed_ns);
  auto& counters = backend_->counters();
  (outcome.success ? counters.health_successes : counters.health_failures).fetch_add(1, std::memory_order_relaxed);
  passive_counted_ = false;
  record(outcome.success, outcome.detail);
  fast_ = fast_ && tracker_.fallingTowardsDown();
  scheduleNext();
}

void Probe::pollPassiveSignal() {
  const char* reason = signal_->take();
  if (reason == nullptr || retired_ || passive_counted_) return;
  passive_counted_ = true;
  record(false, fmt::format("traffic: connect failed: {}", reason));
  if (!tracker_.fallingTowardsDown()) return;
  fast_ = true;
  // A running check is followed by a fast one; otherwise check at once.
  if (check_ == nullptr) runCheck();
}

void Probe::record(bool success, const std::string& detail) {
  const HealthState before = tracker_.state();
  const std::optional<HealthState> after = tracker_.record(success);
  if (!after) return;
  backend_->setHealth(*after);
  pool_->backendsChanged();
  if (*after == HealthState::kDown) {
    log::warn("health: pool \"{}\" backend {} {} -> {} after {} consecutive failure(s), last: {}", pool_->name(),
              backend_->name(), toString(before), toString(*after), tracker_.consecutiveFailures(), detail);
  } else {
    log::info("health: pool \"{}\" backend {} {} -> {} after {} consecutive success(es), last: {}", pool_->name(),
              backend_->name(), toString(before), toString(*after), tracker_.consecutiveSuccesses(), detail);
  }
}

void Probe::retire() {
  if (retired_) return;
  retired_ = true;
  if (check_ != nullptr) check_->cancel();
  check_ = nullptr;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), onTimerClosed);
}

void Probe::onTimerClosed(uv_handle_t* handle) { delete static_cast<Probe*>(handle->data); }

}  // namespace fulcrum
