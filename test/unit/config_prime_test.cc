#include <catch2/catch.hpp>

#include "lb/config/prime.h"

namespace fulcrum::config {
namespace {

TEST_CASE("isPrime rejects 0, 1 and composites", "[config]") {
  for (uint64_t value : {0ULL, 1ULL, 4ULL, 9ULL, 25ULL, 49ULL, 65536ULL, 65539ULL * 3, 257ULL * 263}) {
    INFO(value);
    CHECK_FALSE(isPrime(value));
  }
}

TEST_CASE("isPrime accepts primes, including Maglev's usual table sizes", "[config]") {
  for (uint64_t value : {2ULL, 3ULL, 5ULL, 7ULL, 101ULL, 257ULL, 65537ULL, 655373ULL, 16777213ULL}) {
    INFO(value);
    CHECK(isPrime(value));
  }
}

}  // namespace
}  // namespace fulcrum::config
