#pragma once
// 127.0.0.1:port as a sockaddr_in (port 0: any free port, for bind). Tests never use
// another address.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>

namespace fulcrum::test {

inline sockaddr_in loopbackAddress(uint16_t port = 0) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return address;
}

}  // namespace fulcrum::test
