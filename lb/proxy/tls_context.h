#pragma once
// The server-side TLS settings of one listener, built once from its [listeners.tls]
// table: the OpenSSL SSL_CTX with the default certificate, one more SSL_CTX per
// [[listeners.tls.sni]] entry, and the SNI callback that chooses among them.
//
// Immutable after create() and shared by all workers (shared_ptr<const TlsContext>);
// every TlsSession holds a reference, so a reload can build a new TlsContext while
// open connections keep the one they started with. OpenSSL allows SSL_new() on one
// SSL_CTX from many threads at once (its reference counts are atomic).
#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "common/duration.h"
#include "lb/config/config.h"
#include "lb/proxy/tls_openssl.h"

namespace fulcrum {

class TlsContext {
 public:
  // Builds the contexts. On failure returns nullptr and appends one line per problem
  // to *errors, all problems at once, in the form "FILE: error: WHAT" for certificate
  // and key files (e.g. "conf/key.pem: error: key does not match certificate") and
  // "tls: error: WHAT" otherwise. Never prompts for a key passphrase: an encrypted
  // key is an error.
  static std::shared_ptr<const TlsContext> create(const config::TlsConfig& config, std::vector<std::string>* errors);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // The context new connections start with (SSL_new); the SNI callback may move a
  // connection to an entry's context during the handshake. Non-const because OpenSSL's
  // API is; the context itself is never changed after create().
  SSL_CTX* sslContext() const { return default_.get(); }
  // How long a client may take to complete the handshake (listeners.tls.handshake_timeout).
  Duration handshakeTimeout() const { return handshake_timeout_; }

 private:
  struct SniEntry {
    std::string server_name;
    SslCtxPtr context;
  };

  TlsContext() = default;
  // OpenSSL servername callback (SSL_CTX_set_tlsext_servername_callback); `arg` is
  // the TlsContext.
  static int onServerName(SSL* ssl, int* alert, void* arg);

  SslCtxPtr default_;
  std::vector<SniEntry> sni_;
  Duration handshake_timeout_{};
};

// What `fulcrum --check` reports for a listener's TLS settings: the errors create()
// would give (unreadable or mismatched certificate and key files, unusable settings);
// empty when the listener can start.
std::vector<std::string> validateTlsConfig(const config::TlsConfig& config);

}  // namespace fulcrum
