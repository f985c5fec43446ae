#pragma once
// Smooth weighted round robin, the algorithm of nginx's upstream module (nginx commit
// "Upstream: smooth weighted round-robin balancing", Maxim Dounin, 2012; see
// ngx_http_upstream_get_peer in src/http/ngx_http_upstream_round_robin.c): on every pick
// each candidate's current value grows by its weight, the largest current value wins
// (the lowest index on a tie) and the winner's value drops by the total weight.
// Weights {5, 1, 1} give a a b a c a a, repeating: proportional and interleaved.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fulcrum {

// One smooth weighted round robin step over candidates 0 .. count - 1. Candidates with
// weight 0 or for which `eligible(i)` is false take no part (their current value stays).
// Returns the chosen index, or -1 when no candidate takes part.
template <typename IsEligible>
long smoothWeightedStep(const uint32_t* weights, int64_t* current, size_t count, IsEligible&& eligible) {
  int64_t total = 0;
  long best = -1;
  for (size_t i = 0; i < count; ++i) {
    if (weights[i] == 0 || !eligible(i)) continue;
    current[i] += weights[i];
    total += weights[i];
    if (best < 0 || current[i] > current[best]) best = static_cast<long>(i);
  }
  if (best >= 0) current[best] -= total;
  return best;
}

// One period of the smooth weighted round robin sequence for `weights`: sum(weights)
// indices into `weights`, starting from all current values at 0 (after one period they
// are all 0 again, so the sequence repeats). Weight-0 entries never appear; empty when
// every weight is 0. Takes O(sum × size) time and sum × 4 bytes: callers bound the sum.
std::vector<uint32_t> buildSmoothWeightedSchedule(const std::vector<uint32_t>& weights);

}  // namespace fulcrum
