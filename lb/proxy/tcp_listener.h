#pragma once
// One worker's accepting socket for one listener. Owns its uv_tcp_t and deletes itself
// in the close callback.
#include <uv.h>

#include <string>

#include "lb/proxy/listener_state.h"
#include "lb/proxy/worker_listener.h"
#include "lb/proxy/worker_context.h"

namespace fulcrum {

class TcpListener final : public WorkerListener {
 public:
  // Takes ownership of `fd` (bound by openReusePortSocket) and starts accepting on the
  // worker's loop. nullptr with *error set on failure (the fd is closed then).
  static TcpListener* start(WorkerContext& worker, ListenerState& state, int fd, std::string* error);

  // Stops accepting; the object is deleted once the socket has closed.
  void close() override;

  ListenerState& state() override { return *state_; }
  void setState(ListenerState& state) override { state_ = state.shared_from_this(); }

 private:
  TcpListener(WorkerContext& worker, ListenerState& state) : worker_(worker), state_(state.shared_from_this()) {}
  ~TcpListener() override = default;

  static void onConnection(uv_stream_t* server, int status);
  static void onClosed(uv_handle_t* handle);

  WorkerContext& worker_;
  std::shared_ptr<ListenerState> state_;
  uv_tcp_t handle_{};
};

}  // namespace fulcrum
