// Nanoseconds per pick for each balancing algorithm at 10, 100 and 1,000 backends, and
// the time to build a Maglev table (M = 65537) for 1,000 backends.
// Targets (issue "Balancers"): pick < 50 ns at 1,000 backends for round_robin and
// consistent_hash; table build < 10 ms.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "lb/balancer/balancer.h"
#include "lb/balancer/maglev_table.h"

namespace fulcrum {
namespace {

using Backends = std::vector<std::shared_ptr<Backend>>;

// Backends with weights 1, 2, 3, 1, 2, 3, ... all up.
Backends makeBackends(size_t count) {
  Backends backends;
  for (size_t i = 0; i < count; ++i) {
    const std::string host = fmt::format("10.0.{}.{}", i / 250, i % 250 + 1);
    auto backend = std::make_shared<Backend>(host + ":8080", SocketAddress::fromNumeric(host, 8080).value(),
                                             static_cast<uint32_t>(i % 3 + 1));
    backend->setHealth(HealthState::kUp);
    backends.push_back(std::move(backend));
  }
  return backends;
}

void pickBenchmark(benchmark::State& state, config::BalanceAlgorithm balance) {
  const Backends backends = makeBackends(static_cast<size_t>(state.range(0)));
  config::PoolConfig pool;
  pool.balance = balance;
  std::unique_ptr<Balancer> balancer = makeBalancer(pool, 1);
  balancer->update(backends);
  // Client keys vary per pick, as they do for real traffic (spread over the table).
  uint64_t key = 0;
  for (auto _ : state) {
    key += 0x9e3779b97f4a7c15ULL;
    Backend* picked = balancer->pick(PickContext{0, key});
    benchmark::DoNotOptimize(picked);
  }
}

void BM_PickRoundRobin(benchmark::State& state) { pickBenchmark(state, config::BalanceAlgorithm::kRoundRobin); }
void BM_PickLeastConnections(benchmark::State& state) {
  pickBenchmark(state, config::BalanceAlgorithm::kLeastConnections);
}
void BM_PickMaglev(benchmark::State& state) { pickBenchmark(state, config::BalanceAlgorithm::kConsistentHash); }

void BM_HashClientKey(benchmark::State& state) {
  SocketAddress client = SocketAddress::fromNumeric("192.0.2.77", 51234).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(client);
    benchmark::DoNotOptimize(hashClientKey(client, config::HashKey::kSourceIpPort));
  }
}

void BM_BuildMaglevTable(benchmark::State& state) {
  std::vector<MaglevEntry> entries;
  for (int64_t i = 0; i < state.range(0); ++i) {
    entries.push_back({fmt::format("10.0.{}.{}:8080", i / 250, i % 250 + 1), 1});
  }
  for (auto _ : state) {
    std::vector<uint32_t> table = buildMaglevTable(entries, 65537);
    benchmark::DoNotOptimize(table.data());
  }
}

BENCHMARK(BM_PickRoundRobin)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_PickLeastConnections)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_PickMaglev)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_HashClientKey);
BENCHMARK(BM_BuildMaglevTable)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fulcrum

BENCHMARK_MAIN();
