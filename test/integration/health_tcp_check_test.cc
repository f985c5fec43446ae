// The tcp health check through the real binary (INTERFACE.md, [pools.health_check]
// type "tcp"): a killed backend is marked down and skipped, a restarted one comes back.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "test/support/fulcrum_process.h"
#include "test/support/health_config.h"
#include "test/support/health_servers.h"
#include "test/support/health_traffic.h"
#include "test/support/ports.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

constexpr int kClients = 10;

TEST_CASE("tcp check: a killed backend goes down and gets no traffic; restarted, it is up and served", "[health]") {
  auto alpha = std::make_unique<RestartableIdServer>("A");
  RestartableIdServer beta("B");
  const uint16_t alpha_port = alpha->port();
  const uint16_t listen_port = freeTcpPort();
  // interval 300ms, timeout 200ms, rise 2, fall 2.
  FulcrumProcess fulcrum(healthProxyConfig(
      {.listeners = {{.port = listen_port}}, .pools = {{.backend_ports = {alpha_port, beta.port()}}}}));
  REQUIRE(fulcrum.waitForTcpPort(listen_port, 10s));
  REQUIRE(fulcrum.waitForLog(healthTransition(alpha_port, "unknown", "up"), 3s));
  REQUIRE(fulcrum.waitForLog(healthTransition(beta.port(), "unknown", "up"), 3s));

  const auto killed_at = Clock::now();
  alpha->stop();
  const std::string went_down = healthTransition(alpha_port, "up", "down");
  REQUIRE(fulcrum.waitForLog(went_down, 3s));
  // fall x interval (+5% jitter) + timeout, plus slack for a loaded machine.
  CHECK(Clock::now() - killed_at < 2 * 315ms + 200ms + 500ms);
  CHECK_THAT(logLineWith(fulcrum, went_down), Catch::EndsWith("last: connect: connection refused"));

  for (int i = 0; i < kClients; ++i) CHECK(backendIdVia(listen_port, 1, 2s) == std::optional<std::string>("B"));
  // No client was even tried on the dead backend once it was down.
  CHECK(logAfter(fulcrum, went_down).find(fmt::format("connect to backend 127.0.0.1:{}", alpha_port)) ==
        std::string::npos);

  alpha = std::make_unique<RestartableIdServer>("A", alpha_port);
  const auto restarted_at = Clock::now();
  REQUIRE(fulcrum.waitForLog(healthTransition(alpha_port, "down", "up"), 3s));
  CHECK(Clock::now() - restarted_at < 2 * 315ms + 500ms);
  int served_by_alpha = 0;
  for (int i = 0; i < kClients; ++i) {
    const auto id = backendIdVia(listen_port, 1, 2s);
    REQUIRE(id.has_value());
    served_by_alpha += *id == "A";
  }
  CHECK(served_by_alpha > 0);
  CHECK(served_by_alpha < kClients);
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("tcp check: a backend dead from the start goes from unknown to down", "[health]") {
  RestartableIdServer beta("B");
  const uint16_t dead_port = freeTcpPort();
  const uint16_t listen_port = freeTcpPort();
  FulcrumProcess fulcrum(healthProxyConfig(
      {.listeners = {{.port = listen_port}}, .pools = {{.backend_ports = {dead_port, beta.port()}}}}));
  REQUIRE(fulcrum.waitForTcpPort(listen_port, 10s));
  REQUIRE(fulcrum.waitForLog(healthTransition(dead_port, "unknown", "down"), 3s));
  CHECK(fulcrum.log().find(healthTransition(dead_port, "unknown", "up")) == std::string::npos);
  for (int i = 0; i < kClients; ++i) CHECK(backendIdVia(listen_port, 1, 2s) == std::optional<std::string>("B"));
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
