#include "lb/runtime/reload_plan.h"

#include <algorithm>

namespace fulcrum {
namespace {

const config::ListenerConfig* findListenerConfig(const config::Config& config, const std::string& name) {
  for (const auto& listener : config.listeners) {
    if (listener.name == name) return &listener;
  }
  return nullptr;
}

bool configured(const config::PoolConfig& pool, const std::string& backend) {
  return std::any_of(pool.backends.begin(), pool.backends.end(),
                     [&](const config::BackendConfig& entry) { return entry.address.text == backend; });
}

}  // namespace

bool keepsSocket(const config::ListenerConfig& before, const config::ListenerConfig& after) {
  return before.name == after.name && before.protocol == after.protocol &&
         before.bind.address.toString() == after.bind.address.toString();
}

ReloadPlan planReload(const config::Config& previous, const Topology& current, const config::Config& next,
                      unsigned worker_slots, const TlsContexts& tls) {
  auto tlsFor = [&tls](const std::string& listener) -> std::shared_ptr<const TlsContext> {
    const auto found = tls.find(listener);
    return found == tls.end() ? nullptr : found->second;
  };
  ReloadPlan plan;
  plan.topology = std::make_shared<Topology>();

  for (const config::PoolConfig& pool_config : next.pools) {
    const std::shared_ptr<Pool> old_pool = current.findPool(pool_config.name);
    if (!old_pool) {
      plan.topology->pools.push_back(std::make_shared<Pool>(pool_config, worker_slots));
      continue;
    }
    std::vector<std::shared_ptr<Backend>> reusable = old_pool->backends();
    const std::vector<std::shared_ptr<Backend>> retiring = old_pool->retiringBackends();
    reusable.insert(reusable.end(), retiring.begin(), retiring.end());
    auto pool = std::make_shared<Pool>(pool_config, worker_slots, reusable, old_pool->stats());
    for (const auto& backend : old_pool->backends()) {
      if (!configured(pool_config, backend->name())) {
        plan.removed_backends.push_back({backend, pool_config.name, pool_config.drain_timeout});
      }
    }
    for (const auto& backend : retiring) {
      if (configured(pool_config, backend->name())) plan.readded_backends.push_back(backend);
    }
    plan.topology->pools.push_back(std::move(pool));
  }
  // Pools that disappear take all their backends with them.
  for (const auto& old_pool : current.pools) {
    if (plan.topology->findPool(old_pool->name())) continue;
    for (const auto& backend : old_pool->backends()) {
      plan.removed_backends.push_back({backend, old_pool->name(), old_pool->config().drain_timeout});
    }
  }

  for (const config::ListenerConfig& listener_config : next.listeners) {
    const std::shared_ptr<ListenerState> old_state = current.findListener(listener_config.name);
    if (old_state && keepsSocket(old_state->config(), listener_config)) {
      std::string pool_name = listener_config.pool;
      const config::ListenerConfig* before = findListenerConfig(previous, listener_config.name);
      // The file did not change this listener's pool: keep a run-time switch.
      if (before != nullptr && before->pool == listener_config.pool && old_state->pool() != nullptr &&
          plan.topology->findPool(old_state->pool()->name())) {
        pool_name = old_state->pool()->name();
      }
      auto state = std::make_shared<ListenerState>(listener_config, plan.topology->findPool(pool_name).get(),
                                                   old_state->stats(), tlsFor(listener_config.name));
      plan.kept_listeners.push_back({old_state, state});
      plan.topology->listeners.push_back(std::move(state));
      continue;
    }
    auto state = std::make_shared<ListenerState>(listener_config,
                                                 plan.topology->findPool(listener_config.pool).get(),
                                                 std::make_shared<ListenerStats>(), tlsFor(listener_config.name));
    plan.added_listeners.push_back(state);
    plan.topology->listeners.push_back(std::move(state));
  }
  for (const auto& old_state : current.listeners) {
    const bool kept = std::any_of(plan.kept_listeners.begin(), plan.kept_listeners.end(),
                                  [&](const ReloadPlan::KeptListener& entry) { return entry.previous == old_state; });
    if (!kept) plan.removed_listeners.push_back(old_state);
  }
  return plan;
}

std::vector<uint64_t> applyBackendChanges(const ReloadPlan& plan) {
  std::vector<uint64_t> epochs;
  epochs.reserve(plan.removed_backends.size());
  for (const auto& removed : plan.removed_backends) {
    epochs.push_back(removed.backend->setDraining(true));
    if (const auto pool = plan.topology->findPool(removed.pool)) pool->addRetiring(removed.backend);
  }
  for (const auto& backend : plan.readded_backends) backend->setDraining(false);
  for (const auto& pool : plan.topology->pools) pool->backendsChanged();
  return epochs;
}

}  // namespace fulcrum
