#include "lb/proxy/buffer_pool.h"

#include <cstddef>

namespace fulcrum {

IoBuffer* IoBuffer::fromData(char* data) {
  return reinterpret_cast<IoBuffer*>(data - offsetof(IoBuffer, data));
}

BufferPool::~BufferPool() {
  for (IoBuffer* buffer : idle_) delete buffer;
}

IoBuffer* BufferPool::acquire() {
  ++outstanding_;
  if (idle_.empty()) return new IoBuffer;
  IoBuffer* buffer = idle_.back();
  idle_.pop_back();
  return buffer;
}

void BufferPool::release(IoBuffer* buffer) {
  --outstanding_;
  if (idle_.size() >= max_idle_) {
    delete buffer;
    return;
  }
  idle_.push_back(buffer);
}

}  // namespace fulcrum
