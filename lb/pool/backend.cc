#include "lb/pool/backend.h"

namespace fulcrum {

const char* toString(HealthState state) {
  switch (state) {
    case HealthState::kUnknown: return "unknown";
    case HealthState::kUp: return "up";
    case HealthState::kDown: return "down";
  }
  return "unknown";
}

}  // namespace fulcrum
