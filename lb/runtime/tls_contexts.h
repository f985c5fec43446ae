#pragma once
// The TLS contexts of a config's TLS listeners, built before anything runs (start-up)
// or changes (reload), so that a bad certificate fails the whole load.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lb/config/config.h"
#include "lb/proxy/tls_context.h"

namespace fulcrum {

using TlsContexts = std::map<std::string, std::shared_ptr<const TlsContext>>;  // by listener name

// One context per listener with a [listeners.tls] table; nullopt with every problem in
// *errors ("FILE: error: ...") when any of them cannot be built.
std::optional<TlsContexts> loadTlsContexts(const config::Config& config, std::vector<std::string>* errors);

}  // namespace fulcrum
