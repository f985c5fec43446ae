#pragma once
// What a reload changes, worked out before anything is applied (INTERFACE.md,
// "Reload (SIGHUP)"). Pure apart from building the new objects: nothing running is
// touched until applyBackendChanges().
//
// Rules:
// - A listener whose name, bind and protocol stay keeps its sockets; it gets a new
//   ListenerState (new settings for new connections) sharing the old ListenerStats.
//   Its pool: the file's value, unless the file's value did not change since the last
//   load, in which case the pool chosen at run time (API switch) stays, if it exists.
// - A pool that stays is rebuilt (new balancer, new settings) around the same Backend
//   objects for the addresses that stay, so health, drain flags, counters and open
//   connections carry on; added addresses start `unknown`.
// - Backends that leave a pool are drained: no new connections, open ones closed after
//   the pool's drain_timeout; until then the new pool lists them as retiring.
#include <memory>
#include <string>
#include <vector>

#include "lb/config/config.h"
#include "lb/runtime/tls_contexts.h"
#include "lb/runtime/topology.h"

namespace fulcrum {

struct ReloadPlan {
  struct KeptListener {
    std::shared_ptr<ListenerState> previous;
    std::shared_ptr<ListenerState> next;
  };
  struct RemovedBackend {
    std::shared_ptr<Backend> backend;
    std::string pool;
    Duration drain_timeout;
  };

  std::shared_ptr<Topology> topology;  // what to publish
  std::vector<KeptListener> kept_listeners;
  std::vector<std::shared_ptr<ListenerState>> added_listeners;    // need new sockets
  std::vector<std::shared_ptr<ListenerState>> removed_listeners;  // sockets close; connections drain
  std::vector<RemovedBackend> removed_backends;
  std::vector<std::shared_ptr<Backend>> readded_backends;  // were retiring; back in service
};

// True when a listener of `before` keeps its socket in `after`: same name, bind, protocol.
bool keepsSocket(const config::ListenerConfig& before, const config::ListenerConfig& after);

// Builds the new topology for `next` from the running `current` (loaded from `previous`).
// `tls` holds the new TLS contexts (a reload re-reads certificates: new connections
// get the new ones, open ones keep theirs).
ReloadPlan planReload(const config::Config& previous, const Topology& current, const config::Config& next,
                      unsigned worker_slots, const TlsContexts& tls = {});

// Marks the plan's removed backends draining and hands them to their new pool's retiring
// list, and returns re-added ones to service. Returns the drain epoch of each removed
// backend, in plan order, for the drain deadlines.
std::vector<uint64_t> applyBackendChanges(const ReloadPlan& plan);

}  // namespace fulcrum
