#pragma once
// TOML text for UDP proxy tests: one udp listener on 127.0.0.1 in front of one pool of
// 127.0.0.1 backends, optionally with the admin API and a tcp health check.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::test {

struct UdpHealthCheckSpec {
  std::string interval = "200ms";
  std::string timeout = "200ms";
  unsigned rise = 1;
  unsigned fall = 1;
};

struct UdpBackendSpec {
  uint16_t port = 0;
  unsigned weight = 1;
};

struct UdpProxySpec {
  uint16_t listen_port = 0;
  std::vector<UdpBackendSpec> backends = {};
  unsigned workers = 1;
  std::string shutdown_grace = "5s";
  std::optional<std::string> withdraw_delay = std::nullopt;  // written only when set
  std::string idle_timeout = "5m";
  std::optional<uint64_t> max_sessions = std::nullopt;  // written only when set
  std::string balance = "round_robin";
  std::string hash_key = "source_ip";
  std::string drain_timeout = "60s";
  std::optional<uint16_t> admin_port = std::nullopt;  // [admin] on 127.0.0.1 when set
  // A tcp check of each backend's own port number (TCP and UDP ports are separate, so
  // the test decides with a TCP listener on that number whether the backend is up).
  std::optional<UdpHealthCheckSpec> health_check = std::nullopt;
};

std::string udpProxyConfig(const UdpProxySpec& spec);

}  // namespace fulcrum::test
