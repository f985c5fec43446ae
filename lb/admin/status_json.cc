#include "lb/admin/status_json.h"

#include "lb/metrics/reported_state.h"

namespace fulcrum::admin {

using nlohmann::json;

nlohmann::json statusJson(const Topology& topology, std::string_view version) {
  json listeners = json::array();
  for (const auto& listener : topology.listeners) {
    const Pool* pool = listener->pool();
    // A udp listener's "connections" are its sessions.
    const bool udp = listener->config().protocol == config::Protocol::kUdp;
    const int64_t active = udp ? listener->counters().udp_sessions_active.load(std::memory_order_relaxed)
                               : listener->activeConnections();
    listeners.push_back({
        {"name", listener->name()},
        {"bind", listener->config().bind.text},
        {"protocol", config::toString(listener->config().protocol)},
        {"pool", pool != nullptr ? pool->name() : std::string()},
        {"active_connections", active},
    });
  }
  json pools = json::array();
  for (const auto& pool : topology.pools) {
    json backends = json::array();
    for (const auto& backend : pool->listedBackends()) {
      backends.push_back({
          {"address", backend->name()},
          {"weight", backend->weight()},
          {"state", toString(reportedState(*pool, *backend))},
          {"active_connections", backend->activeConnections()},
      });
    }
    pools.push_back({
        {"name", pool->name()},
        {"balance", config::toString(pool->config().balance)},
        {"backends", std::move(backends)},
    });
  }
  return json{{"version", std::string(version)}, {"listeners", std::move(listeners)}, {"pools", std::move(pools)}};
}

}  // namespace fulcrum::admin
