#include "test/support/udp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "test/support/loopback_address.h"

namespace fulcrum::test {
namespace {

// /proc/net/udp: "sl local_address rem_address st ...", local_address is HEXIP:HEXPORT
// (proc(5)).
bool procTableHasPort(const char* path, uint16_t port) {
  std::ifstream table(path);
  std::string line;
  std::getline(table, line);  // header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local;
    if (!(fields >> slot >> local)) continue;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) return true;
  }
  return false;
}

}  // namespace

UdpClient::UdpClient() {
  fd_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_) throw std::runtime_error("socket() failed");
  sockaddr_in address = loopbackAddress();
  socklen_t length = sizeof(address);
  if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("udp bind on 127.0.0.1:0 failed");
  }
  local_port_ = ntohs(address.sin_port);
}

bool UdpClient::sendTo(uint16_t port, std::string_view payload) {
  const sockaddr_in target = loopbackAddress(port);
  const ssize_t sent = ::sendto(fd_.get(), payload.data(), payload.size(), 0,
                                reinterpret_cast<const sockaddr*>(&target), sizeof(target));
  return sent == static_cast<ssize_t>(payload.size());
}

std::optional<Datagram> UdpClient::receive(Millis timeout) {
  const Deadline deadline(timeout);
  std::string buffer(64 * 1024, '\0');
  while (true) {
    sockaddr_in source{};
    socklen_t source_length = sizeof(source);
    const ssize_t got = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&source), &source_length);
    if (got >= 0) {
      Datagram datagram;
      datagram.payload.assign(buffer.data(), static_cast<size_t>(got));
      std::array<char, INET_ADDRSTRLEN> host{};
      ::inet_ntop(AF_INET, &source.sin_addr, host.data(), host.size());
      datagram.source_host = host.data();
      datagram.source_port = ntohs(source.sin_port);
      return datagram;
    }
    // ECONNREFUSED and the like are ICMP errors for earlier sends; keep waiting.
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNREFUSED) return std::nullopt;
    if (deadline.expired()) return std::nullopt;
    pollfd entry{fd_.get(), POLLIN, 0};
    ::poll(&entry, 1, deadline.pollTimeout());
  }
}

std::optional<Datagram> UdpClient::roundTrip(uint16_t port, std::string_view payload, Millis timeout) {
  if (!sendTo(port, payload)) return std::nullopt;
  return receive(timeout);
}

bool UdpClient::staysQuiet(Millis duration) { return !receive(duration).has_value(); }

bool isUdpPortBound(uint16_t port) {
  return procTableHasPort("/proc/net/udp", port) || procTableHasPort("/proc/net/udp6", port);
}

bool waitForUdpPort(uint16_t port, Millis timeout) {
  return eventually(timeout, [&] { return isUdpPortBound(port); });
}

}  // namespace fulcrum::test
