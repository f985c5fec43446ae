#include "lb/balancer/maglev_table.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "lb/balancer/hash.h"
#include "lb/config/prime.h"

namespace fulcrum {
namespace {

constexpr uint32_t kEmptySlot = UINT32_MAX;

// A backend's walk through its preference list.
struct Preference {
  uint32_t entry;     // index into the caller's entries
  uint32_t weight;
  uint32_t position;  // the next slot of the list to try
  uint32_t skip;
};

}  // namespace

std::vector<uint32_t> buildMaglevTable(const std::vector<MaglevEntry>& entries, uint32_t table_size) {
  if (!config::isPrime(table_size)) {
    throw std::invalid_argument("Maglev table size " + std::to_string(table_size) + " is not a prime number");
  }
  std::vector<uint32_t> order;
  for (uint32_t i = 0; i < entries.size(); ++i) {
    if (entries[i].weight > 0) order.push_back(i);
  }
  if (order.empty()) return {};
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (entries[a].name != entries[b].name) return entries[a].name < entries[b].name;
    if (entries[a].weight != entries[b].weight) return entries[a].weight < entries[b].weight;
    return a < b;
  });

  // Dividing by the common divisor makes scaled weights ({2, 4} and {1, 2}) one table.
  uint32_t divisor = 0;
  for (uint32_t entry : order) divisor = std::gcd(divisor, entries[entry].weight);

  std::vector<Preference> preferences;
  preferences.reserve(order.size());
  for (uint32_t entry : order) {
    const std::string_view name = entries[entry].name;
    const auto offset = static_cast<uint32_t>(hashBytes(name, kMaglevOffsetSeed) % table_size);
    const auto skip = static_cast<uint32_t>(hashBytes(name, kMaglevSkipSeed) % (table_size - 1) + 1);
    preferences.push_back({entry, entries[entry].weight / divisor, offset, skip});
  }

  std::vector<uint32_t> table(table_size, kEmptySlot);
  uint32_t filled = 0;
  std::vector<Preference*> in_pass;
  in_pass.reserve(preferences.size());
  while (true) {
    // One round: pass k gives one turn to every backend of weight > k, in name order.
    in_pass.clear();
    for (Preference& preference : preferences) in_pass.push_back(&preference);
    for (uint32_t pass = 0; !in_pass.empty(); ++pass) {
      for (Preference* preference : in_pass) {
        // Terminates: the list is a permutation of all slots and one is still empty.
        while (table[preference->position] != kEmptySlot) {
          uint64_t next = uint64_t{preference->position} + preference->skip;  // < 2M: no division needed
          if (next >= table_size) next -= table_size;
          preference->position = static_cast<uint32_t>(next);
        }
        table[preference->position] = preference->entry;
        if (++filled == table_size) return table;
      }
      std::erase_if(in_pass, [pass](const Preference* preference) { return preference->weight == pass + 1; });
    }
  }
}

}  // namespace fulcrum
