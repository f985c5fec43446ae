// Self-tests of the socket side of the test support library (test/support): the
// backends and client helpers that the integration tests rely on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "test/support/backends.h"
#include "test/support/blackhole_listener.h"
#include "test/support/loopback_address.h"
#include "test/support/ports.h"
#include "test/support/random_bytes.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("freeTcpPort returns a port that can be bound on 127.0.0.1", "[support]") {
  const uint16_t port = freeTcpPort();
  REQUIRE(port != 0);
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = loopbackAddress(port);
  CHECK(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
}

TEST_CASE("free ports come from outside the kernel's ephemeral range", "[support]") {
  const auto [first, last] = ephemeralPortRange();
  REQUIRE(testPortRange({first, last}).first != 0);  // this machine leaves room
  for (int i = 0; i < 50; ++i) {
    const uint16_t tcp = freeTcpPort();
    const uint16_t udp = freeUdpPort();
    CHECK((tcp < first || tcp > last));
    CHECK((udp < first || udp > last));
  }
}

TEST_CASE("successive free ports differ", "[support]") {
  const uint16_t a = freeTcpPort();
  const uint16_t b = freeTcpPort();
  const uint16_t c = freeUdpPort();
  CHECK(a != b);
  CHECK(b != c);
}

TEST_CASE("testPortRange takes the larger stretch outside the ephemeral range, if big enough", "[support]") {
  using Range = std::pair<uint16_t, uint16_t>;
  CHECK(testPortRange({32768, 60999}) == Range{10000, 32767});  // Linux's default
  CHECK(testPortRange({10000, 40000}) == Range{40001, 65535});
  CHECK(testPortRange({1024, 50000}) == Range{50001, 65535});
  CHECK(testPortRange({15000, 65535}) == Range{10000, 14999});
  CHECK(testPortRange({1024, 65535}) == Range{0, 0});
  CHECK(testPortRange({11000, 64000}) == Range{0, 0});  // 1,000 below, 1,535 above
}

TEST_CASE("isTcpPortListening sees a listener and its disappearance", "[support]") {
  auto server = std::make_unique<EchoServer>();
  const uint16_t port = server->port();
  CHECK(isTcpPortListening(port));
  server.reset();
  CHECK_FALSE(isTcpPortListening(port));
}

TEST_CASE("connecting to a port nobody listens on is refused", "[support]") {
  const ConnectResult result = tryConnectTcp(freeTcpPort(), 1s);
  CHECK(result.outcome == ConnectOutcome::kRefused);
}

TEST_CASE("EchoServer echoes bytes and returns the client's FIN", "[support]") {
  EchoServer echo;
  UniqueFd client = connectTcp(echo.port(), 1s);
  REQUIRE(client);
  const std::string payload = randomBytes(300 * 1024, 1);
  REQUIRE(sendAll(client.get(), payload, 2s));
  shutdownWrite(client.get());
  const ReceiveResult echoed = recvUntilEof(client.get(), 2s);
  CHECK(echoed.end == StreamEnd::kEof);
  CHECK(echoed.data == payload);
  CHECK(eventually(1s, [&] { return echo.eofsSeen() == 1; }));
  CHECK(echo.acceptedConnections() == 1);
}

TEST_CASE("EchoServer counts a client's reset", "[support]") {
  EchoServer echo;
  UniqueFd client = connectTcp(echo.port(), 1s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "x", 1s));
  REQUIRE(recvExact(client.get(), 1, 1s) == std::optional<std::string>("x"));
  resetConnection(std::move(client));
  CHECK(eventually(1s, [&] { return echo.resetsSeen() == 1; }));
  CHECK(echo.eofsSeen() == 0);
}

TEST_CASE("sendWhileReceiving moves more than the socket buffers hold both ways", "[support]") {
  EchoServer echo;
  UniqueFd client = connectTcp(echo.port(), 1s);
  REQUIRE(client);
  const std::string payload = randomBytes(8 * 1024 * 1024, 2);
  const auto echoed = sendWhileReceiving(client.get(), payload, payload.size(), 10s);
  REQUIRE(echoed.has_value());
  CHECK(*echoed == payload);
}

TEST_CASE("ReadToEofThenReplyServer answers only after the request's FIN", "[support]") {
  ReadToEofThenReplyServer server("the answer");
  UniqueFd client = connectTcp(server.port(), 1s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "the question", 1s));
  CHECK(staysQuiet(client.get(), 200ms));
  shutdownWrite(client.get());
  const ReceiveResult reply = recvUntilEof(client.get(), 2s);
  CHECK(reply.end == StreamEnd::kEof);
  CHECK(reply.data == "the answer");
  CHECK(server.requests() == std::vector<std::string>{"the question"});
}

TEST_CASE("SlowReaderServer reads at its pace and reports the byte count", "[support]") {
  SlowReaderServer server(64 * 1024, 20ms);
  UniqueFd client = connectTcp(server.port(), 1s);
  REQUIRE(client);
  const auto start = Clock::now();
  // 4 MiB is far more than the socket buffers, so the client waits for the reader.
  REQUIRE(sendAll(client.get(), std::string(4 * 1024 * 1024, 'a'), 20s));
  shutdownWrite(client.get());
  const ReceiveResult reply = recvUntilEof(client.get(), 20s);
  CHECK(reply.end == StreamEnd::kEof);
  CHECK(reply.data == std::to_string(4 * 1024 * 1024));
  CHECK(server.bytesReceived() == 4 * 1024 * 1024);
  // 64 chunks with a 20 ms pause after each: at least ~1.2 s even with full buffers.
  CHECK(Clock::now() - start >= 1000ms);
}

TEST_CASE("IdServer in kSendAndClose mode sends its id and closes", "[support]") {
  IdServer server("backend-7", IdServer::Mode::kSendAndClose);
  UniqueFd client = connectTcp(server.port(), 1s);
  REQUIRE(client);
  const ReceiveResult reply = recvUntilEof(client.get(), 2s);
  CHECK(reply.end == StreamEnd::kEof);
  CHECK(reply.data == "backend-7");
}

TEST_CASE("IdServer in kThenEcho mode sends its id then echoes", "[support]") {
  IdServer server("b1", IdServer::Mode::kThenEcho);
  UniqueFd client = connectTcp(server.port(), 1s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "ping", 1s));
  CHECK(recvExact(client.get(), 6, 2s) == std::optional<std::string>("b1ping"));
}

TEST_CASE("a connect to a BlackholeListener hangs instead of being answered", "[support]") {
  BlackholeListener blackhole;
  const auto start = Clock::now();
  const ConnectResult result = tryConnectTcp(blackhole.port(), 500ms);
  CHECK(result.outcome == ConnectOutcome::kTimeout);
  CHECK(Clock::now() - start >= 450ms);
}

TEST_CASE("isClosedByPeer waits no longer than its timeout on an open connection", "[support]") {
  EchoServer echo;
  UniqueFd client = connectTcp(echo.port(), 1s);
  REQUIRE(client);
  const auto start = Clock::now();
  CHECK_FALSE(isClosedByPeer(client.get(), 200ms));
  CHECK(Clock::now() - start < 1s);
}

TEST_CASE("isClosedByPeer reports a peer's reset", "[support]") {
  TcpTestServer server([](ServerConnection& connection) { connection.resetNow(); });
  UniqueFd client = connectTcp(server.port(), 1s);
  REQUIRE(client);
  std::string received;
  CHECK(isClosedByPeer(client.get(), 2s, &received));
  CHECK(received.empty());
}

TEST_CASE("recvUntilEof tells a reset from a FIN", "[support]") {
  TcpTestServer server([](ServerConnection& connection) {
    connection.writeAll("partial");
    connection.resetNow();
  });
  UniqueFd client = connectTcp(server.port(), 1s);
  REQUIRE(client);
  const ReceiveResult result = recvUntilEof(client.get(), 2s);
  CHECK(result.end == StreamEnd::kReset);
}

TEST_CASE("TcpTestServer stops promptly while a handler waits for data", "[support]") {
  auto server = std::make_unique<TcpTestServer>([](ServerConnection& connection) {
    std::string ignored;
    connection.read(&ignored, 1);
  });
  UniqueFd client = connectTcp(server->port(), 1s);
  REQUIRE(client);
  REQUIRE(eventually(1s, [&] { return server->activeConnections() == 1; }));
  const auto start = Clock::now();
  server.reset();
  CHECK(Clock::now() - start < 1s);
}

TEST_CASE("randomBytes is reproducible per seed", "[support]") {
  CHECK(randomBytes(1000, 5) == randomBytes(1000, 5));
  CHECK(randomBytes(1000, 5) != randomBytes(1000, 6));
  CHECK(randomBytes(13, 5).size() == 13);
}

}  // namespace
}  // namespace fulcrum::test
