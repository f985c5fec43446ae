// The passive health signal through the real binary: a failed connect on the data path
// counts as a failed check and starts fast re-checks (lb/health/probe.h), so a dead
// backend is out long before the next interval.
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

constexpr int kMaxClientsUntilFailure = 10;

TEST_CASE("passive: with a 60s interval, a killed backend is out right after its first failed connect", "[health]") {
  RestartableIdServer alpha("A");
  RestartableIdServer beta("B");
  const uint16_t alpha_port = alpha.port();
  const uint16_t listen_port = freeTcpPort();
  const HealthCheckSpec check{.type = "tcp", .interval = "60s", .timeout = "500ms", .rise = 2, .fall = 3};
  FulcrumProcess fulcrum(
      healthProxyConfig({.listeners = {{.port = listen_port}},
                         .pools = {{.backend_ports = {alpha_port, beta.port()}, .health_check = check}},
                         .retries = 1}));
  REQUIRE(fulcrum.waitForTcpPort(listen_port, 10s));
  alpha.stop();

  // Clients until one was tried on the dead backend; each is still served, by B.
  const std::string failed_connect = fmt::format("connect to backend 127.0.0.1:{} of pool", alpha_port);
  bool saw_failure = false;
  for (int i = 0; i < kMaxClientsUntilFailure && !saw_failure; ++i) {
    CHECK(backendIdVia(listen_port, 1, 3s) == std::optional<std::string>("B"));
    saw_failure = fulcrum.log().find(failed_connect) != std::string::npos;
  }
  REQUIRE(saw_failure);
  const auto first_failure_at = Clock::now();
  const std::string went_down = healthTransition(alpha_port, "unknown", "down");
  REQUIRE(fulcrum.waitForLog(went_down, 3s));
  // The passive failure, an immediate check and a fast re-check 100ms later: nowhere
  // near the 60s interval.
  CHECK(Clock::now() - first_failure_at < 1500ms);
  CHECK_THAT(logLineWith(fulcrum, went_down), Catch::EndsWith("last: connect: connection refused"));
  for (int i = 0; i < 5; ++i) CHECK(backendIdVia(listen_port, 1, 2s) == std::optional<std::string>("B"));
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
