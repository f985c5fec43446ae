#pragma once
// One-shot tasks to run on a worker's loop after a delay (drain deadlines, pool-switch
// deadlines). Each owns a uv_timer_t and is freed in its close callback; cancelAll()
// closes those still pending so that the loop can end. Single-threaded.
#include <uv.h>

#include <cstdint>
#include <functional>

namespace fulcrum {

class DeferredTasks {
 public:
  explicit DeferredTasks(uv_loop_t* loop) : loop_(loop) {}
  DeferredTasks(const DeferredTasks&) = delete;
  DeferredTasks& operator=(const DeferredTasks&) = delete;

  void schedule(uint64_t delay_ms, std::function<void()> task);
  void cancelAll();
  size_t pending() const { return pending_; }

 private:
  struct Task {
    uv_timer_t timer{};
    std::function<void()> run;
    DeferredTasks* owner = nullptr;
    Task* previous = nullptr;
    Task* next = nullptr;
  };
  void unlink(Task* task);
  static void onFire(uv_timer_t* timer);
  static void onClosed(uv_handle_t* handle);

  uv_loop_t* loop_;
  Task* head_ = nullptr;
  size_t pending_ = 0;
};

}  // namespace fulcrum
