#include "test/support/tls_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "test/support/loopback_address.h"

namespace fulcrum::test {

TlsClient::TlsClient(uint16_t port, const TlsClientOptions& options) {
  context_ = SSL_CTX_new(TLS_client_method());
  // Old protocol versions must be allowed on our side for a test to show that the
  // server refuses them.
  SSL_CTX_set_security_level(context_, 0);
  SSL_CTX_set_cipher_list(context_, "DEFAULT:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(context_, options.min_version);
  SSL_CTX_set_max_proto_version(context_, options.max_version);
  SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);

  fd_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(options.io_timeout).count();
  timeval timeout{static_cast<time_t>(micros / 1'000'000), static_cast<suseconds_t>(micros % 1'000'000)};
  setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address = loopbackAddress(port);
  if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    fd_ = UniqueFd();
    return;
  }
  ssl_ = SSL_new(context_);
  SSL_set_fd(ssl_, fd_.get());
  if (!options.server_name.empty()) SSL_set_tlsext_host_name(ssl_, options.server_name.c_str());
  handshake_ok_ = SSL_connect(ssl_) == 1;
}

TlsClient::~TlsClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (context_ != nullptr) SSL_CTX_free(context_);
}

std::string TlsClient::version() const { return ssl_ != nullptr ? SSL_get_version(ssl_) : ""; }

std::string TlsClient::peerCommonName() const {
  if (ssl_ == nullptr) return "";
  X509* certificate = SSL_get1_peer_certificate(ssl_);
  if (certificate == nullptr) return "";
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name, sizeof(name));
  X509_free(certificate);
  return name;
}

bool TlsClient::writeAll(std::string_view data) {
  if (!handshake_ok_) return false;
  while (!data.empty()) {
    size_t written = 0;
    if (SSL_write_ex(ssl_, data.data(), data.size(), &written) != 1) return false;
    data.remove_prefix(written);
  }
  return true;
}

std::optional<std::string> TlsClient::readExact(size_t length) {
  if (!handshake_ok_) return std::nullopt;
  std::string out(length, '\0');
  size_t have = 0;
  while (have < length) {
    size_t read = 0;
    if (SSL_read_ex(ssl_, out.data() + have, length - have, &read) != 1) return std::nullopt;
    have += read;
  }
  return out;
}

}  // namespace fulcrum::test
