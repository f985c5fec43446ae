#pragma once
// The running daemon: pools and listeners built from the config, the worker threads,
// and the main thread's loop that handles signals (SIGTERM/SIGINT: graceful stop).
// It is also the Control that the admin API drives.
#include <uv.h>

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lb/config/config.h"
#include "lb/runtime/control.h"
#include "lb/runtime/tls_contexts.h"
#include "lb/runtime/topology.h"
#include "lb/runtime/worker.h"

namespace fulcrum {

class HealthChecker;
namespace admin {
class AdminServer;
}

class Server final : public Control {
 public:
  explicit Server(config::Config config);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener, starts the workers and serves until a graceful stop has
  // finished. Returns the process exit code (0 after SIGTERM/SIGINT, 1 when start-up
  // failed, e.g. a bind error).
  int run();

  // Re-reads the config file and applies it without dropping a connection (main loop
  // thread). Returns false, with the old config still running, when it is invalid or a
  // new listener cannot bind; then every problem is logged and, when `errors` is given,
  // appended to it. The service manager hears RELOADING=1 before and READY=1 after.
  bool reload(std::vector<std::string>* errors = nullptr);

  // Control
  std::shared_ptr<const Topology> topology() const override;
  Outcome drainBackend(const std::string& pool, const std::string& backend) override;
  Outcome enableBackend(const std::string& pool, const std::string& backend) override;
  Outcome switchListenerPool(const std::string& listener, const std::string& pool) override;
  ReloadCounters reloadCounters() const override;
  ReloadResult requestReload(Duration timeout) override;
  bool ready() const override;
  void setReady(bool ready) override;

 private:
  // reload() without the service-manager notifications; `errors` is never null.
  bool applyConfigFile(std::vector<std::string>* errors);
  bool bindListeners(const Topology& topology, unsigned workers,
                     std::vector<std::vector<ListenerSocket>>* per_worker);
  void logSummary(const Topology& topology, unsigned workers) const;
  // First SIGTERM/SIGINT: /readyz turns 503 at once and the listeners keep accepting for
  // runtime.withdraw_delay (so routers withdraw the VIP first), then stopAccepting().
  // A second signal during that delay skips the rest of it; later ones are ignored.
  void beginShutdown(const char* signal_name);
  // The graceful shutdown proper: listeners close, open connections get shutdown_grace.
  void stopAccepting();
  static void onWithdrawDelayOver(uv_timer_t* timer);
  // Closes `backend`'s connections on every worker after `timeout`, unless its drain
  // epoch moved on (enabled, or drained anew) by then.
  void scheduleDrainDeadline(std::shared_ptr<Backend> backend, uint64_t epoch, Duration timeout);
  // Runs `task(worker)` on every worker's loop thread.
  void forEachWorker(const std::function<void(Worker&)>& task);

  static void onSignal(uv_signal_t* handle, int signum);
  static void onWorkerExited(uv_async_t* async);
  // Runs the reloads that requestReload() queued (main loop).
  static void onReloadRequested(uv_async_t* async);
  // Answers every queued reload with `result` (main loop or after it stopped).
  void answerPendingReloads(const ReloadResult& result);

  config::Config config_;
  mutable std::mutex control_mutex_;  // control path only: topology_ and API changes
  std::shared_ptr<const Topology> topology_;
  std::unique_ptr<HealthChecker> health_checker_;  // declared before workers_: outlives them
  std::vector<std::unique_ptr<Worker>> workers_;
  PassiveHealthSink* passive_health_ = nullptr;  // the health checker, once it exists
  std::atomic<uint64_t> reloads_succeeded_{0};
  std::atomic<uint64_t> reloads_failed_{0};

  uv_loop_t loop_{};
  uv_signal_t sigterm_{};
  uv_signal_t sigint_{};
  uv_signal_t sighup_{};
  uv_async_t worker_exited_{};
  uv_timer_t withdraw_timer_{};  // runtime.withdraw_delay after the first signal
  uv_async_t reload_requested_{};
  std::mutex reload_mutex_;  // guards the two members below
  // The API threads' reloads waiting for the main loop.
  std::vector<std::shared_ptr<std::promise<ReloadResult>>> pending_reloads_;
  bool reload_async_open_ = false;  // reload_requested_ may be sent to
  std::atomic<unsigned> workers_exited_{0};
  std::atomic<bool> shutting_down_{false};  // written by the main loop, read by ready()
  bool stopped_accepting_ = false;           // main loop only: workers told to shut down
  std::atomic<bool> operator_ready_{true};  // POST /api/v1/ready
  // Declared last: destroyed first, while the workers its requests post to still exist.
  std::unique_ptr<admin::AdminServer> admin_;
};

// Worker threads to run for `configured` (0 = one per CPU).
unsigned effectiveWorkerCount(unsigned configured);

// The Topology for `config` with `worker_slots` balancer slots per pool.
std::shared_ptr<const Topology> buildTopology(const config::Config& config, unsigned worker_slots,
                                              const TlsContexts& tls = {});

}  // namespace fulcrum
