#include "test/support/random_bytes.h"

#include <cstring>
#include <random>

namespace fulcrum::test {

std::string randomBytes(size_t size, uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::string bytes(size, '\0');
  size_t offset = 0;
  while (offset < size) {
    const uint64_t word = generator();
    const size_t take = std::min(sizeof(word), size - offset);
    std::memcpy(bytes.data() + offset, &word, take);
    offset += take;
  }
  return bytes;
}

}  // namespace fulcrum::test
