// A reset on one side of a proxied connection resets the other side (issue
// "Foundation": half-close and reset propagation).
#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a client's reset resets the backend connection", "[tcp]") {
  EchoServer echo;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {echo.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "hi", 1s));
  REQUIRE(recvExact(client.get(), 2, 2s) == std::optional<std::string>("hi"));
  resetConnection(std::move(client));

  CHECK(eventually(2s, [&] { return echo.resetsSeen() == 1; }));
  CHECK(echo.eofsSeen() == 0);
  CHECK(fulcrum.running());
}

TEST_CASE("a backend's reset resets the client connection", "[tcp]") {
  // Answers the first bytes, then resets.
  TcpTestServer backend([](ServerConnection& connection) {
    std::string request;
    if (connection.read(&request, 1024) != IoStatus::kData) return;
    connection.writeAll("bye");
    connection.resetNow();
  });
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "hello", 1s));
  const ReceiveResult result = recvUntilEof(client.get(), 3s);
  CHECK(result.end == StreamEnd::kReset);
  CHECK(fulcrum.running());
}

}  // namespace
}  // namespace fulcrum::test
