// UdpListener and UdpSession on one uv loop driven by the test: forwarding, idle expiry,
// and that closing the listener ends every session and gives back every count and handle.
#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "lb/pool/pool.h"
#include "lb/proxy/listen_socket.h"
#include "lb/proxy/listener_state.h"
#include "lb/proxy/udp_listener.h"
#include "lb/proxy/worker_context.h"
#include "test/support/deadline.h"
#include "test/support/udp_client.h"
#include "test/support/udp_echo_server.h"

namespace fulcrum {
namespace {

using namespace std::chrono_literals;
using test::Datagram;
using test::Clock;
using test::Deadline;
using test::Millis;
using test::UdpClient;
using test::UdpEchoServer;

config::Endpoint loopbackEndpoint(uint16_t port) {
  config::Endpoint endpoint;
  endpoint.text = "127.0.0.1:" + std::to_string(port);
  endpoint.host_port = HostPort{"127.0.0.1", port};
  endpoint.address = *SocketAddress::fromNumeric("127.0.0.1", port);
  return endpoint;
}

// One worker's loop with one udp listener on 127.0.0.1 in front of `backend_port`.
class UdpListenerFixture {
 public:
  UdpListenerFixture(uint16_t backend_port, std::chrono::milliseconds idle_timeout) {
    config::PoolConfig pool_config;
    pool_config.name = "backends";
    pool_config.backends.push_back(config::BackendConfig{loopbackEndpoint(backend_port), 1});
    pool_ = std::make_shared<Pool>(pool_config, 1);
    config::ListenerConfig listener_config;
    listener_config.name = "udp";
    listener_config.bind = loopbackEndpoint(0);
    listener_config.protocol = config::Protocol::kUdp;
    listener_config.pool = "backends";
    listener_config.idle_timeout = idle_timeout;
    state_ = std::make_shared<ListenerState>(listener_config, pool_.get());

    uv_loop_init(&loop_);
    context_.loop = &loop_;
    std::string error;
    const int fd = openReusePortSocket(listener_config.bind.address, SOCK_DGRAM, &error);
    REQUIRE(fd >= 0);
    sockaddr_in bound{};
    socklen_t length = sizeof(bound);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    port_ = ntohs(bound.sin_port);
    listener_ = UdpListener::start(context_, *state_, fd, &error);
    REQUIRE(listener_ != nullptr);
  }

  ~UdpListenerFixture() {
    if (listener_ != nullptr) listener_->close();
    runUntil(2s, [] { return false; }, /*stop_when_idle=*/true);
    uv_loop_close(&loop_);
  }

  // Runs the loop until `done` holds (true) or `budget` passes (false). With
  // stop_when_idle it also stops once no handle is left.
  template <typename Condition>
  bool runUntil(Millis budget, Condition done, bool stop_when_idle = false) {
    const Deadline deadline(budget);
    while (!done()) {
      if (deadline.expired()) return false;
      const int alive = uv_run(&loop_, UV_RUN_NOWAIT);
      if (stop_when_idle && alive == 0) return true;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }

  // Sends from `client` and runs the loop until the reply arrives.
  std::optional<Datagram> roundTrip(UdpClient& client, const std::string& payload) {
    if (!client.sendTo(port_, payload)) return std::nullopt;
    std::optional<Datagram> reply;
    runUntil(2s, [&] { return (reply = client.receive(0ms)).has_value(); });
    return reply;
  }

  // Closes the listener and runs the loop until every handle has closed.
  bool closeListener() {
    listener_->close();
    listener_ = nullptr;
    return runUntil(2s, [] { return false; }, /*stop_when_idle=*/true);
  }

  uint16_t port() const { return port_; }
  UdpListener& listener() { return *listener_; }
  WorkerContext& context() { return context_; }
  ListenerState& state() { return *state_; }
  Backend& backend() { return *pool_->backends().front(); }
  uv_loop_t* loop() { return &loop_; }

 private:
  std::shared_ptr<Pool> pool_;
  std::shared_ptr<ListenerState> state_;
  uv_loop_t loop_{};
  WorkerContext context_;
  uint16_t port_ = 0;
  UdpListener* listener_ = nullptr;
};

TEST_CASE("udp listener: a datagram opens a session and the reply comes from the listener's port", "[udp]") {
  UdpEchoServer echo("E");
  UdpListenerFixture fixture(echo.port(), 5min);
  UdpClient client;
  const std::optional<Datagram> reply = fixture.roundTrip(client, "ping");
  REQUIRE(reply);
  CHECK(reply->payload == "Eping");
  CHECK(reply->source_port == fixture.port());
  CHECK(fixture.listener().sessionCount() == 1);
  CHECK(fixture.context().connections.size() == 1);
  CHECK(fixture.state().counters().udp_sessions_active.load() == 1);
  CHECK(fixture.state().counters().udp_datagrams_to_backend.load() == 1);
  CHECK(fixture.state().counters().udp_datagrams_to_client.load() == 1);
  CHECK(fixture.backend().activeConnections() == 1);
  CHECK(fixture.backend().counters().bytes_to_backend.load() == 4);
  CHECK(fixture.backend().counters().bytes_to_client.load() == 5);
  // A second datagram uses the same session.
  REQUIRE(fixture.roundTrip(client, "pong"));
  CHECK(fixture.listener().sessionCount() == 1);
  CHECK(fixture.backend().counters().connections_total.load() == 1);
  CHECK(echo.distinctPeers() == 1);
}

TEST_CASE("udp listener: sessions without traffic for idle_timeout expire", "[udp]") {
  UdpEchoServer echo("E");
  UdpListenerFixture fixture(echo.port(), 100ms);
  UdpClient first;
  UdpClient second;
  REQUIRE(fixture.roundTrip(first, "1"));
  REQUIRE(fixture.roundTrip(second, "2"));
  CHECK(fixture.listener().sessionCount() == 2);
  const Clock::time_point start = Clock::now();
  CHECK(fixture.runUntil(2s, [&] { return fixture.listener().sessionCount() == 0; }));
  CHECK(Clock::now() - start >= 80ms);
  // Expired sessions are gone once their sockets have closed.
  CHECK(fixture.runUntil(1s, [&] { return fixture.context().connections.empty(); }));
  CHECK(fixture.state().counters().udp_sessions_active.load() == 0);
  CHECK(fixture.state().activeConnections() == 0);
  CHECK(fixture.backend().activeConnections() == 0);
}

TEST_CASE("udp listener: forceClose (a drain deadline) ends a session and the next datagram opens another", "[udp]") {
  UdpEchoServer echo("E");
  UdpListenerFixture fixture(echo.port(), 5min);
  UdpClient client;
  REQUIRE(fixture.roundTrip(client, "1"));
  const size_t closed = fixture.context().connections.forceCloseIf(
      [&](const TrackedConnection& connection) { return connection.backend() == &fixture.backend(); });
  CHECK(closed == 1);
  CHECK(fixture.listener().sessionCount() == 0);
  REQUIRE(fixture.roundTrip(client, "2"));
  CHECK(fixture.listener().sessionCount() == 1);
  CHECK(echo.distinctPeers() == 2);
  CHECK(fixture.backend().counters().connections_total.load() == 2);
}

TEST_CASE("udp listener: closing the listener ends every session and releases every count", "[udp]") {
  UdpEchoServer echo("E");
  UdpListenerFixture fixture(echo.port(), 5min);
  UdpClient clients[3];
  for (UdpClient& client : clients) REQUIRE(fixture.roundTrip(client, "hi"));
  CHECK(fixture.context().connections.size() == 3);
  CHECK(fixture.closeListener());
  CHECK(fixture.context().connections.empty());
  CHECK(fixture.state().counters().udp_sessions_active.load() == 0);
  CHECK(fixture.state().activeConnections() == 0);
  CHECK(fixture.backend().activeConnections() == 0);
  CHECK(uv_loop_alive(fixture.loop()) == 0);
}

}  // namespace
}  // namespace fulcrum
