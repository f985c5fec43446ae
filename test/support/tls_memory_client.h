#pragma once
// A TLS client over memory BIOs for tests: no socket, the test moves its ciphertext
// to and from the server under test and looks at what the client negotiated.
#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace fulcrum::test {

struct TlsClientOptions {
  std::string server_name{};  // sent as SNI; empty = none
  int min_version = 0;        // e.g. TLS1_VERSION; 0 = OpenSSL's default
  int max_version = 0;        // e.g. TLS1_2_VERSION; 0 = the highest
  std::string ciphers{};      // TLS <= 1.2 cipher list; empty = OpenSSL's default
  std::string ciphersuites{}; // TLS 1.3 suites; empty = OpenSSL's default
  bool allow_legacy = false;  // security level 0, so that TLS 1.0/1.1 can be offered
};

class MemoryTlsClient {
 public:
  // `resume`: a session from an earlier client to offer for resumption (not owned).
  explicit MemoryTlsClient(const TlsClientOptions& options = {}, SSL_SESSION* resume = nullptr);
  ~MemoryTlsClient();
  MemoryTlsClient(const MemoryTlsClient&) = delete;
  MemoryTlsClient& operator=(const MemoryTlsClient&) = delete;

  // Ciphertext from the server. Advances the handshake and decrypts what it can.
  void receive(std::string_view ciphertext);
  // Everything the client has produced for the server since the last call.
  std::string takeCiphertext();
  // Encrypts application data for the server (after the handshake).
  void write(std::string_view plaintext);
  // Decrypted bytes received so far, removed from the client.
  std::string takePlaintext();
  // Sends close_notify.
  void shutdown();

  bool handshakeDone() const;
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  bool closedByPeer() const { return closed_by_peer_; }
  int version() const;
  std::string cipher() const;
  bool sessionReused() const;
  // The server certificate's subject CN; empty before the handshake.
  std::string peerCommonName() const;
  // The session for a later resumption (caller frees with SSL_SESSION_free); nullptr
  // before a ticket arrived.
  SSL_SESSION* takeSession() const;

 private:
  void advance();
  void recordError(const char* what);

  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* from_server_ = nullptr;  // owned by ssl_
  BIO* to_server_ = nullptr;    // owned by ssl_
  std::string plaintext_;
  std::string error_;
  bool closed_by_peer_ = false;
};

}  // namespace fulcrum::test
