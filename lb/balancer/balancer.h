#pragma once
// A pool's choice of backend for each new connection or UDP session.
//
// Threading: pick() runs on worker threads, concurrently, and must not lock, allocate
// or make syscalls. update() runs on control threads (health checker, admin, reload),
// serialized by the caller; it rebuilds whatever the algorithm precomputes and publishes
// it as an immutable snapshot that pick() only reads.
#include <cstdint>
#include <memory>
#include <vector>

#include "lb/config/config.h"
#include "lb/pool/backend.h"

namespace fulcrum {

// What a pick needs from its caller. `worker` indexes per-worker state (cursors, cached
// snapshots) so that workers never write a shared cache line on the data path; it is
// < the `worker_slots` the balancer was made with.
struct PickContext {
  unsigned worker = 0;
  uint64_t key_hash = 0;  // consistent_hash: hash of the client's key (see hashClientKey)
};

class Balancer {
 public:
  virtual ~Balancer() = default;

  // An eligible backend (see Backend::eligible) or nullptr when there is none. The
  // returned pointer stays valid while the pool that owns the backends lives.
  virtual Backend* pick(const PickContext& context) = 0;

  // The pool's backends, or their eligibility or weights, changed. `backends` is the
  // full current list (eligible or not), in configuration order.
  virtual void update(const std::vector<std::shared_ptr<Backend>>& backends) = 0;
};

// The balancer for a pool's `balance`, `hash_key` and `table_size`, with per-worker
// state for `worker_slots` workers (control threads that pick use slot 0 .. n-1 too).
std::unique_ptr<Balancer> makeBalancer(const config::PoolConfig& pool, unsigned worker_slots);

// The consistent_hash key of a client address: the IP alone or IP and port. Fixed
// seed, identical on every worker and every instance.
uint64_t hashClientKey(const SocketAddress& client, config::HashKey key);

}  // namespace fulcrum
