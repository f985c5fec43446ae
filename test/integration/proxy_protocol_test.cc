// proxy_protocol = "v1" | "v2": the backend receives a PROXY header with the client's
// address and port and the listener's address before any client byte (INTERFACE.md,
// listeners.proxy_protocol; HAProxy's proxy-protocol.txt).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <span>

#include "lb/proxy/proxy_protocol.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_header_server.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

std::string configFor(const std::string& bind, uint16_t backend_port, const std::string& version) {
  return fmt::format(
      "[runtime]\nworkers = 1\nshutdown_grace = \"1s\"\n\n"
      "[[listeners]]\nname = \"pp\"\nbind = \"{}\"\npool = \"p\"\nproxy_protocol = \"{}\"\n\n"
      "[[pools]]\nname = \"p\"\n[[pools.backends]]\naddress = \"127.0.0.1:{}\"\n",
      bind, version, backend_port);
}

SocketAddress localAddressOf(int fd) {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&local), length);
}

// A blocking IPv6 connection to [::1]:port with 3 s send/receive timeouts.
UniqueFd connectIpv6Loopback(uint16_t port) {
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  timeval timeout{3, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(port);
  address.sin6_addr = in6addr_loopback;
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return UniqueFd();
  return fd;
}

TEST_CASE("proxy_protocol v1 sends the client's and the listener's address first", "[proxy_protocol]") {
  ProxyHeaderServer backend;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(configFor(fmt::format("127.0.0.1:{}", port), backend.port(), "v1"));
  REQUIRE(fulcrum.waitForTcpPort(port, 5s));
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  const SocketAddress client_address = localAddressOf(client.get());
  REQUIRE(sendAll(client.get(), "payload", 2s));
  CHECK(recvExact(client.get(), 7, 3s) == std::optional<std::string>("payload"));

  const auto raw = backend.raw();
  REQUIRE(raw.size() == 1);
  CHECK(raw[0] == fmt::format("PROXY TCP4 127.0.0.1 127.0.0.1 {} {}\r\n", client_address.port(), port));
}

TEST_CASE("proxy_protocol v2 over IPv4 carries the client's address and port", "[proxy_protocol]") {
  ProxyHeaderServer backend;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(configFor(fmt::format("127.0.0.1:{}", port), backend.port(), "v2"));
  REQUIRE(fulcrum.waitForTcpPort(port, 5s));
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  const SocketAddress client_address = localAddressOf(client.get());
  REQUIRE(sendAll(client.get(), "v2 payload", 2s));
  CHECK(recvExact(client.get(), 10, 3s) == std::optional<std::string>("v2 payload"));

  const auto headers = backend.headers();
  REQUIRE(headers.size() == 1);
  REQUIRE(headers[0].status == ProxyParseStatus::kComplete);
  CHECK(headers[0].header.version == 2);
  CHECK(headers[0].header.length == 28);
  CHECK(headers[0].header.source.toString() == client_address.toString());
  CHECK(headers[0].header.destination.toString() == fmt::format("127.0.0.1:{}", port));
}

TEST_CASE("proxy_protocol v2 over IPv6 loopback carries the IPv6 addresses", "[proxy_protocol]") {
  ProxyHeaderServer backend;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(configFor(fmt::format("[::1]:{}", port), backend.port(), "v2"));
  REQUIRE(fulcrum.waitForLog("listening on [::1]", 5s));
  UniqueFd client;
  const Deadline deadline(3s);
  while (!client && !deadline.expired()) client = connectIpv6Loopback(port);
  REQUIRE(client);
  const SocketAddress client_address = localAddressOf(client.get());
  REQUIRE(::send(client.get(), "six", 3, MSG_NOSIGNAL) == 3);
  char echoed[3] = {};
  CHECK(::recv(client.get(), echoed, 3, MSG_WAITALL) == 3);
  CHECK(std::string(echoed, 3) == "six");

  const auto headers = backend.headers();
  REQUIRE(headers.size() == 1);
  REQUIRE(headers[0].status == ProxyParseStatus::kComplete);
  CHECK(headers[0].header.length == 52);
  CHECK(headers[0].header.source.toString() == client_address.toString());
  CHECK(headers[0].header.source.toString().starts_with("[::1]:"));
  CHECK(headers[0].header.destination.toString() == fmt::format("[::1]:{}", port));
}

}  // namespace
}  // namespace fulcrum::test
