#pragma once
// The Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable Software
// Network Load Balancer", NSDI 2016, §3.4, Pseudocode 1).
//
// Each backend has a preference list over the M slots, a permutation given by
// offset = h1(name) mod M and skip = h2(name) mod (M - 1) + 1 (slot j of the list is
// (offset + j × skip) mod M; M prime makes every skip coprime with M). Backends take
// turns claiming the next unclaimed slot of their list until the table is full.
//
// Weights (our extension; the paper's backends are unweighted): the weights are divided
// by their greatest common divisor, then each round consists of passes k = 0, 1, ... in
// which every backend of weight > k takes one turn. A backend of weight w thus takes w
// turns per round; after the last full round it holds exactly w × rounds slots and the
// final partial round adds between 0 and w more, so |slots(b) − M × w(b) / Σw| ≤ w(b).
// Backends of equal weight take their turns in the same passes, so their slot counts
// differ by at most one (the paper's balance guarantee, which equal weights reduce to).
//
// Turns go in order of backend name, not list order, so the table depends only on the
// set of (name, weight) pairs. The hashes are the fixed-seed ones of hash.h, identical on
// every fulcrum instance.
#include <cstdint>
#include <string>
#include <vector>

namespace fulcrum {

struct MaglevEntry {
  std::string name;
  uint32_t weight = 1;
};

// The table for `entries`: table_size slots, each an index into `entries`. Entries of
// weight 0 own no slot; the table is empty when no entry has a weight. Entries with the
// same name are ordered by weight, then by position. Throws std::invalid_argument when
// table_size is not prime. O(M log M) expected time (the paper's analysis; each pass
// claims at least one slot, so large weights add no extra work).
std::vector<uint32_t> buildMaglevTable(const std::vector<MaglevEntry>& entries, uint32_t table_size);

}  // namespace fulcrum
