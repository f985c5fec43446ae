#pragma once
// The running daemon: pools and listeners built from the config, the worker threads,
// and the main thread's loop that handles signals (SIGTERM/SIGINT: graceful stop).
#include <uv.h>

#include <memory>
#include <vector>

#include "lb/config/config.h"
#include "lb/pool/pool.h"
#include "lb/proxy/listener_state.h"
#include "lb/runtime/worker.h"

namespace fulcrum {

class Server {
 public:
  explicit Server(config::Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener, starts the workers and serves until a graceful stop has
  // finished. Returns the process exit code (0 after SIGTERM/SIGINT, 1 when start-up
  // failed, e.g. a bind error).
  int run();

 private:
  bool bindListeners(unsigned workers, std::vector<std::vector<ListenerSocket>>* per_worker);
  void logSummary(unsigned workers) const;
  void beginShutdown(const char* signal_name);

  static void onSignal(uv_signal_t* handle, int signum);
  static void onWorkerExited(uv_async_t* async);

  config::Config config_;
  std::vector<std::unique_ptr<Pool>> pools_;
  std::vector<std::unique_ptr<ListenerState>> listeners_;
  std::vector<std::unique_ptr<Worker>> workers_;

  uv_loop_t loop_{};
  uv_signal_t sigterm_{};
  uv_signal_t sigint_{};
  uv_signal_t sighup_{};
  uv_async_t worker_exited_{};
  std::atomic<unsigned> workers_exited_{0};
  bool shutting_down_ = false;
};

// Worker threads to run for `configured` (0 = one per CPU).
unsigned effectiveWorkerCount(unsigned configured);

}  // namespace fulcrum
