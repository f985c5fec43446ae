// consistent_hash: the Maglev table (lb/balancer/maglev_table.h) and its balancer
// (lb/balancer/maglev.h), at the default table size M = 65537.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "lb/balancer/balancer.h"
#include "lb/balancer/maglev.h"
#include "lb/balancer/maglev_table.h"

namespace fulcrum {
namespace {

using Backends = std::vector<std::shared_ptr<Backend>>;

constexpr uint32_t kTableSize = 65537;

std::string backendName(size_t i) { return fmt::format("10.{}.{}.{}:8080", i / 65536, i / 256 % 256, i % 256); }

std::vector<MaglevEntry> makeEntries(size_t count, uint32_t weight = 1) {
  std::vector<MaglevEntry> entries;
  for (size_t i = 0; i < count; ++i) entries.push_back({backendName(i), weight});
  return entries;
}

// Slots owned by each entry of a table.
std::vector<uint32_t> slotCounts(const std::vector<uint32_t>& table, size_t entries) {
  std::vector<uint32_t> counts(entries, 0);
  for (uint32_t owner : table) ++counts.at(owner);
  return counts;
}

// The table as backend names, so tables over different lists can be compared.
std::vector<std::string> ownerNames(const std::vector<uint32_t>& table, const std::vector<MaglevEntry>& entries) {
  std::vector<std::string> names;
  names.reserve(table.size());
  for (uint32_t owner : table) names.push_back(entries.at(owner).name);
  return names;
}

Backends makeBackends(const std::vector<std::string>& names) {
  Backends backends;
  for (const std::string& name : names) {
    const std::optional<HostPort> host_port = parseHostPort(name);
    auto backend = std::make_shared<Backend>(
        name, SocketAddress::fromNumeric(host_port.value().host, host_port.value().port).value(), 1);
    backend->setHealth(HealthState::kUp);
    backends.push_back(std::move(backend));
  }
  return backends;
}

std::vector<std::string> namesOf(size_t count) {
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) names.push_back(backendName(i));
  return names;
}

const std::string& pickName(Balancer& balancer, uint64_t key_hash, unsigned worker = 0) {
  static const std::string kNone = "none";
  Backend* picked = balancer.pick(PickContext{worker, key_hash});
  return picked == nullptr ? kNone : picked->name();
}

}  // namespace

TEST_CASE("Maglev gives equal-weight backends slot counts that differ by at most one", "[balancer]") {
  for (size_t count : {5, 10, 100, 1000}) {
    const std::vector<uint32_t> table = buildMaglevTable(makeEntries(count), kTableSize);
    const std::vector<uint32_t> counts = slotCounts(table, count);
    const uint32_t most = *std::max_element(counts.begin(), counts.end());
    const uint32_t least = *std::min_element(counts.begin(), counts.end());
    const double mean = static_cast<double>(kTableSize) / count;
    INFO(count << " backends: " << least << " .. " << most << " slots");
    CHECK(most - least <= 1);
    CHECK(least == kTableSize / count);
    CHECK(most / mean <= 1.0 + static_cast<double>(count) / kTableSize);
  }
}

TEST_CASE("Maglev: removing one backend moves its keys and under 1% of the others", "[balancer]") {
  for (size_t count : {5, 10, 100, 1000}) {
    const std::vector<MaglevEntry> entries = makeEntries(count);
    const std::vector<std::string> before = ownerNames(buildMaglevTable(entries, kTableSize), entries);
    for (size_t removed : {size_t{0}, count / 2, count - 1}) {
      std::vector<MaglevEntry> remaining = entries;
      remaining.erase(remaining.begin() + static_cast<long>(removed));
      const std::vector<std::string> after = ownerNames(buildMaglevTable(remaining, kTableSize), remaining);
      size_t others = 0;
      size_t others_moved = 0;
      for (size_t slot = 0; slot < kTableSize; ++slot) {
        if (before[slot] == entries[removed].name) {
          CHECK(after[slot] != entries[removed].name);
          continue;
        }
        ++others;
        if (after[slot] != before[slot]) ++others_moved;
      }
      INFO(count << " backends, removed #" << removed << ": " << others_moved << " of " << others << " moved");
      CHECK(others_moved * 100 <= others);
    }
  }
}

TEST_CASE("Maglev balancer: re-adding a removed backend restores every key", "[balancer]") {
  const Backends backends = makeBackends(namesOf(100));
  MaglevBalancer balancer(kTableSize, 1);
  balancer.update(backends);
  std::vector<std::string> original;
  for (uint64_t key = 0; key < kTableSize; ++key) original.push_back(pickName(balancer, key));

  backends[37]->setHealth(HealthState::kDown);
  balancer.update(backends);
  size_t changed = 0;
  for (uint64_t key = 0; key < kTableSize; ++key) {
    const std::string& now = pickName(balancer, key);
    CHECK(now != backends[37]->name());
    if (now != original[key]) ++changed;
  }
  CHECK(changed >= kTableSize / 100);  // backend 37's own keys: a hundredth of them
  CHECK(changed * 100 <= kTableSize * 2);

  backends[37]->setHealth(HealthState::kUp);
  balancer.update(backends);
  size_t restored = 0;
  for (uint64_t key = 0; key < kTableSize; ++key) restored += pickName(balancer, key) == original[key] ? 1 : 0;
  CHECK(restored == kTableSize);
}

TEST_CASE("Maglev table does not depend on the order backends are listed", "[balancer]") {
  std::vector<MaglevEntry> entries = makeEntries(100);
  for (size_t i = 0; i < entries.size(); i += 3) entries[i].weight = 2;
  const std::vector<std::string> listed = ownerNames(buildMaglevTable(entries, kTableSize), entries);
  std::mt19937 random(12345);
  std::shuffle(entries.begin(), entries.end(), random);
  const std::vector<std::string> shuffled = ownerNames(buildMaglevTable(entries, kTableSize), entries);
  std::reverse(entries.begin(), entries.end());
  const std::vector<std::string> reversed = ownerNames(buildMaglevTable(entries, kTableSize), entries);
  CHECK(listed == shuffled);
  CHECK(listed == reversed);
}

TEST_CASE("Maglev gives a weight 2 backend twice the slots, within its weight", "[balancer]") {
  std::vector<MaglevEntry> entries = makeEntries(50);
  uint64_t total_weight = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].weight = i % 2 == 0 ? 2 : 1;
    total_weight += entries[i].weight;
  }
  const std::vector<uint32_t> counts = slotCounts(buildMaglevTable(entries, kTableSize), entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const double fair = static_cast<double>(kTableSize) * entries[i].weight / total_weight;
    INFO(entries[i].name << " weight " << entries[i].weight << ": " << counts[i] << " slots, fair " << fair);
    CHECK(std::abs(counts[i] - fair) <= entries[i].weight);
  }
  // Backends of equal weight differ by at most one slot.
  for (uint32_t weight : {1u, 2u}) {
    std::vector<uint32_t> same;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].weight == weight) same.push_back(counts[i]);
    }
    CHECK(*std::max_element(same.begin(), same.end()) - *std::min_element(same.begin(), same.end()) <= 1);
  }
}

TEST_CASE("Maglev table is the same for weights scaled by a common factor", "[balancer]") {
  std::vector<MaglevEntry> small = makeEntries(20);
  for (size_t i = 0; i < small.size(); ++i) small[i].weight = static_cast<uint32_t>(i % 3 + 1);
  std::vector<MaglevEntry> scaled = small;
  for (MaglevEntry& entry : scaled) entry.weight *= 7;
  CHECK(buildMaglevTable(small, kTableSize) == buildMaglevTable(scaled, kTableSize));
}

TEST_CASE("Maglev gives a huge weight all but one turn of the first round", "[balancer]") {
  const std::vector<MaglevEntry> entries = {{"10.0.0.1:80", 1}, {"10.0.0.2:80", 4000000000u}};
  const std::vector<uint32_t> counts = slotCounts(buildMaglevTable(entries, kTableSize), 2);
  CHECK(counts[0] == 1);
  CHECK(counts[1] == kTableSize - 1);
}

TEST_CASE("Maglev gives entries of weight 0 no slot, and an empty table without weight", "[balancer]") {
  std::vector<MaglevEntry> entries = makeEntries(3);
  entries[1].weight = 0;
  const std::vector<uint32_t> counts = slotCounts(buildMaglevTable(entries, 101), 3);
  CHECK(counts[1] == 0);
  CHECK(counts[0] + counts[2] == 101);
  CHECK(buildMaglevTable({}, 101).empty());
  CHECK(buildMaglevTable({{"10.0.0.1:80", 0}}, 101).empty());
}

TEST_CASE("Maglev table has exactly table_size slots, all owned", "[balancer]") {
  for (uint32_t size : {2u, 101u, 251u, 65537u, 131071u}) {
    const std::vector<uint32_t> table = buildMaglevTable(makeEntries(7), size);
    CHECK(table.size() == size);
    CHECK(*std::max_element(table.begin(), table.end()) < 7);
  }
}

TEST_CASE("Maglev rejects a table size that is not prime", "[balancer]") {
  CHECK_THROWS_AS(buildMaglevTable(makeEntries(3), 65536), std::invalid_argument);
  CHECK_THROWS_AS(buildMaglevTable(makeEntries(3), 1), std::invalid_argument);
  CHECK_THROWS_AS(buildMaglevTable(makeEntries(3), 0), std::invalid_argument);
  config::PoolConfig pool;
  pool.name = "blue";
  pool.balance = config::BalanceAlgorithm::kConsistentHash;
  pool.table_size = 1000;
  CHECK_THROWS_WITH(makeBalancer(pool, 1), Catch::Contains("blue") && Catch::Contains("1000"));
}

TEST_CASE("Maglev balancer looks keys up modulo its table_size", "[balancer]") {
  const Backends backends = makeBackends(namesOf(10));
  config::PoolConfig pool;
  pool.balance = config::BalanceAlgorithm::kConsistentHash;
  pool.table_size = 101;
  std::unique_ptr<Balancer> balancer = makeBalancer(pool, 1);
  balancer->update(backends);
  std::map<std::string, int> owners;
  for (uint64_t key = 0; key < 101; ++key) {
    CHECK(pickName(*balancer, key) == pickName(*balancer, key + 101));
    CHECK(pickName(*balancer, key) == pickName(*balancer, key + 101 * 1000003));
    ++owners[pickName(*balancer, key)];
  }
  CHECK(owners.size() == 10);  // 101 slots over 10 backends: 10 or 11 each
  for (const auto& [name, slots] : owners) CHECK((slots == 10 || slots == 11));
}

TEST_CASE("Maglev maps a client to the same backend on two instances and on every worker", "[balancer]") {
  // Two fulcrum instances: their own Backend objects, the same set listed in other orders.
  std::vector<std::string> names = namesOf(20);
  const Backends first_backends = makeBackends(names);
  std::reverse(names.begin(), names.end());
  const Backends second_backends = makeBackends(names);
  config::PoolConfig pool;
  pool.balance = config::BalanceAlgorithm::kConsistentHash;
  pool.hash_key = config::HashKey::kSourceIpPort;
  std::unique_ptr<Balancer> first = makeBalancer(pool, 4);
  std::unique_ptr<Balancer> second = makeBalancer(pool, 4);
  first->update(first_backends);
  second->update(second_backends);
  std::map<std::string, int> seen;
  for (unsigned i = 0; i < 5000; ++i) {
    const SocketAddress client =
        SocketAddress::fromNumeric(fmt::format("192.168.{}.{}", i / 250, i % 250 + 1), 40000 + i).value();
    const uint64_t key = hashClientKey(client, pool.hash_key);
    const std::string& name = pickName(*first, key, 0);
    CHECK(pickName(*first, key, i % 4) == name);
    CHECK(pickName(*second, key, (i + 1) % 4) == name);
    ++seen[name];
  }
  CHECK(seen.size() == 20);
}

TEST_CASE("Maglev falls back deterministically when a key's backend turned ineligible", "[balancer]") {
  const Backends backends = makeBackends(namesOf(10));
  MaglevBalancer balancer(kTableSize, 2);
  balancer.update(backends);
  const uint64_t key = 424242;
  Backend* owner = balancer.pick(PickContext{0, key});
  REQUIRE(owner != nullptr);
  owner->setDraining(true);  // no update() yet
  Backend* replacement = balancer.pick(PickContext{0, key});
  REQUIRE(replacement != nullptr);
  CHECK(replacement != owner);
  CHECK(replacement->eligible());
  CHECK(balancer.pick(PickContext{1, key}) == replacement);
}

}  // namespace fulcrum
