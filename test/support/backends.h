#pragma once
// Backends for proxy tests. Each listens on 127.0.0.1 with an ephemeral port, serves on
// its own threads (see TcpTestServer) and stops and joins in its destructor.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "test/support/tcp_test_server.h"

namespace fulcrum::test {

// Echoes every byte back. When the client half-closes, it shuts down its own write side
// after echoing everything (so the FIN travels back), then closes.
class EchoServer {
 public:
  EchoServer();
  ~EchoServer() { server_.stop(); }

  uint16_t port() const { return server_.port(); }
  size_t acceptedConnections() const { return server_.acceptedConnections(); }
  size_t activeConnections() const { return server_.activeConnections(); }
  // How the connections it served ended from its side.
  size_t eofsSeen() const { return eofs_.load(); }
  size_t resetsSeen() const { return resets_.load(); }

 private:
  std::atomic<size_t> eofs_{0};
  std::atomic<size_t> resets_{0};
  TcpTestServer server_;  // last: stopped before the counters it touches go away
};

// Reads the whole request until the client's FIN, then sends `reply` and closes: only a
// proxy that propagates the half-close lets the reply come back.
class ReadToEofThenReplyServer {
 public:
  explicit ReadToEofThenReplyServer(std::string reply);
  ~ReadToEofThenReplyServer() { server_.stop(); }

  uint16_t port() const { return server_.port(); }
  size_t acceptedConnections() const { return server_.acceptedConnections(); }
  // Every complete request received so far, in order of completion.
  std::vector<std::string> requests() const;

 private:
  const std::string reply_;
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  TcpTestServer server_;
};

// Reads at most `chunk_bytes` per `interval` (to apply backpressure), counting bytes.
// At the client's FIN it replies with the decimal byte count and closes.
class SlowReaderServer {
 public:
  SlowReaderServer(size_t chunk_bytes, Millis interval);
  ~SlowReaderServer() { server_.stop(); }

  uint16_t port() const { return server_.port(); }
  size_t bytesReceived() const { return bytes_.load(); }

 private:
  const size_t chunk_bytes_;
  const Millis interval_;
  std::atomic<size_t> bytes_{0};
  TcpTestServer server_;
};

// Identifies itself: sends `id` as soon as a connection is accepted. In kSendAndClose
// mode it then closes; in kThenEcho it goes on as an EchoServer would.
class IdServer {
 public:
  enum class Mode { kSendAndClose, kThenEcho };
  IdServer(std::string id, Mode mode);
  ~IdServer() { server_.stop(); }

  uint16_t port() const { return server_.port(); }
  const std::string& id() const { return id_; }
  size_t acceptedConnections() const { return server_.acceptedConnections(); }

 private:
  const std::string id_;
  const Mode mode_;
  TcpTestServer server_;
};

// Echo loop shared by the servers above: echoes until EOF (then shuts down its write
// side) or reset; returns how the client's stream ended.
IoStatus echoUntilEnd(ServerConnection& connection);

}  // namespace fulcrum::test
