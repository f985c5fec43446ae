// listeners.idle_timeout: a connection without traffic for this long is closed; traffic
// in either direction keeps it open (INTERFACE.md, "Config file").
#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("idle_timeout closes a connection that carries no traffic", "[tcp]") {
  EchoServer echo;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(
      tcpProxyConfig({.listen_port = port, .backend_ports = {echo.port()}, .idle_timeout = "500ms"}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "x", 1s));
  REQUIRE(recvExact(client.get(), 1, 1s) == std::optional<std::string>("x"));

  const auto idle_since = Clock::now();
  std::string received;
  const bool closed = isClosedByPeer(client.get(), 5s, &received);
  const auto idle_for = Clock::now() - idle_since;
  CHECK(closed);
  CHECK(received.empty());
  CHECK(idle_for >= 400ms);
  CHECK(idle_for <= 3s);
  // The backend side is closed as well.
  CHECK(eventually(2s, [&] { return echo.activeConnections() == 0; }));
}

TEST_CASE("idle_timeout leaves a connection with steady traffic open", "[tcp]") {
  EchoServer echo;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(
      tcpProxyConfig({.listen_port = port, .backend_ports = {echo.port()}, .idle_timeout = "500ms"}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  // A byte every 100 ms for 1.5 s: three times the idle timeout in total, never idle.
  int round_trips = 0;
  for (int i = 0; i < 15; ++i) {
    const std::string byte(1, static_cast<char>('a' + i));
    if (!sendAll(client.get(), byte, 1s) || recvExact(client.get(), 1, 1s) != std::optional<std::string>(byte)) {
      break;
    }
    ++round_trips;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(round_trips == 15);
  CHECK(echo.activeConnections() == 1);
  CHECK(echo.eofsSeen() + echo.resetsSeen() == 0);
}

}  // namespace
}  // namespace fulcrum::test
