#include "lb/runtime/server.h"

#include <signal.h>
#include <unistd.h>

#include <thread>

#include <fmt/format.h>

#include "common/log.h"
#include "lb/admin/admin_server.h"
#include "lb/health/health_checker.h"
#include "lb/proxy/listen_socket.h"
#include "lb/runtime/privileges.h"
#include "lb/runtime/readiness.h"
#include "lb/runtime/service_manager.h"

namespace fulcrum {

const char* toString(Control::Outcome outcome) {
  switch (outcome) {
    case Control::Outcome::kOk: return "ok";
    case Control::Outcome::kUnknownPool: return "unknown pool";
    case Control::Outcome::kUnknownBackend: return "unknown backend";
    case Control::Outcome::kUnknownListener: return "unknown listener";
  }
  return "?";
}

unsigned effectiveWorkerCount(unsigned configured) {
  if (configured != 0) return configured;
  const unsigned cpus = std::thread::hardware_concurrency();
  return cpus == 0 ? 1 : cpus;
}

std::shared_ptr<const Topology> buildTopology(const config::Config& config, unsigned worker_slots,
                                              const TlsContexts& tls) {
  auto topology = std::make_shared<Topology>();
  for (const auto& pool : config.pools) topology->pools.push_back(std::make_shared<Pool>(pool, worker_slots));
  for (const auto& listener : config.listeners) {
    const auto context = tls.find(listener.name);
    topology->listeners.push_back(std::make_shared<ListenerState>(
        listener, topology->findPool(listener.pool).get(), std::make_shared<ListenerStats>(),
        context == tls.end() ? nullptr : context->second));
  }
  return topology;
}

Server::Server(config::Config config) : config_(std::move(config)) {}

Server::~Server() = default;

bool Server::bindListeners(const Topology& topology, unsigned workers,
                           std::vector<std::vector<ListenerSocket>>* per_worker) {
  per_worker->assign(workers, {});
  for (const auto& listener : topology.listeners) {
    const config::ListenerConfig& cfg = listener->config();
    const int socket_type = cfg.protocol == config::Protocol::kUdp ? SOCK_DGRAM : SOCK_STREAM;
    for (unsigned worker = 0; worker < workers; ++worker) {
      std::string error;
      const int fd = openReusePortSocket(cfg.bind.address, socket_type, &error);
      if (fd < 0) {
        log::error("listener \"{}\": {}", cfg.name, error);
        for (auto& sockets : *per_worker) {
          for (auto& socket : sockets) ::close(socket.fd);
        }
        per_worker->clear();
        return false;
      }
      (*per_worker)[worker].push_back(ListenerSocket{listener.get(), fd});
    }
  }
  return true;
}

void Server::logSummary(const Topology& topology, unsigned workers) const {
  log::info("fulcrum {} starting with {} worker(s), config {}", FULCRUM_VERSION, workers, config_.source_path);
  for (const auto& pool : topology.pools) {
    log::info("pool \"{}\": {} backend(s), balance {}, health check {}", pool->name(), pool->backends().size(),
              config::toString(pool->config().balance), config::toString(pool->config().health_check.type));
  }
  for (const auto& listener : topology.listeners) {
    const auto& cfg = listener->config();
    log::info("listener \"{}\" ({}) listening on {} -> pool \"{}\"", cfg.name, config::toString(cfg.protocol),
              cfg.bind.address.toString(), cfg.pool);
  }
}

int Server::run() {
  const unsigned workers = effectiveWorkerCount(config_.runtime.workers);
  std::vector<std::string> tls_errors;
  const std::optional<TlsContexts> tls = loadTlsContexts(config_, &tls_errors);
  if (!tls) {
    for (const auto& error : tls_errors) log::error("{}", error);
    return 1;
  }
  topology_ = buildTopology(config_, workers, *tls);
  health_checker_ = std::make_unique<HealthChecker>(topology_);
  passive_health_ = health_checker_.get();

  // A peer that resets while we write must not kill the process.
  ::signal(SIGPIPE, SIG_IGN);

  if (config_.admin.enabled) {
    admin_ = admin::AdminServer::listen(config_.admin);  // logs why it failed
    if (!admin_) return 1;
  }
  std::vector<std::vector<ListenerSocket>> sockets;
  if (!bindListeners(*topology_, workers, &sockets)) return 1;
  // Every socket (admin included) is bound: privileged ports are no longer needed.
  if (!switchToConfiguredUser(config_.runtime.user)) return 1;

  uv_loop_init(&loop_);
  uv_signal_init(&loop_, &sigterm_);
  uv_signal_init(&loop_, &sigint_);
  uv_signal_init(&loop_, &sighup_);
  uv_async_init(&loop_, &worker_exited_, onWorkerExited);
  uv_timer_init(&loop_, &withdraw_timer_);
  withdraw_timer_.data = this;
  uv_async_init(&loop_, &reload_requested_, onReloadRequested);
  reload_requested_.data = this;
  {
    std::lock_guard lock(reload_mutex_);
    reload_async_open_ = true;
  }
  for (uv_signal_t* handle : {&sigterm_, &sigint_, &sighup_}) handle->data = this;
  worker_exited_.data = this;
  uv_signal_start(&sigterm_, onSignal, SIGTERM);
  uv_signal_start(&sigint_, onSignal, SIGINT);
  uv_signal_start(&sighup_, onSignal, SIGHUP);

  for (unsigned index = 0; index < workers; ++index) {
    workers_.push_back(std::make_unique<Worker>(index, std::move(sockets[index]), passive_health_, [this] {
      workers_exited_.fetch_add(1, std::memory_order_acq_rel);
      uv_async_send(&worker_exited_);
    }));
  }
  logSummary(*topology_, workers);
  health_checker_->start();
  for (auto& worker : workers_) worker->start();
  if (admin_) admin_->serve(*this);
  service_manager::notifyReady(
      fmt::format("serving {} listener(s) with {} worker(s)", topology_->listeners.size(), workers));

  uv_run(&loop_, UV_RUN_DEFAULT);
  for (auto& worker : workers_) worker->join();
  admin_.reset();  // before the workers that its requests post to go away
  workers_.clear();
  health_checker_->stop();
  uv_loop_close(&loop_);
  log::info("fulcrum stopped");
  return 0;
}

void Server::onSignal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<Server*>(handle->data);
  if (signum == SIGHUP) {
    if (self->shutting_down_) {
      log::info("SIGHUP received during shutdown: ignored");
      return;
    }
    log::info("SIGHUP received: reloading {}", self->config_.source_path);
    self->reload();
    return;
  }
  self->beginShutdown(signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

void Server::beginShutdown(const char* signal_name) {
  if (stopped_accepting_) return;
  if (shutting_down_) {
    log::info("{} received again: skipping the rest of withdraw_delay", signal_name);
    stopAccepting();
    return;
  }
  shutting_down_ = true;
  service_manager::notifyStopping(fmt::format("stopping on {}: draining connections", signal_name));
  const Duration delay = config_.runtime.withdraw_delay;
  if (delay.count() <= 0) {
    log::info("{} received: readyz now answers 503", signal_name);
    stopAccepting();
    return;
  }
  log::info("{} received: readyz now answers 503; still accepting for {} (withdraw_delay) so routers "
            "withdraw this instance first",
            signal_name, formatDuration(delay));
  uv_timer_start(&withdraw_timer_, onWithdrawDelayOver, static_cast<uint64_t>(delay.count()), 0);
}

void Server::onWithdrawDelayOver(uv_timer_t* timer) { static_cast<Server*>(timer->data)->stopAccepting(); }

void Server::stopAccepting() {
  if (stopped_accepting_) return;
  stopped_accepting_ = true;
  uv_timer_stop(&withdraw_timer_);
  log::info("no longer accepting; open connections may run for up to {}",
            formatDuration(config_.runtime.shutdown_grace));
  for (auto& worker : workers_) worker->beginShutdown(config_.runtime.shutdown_grace);
}

void Server::onWorkerExited(uv_async_t* async) {
  auto* self = static_cast<Server*>(async->data);
  if (self->workers_exited_.load(std::memory_order_acquire) < self->workers_.size()) return;
  for (uv_signal_t* handle : {&self->sigterm_, &self->sigint_, &self->sighup_}) {
    uv_close(reinterpret_cast<uv_handle_t*>(handle), nullptr);
  }
  // Closing the last handle restored the default action (terminate); a repeated SIGTERM
  // from a supervisor during the last steps must not turn the clean exit 0 into a kill.
  ::signal(SIGTERM, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->worker_exited_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->withdraw_timer_), nullptr);
  {
    std::lock_guard lock(self->reload_mutex_);
    self->reload_async_open_ = false;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&self->reload_requested_), nullptr);
  self->answerPendingReloads(ReloadResult{false, {"fulcrum is shutting down"}});
}

ReloadResult Server::requestReload(Duration timeout) {
  auto promise = std::make_shared<std::promise<ReloadResult>>();
  std::future<ReloadResult> result = promise->get_future();
  {
    std::lock_guard lock(reload_mutex_);
    if (!reload_async_open_) return ReloadResult{false, {"fulcrum is not running its main loop"}};
    pending_reloads_.push_back(std::move(promise));
    uv_async_send(&reload_requested_);
  }
  if (result.wait_for(timeout) != std::future_status::ready) {
    return ReloadResult{false, {"the reload did not finish within " + formatDuration(timeout)}};
  }
  return result.get();
}

void Server::onReloadRequested(uv_async_t* async) {
  auto* self = static_cast<Server*>(async->data);
  if (self->shutting_down_) {
    self->answerPendingReloads(ReloadResult{false, {"fulcrum is shutting down"}});
    return;
  }
  // uv_async_send coalesces: one reload answers every request queued before it started.
  std::vector<std::shared_ptr<std::promise<ReloadResult>>> requests;
  {
    std::lock_guard lock(self->reload_mutex_);
    requests.swap(self->pending_reloads_);
  }
  if (requests.empty()) return;
  log::info("reload requested through the admin API: reloading {}", self->config_.source_path);
  ReloadResult result;
  result.ok = self->reload(&result.errors);
  for (auto& request : requests) request->set_value(result);
}

void Server::answerPendingReloads(const ReloadResult& result) {
  std::vector<std::shared_ptr<std::promise<ReloadResult>>> requests;
  {
    std::lock_guard lock(reload_mutex_);
    requests.swap(pending_reloads_);
  }
  for (auto& request : requests) request->set_value(result);
}

void Server::forEachWorker(const std::function<void(Worker&)>& task) {
  for (auto& worker : workers_) {
    Worker* target = worker.get();
    target->post([target, task] { task(*target); });
  }
}

std::shared_ptr<const Topology> Server::topology() const {
  std::lock_guard lock(control_mutex_);
  return topology_;
}

Control::Outcome Server::drainBackend(const std::string& pool_name, const std::string& backend_name) {
  std::lock_guard lock(control_mutex_);
  const std::shared_ptr<Pool> pool = topology_->findPool(pool_name);
  if (!pool) return Outcome::kUnknownPool;
  std::shared_ptr<Backend> backend = pool->findBackendShared(backend_name);
  if (!backend) return Outcome::kUnknownBackend;
  if (backend->draining()) return Outcome::kOk;
  const uint64_t epoch = backend->setDraining(true);
  pool->backendsChanged();
  log::info("pool \"{}\": backend {} draining; open connections close after {}", pool_name, backend_name,
            formatDuration(pool->config().drain_timeout));
  scheduleDrainDeadline(std::move(backend), epoch, pool->config().drain_timeout);
  return Outcome::kOk;
}

void Server::scheduleDrainDeadline(std::shared_ptr<Backend> backend, uint64_t epoch, Duration timeout) {
  const uint64_t timeout_ms = static_cast<uint64_t>(timeout.count());
  forEachWorker([backend, epoch, timeout_ms](Worker& worker) {
    worker.deferred().schedule(timeout_ms, [&worker, backend, epoch] {
      if (!backend->draining() || backend->drainEpoch() != epoch) return;
      const size_t closed = worker.connections().forceCloseIf(
          [&](const TrackedConnection& connection) { return connection.backend() == backend.get(); });
      backend->counters().drained_closes.fetch_add(closed, std::memory_order_relaxed);
    });
  });
}

Control::Outcome Server::enableBackend(const std::string& pool_name, const std::string& backend_name) {
  std::lock_guard lock(control_mutex_);
  const std::shared_ptr<Pool> pool = topology_->findPool(pool_name);
  if (!pool) return Outcome::kUnknownPool;
  Backend* backend = pool->findBackend(backend_name);
  if (backend == nullptr) return Outcome::kUnknownBackend;
  if (!backend->draining()) return Outcome::kOk;
  backend->setDraining(false);
  pool->backendsChanged();
  log::info("pool \"{}\": backend {} enabled", pool_name, backend_name);
  return Outcome::kOk;
}

Control::Outcome Server::switchListenerPool(const std::string& listener_name, const std::string& pool_name) {
  std::lock_guard lock(control_mutex_);
  const std::shared_ptr<ListenerState> listener = topology_->findListener(listener_name);
  if (!listener) return Outcome::kUnknownListener;
  const std::shared_ptr<Pool> pool = topology_->findPool(pool_name);
  if (!pool) return Outcome::kUnknownPool;
  Pool* previous = listener->pool();
  if (previous == pool.get()) return Outcome::kOk;
  listener->setPool(pool.get());
  const std::shared_ptr<Pool> old_pool = topology_->findPool(previous->name());
  const uint64_t timeout_ms = static_cast<uint64_t>(old_pool->config().drain_timeout.count());
  log::info("listener \"{}\": new connections go to pool \"{}\"; connections to \"{}\" close after {}",
            listener_name, pool_name, old_pool->name(), formatDuration(old_pool->config().drain_timeout));
  forEachWorker([listener, old_pool, timeout_ms](Worker& worker) {
    worker.deferred().schedule(timeout_ms, [&worker, listener, old_pool] {
      if (listener->pool() == old_pool.get()) return;  // switched back meanwhile
      worker.connections().forceCloseIf([&](const TrackedConnection& connection) {
        return connection.listener() == listener.get() && connection.pool() == old_pool.get();
      });
    });
  });
  return Outcome::kOk;
}

bool Server::ready() const {
  if (shutting_down_.load(std::memory_order_acquire) || !operator_ready_.load(std::memory_order_acquire)) {
    return false;
  }
  const std::shared_ptr<const Topology> current = topology();
  return current != nullptr && anyListenerCanServe(*current);
}

void Server::setReady(bool ready) { operator_ready_.store(ready, std::memory_order_release); }

ReloadCounters Server::reloadCounters() const {
  return ReloadCounters{reloads_succeeded_.load(std::memory_order_relaxed),
                        reloads_failed_.load(std::memory_order_relaxed)};
}

}  // namespace fulcrum
