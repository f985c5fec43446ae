#pragma once
// GET /api/v1/status (INTERFACE.md, "Admin API"):
//   {"version","listeners":[{"name","bind","protocol","pool","active_connections"}],
//    "pools":[{"name","balance","backends":[{"address","weight","state","active_connections"}]}]}
#include <string_view>

#include <nlohmann/json.hpp>

#include "lb/runtime/topology.h"

namespace fulcrum::admin {

// A udp listener's active_connections are its open sessions.
nlohmann::json statusJson(const Topology& topology, std::string_view version);

}  // namespace fulcrum::admin
