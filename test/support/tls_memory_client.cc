#include "test/support/tls_memory_client.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace fulcrum::test {
namespace {

std::string opensslReason() {
  const unsigned long oldest = ERR_get_error();
  ERR_clear_error();
  if (oldest == 0) return "no OpenSSL error";
  const char* reason = ERR_reason_error_string(oldest);
  return reason != nullptr ? reason : "unknown";
}

}  // namespace

MemoryTlsClient::MemoryTlsClient(const TlsClientOptions& options, SSL_SESSION* resume) {
  context_ = SSL_CTX_new(TLS_client_method());
  if (context_ == nullptr) throw std::runtime_error("MemoryTlsClient: SSL_CTX_new failed");
  // The tests check what the server offers, not who it is: the certificates are
  // self-signed and not verified.
  SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);
  if (options.allow_legacy) SSL_CTX_set_security_level(context_, 0);
  if (options.min_version != 0) SSL_CTX_set_min_proto_version(context_, options.min_version);
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(context_, options.max_version);
  const std::string ciphers = !options.ciphers.empty() ? options.ciphers
                              : options.allow_legacy   ? std::string("DEFAULT:@SECLEVEL=0")
                                                       : std::string();
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(context_, ciphers.c_str()) != 1) {
    throw std::runtime_error("MemoryTlsClient: bad cipher list " + ciphers);
  }
  if (!options.ciphersuites.empty() && SSL_CTX_set_ciphersuites(context_, options.ciphersuites.c_str()) != 1) {
    throw std::runtime_error("MemoryTlsClient: bad cipher suites " + options.ciphersuites);
  }
  ssl_ = SSL_new(context_);
  from_server_ = BIO_new(BIO_s_mem());
  to_server_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || from_server_ == nullptr || to_server_ == nullptr) {
    throw std::runtime_error("MemoryTlsClient: allocation failed");
  }
  // An empty memory BIO means "no data yet", not end of file.
  BIO_set_mem_eof_return(from_server_, -1);
  SSL_set_bio(ssl_, from_server_, to_server_);
  SSL_set_connect_state(ssl_);
  if (!options.server_name.empty()) SSL_set_tlsext_host_name(ssl_, options.server_name.c_str());
  if (resume != nullptr) SSL_set_session(ssl_, resume);
  advance();  // writes the ClientHello
}

MemoryTlsClient::~MemoryTlsClient() {
  SSL_free(ssl_);
  SSL_CTX_free(context_);
}

void MemoryTlsClient::recordError(const char* what) {
  if (error_.empty()) error_ = std::string(what) + ": " + opensslReason();
}

void MemoryTlsClient::advance() {
  if (failed()) return;
  ERR_clear_error();
  if (!handshakeDone()) {
    const int outcome = SSL_do_handshake(ssl_);
    if (outcome != 1) {
      if (SSL_get_error(ssl_, outcome) != SSL_ERROR_WANT_READ) recordError("handshake");
      return;
    }
  }
  char buffer[16384];
  while (true) {
    size_t bytes = 0;
    const int outcome = SSL_read_ex(ssl_, buffer, sizeof(buffer), &bytes);
    if (outcome == 1) {
      plaintext_.append(buffer, bytes);
      continue;
    }
    const int error = SSL_get_error(ssl_, outcome);
    if (error == SSL_ERROR_ZERO_RETURN) closed_by_peer_ = true;
    if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_ZERO_RETURN) recordError("read");
    return;
  }
}

void MemoryTlsClient::receive(std::string_view ciphertext) {
  if (!ciphertext.empty()) BIO_write(from_server_, ciphertext.data(), static_cast<int>(ciphertext.size()));
  advance();
}

std::string MemoryTlsClient::takeCiphertext() {
  std::string bytes(static_cast<size_t>(BIO_pending(to_server_)), '\0');
  if (!bytes.empty()) BIO_read(to_server_, bytes.data(), static_cast<int>(bytes.size()));
  return bytes;
}

void MemoryTlsClient::write(std::string_view plaintext) {
  ERR_clear_error();
  size_t written = 0;
  if (SSL_write_ex(ssl_, plaintext.data(), plaintext.size(), &written) != 1) recordError("write");
}

std::string MemoryTlsClient::takePlaintext() {
  std::string taken;
  taken.swap(plaintext_);
  return taken;
}

void MemoryTlsClient::shutdown() {
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

bool MemoryTlsClient::handshakeDone() const { return SSL_is_init_finished(ssl_) == 1; }

int MemoryTlsClient::version() const { return SSL_version(ssl_); }

std::string MemoryTlsClient::cipher() const { return SSL_get_cipher_name(ssl_); }

bool MemoryTlsClient::sessionReused() const { return SSL_session_reused(ssl_) == 1; }

std::string MemoryTlsClient::peerCommonName() const {
  X509* certificate = SSL_get0_peer_certificate(ssl_);
  if (certificate == nullptr) return {};
  char name[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name, sizeof(name)) < 0) {
    return {};
  }
  return name;
}

SSL_SESSION* MemoryTlsClient::takeSession() const { return SSL_get1_session(ssl_); }

}  // namespace fulcrum::test
