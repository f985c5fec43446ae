#include "test/support/notify_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <stdexcept>

namespace fulcrum::test {

NotifySocket::NotifySocket()
    : path_(dir_.file("notify")), fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (!fd_ || path_.size() >= sizeof(address.sun_path)) throw std::runtime_error("notify socket: " + path_);
  std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
  if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    throw std::runtime_error("cannot bind " + path_);
  }
}

std::optional<std::string> NotifySocket::receive(Millis timeout) {
  pollfd readable{fd_.get(), POLLIN, 0};
  if (::poll(&readable, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
  char message[4096];
  const ssize_t length = ::recv(fd_.get(), message, sizeof(message), 0);
  if (length < 0) return std::nullopt;
  return std::string(message, static_cast<size_t>(length));
}

}  // namespace fulcrum::test
