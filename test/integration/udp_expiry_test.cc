// listeners.idle_timeout on a udp listener: a session without a datagram either way for
// this long ends; the client's next datagram makes a new session through the balancer
// (INTERFACE.md, "Config file" and "UDP").
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <set>
#include <thread>
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

const std::string kSessionsActive = udpListenerSeries("fulcrum_udp_sessions_active");

TEST_CASE("udp: sessions_active rises with new clients and falls to 0 after idle_timeout", "[udp]") {
  UdpEchoServer a("A");
  UdpEchoServer b("B");
  const uint16_t port = freeUdpPort();
  const uint16_t admin = freeTcpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port,
                                         .backends = {{a.port()}, {b.port()}},
                                         .workers = 2,
                                         .idle_timeout = "1s",
                                         .admin_port = admin}));
  REQUIRE(waitForUdpPort(port, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  std::vector<std::unique_ptr<UdpClient>> clients;
  size_t replies = 0;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(std::make_unique<UdpClient>());
    if (clients.back()->roundTrip(port, "hello", 2s)) ++replies;
  }
  const Clock::time_point last_traffic = Clock::now();
  REQUIRE(replies == 50);
  CHECK(metricValue(admin, kSessionsActive) == std::optional<double>(50));
  CHECK(metricValue(admin, udpListenerSeries("fulcrum_listener_active_connections")) == std::optional<double>(50));
  CHECK(metricValue(admin, udpListenerSeries("fulcrum_udp_datagrams_total", R"(direction="to_backend")")) ==
        std::optional<double>(50));
  CHECK(metricValue(admin, udpListenerSeries("fulcrum_udp_datagrams_total", R"(direction="to_client")")) ==
        std::optional<double>(50));
  const auto active_a = metricValue(admin, udpBackendSeries("fulcrum_backend_active_connections", a.address()));
  const auto active_b = metricValue(admin, udpBackendSeries("fulcrum_backend_active_connections", b.address()));
  REQUIRE(active_a);
  REQUIRE(active_b);
  CHECK(*active_a + *active_b == 50);

  REQUIRE(waitForMetric(admin, kSessionsActive, 0, 5s));
  const auto expired_after = Clock::now() - last_traffic;
  CHECK(expired_after >= 900ms);
  CHECK(metricValue(admin, udpListenerSeries("fulcrum_listener_active_connections")) == std::optional<double>(0));
  CHECK(metricValue(admin, udpBackendSeries("fulcrum_backend_active_connections", a.address())) ==
        std::optional<double>(0));
  CHECK(metricValue(admin, udpBackendSeries("fulcrum_backend_active_connections", b.address())) ==
        std::optional<double>(0));
  CHECK(metricValue(admin, udpBackendSeries("fulcrum_backend_connections_total", a.address())) == active_a);
}

TEST_CASE("udp: traffic in either direction keeps a session and silence for idle_timeout ends it", "[udp]") {
  UdpEchoServer echo("A");
  const uint16_t port = freeUdpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port, .backends = {{echo.port()}}, .idle_timeout = "1s"}));
  REQUIRE(waitForUdpPort(port, 10s));

  UdpClient client;
  REQUIRE(client.roundTrip(port, "start", 2s));
  // 2.4 s of datagrams from the backend only, one every 300 ms: the session stays, and
  // each one reaches the client from the listener's address.
  size_t pushed_and_received = 0;
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(300ms);
    if (echo.pushToPeers("push") != 1) continue;
    const std::optional<Datagram> pushed = client.receive(1s);
    if (pushed && pushed->payload == "push" && pushed->source_port == port) ++pushed_and_received;
  }
  CHECK(pushed_and_received == 8);
  // 2.4 s of requests from the client, one every 300 ms.
  size_t replies = 0;
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(300ms);
    if (client.roundTrip(port, "ping", 1s)) ++replies;
  }
  CHECK(replies == 8);
  CHECK(echo.distinctPeers() == 1);  // still the first session
  // Silence: the session ends; the next datagram opens a new one.
  std::this_thread::sleep_for(1600ms);
  CHECK(client.roundTrip(port, "again", 2s));
  CHECK(echo.distinctPeers() == 2);
}

TEST_CASE("udp: with consistent_hash a client that returns after expiry reaches the same backend", "[udp]") {
  UdpEchoServer a("A");
  UdpEchoServer b("B");
  UdpEchoServer c("C");
  const uint16_t port = freeUdpPort();
  const uint16_t admin = freeTcpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port,
                                         .backends = {{a.port()}, {b.port()}, {c.port()}},
                                         .workers = 2,
                                         .idle_timeout = "500ms",
                                         .balance = "consistent_hash",
                                         .hash_key = "source_ip_port",
                                         .admin_port = admin}));
  REQUIRE(waitForUdpPort(port, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  std::vector<std::unique_ptr<UdpClient>> clients;
  std::vector<char> first_backend;
  for (int i = 0; i < 30; ++i) {
    clients.push_back(std::make_unique<UdpClient>());
    const std::optional<Datagram> reply = clients.back()->roundTrip(port, "first", 2s);
    first_backend.push_back(reply && !reply->payload.empty() ? reply->payload[0] : '?');
  }
  CHECK(std::count(first_backend.begin(), first_backend.end(), '?') == 0);
  // source_ip_port spreads the clients, so "same backend" is not the only backend.
  CHECK(std::set<char>(first_backend.begin(), first_backend.end()).size() >= 2);
  CHECK(a.distinctPeers() + b.distinctPeers() + c.distinctPeers() == 30);

  REQUIRE(waitForMetric(admin, kSessionsActive, 0, 5s));
  size_t same_backend = 0;
  for (size_t i = 0; i < clients.size(); ++i) {
    const std::optional<Datagram> reply = clients[i]->roundTrip(port, "again", 2s);
    if (reply && !reply->payload.empty() && reply->payload[0] == first_backend[i]) ++same_backend;
  }
  CHECK(same_backend == 30);
  // Every session had ended (sessions_active 0 above), so each reply came through a new
  // one. Not checked by counting the backends' distinct peers: a new session's socket
  // may be given the local port an expired one just freed, so a peer can repeat.
}

}  // namespace
}  // namespace fulcrum::test
