// fulcrum sets TCP_NODELAY on both sockets of a proxied connection. Detected through
// latency: a message written in two small pieces (write, write, then wait for the
// answer) is delayed by Nagle's algorithm (RFC 896) until the receiver's delayed ACK
// (RFC 1122 4.2.3.2; about 40 ms on Linux) when the forwarding socket has Nagle on.
#include <algorithm>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

constexpr int kRounds = 20;
// Between the two pieces, so that the proxy forwards them in two writes.
constexpr Millis kPieceGap(2);
// Well under the ~40 ms a Nagle-delayed round takes, well over a prompt round (~2 ms).
constexpr Millis kPromptRound(20);

Millis median(std::vector<Millis> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

TEST_CASE("two small writes from the client reach the backend without Nagle delay", "[tcp]") {
  // Answers each two-byte request once both bytes are in.
  TcpTestServer backend([](ServerConnection& connection) {
    setNoDelay(connection.fd());
    std::string request;
    while (true) {
      while (request.size() < 2) {
        if (connection.read(&request, 2 - request.size()) != IoStatus::kData) return;
      }
      if (!connection.writeAll(request)) return;
      request.clear();
    }
  });
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  setNoDelay(client.get());

  std::vector<Millis> rounds;
  for (int i = 0; i < kRounds; ++i) {
    const auto start = Clock::now();
    if (!sendAll(client.get(), "a", 1s)) break;
    std::this_thread::sleep_for(kPieceGap);
    if (!sendAll(client.get(), "b", 1s)) break;
    if (recvExact(client.get(), 2, 2s) != std::optional<std::string>("ab")) break;
    rounds.push_back(std::chrono::duration_cast<Millis>(Clock::now() - start));
  }
  REQUIRE(rounds.size() == kRounds);
  CHECK(median(rounds) < kPromptRound);
}

TEST_CASE("two small writes from the backend reach the client without Nagle delay", "[tcp]") {
  // For each request byte, answers in two pieces.
  TcpTestServer backend([](ServerConnection& connection) {
    setNoDelay(connection.fd());
    std::string request;
    while (connection.read(&request, 1) == IoStatus::kData) {
      request.clear();
      if (!connection.writeAll("a") || !connection.sleepFor(kPieceGap) || !connection.writeAll("b")) return;
    }
  });
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  setNoDelay(client.get());

  std::vector<Millis> rounds;
  for (int i = 0; i < kRounds; ++i) {
    const auto start = Clock::now();
    if (!sendAll(client.get(), "?", 1s)) break;
    if (recvExact(client.get(), 2, 2s) != std::optional<std::string>("ab")) break;
    rounds.push_back(std::chrono::duration_cast<Millis>(Clock::now() - start));
  }
  REQUIRE(rounds.size() == kRounds);
  CHECK(median(rounds) < kPromptRound);
}

}  // namespace
}  // namespace fulcrum::test
