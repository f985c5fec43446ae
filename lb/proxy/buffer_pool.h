#pragma once
// A per-worker pool of fixed-size I/O buffers. A buffer is taken in libuv's alloc
// callback and given back when its bytes have been written to the other side (or
// were not needed), so an idle connection holds none and steady-state proxying
// allocates nothing. Single-threaded: each worker owns one pool.
#include <uv.h>

#include <cstddef>
#include <vector>

namespace fulcrum {

struct IoBuffer {
  static constexpr size_t kCapacity = 64 * 1024;
  // The write request travels with its bytes: libuv needs both until the write
  // callback (libuv docs, uv_write: "the memory pointed to by the buffers must remain
  // valid until the callback gets called").
  uv_write_t write_request;
  void* owner = nullptr;
  char data[kCapacity];

  static IoBuffer* fromData(char* data);
  // write_request is the first member, so the request's address is the buffer's.
  static IoBuffer* fromWriteRequest(uv_write_t* request) { return reinterpret_cast<IoBuffer*>(request); }
};

class BufferPool {
 public:
  explicit BufferPool(size_t max_idle = 256) : max_idle_(max_idle) { idle_.reserve(max_idle_); }
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  IoBuffer* acquire();
  void release(IoBuffer* buffer);

  size_t idleCount() const { return idle_.size(); }
  size_t outstanding() const { return outstanding_; }

 private:
  const size_t max_idle_;
  std::vector<IoBuffer*> idle_;
  size_t outstanding_ = 0;
};

}  // namespace fulcrum
