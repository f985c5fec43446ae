#pragma once
// A TCP server on 127.0.0.1 (ephemeral port) that runs a handler per accepted connection,
// each on its own thread. All waits inside poll an eventfd that stop() makes readable,
// so stopping is prompt and bounded, and the destructor always stops and joins.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "test/support/deadline.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {

enum class IoStatus { kData, kEof, kReset, kError, kTimeout, kStopped };

const char* toString(IoStatus status);

// The server side of one accepted connection (non-blocking socket).
class ServerConnection {
 public:
  ServerConnection(UniqueFd fd, int stop_fd) : fd_(std::move(fd)), stop_fd_(stop_fd) {}

  int fd() const { return fd_.get(); }
  // Appends up to `max_bytes` to *into. Waits for data at most `timeout` (no timeout:
  // until the server stops).
  IoStatus read(std::string* into, size_t max_bytes, std::optional<Millis> timeout = std::nullopt);
  // Writes everything; false on error or when the server stops first.
  bool writeAll(std::string_view data);
  void shutdownWrite();
  // Closes now with RST (SO_LINGER 0). Later calls see an invalid fd and fail.
  void resetNow();
  // Sleeps unless the server stops first; false when it stopped.
  bool sleepFor(Millis duration);
  bool stopping() const;

 private:
  // poll(2) on the socket and the stop eventfd: 1 ready, 0 timeout, -1 stopping/error.
  int waitReady(short events, std::optional<Millis> timeout);

  UniqueFd fd_;
  int stop_fd_;
};

class TcpTestServer {
 public:
  using Handler = std::function<void(ServerConnection&)>;

  // Listens on 127.0.0.1:0 with the given accept backlog and starts accepting.
  explicit TcpTestServer(Handler handler, int backlog = 128);
  ~TcpTestServer();
  TcpTestServer(const TcpTestServer&) = delete;
  TcpTestServer& operator=(const TcpTestServer&) = delete;

  uint16_t port() const { return port_; }
  size_t acceptedConnections() const { return accepted_.load(); }
  // Connections whose handler is still running.
  size_t activeConnections() const { return active_.load(); }

  // Closes the listener, wakes every handler and joins all threads. Idempotent.
  void stop();

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };

  void acceptLoop();
  void joinFinishedWorkers();

  Handler handler_;
  UniqueFd listen_fd_;
  UniqueFd stop_fd_;  // eventfd: readable for good once stop() wrote to it
  uint16_t port_ = 0;
  std::atomic<size_t> accepted_{0};
  std::atomic<size_t> active_{0};
  std::mutex workers_mutex_;
  std::vector<Worker> workers_;
  std::once_flag stop_once_;
  std::thread accept_thread_;
};

}  // namespace fulcrum::test
