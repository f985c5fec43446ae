// Backend connect failures: connect_timeout bounds a hanging connect and `retries` other
// backends are tried after a failure (INTERFACE.md, listeners.connect_timeout/retries).
#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/blackhole_listener.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// Connects through the proxy and checks that a short message comes back echoed.
bool echoesThrough(uint16_t port, const std::string& message, Millis timeout) {
  UniqueFd client = connectTcp(port, timeout);
  if (!client || !sendAll(client.get(), message, timeout)) return false;
  return recvExact(client.get(), message.size(), timeout) == std::optional<std::string>(message);
}

TEST_CASE("with retries, every connection is served past a backend that refuses", "[tcp]") {
  constexpr int kConnections = 20;
  EchoServer live;
  const uint16_t dead_port = freeTcpPort();  // nothing listens: connects are refused
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig(
      {.listen_port = port, .backend_ports = {dead_port, live.port()}, .retries = 1}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  int served = 0;
  for (int i = 0; i < kConnections; ++i) {
    served += echoesThrough(port, "hello " + std::to_string(i), 3s);
  }
  CHECK(served == kConnections);
  CHECK(live.acceptedConnections() == kConnections);
}

TEST_CASE("connect_timeout closes the client when the only backend never answers", "[tcp]") {
  BlackholeListener blackhole;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port,
                                         .backend_ports = {blackhole.port()},
                                         .connect_timeout = "300ms",
                                         .retries = 0}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  const auto start = Clock::now();
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  std::string received;
  const bool closed = isClosedByPeer(client.get(), 5s, &received);
  const auto elapsed = Clock::now() - start;
  CHECK(closed);
  CHECK(received.empty());
  // Not before the backend connect could have timed out, and far sooner than the
  // kernel's own SYN retry timeout (over a minute).
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 1500ms);
  CHECK(fulcrum.running());
}

TEST_CASE("after a connect timeout the next backend serves the connection", "[tcp]") {
  constexpr int kConnections = 6;
  BlackholeListener blackhole;
  EchoServer live;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port,
                                         .backend_ports = {blackhole.port(), live.port()},
                                         .connect_timeout = "300ms",
                                         .retries = 1}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  int served = 0;
  for (int i = 0; i < kConnections; ++i) {
    const auto start = Clock::now();
    const bool echoed = echoesThrough(port, "via retry " + std::to_string(i), 3s);
    // At worst one connect timeout (300 ms) before the live backend answers.
    served += echoed && Clock::now() - start < 1500ms;
  }
  CHECK(served == kConnections);
  CHECK(live.acceptedConnections() == kConnections);
}

}  // namespace
}  // namespace fulcrum::test
