#include "lb/health/check_spec.h"

#include <arpa/inet.h>

#include <fmt/format.h>

namespace fulcrum {

SocketAddress withPort(const SocketAddress& address, uint16_t port) {
  SocketAddress changed = SocketAddress::fromSockaddr(address.get(), address.length());
  if (changed.family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(changed.get())->sin_port = htons(port);
  } else if (changed.family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(changed.get())->sin6_port = htons(port);
  }
  return changed;
}

std::string makeHttpCheckRequest(const std::string& path, const std::string& host, uint16_t port) {
  const bool ipv6_literal = host.find(':') != std::string::npos;
  return fmt::format(
      "GET {} HTTP/1.1\r\n"
      "Host: {}{}{}:{}\r\n"
      "User-Agent: fulcrum-health-check/{}\r\n"
      "Accept: */*\r\n"
      "Connection: close\r\n"
      "\r\n",
      path, ipv6_literal ? "[" : "", host, ipv6_literal ? "]" : "", port, FULCRUM_VERSION);
}

CheckSpec makeCheckSpec(const config::HealthCheckConfig& check, const SocketAddress& address, const std::string& host) {
  CheckSpec spec;
  spec.type = check.type;
  spec.address = check.port ? withPort(address, *check.port) : address;
  spec.timeout = check.timeout;
  spec.expect_status = check.expect_status;
  if (check.type == config::HealthCheckType::kHttp) {
    spec.request = makeHttpCheckRequest(check.path, host, spec.address.port());
  }
  return spec;
}

}  // namespace fulcrum
