#include "lb/proxy/access_log.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"

namespace fulcrum::access_log {
namespace {

// Lines formatted by one thread, waiting for the flusher.
struct ThreadBuffer {
  std::mutex mutex;
  std::string lines;
};

class Flusher {
 public:
  // One per process; it lives until exit (workers may log while statics are destroyed).
  static Flusher& instance() {
    static Flusher* const flusher = new Flusher;
    return *flusher;
  }

  ThreadBuffer& bufferOfThisThread() {
    thread_local std::shared_ptr<ThreadBuffer> buffer = registerThread();
    return *buffer;
  }

  void ensureRunning() {
    if (running_.load(std::memory_order_acquire)) return;
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
    running_.store(true, std::memory_order_release);
  }

  void stopAndFlush() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    running_.store(false, std::memory_order_release);
    writeAll();
  }

 private:
  std::shared_ptr<ThreadBuffer> registerThread() {
    auto buffer = std::make_shared<ThreadBuffer>();
    std::lock_guard lock(mutex_);
    buffers_.push_back(buffer);
    return buffer;
  }

  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, kFlushInterval, [this] { return stopping_; });
      lock.unlock();
      writeAll();
      lock.lock();
    }
  }

  // Swaps each buffer out under its lock and writes it outside the lock, so a worker
  // never waits for stderr.
  void writeAll() {
    std::vector<std::shared_ptr<ThreadBuffer>> buffers;
    {
      std::lock_guard lock(mutex_);
      buffers = buffers_;
    }
    std::string batch;
    for (const auto& buffer : buffers) {
      {
        std::lock_guard lock(buffer->mutex);
        batch.swap(buffer->lines);
      }
      log::writeToStderr(batch);
      batch.clear();
    }
  }

  std::mutex mutex_;  // guards buffers_, stopping_ and thread_
  std::condition_variable wake_;
  std::vector<std::shared_ptr<ThreadBuffer>> buffers_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<bool> running_{false};  // thread_ runs: record() need not take mutex_
};

}  // namespace

void record(const Entry& entry) {
  Flusher& flusher = Flusher::instance();
  flusher.ensureRunning();
  ThreadBuffer& buffer = flusher.bufferOfThisThread();
  std::lock_guard lock(buffer.mutex);
  log::appendLine(buffer.lines, log::Level::kInfo, "access",
                  {{"listener", entry.listener},
                   {"client", entry.client},
                   {"backend", entry.backend},
                   {"bytes_to_backend", entry.bytes_to_backend},
                   {"bytes_to_client", entry.bytes_to_client},
                   {"duration_ms", entry.duration_ms},
                   {"reason", entry.reason}});
}

void flush() { Flusher::instance().stopAndFlush(); }

}  // namespace fulcrum::access_log
