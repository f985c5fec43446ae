#pragma once
// A UDP socket on 127.0.0.1 (ephemeral port) whose receives time out after 2 s, for unit
// tests that send datagrams with the proxy's own senders and look at what arrives.
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <string>

#include "test/support/loopback_address.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {

struct LoopbackUdpSocket {
  UniqueFd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  sockaddr_in address = loopbackAddress();

  LoopbackUdpSocket() {
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
    timeval timeout{2, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }

  const sockaddr* sockaddrPointer() const { return reinterpret_cast<const sockaddr*>(&address); }

  // The next datagram, or "<none>" when none comes within 2 s.
  std::string receive() const {
    std::string buffer(70000, '\0');
    const ssize_t got = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
    if (got < 0) return "<none>";
    buffer.resize(static_cast<size_t>(got));
    return buffer;
  }
};

}  // namespace fulcrum::test
