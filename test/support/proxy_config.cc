#include "test/support/proxy_config.h"

#include <fmt/format.h>

namespace fulcrum::test {

std::string tcpProxyConfig(const TcpProxySpec& spec) {
  std::string text = fmt::format(
      "[runtime]\n"
      "workers = {}\n"
      "shutdown_grace = \"{}\"\n",
      spec.workers, spec.shutdown_grace);
  if (spec.withdraw_delay) text += fmt::format("withdraw_delay = \"{}\"\n", *spec.withdraw_delay);
  if (spec.admin_port) {
    text += fmt::format("\n[admin]\nbind = \"127.0.0.1:{}\"\n", *spec.admin_port);
    if (spec.admin_token) text += fmt::format("token = \"{}\"\n", *spec.admin_token);
  }
  text += fmt::format(
      "\n[[listeners]]\n"
      "name = \"{}\"\n"
      "bind = \"127.0.0.1:{}\"\n"
      "protocol = \"tcp\"\n"
      "pool = \"{}\"\n"
      "connect_timeout = \"{}\"\n"
      "retries = {}\n"
      "idle_timeout = \"{}\"\n"
      "max_connections = {}\n"
      "\n[[pools]]\n"
      "name = \"{}\"\n"
      "balance = \"{}\"\n",
      spec.listener_name, spec.listen_port, spec.pool_name, spec.connect_timeout, spec.retries, spec.idle_timeout,
      spec.max_connections, spec.pool_name, spec.balance);
  if (spec.drain_timeout) text += fmt::format("drain_timeout = \"{}\"\n", *spec.drain_timeout);
  for (const uint16_t port : spec.backend_ports) {
    text += fmt::format("\n  [[pools.backends]]\n  address = \"127.0.0.1:{}\"\n", port);
  }
  return text;
}

}  // namespace fulcrum::test
