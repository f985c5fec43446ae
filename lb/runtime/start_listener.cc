#include "lb/proxy/tcp_listener.h"
#include "lb/proxy/udp_listener.h"
#include "lb/runtime/worker.h"

namespace fulcrum {

WorkerListener* startWorkerListener(WorkerContext& worker, const ListenerSocket& socket, std::string* error) {
  if (socket.state->config().protocol == config::Protocol::kUdp) {
    return UdpListener::start(worker, *socket.state, socket.fd, error);
  }
  return TcpListener::start(worker, *socket.state, socket.fd, error);
}

}  // namespace fulcrum
