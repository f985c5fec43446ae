#include "lb/health/rise_fall.h"

#include <algorithm>

namespace fulcrum {

RiseFallTracker::RiseFallTracker(unsigned rise, unsigned fall, HealthState initial)
    : rise_(std::max(rise, 1u)), fall_(std::max(fall, 1u)), state_(initial) {}

std::optional<HealthState> RiseFallTracker::record(bool success) {
  // Streaks saturate at the threshold: a longer run means nothing more.
  if (success) {
    failures_ = 0;
    successes_ = std::min(successes_ + 1, rise_);
    if (state_ != HealthState::kUp && successes_ >= rise_) {
      state_ = HealthState::kUp;
      return state_;
    }
  } else {
    successes_ = 0;
    failures_ = std::min(failures_ + 1, fall_);
    if (state_ != HealthState::kDown && failures_ >= fall_) {
      state_ = HealthState::kDown;
      return state_;
    }
  }
  return std::nullopt;
}

}  // namespace fulcrum
