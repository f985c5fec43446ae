// UDP datagrams of any size up to the protocol's limit are forwarded intact, both ways
// (65,507 bytes of payload over IPv4: RFC 768 length field minus the IP and UDP headers),
// and a burst that fulcrum sends on as GSO runs (UdpSender) arrives as the same
// datagrams, in order.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/random_bytes.h"
#include "test/support/udp_client.h"
#include "test/support/udp_echo_server.h"
#include "test/support/udp_proxy_config.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("udp: datagrams of 0 1 1400 and 65000 bytes echo intact", "[udp]") {
  UdpEchoServer echo("A");
  const uint16_t port = freeUdpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port, .backends = {{echo.port()}}}));
  REQUIRE(waitForUdpPort(port, 10s));

  UdpClient client;
  for (const size_t size : {size_t{0}, size_t{1}, size_t{1400}, size_t{65000}}) {
    INFO("datagram of " << size << " bytes");
    const std::string payload = randomBytes(size, size);
    const std::optional<Datagram> reply = client.roundTrip(port, payload, 2s);
    REQUIRE(reply);
    CHECK(reply->payload.size() == size + 1);
    CHECK(reply->payload == "A" + payload);
    CHECK(reply->source_port == port);
  }
  CHECK(echo.datagramsReceived() == 4);
  CHECK(echo.bytesReceived() == 0 + 1 + 1400 + 65000);
  CHECK(echo.distinctPeers() == 1);
}

TEST_CASE("udp: the largest IPv4 datagram (65507 bytes) crosses intact both ways", "[udp]") {
  UdpEchoServer echo("");  // echoes without an id, so the reply fits the limit too
  const uint16_t port = freeUdpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port, .backends = {{echo.port()}}}));
  REQUIRE(waitForUdpPort(port, 10s));

  UdpClient client;
  const std::string payload = randomBytes(65507, 7);
  const std::optional<Datagram> reply = client.roundTrip(port, payload, 2s);
  REQUIRE(reply);
  CHECK(reply->payload.size() == 65507);
  CHECK(reply->payload == payload);
}

TEST_CASE("udp: a burst of equal datagrams and a shorter last one crosses both ways as the same datagrams, in order",
          "[udp]") {
  UdpEchoServer echo("A");
  const uint16_t port = freeUdpPort();
  FulcrumProcess fulcrum(udpProxyConfig({.listen_port = port, .backends = {{echo.port()}}}));
  REQUIRE(waitForUdpPort(port, 10s));

  UdpClient client;
  REQUIRE(client.roundTrip(port, "warm-up", 2s));  // the session exists before the burst
  std::vector<std::string> burst;
  for (size_t i = 0; i < 40; ++i) burst.push_back(randomBytes(i + 1 < 40 ? 300 : 120, i));
  for (const std::string& payload : burst) REQUIRE(client.sendTo(port, payload));
  for (size_t i = 0; i < burst.size(); ++i) {
    INFO("datagram " << i);
    const std::optional<Datagram> reply = client.receive(2s);
    REQUIRE(reply);
    CHECK(reply->payload == "A" + burst[i]);
  }
  CHECK(echo.datagramsReceived() == 41);
  CHECK(echo.bytesReceived() == 7 + 39 * 300 + 120);
}

}  // namespace
}  // namespace fulcrum::test
