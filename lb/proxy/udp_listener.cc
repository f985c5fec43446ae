#include "lb/proxy/udp_listener.h"

#include <unistd.h>

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "common/log.h"
#include "common/rate_limit.h"
#include "lb/proxy/udp_session.h"

namespace fulcrum {
namespace {

// Expiry runs late by at most this fraction of idle_timeout (and never more than
// kMaxSweepSlackMs), so that a stream of sessions expiring a few milliseconds apart
// wakes the loop a bounded number of times instead of once per session.
constexpr uint64_t kSweepSlackDivisor = 16;
constexpr uint64_t kMaxSweepSlackMs = 1000;

// Socket buffers asked for on the listener's socket, which carries every client of the
// worker both ways. The kernel caps the request at net.core.rmem_max / wmem_max and
// doubles it (socket(7), SO_RCVBUF): with stock sysctls that is still twice the
// default, and raising the sysctls is how an operator gives bursts more room.
constexpr int kSocketBufferBytes = 4 * 1024 * 1024;

uint64_t tableSeed() {
  std::random_device entropy;
  return (static_cast<uint64_t>(entropy()) << 32) ^ entropy();
}

RateLimit& sessionErrorLog() {
  static RateLimit limit{std::chrono::seconds(5)};
  return limit;
}

}  // namespace

UdpListener::UdpListener(WorkerContext& worker, ListenerState& state)
    : worker_(worker), state_(state.shared_from_this()), sessions_(64, UdpClientKeyHash(tableSeed())) {}

UdpListener* UdpListener::start(WorkerContext& worker, ListenerState& state, int fd, std::string* error) {
  auto* listener = new UdpListener(worker, state);
  // AF_UNSPEC: no socket of libuv's own, so that uv_udp_open can adopt ours.
  uv_udp_init_ex(worker.loop, &listener->handle_, AF_UNSPEC | UV_UDP_RECVMMSG);
  listener->handle_.data = listener;
  uv_timer_init(worker.loop, &listener->sweep_timer_);
  listener->sweep_timer_.data = listener;
  uv_check_init(worker.loop, &listener->flush_check_);
  listener->flush_check_.data = listener;
  listener->open_handles_ = 3;
  int rc = uv_udp_open(&listener->handle_, fd);
  const bool adopted = rc == 0;
  if (rc == 0) {
    auto* handle = reinterpret_cast<uv_handle_t*>(&listener->handle_);
    int receive_bytes = kSocketBufferBytes;
    int send_bytes = kSocketBufferBytes;
    uv_recv_buffer_size(handle, &receive_bytes);  // best effort: the defaults work too
    uv_send_buffer_size(handle, &send_bytes);
    rc = uv_udp_recv_start(&listener->handle_, onAlloc, onReceive);
  }
  if (rc == 0) rc = uv_check_start(&listener->flush_check_, onFlushCheck);
  if (rc != 0) {
    *error = fmt::format("udp socket on {}: {}", state.config().bind.text, uv_strerror(rc));
    if (!adopted) ::close(fd);
    listener->close();
    return nullptr;
  }
  return listener;
}

void UdpListener::setState(ListenerState& state) {
  state_ = state.shared_from_this();
  if (!closing_ && !idle_.empty()) scheduleSweep();
}

void UdpListener::close() {
  if (closing_) return;
  closing_ = true;
  forward_count_ = 0;  // only ever non-zero inside a read batch
  while (!idle_.empty()) static_cast<UdpSession*>(idle_.oldest())->forceClose();
  flushReplies();
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&sweep_timer_), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_check_), onClosed);
}

void UdpListener::onClosed(uv_handle_t* handle) {
  auto* self = static_cast<UdpListener*>(handle->data);
  if (--self->open_handles_ == 0) delete self;
}

void UdpListener::onAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  auto* self = static_cast<UdpListener*>(handle->data);
  self->flushForwards();  // the buffer is about to be overwritten
  *buf = self->worker_.udp_receive_buffer.get();
}

void UdpListener::onReceive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                            unsigned flags) {
  auto* self = static_cast<UdpListener*>(handle->data);
  // `from` is set exactly when a datagram (possibly empty) arrived. nread 0 without it
  // is "nothing more to read" or the end of a recvmmsg batch (UV_UDP_MMSG_FREE); the
  // buffer belongs to the worker, so there is nothing to free either way.
  if (from != nullptr && nread >= 0) {
    // UV_UDP_PARTIAL cannot happen with 64 KiB slots; a truncated datagram is dropped.
    if ((flags & UV_UDP_PARTIAL) != 0 || self->closing_) return;
    self->handleDatagram(buf->base, static_cast<size_t>(nread), from);
    return;
  }
  self->flushForwards();
  if (nread < 0 && sessionErrorLog().allow()) {
    log::warn("listener \"{}\": receive failed: {}", self->state_->name(), uv_strerror(static_cast<int>(nread)));
  }
}

void UdpListener::handleDatagram(const char* data, size_t length, const sockaddr* client) {
  UdpClientKey key;
  if (!UdpClientKey::fromSockaddr(client, &key)) return;
  UdpSession* session = nullptr;
  if (const auto found = sessions_.find(key); found != sessions_.end()) {
    session = found->second;
    if (session->backendDown()) {
      session->forceClose();
      session = nullptr;
    } else {
      idle_.touch(session, uv_now(worker_.loop));
    }
  }
  if (session == nullptr) {
    session = openSession(client, key);
    if (session == nullptr) return;
  }
  queueForward(*session, data, length);
}

void UdpListener::queueForward(UdpSession& session, const char* data, size_t length) {
  if (forward_count_ == forwards_.size()) flushForwards();
  forwards_[forward_count_++] = PendingForward{&session, iovec{const_cast<char*>(data), length}};
}

void UdpListener::flushForwards() {
  std::array<OutgoingDatagram, UdpReceiveBuffer::kSlots> datagrams{};
  for (size_t first = 0; first < forward_count_; ++first) {
    UdpSession* session = forwards_[first].session;
    if (session == nullptr) continue;  // went out with an earlier datagram of its session
    size_t count = 0;
    for (size_t i = first; i < forward_count_; ++i) {
      if (forwards_[i].session != session) continue;
      forwards_[i].session = nullptr;
      datagrams[count++].payload = forwards_[i].payload;
    }
    // A session closed during the batch (its backend went down) has no socket any more.
    if (!session->closing()) session->sendToBackend(datagrams.data(), count);
  }
  forward_count_ = 0;
}

bool UdpListener::admitSession() {
  auto& sessions_active = state_->counters().udp_sessions_active;
  const int64_t now_active = sessions_active.fetch_add(1, std::memory_order_relaxed) + 1;
  if (static_cast<uint64_t>(now_active) > state_->config().max_sessions) {
    sessions_active.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  if (!state_->tryAdmit()) {
    sessions_active.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void UdpListener::undoAdmission() {
  state_->counters().udp_sessions_active.fetch_sub(1, std::memory_order_relaxed);
  state_->leave();
}

UdpSession* UdpListener::openSession(const sockaddr* client, const UdpClientKey& key) {
  ListenerCounters& counters = state_->counters();
  counters.connections_total.fetch_add(1, std::memory_order_relaxed);
  if (!admitSession()) {
    counters.rejected_max_connections.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  Pool* pool = state_->pool();
  const SocketAddress client_address = SocketAddress::fromSockaddr(
      client, client->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
  Backend* backend = pool->pick(worker_.index, client_address);
  if (backend == nullptr) {
    undoAdmission();
    counters.rejected_no_backend.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  // From here on the session owns the admission and counts itself out when it goes.
  int error = 0;
  UdpSession* session =
      UdpSession::open(*this, worker_, state_, pool->shared_from_this(), *backend, client, key, &error);
  if (session == nullptr) {
    if (sessionErrorLog().allow()) {
      log::error("listener \"{}\": cannot open a session socket to backend {}: {}; datagram dropped",
                 state_->name(), backend->name(), uv_strerror(error));
    }
    return nullptr;
  }
  sessions_.emplace(key, session);
  const bool was_empty = idle_.empty();
  idle_.pushNewest(session, uv_now(worker_.loop));
  if (was_empty) scheduleSweep();
  return session;
}

void UdpListener::replyToClient(UdpSession& session, const char* data, size_t length) {
  idle_.touch(&session, uv_now(worker_.loop));
  if (!replies_.add(session.clientAddress(), data, length)) {
    flushReplies();
    if (!replies_.add(session.clientAddress(), data, length)) return;  // cannot happen: an empty batch holds 64 KiB
  }
  // Counted when queued: bytes the backend sent toward its client.
  session.backendRef().counters().bytes_to_client.fetch_add(length, std::memory_order_relaxed);
}

void UdpListener::flushReplies() {
  if (replies_.empty()) return;
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&handle_), &fd) != 0) {
    replies_.clear();  // the socket is gone: nothing can be sent any more
    return;
  }
  const size_t sent = replies_.flush(fd, worker_.udp_sender);
  state_->counters().udp_datagrams_to_client.fetch_add(sent, std::memory_order_relaxed);
}

void UdpListener::onFlushCheck(uv_check_t* check) { static_cast<UdpListener*>(check->data)->flushReplies(); }

void UdpListener::forget(UdpSession& session) {
  sessions_.erase(session.key());
  idle_.remove(&session);
}

void UdpListener::scheduleSweep() {
  if (idle_.empty()) {
    uv_timer_stop(&sweep_timer_);
    return;
  }
  const uint64_t idle_ms = idleTimeoutMs();
  const uint64_t slack = std::clamp<uint64_t>(idle_ms / kSweepSlackDivisor, 1, kMaxSweepSlackMs);
  const uint64_t now = uv_now(worker_.loop);
  const uint64_t due = idle_.oldest()->last_active_ms + idle_ms;
  const uint64_t delay = due > now ? due - now : 0;
  uv_timer_start(&sweep_timer_, onSweep, std::max(delay, slack), 0);
}

void UdpListener::onSweep(uv_timer_t* timer) {
  auto* self = static_cast<UdpListener*>(timer->data);
  self->expireIdleSessions();
  self->scheduleSweep();
}

void UdpListener::expireIdleSessions() {
  const uint64_t idle_ms = idleTimeoutMs();
  const uint64_t now = uv_now(worker_.loop);
  while (!idle_.empty() && now - idle_.oldest()->last_active_ms >= idle_ms) {
    static_cast<UdpSession*>(idle_.oldest())->forceClose();
  }
}

}  // namespace fulcrum
