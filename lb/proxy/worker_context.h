#pragma once
// What a connection needs from the worker that owns it. One per worker thread; never
// shared between threads.
#include <uv.h>

#include "lb/proxy/buffer_pool.h"
#include "lb/proxy/connection_list.h"
#include "lb/proxy/passive_health.h"
#include "lb/proxy/udp_receive_buffer.h"
#include "lb/proxy/udp_sender.h"

namespace fulcrum {

struct WorkerContext {
  uv_loop_t* loop = nullptr;
  unsigned index = 0;  // the worker's slot in balancers' per-worker state
  BufferPool buffers;
  ConnectionList connections;
  PassiveHealthSink* passive_health = nullptr;  // may be null (no health checker)
  UdpReceiveBuffer udp_receive_buffer;          // shared by the worker's UDP sockets
  UdpSender udp_sender;                         // likewise
};

}  // namespace fulcrum
