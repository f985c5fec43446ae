#pragma once
// The key of a UDP session: the client's address and port (INTERFACE.md, "UDP": a
// session is the client's address and port). Built straight from the sockaddr that
// recvmmsg filled in, with no allocation, and hashed with a per-listener seed so that a
// client cannot choose source ports that collide in the session table.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace fulcrum {

struct UdpClientKey {
  uint64_t address_high = 0;  // IPv6: bytes 0..7; IPv4: 0
  uint64_t address_low = 0;   // IPv6: bytes 8..15; IPv4: the address
  uint32_t family_and_port = 0;

  bool operator==(const UdpClientKey&) const = default;

  // The key of an AF_INET or AF_INET6 address; false (and *key untouched) for any other
  // family.
  static bool fromSockaddr(const sockaddr* address, UdpClientKey* key);
};

class UdpClientKeyHash {
 public:
  explicit UdpClientKeyHash(uint64_t seed = 0) : seed_(seed) {}
  size_t operator()(const UdpClientKey& key) const;

 private:
  uint64_t seed_;
};

}  // namespace fulcrum
