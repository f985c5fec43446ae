// least_connections (lb/balancer/least_connections.h). Like the proxy, every test calls
// addActive(+1) on the picked backend itself: pick() has no side effect on backends.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lb/balancer/least_connections.h"

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

char letterOf(const Backends& backends, const Backend* picked) {
  for (size_t j = 0; j < backends.size(); ++j) {
    if (backends[j].get() == picked) return static_cast<char>('a' + j);
  }
  return picked == nullptr ? '-' : '?';
}

// `count` picks of worker 0; with `connect`, each picked backend gets addActive(+1).
std::string pickLetters(Balancer& balancer, const Backends& backends, size_t count, bool connect) {
  std::string letters;
  for (size_t i = 0; i < count; ++i) {
    Backend* picked = balancer.pick(PickContext{0, 0});
    if (picked != nullptr && connect) picked->addActive(1);
    letters.push_back(letterOf(backends, picked));
  }
  return letters;
}

}  // namespace

TEST_CASE("least_connections sends new connections to the backend with fewer open", "[balancer]") {
  const Backends backends = makeBackends({1, 1});
  LeastConnectionsBalancer balancer(1);
  balancer.update(backends);
  backends[0]->addActive(5);
  CHECK(pickLetters(balancer, backends, 5, true) == "bbbbb");
  CHECK(backends[1]->activeConnections() == 5);
}

TEST_CASE("least_connections does not change the counts itself", "[balancer]") {
  const Backends backends = makeBackends({1, 1});
  LeastConnectionsBalancer balancer(1);
  balancer.update(backends);
  pickLetters(balancer, backends, 10, false);
  CHECK(backends[0]->activeConnections() == 0);
  CHECK(backends[1]->activeConnections() == 0);
}

TEST_CASE("least_connections gives a weight 2 backend twice the concurrent connections", "[balancer]") {
  const Backends backends = makeBackends({2, 1});
  LeastConnectionsBalancer balancer(1);
  balancer.update(backends);
  for (int i = 0; i < 300; ++i) {
    pickLetters(balancer, backends, 1, true);
    const int64_t heavy = backends[0]->activeConnections();
    const int64_t light = backends[1]->activeConnections();
    // Connections per unit of weight never differ by more than one connection.
    CHECK(std::abs(heavy - 2 * light) <= 2);
  }
  CHECK(backends[0]->activeConnections() == 200);
  CHECK(backends[1]->activeConnections() == 100);
}

TEST_CASE("least_connections breaks ties round robin", "[balancer]") {
  const Backends backends = makeBackends({1, 1, 1});
  LeastConnectionsBalancer balancer(1);
  balancer.update(backends);
  CHECK(pickLetters(balancer, backends, 9, false) == "abcabcabc");
}

TEST_CASE("least_connections rotates among the tied backends only", "[balancer]") {
  const Backends backends = makeBackends({1, 1, 1});
  LeastConnectionsBalancer balancer(1);
  balancer.update(backends);
  backends[1]->addActive(3);
  CHECK(pickLetters(balancer, backends, 6, false) == "acacac");
}

TEST_CASE("least_connections never picks a draining or down backend", "[balancer]") {
  const Backends backends = makeBackends({1, 1, 1});
  LeastConnectionsBalancer balancer(1);
  backends[0]->setDraining(true);
  balancer.update(backends);
  backends[1]->setHealth(HealthState::kDown);  // not yet seen by update()
  backends[2]->addActive(100);
  CHECK(pickLetters(balancer, backends, 5, true) == "ccccc");
}

TEST_CASE("least_connections counts stay right with two threads picking concurrently", "[balancer]") {
  constexpr int kPicksPerThread = 20000;
  const Backends backends = makeBackends({1, 1});
  LeastConnectionsBalancer balancer(2);
  balancer.update(backends);
  std::atomic<int> failed_picks{0};
  auto worker = [&](unsigned slot) {
    for (int i = 0; i < kPicksPerThread; ++i) {
      Backend* picked = balancer.pick(PickContext{slot, 0});
      if (picked == nullptr) {
        failed_picks.fetch_add(1);
        continue;
      }
      picked->addActive(1);
    }
  };
  std::thread first(worker, 0u);
  std::thread second(worker, 1u);
  first.join();
  second.join();
  CHECK(failed_picks.load() == 0);
  const int64_t a = backends[0]->activeConnections();
  const int64_t b = backends[1]->activeConnections();
  CHECK(a + b == 2 * kPicksPerThread);
  // A pick can miss only the other thread's increment in flight.
  CHECK(std::abs(a - b) <= 4);
}

}  // namespace fulcrum
