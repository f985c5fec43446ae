// Half-close propagation: a FIN from one side becomes a shutdown(SHUT_WR) toward the
// other, and the other direction keeps flowing until it ends too (issue "Foundation").
#include <atomic>
#include <mutex>

#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/random_bytes.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a client's FIN reaches the backend, whose full reply still comes back", "[tcp]") {
  const std::string request = randomBytes(200 * 1024, 11);
  const std::string reply = randomBytes(2 * 1024 * 1024, 12);
  ReadToEofThenReplyServer backend(reply);
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), request, 5s));
  shutdownWrite(client.get());
  const ReceiveResult received = recvUntilEof(client.get(), 10s);

  CHECK(received.end == StreamEnd::kEof);
  CHECK(received.data.size() == reply.size());
  CHECK(received.data == reply);
  CHECK(backend.requests() == std::vector<std::string>{request});
}

TEST_CASE("a backend's FIN reaches the client, which can still send afterwards", "[tcp]") {
  // The backend greets, half-closes, then reads the client's data until its FIN.
  std::mutex mutex;
  std::string backend_received;
  IoStatus backend_end = IoStatus::kTimeout;
  TcpTestServer backend([&](ServerConnection& connection) {
    if (!connection.writeAll("greeting")) return;
    connection.shutdownWrite();
    std::string data;
    IoStatus status;
    while ((status = connection.read(&data, 64 * 1024)) == IoStatus::kData) {
    }
    std::lock_guard lock(mutex);
    backend_received = data;
    backend_end = status;
  });
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  const ReceiveResult greeting = recvUntilEof(client.get(), 5s);
  CHECK(greeting.end == StreamEnd::kEof);
  CHECK(greeting.data == "greeting");

  const std::string late_data = randomBytes(1024 * 1024, 13);
  CHECK(sendAll(client.get(), late_data, 5s));
  shutdownWrite(client.get());
  CHECK(eventually(5s, [&] {
    std::lock_guard lock(mutex);
    return backend_end != IoStatus::kTimeout;
  }));
  std::lock_guard lock(mutex);
  CHECK(backend_end == IoStatus::kEof);
  CHECK(backend_received.size() == late_data.size());
  CHECK(backend_received == late_data);
}

TEST_CASE("a proxied connection ends once both directions have finished", "[tcp]") {
  EchoServer echo;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {echo.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "last words", 2s));
  shutdownWrite(client.get());
  // The echo server echoes, sees our FIN and sends its own: the client gets the echo and
  // then EOF, and the backend connection is gone.
  const ReceiveResult received = recvUntilEof(client.get(), 5s);
  CHECK(received.end == StreamEnd::kEof);
  CHECK(received.data == "last words");
  CHECK(eventually(2s, [&] { return echo.activeConnections() == 0; }));
  CHECK(echo.eofsSeen() == 1);
  CHECK(echo.resetsSeen() == 0);
}

}  // namespace
}  // namespace fulcrum::test
