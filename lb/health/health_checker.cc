#include "lb/health/health_checker.h"

#include <pthread.h>

#include <utility>

#include "common/log.h"
#include "lb/health/check_spec.h"
#include "lb/health/passive_signal.h"
#include "lb/health/probe.h"

namespace fulcrum {
namespace {

bool checked(const Pool& pool) { return pool.config().health_check.type != config::HealthCheckType::kNone; }

bool sameCheck(const config::HealthCheckConfig& a, const config::HealthCheckConfig& b) {
  return a.type == b.type && a.interval == b.interval && a.timeout == b.timeout && a.rise == b.rise &&
         a.fall == b.fall && a.path == b.path && a.expect_status == b.expect_status && a.port == b.port;
}

// The host the backend was configured with, for the http check's Host header.
std::string configuredHost(const Pool& pool, const Backend& backend) {
  for (const auto& configured : pool.config().backends) {
    if (configured.address.text == backend.name()) return configured.address.host_port.host;
  }
  return backend.address().toString();
}

// A pool of type none is always up (INTERFACE.md). Pool does this for the backends it
// creates; a backend that was checked before a reload turned its pool's checks off would
// otherwise keep its last verdict.
void markAllUp(Pool& pool) {
  bool changed = false;
  for (const auto& backend : pool.backends()) {
    if (backend->health() == HealthState::kUp) continue;
    backend->setHealth(HealthState::kUp);
    changed = true;
  }
  if (changed) pool.backendsChanged();
}

}  // namespace

HealthChecker::HealthChecker(std::shared_ptr<const Topology> topology) : random_(std::random_device{}()) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &command_async_, onCommand);
  command_async_.data = this;
  uv_async_init(&loop_, &passive_async_, onPassive);
  passive_async_.data = this;
  std::lock_guard lock(control_mutex_);
  directories_.push_back(makeDirectory(std::move(topology), nullptr));
  pending_ = directories_.back().get();
  current_.store(pending_, std::memory_order_release);
}

HealthChecker::~HealthChecker() { stop(); }

std::unique_ptr<HealthChecker::Directory> HealthChecker::makeDirectory(std::shared_ptr<const Topology> topology,
                                                                       const Directory* previous) const {
  auto directory = std::make_unique<Directory>();
  for (const auto& pool : topology->pools) {
    if (!checked(*pool)) continue;
    std::shared_ptr<LatencyHistogram> latency;
    if (previous != nullptr) {
      const auto known = previous->latency_by_pool.find(pool->name());
      if (known != previous->latency_by_pool.end()) latency = known->second;
    }
    directory->latency_by_pool.emplace(pool->name(), latency ? latency : std::make_shared<LatencyHistogram>());
    for (const auto& backend : pool->backends()) {
      std::shared_ptr<PassiveSignal> signal;
      if (previous != nullptr) {
        const auto known = previous->signals.find(backend.get());
        if (known != previous->signals.end()) signal = known->second;
      }
      directory->signals.emplace(backend.get(), signal ? signal : std::make_shared<PassiveSignal>());
    }
  }
  directory->topology = std::move(topology);
  return directory;
}

void HealthChecker::start() {
  std::lock_guard lock(control_mutex_);
  if (started_ || stopped_) return;
  started_ = true;
  thread_ = std::thread([this] {
    // Named so that `top -H` and /proc/PID/task/*/comm tell it from the workers.
    pthread_setname_np(pthread_self(), "fulcrum-health");
    uv_run(&loop_, UV_RUN_DEFAULT);
  });
  uv_async_send(&command_async_);
}

void HealthChecker::update(std::shared_ptr<const Topology> topology) {
  std::lock_guard lock(control_mutex_);
  if (stopped_) return;
  directories_.push_back(makeDirectory(std::move(topology), current_.load(std::memory_order_acquire)));
  pending_ = directories_.back().get();
  current_.store(pending_, std::memory_order_release);
  uv_async_send(&command_async_);
}

bool HealthChecker::stop() {
  bool was_started = false;
  {
    std::lock_guard lock(control_mutex_);
    if (stopped_) return true;
    stopped_ = true;
    stop_requested_ = true;
    was_started = started_;
  }
  passive_open_.store(false, std::memory_order_release);
  if (was_started) {
    uv_async_send(&command_async_);
    thread_.join();
  } else {
    // Never started: close the handles on this thread.
    uv_close(reinterpret_cast<uv_handle_t*>(&command_async_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&passive_async_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  const int rc = uv_loop_close(&loop_);
  if (rc != 0) log::error("health checker: loop closed with handles open: {}", uv_strerror(rc));
  return rc == 0;
}

void HealthChecker::onConnectFailure(Pool& /*pool*/, Backend& backend, const char* reason) {
  const Directory* directory = current_.load(std::memory_order_acquire);
  const auto found = directory->signals.find(&backend);
  if (found == directory->signals.end()) return;  // not a checked pool
  if (found->second->raise(reason) && passive_open_.load(std::memory_order_acquire)) {
    uv_async_send(&passive_async_);
  }
}

std::shared_ptr<const LatencyHistogram> HealthChecker::checkLatency(const std::string& pool) const {
  const Directory* directory = current_.load(std::memory_order_acquire);
  const auto found = directory->latency_by_pool.find(pool);
  return found == directory->latency_by_pool.end() ? nullptr : found->second;
}

void HealthChecker::onCommand(uv_async_t* async) {
  auto* self = static_cast<HealthChecker*>(async->data);
  const Directory* pending = nullptr;
  bool stop = false;
  {
    std::lock_guard lock(self->control_mutex_);
    pending = std::exchange(self->pending_, nullptr);
    stop = self->stop_requested_;
  }
  if (stop) {
    self->shutDownOnLoop();
    return;
  }
  if (pending != nullptr) self->applyDirectory(*pending);
}

void HealthChecker::applyDirectory(const Directory& directory) {
  std::unordered_map<const Backend*, Probe*> next;
  size_t checked_pools = 0;
  for (const auto& pool : directory.topology->pools) {
    if (!checked(*pool)) {
      markAllUp(*pool);
      continue;
    }
    ++checked_pools;
    const auto& latency = directory.latency_by_pool.at(pool->name());
    for (const auto& backend : pool->backends()) {
      const auto existing = probes_.find(backend.get());
      if (existing != probes_.end() && sameCheck(existing->second->checkConfig(), pool->config().health_check)) {
        existing->second->adopt(pool, latency);
        next.emplace(backend.get(), existing->second);
        probes_.erase(existing);
        continue;
      }
      CheckSpec spec = makeCheckSpec(pool->config().health_check, backend->address(), configuredHost(*pool, *backend));
      auto* probe =
          new Probe(&loop_, pool, backend, std::move(spec), directory.signals.at(backend.get()), latency, &random_);
      probe->start();
      next.emplace(backend.get(), probe);
    }
  }
  for (auto& [backend, probe] : probes_) probe->retire();
  probes_ = std::move(next);
  log::info("health: checking {} backend(s) in {} pool(s)", probes_.size(), checked_pools);
  // Signals raised before these probes existed.
  pollPassiveSignals();
}

void HealthChecker::onPassive(uv_async_t* async) { static_cast<HealthChecker*>(async->data)->pollPassiveSignals(); }

void HealthChecker::pollPassiveSignals() {
  for (auto& [backend, probe] : probes_) probe->pollPassiveSignal();
}

void HealthChecker::shutDownOnLoop() {
  for (auto& [backend, probe] : probes_) probe->retire();
  probes_.clear();
  for (uv_async_t* async : {&command_async_, &passive_async_}) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(async))) uv_close(reinterpret_cast<uv_handle_t*>(async), nullptr);
  }
}

}  // namespace fulcrum
