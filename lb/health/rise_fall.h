#pragma once
// Turns a backend's sequence of check verdicts into its health state, with HAProxy's
// rise/fall rule (HAProxy 2.6 configuration manual, "rise" and "fall" server options)
// and fulcrum's `unknown` start state (INTERFACE.md: a backend starts `unknown` and is
// treated as up until the health check decides):
//   unknown -> up    after `rise` consecutive successes
//   unknown -> down  after `fall` consecutive failures
//   up      -> down  after `fall` consecutive failures
//   down    -> up    after `rise` consecutive successes
// A verdict of the other kind restarts the count. Unlike HAProxy, which starts servers
// UP, an unknown backend needs the full `rise` to be reported up: it already takes
// traffic while unknown, so waiting costs nothing, and `up` then means "proven".
// Pure: no clock, no I/O.
#include <cstdint>
#include <optional>

#include "lb/pool/backend.h"

namespace fulcrum {

class RiseFallTracker {
 public:
  // `rise` and `fall` are at least 1 (the config loader guarantees it; 0 is taken as 1).
  RiseFallTracker(unsigned rise, unsigned fall, HealthState initial = HealthState::kUnknown);

  // Records one verdict. Returns the new state when this verdict changed it.
  std::optional<HealthState> record(bool success);

  HealthState state() const { return state_; }
  unsigned consecutiveSuccesses() const { return successes_; }
  unsigned consecutiveFailures() const { return failures_; }
  // True while failures are piling up towards `down` (state not down yet, at least one
  // failure in a row): the moment to re-check quickly.
  bool fallingTowardsDown() const { return state_ != HealthState::kDown && failures_ > 0; }

 private:
  const unsigned rise_;
  const unsigned fall_;
  HealthState state_;
  unsigned successes_ = 0;
  unsigned failures_ = 0;
};

}  // namespace fulcrum
