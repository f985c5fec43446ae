#pragma once
// A single-threaded HTTP/1.1 server that answers every request with the same response,
// for load tests (http_responder) and the demo (demo_backend). Header-only because every
// bench/tools/*.cc is its own executable.
//
// epoll(7), level-triggered, non-blocking sockets. Message framing follows RFC 9112 §6
// (a request body has a Content-Length; chunked bodies are refused with 501); persistence
// follows RFC 9112 §9.3 (HTTP/1.1 stays open unless "Connection: close", HTTP/1.0 closes
// unless "Connection: keep-alive"). Pipelined requests are answered in order.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/socket_address.h"

namespace fulcrum::bench {

// What the head of one request says about framing and persistence.
struct RequestHead {
  size_t head_length = 0;  // bytes up to and including the blank line
  uint64_t body_length = 0;
  bool keep_alive = true;
  bool chunked = false;
};

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

inline std::string_view trimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// True when the comma-separated Connection header value lists `option`.
inline bool hasConnectionOption(std::string_view value, std::string_view option) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (equalsIgnoreCase(trimSpaces(value.substr(0, comma)), option)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// Parses the head at the start of `data`. nullopt while the blank line has not arrived;
// sets *malformed (and returns nullopt) when the head cannot be a request.
inline std::optional<RequestHead> parseRequestHead(std::string_view data, bool* malformed) {
  *malformed = false;
  const size_t end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  RequestHead head;
  head.head_length = end + 4;
  std::string_view lines = data.substr(0, end + 2);
  const size_t request_line_end = lines.find("\r\n");
  const std::string_view request_line = lines.substr(0, request_line_end);
  if (request_line.size() < 8 || request_line.substr(request_line.size() - 8, 5) != "HTTP/") {
    *malformed = true;
    return std::nullopt;
  }
  head.keep_alive = request_line.substr(request_line.size() - 3) != "1.0";
  lines.remove_prefix(request_line_end + 2);
  while (!lines.empty()) {
    const size_t line_end = lines.find("\r\n");
    const std::string_view line = lines.substr(0, line_end);
    lines.remove_prefix(line_end + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      *malformed = true;
      return std::nullopt;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trimSpaces(line.substr(colon + 1));
    if (equalsIgnoreCase(name, "connection")) {
      if (hasConnectionOption(value, "close")) head.keep_alive = false;
      if (hasConnectionOption(value, "keep-alive")) head.keep_alive = true;
    } else if (equalsIgnoreCase(name, "content-length")) {
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), head.body_length);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        *malformed = true;
        return std::nullopt;
      }
    } else if (equalsIgnoreCase(name, "transfer-encoding")) {
      head.chunked = true;
    }
  }
  return head;
}

// "HTTP/1.1 200 OK" with `body`, with or without "Connection: close".
inline std::string makeResponse(std::string_view body, bool keep_alive) {
  std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ";
  response += std::to_string(body.size());
  response += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  response += body;
  return response;
}

class FixedResponseServer {
 public:
  explicit FixedResponseServer(std::string body)
      : keep_alive_response_(makeResponse(body, true)),
        close_response_(makeResponse(body, false)),
        not_implemented_response_(
            "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        bad_request_response_(
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n") {}

  // Binds host:port (port 0 = ephemeral). On failure returns false with a readable *error.
  bool listen(const std::string& host, uint16_t port, std::string* error) {
    auto address = SocketAddress::fromNumeric(host, port);
    if (!address) {
      *error = "not a numeric IP address: " + host;
      return false;
    }
    listen_fd_ = ::socket(address->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return fail("socket", error);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(listen_fd_, address->get(), address->length()) != 0) {
      *error = "cannot bind " + address->toString() + ": " + std::strerror(errno);
      return false;
    }
    if (::listen(listen_fd_, 4096) != 0) return fail("listen", error);
    sockaddr_storage bound{};
    socklen_t bound_length = sizeof(bound);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_length);
    bound_ = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&bound), bound_length);
    return true;
  }

  const SocketAddress& boundAddress() const { return bound_; }

  // Serves until the process is killed. Returns false with *error if epoll fails.
  bool run(std::string* error) {
    ::signal(SIGPIPE, SIG_IGN);
    raiseDescriptorLimit();
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) return fail("epoll_create1", error);
    if (!watch(listen_fd_, EPOLLIN)) return fail("epoll_ctl", error);
    epoll_event events[256];
    for (;;) {
      const int count = ::epoll_wait(epoll_fd_, events, 256, -1);
      if (count < 0) {
        if (errno == EINTR) continue;
        return fail("epoll_wait", error);
      }
      for (int i = 0; i < count; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd_) {
          acceptAll();
        } else if (events[i].events & EPOLLOUT) {
          flush(fd);
        } else {
          readFrom(fd);
        }
      }
    }
  }

 private:
  struct Connection {
    std::string input;     // the unparsed part of a request head
    std::string output;    // responses the socket did not take yet
    uint64_t body_left = 0;  // request body bytes still to discard
    bool close_after_output = false;
    bool waiting_for_writable = false;
  };

  static bool fail(const char* what, std::string* error) {
    *error = std::string(what) + ": " + std::strerror(errno);
    return false;
  }

  // Load tests open thousands of sockets; the soft limit of 1024 is not enough.
  static void raiseDescriptorLimit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
  }

  bool watch(int fd, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
  }

  void acceptAll() {
    for (;;) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) std::perror("accept4");
        return;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      if (static_cast<size_t>(fd) >= connections_.size()) connections_.resize(fd + 1);
      connections_[fd] = std::make_unique<Connection>();
      if (!watch(fd, EPOLLIN)) closeConnection(fd);
    }
  }

  void closeConnection(int fd) {
    ::close(fd);  // also removes it from the epoll set
    connections_[fd].reset();
  }

  void readFrom(int fd) {
    Connection& connection = *connections_[fd];
    char buffer[16384];
    const ssize_t received = ::recv(fd, buffer, sizeof(buffer), 0);
    if (received == 0 || (received < 0 && errno != EAGAIN && errno != EINTR)) {
      closeConnection(fd);
      return;
    }
    if (received < 0) return;
    std::string_view data(buffer, static_cast<size_t>(received));
    // Usually a whole request arrives in one read: parse it in place, copy nothing.
    if (!connection.input.empty()) {
      connection.input.append(data);
      data = connection.input;
    }
    const size_t consumed = answerRequests(connection, data);
    if (connection.input.empty()) {
      connection.input.assign(data.substr(consumed));
    } else {
      connection.input.erase(0, consumed);
    }
    if (connection.input.size() > kMaxHeadBytes) {
      connection.output += bad_request_response_;
      connection.close_after_output = true;
    }
    flush(fd);
  }

  // Appends a response to connection.output for every complete request in `data`;
  // returns how many bytes of `data` were consumed.
  size_t answerRequests(Connection& connection, std::string_view data) {
    size_t consumed = 0;
    while (!connection.close_after_output) {
      if (connection.body_left > 0) {
        const uint64_t skipped = std::min<uint64_t>(connection.body_left, data.size() - consumed);
        connection.body_left -= skipped;
        consumed += skipped;
        if (connection.body_left > 0) break;
      }
      bool malformed = false;
      const auto head = parseRequestHead(data.substr(consumed), &malformed);
      if (malformed) {
        connection.output += bad_request_response_;
        connection.close_after_output = true;
        break;
      }
      if (!head) break;
      consumed += head->head_length;
      if (head->chunked) {
        connection.output += not_implemented_response_;
        connection.close_after_output = true;
        break;
      }
      connection.body_left = head->body_length;
      connection.output += head->keep_alive ? keep_alive_response_ : close_response_;
      connection.close_after_output = !head->keep_alive;
    }
    return consumed;
  }

  // Writes what is pending; waits for EPOLLOUT if the socket is full; closes the
  // connection once a final response has gone out.
  void flush(int fd) {
    Connection& connection = *connections_[fd];
    size_t written = 0;
    while (written < connection.output.size()) {
      const ssize_t sent = ::send(fd, connection.output.data() + written,
                                  connection.output.size() - written, MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        closeConnection(fd);
        return;
      }
      written += static_cast<size_t>(sent);
    }
    connection.output.erase(0, written);
    if (connection.output.empty() && connection.close_after_output) {
      closeConnection(fd);
      return;
    }
    setWritableWait(fd, connection, !connection.output.empty());
  }

  // While output is pending, wait for EPOLLOUT instead of reading more requests.
  void setWritableWait(int fd, Connection& connection, bool waiting) {
    if (connection.waiting_for_writable == waiting) return;
    connection.waiting_for_writable = waiting;
    epoll_event event{};
    event.events = waiting ? EPOLLOUT : EPOLLIN;
    event.data.fd = fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event);
  }

  static constexpr size_t kMaxHeadBytes = 65536;

  const std::string keep_alive_response_;
  const std::string close_response_;
  const std::string not_implemented_response_;
  const std::string bad_request_response_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  SocketAddress bound_;
  std::vector<std::unique_ptr<Connection>> connections_;  // indexed by descriptor
};

}  // namespace fulcrum::bench
