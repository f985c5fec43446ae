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
  text += fmt::format(
      "\n[[listeners]]\n"
      "name = \"test\"\n"
      "bind = \"127.0.0.1:{}\"\n"
      "protocol = \"tcp\"\n"
      "pool = \"backends\"\n"
      "connect_timeout = \"{}\"\n"
      "retries = {}\n"
      "idle_timeout = \"{}\"\n"
      "max_connections = {}\n"
      "\n[[pools]]\n"
      "name = \"backends\"\n"
      "balance = \"{}\"\n",
      spec.listen_port, spec.connect_timeout, spec.retries, spec.idle_timeout, spec.max_connections,
      spec.balance);
  for (const uint16_t port : spec.backend_ports) {
    text += fmt::format("\n  [[pools.backends]]\n  address = \"127.0.0.1:{}\"\n", port);
  }
  return text;
}

}  // namespace fulcrum::test
