#pragma once
// An echo backend in a child process of its own, so that a test can kill it abruptly
// (SIGKILL) the way a crashing backend dies: the kernel then closes its sockets, with RST
// where unread bytes remain. One thread polls every connection; it echoes each read in
// full before reading more, so it applies backpressure to a client that does not read.
#include <sys/types.h>

#include <cstdint>

#include "test/support/unique_fd.h"

namespace fulcrum::test {

class ForkedEchoServer {
 public:
  // Listens on 127.0.0.1 (ephemeral port) and forks the serving child; throws
  // std::runtime_error when either fails. Serves up to kMaxConnections at once; further
  // connections wait in the accept queue.
  ForkedEchoServer();
  // Kills the child (SIGKILL) unless already killed, and reaps it.
  ~ForkedEchoServer();
  ForkedEchoServer(const ForkedEchoServer&) = delete;
  ForkedEchoServer& operator=(const ForkedEchoServer&) = delete;

  static constexpr int kMaxConnections = 4000;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGKILL and reap now: every connection it had ends as the kernel closes them.
  void kill();

 private:
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace fulcrum::test
