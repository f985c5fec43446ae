// proxy_protocol on a TLS listener: the PROXY header goes to the backend before the
// decrypted plaintext, and names the TLS client's address and port and the listener's
// address (issue "TLS termination and PROXY protocol"; HAProxy's proxy-protocol.txt).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <poll.h>
#include <sys/socket.h>

#include <functional>

#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_header_server.h"
#include "test/support/random_bytes.h"
#include "test/support/tcp_client.h"
#include "test/support/temp_dir.h"
#include "test/support/tls_memory_client.h"
#include "test/support/tls_test_certs.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

std::string tlsProxyConfig(uint16_t port, const CertificateFiles& cert, uint16_t backend_port,
                           const std::string& version) {
  return fmt::format(
      "[runtime]\nworkers = 1\nshutdown_grace = \"1s\"\n\n"
      "[[listeners]]\nname = \"tls-pp\"\nbind = \"127.0.0.1:{}\"\npool = \"p\"\nproxy_protocol = \"{}\"\n"
      "  [listeners.tls]\n  cert = \"{}\"\n  key = \"{}\"\n\n"
      "[[pools]]\nname = \"p\"\n[[pools.backends]]\naddress = \"127.0.0.1:{}\"\n",
      port, version, cert.cert_path, cert.key_path, backend_port);
}

SocketAddress localAddressOf(int fd) {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&local), length);
}

// Runs a memory-BIO TLS client over the non-blocking socket `fd`: sends whatever the
// client has produced, feeds it what arrives, until `done()` holds. False on EOF, a
// socket error, a TLS error, or when `budget` passes first.
bool pumpUntil(int fd, MemoryTlsClient& client, Millis budget, const std::function<bool()>& done) {
  const Deadline deadline(budget);
  char buffer[64 * 1024];
  while (!deadline.expired() && !client.failed()) {
    if (!sendAll(fd, client.takeCiphertext(), deadline.remaining())) return false;
    if (done()) return true;
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, deadline.pollTimeout()) <= 0) continue;
    const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
    if (got == 0) return false;
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return false;
    }
    client.receive(std::string_view(buffer, static_cast<size_t>(got)));
  }
  return false;
}

// What one TLS client saw: its own address, and the plaintext echoed back to it.
struct TlsEchoOutcome {
  SocketAddress client_address;
  std::string echoed;
};

// Handshakes through the listener on `port` (TLS 1.3), sends `payload` and collects
// the echo.
TlsEchoOutcome echoOverTls(uint16_t port, const std::string& payload) {
  TlsEchoOutcome outcome;
  UniqueFd fd = connectTcp(port, 2s);
  REQUIRE(fd);
  outcome.client_address = localAddressOf(fd.get());
  MemoryTlsClient client;
  REQUIRE(pumpUntil(fd.get(), client, 3s, [&] { return client.handshakeDone(); }));
  client.write(payload);
  pumpUntil(fd.get(), client, 5s, [&] {
    outcome.echoed += client.takePlaintext();
    return outcome.echoed.size() >= payload.size();
  });
  return outcome;
}

TEST_CASE("proxy_protocol v1 on a TLS listener: header first, then the plaintext intact", "[tls][proxy_protocol]") {
  TempDir certificates;
  const CertificateFiles cert = writeSelfSignedCert(certificates.path(), "pp.test");
  ProxyHeaderServer backend;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tlsProxyConfig(port, cert, backend.port(), "v1"));
  REQUIRE(fulcrum.waitForTcpPort(port, 5s));
  const std::string payload = randomBytes(200 * 1024, 8);

  const TlsEchoOutcome outcome = echoOverTls(port, payload);
  CHECK(outcome.echoed == payload);
  const auto raw = backend.raw();
  REQUIRE(raw.size() == 1);
  CHECK(raw[0] == fmt::format("PROXY TCP4 127.0.0.1 127.0.0.1 {} {}\r\n", outcome.client_address.port(), port));
}

TEST_CASE("proxy_protocol v2 on a TLS listener: header first, then the plaintext intact", "[tls][proxy_protocol]") {
  TempDir certificates;
  const CertificateFiles cert = writeSelfSignedCert(certificates.path(), "pp.test");
  ProxyHeaderServer backend;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tlsProxyConfig(port, cert, backend.port(), "v2"));
  REQUIRE(fulcrum.waitForTcpPort(port, 5s));
  const std::string payload = randomBytes(200 * 1024, 9);

  const TlsEchoOutcome outcome = echoOverTls(port, payload);
  CHECK(outcome.echoed == payload);
  const auto headers = backend.headers();
  REQUIRE(headers.size() == 1);
  REQUIRE(headers[0].status == ProxyParseStatus::kComplete);
  CHECK(headers[0].header.version == 2);
  CHECK(headers[0].header.length == 28);
  CHECK(headers[0].header.source.toString() == outcome.client_address.toString());
  CHECK(headers[0].header.destination.toString() == fmt::format("127.0.0.1:{}", port));
}

}  // namespace
}  // namespace fulcrum::test
