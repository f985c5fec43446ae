#pragma once
#include <string>

#include "lb/pool/backend.h"

namespace fulcrum {

// Logs a failed backend connect with its context (listener, pool, backend, reason),
// at most once a second per backend so that a dead backend under load cannot flood
// the log.
void logConnectError(Backend& backend, const std::string& listener, const std::string& pool,
                     const char* reason);

}  // namespace fulcrum
