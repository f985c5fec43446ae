// UdpClientKey: the session key of a UDP client (address and port) and its seeded hash.
#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <sys/un.h>

#include <algorithm>
#include <vector>

#include "lb/proxy/udp_client_key.h"

namespace fulcrum {
namespace {

sockaddr_in v4(const char* host, uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, host, &address.sin_addr);
  return address;
}

sockaddr_in6 v6(const char* host, uint16_t port) {
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(port);
  ::inet_pton(AF_INET6, host, &address.sin6_addr);
  return address;
}

UdpClientKey keyOf(const sockaddr_in& address) {
  UdpClientKey key;
  REQUIRE(UdpClientKey::fromSockaddr(reinterpret_cast<const sockaddr*>(&address), &key));
  return key;
}

UdpClientKey keyOf(const sockaddr_in6& address) {
  UdpClientKey key;
  REQUIRE(UdpClientKey::fromSockaddr(reinterpret_cast<const sockaddr*>(&address), &key));
  return key;
}

TEST_CASE("udp client key: same address and port give equal keys and hashes", "[udp]") {
  const UdpClientKeyHash hash(42);
  CHECK(keyOf(v4("10.1.2.3", 5353)) == keyOf(v4("10.1.2.3", 5353)));
  CHECK(hash(keyOf(v4("10.1.2.3", 5353))) == hash(keyOf(v4("10.1.2.3", 5353))));
  CHECK(keyOf(v6("2001:db8::1", 53)) == keyOf(v6("2001:db8::1", 53)));
}

TEST_CASE("udp client key: another port or address is another session", "[udp]") {
  CHECK_FALSE(keyOf(v4("10.1.2.3", 5353)) == keyOf(v4("10.1.2.3", 5354)));
  CHECK_FALSE(keyOf(v4("10.1.2.3", 5353)) == keyOf(v4("10.1.2.4", 5353)));
  CHECK_FALSE(keyOf(v6("2001:db8::1", 53)) == keyOf(v6("2001:db8::2", 53)));
  CHECK_FALSE(keyOf(v6("2001:db8::1", 53)) == keyOf(v6("2002:db8::1", 53)));
}

TEST_CASE("udp client key: IPv4 and IPv6 addresses with the same low bits differ", "[udp]") {
  // ::10.1.2.3 carries the IPv4 address in its last four bytes.
  CHECK_FALSE(keyOf(v4("10.1.2.3", 53)) == keyOf(v6("::10.1.2.3", 53)));
}

TEST_CASE("udp client key: families other than IPv4 and IPv6 are refused", "[udp]") {
  sockaddr_un local{};
  local.sun_family = AF_UNIX;
  UdpClientKey key;
  key.address_low = 7;
  CHECK_FALSE(UdpClientKey::fromSockaddr(reinterpret_cast<const sockaddr*>(&local), &key));
  CHECK(key.address_low == 7);
}

TEST_CASE("udp client key: the hash spreads the ports of one client address over buckets", "[udp]") {
  const UdpClientKeyHash hash(0x5eed);
  constexpr size_t kBuckets = 1024;
  std::vector<size_t> load(kBuckets, 0);
  for (uint32_t port = 1; port <= 10240; ++port) {
    ++load[hash(keyOf(v4("192.0.2.7", static_cast<uint16_t>(port)))) % kBuckets];
  }
  // 10 keys per bucket on average; a poor mix piles them up.
  CHECK(*std::max_element(load.begin(), load.end()) < 30);
  CHECK(std::count(load.begin(), load.end(), 0) < 10);
}

TEST_CASE("udp client key: the seed changes the hash", "[udp]") {
  const UdpClientKey key = keyOf(v4("192.0.2.7", 4000));
  CHECK(UdpClientKeyHash(1)(key) != UdpClientKeyHash(2)(key));
}

}  // namespace
}  // namespace fulcrum
