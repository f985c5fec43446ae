// The rise/fall state machine of the health checker (lb/health/rise_fall.h).
#include <catch2/catch.hpp>

#include "lb/health/rise_fall.h"

namespace fulcrum {
namespace {

TEST_CASE("an unknown backend stays unknown until rise successes, then is up", "[health]") {
  RiseFallTracker tracker(3, 2);
  CHECK(tracker.state() == HealthState::kUnknown);
  CHECK(tracker.record(true) == std::nullopt);
  CHECK(tracker.record(true) == std::nullopt);
  CHECK(tracker.state() == HealthState::kUnknown);
  CHECK(tracker.record(true) == HealthState::kUp);
  CHECK(tracker.state() == HealthState::kUp);
}

TEST_CASE("an unknown backend is down after fall failures", "[health]") {
  RiseFallTracker tracker(2, 3);
  CHECK(tracker.record(false) == std::nullopt);
  CHECK(tracker.record(false) == std::nullopt);
  CHECK(tracker.state() == HealthState::kUnknown);
  CHECK(tracker.record(false) == HealthState::kDown);
}

TEST_CASE("an up backend goes down only after fall consecutive failures", "[health]") {
  RiseFallTracker tracker(2, 3, HealthState::kUp);
  CHECK(tracker.record(false) == std::nullopt);
  CHECK(tracker.record(false) == std::nullopt);
  CHECK(tracker.record(true) == std::nullopt);  // restarts the count
  CHECK(tracker.record(false) == std::nullopt);
  CHECK(tracker.record(false) == std::nullopt);
  CHECK(tracker.state() == HealthState::kUp);
  CHECK(tracker.record(false) == HealthState::kDown);
}

TEST_CASE("a down backend comes up only after rise consecutive successes", "[health]") {
  RiseFallTracker tracker(2, 3, HealthState::kDown);
  CHECK(tracker.record(true) == std::nullopt);
  CHECK(tracker.record(false) == std::nullopt);  // restarts the count
  CHECK(tracker.record(true) == std::nullopt);
  CHECK(tracker.state() == HealthState::kDown);
  CHECK(tracker.record(true) == HealthState::kUp);
}

TEST_CASE("more verdicts of the same kind change nothing once the state is reached", "[health]") {
  RiseFallTracker tracker(1, 1);
  CHECK(tracker.record(false) == HealthState::kDown);
  CHECK(tracker.record(false) == std::nullopt);
  CHECK(tracker.record(true) == HealthState::kUp);
  CHECK(tracker.record(true) == std::nullopt);
  CHECK(tracker.state() == HealthState::kUp);
}

TEST_CASE("streaks are counted and saturate at the thresholds", "[health]") {
  RiseFallTracker tracker(2, 3, HealthState::kUp);
  for (int i = 0; i < 5; ++i) tracker.record(false);
  CHECK(tracker.consecutiveFailures() == 3);
  CHECK(tracker.consecutiveSuccesses() == 0);
  tracker.record(true);
  CHECK(tracker.consecutiveFailures() == 0);
  CHECK(tracker.consecutiveSuccesses() == 1);
}

TEST_CASE("falling towards down holds between the first failure and down", "[health]") {
  RiseFallTracker tracker(2, 2, HealthState::kUp);
  CHECK_FALSE(tracker.fallingTowardsDown());
  tracker.record(false);
  CHECK(tracker.fallingTowardsDown());
  tracker.record(false);
  CHECK(tracker.state() == HealthState::kDown);
  CHECK_FALSE(tracker.fallingTowardsDown());
}

TEST_CASE("a success ends falling towards down", "[health]") {
  RiseFallTracker tracker(2, 3);
  tracker.record(false);
  REQUIRE(tracker.fallingTowardsDown());
  tracker.record(true);
  CHECK_FALSE(tracker.fallingTowardsDown());
}

TEST_CASE("rise and fall of zero behave as one", "[health]") {
  RiseFallTracker tracker(0, 0);
  CHECK(tracker.record(false) == HealthState::kDown);
  CHECK(tracker.record(true) == HealthState::kUp);
}

}  // namespace
}  // namespace fulcrum
