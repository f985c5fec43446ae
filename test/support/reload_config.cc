#include "test/support/reload_config.h"

#include <fmt/format.h>

namespace fulcrum::test {

std::string reloadConfig(const ReloadSpec& spec) {
  std::string text = fmt::format(
      "[runtime]\nworkers = {}\nshutdown_grace = \"2s\"\n\n"
      "[admin]\nbind = \"127.0.0.1:{}\"\n\n"
      "[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:{}\"\npool = \"{}\"\n",
      spec.workers, spec.admin_port, spec.listen_port, spec.listener_pool);
  for (const ReloadPoolSpec& pool : spec.pools) {
    text += fmt::format("\n[[pools]]\nname = \"{}\"\nbalance = \"{}\"\ndrain_timeout = \"{}\"\n", pool.name,
                        pool.balance, pool.drain_timeout);
    for (const uint16_t port : pool.backend_ports) {
      text += fmt::format("  [[pools.backends]]\n  address = \"127.0.0.1:{}\"\n", port);
    }
  }
  return text;
}

}  // namespace fulcrum::test
