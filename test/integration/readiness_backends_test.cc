// GET /readyz follows the backends (INTERFACE.md, "Admin API"): 503 while no listener's
// pool has an eligible backend (weight > 0, not draining, health not down), 200 as soon
// as one has.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <memory>
#include <string>

#include "test/support/fulcrum_process.h"
#include "test/support/health_config.h"
#include "test/support/health_servers.h"
#include "test/support/http_admin.h"
#include "test/support/ports.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// Two listeners, each with its own pool; tcp health checks every 100ms, rise 1, fall 1.
std::string twoListenerConfig(uint16_t admin, uint16_t listen_a, uint16_t backend_a, uint16_t listen_b,
                              uint16_t backend_b) {
  constexpr const char* kPool = R"(
[[pools]]
name = "{}"
  [pools.health_check]
  type = "tcp"
  interval = "100ms"
  timeout = "100ms"
  rise = 1
  fall = 1
  [[pools.backends]]
  address = "127.0.0.1:{}"
)";
  return fmt::format(R"(
[runtime]
workers = 1
withdraw_delay = "0s"

[admin]
bind = "127.0.0.1:{}"

[[listeners]]
name = "a"
bind = "127.0.0.1:{}"
pool = "pa"

[[listeners]]
name = "b"
bind = "127.0.0.1:{}"
pool = "pb"
)",
                     admin, listen_a, listen_b) +
         fmt::format(fmt::runtime(kPool), "pa", backend_a) + fmt::format(fmt::runtime(kPool), "pb", backend_b);
}

bool readyzBecomes(uint16_t admin, int status) {
  return eventually(3s, [&] { return readyzStatus(admin) == status; }, 20ms);
}

TEST_CASE("readyz: 503 while every backend is down, 200 once one is up, 503 when it drains", "[admin]") {
  const uint16_t admin = freeTcpPort();
  const uint16_t backend_a = freeTcpPort();
  const uint16_t backend_b = freeTcpPort();
  const uint16_t listen_a = freeTcpPort();
  const uint16_t listen_b = freeTcpPort();
  FulcrumProcess fulcrum(twoListenerConfig(admin, listen_a, backend_a, listen_b, backend_b));
  REQUIRE(fulcrum.waitForTcpPort(listen_b, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  // Nothing listens on either backend port: both go down.
  REQUIRE(fulcrum.waitForLog(healthTransition(backend_a, "unknown", "down"), 3s));
  REQUIRE(fulcrum.waitForLog(healthTransition(backend_b, "unknown", "down"), 3s));
  CHECK(readyzStatus(admin) == 503);

  RestartableIdServer server_b("B", backend_b);
  REQUIRE(fulcrum.waitForLog(healthTransition(backend_b, "down", "up"), 3s));
  CHECK(readyzBecomes(admin, 200));

  const std::string address_b = fmt::format("127.0.0.1:{}", backend_b);
  REQUIRE(adminCall(admin, "POST", backendPath("pb", address_b, "drain"))->status == 200);
  CHECK(readyzStatus(admin) == 503);

  REQUIRE(adminCall(admin, "POST", backendPath("pb", address_b, "enable"))->status == 200);
  CHECK(readyzStatus(admin) == 200);
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("readyz: one listener's pool with an eligible backend is enough", "[admin]") {
  const uint16_t admin = freeTcpPort();
  const uint16_t backend_a = freeTcpPort();
  RestartableIdServer server_b("B");
  const uint16_t listen_a = freeTcpPort();
  const uint16_t listen_b = freeTcpPort();
  FulcrumProcess fulcrum(twoListenerConfig(admin, listen_a, backend_a, listen_b, server_b.port()));
  REQUIRE(fulcrum.waitForTcpPort(listen_b, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  REQUIRE(fulcrum.waitForLog(healthTransition(backend_a, "unknown", "down"), 3s));
  REQUIRE(fulcrum.waitForLog(healthTransition(server_b.port(), "unknown", "up"), 3s));
  CHECK(readyzStatus(admin) == 200);

  server_b.stop();
  REQUIRE(fulcrum.waitForLog(healthTransition(server_b.port(), "up", "down"), 3s));
  CHECK(readyzStatus(admin) == 503);
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
