// The access log line of a UdpSession (listeners.access_log = true), written when the
// session ends. Nothing here runs unless the listener has the access log on.
#include <string>

#include "common/socket_address.h"
#include "lb/proxy/access_log.h"
#include "lb/proxy/udp_session.h"

namespace fulcrum {

const char* UdpSession::closeReason(const ListenerState& current) const {
  const auto idle_ms = static_cast<uint64_t>(current.config().idle_timeout.count());
  if (uv_now(worker_.loop) - last_active_ms >= idle_ms) return "idle_timeout";
  if (backendDown()) return "backend_down";  // the client's next datagram moved it
  if (backend_->draining() || current.pool() != pool_.get()) return "drained";
  return "shutdown";  // fulcrum stopping, or the listener removed by a reload
}

void UdpSession::logAccess(const ListenerState& current) {
  const socklen_t length = client_.any.sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  const std::string client = SocketAddress::fromSockaddr(&client_.any, length).toString();
  access_log::record(access_log::Entry{
      .listener = current.name(),
      .client = client,
      .backend = backend_->name(),
      .bytes_to_backend = bytes_to_backend_,
      .bytes_to_client = bytes_to_client_,
      .duration_ms = uv_now(worker_.loop) - opened_ms_,
      .reason = closeReason(current),
  });
}

}  // namespace fulcrum
