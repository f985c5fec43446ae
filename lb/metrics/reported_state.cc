#include "lb/metrics/reported_state.h"

namespace fulcrum {

ReportedState reportedState(const Pool& pool, const Backend& backend) {
  if (backend.draining()) return ReportedState::kDraining;
  switch (backend.health()) {
    case HealthState::kUp: return ReportedState::kUp;
    case HealthState::kDown: return ReportedState::kDown;
    case HealthState::kUnknown: break;
  }
  return pool.config().health_check.type == config::HealthCheckType::kNone ? ReportedState::kUp
                                                                            : ReportedState::kUnknown;
}

const char* toString(ReportedState state) {
  switch (state) {
    case ReportedState::kUp: return "up";
    case ReportedState::kDown: return "down";
    case ReportedState::kUnknown: return "unknown";
    case ReportedState::kDraining: return "draining";
  }
  return "unknown";
}

}  // namespace fulcrum
