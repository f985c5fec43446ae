#pragma once
// Reproducible pseudo-random payloads, so a failing byte comparison can be replayed.
#include <cstddef>
#include <cstdint>
#include <string>

namespace fulcrum::test {

// `size` bytes from a 64-bit Mersenne Twister seeded with `seed`.
std::string randomBytes(size_t size, uint64_t seed);

}  // namespace fulcrum::test
