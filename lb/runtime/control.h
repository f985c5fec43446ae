#pragma once
// The operations the admin API (and fulcrumctl through it) performs on a running
// fulcrum. Every method is thread-safe and returns without waiting for workers.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/duration.h"

#include "lb/runtime/topology.h"

namespace fulcrum {

struct ReloadCounters {
  uint64_t success = 0;
  uint64_t failure = 0;
};

struct ReloadResult {
  bool ok = false;
  // When it failed: every problem found, config errors as `fulcrum --check` prints them
  // ("FILE:LINE:COL: error: MESSAGE").
  std::vector<std::string> errors;
};

class Control {
 public:
  enum class Outcome { kOk, kUnknownPool, kUnknownBackend, kUnknownListener };

  virtual ~Control() = default;

  virtual std::shared_ptr<const Topology> topology() const = 0;

  // The backend takes no new connections; its open ones are closed after the pool's
  // drain_timeout unless it is enabled again first. Idempotent.
  virtual Outcome drainBackend(const std::string& pool, const std::string& backend) = 0;
  // Undoes a drain; health decides up or down.
  virtual Outcome enableBackend(const std::string& pool, const std::string& backend) = 0;
  // New connections of the listener go to `pool` at once; connections open to the
  // previous pool are closed after that pool's drain_timeout unless switched back.
  virtual Outcome switchListenerPool(const std::string& listener, const std::string& pool) = 0;

  virtual ReloadCounters reloadCounters() const = 0;

  // POST /api/v1/reload: the reload SIGHUP does (INTERFACE.md, "Reload (SIGHUP)"), run on
  // the main loop. Unlike the calls above it waits for the outcome, at most `timeout`
  // (then it reports a failure although the reload may still complete).
  virtual ReloadResult requestReload(Duration timeout) = 0;

  // Whether GET /readyz answers 200: false once a graceful shutdown began (SIGTERM/SIGINT,
  // from the signal on, through runtime.withdraw_delay), while an operator has taken the
  // instance out of rotation with setReady(false), and while no listener's current pool
  // has an eligible backend.
  virtual bool ready() const = 0;
  // POST /api/v1/ready: takes the instance out of (or back into) the routers' rotation;
  // traffic keeps flowing either way.
  virtual void setReady(bool ready) = 0;
};

const char* toString(Control::Outcome outcome);

}  // namespace fulcrum
