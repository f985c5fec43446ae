#pragma once
// A worker's socket for one configured listener (TCP accept socket or UDP socket).
// Owned by its uv handle: close() starts closing and the object deletes itself in the
// close callback.
#include "lb/proxy/listener_state.h"

namespace fulcrum {

class WorkerListener {
 public:
  virtual void close() = 0;
  virtual ListenerState& state() = 0;
  // A reload replaced the listener's state (same bind, new settings): new connections
  // use `state` from now on.
  virtual void setState(ListenerState& state) = 0;

 protected:
  virtual ~WorkerListener() = default;
};

}  // namespace fulcrum
