#include "test/support/tcp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "test/support/loopback_address.h"

namespace fulcrum::test {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

// Waits until fd is ready for `events`; returns revents, or 0 on timeout.
short waitFor(int fd, short events, const Deadline& deadline) {
  pollfd entry{fd, events, 0};
  while (true) {
    const int ready = ::poll(&entry, 1, deadline.pollTimeout());
    if (ready > 0) return entry.revents;
    if (ready == 0) return 0;
    if (errno != EINTR) return POLLERR;
  }
}

enum class ReadStatus { kData, kEof, kReset, kAgain, kError };

ReadStatus readSome(int fd, std::string& into, size_t limit) {
  std::array<char, kReadChunk> buffer;
  const size_t want = std::min(limit, buffer.size());
  const ssize_t got = ::recv(fd, buffer.data(), want, 0);
  if (got > 0) {
    into.append(buffer.data(), static_cast<size_t>(got));
    return ReadStatus::kData;
  }
  if (got == 0) return ReadStatus::kEof;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return ReadStatus::kAgain;
  if (errno == ECONNRESET || errno == EPIPE) return ReadStatus::kReset;
  return ReadStatus::kError;
}

}  // namespace

ConnectResult tryConnectTcp(uint16_t port, Millis timeout) {
  ConnectResult result;
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    result.error = errno;
    return result;
  }
  sockaddr_in address = loopbackAddress(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno != EINPROGRESS) {
      result.error = errno;
      result.outcome = errno == ECONNREFUSED ? ConnectOutcome::kRefused : ConnectOutcome::kError;
      return result;
    }
    const Deadline deadline(timeout);
    const short revents = waitFor(fd.get(), POLLOUT, deadline);
    if (revents == 0) {
      result.outcome = ConnectOutcome::kTimeout;
      return result;
    }
    int error = 0;
    socklen_t length = sizeof(error);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      result.error = error;
      result.outcome = error == ECONNREFUSED ? ConnectOutcome::kRefused
                       : error == ECONNRESET ? ConnectOutcome::kReset
                                             : ConnectOutcome::kError;
      return result;
    }
  }
  result.outcome = ConnectOutcome::kConnected;
  result.fd = std::move(fd);
  return result;
}

UniqueFd connectTcp(uint16_t port, Millis timeout) { return tryConnectTcp(port, timeout).fd; }

bool sendAll(int fd, std::string_view data, Millis timeout) {
  const Deadline deadline(timeout);
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t wrote = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (wrote > 0) {
      sent += static_cast<size_t>(wrote);
      continue;
    }
    if (wrote < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    const short revents = waitFor(fd, POLLOUT, deadline);
    if (revents == 0 || (revents & (POLLERR | POLLNVAL))) return false;
  }
  return true;
}

std::optional<std::string> recvExact(int fd, size_t n, Millis timeout) {
  const Deadline deadline(timeout);
  std::string received;
  received.reserve(n);
  while (received.size() < n) {
    switch (readSome(fd, received, n - received.size())) {
      case ReadStatus::kData:
        continue;
      case ReadStatus::kAgain:
        if (waitFor(fd, POLLIN, deadline) == 0) return std::nullopt;
        continue;
      default:
        return std::nullopt;
    }
  }
  return received;
}

ReceiveResult recvUntilEof(int fd, Millis timeout) {
  const Deadline deadline(timeout);
  ReceiveResult result;
  while (true) {
    switch (readSome(fd, result.data, kReadChunk)) {
      case ReadStatus::kData:
        continue;
      case ReadStatus::kEof:
        result.end = StreamEnd::kEof;
        return result;
      case ReadStatus::kReset:
        result.end = StreamEnd::kReset;
        return result;
      case ReadStatus::kError:
        result.end = StreamEnd::kError;
        return result;
      case ReadStatus::kAgain:
        if (waitFor(fd, POLLIN, deadline) == 0) {
          result.end = StreamEnd::kTimeout;
          return result;
        }
        continue;
    }
  }
}

bool isClosedByPeer(int fd, Millis timeout, std::string* received) {
  ReceiveResult result = recvUntilEof(fd, timeout);
  if (received != nullptr) received->append(result.data);
  return result.end == StreamEnd::kEof || result.end == StreamEnd::kReset;
}

bool staysQuiet(int fd, Millis duration) {
  const Deadline deadline(duration);
  return waitFor(fd, POLLIN, deadline) == 0;
}

std::optional<std::string> sendWhileReceiving(int fd, std::string_view data, size_t expected_bytes,
                                              Millis timeout) {
  const Deadline deadline(timeout);
  std::string received;
  received.reserve(expected_bytes);
  size_t sent = 0;
  while (received.size() < expected_bytes || sent < data.size()) {
    const short events = static_cast<short>((sent < data.size() ? POLLOUT : 0) |
                                            (received.size() < expected_bytes ? POLLIN : 0));
    const short revents = waitFor(fd, events, deadline);
    if (revents == 0) return std::nullopt;
    if (revents & POLLNVAL) return std::nullopt;
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
      // Everything expected is in but the peer hung up while we still have data to send.
      if (received.size() >= expected_bytes) return std::nullopt;
      const ReadStatus status = readSome(fd, received, expected_bytes - received.size());
      if (status != ReadStatus::kData && status != ReadStatus::kAgain) return std::nullopt;
    }
    if ((revents & POLLOUT) && sent < data.size()) {
      const ssize_t wrote = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (wrote > 0) {
        sent += static_cast<size_t>(wrote);
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return std::nullopt;
      }
    }
  }
  return received;
}

void setNoDelay(int fd) {
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

void shutdownWrite(int fd) { ::shutdown(fd, SHUT_WR); }

void resetConnection(UniqueFd fd) {
  if (!fd) return;
  linger option{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &option, sizeof(option));
  fd.reset();
}

const char* toString(StreamEnd end) {
  switch (end) {
    case StreamEnd::kEof: return "eof";
    case StreamEnd::kReset: return "reset";
    case StreamEnd::kTimeout: return "timeout";
    case StreamEnd::kError: return "error";
  }
  return "?";
}

const char* toString(ConnectOutcome outcome) {
  switch (outcome) {
    case ConnectOutcome::kConnected: return "connected";
    case ConnectOutcome::kRefused: return "refused";
    case ConnectOutcome::kReset: return "reset";
    case ConnectOutcome::kTimeout: return "timeout";
    case ConnectOutcome::kError: return "error";
  }
  return "?";
}

}  // namespace fulcrum::test
