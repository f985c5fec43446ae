#pragma once
// TOML text for the common test setup: one TCP listener on 127.0.0.1 in front of one
// pool of 127.0.0.1 backends, without health checks (so every backend counts as up and
// no check connection disturbs what the backends count).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::test {

struct TcpProxySpec {
  uint16_t listen_port = 0;
  std::vector<uint16_t> backend_ports = {};
  unsigned workers = 2;
  std::string shutdown_grace = "5s";
  std::optional<std::string> withdraw_delay = std::nullopt;  // written only when set
  std::string connect_timeout = "1s";
  unsigned retries = 2;
  std::string idle_timeout = "5m";
  uint64_t max_connections = 0;
  std::string balance = "round_robin";
};

std::string tcpProxyConfig(const TcpProxySpec& spec);

}  // namespace fulcrum::test
