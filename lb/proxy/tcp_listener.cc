#include "lb/proxy/tcp_listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/log.h"
#include "common/rate_limit.h"
#include "lb/proxy/tcp_connection.h"

namespace fulcrum {

TcpListener* TcpListener::start(WorkerContext& worker, ListenerState& state, int fd, std::string* error) {
  auto* listener = new TcpListener(worker, state);
  uv_tcp_init(worker.loop, &listener->handle_);
  listener->handle_.data = listener;
  int rc = uv_tcp_open(&listener->handle_, fd);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener->handle_), SOMAXCONN, onConnection);
  if (rc != 0) {
    *error = fmt::format("listen on {}: {}", state.config().bind.text, uv_strerror(rc));
    // uv_tcp_open may not have taken the fd; closing the handle closes it if it did.
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&listener->handle_), nullptr) != 0) ::close(fd);
    listener->close();
    return nullptr;
  }
  return listener;
}

void TcpListener::close() {
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(&handle_))) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), onClosed);
}

void TcpListener::onClosed(uv_handle_t* handle) { delete static_cast<TcpListener*>(handle->data); }

void TcpListener::onConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<TcpListener*>(server->data);
  if (status < 0) {
    // EMFILE/ENFILE and the like: libuv keeps listening; say so once in a while.
    static RateLimit accept_error_log{std::chrono::seconds(5)};
    if (accept_error_log.allow()) {
      log::error("listener \"{}\": accept failed: {}", self->state_->name(), uv_strerror(status));
    }
    return;
  }
  TcpConnection::acceptFrom(self->worker_, *self->state_, server);
}

}  // namespace fulcrum
