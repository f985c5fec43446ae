#include "lb/proxy/udp_session.h"

#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "common/rate_limit.h"
#include "lb/proxy/connect_error_log.h"
#include "lb/proxy/udp_listener.h"

namespace fulcrum {

UdpSession::UdpSession(UdpListener& owner, WorkerContext& worker, std::shared_ptr<ListenerState> listener,
                       std::shared_ptr<Pool> pool, Backend& backend, const sockaddr* client, const UdpClientKey& key)
    : owner_(&owner),
      worker_(worker),
      listener_(std::move(listener)),
      pool_(std::move(pool)),
      backend_(&backend),
      key_(key),
      opened_ms_(uv_now(worker.loop)) {
  if (client->sa_family == AF_INET6) client_.v6 = *reinterpret_cast<const sockaddr_in6*>(client);
  else client_.v4 = *reinterpret_cast<const sockaddr_in*>(client);
  backend_->addActive(1);
  backend_->counters().connections_total.fetch_add(1, std::memory_order_relaxed);
  worker_.connections.add(this);
}

UdpSession::~UdpSession() {
  backend_->addActive(-1);
  listener_->counters().udp_sessions_active.fetch_sub(1, std::memory_order_relaxed);
  listener_->leave();
  worker_.connections.remove(this);
}

UdpSession* UdpSession::open(UdpListener& owner, WorkerContext& worker, std::shared_ptr<ListenerState> listener,
                             std::shared_ptr<Pool> pool, Backend& backend, const sockaddr* client,
                             const UdpClientKey& key, int* error) {
  auto* session = new UdpSession(owner, worker, std::move(listener), std::move(pool), backend, client, key);
  const int family = backend.address().family();
  // The family in the low byte makes libuv create the socket now (uv_udp_init_ex), so
  // EMFILE shows here rather than on the first send.
  int rc = uv_udp_init_ex(worker.loop, &session->upstream_, static_cast<unsigned>(family) | UV_UDP_RECVMMSG);
  if (rc != 0) {
    *error = rc;
    delete session;  // the handle was never initialised: nothing to close
    return nullptr;
  }
  session->handle_open_ = true;
  session->upstream_.data = session;
  rc = uv_udp_connect(&session->upstream_, backend.address().get());
  if (rc == 0) rc = uv_udp_recv_start(&session->upstream_, onAlloc, onReceive);
  if (rc != 0) {
    *error = rc;
    session->owner_ = nullptr;  // never entered the listener's table
    session->forceClose();
    return nullptr;
  }
  return session;
}

void UdpSession::sendToBackend(const OutgoingDatagram* datagrams, size_t count) {
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<const uv_handle_t*>(&upstream_), &fd) != 0) return;
  const UdpSendResult sent = worker_.udp_sender.send(fd, datagrams, count, segmenting_);
  // A pending ICMP error may surface on the send as well as on the receive.
  if (sent.first_error == ECONNREFUSED) backendRefused(UV_ECONNREFUSED);
  if (sent.datagrams == 0) return;
  bytes_to_backend_ += sent.bytes;
  listener_->counters().udp_datagrams_to_backend.fetch_add(sent.datagrams, std::memory_order_relaxed);
  backend_->counters().bytes_to_backend.fetch_add(sent.bytes, std::memory_order_relaxed);
}

void UdpSession::backendRefused(int status) {
  // uv_strerror's table has static storage, as the passive health sink requires.
  const char* reason = uv_strerror(status);
  backend_->counters().connect_failures_total.fetch_add(1, std::memory_order_relaxed);
  logConnectError(*backend_, listener_->name(), pool_->name(), reason);
  if (worker_.passive_health != nullptr) worker_.passive_health->onConnectFailure(*pool_, *backend_, reason);
}

void UdpSession::onAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  *buf = static_cast<UdpSession*>(handle->data)->worker_.udp_receive_buffer.get();
}

void UdpSession::onReceive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                           unsigned flags) {
  auto* self = static_cast<UdpSession*>(handle->data);
  // `from` is set exactly when a datagram (possibly empty) arrived; nread 0 without it
  // is "nothing more to read" or the end of a recvmmsg batch (UV_UDP_MMSG_FREE): the
  // buffer is the worker's, there is nothing to free.
  if (from != nullptr && nread >= 0) {
    if ((flags & UV_UDP_PARTIAL) != 0 || self->owner_ == nullptr) return;  // truncated: drop
    self->bytes_to_client_ += static_cast<uint64_t>(nread);
    self->owner_->replyToClient(*self, buf->base, static_cast<size_t>(nread));
    return;
  }
  if (nread == UV_ECONNREFUSED) {
    self->backendRefused(static_cast<int>(nread));
  } else if (nread < 0) {
    static RateLimit receive_error_log{std::chrono::seconds(5)};
    if (receive_error_log.allow()) {
      log::warn("listener \"{}\": receive from backend {} failed: {}", self->listener_->name(),
                self->backend_->name(), uv_strerror(static_cast<int>(nread)));
    }
  }
}

void UdpSession::forceClose() {
  if (owner_ != nullptr) {
    if (owner_->state().config().access_log) logAccess(owner_->state());
    owner_->forget(*this);
    owner_ = nullptr;
  }
  if (!handle_open_) return;
  auto* handle = reinterpret_cast<uv_handle_t*>(&upstream_);
  if (!uv_is_closing(handle)) uv_close(handle, onClosed);
}

void UdpSession::onClosed(uv_handle_t* handle) { delete static_cast<UdpSession*>(handle->data); }

}  // namespace fulcrum
