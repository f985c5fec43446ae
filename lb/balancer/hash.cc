#include "lb/balancer/hash.h"

#include <cstring>

#include "lb/balancer/balancer.h"

namespace fulcrum {

uint64_t fnv1a64(std::string_view bytes, uint64_t basis) {
  uint64_t hash = basis;
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= kFnv64Prime;
  }
  return hash;
}

uint64_t splitmix64Mix(uint64_t value) {
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

uint64_t hashBytes(std::string_view bytes, uint64_t seed) {
  return splitmix64Mix(fnv1a64(bytes, kFnv64OffsetBasis ^ splitmix64Mix(seed)));
}

uint64_t hashClientKey(const SocketAddress& client, config::HashKey key) {
  // IPv6 address (16 bytes) and port (2): built on the stack, no allocation per client.
  char buffer[18];
  const std::string_view ip = client.ipBytes();
  size_t length = ip.size();
  if (length != 0) std::memcpy(buffer, ip.data(), length);  // data() may be null when empty
  if (key == config::HashKey::kSourceIpPort) {
    // Network byte order, so the value does not depend on the host's endianness.
    const uint16_t port = client.port();
    buffer[length++] = static_cast<char>(port >> 8);
    buffer[length++] = static_cast<char>(port & 0xff);
  }
  return hashBytes(std::string_view(buffer, length), kClientKeySeed);
}

}  // namespace fulcrum
