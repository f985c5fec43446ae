// Each balancing algorithm through the real binary (INTERFACE.md, "Semantics that users
// rely on"): smooth weighted round robin, least connections counted over workers, and
// Maglev consistent hashing that sends a client address to the same backend on every
// connection and every worker.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/loopback_address.h"
#include "test/support/ports.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

std::string poolConfig(uint16_t port, unsigned workers, const std::string& balance,
                       const std::vector<std::pair<uint16_t, unsigned>>& backends) {
  std::string text = fmt::format(
      "[runtime]\nworkers = {}\nshutdown_grace = \"1s\"\n\n"
      "[[listeners]]\nname = \"lb\"\nbind = \"127.0.0.1:{}\"\npool = \"p\"\n\n"
      "[[pools]]\nname = \"p\"\nbalance = \"{}\"\n",
      workers, port, balance);
  for (const auto& [backend_port, weight] : backends) {
    text += fmt::format("[[pools.backends]]\naddress = \"127.0.0.1:{}\"\nweight = {}\n", backend_port, weight);
  }
  return text;
}

// The id an IdServer backend sends first, through a new connection from `source_ip`.
std::string idFrom(const std::string& source_ip, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  timeval timeout{3, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in source{};
  source.sin_family = AF_INET;
  inet_pton(AF_INET, source_ip.c_str(), &source.sin_addr);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0) return "bind failed";
  sockaddr_in target = loopbackAddress(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) return "connect failed";
  char id = 0;
  return ::recv(fd.get(), &id, 1, 0) == 1 ? std::string(1, id) : "no id";
}

TEST_CASE("round_robin through the binary: weights 3:1 give 3 of every 4 connections, interleaved",
          "[balancer_integration]") {
  IdServer a("A", IdServer::Mode::kSendAndClose);
  IdServer b("B", IdServer::Mode::kSendAndClose);
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(poolConfig(port, 1, "round_robin", {{a.port(), 3}, {b.port(), 1}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 5s));
  std::string sequence;
  for (int i = 0; i < 40; ++i) sequence += idFrom("127.0.0.1", port);
  CHECK(std::count(sequence.begin(), sequence.end(), 'A') == 30);
  CHECK(std::count(sequence.begin(), sequence.end(), 'B') == 10);
  CHECK(sequence.find("AAAA") == std::string::npos);  // smooth: never more than 3 A in a row
  CHECK(sequence.find("BB") == std::string::npos);
}

TEST_CASE("least_connections through the binary: new connections go where fewest are open",
          "[balancer_integration]") {
  IdServer a("A", IdServer::Mode::kThenEcho);
  IdServer b("B", IdServer::Mode::kThenEcho);
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(poolConfig(port, 2, "least_connections", {{a.port(), 1}, {b.port(), 1}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 5s));
  std::map<std::string, std::vector<UniqueFd>> open;
  for (int i = 0; i < 6; ++i) {
    UniqueFd fd = connectTcp(port, 2s);
    REQUIRE(fd);
    const std::string id = recvExact(fd.get(), 1, 2s).value_or("?");
    open[id].push_back(std::move(fd));
  }
  CHECK(open["A"].size() == 3);
  CHECK(open["B"].size() == 3);
  // Close A's three; the next three new connections all go to A (0 open) rather than B (3).
  open["A"].clear();
  std::this_thread::sleep_for(300ms);  // let fulcrum see the three closes
  std::multiset<std::string> next;
  for (int i = 0; i < 3; ++i) {
    UniqueFd fd = connectTcp(port, 2s);
    REQUIRE(fd);
    next.insert(recvExact(fd.get(), 1, 2s).value_or("?"));
    open["later"].push_back(std::move(fd));
  }
  CHECK(next == std::multiset<std::string>{"A", "A", "A"});
}

TEST_CASE("consistent_hash through the binary: each client address always reaches the same backend",
          "[balancer_integration]") {
  IdServer a("A", IdServer::Mode::kSendAndClose);
  IdServer b("B", IdServer::Mode::kSendAndClose);
  IdServer c("C", IdServer::Mode::kSendAndClose);
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(poolConfig(port, 2, "consistent_hash", {{a.port(), 1}, {b.port(), 1}, {c.port(), 1}}));
  REQUIRE(fulcrum.waitForTcpPort(port, 5s));
  std::set<std::string> backends_used;
  for (int host = 2; host < 22; ++host) {
    const std::string source = fmt::format("127.0.0.{}", host);
    const std::string first = idFrom(source, port);
    REQUIRE(first.size() == 1);
    backends_used.insert(first);
    for (int again = 0; again < 5; ++again) CHECK(idFrom(source, port) == first);
  }
  CHECK(backends_used.size() == 3);  // 20 addresses spread over all three
}

}  // namespace
}  // namespace fulcrum::test
