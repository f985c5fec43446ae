#pragma once
// One worker's accepting socket for one listener. fulcrum accepts itself (a uv_poll_t on
// the listening socket, accept4 per pending connection) instead of through uv_listen, so
// that it sees descriptor exhaustion: libuv 1.44 sheds connections under EMFILE without
// telling its caller (uv__emfile_trick in src/unix/stream.c), and once its spare
// descriptor is lost to another thread it reports EMFILE in a loop that does not return
// while the accept queue is non-empty. Deletes itself once both its handles have closed.
#include <uv.h>

#include <string>

#include "lb/proxy/listener_state.h"
#include "lb/proxy/worker_listener.h"
#include "lb/proxy/worker_context.h"

namespace fulcrum {

class TcpListener final : public WorkerListener {
 public:
  // Takes ownership of `fd` (bound and listening, from openReusePortSocket) and starts
  // accepting on the worker's loop. nullptr with *error set on failure (the fd is closed
  // then).
  static TcpListener* start(WorkerContext& worker, ListenerState& state, int fd, std::string* error);

  // Stops accepting; the socket is closed and the object deleted once the handles close.
  void close() override;

  ListenerState& state() override { return *state_; }
  void setState(ListenerState& state) override { state_ = state.shared_from_this(); }

 private:
  TcpListener(WorkerContext& worker, ListenerState& state, int fd);
  ~TcpListener() override;

  static void onReadable(uv_poll_t* handle, int status, int events);
  static void onResume(uv_timer_t* handle);
  static void onClosed(uv_handle_t* handle);
  // Accepts what is pending, up to a batch per wakeup so other sockets get their turn.
  void acceptPending();
  // Out of descriptors: logs (rate-limited), closes every pending connection through the
  // spare descriptor so clients are not left hanging, and pauses accepting briefly when
  // even that is impossible, so the loop never spins on the error.
  void handleAcceptError(int error);
  void pause();

  WorkerContext& worker_;
  std::shared_ptr<ListenerState> state_;
  const int fd_;
  int spare_fd_ = -1;  // given up to accept-and-close pending clients at EMFILE
  uv_poll_t poll_{};
  uv_timer_t resume_timer_{};
  int open_handles_ = 0;
};

}  // namespace fulcrum
