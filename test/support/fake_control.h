#pragma once
// A Control (lb/runtime/control.h) over a real Topology, for driving the admin API
// without a Server. Header-only: the libFuzzer build (test/fuzz) compiles it with clang
// apart from fulcrum_test_support.
#include <memory>
#include <string>
#include <utility>

#include "lb/runtime/control.h"
#include "lb/runtime/topology.h"

namespace fulcrum::test {

// Applies drain, enable and switch straight to the Topology (the Server does the same
// plus the deadlines on its workers) and counts every call that would change state;
// requestReload answers reload_result and reloadCounters answers reload_counters.
class FakeControl : public Control {
 public:
  explicit FakeControl(std::shared_ptr<const Topology> topology) : topology_(std::move(topology)) {}

  std::shared_ptr<const Topology> topology() const override { return topology_; }
  Outcome drainBackend(const std::string& pool, const std::string& backend) override {
    ++calls;
    return setDraining(pool, backend, true);
  }
  Outcome enableBackend(const std::string& pool, const std::string& backend) override {
    ++calls;
    return setDraining(pool, backend, false);
  }
  Outcome switchListenerPool(const std::string& listener_name, const std::string& pool_name) override {
    ++calls;
    const auto listener = topology_->findListener(listener_name);
    if (!listener) return Outcome::kUnknownListener;
    const auto pool = topology_->findPool(pool_name);
    if (!pool) return Outcome::kUnknownPool;
    listener->setPool(pool.get());
    return Outcome::kOk;
  }
  ReloadCounters reloadCounters() const override { return reload_counters; }
  ReloadResult requestReload(Duration /*timeout*/) override {
    ++calls;
    return reload_result;
  }
  bool ready() const override { return ready_; }
  void setReady(bool ready) override {
    ++calls;
    ready_ = ready;
  }

  int calls = 0;
  ReloadResult reload_result{true, {}};
  ReloadCounters reload_counters{2, 1};

 private:
  Outcome setDraining(const std::string& pool_name, const std::string& backend_name, bool draining) {
    const auto pool = topology_->findPool(pool_name);
    if (!pool) return Outcome::kUnknownPool;
    Backend* backend = pool->findBackend(backend_name);
    if (backend == nullptr) return Outcome::kUnknownBackend;
    backend->setDraining(draining);
    pool->backendsChanged();
    return Outcome::kOk;
  }

  std::shared_ptr<const Topology> topology_;
  bool ready_ = true;
};

}  // namespace fulcrum::test
