#include "lb/runtime/deferred_tasks.h"

namespace fulcrum {

void DeferredTasks::schedule(uint64_t delay_ms, std::function<void()> task) {
  auto* entry = new Task;
  entry->run = std::move(task);
  entry->owner = this;
  entry->next = head_;
  if (head_ != nullptr) head_->previous = entry;
  head_ = entry;
  ++pending_;
  uv_timer_init(loop_, &entry->timer);
  entry->timer.data = entry;
  uv_timer_start(&entry->timer, onFire, delay_ms, 0);
}

void DeferredTasks::unlink(Task* task) {
  if (task->previous != nullptr) task->previous->next = task->next;
  else head_ = task->next;
  if (task->next != nullptr) task->next->previous = task->previous;
  task->previous = task->next = nullptr;
  task->owner = nullptr;
  --pending_;
}

void DeferredTasks::onFire(uv_timer_t* timer) {
  auto* task = static_cast<Task*>(timer->data);
  task->owner->unlink(task);
  std::function<void()> run = std::move(task->run);
  uv_close(reinterpret_cast<uv_handle_t*>(&task->timer), onClosed);
  run();
}

void DeferredTasks::cancelAll() {
  while (head_ != nullptr) {
    Task* task = head_;
    unlink(task);
    uv_close(reinterpret_cast<uv_handle_t*>(&task->timer), onClosed);
  }
}

void DeferredTasks::onClosed(uv_handle_t* handle) { delete static_cast<Task*>(handle->data); }

}  // namespace fulcrum
