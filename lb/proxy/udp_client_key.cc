#include "lb/proxy/udp_client_key.h"

#include <cstring>

namespace fulcrum {
namespace {

// The 64-bit finalizer of MurmurHash3 (Austin Appleby, public domain): every input bit
// affects every output bit, which std::hash<uint64_t> (the identity) does not give.
uint64_t mix(uint64_t value) {
  value ^= value >> 33;
  value *= 0xff51afd7ed558ccdULL;
  value ^= value >> 33;
  value *= 0xc4ceb9fe1a85ec53ULL;
  value ^= value >> 33;
  return value;
}

}  // namespace

bool UdpClientKey::fromSockaddr(const sockaddr* address, UdpClientKey* key) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    key->address_high = 0;
    key->address_low = v4->sin_addr.s_addr;
    key->family_and_port = (static_cast<uint32_t>(AF_INET) << 16) | v4->sin_port;
    return true;
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    std::memcpy(&key->address_high, v6->sin6_addr.s6_addr, 8);
    std::memcpy(&key->address_low, v6->sin6_addr.s6_addr + 8, 8);
    key->family_and_port = (static_cast<uint32_t>(AF_INET6) << 16) | v6->sin6_port;
    return true;
  }
  return false;
}

size_t UdpClientKeyHash::operator()(const UdpClientKey& key) const {
  uint64_t hash = mix(seed_ ^ key.address_high);
  hash = mix(hash ^ key.address_low);
  return static_cast<size_t>(mix(hash ^ key.family_and_port));
}

}  // namespace fulcrum
