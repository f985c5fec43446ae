#pragma once
// A blocking TLS client for integration tests (OpenSSL, certificate not verified: the
// tests check which certificate was served by its subject). Every socket call is
// bounded by SO_RCVTIMEO / SO_SNDTIMEO.
#include <openssl/ssl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "test/support/deadline.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {

struct TlsClientOptions {
  std::string server_name;  // SNI; empty sends none
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  Millis io_timeout = Millis(5000);
};

class TlsClient {
 public:
  // Connects to 127.0.0.1:port and runs the handshake; check handshakeOk().
  TlsClient(uint16_t port, const TlsClientOptions& options);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool connected() const { return fd_.valid(); }
  bool handshakeOk() const { return handshake_ok_; }
  // "TLSv1.3", "TLSv1.2".
  std::string version() const;
  // The CN of the certificate the server presented; empty when none.
  std::string peerCommonName() const;
  bool writeAll(std::string_view data);
  std::optional<std::string> readExact(size_t length);

 private:
  UniqueFd fd_;
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  bool handshake_ok_ = false;
};

}  // namespace fulcrum::test
