// The access log line of a TcpConnection (listeners.access_log = true), written when
// it closes. Nothing here runs unless the listener has the access log on.
#include <string>

#include "lb/proxy/access_log.h"
#include "lb/proxy/socket_byte_counts.h"
#include "lb/proxy/tcp_connection.h"

namespace fulcrum {
namespace {

// The kernel's count includes the FIN's sequence number (RFC 793: a FIN occupies one),
// so a side whose FIN was read has sent one byte less than counted.
uint64_t payloadBytes(const SocketByteCounts& counts, bool fin_received) {
  return fin_received && counts.received > 0 ? counts.received - 1 : counts.received;
}

int socketOf(uv_tcp_t& socket) {
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&socket), &fd) != 0) return -1;
  return fd;
}

}  // namespace

const char* TcpConnection::closeReason(CloseMode client_mode, CloseMode upstream_mode) const {
  if (!admitted_) return "rejected";  // max_connections, or the accept itself failed
  switch (phase_) {
    case Phase::kHandshaking:
      return "tls_handshake_failed";
    case Phase::kConnecting:
      // Every connect failure and "no backend" reset the client; a graceful close here
      // is fulcrum stopping or draining.
      if (client_mode == CloseMode::kReset) return attempts_ == 0 ? "no_backend" : "connect_failed";
      return "shutdown";
    case Phase::kSplicing:
    case Phase::kClosing:
      break;
  }
  // A reset goes to the side that did not fail: resetting the client means the
  // backend side broke, and the other way round.
  if (client_mode == CloseMode::kReset && upstream_mode == CloseMode::kReset) return "reset";
  if (client_mode == CloseMode::kReset) return "backend_reset";
  if (upstream_mode == CloseMode::kReset) return "client_reset";
  if (to_backend_.eof && to_client_.eof) return "closed";
  const uint64_t idle_ms = static_cast<uint64_t>(listener_->config().idle_timeout.count());
  if (uv_now(worker_.loop) - last_activity_ms_ >= idle_ms) return "idle_timeout";
  if (to_backend_.eof) return "client_closed";
  if (to_client_.eof) return "backend_closed";
  const bool pool_switched = listener_->pool() != pool_.get();
  if ((backend_ != nullptr && backend_->draining()) || pool_switched) return "drained";
  return "shutdown";
}

void TcpConnection::logAccess(CloseMode client_mode, CloseMode upstream_mode) {
  // The client socket received what went to the backend; the backend socket what went
  // to the client (for TLS listeners the client side counts TLS records).
  const SocketByteCounts from_client = socketByteCounts(socketOf(client_));
  const SocketByteCounts from_backend = upstream_open_ ? socketByteCounts(socketOf(upstream_)) : SocketByteCounts{};
  const std::string client = client_address_.toString();
  access_log::record(access_log::Entry{
      .listener = listener_->name(),
      .client = client,
      .backend = backend_ != nullptr ? std::string_view(backend_->name()) : std::string_view("-"),
      .bytes_to_backend = payloadBytes(from_client, to_backend_.eof),
      .bytes_to_client = payloadBytes(from_backend, to_client_.eof),
      .duration_ms = (uv_hrtime() - accepted_ns_) / 1'000'000,
      .reason = closeReason(client_mode, upstream_mode),
  });
}

}  // namespace fulcrum
