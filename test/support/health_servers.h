#pragma once
// Backends for health-check tests. Unlike TcpTestServer they listen on a port of the
// test's choosing with SO_REUSEADDR, so a test can stop a backend and start a new one on
// the same port (a backend that dies and comes back) even while old connections to that
// port linger in TIME_WAIT.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test/support/tcp_test_server.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {

// Listens on 127.0.0.1:port (0: an ephemeral port) and runs `handler` per accepted
// connection on its own thread; stop() (and the destructor) wakes and joins them all.
class RestartableServer {
 public:
  using Handler = std::function<void(ServerConnection&)>;

  // Throws std::runtime_error when the port cannot be bound.
  RestartableServer(uint16_t port, Handler handler);
  ~RestartableServer() { stop(); }
  RestartableServer(const RestartableServer&) = delete;
  RestartableServer& operator=(const RestartableServer&) = delete;

  uint16_t port() const { return port_; }
  size_t acceptedConnections() const { return accepted_.load(); }
  // Closes the listener (new connects are refused), wakes every handler, joins. Idempotent.
  void stop();

 private:
  void acceptLoop();

  Handler handler_;
  UniqueFd listen_fd_;
  UniqueFd stop_fd_;  // eventfd, readable once stop() wrote to it
  uint16_t port_ = 0;
  std::atomic<size_t> accepted_{0};
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;
  std::once_flag stop_once_;
  std::thread accept_thread_;
};

// Sends `id` as soon as a connection is accepted, then echoes (like IdServer kThenEcho),
// on a port of the test's choosing.
class RestartableIdServer {
 public:
  RestartableIdServer(std::string id, uint16_t port = 0);

  uint16_t port() const { return server_.port(); }
  size_t acceptedConnections() const { return server_.acceptedConnections(); }
  void stop() { server_.stop(); }

 private:
  const std::string id_;
  RestartableServer server_;
};

// An HTTP health endpoint whose behaviour a test switches at run time. It reads a
// request head (up to the blank line), records it, then per mode: answers with the
// current status and closes, never answers (holds the connection until the client goes),
// sends bytes that are not an HTTP status line and then holds the connection, or resets
// the connection.
class HttpHealthEndpoint {
 public:
  enum class Mode { kRespond, kHang, kGarbage, kReset };

  explicit HttpHealthEndpoint(unsigned status = 200, uint16_t port = 0);

  uint16_t port() const { return server_.port(); }
  void respondWith(unsigned status);
  void setMode(Mode mode) { mode_.store(mode); }
  // Complete request heads received so far, and the latest one.
  size_t requestsSeen() const { return requests_.load(); }
  std::string lastRequest() const;
  void stop() { server_.stop(); }

 private:
  void serve(ServerConnection& connection);

  std::atomic<unsigned> status_;
  std::atomic<Mode> mode_{Mode::kRespond};
  std::atomic<size_t> requests_{0};
  mutable std::mutex last_mutex_;
  std::string last_request_;
  RestartableServer server_;  // last: stopped before the state its handlers use goes away
};

// `count` listeners on ephemeral 127.0.0.1 ports, served by one poll(2) thread, that
// accept every connection and never send a byte; a connection is closed when its peer
// closes it. A stand-in for many backends whose health endpoint hangs.
class SilentListeners {
 public:
  explicit SilentListeners(size_t count);
  ~SilentListeners();
  SilentListeners(const SilentListeners&) = delete;
  SilentListeners& operator=(const SilentListeners&) = delete;

  const std::vector<uint16_t>& ports() const { return ports_; }
  size_t acceptedConnections() const { return accepted_.load(); }

 private:
  void run();

  std::vector<UniqueFd> listeners_;
  std::vector<uint16_t> ports_;
  UniqueFd stop_fd_;
  std::atomic<size_t> accepted_{0};
  std::thread thread_;
};

}  // namespace fulcrum::test
