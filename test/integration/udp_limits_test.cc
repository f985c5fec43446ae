// Limits of a udp listener: max_sessions over all workers (INTERFACE.md, "Further keys"),
// and no eligible backend (INTERFACE.md, "UDP": the datagram is dropped and counted).
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/ports.h"
#include "test/support/udp_client.h"
#include "test/support/udp_echo_server.h"
#include "test/support/udp_metrics.h"
#include "test/support/udp_proxy_config.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("udp: max_sessions caps sessions over all workers and counts the datagrams it drops", "[udp]") {
  UdpEchoServer echo("A");
  const uint16_t port = freeUdpPort();
  const uint16_t admin = freeTcpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port,
                                         .backends = {{echo.port()}},
                                         .workers = 2,
                                         .idle_timeout = "1s",
                                         .max_sessions = 5,
                                         .admin_port = admin}));
  REQUIRE(waitForUdpPort(port, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  std::vector<std::unique_ptr<UdpClient>> served;
  std::vector<std::unique_ptr<UdpClient>> refused;
  for (int i = 0; i < 8; ++i) {
    auto client = std::make_unique<UdpClient>();
    // A refused client hears nothing; 300 ms is ample on loopback.
    if (client->roundTrip(port, "hello", 300ms)) served.push_back(std::move(client));
    else refused.push_back(std::move(client));
  }
  CHECK(served.size() == 5);
  CHECK(refused.size() == 3);
  CHECK(echo.distinctPeers() == 5);
  CHECK(metricValue(admin, udpListenerSeries("fulcrum_udp_sessions_active")) == std::optional<double>(5));
  CHECK(metricValue(admin, udpListenerSeries("fulcrum_listener_rejected_total", R"(reason="max_connections")")) ==
        std::optional<double>(3));
  CHECK(metricValue(admin, udpListenerSeries("fulcrum_listener_connections_total")) == std::optional<double>(8));
  // The admitted sessions keep working at the limit.
  size_t still_served = 0;
  for (auto& client : served) still_served += client->roundTrip(port, "again", 2s) ? 1 : 0;
  CHECK(still_served == 5);

  // Once the sessions expire there is room again.
  REQUIRE(waitForMetric(admin, udpListenerSeries("fulcrum_udp_sessions_active"), 0, 5s));
  CHECK(refused.front()->roundTrip(port, "my turn", 2s));
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("udp: without an eligible backend a datagram is dropped and counted", "[udp]") {
  UdpEchoServer echo("A");
  const uint16_t port = freeUdpPort();
  const uint16_t admin = freeTcpPort();
  FulcrumProcess fulcrum(
      udpProxyConfig({.listen_port = port, .backends = {{echo.port(), /*weight=*/0}}, .admin_port = admin}));
  REQUIRE(waitForUdpPort(port, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  UdpClient client;
  for (int i = 0; i < 3; ++i) CHECK(client.sendTo(port, "hello"));
  CHECK(client.staysQuiet(300ms));
  CHECK(waitForMetric(admin, udpListenerSeries("fulcrum_listener_rejected_total", R"(reason="no_backend")"), 3, 2s));
  CHECK(metricValue(admin, udpListenerSeries("fulcrum_udp_sessions_active")) == std::optional<double>(0));
  CHECK(metricValue(admin, udpListenerSeries("fulcrum_udp_datagrams_total", R"(direction="to_backend")")) ==
        std::optional<double>(0));
  CHECK(echo.datagramsReceived() == 0);
}

}  // namespace
}  // namespace fulcrum::test
