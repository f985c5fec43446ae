// Drain and shutdown with UDP sessions: a drained backend takes no new sessions and its
// sessions end at the pool's drain_timeout (INTERFACE.md, "Admin API"); SIGTERM ends
// idle sessions at once rather than after shutdown_grace (lb/proxy/udp_listener.h).
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <signal.h>

#include <memory>
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

constexpr Millis kDrainTimeout = 1500ms;

char backendOf(const std::optional<Datagram>& reply) {
  return reply && !reply->payload.empty() ? reply->payload[0] : '?';
}

TEST_CASE("udp: a drained backend takes no new sessions and its sessions end at drain_timeout", "[udp]") {
  UdpEchoServer a("A");
  UdpEchoServer b("B");
  const uint16_t port = freeUdpPort();
  const uint16_t admin = freeTcpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port,
                                         .backends = {{a.port()}, {b.port()}},
                                         .workers = 2,
                                         .drain_timeout = fmt::format("{}ms", kDrainTimeout.count()),
                                         .admin_port = admin}));
  REQUIRE(waitForUdpPort(port, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  std::unique_ptr<UdpClient> on_a;
  for (int i = 0; i < 10 && !on_a; ++i) {
    auto client = std::make_unique<UdpClient>();
    if (backendOf(client->roundTrip(port, "hello", 2s)) == 'A') on_a = std::move(client);
  }
  REQUIRE(on_a);

  const Clock::time_point drained_at = Clock::now();
  const std::optional<HttpResponse> drain = adminCall(admin, "POST", backendPath("backends", a.address(), "drain"));
  REQUIRE(drain);
  REQUIRE(drain->status == 200);

  // The open session keeps its backend; new clients go elsewhere.
  CHECK(backendOf(on_a->roundTrip(port, "during drain", 2s)) == 'A');
  size_t new_on_b = 0;
  for (int i = 0; i < 10; ++i) {
    UdpClient client;
    if (backendOf(client.roundTrip(port, "new", 2s)) == 'B') ++new_on_b;
  }
  CHECK(new_on_b == 10);

  // At drain_timeout the session is closed: the client's next datagram opens a session
  // on B. A datagram forwarded to A just before its session closed gets no reply (the
  // reply has no socket to return to), so a missing reply means "try again" too.
  char backend = 'A';
  const Deadline deadline(kDrainTimeout + 5000ms);
  while (backend != 'B' && !deadline.expired()) {
    std::this_thread::sleep_for(100ms);
    backend = backendOf(on_a->roundTrip(port, "after drain", 2s));
  }
  CHECK(backend == 'B');
  CHECK(Clock::now() - drained_at >= kDrainTimeout - 200ms);
  CHECK(waitForMetric(admin, udpBackendSeries("fulcrum_backend_active_connections", a.address()), 0, 2s));
  CHECK(metricValue(admin, udpBackendSeries("fulcrum_backend_drain_closed_connections_total", a.address())) ==
        std::optional<double>(1));
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("udp: SIGTERM ends idle sessions at once instead of holding shutdown_grace", "[udp]") {
  UdpEchoServer echo("A");
  const uint16_t port = freeUdpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port,
                                         .backends = {{echo.port()}},
                                         .workers = 2,
                                         .shutdown_grace = "20s",
                                         .withdraw_delay = "0ms"}));
  REQUIRE(waitForUdpPort(port, 10s));
  std::vector<std::unique_ptr<UdpClient>> clients;
  size_t replies = 0;
  for (int i = 0; i < 10; ++i) {
    clients.push_back(std::make_unique<UdpClient>());
    if (clients.back()->roundTrip(port, "hello", 2s)) ++replies;
  }
  REQUIRE(replies == 10);

  const Clock::time_point signalled = Clock::now();
  fulcrum.signal(SIGTERM);
  const std::optional<ExitStatus> status = fulcrum.waitExit(5s);
  REQUIRE(status);
  CHECK(status->exitedWith(0));
  CHECK(Clock::now() - signalled < 3s);
}

}  // namespace
}  // namespace fulcrum::test
