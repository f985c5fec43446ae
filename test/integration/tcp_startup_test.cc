// Start-up: every listener is announced with "listening on HOST:PORT", and a listener
// that cannot bind stops the daemon with a clear message instead of a crash or hang
// (INTERFACE.md, "Command line"; issue "Foundation").
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("start-up logs 'listening on HOST:PORT' for every listener", "[tcp]") {
  EchoServer first_backend;
  EchoServer second_backend;
  const uint16_t first_port = freeTcpPort();
  const uint16_t second_port = freeTcpPort();
  const std::string config = fmt::format(
      "[runtime]\nworkers = 2\n\n"
      "[[listeners]]\nname = \"one\"\nbind = \"127.0.0.1:{}\"\nprotocol = \"tcp\"\npool = \"a\"\n\n"
      "[[listeners]]\nname = \"two\"\nbind = \"127.0.0.1:{}\"\nprotocol = \"tcp\"\npool = \"b\"\n\n"
      "[[pools]]\nname = \"a\"\n  [[pools.backends]]\n  address = \"127.0.0.1:{}\"\n\n"
      "[[pools]]\nname = \"b\"\n  [[pools.backends]]\n  address = \"127.0.0.1:{}\"\n",
      first_port, second_port, first_backend.port(), second_backend.port());
  FulcrumProcess fulcrum(config);
  CHECK(fulcrum.waitForLog(fmt::format("listening on 127.0.0.1:{}", first_port), 10s));
  CHECK(fulcrum.waitForLog(fmt::format("listening on 127.0.0.1:{}", second_port), 10s));

  // Each listener feeds its own pool.
  for (const auto& [port, backend] : {std::pair{first_port, &first_backend}, std::pair{second_port, &second_backend}}) {
    UniqueFd client = connectTcp(port, 2s);
    REQUIRE(client);
    CHECK(sendAll(client.get(), "ping", 1s));
    CHECK(recvExact(client.get(), 4, 2s) == std::optional<std::string>("ping"));
    CHECK(backend->acceptedConnections() == 1);
  }
}

TEST_CASE("a listen port already in use stops fulcrum with a message naming it", "[tcp]") {
  // Hold the port with a listening socket of our own.
  EchoServer occupant;
  EchoServer backend;
  FulcrumProcess fulcrum(
      tcpProxyConfig({.listen_port = occupant.port(), .backend_ports = {backend.port()}}));
  const auto status = fulcrum.waitExit(10s);
  REQUIRE(status.has_value());
  CHECK(status->exited());
  CHECK(status->code() != 0);
  CHECK(fulcrum.log().find(fmt::format("127.0.0.1:{}", occupant.port())) != std::string::npos);
}

}  // namespace
}  // namespace fulcrum::test
