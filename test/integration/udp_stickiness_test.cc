// UDP sessions (INTERFACE.md, "UDP"): a session is the client's address and port; all its
// datagrams go to one backend and the replies come back from the listener's address.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/udp_client.h"
#include "test/support/udp_echo_server.h"
#include "test/support/udp_proxy_config.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// What `clients` saw over `rounds` rounds of one datagram each (client by client in
// every round).
struct Observed {
  size_t replies = 0;
  size_t intact = 0;         // payload after the backend's one-letter id is what was sent
  size_t from_listener = 0;  // source 127.0.0.1:listen_port
  std::vector<std::set<char>> backends_per_client;
};

Observed exchange(std::vector<std::unique_ptr<UdpClient>>& clients, uint16_t listen_port, int rounds) {
  Observed observed;
  observed.backends_per_client.resize(clients.size());
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < clients.size(); ++i) {
      const std::string payload = fmt::format("client {} datagram {}", i, round);
      const std::optional<Datagram> reply = clients[i]->roundTrip(listen_port, payload, 2s);
      if (!reply || reply->payload.empty()) continue;
      ++observed.replies;
      if (reply->payload.substr(1) == payload) ++observed.intact;
      if (reply->source_host == "127.0.0.1" && reply->source_port == listen_port) ++observed.from_listener;
      observed.backends_per_client[i].insert(reply->payload[0]);
    }
  }
  return observed;
}

std::vector<std::unique_ptr<UdpClient>> makeClients(size_t count) {
  std::vector<std::unique_ptr<UdpClient>> clients;
  for (size_t i = 0; i < count; ++i) clients.push_back(std::make_unique<UdpClient>());
  return clients;
}

size_t clientsOnOneBackend(const Observed& observed) {
  return static_cast<size_t>(std::count_if(observed.backends_per_client.begin(), observed.backends_per_client.end(),
                                           [](const std::set<char>& seen) { return seen.size() == 1; }));
}

TEST_CASE("udp: 50 clients stick to one backend each (round robin 17/17/16) and hear replies from the listener",
          "[udp]") {
  UdpEchoServer a("A");
  UdpEchoServer b("B");
  UdpEchoServer c("C");
  const uint16_t port = freeUdpPort();
  FulcrumProcess fulcrum(
      udpProxyConfig({.listen_port = port, .backends = {{a.port()}, {b.port()}, {c.port()}}, .workers = 1}));
  REQUIRE(waitForUdpPort(port, 10s));

  auto clients = makeClients(50);
  const Observed observed = exchange(clients, port, 20);
  CHECK(observed.replies == 1000);
  CHECK(observed.intact == 1000);
  CHECK(observed.from_listener == 1000);
  CHECK(clientsOnOneBackend(observed) == 50);

  std::map<char, size_t> sessions_per_backend;
  for (const auto& seen : observed.backends_per_client) {
    if (seen.size() == 1) ++sessions_per_backend[*seen.begin()];
  }
  std::vector<size_t> spread;
  for (const auto& [id, sessions] : sessions_per_backend) spread.push_back(sessions);
  std::sort(spread.begin(), spread.end());
  CHECK(spread == std::vector<size_t>{16, 17, 17});

  // The backends agree: one source (session socket) per client, 20 datagrams each.
  for (const UdpEchoServer* backend : {&a, &b, &c}) {
    const size_t sessions = sessions_per_backend[backend->id()[0]];
    CHECK(backend->distinctPeers() == sessions);
    CHECK(backend->datagramsReceived() == 20 * sessions);
  }
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("udp: stickiness holds with several workers", "[udp]") {
  UdpEchoServer a("A");
  UdpEchoServer b("B");
  const uint16_t port = freeUdpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port, .backends = {{a.port()}, {b.port()}}, .workers = 2}));
  REQUIRE(waitForUdpPort(port, 10s));

  auto clients = makeClients(40);
  const Observed observed = exchange(clients, port, 10);
  CHECK(observed.replies == 400);
  CHECK(observed.intact == 400);
  CHECK(observed.from_listener == 400);
  CHECK(clientsOnOneBackend(observed) == 40);
  CHECK(a.distinctPeers() + b.distinctPeers() == 40);
  CHECK(a.datagramsReceived() + b.datagramsReceived() == 400);
}

}  // namespace
}  // namespace fulcrum::test
