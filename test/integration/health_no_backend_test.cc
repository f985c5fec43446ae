// When health checks have every backend of a pool down, a TCP client is closed at once
// (INTERFACE.md: "No up backend: a TCP client is closed at once (no hang)").
#include <catch2/catch.hpp>

#include "test/support/fulcrum_process.h"
#include "test/support/health_config.h"
#include "test/support/health_traffic.h"
#include "test/support/ports.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("all backends down: a client is closed in under a second", "[health]") {
  const uint16_t dead_a = freeTcpPort();
  const uint16_t dead_b = freeTcpPort();
  const uint16_t listen_port = freeTcpPort();
  // connect_timeout is long so that a client which reached a backend would hang for it.
  FulcrumProcess fulcrum(healthProxyConfig(
      {.listeners = {{.port = listen_port}}, .pools = {{.backend_ports = {dead_a, dead_b}}}, .connect_timeout = "5s"}));
  REQUIRE(fulcrum.waitForTcpPort(listen_port, 10s));
  REQUIRE(fulcrum.waitForLog(healthTransition(dead_a, "unknown", "down"), 3s));
  REQUIRE(fulcrum.waitForLog(healthTransition(dead_b, "unknown", "down"), 3s));
  const std::string log_before = fulcrum.log();

  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    CHECK(closedWithoutData(listen_port, 2s));
    CHECK(Clock::now() - start < 1s);
  }
  // No connect was attempted: the balancer had nothing to offer.
  CHECK(countOccurrences(fulcrum.log(), "connect to backend") == countOccurrences(log_before, "connect to backend"));
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
