#include "lb/runtime/readiness.h"

#include <algorithm>

namespace fulcrum {

bool anyListenerCanServe(const Topology& topology) {
  return std::any_of(topology.listeners.begin(), topology.listeners.end(), [](const auto& listener) {
    const Pool* pool = listener->pool();
    return pool != nullptr && std::any_of(pool->backends().begin(), pool->backends().end(),
                                          [](const auto& backend) { return backend->eligible(); });
  });
}

}  // namespace fulcrum
