// Connections of every kind release their resources: after they end, fulcrum holds as
// many descriptors as before (issue "Foundation").
#include <thread>

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

// fulcrum's descriptor count once it has not changed for 200 ms (bounded to 3 s).
std::optional<size_t> settledFdCount(const FulcrumProcess& fulcrum) {
  std::optional<size_t> last = fulcrum.openFdCount();
  int unchanged = 0;
  for (int sample = 0; sample < 60 && unchanged < 4; ++sample) {
    std::this_thread::sleep_for(50ms);
    const std::optional<size_t> now = fulcrum.openFdCount();
    unchanged = now == last ? unchanged + 1 : 0;
    last = now;
  }
  return unchanged >= 4 ? last : std::nullopt;
}

TEST_CASE("descriptors return to their baseline after many connections end", "[tcp]") {
  EchoServer echo;
  const uint16_t dead_port = freeTcpPort();
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig(
      {.listen_port = port, .backend_ports = {echo.port(), dead_port}, .retries = 1}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  // One connection first, so that anything created lazily exists in the baseline.
  {
    UniqueFd warm_up = connectTcp(port, 2s);
    REQUIRE(warm_up);
    REQUIRE(sendAll(warm_up.get(), "w", 1s));
    REQUIRE(recvExact(warm_up.get(), 1, 2s) == std::optional<std::string>("w"));
  }
  REQUIRE(eventually(2s, [&] { return echo.activeConnections() == 0; }));
  // The backend's end closing does not mean fulcrum has closed its sockets yet.
  const auto baseline = settledFdCount(fulcrum);
  REQUIRE(baseline.has_value());

  // Graceful closes, half-closes and resets, half of them after a failed connect to
  // the dead backend (round robin alternates).
  int served = 0;
  for (int i = 0; i < 90; ++i) {
    UniqueFd client = connectTcp(port, 2s);
    if (!client || !sendAll(client.get(), "abc", 1s)) continue;
    if (recvExact(client.get(), 3, 2s) != std::optional<std::string>("abc")) continue;
    ++served;
    switch (i % 3) {
      case 0:
        client.reset();
        break;
      case 1:
        shutdownWrite(client.get());
        recvUntilEof(client.get(), 2s);
        break;
      case 2:
        resetConnection(std::move(client));
        break;
    }
  }
  CHECK(served == 90);
  CHECK(eventually(3s, [&] { return echo.activeConnections() == 0; }));
  CHECK(eventually(3s, [&] { return fulcrum.openFdCount() == baseline; }));
  INFO("baseline " << *baseline << " descriptors, now " << fulcrum.openFdCount().value_or(0));
  CHECK(fulcrum.openFdCount() == baseline);
}

TEST_CASE("clients that leave while the backend connect is pending leave nothing behind", "[tcp]") {
  BlackholeListener blackhole;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port,
                                         .backend_ports = {blackhole.port()},
                                         .connect_timeout = "2s",
                                         .retries = 0}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  const auto baseline = settledFdCount(fulcrum);
  REQUIRE(baseline.has_value());

  // Each client goes away (half by FIN, half by RST) while fulcrum still waits for the
  // backend's SYN-ACK.
  for (int i = 0; i < 20; ++i) {
    UniqueFd client = connectTcp(port, 2s);
    REQUIRE(client);
    CHECK(sendAll(client.get(), "early", 1s));
    std::this_thread::sleep_for(20ms);
    if (i % 2 == 0) {
      client.reset();
    } else {
      resetConnection(std::move(client));
    }
  }
  // At the latest when the pending connects time out (2 s).
  CHECK(eventually(4s, [&] { return fulcrum.openFdCount() == baseline; }));
  INFO("baseline " << *baseline << " descriptors, now " << fulcrum.openFdCount().value_or(0));
  CHECK(fulcrum.running());
}

}  // namespace
}  // namespace fulcrum::test
