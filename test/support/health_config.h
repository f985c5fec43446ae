#pragma once
// TOML text for health-check tests: TCP listeners on 127.0.0.1, each in front of a pool
// of 127.0.0.1 backends with a [pools.health_check] table (or none).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::test {

struct HealthCheckSpec {
  std::string type = "tcp";  // "tcp", "http" or "none"
  std::string interval = "300ms";
  std::string timeout = "200ms";
  unsigned rise = 2;
  unsigned fall = 2;
  std::string path = "/healthz";
  unsigned expect_status = 200;
  std::optional<uint16_t> port = std::nullopt;
};

struct HealthPoolSpec {
  std::string name = "backends";
  std::vector<uint16_t> backend_ports = {};
  std::optional<HealthCheckSpec> health_check = HealthCheckSpec{};  // nullopt: no table
};

struct HealthListenerSpec {
  std::string name = "test";
  uint16_t port = 0;
  std::string pool = "backends";
};

struct HealthProxySpec {
  std::vector<HealthListenerSpec> listeners = {};
  std::vector<HealthPoolSpec> pools = {};
  unsigned workers = 2;
  std::string connect_timeout = "1s";
  unsigned retries = 2;
};

std::string healthProxyConfig(const HealthProxySpec& spec);

// The log line fragment of a health transition (lb/health/probe.h), e.g.
// `backend 127.0.0.1:4000 up -> down`.
std::string healthTransition(uint16_t backend_port, const std::string& from, const std::string& to);

}  // namespace fulcrum::test
