#pragma once
// The configured objects as control threads (admin, health, metrics) see them: an
// immutable list of pools and listeners. A reload publishes a new Topology; holders of
// the old one keep its objects alive.
#include <memory>
#include <string_view>
#include <vector>

#include "lb/pool/pool.h"
#include "lb/proxy/listener_state.h"

namespace fulcrum {

struct Topology {
  std::vector<std::shared_ptr<Pool>> pools;
  std::vector<std::shared_ptr<ListenerState>> listeners;

  std::shared_ptr<Pool> findPool(std::string_view name) const {
    for (const auto& pool : pools) {
      if (pool->name() == name) return pool;
    }
    return nullptr;
  }
  std::shared_ptr<ListenerState> findListener(std::string_view name) const {
    for (const auto& listener : listeners) {
      if (listener->name() == name) return listener;
    }
    return nullptr;
  }
};

}  // namespace fulcrum
