#include "lb/pool/pool.h"

namespace fulcrum {

Pool::Pool(const config::PoolConfig& config, unsigned worker_slots)
    : config_(config),
      needs_key_(config.balance == config::BalanceAlgorithm::kConsistentHash),
      balancer_(makeBalancer(config, worker_slots)) {
  backends_.reserve(config.backends.size());
  for (const auto& backend : config.backends) {
    auto made = std::make_shared<Backend>(backend.address.text, backend.address.address, backend.weight);
    if (config.health_check.type == config::HealthCheckType::kNone) made->setHealth(HealthState::kUp);
    backends_.push_back(std::move(made));
  }
  balancer_->update(backends_);
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
