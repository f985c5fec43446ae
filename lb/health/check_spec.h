#pragma once
// What one backend's active check does, derived once from the pool's health_check
// config (INTERFACE.md, [pools.health_check]): where to connect, and for http the
// exact request bytes and the status that counts as success.
#include <string>

#include "common/duration.h"
#include "common/socket_address.h"
#include "lb/config/config.h"

namespace fulcrum {

struct CheckSpec {
  config::HealthCheckType type = config::HealthCheckType::kTcp;
  SocketAddress address;  // the backend's address, with health_check.port when set
  Duration timeout{1000};
  std::string request;  // http: the whole request; empty for tcp
  unsigned expect_status = 200;
};

// `address` is the backend's traffic address and `host` its configured host (name or
// literal, IPv6 without brackets), used for the Host header.
CheckSpec makeCheckSpec(const config::HealthCheckConfig& check, const SocketAddress& address, const std::string& host);

// `address` with its port replaced.
SocketAddress withPort(const SocketAddress& address, uint16_t port);

// The http check's request (RFC 9112, section 3): GET with the path as origin-form
// target, Host as "host:port" (RFC 9110, section 7.2; IPv6 in brackets), and
// `Connection: close` so that the backend ends the exchange.
std::string makeHttpCheckRequest(const std::string& path, const std::string& host, uint16_t port);

}  // namespace fulcrum
