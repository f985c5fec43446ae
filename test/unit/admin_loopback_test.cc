// Which admin bind addresses count as loopback for the "no token" start-up warning
// (lb/admin/loopback.h).
#include <catch2/catch.hpp>

#include "lb/admin/loopback.h"

namespace fulcrum::admin {
namespace {

bool loopback(const char* host) { return isLoopback(SocketAddress::fromNumeric(host, 9901).value()); }

TEST_CASE("127.0.0.0/8, ::1 and IPv4-mapped 127.x are loopback", "[admin]") {
  CHECK(loopback("127.0.0.1"));
  CHECK(loopback("127.1.2.3"));
  CHECK(loopback("::1"));
  CHECK(loopback("::ffff:127.0.0.1"));
}

TEST_CASE("wildcard and routable addresses are not loopback", "[admin]") {
  CHECK_FALSE(loopback("0.0.0.0"));
  CHECK_FALSE(loopback("10.0.0.1"));
  CHECK_FALSE(loopback("128.0.0.1"));
  CHECK_FALSE(loopback("::"));
  CHECK_FALSE(loopback("::ffff:10.0.0.1"));
  CHECK_FALSE(loopback("fe80::1"));
}

}  // namespace
}  // namespace fulcrum::admin
