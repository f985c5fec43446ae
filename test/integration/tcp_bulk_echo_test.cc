// Many concurrent proxied connections carrying bulk data both ways at once
// (INTERFACE.md: TCP proxying; issue "Foundation").
#include <thread>
#include <vector>

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

struct ClientOutcome {
  bool connected = false;
  bool echoed_intact = false;
  StreamEnd end = StreamEnd::kTimeout;  // after our FIN: the echo server's FIN must come back
};

ClientOutcome runEchoClient(uint16_t port, size_t bytes, uint64_t seed) {
  ClientOutcome outcome;
  UniqueFd client = connectTcp(port, 5s);
  if (!client) return outcome;
  outcome.connected = true;
  const std::string payload = randomBytes(bytes, seed);
  const auto echoed = sendWhileReceiving(client.get(), payload, payload.size(), 60s);
  outcome.echoed_intact = echoed.has_value() && *echoed == payload;
  shutdownWrite(client.get());
  const ReceiveResult rest = recvUntilEof(client.get(), 10s);
  outcome.end = rest.data.empty() ? rest.end : StreamEnd::kError;
  return outcome;
}

TEST_CASE("64 concurrent connections each carry 1 MiB both ways, every byte intact", "[tcp]") {
  constexpr size_t kClients = 64;
  constexpr size_t kBytesPerClient = 1024 * 1024;
  EchoServer echo;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {echo.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  std::vector<ClientOutcome> outcomes(kClients);
  std::vector<std::thread> clients;
  for (size_t i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] { outcomes[i] = runEchoClient(port, kBytesPerClient, 1000 + i); });
  }
  for (std::thread& client : clients) client.join();

  size_t connected = 0, intact = 0, clean_eof = 0;
  for (const ClientOutcome& outcome : outcomes) {
    connected += outcome.connected;
    intact += outcome.echoed_intact;
    clean_eof += outcome.end == StreamEnd::kEof;
  }
  CHECK(connected == kClients);
  CHECK(intact == kClients);
  CHECK(clean_eof == kClients);
  CHECK(echo.acceptedConnections() == kClients);
  CHECK(fulcrum.running());
}

}  // namespace
}  // namespace fulcrum::test
