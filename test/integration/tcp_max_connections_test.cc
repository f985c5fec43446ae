// listeners.max_connections: over the limit a new client is refused at once, and a freed
// slot is usable again (INTERFACE.md, "Config file").
#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// A connection through the proxy that has proven end to end with an echo.
UniqueFd openEchoedConnection(uint16_t port, const std::string& message) {
  UniqueFd client = connectTcp(port, 2s);
  if (!client || !sendAll(client.get(), message, 2s)) return UniqueFd();
  if (recvExact(client.get(), message.size(), 2s) != std::optional<std::string>(message)) return UniqueFd();
  return client;
}

// What happens to a new client: the connect outcome and, once connected, how the
// stream from the proxy ends within the wait.
struct Admission {
  ConnectOutcome connect = ConnectOutcome::kError;
  int connect_error = 0;
  StreamEnd end = StreamEnd::kTimeout;
  std::string received;

  // Refused: the connect is refused or reset outright, or the accepted connection is
  // closed (FIN or RST) without any data.
  bool refused() const {
    if (connect == ConnectOutcome::kRefused || connect == ConnectOutcome::kReset) return true;
    return connect == ConnectOutcome::kConnected && (end == StreamEnd::kEof || end == StreamEnd::kReset) &&
           received.empty();
  }
  std::string describe() const {
    return std::string("connect ") + toString(connect) + " (errno " + std::to_string(connect_error) +
           "), then " + toString(end) + " after " + std::to_string(received.size()) + " bytes";
  }
};

Admission admitNewClient(uint16_t port, Millis within) {
  Admission admission;
  ConnectResult attempt = tryConnectTcp(port, 2s);
  admission.connect = attempt.outcome;
  admission.connect_error = attempt.error;
  if (attempt.outcome != ConnectOutcome::kConnected) return admission;
  ReceiveResult result = recvUntilEof(attempt.fd.get(), within);
  admission.end = result.end;
  admission.received = std::move(result.data);
  return admission;
}

TEST_CASE("max_connections = 2 refuses the third client at once and frees slots on close", "[tcp]") {
  EchoServer echo;
  const uint16_t port = freeTcpPort();
  // Two workers: the limit must hold for the listener as a whole, not per worker.
  FulcrumProcess fulcrum(tcpProxyConfig(
      {.listen_port = port, .backend_ports = {echo.port()}, .workers = 2, .max_connections = 2}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  UniqueFd first = openEchoedConnection(port, "first");
  UniqueFd second = openEchoedConnection(port, "second");
  REQUIRE(first);
  REQUIRE(second);

  for (int extra = 0; extra < 2; ++extra) {
    const Admission admission = admitNewClient(port, 1s);
    INFO("extra client " << extra << ": " << admission.describe());
    CHECK(admission.refused());
  }
  CHECK(echo.acceptedConnections() == 2);

  // Close the first connection completely (both FINs exchanged) ...
  shutdownWrite(first.get());
  REQUIRE(recvUntilEof(first.get(), 2s).end == StreamEnd::kEof);
  first.reset();

  // ... after which a new client gets the freed slot. The proxy may take a moment to
  // release it after its own close, hence a short bounded retry.
  UniqueFd third;
  CHECK(eventually(1s, [&] {
    third = openEchoedConnection(port, "third");
    return third.valid();
  }, 50ms));
  // The second connection was never disturbed.
  CHECK(sendAll(second.get(), "still here", 2s));
  CHECK(recvExact(second.get(), 10, 2s) == std::optional<std::string>("still here"));
  // Only accepted connections reached the backend.
  CHECK(echo.acceptedConnections() == 3);
}

}  // namespace
}  // namespace fulcrum::test
