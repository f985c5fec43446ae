#include "lb/proxy/connect_error_log.h"

#include "common/log.h"

namespace fulcrum {

void logConnectError(Backend& backend, const std::string& listener, const std::string& pool,
                     const char* reason) {
  if (!backend.connectErrorLog().allow()) return;
  log::warn("listener \"{}\": connect to backend {} of pool \"{}\" failed: {}", listener, backend.name(),
            pool, reason);
}

}  // namespace fulcrum
