#include "lb/proxy/listen_socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace fulcrum {

int openReusePortSocket(const SocketAddress& address, int type, std::string* error) {
  const int fd = ::socket(address.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = fmt::format("socket: {}", std::strerror(errno));
    return -1;
  }
  const int on = 1;
  const char* failed = nullptr;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) failed = "setsockopt(SO_REUSEADDR)";
  else if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) failed = "setsockopt(SO_REUSEPORT)";
  else if (address.family() == AF_INET6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0)
    failed = "setsockopt(IPV6_V6ONLY)";
  // Accepted sockets inherit TCP_NODELAY from the listener on Linux (tcp(7) options are
  // copied with the socket), so each connection needs no setsockopt of its own.
  else if (type == SOCK_STREAM && ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
    failed = "setsockopt(TCP_NODELAY)";
  else if (::bind(fd, address.get(), address.length()) != 0) failed = "bind";
  // Listening at once (not when the worker's loop gets to it) means connections queue
  // from the moment start-up or a reload logs the listener, and none is refused.
  else if (type == SOCK_STREAM && ::listen(fd, SOMAXCONN) != 0) failed = "listen";
  if (failed != nullptr) {
    *error = fmt::format("{} {}: {}", failed, address.toString(), std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace fulcrum
