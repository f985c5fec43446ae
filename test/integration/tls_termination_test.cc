// [listeners.tls]: fulcrum terminates TLS 1.2 and 1.3 and forwards plaintext; old
// protocol versions are refused, a silent client is closed at handshake_timeout, SNI
// picks the certificate, and SIGHUP reloads certificates (INTERFACE.md; issue "TLS").
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <signal.h>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_metrics_scrape.h"
#include "test/support/ports.h"
#include "test/support/random_bytes.h"
#include "test/support/run_command.h"
#include "test/support/tcp_client.h"
#include "test/support/temp_dir.h"
#include "test/support/tls_client.h"
#include "test/support/tls_test_certs.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

struct TlsSetup {
  TempDir certificates;
  CertificateFiles default_cert;
  CertificateFiles api_cert;
  uint16_t port = freeTcpPort();
  uint16_t admin_port = freeTcpPort();

  TlsSetup()
      : default_cert(writeSelfSignedCert(certificates.path(), "default.test")),
        api_cert(writeSelfSignedCert(certificates.path(), "api.test")) {}

  std::string config(uint16_t backend_port, const std::string& handshake_timeout = "10s") const {
    return fmt::format(
        "[runtime]\nworkers = 1\nshutdown_grace = \"1s\"\n\n"
        "[admin]\nbind = \"127.0.0.1:{}\"\n\n"
        "[[listeners]]\nname = \"tls\"\nbind = \"127.0.0.1:{}\"\npool = \"p\"\n"
        "  [listeners.tls]\n  cert = \"{}\"\n  key = \"{}\"\n  handshake_timeout = \"{}\"\n"
        "  [[listeners.tls.sni]]\n  server_name = \"api.test\"\n  cert = \"{}\"\n  key = \"{}\"\n\n"
        "[[pools]]\nname = \"p\"\n[[pools.backends]]\naddress = \"127.0.0.1:{}\"\n",
        admin_port, port, default_cert.cert_path, default_cert.key_path, handshake_timeout, api_cert.cert_path,
        api_cert.key_path, backend_port);
  }
};

// Echoes `total` random bytes through the client in 64 KiB round trips.
bool echoesIntact(TlsClient& client, size_t total) {
  const std::string data = randomBytes(total, 42);
  constexpr size_t kChunk = 64 * 1024;
  for (size_t offset = 0; offset < total; offset += kChunk) {
    const std::string_view chunk = std::string_view(data).substr(offset, kChunk);
    if (!client.writeAll(chunk)) return false;
    if (client.readExact(chunk.size()) != std::optional<std::string>(std::string(chunk))) return false;
  }
  return true;
}

TEST_CASE("TLS 1.3 and TLS 1.2 clients get 16 MiB echoed intact through a plaintext backend", "[tls]") {
  EchoServer backend;
  TlsSetup setup;
  FulcrumProcess fulcrum(setup.config(backend.port()));
  REQUIRE(fulcrum.waitForTcpPort(setup.port, 5s));
  for (const int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    TlsClient client(setup.port, {"", version, version});
    REQUIRE(client.handshakeOk());
    CHECK(client.version() == (version == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2"));
    CHECK(echoesIntact(client, 16 * 1024 * 1024));
  }
  const auto metrics = scrapeMetrics(setup.admin_port);
  REQUIRE(metrics);
  CHECK(metrics->value("fulcrum_tls_handshakes_total{listener=\"tls\",result=\"success\"}") == 2.0);
}

TEST_CASE("a TLS 1.0 or 1.1 client is refused", "[tls]") {
  EchoServer backend;
  TlsSetup setup;
  FulcrumProcess fulcrum(setup.config(backend.port()));
  REQUIRE(fulcrum.waitForTcpPort(setup.port, 5s));
  for (const int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    TlsClient client(setup.port, {"", version, version});
    REQUIRE(client.connected());
    CHECK_FALSE(client.handshakeOk());
  }
  CHECK(backend.acceptedConnections() == 0);
  const auto metrics = scrapeMetrics(setup.admin_port);
  REQUIRE(metrics);
  CHECK(metrics->value("fulcrum_tls_handshakes_total{listener=\"tls\",result=\"failure\"}") == 2.0);
}

TEST_CASE("a client that never starts the handshake is closed at handshake_timeout", "[tls]") {
  EchoServer backend;
  TlsSetup setup;
  FulcrumProcess fulcrum(setup.config(backend.port(), "500ms"));
  REQUIRE(fulcrum.waitForTcpPort(setup.port, 5s));
  UniqueFd silent = connectTcp(setup.port, 2s);
  REQUIRE(silent);
  const auto started = std::chrono::steady_clock::now();
  CHECK(staysQuiet(silent.get(), 350ms));
  REQUIRE(isClosedByPeer(silent.get(), 3s));
  const double closed_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(closed_after < 2.0);
  CHECK(backend.acceptedConnections() == 0);
}

TEST_CASE("SNI picks the certificate; without SNI the default one is served", "[tls]") {
  EchoServer backend;
  TlsSetup setup;
  FulcrumProcess fulcrum(setup.config(backend.port()));
  REQUIRE(fulcrum.waitForTcpPort(setup.port, 5s));
  TlsClient with_sni(setup.port, {"api.test"});
  REQUIRE(with_sni.handshakeOk());
  CHECK(with_sni.peerCommonName() == "api.test");
  TlsClient other_name(setup.port, {"www.example.test"});
  REQUIRE(other_name.handshakeOk());
  CHECK(other_name.peerCommonName() == "default.test");
  TlsClient without_sni(setup.port, {});
  REQUIRE(without_sni.handshakeOk());
  CHECK(without_sni.peerCommonName() == "default.test");
}

TEST_CASE("SIGHUP reloads certificates: new connections get the new one, an open one keeps working",
          "[tls]") {
  EchoServer backend;
  TlsSetup setup;
  FulcrumProcess fulcrum(setup.config(backend.port()));
  REQUIRE(fulcrum.waitForTcpPort(setup.port, 5s));
  TlsClient before(setup.port, {});
  REQUIRE(before.handshakeOk());
  CHECK(before.peerCommonName() == "default.test");

  // A renewal: the same file names, a new certificate.
  TempDir renewal;
  const CertificateFiles renewed = writeSelfSignedCert(renewal.path(), "renewed.test");
  writeFile(setup.default_cert.cert_path, readFile(renewed.cert_path));
  writeFile(setup.default_cert.key_path, readFile(renewed.key_path));
  fulcrum.signal(SIGHUP);
  REQUIRE(fulcrum.waitForLog("configuration reloaded", 5s));

  TlsClient after(setup.port, {});
  REQUIRE(after.handshakeOk());
  CHECK(after.peerCommonName() == "renewed.test");
  CHECK(echoesIntact(before, 64 * 1024));
  CHECK(echoesIntact(after, 64 * 1024));
}

TEST_CASE("a key that does not match its certificate fails --check and start-up", "[tls]") {
  TlsSetup setup;
  TempDir other;
  const CertificateFiles stranger = writeSelfSignedCert(other.path(), "stranger.test");
  std::string text = setup.config(9);
  text.replace(text.find(setup.default_cert.key_path), setup.default_cert.key_path.size(), stranger.key_path);
  TempDir dir;
  const std::string path = dir.path() + "/mismatch.toml";
  writeFile(path, text);
  const auto checked = runFulcrum({"--check", "-c", path}, 10s);
  REQUIRE(checked.status);
  CHECK(checked.status->exitedWith(2));
  CHECK(checked.err.find(stranger.key_path + ": error: key does not match certificate") != std::string::npos);
}

}  // namespace
}  // namespace fulcrum::test
