// The fixed hashes behind consistent_hash (lb/balancer/hash.h).
#include <catch2/catch.hpp>

#include "lb/balancer/balancer.h"
#include "lb/balancer/hash.h"

namespace fulcrum {

TEST_CASE("fnv1a64 matches the published FNV-1a 64-bit test vectors", "[balancer]") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("splitmix64Mix matches the splitmix64 generator's first outputs for seed 0", "[balancer]") {
  constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;
  CHECK(splitmix64Mix(kGoldenGamma) == 0xe220a8397b1dcdafULL);
  CHECK(splitmix64Mix(2 * kGoldenGamma) == 0x6e789e6aa1b965f4ULL);
}

TEST_CASE("hashBytes gives unrelated values for different seeds", "[balancer]") {
  CHECK(hashBytes("10.0.0.1:8080", kMaglevOffsetSeed) != hashBytes("10.0.0.1:8080", kMaglevSkipSeed));
  CHECK(hashBytes("10.0.0.1:8080", kMaglevOffsetSeed) == hashBytes("10.0.0.1:8080", kMaglevOffsetSeed));
  CHECK(hashBytes("10.0.0.1:8080", 1) != hashBytes("10.0.0.2:8080", 1));
}

TEST_CASE("hashClientKey for source_ip ignores the port", "[balancer]") {
  const SocketAddress one = SocketAddress::fromNumeric("203.0.113.7", 1111).value();
  const SocketAddress other = SocketAddress::fromNumeric("203.0.113.7", 2222).value();
  const SocketAddress next_ip = SocketAddress::fromNumeric("203.0.113.8", 1111).value();
  CHECK(hashClientKey(one, config::HashKey::kSourceIp) == hashClientKey(other, config::HashKey::kSourceIp));
  CHECK(hashClientKey(one, config::HashKey::kSourceIp) != hashClientKey(next_ip, config::HashKey::kSourceIp));
}

TEST_CASE("hashClientKey for source_ip_port includes the port", "[balancer]") {
  const SocketAddress one = SocketAddress::fromNumeric("2001:db8::7", 1111).value();
  const SocketAddress other = SocketAddress::fromNumeric("2001:db8::7", 2222).value();
  CHECK(hashClientKey(one, config::HashKey::kSourceIpPort) != hashClientKey(other, config::HashKey::kSourceIpPort));
  CHECK(hashClientKey(one, config::HashKey::kSourceIpPort) != hashClientKey(one, config::HashKey::kSourceIp));
}

TEST_CASE("hashClientKey is the fixed-seed hash of the address bytes", "[balancer]") {
  // Pinned (computed independently from the definition in hash.h): a different value
  // would send every client of every instance to another backend after an upgrade.
  const SocketAddress client = SocketAddress::fromNumeric("10.1.2.3", 0x1234).value();
  CHECK(hashClientKey(client, config::HashKey::kSourceIp) == hashBytes(std::string_view("\x0a\x01\x02\x03", 4), kClientKeySeed));
  CHECK(hashClientKey(client, config::HashKey::kSourceIpPort) ==
        hashBytes(std::string_view("\x0a\x01\x02\x03\x12\x34", 6), kClientKeySeed));
  CHECK(hashBytes(std::string_view("\x0a\x01\x02\x03", 4), kClientKeySeed) == 0xa929f2bf7d0a1b65ULL);
}

}  // namespace fulcrum
