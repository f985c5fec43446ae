// What every balancing algorithm guarantees (lb/balancer/balancer.h): nullptr without an
// eligible backend, and lock-free picks that stay correct while update() runs.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lb/balancer/balancer.h"
#include "test/support/deadline.h"

namespace fulcrum {
namespace {

using Backends = std::vector<std::shared_ptr<Backend>>;

Backends makeBackends(size_t count) {
  Backends backends;
  for (size_t i = 0; i < count; ++i) {
    const std::string host = fmt::format("10.0.0.{}", i + 1);
    auto backend = std::make_shared<Backend>(host + ":8080", SocketAddress::fromNumeric(host, 8080).value(), 1);
    backend->setHealth(HealthState::kUp);
    backends.push_back(std::move(backend));
  }
  return backends;
}

config::PoolConfig poolWith(config::BalanceAlgorithm balance) {
  config::PoolConfig pool;
  pool.name = config::toString(balance);
  pool.balance = balance;
  return pool;
}

// Picks with many different keys on `worker`; true when every pick returned nullptr.
bool everyPickIsNull(Balancer& balancer, unsigned worker = 0) {
  for (uint64_t key = 0; key < 1000; ++key) {
    if (balancer.pick(PickContext{worker, key * 0x9e3779b97f4a7c15ULL}) != nullptr) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("every algorithm returns nullptr when no backend is eligible", "[balancer]") {
  const auto balance = GENERATE(config::BalanceAlgorithm::kRoundRobin, config::BalanceAlgorithm::kLeastConnections,
                                config::BalanceAlgorithm::kConsistentHash);
  INFO(config::toString(balance));
  const Backends backends = makeBackends(3);
  backends[0]->setHealth(HealthState::kDown);
  backends[1]->setDraining(true);
  backends[2]->setWeight(0);
  std::unique_ptr<Balancer> balancer = makeBalancer(poolWith(balance), 2);
  CHECK(everyPickIsNull(*balancer));  // nothing published yet
  balancer->update(backends);
  CHECK(everyPickIsNull(*balancer, 0));
  CHECK(everyPickIsNull(*balancer, 1));
  balancer->update({});
  CHECK(everyPickIsNull(*balancer));
}

TEST_CASE("every algorithm returns nullptr when all backends turned ineligible before the update", "[balancer]") {
  const auto balance = GENERATE(config::BalanceAlgorithm::kRoundRobin, config::BalanceAlgorithm::kLeastConnections,
                                config::BalanceAlgorithm::kConsistentHash);
  INFO(config::toString(balance));
  const Backends backends = makeBackends(3);
  std::unique_ptr<Balancer> balancer = makeBalancer(poolWith(balance), 1);
  balancer->update(backends);
  REQUIRE(balancer->pick(PickContext{0, 7}) != nullptr);
  for (const auto& backend : backends) backend->setHealth(HealthState::kDown);
  CHECK(everyPickIsNull(*balancer));
}

TEST_CASE("picks stay valid while another thread keeps updating health", "[balancer]") {
  const auto balance = GENERATE(config::BalanceAlgorithm::kRoundRobin, config::BalanceAlgorithm::kLeastConnections,
                                config::BalanceAlgorithm::kConsistentHash);
  INFO(config::toString(balance));
  // Backends 0..3 flip between eligible and not; backend 4 is never eligible.
  const Backends backends = makeBackends(5);
  backends[4]->setHealth(HealthState::kDown);
  std::unique_ptr<Balancer> balancer = makeBalancer(poolWith(balance), 2);
  balancer->update(backends);

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> bad_picks{0};
  std::atomic<uint64_t> picks{0};
  std::atomic<uint64_t> updates{0};
  auto picker = [&](unsigned worker) {
    for (uint64_t i = 0; i < 50'000'000 && !stop.load(std::memory_order_relaxed); ++i) {
      Backend* picked = balancer->pick(PickContext{worker, i * 0x9e3779b97f4a7c15ULL});
      if (picked == backends[4].get()) bad_picks.fetch_add(1, std::memory_order_relaxed);
      bool known = picked == nullptr;
      for (const auto& backend : backends) known = known || picked == backend.get();
      if (!known) bad_picks.fetch_add(1, std::memory_order_relaxed);
      picks.fetch_add(1, std::memory_order_relaxed);
    }
  };
  auto updater = [&] {
    for (uint64_t round = 0; round < 10'000'000 && !stop.load(std::memory_order_relaxed); ++round) {
      Backend& backend = *backends[round % 4];
      switch (round % 3) {
        case 0: backend.setHealth(backend.health() == HealthState::kDown ? HealthState::kUp : HealthState::kDown); break;
        case 1: backend.setDraining(!backend.draining()); break;
        case 2: backend.setWeight(backend.weight() == 0 ? 2 : 0); break;
      }
      balancer->update(backends);
      updates.fetch_add(1, std::memory_order_relaxed);
    }
  };
  std::thread update_thread(updater);
  std::thread first(picker, 0u);
  std::thread second(picker, 1u);
  const test::Deadline deadline(test::Millis(100));
  while (!deadline.expired()) std::this_thread::sleep_for(test::Millis(5));
  stop.store(true);
  update_thread.join();
  first.join();
  second.join();
  CHECK(bad_picks.load() == 0);
  CHECK(picks.load() > 0);
  CHECK(updates.load() > 0);
}

}  // namespace fulcrum
