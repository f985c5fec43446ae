// pools.health_check.port (INTERFACE.md, "Further keys"): the check goes to another
// port of the backend's host than the traffic does.
#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/health_config.h"
#include "test/support/health_servers.h"
#include "test/support/health_traffic.h"
#include "test/support/ports.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("health_check.port: http checks go to the health listener, traffic to the traffic port", "[health]") {
  IdServer traffic("T", IdServer::Mode::kThenEcho);
  HttpHealthEndpoint health(200);
  const uint16_t listen_port = freeTcpPort();
  const HealthCheckSpec check{
      .type = "http", .interval = "200ms", .timeout = "300ms", .rise = 2, .fall = 2, .port = health.port()};
  FulcrumProcess fulcrum(healthProxyConfig(
      {.listeners = {{.port = listen_port}}, .pools = {{.backend_ports = {traffic.port()}, .health_check = check}}}));
  REQUIRE(fulcrum.waitForLog(healthTransition(traffic.port(), "unknown", "up"), 3s));
  CHECK(health.requestsSeen() >= 2);
  CHECK(traffic.acceptedConnections() == 0);
  CHECK(backendIdVia(listen_port, 1, 2s) == std::optional<std::string>("T"));
  CHECK(traffic.acceptedConnections() == 1);

  health.respondWith(503);
  REQUIRE(fulcrum.waitForLog(healthTransition(traffic.port(), "up", "down"), 3s));
  // The traffic port still listens, but the backend is out: the client is closed.
  CHECK(closedWithoutData(listen_port, 1s));
  CHECK(traffic.acceptedConnections() == 1);

  health.respondWith(200);
  REQUIRE(fulcrum.waitForLog(healthTransition(traffic.port(), "down", "up"), 3s));
  CHECK(backendIdVia(listen_port, 1, 2s) == std::optional<std::string>("T"));
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("health_check.port: a dead health port takes down a backend whose traffic port lives", "[health]") {
  IdServer traffic("T", IdServer::Mode::kThenEcho);
  IdServer other("O", IdServer::Mode::kThenEcho);
  const uint16_t dead_health_port = freeTcpPort();
  const uint16_t listen_port = freeTcpPort();
  HealthPoolSpec pool{.backend_ports = {traffic.port(), other.port()}};
  pool.health_check->port = dead_health_port;
  FulcrumProcess fulcrum(healthProxyConfig({.listeners = {{.port = listen_port}}, .pools = {pool}}));
  // Both backends share the dead health port on 127.0.0.1, so both go down.
  REQUIRE(fulcrum.waitForLog(healthTransition(traffic.port(), "unknown", "down"), 3s));
  REQUIRE(fulcrum.waitForLog(healthTransition(other.port(), "unknown", "down"), 3s));
  CHECK(traffic.acceptedConnections() == 0);
  CHECK(other.acceptedConnections() == 0);
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
