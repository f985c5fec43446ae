#include "lb/config/prime.h"

namespace fulcrum::config {

bool isPrime(uint64_t value) {
  if (value < 2) return false;
  if (value % 2 == 0) return value == 2;
  if (value % 3 == 0) return value == 3;
  // Every prime above 3 is 6k - 1 or 6k + 1.
  for (uint64_t divisor = 5; divisor <= value / divisor; divisor += 6) {
    if (value % divisor == 0 || value % (divisor + 2) == 0) return false;
  }
  return true;
}

}  // namespace fulcrum::config
