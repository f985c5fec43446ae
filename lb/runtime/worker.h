#pragma once
// A worker thread: its own uv loop, its own SO_REUSEPORT sockets for every listener,
// and the connections accepted on them. Other threads talk to it only through post().
#include <uv.h>

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/duration.h"
#include "lb/proxy/listener_state.h"
#include "lb/proxy/worker_listener.h"
#include "lb/proxy/worker_context.h"
#include "lb/runtime/deferred_tasks.h"

namespace fulcrum {

struct ListenerSocket {
  ListenerState* state = nullptr;
  int fd = -1;  // bound by openReusePortSocket; the worker takes ownership
};

// A reload's listener changes as one worker applies them.
struct WorkerListenerChanges {
  // (previous, next) states of listeners that keep their sockets.
  std::vector<std::pair<std::shared_ptr<ListenerState>, std::shared_ptr<ListenerState>>> kept;
  std::vector<ListenerSocket> added;  // this worker's new sockets (ownership passes)
  std::vector<std::shared_ptr<ListenerState>> removed;
};

// Starts the worker's listener for `socket` (TCP or UDP by the state's protocol).
WorkerListener* startWorkerListener(WorkerContext& worker, const ListenerSocket& socket, std::string* error);

class Worker {
 public:
  // `on_exit` runs on the worker thread after its loop has closed.
  Worker(unsigned index, std::vector<ListenerSocket> sockets, PassiveHealthSink* passive_health,
         std::function<void()> on_exit);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void join();

  // Runs `task` on the worker's loop thread. Thread-safe. Once the worker has
  // finished (after a shutdown) tasks are dropped.
  void post(std::function<void()> task);

  // Loop thread only (inside a posted task): swap, open and close listeners.
  void applyListenerChanges(WorkerListenerChanges& changes);

  // Loop thread only (inside a posted task).
  ConnectionList& connections() { return context_.connections; }
  DeferredTasks& deferred() { return deferred_; }

  // Graceful stop (thread-safe): stop accepting at once, let open connections run for
  // up to `grace`, then close them; the loop ends when nothing is left.
  void beginShutdown(Duration grace);

  unsigned index() const { return context_.index; }

 private:
  void run();
  void runPosted();
  void shutdownOnLoop(Duration grace);
  void finishIfIdle();

  static void onAsync(uv_async_t* async);
  static void onGraceExpired(uv_timer_t* timer);
  static void onIdlePoll(uv_timer_t* timer);

  uv_loop_t loop_{};
  WorkerContext context_;
  std::vector<ListenerSocket> sockets_;
  std::vector<WorkerListener*> listeners_;
  std::function<void()> on_exit_;
  std::thread thread_;
  DeferredTasks deferred_{&loop_};

  uv_async_t async_{};
  uv_timer_t grace_timer_{};
  uv_timer_t idle_poll_{};
  bool shutting_down_ = false;

  std::mutex posted_mutex_;  // control path only: guards posted_
  std::vector<std::function<void()>> posted_;
  bool finished_ = false;  // guarded by posted_mutex_: async_ is closed
};

}  // namespace fulcrum
