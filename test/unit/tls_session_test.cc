// TlsSession: the server side of TLS over caller buffers, driven in-process against an
// OpenSSL client over memory BIOs.
#include <catch2/catch.hpp>
#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "lb/proxy/tls_context.h"
#include "lb/proxy/tls_session.h"
#include "test/support/random_bytes.h"
#include "test/support/temp_dir.h"
#include "test/support/tls_memory_client.h"
#include "test/support/tls_session_pump.h"
#include "test/support/tls_test_certs.h"

namespace fulcrum {
namespace {

using test::MemoryTlsClient;
using test::TlsClientOptions;
using test::TlsSessionPump;

// A listener's TLS settings with a fresh default certificate for "default.test".
struct TlsSetup {
  test::TempDir directory;
  config::TlsConfig config;

  TlsSetup() {
    const test::CertificateFiles files = test::writeSelfSignedCert(directory.path(), "default.test");
    config.cert = files.cert_path;
    config.key = files.key_path;
  }

  void addSni(const std::string& name) {
    const test::CertificateFiles files = test::writeSelfSignedCert(directory.path(), name);
    config.sni.push_back({name, files.cert_path, files.key_path});
  }

  std::unique_ptr<TlsSession> session() const {
    std::vector<std::string> errors;
    std::shared_ptr<const TlsContext> context = TlsContext::create(config, &errors);
    INFO(Catch::Detail::stringify(errors));
    REQUIRE(context);
    std::unique_ptr<TlsSession> created = TlsSession::create(context);
    REQUIRE(created);
    return created;
  }
};

// Runs a handshake between a new server session and a client with `options`.
struct Connection {
  std::unique_ptr<TlsSession> server;
  MemoryTlsClient client;
  TlsSessionPump pump;

  Connection(const TlsSetup& setup, const TlsClientOptions& options = {}, SSL_SESSION* resume = nullptr)
      : server(setup.session()), client(options, resume), pump(*server, client) {
    pump.run();
  }
};

TEST_CASE("tls session: TLS 1.3 handshake completes on both sides", "[tls]") {
  TlsSetup setup;
  Connection connection(setup);
  CHECK(connection.server->handshakeDone());
  CHECK(connection.client.handshakeDone());
  CHECK_FALSE(connection.server->failed());
  CHECK(std::string(connection.server->protocolVersion()) == "TLSv1.3");
  CHECK(connection.client.version() == TLS1_3_VERSION);
  CHECK(connection.client.peerCommonName() == "default.test");
  CHECK(connection.server->pendingCiphertext() == 0);
}

TEST_CASE("tls session: TLS 1.2 handshake picks the first default ECDHE AEAD cipher", "[tls]") {
  TlsSetup setup;
  Connection connection(setup, {.max_version = TLS1_2_VERSION});
  REQUIRE(connection.server->handshakeDone());
  CHECK(std::string(connection.server->protocolVersion()) == "TLSv1.2");
  CHECK(connection.client.version() == TLS1_2_VERSION);
  // The certificate is ECDSA, so the first usable entry of the default list.
  CHECK(std::string(connection.server->cipherName()) == "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST_CASE("tls session: a TLS 1.2 client offering only CBC ciphers is refused by default", "[tls]") {
  TlsSetup setup;
  Connection connection(setup, {.max_version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-SHA256"});
  CHECK_FALSE(connection.server->handshakeDone());
  CHECK(connection.server->failed());
  CHECK(connection.server->error() == "no shared cipher");
}

TEST_CASE("tls session: configured TLS 1.2 ciphers and TLS 1.3 suites are used", "[tls]") {
  TlsSetup setup;
  setup.config.ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305";
  setup.config.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
  Connection tls12(setup, {.max_version = TLS1_2_VERSION});
  REQUIRE(tls12.server->handshakeDone());
  CHECK(std::string(tls12.server->cipherName()) == "ECDHE-ECDSA-CHACHA20-POLY1305");
  Connection tls13(setup);
  REQUIRE(tls13.server->handshakeDone());
  CHECK(std::string(tls13.server->cipherName()) == "TLS_CHACHA20_POLY1305_SHA256");
}

TEST_CASE("tls session: TLS 1.0 and TLS 1.1 clients are refused", "[tls]") {
  TlsSetup setup;
  for (const int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    INFO("client version 0x" << std::hex << version);
    Connection connection(setup, {.min_version = version, .max_version = version, .allow_legacy = true});
    CHECK_FALSE(connection.server->handshakeDone());
    CHECK(connection.server->failed());
    CHECK(connection.server->error() == "unsupported protocol");
    // The server's protocol_version alert reached the client.
    CHECK(connection.client.failed());
    CHECK_FALSE(connection.client.handshakeDone());
  }
}

TEST_CASE("tls session: min_version 1.3 refuses a TLS 1.2 client", "[tls]") {
  TlsSetup setup;
  setup.config.min_version = "1.3";
  Connection connection(setup, {.max_version = TLS1_2_VERSION});
  CHECK(connection.server->failed());
  CHECK(connection.server->error() == "unsupported protocol");
}

TEST_CASE("tls session: 1 MiB each way arrives intact", "[tls]") {
  TlsSetup setup;
  Connection connection(setup);
  REQUIRE(connection.server->handshakeDone());
  const std::string upload = test::randomBytes(1 << 20, 7);
  const std::string download = test::randomBytes(1 << 20, 8);

  // The client's records go to the server in 64 KiB reads, like from a socket.
  connection.client.write(upload);
  connection.pump.feedServer(connection.client.takeCiphertext(), TlsSessionPump::kBufferSize);
  CHECK(connection.pump.serverReceived() == upload);

  REQUIRE(connection.pump.serverSend(download));
  CHECK(connection.client.takePlaintext() == download);
  CHECK_FALSE(connection.server->failed());
  CHECK_FALSE(connection.client.failed());
}

TEST_CASE("tls session: ciphertext fed one byte at a time still decrypts", "[tls]") {
  TlsSetup setup;
  std::unique_ptr<TlsSession> server = setup.session();
  MemoryTlsClient client;
  TlsSessionPump pump(*server, client);
  // The handshake, with every client byte in its own feed.
  for (int round = 0; round < 10 && !server->handshakeDone(); ++round) {
    pump.feedServer(client.takeCiphertext(), 1);
    std::string reply(server->pendingCiphertext(), '\0');
    reply.resize(server->readCiphertext(reply.data(), reply.size()));
    client.receive(reply);
  }
  REQUIRE(server->handshakeDone());
  client.write("split across many feeds");
  pump.feedServer(client.takeCiphertext(), 1);
  CHECK(pump.serverReceived() == "split across many feeds");
}

TEST_CASE("tls session: small output buffers are filled without overflow", "[tls]") {
  TlsSetup setup;
  Connection connection(setup);
  REQUIRE(connection.server->handshakeDone());
  const std::string download = test::randomBytes(100'000, 9);
  // Room for 100 plaintext bytes per record: every call must stay inside the buffer.
  REQUIRE(connection.pump.serverSend(download, TlsSession::kRecordOverheadReserve + 100));
  CHECK(connection.client.takePlaintext() == download);
}

TEST_CASE("tls session: writePlaintext before the handshake consumes nothing", "[tls]") {
  TlsSetup setup;
  std::unique_ptr<TlsSession> server = setup.session();
  std::string out(TlsSessionPump::kBufferSize, '\0');
  const TlsSession::WriteResult result = server->writePlaintext("early", 5, out.data(), out.size());
  CHECK(result.status == TlsSession::WriteStatus::kHandshake);
  CHECK(result.consumed == 0);
  CHECK(result.produced == 0);
}

TEST_CASE("tls session: new input is refused while earlier input is unread", "[tls]") {
  TlsSetup setup;
  Connection connection(setup);
  REQUIRE(connection.server->handshakeDone());
  connection.client.write(test::randomBytes(40'000, 10));
  const std::string ciphertext = connection.client.takeCiphertext();
  REQUIRE(connection.server->feedCiphertext(ciphertext.data(), ciphertext.size()));
  char out[100];
  const TlsSession::ReadResult first = connection.server->readPlaintext(out, sizeof(out));
  CHECK(first.status == TlsSession::ReadStatus::kData);
  CHECK(first.bytes == sizeof(out));
  CHECK(connection.server->unreadCiphertext() > 0);
  CHECK_FALSE(connection.server->feedCiphertext("x", 1));
}

TEST_CASE("tls session: SNI picks the matching certificate, case-insensitively", "[tls]") {
  TlsSetup setup;
  setup.addSni("a.test");
  setup.addSni("b.test");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"a.test", "a.test"}, {"B.Test", "b.test"}, {"c.test", "default.test"}, {"", "default.test"}};
  for (const auto& [server_name, common_name] : expected) {
    INFO("SNI \"" << server_name << "\"");
    Connection connection(setup, {.server_name = server_name});
    REQUIRE(connection.client.handshakeDone());
    CHECK(connection.client.peerCommonName() == common_name);
    CHECK(std::string(connection.server->serverName()) == server_name);
  }
}

TEST_CASE("tls session: the client's close_notify reads as closed", "[tls]") {
  TlsSetup setup;
  Connection connection(setup);
  REQUIRE(connection.server->handshakeDone());
  connection.client.write("last words");
  connection.client.shutdown();
  connection.pump.run();
  CHECK(connection.pump.serverReceived() == "last words");
  CHECK(connection.pump.serverClosed());
  CHECK_FALSE(connection.server->failed());
  char out[16];
  CHECK(connection.server->readPlaintext(out, sizeof(out)).status == TlsSession::ReadStatus::kClosed);
}

TEST_CASE("tls session: shutdown sends close_notify to the client", "[tls]") {
  TlsSetup setup;
  Connection connection(setup);
  REQUIRE(connection.server->handshakeDone());
  connection.server->shutdown();
  CHECK(connection.server->pendingCiphertext() > 0);
  connection.pump.run();
  CHECK(connection.client.closedByPeer());
  CHECK_FALSE(connection.client.failed());
}

TEST_CASE("tls session: an HTTP request instead of a ClientHello is an error", "[tls]") {
  TlsSetup setup;
  std::unique_ptr<TlsSession> server = setup.session();
  const std::string request = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
  REQUIRE(server->feedCiphertext(request.data(), request.size()));
  char out[256];
  CHECK(server->readPlaintext(out, sizeof(out)).status == TlsSession::ReadStatus::kError);
  CHECK(server->failed());
  CHECK(server->error() == "http request");
  CHECK(server->unreadCiphertext() == 0);
}

TEST_CASE("tls session: random bytes are an error, not a crash", "[tls]") {
  TlsSetup setup;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::unique_ptr<TlsSession> server = setup.session();
    const std::string garbage = test::randomBytes(4096, seed);
    REQUIRE(server->feedCiphertext(garbage.data(), garbage.size()));
    char out[4096];
    TlsSession::ReadResult result;
    for (int call = 0; call < 10; ++call) {
      result = server->readPlaintext(out, sizeof(out));
      if (result.status != TlsSession::ReadStatus::kData) break;
    }
    INFO("seed " << seed);
    CHECK(result.status == TlsSession::ReadStatus::kError);
    CHECK_FALSE(server->error().empty());
  }
}

TEST_CASE("tls session: a tampered record fails the connection and later calls say so", "[tls]") {
  TlsSetup setup;
  Connection connection(setup);
  REQUIRE(connection.server->handshakeDone());
  connection.client.write("authentic data");
  std::string record = connection.client.takeCiphertext();
  record.back() = static_cast<char>(record.back() ^ 0x01);  // inside the AEAD tag
  connection.pump.feedServer(record, record.size());
  CHECK(connection.pump.serverReceived().empty());
  CHECK(connection.server->failed());
  CHECK(connection.server->error() == "decryption failed or bad record mac");
  std::string out(TlsSessionPump::kBufferSize, '\0');
  CHECK(connection.server->readPlaintext(out.data(), out.size()).status == TlsSession::ReadStatus::kError);
  CHECK(connection.server->writePlaintext("x", 1, out.data(), out.size()).status ==
        TlsSession::WriteStatus::kError);
}

std::shared_ptr<const TlsContext> contextFor(const config::TlsConfig& config) {
  std::vector<std::string> errors;
  std::shared_ptr<const TlsContext> context = TlsContext::create(config, &errors);
  REQUIRE(context);
  return context;
}

// A finished TLS 1.3 connection to a session of `context`; returns the client's
// session (with its ticket) for resumption. Free with SSL_SESSION_free.
SSL_SESSION* ticketFrom(const std::shared_ptr<const TlsContext>& context) {
  std::unique_ptr<TlsSession> server = TlsSession::create(context);
  MemoryTlsClient client;
  TlsSessionPump(*server, client).run();
  REQUIRE(client.handshakeDone());
  // A client closes with close_notify: OpenSSL marks the session of a connection freed
  // without one as not resumable.
  client.shutdown();
  SSL_SESSION* session = client.takeSession();
  REQUIRE(session != nullptr);
  REQUIRE(SSL_SESSION_is_resumable(session) == 1);
  return session;
}

TEST_CASE("tls session: a session ticket resumes on the same context", "[tls]") {
  TlsSetup setup;
  const std::shared_ptr<const TlsContext> context = contextFor(setup.config);
  SSL_SESSION* ticket = ticketFrom(context);
  std::unique_ptr<TlsSession> server = TlsSession::create(context);
  MemoryTlsClient client({}, ticket);
  TlsSessionPump(*server, client).run();
  CHECK(client.handshakeDone());
  CHECK(client.sessionReused());
  SSL_SESSION_free(ticket);
}

TEST_CASE("tls session: a ticket from before a reload falls back to a full handshake", "[tls]") {
  TlsSetup setup;
  SSL_SESSION* ticket = ticketFrom(contextFor(setup.config));
  std::unique_ptr<TlsSession> server = TlsSession::create(contextFor(setup.config));
  MemoryTlsClient client({}, ticket);
  TlsSessionPump(*server, client).run();
  CHECK(client.handshakeDone());
  CHECK_FALSE(client.sessionReused());
  SSL_SESSION_free(ticket);
}

}  // namespace
}  // namespace fulcrum
