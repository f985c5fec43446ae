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
  // 256 KiB rather than 64: bulk transfers need a quarter of the read and write calls.
  // Measured with iperf3 through fulcrum on loopback (2026-11-28, proxy pinned to one
  // CPU): 1.0 s of proxy CPU per 2 GiB against 1.55 s with 64 KiB buffers; HAProxy 2.6
  // spent 1.4-1.9 s plain and 0.9-1.0 s with `option splice-auto`. splice(2) through a
  // pipe pair, measured in a standalone relay, moved the same bytes per second here for
  // a third less CPU, but libuv owns the socket's epoll registration, so it would need
  // a second I/O path beside uv_tcp_t (README, Performance). 64 KiB and 1 MiB buffers
  // measured no better. Only the bytes a read returns are touched, and a buffer is held
  // only from alloc callback to write completion, so small requests and idle
  // connections do not pay for the size.
  static constexpr size_t kCapacity = 256 * 1024;
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
  // At most `max_idle` buffers wait for reuse (16 × 256 KiB = 4 MiB per worker); more
  // are freed, so a burst of busy connections does not pin its buffers once it is over.
  explicit BufferPool(size_t max_idle = 16) : max_idle_(max_idle) { idle_.reserve(max_idle_); }
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
