#pragma once
// What all workers share about one configured listener: its config, the pool that new
// connections go to (switchable at run time), and its counters. Workers touch only
// atomics here.
//
// A reload makes a new ListenerState for a listener that stays (new config values apply
// to new connections) but hands it the same ListenerStats, so counters and the
// max_connections count carry on. Open connections keep their ListenerState alive
// (shared_from_this), so a removed listener lives until its last connection closes.
#include <atomic>
#include <cstdint>
#include <memory>

#include "lb/config/config.h"
#include "lb/pool/latency_histogram.h"
#include "lb/pool/pool.h"
#include "lb/proxy/tls_context.h"

namespace fulcrum {

struct alignas(64) ListenerCounters {
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> rejected_max_connections{0};
  std::atomic<uint64_t> rejected_no_backend{0};
  // udp listeners only (fulcrum_udp_datagrams_total, fulcrum_udp_sessions_active).
  std::atomic<uint64_t> udp_datagrams_to_backend{0};
  std::atomic<uint64_t> udp_datagrams_to_client{0};
  std::atomic<int64_t> udp_sessions_active{0};
  // TLS listeners only (fulcrum_tls_handshakes_total).
  std::atomic<uint64_t> tls_handshakes_success{0};
  std::atomic<uint64_t> tls_handshakes_failure{0};
};

struct ListenerStats {
  alignas(64) std::atomic<int64_t> active{0};
  ListenerCounters counters;
  LatencyHistogram tls_handshake_latency;  // accept to handshake done (fulcrum_tls_handshake_seconds)
};

class ListenerState : public std::enable_shared_from_this<ListenerState> {
 public:
  // `tls` is the listener's TLS context when its config has a [listeners.tls] table.
  ListenerState(const config::ListenerConfig& config, Pool* pool,
                std::shared_ptr<ListenerStats> stats = std::make_shared<ListenerStats>(),
                std::shared_ptr<const TlsContext> tls = nullptr)
      : config_(config), pool_(pool), stats_(std::move(stats)), tls_(std::move(tls)) {}
  ListenerState(const ListenerState&) = delete;
  ListenerState& operator=(const ListenerState&) = delete;

  const config::ListenerConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }

  Pool* pool() const { return pool_.load(std::memory_order_acquire); }
  void setPool(Pool* pool) { pool_.store(pool, std::memory_order_release); }

  // Counts a new connection in unless max_connections is reached; the caller must
  // call leave() exactly once for every admitted connection.
  bool tryAdmit() {
    const int64_t now_active = stats_->active.fetch_add(1, std::memory_order_relaxed) + 1;
    if (config_.max_connections != 0 && static_cast<uint64_t>(now_active) > config_.max_connections) {
      stats_->active.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    return true;
  }
  void leave() { stats_->active.fetch_sub(1, std::memory_order_relaxed); }
  int64_t activeConnections() const { return stats_->active.load(std::memory_order_relaxed); }

  ListenerCounters& counters() { return stats_->counters; }
  const ListenerCounters& counters() const { return stats_->counters; }
  const std::shared_ptr<ListenerStats>& stats() const { return stats_; }
  // Non-null for a TLS-terminating listener.
  const std::shared_ptr<const TlsContext>& tls() const { return tls_; }

 private:
  const config::ListenerConfig config_;
  std::atomic<Pool*> pool_;
  const std::shared_ptr<ListenerStats> stats_;
  const std::shared_ptr<const TlsContext> tls_;
};

}  // namespace fulcrum
