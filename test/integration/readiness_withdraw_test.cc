// runtime.withdraw_delay (INTERFACE.md): after SIGTERM /readyz is 503 at once while the
// listeners keep accepting for the delay, so that routers withdraw the VIP before the
// listener closes; then the graceful shutdown proceeds. A second SIGTERM skips the rest
// of the delay.
#include <catch2/catch.hpp>

#include <csignal>
#include <string>
#include <thread>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// One listener in front of `backend`, with the admin API.
std::string withdrawConfig(uint16_t admin, uint16_t listen, uint16_t backend, const char* withdraw_delay) {
  return tcpProxyConfig({.listen_port = listen,
                         .backend_ports = {backend},
                         .shutdown_grace = "10s",
                         .withdraw_delay = withdraw_delay,
                         .admin_port = admin});
}

bool echoes(int fd, const std::string& message) {
  return sendAll(fd, message, 2s) && recvExact(fd, message.size(), 2s) == std::optional<std::string>(message);
}

TEST_CASE("withdraw_delay: readyz 503 at SIGTERM, new connections proxied during the delay, refused after", "[admin]") {
  EchoServer echo;
  const uint16_t admin = freeTcpPort();
  const uint16_t listen = freeTcpPort();
  FulcrumProcess fulcrum(withdrawConfig(admin, listen, echo.port(), "1s"));
  REQUIRE(fulcrum.waitForTcpPort(listen, 10s));
  REQUIRE(waitForAdmin(admin, 10s));
  REQUIRE(readyzStatus(admin) == 200);

  const auto signalled = Clock::now();
  fulcrum.signal(SIGTERM);
  CHECK(eventually(300ms, [&] { return readyzStatus(admin) == 503; }, 10ms));

  std::this_thread::sleep_until(signalled + 500ms);
  UniqueFd late_client = connectTcp(listen, 1s);
  REQUIRE(late_client);
  CHECK(echoes(late_client.get(), "accepted during withdraw_delay"));
  CHECK(Clock::now() - signalled < 900ms);  // the check above ran inside the delay
  late_client.reset();

  CHECK(eventually(3s, [&] { return tryConnectTcp(listen, 500ms).outcome == ConnectOutcome::kRefused; }, 20ms));
  CHECK(Clock::now() - signalled >= 1s);
  const std::optional<ExitStatus> exit = fulcrum.waitExit(5s);
  REQUIRE(exit);
  CHECK(exit->exitedWith(0));
}

TEST_CASE("withdraw_delay: a second SIGTERM skips the rest of the delay", "[admin]") {
  EchoServer echo;
  const uint16_t admin = freeTcpPort();
  const uint16_t listen = freeTcpPort();
  FulcrumProcess fulcrum(withdrawConfig(admin, listen, echo.port(), "30s"));
  REQUIRE(fulcrum.waitForTcpPort(listen, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  fulcrum.signal(SIGTERM);
  REQUIRE(fulcrum.waitForLog("still accepting for 30s", 2s));
  CHECK(readyzStatus(admin) == 503);
  const auto second = Clock::now();
  fulcrum.signal(SIGTERM);
  const std::optional<ExitStatus> exit = fulcrum.waitExit(5s);
  REQUIRE(exit);
  CHECK(exit->exitedWith(0));
  CHECK(Clock::now() - second < 3s);
  CHECK(fulcrum.log().find("skipping the rest of withdraw_delay") != std::string::npos);
}

}  // namespace
}  // namespace fulcrum::test
