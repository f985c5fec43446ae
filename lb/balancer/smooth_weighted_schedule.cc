#include "lb/balancer/smooth_weighted_schedule.h"

#include <numeric>

namespace fulcrum {

std::vector<uint32_t> buildSmoothWeightedSchedule(const std::vector<uint32_t>& weights) {
  const uint64_t total = std::accumulate(weights.begin(), weights.end(), uint64_t{0});
  std::vector<uint32_t> schedule;
  schedule.reserve(total);
  std::vector<int64_t> current(weights.size(), 0);
  for (uint64_t step = 0; step < total; ++step) {
    const long chosen =
        smoothWeightedStep(weights.data(), current.data(), weights.size(), [](size_t) { return true; });
    schedule.push_back(static_cast<uint32_t>(chosen));
  }
  return schedule;
}

}  // namespace fulcrum
