#pragma once
// TOML for reload tests: an admin endpoint, one TCP listener, and pools of 127.0.0.1
// backends that the test rewrites between SIGHUPs.
#include <cstdint>
#include <string>
#include <vector>

namespace fulcrum::test {

struct ReloadPoolSpec {
  std::string name;
  std::vector<uint16_t> backend_ports;
  std::string balance = "round_robin";
  std::string drain_timeout = "60s";
};

struct ReloadSpec {
  uint16_t admin_port = 0;
  uint16_t listen_port = 0;
  std::string listener_pool = "blue";
  unsigned workers = 2;
  std::vector<ReloadPoolSpec> pools;
};

std::string reloadConfig(const ReloadSpec& spec);

}  // namespace fulcrum::test
