#include "lb/proxy/tcp_listener.h"
#include "lb/runtime/worker.h"

namespace fulcrum {

WorkerListener* startWorkerListener(WorkerContext& worker, const ListenerSocket& socket, std::string* error) {
  return TcpListener::start(worker, *socket.state, socket.fd, error);
}

}  // namespace fulcrum
