#pragma once
// Primality for Maglev lookup table sizes (Eisenbud et al., "Maglev: A Fast and
// Reliable Software Network Load Balancer", NSDI 2016, section 3.4: the table size M
// must be prime so that every backend's permutation visits every slot).
#include <cstdint>

namespace fulcrum::config {

// True when `value` is a prime number. Trial division: meant for table sizes (< 2^32),
// not for hot paths.
bool isPrime(uint64_t value);

}  // namespace fulcrum::config
