#include "lb/pool/pool.h"

namespace fulcrum {

Pool::Pool(const config::PoolConfig& config, unsigned worker_slots)
    : Pool(config, worker_slots, {}, std::make_shared<PoolStats>()) {}

Pool::Pool(const config::PoolConfig& config, unsigned worker_slots,
           const std::vector<std::shared_ptr<Backend>>& reusable, std::shared_ptr<PoolStats> stats)
    : config_(config),
      needs_key_(config.balance == config::BalanceAlgorithm::kConsistentHash),
      balancer_(makeBalancer(config, worker_slots)),
      stats_(std::move(stats)) {
  const bool unchecked = config.health_check.type == config::HealthCheckType::kNone;
  backends_.reserve(config.backends.size());
  for (const auto& backend : config.backends) {
    std::shared_ptr<Backend> kept;
    for (const auto& candidate : reusable) {
      if (candidate->name() == backend.address.text) kept = candidate;
    }
    if (kept) {
      kept->setWeight(backend.weight);
      if (unchecked) kept->setHealth(HealthState::kUp);
      backends_.push_back(std::move(kept));
      continue;
    }
    auto made = std::make_shared<Backend>(backend.address.text, backend.address.address, backend.weight);
    if (unchecked) made->setHealth(HealthState::kUp);
    backends_.push_back(std::move(made));
  }
  balancer_->update(backends_);
}

void Pool::addRetiring(std::shared_ptr<Backend> backend) {
  std::lock_guard lock(update_mutex_);
  retiring_.push_back(std::move(backend));
}

std::vector<std::shared_ptr<Backend>> Pool::retiringBackends() const {
  std::lock_guard lock(update_mutex_);
  std::erase_if(retiring_, [](const std::shared_ptr<Backend>& backend) { return backend->activeConnections() == 0; });
  return retiring_;
}

Backend* Pool::findBackend(const std::string& name) const { return findBackendShared(name).get(); }

std::shared_ptr<Backend> Pool::findBackendShared(const std::string& name) const {
  for (const auto& backend : backends_) {
    if (backend->name() == name) return backend;
  }
  return nullptr;
}

void Pool::backendsChanged() {
  std::lock_guard lock(update_mutex_);
  balancer_->update(backends_);
}

}  // namespace fulcrum

namespace fulcrum {

std::vector<std::shared_ptr<Backend>> Pool::listedBackends() const {
  std::vector<std::shared_ptr<Backend>> listed = backends_;
  const std::vector<std::shared_ptr<Backend>> retiring = retiringBackends();
  listed.insert(listed.end(), retiring.begin(), retiring.end());
  return listed;
}

}  // namespace fulcrum
