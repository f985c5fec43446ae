// The http health check through the real binary (INTERFACE.md, [pools.health_check]
// type "http"): the status decides; no answer, garbage and a reset are failures.
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

HealthCheckSpec httpCheck() {
  return HealthCheckSpec{.type = "http", .interval = "200ms", .timeout = "300ms", .rise = 2, .fall = 2};
}

// One listener in front of one pool holding only `backend_port`, checked by `check`.
std::string singleBackendConfig(uint16_t listen_port, uint16_t backend_port, const HealthCheckSpec& check) {
  return healthProxyConfig(
      {.listeners = {{.port = listen_port}}, .pools = {{.backend_ports = {backend_port}, .health_check = check}}});
}

TEST_CASE("http check: a 503 takes the backend down and a 200 brings it back", "[health]") {
  HttpHealthEndpoint endpoint(200);
  const uint16_t listen_port = freeTcpPort();
  FulcrumProcess fulcrum(singleBackendConfig(listen_port, endpoint.port(), httpCheck()));
  REQUIRE(fulcrum.waitForLog(healthTransition(endpoint.port(), "unknown", "up"), 3s));
  CHECK(fulcrum.log().find("last: http status 200") != std::string::npos);

  endpoint.respondWith(503);
  const std::string went_down = healthTransition(endpoint.port(), "up", "down");
  REQUIRE(fulcrum.waitForLog(went_down, 3s));
  CHECK_THAT(logLineWith(fulcrum, went_down), Catch::EndsWith("last: http status 503, expected 200"));

  endpoint.respondWith(200);
  CHECK(fulcrum.waitForLog(healthTransition(endpoint.port(), "down", "up"), 3s));
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("http check: the request is GET path with Host and Connection: close", "[health]") {
  HttpHealthEndpoint endpoint(200);
  const uint16_t listen_port = freeTcpPort();
  HealthCheckSpec check = httpCheck();
  check.path = "/status/live?probe=1";
  FulcrumProcess fulcrum(singleBackendConfig(listen_port, endpoint.port(), check));
  REQUIRE(eventually(3s, [&] { return endpoint.requestsSeen() >= 1; }));
  const std::string request = endpoint.lastRequest();
  CHECK(request.rfind("GET /status/live?probe=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(request.find(fmt::format("\r\nHost: 127.0.0.1:{}\r\n", endpoint.port())) != std::string::npos);
  CHECK(request.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("http check: expect_status decides what counts as success", "[health]") {
  HttpHealthEndpoint endpoint(204);
  const uint16_t listen_port = freeTcpPort();
  HealthCheckSpec check = httpCheck();
  check.expect_status = 204;
  FulcrumProcess fulcrum(singleBackendConfig(listen_port, endpoint.port(), check));
  REQUIRE(fulcrum.waitForLog(healthTransition(endpoint.port(), "unknown", "up"), 3s));
  endpoint.respondWith(200);
  const std::string went_down = healthTransition(endpoint.port(), "up", "down");
  REQUIRE(fulcrum.waitForLog(went_down, 3s));
  CHECK_THAT(logLineWith(fulcrum, went_down), Catch::EndsWith("last: http status 200, expected 204"));
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("http check: an endpoint that never answers is down by timeout", "[health]") {
  HttpHealthEndpoint endpoint(200);
  endpoint.setMode(HttpHealthEndpoint::Mode::kHang);
  const uint16_t listen_port = freeTcpPort();
  FulcrumProcess fulcrum(singleBackendConfig(listen_port, endpoint.port(), httpCheck()));
  const std::string went_down = healthTransition(endpoint.port(), "unknown", "down");
  // Two checks of 300ms each, 200ms apart, after up to 200ms: well within 3s.
  REQUIRE(fulcrum.waitForLog(went_down, 3s));
  CHECK_THAT(logLineWith(fulcrum, went_down), Catch::EndsWith("last: timeout after 300ms waiting for the status line"));
  CHECK(endpoint.requestsSeen() >= 2);
  CHECK(fulcrum.running());
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("http check: an endpoint that answers garbage is down", "[health]") {
  HttpHealthEndpoint endpoint(200);
  const uint16_t listen_port = freeTcpPort();
  FulcrumProcess fulcrum(singleBackendConfig(listen_port, endpoint.port(), httpCheck()));
  REQUIRE(fulcrum.waitForLog(healthTransition(endpoint.port(), "unknown", "up"), 3s));
  endpoint.setMode(HttpHealthEndpoint::Mode::kGarbage);
  const std::string went_down = healthTransition(endpoint.port(), "up", "down");
  REQUIRE(fulcrum.waitForLog(went_down, 3s));
  CHECK_THAT(logLineWith(fulcrum, went_down),
             Catch::EndsWith("last: http: invalid status line: does not start with \"HTTP/\""));
  CHECK(fulcrum.running());
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("http check: an endpoint that resets the connection is down", "[health]") {
  HttpHealthEndpoint endpoint(200);
  const uint16_t listen_port = freeTcpPort();
  FulcrumProcess fulcrum(singleBackendConfig(listen_port, endpoint.port(), httpCheck()));
  REQUIRE(fulcrum.waitForLog(healthTransition(endpoint.port(), "unknown", "up"), 3s));
  endpoint.setMode(HttpHealthEndpoint::Mode::kReset);
  const std::string went_down = healthTransition(endpoint.port(), "up", "down");
  REQUIRE(fulcrum.waitForLog(went_down, 3s));
  CHECK_THAT(logLineWith(fulcrum, went_down), Catch::EndsWith("last: http: read: connection reset by peer"));
  CHECK(fulcrum.running());
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
