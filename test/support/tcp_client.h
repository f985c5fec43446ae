#pragma once
// Client-side socket helpers for tests. Sockets are non-blocking and every call waits
// with poll(2) for at most its timeout, so a misbehaving proxy fails a test instead of
// hanging it. Sends use MSG_NOSIGNAL: a reset connection is an error, not a SIGPIPE.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "test/support/deadline.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {

// kReset: the handshake completed but the peer reset the connection before we looked
// (a server that accepts and at once resets shows this way on loopback).
enum class ConnectOutcome { kConnected, kRefused, kReset, kTimeout, kError };

struct ConnectResult {
  ConnectOutcome outcome = ConnectOutcome::kError;
  UniqueFd fd;    // valid only when kConnected
  int error = 0;  // errno for kRefused / kReset / kError
};

// Connects to 127.0.0.1:port and reports how the attempt ended.
ConnectResult tryConnectTcp(uint16_t port, Millis timeout);
// Connects to 127.0.0.1:port; an invalid fd when not connected within `timeout`.
UniqueFd connectTcp(uint16_t port, Millis timeout);

// Writes all of `data`; false on error or when the timeout passes first.
bool sendAll(int fd, std::string_view data, Millis timeout);

// Exactly `n` bytes; nullopt when EOF, an error or the timeout comes first.
std::optional<std::string> recvExact(int fd, size_t n, Millis timeout);

// How a stream from the peer ended.
enum class StreamEnd { kEof, kReset, kTimeout, kError };

struct ReceiveResult {
  std::string data;
  StreamEnd end = StreamEnd::kTimeout;
};

// Reads everything until the peer's FIN (kEof), a reset (kReset), an error, or the timeout.
ReceiveResult recvUntilEof(int fd, Millis timeout);

// True when the peer closes (FIN or RST) within `timeout`. Bytes that arrive before the
// close are appended to *received when given (and otherwise discarded).
bool isClosedByPeer(int fd, Millis timeout, std::string* received = nullptr);

// True when nothing at all (no data, no FIN, no RST) arrives for `duration`.
bool staysQuiet(int fd, Millis duration);

// Sends `data` and concurrently reads the echo, so that neither side's buffers fill up
// and deadlock. Returns the `expected_bytes` received, or nullopt on EOF, error or timeout.
std::optional<std::string> sendWhileReceiving(int fd, std::string_view data, size_t expected_bytes,
                                              Millis timeout);

// Disables Nagle's algorithm (TCP_NODELAY) on a socket.
void setNoDelay(int fd);

// shutdown(SHUT_WR): sends our FIN, keeps reading possible.
void shutdownWrite(int fd);

// Closes with SO_LINGER {on, 0}, which makes the kernel send RST instead of FIN.
void resetConnection(UniqueFd fd);

// A human-readable name for logs and assertion messages.
const char* toString(StreamEnd end);
const char* toString(ConnectOutcome outcome);

}  // namespace fulcrum::test
