#include "test/support/udp_proxy_config.h"

#include <fmt/format.h>

namespace fulcrum::test {

std::string udpProxyConfig(const UdpProxySpec& spec) {
  std::string text = fmt::format("[runtime]\nworkers = {}\nshutdown_grace = \"{}\"\n", spec.workers,
                                 spec.shutdown_grace);
  if (spec.withdraw_delay) text += fmt::format("withdraw_delay = \"{}\"\n", *spec.withdraw_delay);
  if (spec.admin_port) text += fmt::format("\n[admin]\nbind = \"127.0.0.1:{}\"\n", *spec.admin_port);
  text += fmt::format(
      "\n[[listeners]]\n"
      "name = \"udp\"\n"
      "bind = \"127.0.0.1:{}\"\n"
      "protocol = \"udp\"\n"
      "pool = \"backends\"\n"
      "idle_timeout = \"{}\"\n",
      spec.listen_port, spec.idle_timeout);
  if (spec.max_sessions) text += fmt::format("max_sessions = {}\n", *spec.max_sessions);
  text += fmt::format(
      "\n[[pools]]\n"
      "name = \"backends\"\n"
      "balance = \"{}\"\n"
      "hash_key = \"{}\"\n"
      "drain_timeout = \"{}\"\n",
      spec.balance, spec.hash_key, spec.drain_timeout);
  if (spec.health_check) {
    text += fmt::format(
        "\n  [pools.health_check]\n"
        "  type = \"tcp\"\n"
        "  interval = \"{}\"\n"
        "  timeout = \"{}\"\n"
        "  rise = {}\n"
        "  fall = {}\n",
        spec.health_check->interval, spec.health_check->timeout, spec.health_check->rise,
        spec.health_check->fall);
  }
  for (const UdpBackendSpec& backend : spec.backends) {
    text += fmt::format("\n  [[pools.backends]]\n  address = \"127.0.0.1:{}\"\n  weight = {}\n", backend.port,
                        backend.weight);
  }
  return text;
}

}  // namespace fulcrum::test
