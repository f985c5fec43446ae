#include <stdexcept>
#include <string>

#include "lb/balancer/balancer.h"
#include "lb/balancer/least_connections.h"
#include "lb/balancer/maglev.h"
#include "lb/balancer/round_robin.h"

namespace fulcrum {

std::unique_ptr<Balancer> makeBalancer(const config::PoolConfig& pool, unsigned worker_slots) {
  switch (pool.balance) {
    case config::BalanceAlgorithm::kRoundRobin:
      return std::make_unique<RoundRobinBalancer>(worker_slots);
    case config::BalanceAlgorithm::kLeastConnections:
      return std::make_unique<LeastConnectionsBalancer>(worker_slots);
    case config::BalanceAlgorithm::kConsistentHash:
      try {
        return std::make_unique<MaglevBalancer>(pool.table_size, worker_slots);
      } catch (const std::invalid_argument& error) {
        throw std::invalid_argument("pool \"" + pool.name + "\": " + error.what());
      }
  }
  return std::make_unique<RoundRobinBalancer>(worker_slots);
}

}  // namespace fulcrum
