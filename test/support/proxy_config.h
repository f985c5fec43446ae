#pragma once
// TOML text for the common test setup: one TCP listener on 127.0.0.1 in front of one
// pool of 127.0.0.1 backends, without health checks (so every backend counts as up and
// no check connection disturbs what the backends count), and optionally the admin API.
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
  // The names appear in admin API paths and metric labels, which admin tests assert on.
  std::string listener_name = "test";
  std::string pool_name = "backends";
  std::optional<std::string> drain_timeout = std::nullopt;  // written only when set
  // The [admin] table, bound to 127.0.0.1:admin_port; written only when admin_port is set.
  std::optional<uint16_t> admin_port = std::nullopt;
  std::optional<std::string> admin_token = std::nullopt;  // written only with admin_port
};

std::string tcpProxyConfig(const TcpProxySpec& spec);

}  // namespace fulcrum::test
