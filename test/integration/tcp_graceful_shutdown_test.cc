// SIGTERM/SIGINT: stop accepting, let open connections finish for up to
// runtime.shutdown_grace, then close them and exit 0 (INTERFACE.md, "Command line").
#include <csignal>

#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// withdraw_delay = 0: the graceful shutdown starts at the signal (no withdrawal phase).
TcpProxySpec shutdownSpec(uint16_t port, uint16_t backend_port, std::string grace) {
  return {.listen_port = port,
          .backend_ports = {backend_port},
          .shutdown_grace = std::move(grace),
          .withdraw_delay = "0s"};
}

bool echoes(int fd, const std::string& message) {
  return sendAll(fd, message, 2s) && recvExact(fd, message.size(), 2s) == std::optional<std::string>(message);
}

void checkSignalDrainsThenExits(int sig) {
  EchoServer echo;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig(shutdownSpec(port, echo.port(), "10s")));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(echoes(client.get(), "before"));

  fulcrum.signal(sig);
  // New clients are refused once the listener is closed.
  CHECK(fulcrum.waitForTcpPortClosed(port, 2s));
  CHECK(tryConnectTcp(port, 1s).outcome == ConnectOutcome::kRefused);
  // The open connection keeps working while the process waits for it.
  CHECK(echoes(client.get(), "during shutdown"));
  CHECK(fulcrum.running());

  // When it ends, the process exits 0 long before the 10 s grace.
  shutdownWrite(client.get());
  CHECK(recvUntilEof(client.get(), 2s).end == StreamEnd::kEof);
  client.reset();
  const auto status = fulcrum.waitExit(3s);
  REQUIRE(status.has_value());
  CHECK(status->describe() == "exit 0");
}

TEST_CASE("SIGTERM refuses new clients, lets the open connection finish, then exits 0", "[tcp]") {
  checkSignalDrainsThenExits(SIGTERM);
}

TEST_CASE("SIGINT shuts down gracefully like SIGTERM", "[tcp]") { checkSignalDrainsThenExits(SIGINT); }

TEST_CASE("SIGTERM closes connections still open after shutdown_grace and exits 0", "[tcp]") {
  EchoServer echo;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig(shutdownSpec(port, echo.port(), "1s")));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(echoes(client.get(), "hello"));

  const auto signalled = Clock::now();
  fulcrum.signal(SIGTERM);
  // Still served during the grace period ...
  CHECK(echoes(client.get(), "within grace"));
  // ... then closed by fulcrum, which exits 0.
  CHECK(isClosedByPeer(client.get(), 4s));
  const auto status = fulcrum.waitExit(4s);
  const auto elapsed = Clock::now() - signalled;
  REQUIRE(status.has_value());
  CHECK(status->describe() == "exit 0");
  CHECK(elapsed >= 900ms);
  CHECK(elapsed < 3s);
  CHECK(eventually(2s, [&] { return echo.activeConnections() == 0; }));
}

TEST_CASE("SIGTERM with no open connection exits 0 at once", "[tcp]") {
  EchoServer echo;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig(shutdownSpec(port, echo.port(), "30s")));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  fulcrum.signal(SIGTERM);
  const auto status = fulcrum.waitExit(2s);
  REQUIRE(status.has_value());
  CHECK(status->describe() == "exit 0");
}

}  // namespace
}  // namespace fulcrum::test
