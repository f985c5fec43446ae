// Health and UDP sessions: a backend that is down gets no new sessions; a session whose
// backend goes down moves to another backend on its next datagram; an ICMP port
// unreachable from a backend counts as a failed connect (passive health).
//
// The pools check each backend with a tcp connect to the backend's own port number: a
// TCP listener on that number (TCP and UDP ports are separate) makes the backend up.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <memory>
#include <thread>
#include <vector>

#include "test/support/config_edits.h"
#include "test/support/fulcrum_process.h"
#include "test/support/health_config.h"
#include "test/support/health_servers.h"
#include "test/support/http_admin.h"
#include "test/support/ports.h"
#include "test/support/udp_client.h"
#include "test/support/udp_echo_server.h"
#include "test/support/udp_metrics.h"
#include "test/support/udp_proxy_config.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// A TCP listener on `port` that accepts and closes: what the tcp health check wants.
std::unique_ptr<RestartableServer> tcpHealthPort(uint16_t port) {
  return std::make_unique<RestartableServer>(port, [](ServerConnection&) {});
}

// A UDP echo backend and a TCP health port with the same number. The UDP port is free
// when chosen, but the TCP port of that number may be taken by someone else: try again.
struct CheckedUdpBackend {
  std::unique_ptr<UdpEchoServer> echo;
  std::unique_ptr<RestartableServer> health;
  uint16_t port() const { return echo->port(); }
};

CheckedUdpBackend checkedUdpBackend(const std::string& id) {
  for (int attempt = 0;; ++attempt) {
    auto echo = std::make_unique<UdpEchoServer>(id);
    try {
      auto health = tcpHealthPort(echo->port());
      return CheckedUdpBackend{std::move(echo), std::move(health)};
    } catch (const std::exception&) {
      if (attempt == 20) throw;
    }
  }
}

char backendOf(const std::optional<Datagram>& reply) {
  return reply && !reply->payload.empty() ? reply->payload[0] : '?';
}

TEST_CASE("udp: a backend that is down gets no new sessions", "[udp]") {
  CheckedUdpBackend checked_a = checkedUdpBackend("A");
  UdpEchoServer& a = *checked_a.echo;
  UdpEchoServer b("B");  // no health port: down
  const uint16_t port = freeUdpPort();
  FulcrumProcess fulcrum(udpProxyConfig(
      {.listen_port = port, .backends = {{a.port()}, {b.port()}}, .health_check = UdpHealthCheckSpec{}}));
  REQUIRE(waitForUdpPort(port, 10s));
  REQUIRE(fulcrum.waitForLog(healthTransition(b.port(), "unknown", "down"), 5s));
  REQUIRE(fulcrum.waitForLog(healthTransition(a.port(), "unknown", "up"), 5s));

  size_t reached_a = 0;
  for (int i = 0; i < 20; ++i) {
    UdpClient client;
    if (backendOf(client.roundTrip(port, "hello", 2s)) == 'A') ++reached_a;
  }
  CHECK(reached_a == 20);
  CHECK(b.datagramsReceived() == 0);
}

TEST_CASE("udp: a session whose backend goes down moves on its next datagram", "[udp]") {
  CheckedUdpBackend checked_a = checkedUdpBackend("A");
  CheckedUdpBackend checked_b = checkedUdpBackend("B");
  UdpEchoServer& a = *checked_a.echo;
  UdpEchoServer& b = *checked_b.echo;
  auto& health_b = checked_b.health;
  const uint16_t port = freeUdpPort();
  // With the access log on, the session that moves is logged as ended by backend_down.
  FulcrumProcess fulcrum(withListenerKeys(
      udpProxyConfig({.listen_port = port, .backends = {{a.port()}, {b.port()}}, .health_check = UdpHealthCheckSpec{}}),
      "access_log = true\n"));
  REQUIRE(waitForUdpPort(port, 10s));
  REQUIRE(fulcrum.waitForLog(healthTransition(a.port(), "unknown", "up"), 5s));
  REQUIRE(fulcrum.waitForLog(healthTransition(b.port(), "unknown", "up"), 5s));

  // Round robin: of two new clients one lands on each backend.
  std::vector<std::unique_ptr<UdpClient>> clients;
  std::unique_ptr<UdpClient> on_a;
  std::unique_ptr<UdpClient> on_b;
  for (int i = 0; i < 4 && !(on_a && on_b); ++i) {
    auto client = std::make_unique<UdpClient>();
    const char backend = backendOf(client->roundTrip(port, "hello", 2s));
    if (backend == 'A' && !on_a) on_a = std::move(client);
    else if (backend == 'B' && !on_b) on_b = std::move(client);
  }
  REQUIRE(on_a);
  REQUIRE(on_b);
  CHECK(backendOf(on_b->roundTrip(port, "still b", 2s)) == 'B');
  const size_t b_datagrams = b.datagramsReceived();
  const size_t a_sessions = a.distinctPeers();

  health_b->stop();
  REQUIRE(fulcrum.waitForLog(healthTransition(b.port(), "up", "down"), 5s));
  // B's UDP side still answers, so only the health verdict moves the client.
  CHECK(backendOf(on_b->roundTrip(port, "moved", 2s)) == 'A');
  CHECK(backendOf(on_b->roundTrip(port, "stays moved", 2s)) == 'A');
  CHECK(fulcrum.waitForLog(fmt::format("client=127.0.0.1:{} backend=127.0.0.1:{} bytes_to_backend=12",
                                       on_b->localPort(), b.port()),
                           5s));
  CHECK(fulcrum.waitForLog("reason=backend_down", 5s));
  CHECK(b.datagramsReceived() == b_datagrams);
  CHECK(a.distinctPeers() == a_sessions + 1);
  // The session on the healthy backend is untouched.
  CHECK(backendOf(on_a->roundTrip(port, "still a", 2s)) == 'A');
  CHECK(a.distinctPeers() == a_sessions + 1);
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("udp: ICMP port unreachable from a backend counts as a connect failure", "[udp]") {
  const uint16_t dead_backend = freeUdpPort();  // nothing bound: the kernel answers ICMP
  const uint16_t port = freeUdpPort();
  const uint16_t admin = freeTcpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port, .backends = {{dead_backend}}, .admin_port = admin}));
  REQUIRE(waitForUdpPort(port, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  UdpClient client;
  // Spaced out so that each ICMP error is read before the next datagram goes.
  for (int i = 0; i < 3; ++i) {
    REQUIRE(client.sendTo(port, "anyone?"));
    std::this_thread::sleep_for(150ms);
  }
  const std::string backend = fmt::format("127.0.0.1:{}", dead_backend);
  CHECK(waitForMetric(admin, udpBackendSeries("fulcrum_backend_connect_failures_total", backend), 3, 3s));
  CHECK(fulcrum.log().find("connection refused") != std::string::npos);
  // The session itself lives on (the backend may come back); its datagrams were sent.
  CHECK(metricValue(admin, udpListenerSeries("fulcrum_udp_sessions_active")) == std::optional<double>(1));
  CHECK(client.staysQuiet(200ms));
}

}  // namespace
}  // namespace fulcrum::test
