// Server::reload: SIGHUP applies a new config in place (INTERFACE.md, "Reload (SIGHUP)").
// Everything that can fail (reading, validating, binding new sockets) happens before
// anything running changes, so a failed reload leaves the old config untouched.
#include <unistd.h>

#include <map>

#include <fmt/format.h>

#include "common/log.h"
#include "lb/config/loader.h"
#include "lb/health/health_checker.h"
#include "lb/proxy/listen_socket.h"
#include "lb/runtime/reload_plan.h"
#include "lb/runtime/service_manager.h"
#include "lb/runtime/server.h"

namespace fulcrum {
namespace {

void closeAll(std::map<std::string, std::vector<int>>& sockets) {
  for (auto& [name, fds] : sockets) {
    for (int fd : fds) ::close(fd);
  }
  sockets.clear();
}

// Settings read once at start-up: say that they wait for a restart.
void warnAboutRestartOnlyChanges(const config::Config& running, const config::Config& next, size_t workers) {
  if (effectiveWorkerCount(next.runtime.workers) != workers) {
    log::warn("reload: runtime.workers changed; it takes effect at the next restart (running {} workers)", workers);
  }
  if (running.admin.enabled != next.admin.enabled || running.admin.bind.text != next.admin.bind.text ||
      running.admin.token != next.admin.token) {
    log::warn("reload: the [admin] table changed; it takes effect at the next restart");
  }
  if (running.runtime.user != next.runtime.user) {
    log::warn("reload: runtime.user changed; it takes effect at the next restart");
  }
}

}  // namespace

bool Server::reload(std::vector<std::string>* errors) {
  service_manager::notifyReloading();
  std::vector<std::string> problems;
  const bool applied = applyConfigFile(&problems);
  if (errors != nullptr) errors->insert(errors->end(), problems.begin(), problems.end());
  service_manager::notifyReady(
      applied ? fmt::format("serving; reloaded {}", config_.source_path)
              : fmt::format("serving the previous configuration; reload failed: {}",
                            problems.empty() ? std::string("see the log") : problems.front()));
  return applied;
}

bool Server::applyConfigFile(std::vector<std::string>* errors) {
  const auto report = [errors](std::string message) {
    log::error("{}", message);
    if (errors != nullptr) errors->push_back(std::move(message));
  };
  config::LoadResult loaded = config::loadConfigFile(config_.source_path);
  if (!loaded.ok()) {
    log::error("reload of {} failed; the running configuration is unchanged:", config_.source_path);
    for (const auto& diagnostic : loaded.errors) report(diagnostic.format());
    reloads_failed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  config::Config next = std::move(*loaded.config);
  const unsigned workers = static_cast<unsigned>(workers_.size());
  std::vector<std::string> tls_errors;
  const std::optional<TlsContexts> tls = loadTlsContexts(next, &tls_errors);
  if (!tls) {
    log::error("reload of {} failed; the running configuration is unchanged:", config_.source_path);
    for (const auto& error : tls_errors) report(error);
    reloads_failed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  std::lock_guard lock(control_mutex_);
  // New sockets first: a listener that is new, or whose bind or protocol changed.
  std::map<std::string, std::vector<int>> new_sockets;
  for (const auto& listener : next.listeners) {
    const auto running = topology_->findListener(listener.name);
    if (running && keepsSocket(running->config(), listener)) continue;
    const int type = listener.protocol == config::Protocol::kUdp ? SOCK_DGRAM : SOCK_STREAM;
    std::vector<int>& fds = new_sockets[listener.name];
    for (unsigned worker = 0; worker < workers; ++worker) {
      std::string error;
      const int fd = openReusePortSocket(listener.bind.address, type, &error);
      if (fd < 0) {
        log::error("reload of {} failed; the running configuration is unchanged:", config_.source_path);
        report(fmt::format("listener \"{}\": {}", listener.name, error));
        closeAll(new_sockets);
        reloads_failed_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      fds.push_back(fd);
    }
  }
  warnAboutRestartOnlyChanges(config_, next, workers);

  ReloadPlan plan = planReload(config_, *topology_, next, workers, *tls);
  const std::vector<uint64_t> drain_epochs = applyBackendChanges(plan);
  std::shared_ptr<const Topology> previous = topology_;
  topology_ = plan.topology;

  for (auto& worker : workers_) {
    auto changes = std::make_shared<WorkerListenerChanges>();
    for (const auto& kept : plan.kept_listeners) changes->kept.emplace_back(kept.previous, kept.next);
    changes->removed = plan.removed_listeners;
    for (const auto& added : plan.added_listeners) {
      changes->added.push_back(ListenerSocket{added.get(), new_sockets[added->name()][worker->index()]});
    }
    Worker* target = worker.get();
    // The task holds the previous topology: its objects stay alive until every worker has
    // moved to the new one (a worker may hold a raw pointer into it until then).
    target->post([target, changes, previous] { target->applyListenerChanges(*changes); });
  }
  for (size_t i = 0; i < plan.removed_backends.size(); ++i) {
    const auto& removed = plan.removed_backends[i];
    log::info("reload: backend {} left pool \"{}\"; draining, open connections close after {}",
              removed.backend->name(), removed.pool, formatDuration(removed.drain_timeout));
    scheduleDrainDeadline(removed.backend, drain_epochs[i], removed.drain_timeout);
  }
  for (const auto& removed : plan.removed_listeners) {
    log::info("reload: listener \"{}\" removed; its open connections may run for up to {}", removed->name(),
              formatDuration(next.runtime.shutdown_grace));
    const uint64_t grace_ms = static_cast<uint64_t>(next.runtime.shutdown_grace.count());
    forEachWorker([removed, grace_ms](Worker& worker) {
      worker.deferred().schedule(grace_ms, [&worker, removed] {
        worker.connections().forceCloseIf(
            [&](const TrackedConnection& connection) { return connection.listener() == removed.get(); });
      });
    });
  }
  for (const auto& added : plan.added_listeners) {
    log::info("reload: listener \"{}\" ({}) listening on {} -> pool \"{}\"", added->name(),
              config::toString(added->config().protocol), added->config().bind.address.toString(),
              added->pool()->name());
  }
  if (health_checker_) health_checker_->update(topology_);
  log::setFormat(log::formatNamed(next.runtime.log_format));
  config_ = std::move(next);
  reloads_succeeded_.fetch_add(1, std::memory_order_relaxed);
  log::info("configuration reloaded from {}: {} listener(s), {} pool(s)", config_.source_path,
            topology_->listeners.size(), topology_->pools.size());
  return true;
}

}  // namespace fulcrum
