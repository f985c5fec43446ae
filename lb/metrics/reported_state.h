#pragma once
// The state an operator sees for a backend: the `state` of GET /api/v1/status and the
// `state` label of fulcrum_backend_state (INTERFACE.md, "Admin API" and "Metrics").
#include <array>

#include "lb/pool/backend.h"
#include "lb/pool/pool.h"

namespace fulcrum {

enum class ReportedState { kUp, kDown, kUnknown, kDraining };

inline constexpr std::array<ReportedState, 4> kAllReportedStates = {
    ReportedState::kUp, ReportedState::kDown, ReportedState::kUnknown, ReportedState::kDraining};

// Draining overrides health. In a pool without health checks (type "none") a backend
// is always up per the contract, so it reports "up" unless something marked it down.
ReportedState reportedState(const Pool& pool, const Backend& backend);

// "up", "down", "unknown" or "draining".
const char* toString(ReportedState state);

}  // namespace fulcrum
