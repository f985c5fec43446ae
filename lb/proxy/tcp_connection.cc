#include "lb/proxy/tcp_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "common/local_resource_error.h"
#include "common/log.h"
#include "common/rate_limit.h"
#include "lb/proxy/connect_error_log.h"
#include "lb/proxy/data_path_counter.h"
#include "lb/proxy/proxy_protocol.h"

namespace fulcrum {
namespace {

// Once per interval for all workers: exhaustion repeats for every client meanwhile.
RateLimit g_local_connect_error_log(std::chrono::seconds(5));

int pendingSocketError(uv_stream_t* stream) {
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(stream), &fd) != 0) return 0;
  int error = 0;
  socklen_t length = sizeof(error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return 0;
  return error;
}

}  // namespace

TcpConnection::TcpConnection(WorkerContext& worker, ListenerState& listener)
    : worker_(worker), listener_(listener.shared_from_this()) {
  uv_tcp_init(worker_.loop, &client_);
  client_.data = this;
  uv_timer_init(worker_.loop, &timer_);
  timer_.data = this;
  connect_request_.data = this;
  to_backend_.from = client();
  to_backend_.to = upstream();
  to_backend_.to_backend = true;
  to_backend_.shutdown_request.data = this;
  to_client_.from = upstream();
  to_client_.to = client();
  to_client_.shutdown_request.data = this;
  accepted_ns_ = uv_now(worker_.loop) * 1'000'000;  // the loop's cached clock: no syscall
  worker_.connections.add(this);
}

TcpConnection::~TcpConnection() {
  for (auto& [buffer, length] : early_plaintext_) worker_.buffers.release(buffer);
  if (backend_ != nullptr) backend_->addActive(-1);
  if (admitted_) listener_->leave();
  worker_.connections.remove(this);
}

void TcpConnection::acceptFrom(WorkerContext& worker, ListenerState& listener, int client_fd,
                               SocketAddress client_address) {
  auto* connection = new TcpConnection(worker, listener);
  connection->client_address_ = std::move(client_address);
  if (uv_tcp_open(&connection->client_, client_fd) != 0) {
    ::close(client_fd);
    connection->closeAll(CloseMode::kGraceful, CloseMode::kGraceful);
    return;
  }
  countOnDataPath(listener.counters().connections_total);
  if (!listener.tryAdmit()) {
    listener.counters().rejected_max_connections.fetch_add(1, std::memory_order_relaxed);
    connection->closeAll(CloseMode::kReset, CloseMode::kGraceful);
    return;
  }
  connection->admitted_ = true;
  // No uv_tcp_nodelay here: the client socket inherits TCP_NODELAY from the listening
  // socket (openReusePortSocket sets it), which saves a setsockopt per connection.
  connection->pool_ = listener.pool()->shared_from_this();
  if (listener.tls()) {
    connection->startTls();
    return;
  }
  connection->phase_ = Phase::kConnecting;
  connection->connectNext();
}

bool TcpConnection::alreadyTried(const Backend* backend) const {
  const size_t remembered = std::min<size_t>(attempts_, kTriedMemory);
  return std::find(tried_.begin(), tried_.begin() + remembered, backend) != tried_.begin() + remembered;
}

void TcpConnection::connectNext() {
  // Prefer a backend not tried yet; the balancer may hand back a tried one, so ask a
  // bounded number of times (once per backend is enough for round robin).
  Backend* chosen = nullptr;
  const size_t asks = std::max<size_t>(1, pool_->backends().size());
  for (size_t ask = 0; ask < asks; ++ask) {
    Backend* candidate = pool_->pick(worker_.index, client_address_);
    if (candidate == nullptr) break;
    if (!alreadyTried(candidate)) {
      chosen = candidate;
      break;
    }
  }
  if (chosen == nullptr) {
    if (attempts_ == 0) {
      listener_->counters().rejected_no_backend.fetch_add(1, std::memory_order_relaxed);
    }
    closeAll(CloseMode::kReset, CloseMode::kGraceful);
    return;
  }
  if (attempts_ < kTriedMemory) tried_[attempts_] = chosen;
  ++attempts_;
  backend_ = chosen;
  backend_->addActive(1);
  countOnDataPath(backend_->counters().connections_total);

  uv_tcp_init(worker_.loop, &upstream_);
  upstream_.data = this;
  upstream_open_ = true;
  connect_started_ns_ = uv_hrtime();
  const int rc = uv_tcp_connect(&connect_request_, &upstream_, backend_->address().get(), onConnect);
  if (rc != 0 && isLocalResourceError(rc)) {
    cannotConnect(rc);
    return;
  }
  if (rc != 0) {
    connectFailed(uv_strerror(rc));
    return;
  }
  // Reading starts with the connect: libuv then registers the socket once for POLLIN and
  // POLLOUT and drops POLLOUT when connected (one EPOLL_CTL_MOD), where starting it in
  // onConnect costs a failed EPOLL_CTL_ADD and a MOD. No read callback runs before
  // onConnect: libuv hands a connecting stream's events to its connect step only.
  uv_read_start(upstream(), onAlloc, onRead);
  uv_timer_start(&timer_, onConnectTimeout, static_cast<uint64_t>(listener_->config().connect_timeout.count()), 0);
}

void TcpConnection::connectFailed(const char* reason) {
  uv_timer_stop(&timer_);
  backend_->counters().connect_failures_total.fetch_add(1, std::memory_order_relaxed);
  logConnectError(*backend_, listener_->name(), pool_->name(), reason);
  if (worker_.passive_health != nullptr) worker_.passive_health->onConnectFailure(*pool_, *backend_, reason);
  backend_->addActive(-1);
  backend_ = nullptr;
  // The next attempt starts in onHandleClosed, once the failed socket is gone.
  closeHandle(reinterpret_cast<uv_handle_t*>(&upstream_), CloseMode::kGraceful);
}

void TcpConnection::cannotConnect(int error) {
  // No other backend would fare better and this one is not to blame: no connect failure,
  // no passive health signal, no retry; the client is reset so that it can try again.
  if (g_local_connect_error_log.allow()) {
    log::error("listener \"{}\": cannot open a connection to pool \"{}\": {}; clients are reset until it recovers",
               listener_->name(), pool_->name(), uv_strerror(error));
  }
  backend_->addActive(-1);
  backend_ = nullptr;
  closeAll(CloseMode::kReset, CloseMode::kGraceful);
}

void TcpConnection::onConnect(uv_connect_t* request, int status) {
  auto* self = static_cast<TcpConnection*>(request->data);
  // ECANCELED: the socket was closed under the request (timeout or shutdown).
  if (status == UV_ECANCELED || self->phase_ == Phase::kClosing) return;
  if (status < 0) {
    self->connectFailed(uv_strerror(status));
    return;
  }
  self->startSplice();
}

void TcpConnection::onConnectTimeout(uv_timer_t* timer) {
  auto* self = static_cast<TcpConnection*>(timer->data);
  if (self->phase_ != Phase::kConnecting || self->backend_ == nullptr) return;
  self->connectFailed("connect timeout");
}

void TcpConnection::startSplice() {
  uv_timer_stop(&timer_);
#ifndef FULCRUM_NO_DATA_PATH_COUNTERS
  pool_->connectLatency().observeNanoseconds(uv_hrtime() - connect_started_ns_);
#endif
  phase_ = Phase::kSplicing;
  to_backend_.paused = to_client_.paused = false;
  uv_tcp_nodelay(&upstream_, 1);
  last_activity_ms_ = uv_now(worker_.loop);
  armIdleTimer();
  if (listener_->config().proxy_protocol != config::ProxyProtocol::kNone) {
    sendProxyHeader();
    if (phase_ == Phase::kClosing) return;
  }
  for (auto& [buffer, length] : std::exchange(early_plaintext_, {})) {
    sendToBackend(buffer, length);
    if (phase_ == Phase::kClosing) return;
  }
  if (client_finished_early_) {
    to_backend_.eof = true;
    finishDirection(to_backend_);
  } else {
    uv_read_start(client(), onAlloc, onRead);
  }
}

void TcpConnection::sendToBackend(IoBuffer* buffer, size_t length) {
  if (phase_ != Phase::kSplicing) {
    early_plaintext_.emplace_back(buffer, length);
    return;
  }
  countOnDataPath(backend_->counters().bytes_to_backend, length);
  forward(to_backend_, buffer, length);
}

void TcpConnection::sendProxyHeader() {
  sockaddr_storage local{};
  int local_length = sizeof(local);
  SocketAddress destination;
  if (uv_tcp_getsockname(&client_, reinterpret_cast<sockaddr*>(&local), &local_length) == 0) {
    destination = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&local), static_cast<socklen_t>(local_length));
  }
  IoBuffer* buffer = worker_.buffers.acquire();
  const size_t length = writeProxyHeader(listener_->config().proxy_protocol, client_address_, destination,
                                         std::span<char>(buffer->data, IoBuffer::kCapacity));
  // The header is the first thing on the backend socket; forward() queues it in order
  // before any client byte read later.
  forward(to_backend_, buffer, length);
}

void TcpConnection::armIdleTimer() {
  const uint64_t idle_ms = static_cast<uint64_t>(listener_->config().idle_timeout.count());
  const uint64_t idle_for = uv_now(worker_.loop) - last_activity_ms_;
  uv_timer_start(&timer_, onIdleTimer, idle_for >= idle_ms ? 0 : idle_ms - idle_for, 0);
}

void TcpConnection::onIdleTimer(uv_timer_t* timer) {
  // The timer is not re-armed per read; reads only stamp last_activity_ms_, and the
  // timer checks the stamp when it fires.
  auto* self = static_cast<TcpConnection*>(timer->data);
  const uint64_t idle_ms = static_cast<uint64_t>(self->listener_->config().idle_timeout.count());
  if (uv_now(self->worker_.loop) - self->last_activity_ms_ >= idle_ms) {
    self->closeAll(CloseMode::kGraceful, CloseMode::kGraceful);
    return;
  }
  self->armIdleTimer();
}

void TcpConnection::onAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  auto* self = static_cast<TcpConnection*>(handle->data);
  IoBuffer* buffer = self->worker_.buffers.acquire();
  *buf = uv_buf_init(buffer->data, IoBuffer::kCapacity);
}

void TcpConnection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<TcpConnection*>(stream->data);
  IoBuffer* buffer = buf->base != nullptr ? IoBuffer::fromData(buf->base) : nullptr;
  Direction& direction = self->directionFrom(stream);
  if (nread > 0) {
    self->last_activity_ms_ = uv_now(self->worker_.loop);
    if (direction.to_backend) {
      if (self->tls_) {
        self->onClientCiphertext(buffer, static_cast<size_t>(nread));
      } else {
        self->sendToBackend(buffer, static_cast<size_t>(nread));
      }
      return;
    }
    countOnDataPath(self->backend_->counters().bytes_to_client, static_cast<uint64_t>(nread));
    if (self->tls_) {
      self->encryptToClient(buffer, static_cast<size_t>(nread));
    } else {
      self->forward(direction, buffer, static_cast<size_t>(nread));
    }
    return;
  }
  if (buffer != nullptr) self->worker_.buffers.release(buffer);
  if (nread == 0) return;  // EAGAIN: nothing read
  if (self->phase_ == Phase::kHandshaking) {
    self->handshakeFailed(nread == UV_EOF ? "client closed during the handshake" : uv_strerror(static_cast<int>(nread)));
    return;
  }
  // libuv reports EOF without reading again, and without a buffer, when the peer's FIN
  // or RST came with the last data (POLLHUP after a partial read: uv__stream_io in
  // libuv's src/unix/stream.c); only then can a RST be pending, and SO_ERROR shows it.
  // A read that returned 0 is a FIN: no getsockopt for it.
  if (nread == UV_EOF && (buf->base != nullptr || pendingSocketError(stream) == 0)) {
    direction.eof = true;
    uv_read_stop(stream);
    self->finishDirection(direction);
    return;
  }
  // A reset or error on one side: reset the other so its peer learns at once.
  const bool from_client = stream == self->client();
  self->closeAll(from_client ? CloseMode::kGraceful : CloseMode::kReset,
                 from_client ? CloseMode::kReset : CloseMode::kGraceful);
}

void TcpConnection::forward(Direction& direction, IoBuffer* buffer, size_t length) {
  uv_buf_t pending = uv_buf_init(buffer->data, static_cast<unsigned>(length));
  // Most writes complete at once; uv_try_write then spares the queued-write machinery.
  const int written = uv_try_write(direction.to, &pending, 1);
  if (written == static_cast<int>(length)) {
    worker_.buffers.release(buffer);
    return;
  }
  if (written < 0 && written != UV_EAGAIN) {
    worker_.buffers.release(buffer);
    const bool to_backend = direction.to_backend;
    closeAll(to_backend ? CloseMode::kReset : CloseMode::kGraceful,
             to_backend ? CloseMode::kGraceful : CloseMode::kReset);
    return;
  }
  if (written > 0) {
    pending.base += written;
    pending.len -= static_cast<size_t>(written);
  }
  buffer->write_request.data = this;
  if (uv_write(&buffer->write_request, direction.to, &pending, 1, onWrite) != 0) {
    worker_.buffers.release(buffer);
    closeAll(CloseMode::kReset, CloseMode::kReset);
    return;
  }
  // Before the splice, `from` may not even be open: nothing to pause.
  if (!direction.paused && phase_ == Phase::kSplicing && uv_stream_get_write_queue_size(direction.to) > kHighWater) {
    direction.paused = true;
    uv_read_stop(direction.from);
  }
}

void TcpConnection::onWrite(uv_write_t* request, int status) {
  auto* self = static_cast<TcpConnection*>(request->data);
  uv_stream_t* const to = request->handle;
  // The request lives inside the buffer, and a release beyond the pool's idle cap frees
  // it: nothing of the request may be read after this line.
  self->worker_.buffers.release(IoBuffer::fromWriteRequest(request));
  if (self->phase_ == Phase::kClosing) return;
  Direction& direction = self->directionTo(to);
  if (status < 0) {
    const bool to_backend = direction.to_backend;
    self->closeAll(to_backend ? CloseMode::kReset : CloseMode::kGraceful,
                   to_backend ? CloseMode::kGraceful : CloseMode::kReset);
    return;
  }
  if (direction.paused && !direction.eof && self->phase_ == Phase::kSplicing &&
      uv_stream_get_write_queue_size(direction.to) <= kLowWater) {
    direction.paused = false;
    uv_read_start(direction.from, onAlloc, onRead);
  }
}

void TcpConnection::finishDirection(Direction& direction) {
  if (tls_ && !direction.to_backend) {
    // The backend is done: tell the client with close_notify before the FIN.
    tls_->shutdown();
    flushTlsOutput();
    if (phase_ == Phase::kClosing) return;
  }
  if (!tls_ && uv_stream_get_write_queue_size(direction.to) == 0) {
    // Nothing queued for `to`: send the FIN now rather than through uv_shutdown, which
    // waits a loop turn for writability and costs two epoll_ctl calls. When the other
    // direction is already shut down, every byte of both sockets has been read, so
    // close(2) alone sends the FIN (RFC 9293 §3.6: RST only for unread data).
    if (otherDirection(direction).shutdown_done) {
      direction.shutdown_done = true;
      closeAll(CloseMode::kGraceful, CloseMode::kGraceful);
      return;
    }
    uv_os_fd_t fd = -1;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(direction.to), &fd) == 0 && ::shutdown(fd, SHUT_WR) == 0) {
      direction.shutdown_done = true;
      return;
    }
  }
  // uv_shutdown waits for queued writes, then sends FIN (libuv docs, uv_shutdown).
  if (uv_shutdown(&direction.shutdown_request, direction.to, onShutdown) != 0) {
    closeAll(CloseMode::kGraceful, CloseMode::kGraceful);
  }
}

void TcpConnection::onShutdown(uv_shutdown_t* request, int status) {
  auto* self = static_cast<TcpConnection*>(request->data);
  if (status == UV_ECANCELED || self->phase_ == Phase::kClosing) return;
  if (status < 0) {
    self->closeAll(CloseMode::kReset, CloseMode::kReset);
    return;
  }
  Direction& direction = &self->to_backend_.shutdown_request == request ? self->to_backend_ : self->to_client_;
  direction.shutdown_done = true;
  if (self->to_backend_.shutdown_done && self->to_client_.shutdown_done) {
    self->closeAll(CloseMode::kGraceful, CloseMode::kGraceful);
  }
}

void TcpConnection::forceClose() {
  if (phase_ == Phase::kClosing) return;
  closeAll(CloseMode::kGraceful, CloseMode::kGraceful);
}

void TcpConnection::closeHandle(uv_handle_t* handle, CloseMode mode) {
  if (uv_is_closing(handle)) return;
  ++pending_closes_;
  // uv_tcp_close_reset refuses a socket with a shutdown in progress; close it plainly.
  if (mode == CloseMode::kReset &&
      uv_tcp_close_reset(reinterpret_cast<uv_tcp_t*>(handle), onHandleClosed) == 0) {
    return;
  }
  uv_close(handle, onHandleClosed);
}

void TcpConnection::closeAll(CloseMode client_mode, CloseMode upstream_mode) {
  if (phase_ == Phase::kClosing) return;
  if (listener_->config().access_log) logAccess(client_mode, upstream_mode);
  phase_ = Phase::kClosing;
  closeHandle(reinterpret_cast<uv_handle_t*>(&client_), client_mode);
  if (upstream_open_) closeHandle(reinterpret_cast<uv_handle_t*>(&upstream_), upstream_mode);
  closeHandle(reinterpret_cast<uv_handle_t*>(&timer_), CloseMode::kGraceful);
}

void TcpConnection::onHandleClosed(uv_handle_t* handle) {
  auto* self = static_cast<TcpConnection*>(handle->data);
  if (handle == reinterpret_cast<uv_handle_t*>(&self->upstream_)) self->upstream_open_ = false;
  if (--self->pending_closes_ > 0) return;
  if (self->phase_ == Phase::kClosing) {
    delete self;
    return;
  }
  // Only the upstream socket of a failed attempt closed: try the next backend.
  if (self->attempts_ <= self->listener_->config().retries) {
    self->connectNext();
  } else {
    self->closeAll(CloseMode::kReset, CloseMode::kGraceful);
  }
}

}  // namespace fulcrum
