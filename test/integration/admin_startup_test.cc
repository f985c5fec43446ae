// Start-up of the admin API: a bind failure stops fulcrum with exit 1, as a listener
// bind failure does.
#include <catch2/catch.hpp>
#include <civetweb.h>
#include <fmt/format.h>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("an admin address already in use makes fulcrum exit 1 with a clear error", "[admin]") {
  EchoServer occupant;  // holds the port the admin API wants
  const uint16_t listen = freeTcpPort();
  FulcrumProcess fulcrum(
      tcpProxyConfig({.listen_port = listen, .backend_ports = {occupant.port()}, .admin_port = occupant.port()}));
  const std::optional<ExitStatus> exit = fulcrum.waitExit(10s);
  REQUIRE(exit);
  CHECK(exit->exitedWith(1));
  CHECK(fulcrum.log().find(fmt::format("admin: cannot listen on 127.0.0.1:{}", occupant.port())) !=
        std::string::npos);
  CHECK_FALSE(isTcpPortListening(listen));
}

TEST_CASE("an IPv6 admin address is served, or refused with a clear error by a civetweb without IPv6", "[admin]") {
  EchoServer echo;
  const uint16_t admin = freeTcpPort();
  const uint16_t listen = freeTcpPort();
  FulcrumProcess fulcrum(fmt::format(R"(
[admin]
bind = "[::1]:{}"

[[listeners]]
name = "web"
bind = "127.0.0.1:{}"
pool = "p"

[[pools]]
name = "p"
  [[pools.backends]]
  address = "127.0.0.1:{}"
)",
                                     admin, listen, echo.port()));
  // Debian 12's libcivetweb is built without IPv6 (feature bit 8).
  if (mg_check_feature(8) != 0) {
    CHECK(fulcrum.waitForTcpPort(admin, 10s));
    return;
  }
  const std::optional<ExitStatus> exit = fulcrum.waitExit(10s);
  REQUIRE(exit);
  CHECK(exit->exitedWith(1));
  CHECK(fulcrum.log().find("the civetweb library of this build has no IPv6 support") != std::string::npos);
}

}  // namespace
}  // namespace fulcrum::test
