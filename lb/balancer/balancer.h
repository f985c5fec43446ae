#pragma once
// A pool's choice of backend for each new connection or UDP session.
//
// Threading: pick() runs on worker threads, concurrently, and must not lock, allocate
// or make syscalls. update() runs on control threads (health checker, admin, reload),
// serialized by the caller; it rebuilds whatever the algorithm precomputes and publishes
// it as an immutable snapshot that pick() only reads (lb/balancer/snapshot_cache.h: in
// steady state a pick costs one acquire load of a generation counter, no refcount traffic).
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
  //
  // Active-connection rule, the same for every algorithm: pick() has no side effect on
  // backends (it only advances the calling worker's own cursors). The CALLER counts the
  // connection: backend->addActive(+1) right after a successful pick, before connecting,
  // and addActive(-1) when that connection (or UDP session) closes, whether or not the
  // connect succeeded. least_connections relies on it; a retry to another backend is a
  // new pick with its own +1/-1.
  virtual Backend* pick(const PickContext& context) = 0;

  // The pool's backends, or their eligibility or weights, changed. `backends` is the
  // full current list (eligible or not), in configuration order.
  virtual void update(const std::vector<std::shared_ptr<Backend>>& backends) = 0;
};

// The balancer for a pool's `balance`, `hash_key` and `table_size`, with per-worker
// state for `worker_slots` workers (control threads that pick use slot 0 .. n-1 too;
// 0 is taken as 1). Publishes an empty backend set: call update() before picking.
// Throws std::invalid_argument (naming the pool) when consistent_hash's table_size is
// not prime.
std::unique_ptr<Balancer> makeBalancer(const config::PoolConfig& pool, unsigned worker_slots);

// The consistent_hash key of a client address: the IP alone or IP and port. Fixed
// seed, identical on every worker and every instance.
uint64_t hashClientKey(const SocketAddress& client, config::HashKey key);

}  // namespace fulcrum
