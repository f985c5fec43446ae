// round_robin: smooth weighted round robin (lb/balancer/round_robin.h).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lb/balancer/round_robin.h"
#include "lb/balancer/smooth_weighted_schedule.h"

namespace fulcrum {
namespace {

using Backends = std::vector<std::shared_ptr<Backend>>;

// Backends named 10.0.0.1:8080, 10.0.0.2:8080, ... with the given weights, all up.
Backends makeBackends(const std::vector<uint32_t>& weights) {
  Backends backends;
  for (size_t i = 0; i < weights.size(); ++i) {
    const std::string host = fmt::format("10.0.0.{}", i + 1);
    auto backend = std::make_shared<Backend>(host + ":8080", SocketAddress::fromNumeric(host, 8080).value(), weights[i]);
    backend->setHealth(HealthState::kUp);
    backends.push_back(std::move(backend));
  }
  return backends;
}

// The next `count` picks of `worker` as letters: 'a' for backends[0], 'b' for [1], ...
// '-' for nullptr, '?' for a backend not in the list.
std::string pickLetters(Balancer& balancer, const Backends& backends, size_t count, unsigned worker = 0) {
  std::string letters;
  for (size_t i = 0; i < count; ++i) {
    Backend* picked = balancer.pick(PickContext{worker, 0});
    char letter = picked == nullptr ? '-' : '?';
    for (size_t j = 0; j < backends.size(); ++j) {
      if (backends[j].get() == picked) letter = static_cast<char>('a' + j);
    }
    letters.push_back(letter);
  }
  return letters;
}

// The longest run of `letter` in `letters`.
size_t longestRun(const std::string& letters, char letter) {
  size_t longest = 0;
  size_t run = 0;
  for (char c : letters) {
    run = c == letter ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

}  // namespace

TEST_CASE("buildSmoothWeightedSchedule gives nginx's sequence for weights 5,1,1", "[balancer]") {
  CHECK(buildSmoothWeightedSchedule({5, 1, 1}) == std::vector<uint32_t>{0, 0, 1, 0, 2, 0, 0});
}

TEST_CASE("buildSmoothWeightedSchedule skips weight 0 and is empty without weight", "[balancer]") {
  CHECK(buildSmoothWeightedSchedule({2, 0, 1}) == std::vector<uint32_t>{0, 2, 0});
  CHECK(buildSmoothWeightedSchedule({0, 0}).empty());
  CHECK(buildSmoothWeightedSchedule({}).empty());
}

TEST_CASE("round_robin picks a a b a c a a for weights 5,1,1", "[balancer]") {
  const Backends backends = makeBackends({5, 1, 1});
  RoundRobinBalancer balancer(1);
  balancer.update(backends);
  CHECK(balancer.usesSchedule());
  CHECK(pickLetters(balancer, backends, 14) == "aabacaaaabacaa");
}

TEST_CASE("round_robin cycles through equal weights in order", "[balancer]") {
  const Backends backends = makeBackends({1, 1, 1});
  RoundRobinBalancer balancer(1);
  balancer.update(backends);
  CHECK(pickLetters(balancer, backends, 9) == "abcabcabc");
}

TEST_CASE("round_robin splits weights 3:1 exactly 3000:1000 over 4000 picks, interleaved", "[balancer]") {
  const Backends backends = makeBackends({3, 1});
  RoundRobinBalancer balancer(1);
  balancer.update(backends);
  const std::string letters = pickLetters(balancer, backends, 4000);
  CHECK(std::count(letters.begin(), letters.end(), 'a') == 3000);
  CHECK(std::count(letters.begin(), letters.end(), 'b') == 1000);
  CHECK(longestRun(letters, 'a') == 3);
  CHECK(longestRun(letters, 'b') == 1);
}

TEST_CASE("round_robin: after one of three equal backends leaves, the other two strictly alternate", "[balancer]") {
  for (size_t leaving = 0; leaving < 3; ++leaving) {
    for (size_t before = 1; before <= 6; ++before) {
      const Backends backends = makeBackends({1, 1, 1});
      RoundRobinBalancer balancer(1);
      balancer.update(backends);
      const std::string first = pickLetters(balancer, backends, before);
      backends[leaving]->setHealth(HealthState::kDown);
      balancer.update(backends);
      const std::string after = pickLetters(balancer, backends, 12);
      INFO("leaving " << leaving << ", picks before " << first << ", after " << after);
      CHECK(after.find(static_cast<char>('a' + leaving)) == std::string::npos);
      // Including the last pick before the change: no backend twice in a row.
      const std::string window = first.back() + after;
      for (size_t i = 1; i < window.size(); ++i) CHECK(window[i] != window[i - 1]);
    }
  }
}

TEST_CASE("round_robin: a weighted backend leaving causes no run beyond the fair share", "[balancer]") {
  // Weights 3,2,1 without c leave 3,2: a's fair run is ceil(3/2) = 2, b's ceil(2/3) = 1.
  for (size_t before = 1; before <= 12; ++before) {
    const Backends backends = makeBackends({3, 2, 1});
    RoundRobinBalancer balancer(1);
    balancer.update(backends);
    const std::string first = pickLetters(balancer, backends, before);
    backends[2]->setHealth(HealthState::kDown);
    balancer.update(backends);
    const std::string after = pickLetters(balancer, backends, 20);
    const std::string window = first.back() + after;
    INFO("picks before " << first << ", after " << after);
    CHECK(after.find('c') == std::string::npos);
    CHECK(longestRun(window, 'a') <= 2);
    CHECK(longestRun(window, 'b') == 1);
    CHECK(std::count(after.begin(), after.end(), 'a') == 12);
  }
}

TEST_CASE("round_robin never picks a backend of weight 0", "[balancer]") {
  const Backends backends = makeBackends({1, 0, 2});
  RoundRobinBalancer balancer(1);
  balancer.update(backends);
  const std::string letters = pickLetters(balancer, backends, 300);
  CHECK(std::count(letters.begin(), letters.end(), 'a') == 100);
  CHECK(std::count(letters.begin(), letters.end(), 'b') == 0);
  CHECK(std::count(letters.begin(), letters.end(), 'c') == 200);
}

TEST_CASE("round_robin never picks a draining backend", "[balancer]") {
  const Backends backends = makeBackends({1, 1, 1});
  RoundRobinBalancer balancer(1);
  backends[1]->setDraining(true);
  balancer.update(backends);
  const std::string letters = pickLetters(balancer, backends, 100);
  CHECK(std::count(letters.begin(), letters.end(), 'b') == 0);
  CHECK(std::count(letters.begin(), letters.end(), 'a') == 50);
}

TEST_CASE("round_robin skips a backend that turned ineligible before the update", "[balancer]") {
  const Backends backends = makeBackends({5, 1, 1});
  RoundRobinBalancer balancer(1);
  balancer.update(backends);
  backends[0]->setDraining(true);  // the schedule is mostly a; no update() yet
  const std::string letters = pickLetters(balancer, backends, 70);
  CHECK(std::count(letters.begin(), letters.end(), 'a') == 0);
  CHECK(std::count(letters.begin(), letters.end(), '-') == 0);
  CHECK(std::count(letters.begin(), letters.end(), 'b') + std::count(letters.begin(), letters.end(), 'c') == 70);
}

TEST_CASE("round_robin starts workers at different points of the schedule", "[balancer]") {
  const Backends backends = makeBackends({1, 1});
  RoundRobinBalancer balancer(2);
  balancer.update(backends);
  CHECK(pickLetters(balancer, backends, 4, 0) == "abab");
  CHECK(pickLetters(balancer, backends, 4, 1) == "baba");
}

TEST_CASE("round_robin runs the live algorithm when the period is too long, same sequence", "[balancer]") {
  // Total weight above kMaxScheduleLength and coprime weights: no schedule.
  const std::vector<uint32_t> weights = {1u << 20, (1u << 20) - 1, 3};
  const Backends backends = makeBackends(weights);
  RoundRobinBalancer balancer(2);
  balancer.update(backends);
  CHECK_FALSE(balancer.usesSchedule());
  const std::vector<uint32_t> expected = buildSmoothWeightedSchedule(weights);
  std::string expected_letters;
  for (size_t i = 0; i < 3000; ++i) expected_letters.push_back(static_cast<char>('a' + expected[i]));
  CHECK(pickLetters(balancer, backends, 3000, 0) == expected_letters);
  CHECK(pickLetters(balancer, backends, 3000, 1) == expected_letters);  // own current values
}

TEST_CASE("round_robin's live algorithm skips a backend that turned ineligible", "[balancer]") {
  const Backends backends = makeBackends({1u << 20, (1u << 20) - 1, 3});
  RoundRobinBalancer balancer(1);
  balancer.update(backends);
  backends[0]->setHealth(HealthState::kDown);
  const std::string letters = pickLetters(balancer, backends, 1000);
  CHECK(std::count(letters.begin(), letters.end(), 'a') == 0);
  CHECK(std::count(letters.begin(), letters.end(), 'b') + std::count(letters.begin(), letters.end(), 'c') == 1000);
}

TEST_CASE("round_robin reduces weights by their common divisor", "[balancer]") {
  // 10 × 300,000 = 3,000,000 > kMaxScheduleLength, but the gcd reduces it to 10.
  const Backends backends = makeBackends(std::vector<uint32_t>(10, 300000));
  RoundRobinBalancer balancer(1);
  balancer.update(backends);
  CHECK(balancer.usesSchedule());
  CHECK(pickLetters(balancer, backends, 20) == "abcdefghijabcdefghij");
}

}  // namespace fulcrum
