#include "test/support/blackhole_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <stdexcept>

#include "test/support/loopback_address.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {

BlackholeListener::BlackholeListener() {
  listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener_) throw std::runtime_error("BlackholeListener: socket failed");
  sockaddr_in address = loopbackAddress();
  socklen_t length = sizeof(address);
  // Linux admits backlog + 1 connections to the accept queue, so backlog 0 holds one.
  if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener_.get(), 0) != 0 ||
      ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("BlackholeListener: bind/listen failed");
  }
  port_ = ntohs(address.sin_port);
  filler_ = connectTcp(port_, std::chrono::milliseconds(1000));
  if (!filler_) throw std::runtime_error("BlackholeListener: could not fill the accept queue");
}

}  // namespace fulcrum::test
