#include "lb/proxy/tcp_listener.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <fmt/format.h>

#include "common/log.h"
#include "common/rate_limit.h"
#include "lb/proxy/tcp_connection.h"

namespace fulcrum {
namespace {

// Connections accepted per wakeup before the loop serves other sockets; epoll is level
// triggered, so the rest are accepted on the next iteration.
constexpr int kAcceptBatch = 128;
// How long accepting pauses when not even the spare descriptor is available.
constexpr uint64_t kPauseMs = 100;

int openSpare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

// libuv opens a spare descriptor of its own per loop at the first uv_tcp_init
// (uv__stream_init); a throwaway handle makes that happen at start-up rather than at
// some worker's first connection, so the descriptor count after start-up is the steady one.
void openLibuvSpare(uv_loop_t* loop) {
  auto* throwaway = new uv_tcp_t;
  uv_tcp_init(loop, throwaway);
  uv_close(reinterpret_cast<uv_handle_t*>(throwaway), [](uv_handle_t* handle) {
    delete reinterpret_cast<uv_tcp_t*>(handle);
  });
}

// One line per interval for the whole process: the condition can repeat thousands of
// times a second and affects every listener alike.
RateLimit g_accept_error_log{std::chrono::seconds(5)};

}  // namespace

TcpListener::TcpListener(WorkerContext& worker, ListenerState& state, int fd)
    : worker_(worker), state_(state.shared_from_this()), fd_(fd), spare_fd_(openSpare()) {}

TcpListener::~TcpListener() {
  if (spare_fd_ >= 0) ::close(spare_fd_);
  ::close(fd_);
}

TcpListener* TcpListener::start(WorkerContext& worker, ListenerState& state, int fd, std::string* error) {
  openLibuvSpare(worker.loop);
  auto* listener = new TcpListener(worker, state, fd);
  uv_timer_init(worker.loop, &listener->resume_timer_);
  listener->resume_timer_.data = listener;
  ++listener->open_handles_;
  int rc = uv_poll_init_socket(worker.loop, &listener->poll_, fd);
  if (rc == 0) {
    listener->poll_.data = listener;
    ++listener->open_handles_;
    rc = uv_poll_start(&listener->poll_, UV_READABLE, onReadable);
  }
  if (rc != 0) {
    *error = fmt::format("listen on {}: {}", state.config().bind.text, uv_strerror(rc));
    listener->close();  // closes fd once the handles have closed
    return nullptr;
  }
  return listener;
}

void TcpListener::close() {
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(&resume_timer_))) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&resume_timer_), onClosed);
  if (open_handles_ == 2) uv_close(reinterpret_cast<uv_handle_t*>(&poll_), onClosed);
}

void TcpListener::onClosed(uv_handle_t* handle) {
  auto* self = static_cast<TcpListener*>(handle->data);
  if (--self->open_handles_ == 0) delete self;
}

void TcpListener::onReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<TcpListener*>(handle->data);
  if (status < 0) {
    self->handleAcceptError(status);
    return;
  }
  self->acceptPending();
}

void TcpListener::acceptPending() {
  for (int accepted = 0; accepted < kAcceptBatch; ++accepted) {
    // The peer's address comes with accept4: no getpeername per connection.
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof(peer);
    const int client =
        ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &peer_length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client >= 0) {
      TcpConnection::acceptFrom(worker_, *state_, client,
                                SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&peer), peer_length));
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    handleAcceptError(uv_translate_sys_error(errno));
    return;
  }
}

void TcpListener::handleAcceptError(int error) {
  if (g_accept_error_log.allow()) {
    log::error("listener \"{}\": accept failed: {}; pending clients are closed until it recovers",
               state_->name(), uv_strerror(error));
  }
  if ((error == UV_EMFILE || error == UV_ENFILE) && spare_fd_ >= 0) {
    // The spare makes room for one accept at a time (the trick libuv and nginx use).
    ::close(spare_fd_);
    while (true) {
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        ::close(client);
      } else if (errno != EINTR && errno != ECONNABORTED) {
        break;
      }
    }
    spare_fd_ = openSpare();
    if (spare_fd_ >= 0) return;
  }
  pause();
}

void TcpListener::pause() {
  uv_poll_stop(&poll_);
  uv_timer_start(&resume_timer_, onResume, kPauseMs, 0);
}

void TcpListener::onResume(uv_timer_t* handle) {
  auto* self = static_cast<TcpListener*>(handle->data);
  if (self->spare_fd_ < 0) self->spare_fd_ = openSpare();
  uv_poll_start(&self->poll_, UV_READABLE, onReadable);
}

}  // namespace fulcrum
