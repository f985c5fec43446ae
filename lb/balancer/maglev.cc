#include "lb/balancer/maglev.h"

#include <stdexcept>
#include <string>

#include "lb/balancer/maglev_table.h"
#include "lb/config/prime.h"

namespace fulcrum {
namespace {

// Table slots tried after the key's own before falling back to a scan of the backends.
constexpr size_t kNeighbourProbes = 16;

uint32_t checkedTableSize(uint32_t table_size) {
  if (!config::isPrime(table_size)) {
    throw std::invalid_argument("consistent_hash table_size " + std::to_string(table_size) +
                                " is not a prime number");
  }
  return table_size;
}

}  // namespace

MaglevBalancer::MaglevBalancer(uint32_t table_size, unsigned worker_slots)
    : table_size_(checkedTableSize(table_size)), cache_(worker_slots, std::make_shared<const Snapshot>()) {}

void MaglevBalancer::update(const std::vector<std::shared_ptr<Backend>>& backends) {
  auto snapshot = std::make_shared<Snapshot>();
  std::vector<MaglevEntry> entries;
  for (const auto& backend : backends) {
    if (!backend->eligible()) continue;
    snapshot->backends.push_back(backend.get());
    entries.push_back({backend->name(), backend->weight()});
  }
  snapshot->table = buildMaglevTable(entries, table_size_);
  cache_.publish(std::move(snapshot));
}

Backend* MaglevBalancer::pick(const PickContext& context) {
  bool changed = false;
  const Snapshot& snapshot = *cache_.acquire(context.worker, changed).snapshot;
  if (snapshot.table.empty()) return nullptr;
  const size_t slot = context.key_hash % snapshot.table.size();
  Backend* backend = snapshot.backends[snapshot.table[slot]];
  if (backend->eligible()) [[likely]] return backend;
  return pickFallback(snapshot, context.key_hash, slot);
}

Backend* MaglevBalancer::pickFallback(const Snapshot& snapshot, uint64_t key_hash, size_t slot) {
  const size_t size = snapshot.table.size();
  for (size_t probe = 1; probe <= kNeighbourProbes; ++probe) {
    Backend* backend = snapshot.backends[snapshot.table[(slot + probe) % size]];
    if (backend->eligible()) return backend;
  }
  const size_t count = snapshot.backends.size();
  const size_t start = key_hash % count;
  for (size_t step = 0; step < count; ++step) {
    Backend* backend = snapshot.backends[(start + step) % count];
    if (backend->eligible()) return backend;
  }
  return nullptr;
}

}  // namespace fulcrum
