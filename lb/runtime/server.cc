#include "lb/runtime/server.h"

#include <signal.h>
#include <unistd.h>

#include <thread>

#include "common/log.h"
#include "lb/proxy/listen_socket.h"

namespace fulcrum {

unsigned effectiveWorkerCount(unsigned configured) {
  if (configured != 0) return configured;
  const unsigned cpus = std::thread::hardware_concurrency();
  return cpus == 0 ? 1 : cpus;
}

Server::Server(config::Config config) : config_(std::move(config)) {}

Server::~Server() = default;

bool Server::bindListeners(unsigned workers, std::vector<std::vector<ListenerSocket>>* per_worker) {
  per_worker->assign(workers, {});
  for (auto& listener : listeners_) {
    const config::ListenerConfig& cfg = listener->config();
    if (cfg.protocol != config::Protocol::kTcp) {
      log::warn("listener \"{}\": protocol udp is not supported by this build yet; skipped", cfg.name);
      continue;
    }
    for (unsigned worker = 0; worker < workers; ++worker) {
      std::string error;
      const int fd = openReusePortSocket(cfg.bind.address, SOCK_STREAM, &error);
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

void Server::logSummary(unsigned workers) const {
  log::info("fulcrum {} starting with {} worker(s), config {}", FULCRUM_VERSION, workers, config_.source_path);
  for (const auto& pool : pools_) {
    log::info("pool \"{}\": {} backend(s), balance {}, health check {}", pool->name(), pool->backends().size(),
              config::toString(pool->config().balance), config::toString(pool->config().health_check.type));
  }
  for (const auto& listener : listeners_) {
    const auto& cfg = listener->config();
    if (cfg.protocol != config::Protocol::kTcp) continue;
    log::info("listener \"{}\" ({}) listening on {} -> pool \"{}\"", cfg.name, config::toString(cfg.protocol),
              cfg.bind.address.toString(), cfg.pool);
  }
}

int Server::run() {
  const unsigned workers = effectiveWorkerCount(config_.runtime.workers);
  for (const auto& pool : config_.pools) pools_.push_back(std::make_unique<Pool>(pool, workers));
  for (const auto& listener : config_.listeners) {
    Pool* pool = nullptr;
    for (auto& candidate : pools_) {
      if (candidate->name() == listener.pool) pool = candidate.get();
    }
    listeners_.push_back(std::make_unique<ListenerState>(listener, pool));
  }

  // A peer that resets while we write must not kill the process.
  ::signal(SIGPIPE, SIG_IGN);

  std::vector<std::vector<ListenerSocket>> sockets;
  if (!bindListeners(workers, &sockets)) return 1;

  uv_loop_init(&loop_);
  loop_.data = this;
  uv_signal_init(&loop_, &sigterm_);
  uv_signal_init(&loop_, &sigint_);
  uv_signal_init(&loop_, &sighup_);
  uv_async_init(&loop_, &worker_exited_, onWorkerExited);
  for (uv_signal_t* handle : {&sigterm_, &sigint_, &sighup_}) handle->data = this;
  worker_exited_.data = this;
  uv_signal_start(&sigterm_, onSignal, SIGTERM);
  uv_signal_start(&sigint_, onSignal, SIGINT);
  uv_signal_start(&sighup_, onSignal, SIGHUP);

  for (unsigned index = 0; index < workers; ++index) {
    workers_.push_back(std::make_unique<Worker>(index, std::move(sockets[index]), [this] {
      workers_exited_.fetch_add(1, std::memory_order_acq_rel);
      uv_async_send(&worker_exited_);
    }));
  }
  logSummary(workers);
  for (auto& worker : workers_) worker->start();

  uv_run(&loop_, UV_RUN_DEFAULT);
  for (auto& worker : workers_) worker->join();
  workers_.clear();
  uv_loop_close(&loop_);
  log::info("fulcrum stopped");
  return 0;
}

void Server::onSignal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<Server*>(handle->data);
  if (signum == SIGHUP) {
    log::warn("SIGHUP received: configuration reload is not supported by this build yet; ignored");
    return;
  }
  self->beginShutdown(signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

void Server::beginShutdown(const char* signal_name) {
  if (shutting_down_) return;
  shutting_down_ = true;
  log::info("{} received: no longer accepting; open connections may run for up to {}", signal_name,
            formatDuration(config_.runtime.shutdown_grace));
  for (auto& worker : workers_) worker->beginShutdown(config_.runtime.shutdown_grace);
}

void Server::onWorkerExited(uv_async_t* async) {
  auto* self = static_cast<Server*>(async->data);
  if (self->workers_exited_.load(std::memory_order_acquire) < self->workers_.size()) return;
  for (uv_signal_t* handle : {&self->sigterm_, &self->sigint_, &self->sighup_}) {
    uv_close(reinterpret_cast<uv_handle_t*>(handle), nullptr);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&self->worker_exited_), nullptr);
}

}  // namespace fulcrum
