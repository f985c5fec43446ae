#include "lb/runtime/worker.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "common/log.h"

namespace fulcrum {

Worker::Worker(unsigned index, std::vector<ListenerSocket> sockets, PassiveHealthSink* passive_health,
               std::function<void()> on_exit)
    : sockets_(std::move(sockets)), on_exit_(std::move(on_exit)) {
  context_.index = index;
  context_.passive_health = passive_health;
  uv_loop_init(&loop_);
  context_.loop = &loop_;
  uv_async_init(&loop_, &async_, onAsync);
  async_.data = this;
  uv_timer_init(&loop_, &grace_timer_);
  grace_timer_.data = this;
  uv_timer_init(&loop_, &idle_poll_);
  idle_poll_.data = this;
}

Worker::~Worker() {
  join();
  for (const ListenerSocket& socket : sockets_) {
    if (socket.fd >= 0) ::close(socket.fd);
  }
}

void Worker::start() { thread_ = std::thread([this] { run(); }); }

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::post(std::function<void()> task) {
  std::lock_guard lock(posted_mutex_);
  if (finished_) return;
  posted_.push_back(std::move(task));
  uv_async_send(&async_);
}

void Worker::beginShutdown(Duration grace) {
  post([this, grace] { shutdownOnLoop(grace); });
}

void Worker::run() {
  // "fulcrum-w<N>" in /proc/PID/task/*/comm and top -H: the bench and tests tell the
  // workers apart by it (at most 15 characters, pthread_setname_np(3)).
  const std::string thread_name = "fulcrum-w" + std::to_string(context_.index);
  pthread_setname_np(pthread_self(), thread_name.substr(0, 15).c_str());
  for (ListenerSocket& socket : sockets_) {
    std::string error;
    WorkerListener* listener = startWorkerListener(context_, socket, &error);
    socket.fd = -1;  // owned by the listener (or closed) now
    if (listener == nullptr) {
      log::error("worker {}: {}", context_.index, error);
      continue;
    }
    listeners_.push_back(listener);
  }
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Every handle is closed by now (the loop only ends when none is active and the
  // shutdown path closed the worker's own), so the loop closes cleanly.
  const int rc = uv_loop_close(&loop_);
  if (rc != 0) log::error("worker {}: loop closed with handles open: {}", context_.index, uv_strerror(rc));
  if (on_exit_) on_exit_();
}

void Worker::applyListenerChanges(WorkerListenerChanges& changes) {
  auto find = [this](const ListenerState* state) {
    return std::find_if(listeners_.begin(), listeners_.end(),
                        [state](WorkerListener* listener) { return &listener->state() == state; });
  };
  for (auto& [previous, next] : changes.kept) {
    if (auto it = find(previous.get()); it != listeners_.end()) (*it)->setState(*next);
  }
  for (const auto& removed : changes.removed) {
    if (auto it = find(removed.get()); it != listeners_.end()) {
      (*it)->close();
      listeners_.erase(it);
    }
  }
  for (ListenerSocket& socket : changes.added) {
    if (shutting_down_) {
      ::close(socket.fd);
    } else {
      std::string error;
      WorkerListener* listener = startWorkerListener(context_, socket, &error);
      if (listener == nullptr) log::error("worker {}: {}", context_.index, error);
      else listeners_.push_back(listener);
    }
    socket.fd = -1;
  }
}

void Worker::onAsync(uv_async_t* async) { static_cast<Worker*>(async->data)->runPosted(); }

void Worker::runPosted() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(posted_mutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) task();
}

void Worker::shutdownOnLoop(Duration grace) {
  if (shutting_down_) return;
  shutting_down_ = true;
  for (WorkerListener* listener : listeners_) listener->close();
  listeners_.clear();
  uv_timer_start(&grace_timer_, onGraceExpired, static_cast<uint64_t>(grace.count()), 0);
  uv_timer_start(&idle_poll_, onIdlePoll, 0, 20);
}

void Worker::onGraceExpired(uv_timer_t* timer) {
  auto* self = static_cast<Worker*>(timer->data);
  if (!self->context_.connections.empty()) {
    log::info("worker {}: shutdown grace expired, closing {} connection(s)", self->context_.index,
              self->context_.connections.size());
    self->context_.connections.forceCloseAll();
  }
}

void Worker::onIdlePoll(uv_timer_t* timer) { static_cast<Worker*>(timer->data)->finishIfIdle(); }

void Worker::finishIfIdle() {
  if (!context_.connections.empty()) return;
  // Nothing left to serve: close the worker's own handles so that uv_run returns.
  deferred_.cancelAll();
  {
    std::lock_guard lock(posted_mutex_);
    finished_ = true;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&grace_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_poll_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

}  // namespace fulcrum
