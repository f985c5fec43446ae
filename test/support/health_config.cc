#include "test/support/health_config.h"

#include <fmt/format.h>

namespace fulcrum::test {

std::string healthProxyConfig(const HealthProxySpec& spec) {
  std::string text = fmt::format("[runtime]\nworkers = {}\nshutdown_grace = \"2s\"\n", spec.workers);
  for (const HealthListenerSpec& listener : spec.listeners) {
    text += fmt::format(
        "\n[[listeners]]\nname = \"{}\"\nbind = \"127.0.0.1:{}\"\nprotocol = \"tcp\"\npool = \"{}\"\n"
        "connect_timeout = \"{}\"\nretries = {}\n",
        listener.name, listener.port, listener.pool, spec.connect_timeout, spec.retries);
  }
  for (const HealthPoolSpec& pool : spec.pools) {
    text += fmt::format("\n[[pools]]\nname = \"{}\"\n", pool.name);
    if (pool.health_check) {
      const HealthCheckSpec& check = *pool.health_check;
      text += fmt::format(
          "\n  [pools.health_check]\n  type = \"{}\"\n  interval = \"{}\"\n  timeout = \"{}\"\n  rise = {}\n"
          "  fall = {}\n",
          check.type, check.interval, check.timeout, check.rise, check.fall);
      if (check.type == "http") {
        text += fmt::format("  path = \"{}\"\n  expect_status = {}\n", check.path, check.expect_status);
      }
      if (check.port) text += fmt::format("  port = {}\n", *check.port);
    }
    for (const uint16_t port : pool.backend_ports) {
      text += fmt::format("\n  [[pools.backends]]\n  address = \"127.0.0.1:{}\"\n", port);
    }
  }
  return text;
}

std::string healthTransition(uint16_t backend_port, const std::string& from, const std::string& to) {
  return fmt::format("backend 127.0.0.1:{} {} -> {}", backend_port, from, to);
}

}  // namespace fulcrum::test
