#include "lb/config/tls_ciphers.h"

#include <memory>
#include <string_view>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace fulcrum::config {
namespace {

struct SslCtxDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

SslCtxPtr newContext() { return SslCtxPtr(SSL_CTX_new(TLS_method())); }

bool contextHasCipher(SSL_CTX* context, std::string_view name) {
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(context);
  for (int index = 0; index < sk_SSL_CIPHER_num(ciphers); ++index) {
    if (name == SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, index))) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> checkCipherList(const std::string& ciphers) {
  SslCtxPtr context = newContext();
  if (!context) return std::string("OpenSSL cannot create a TLS context");
  const bool usable = SSL_CTX_set_cipher_list(context.get(), ciphers.c_str()) == 1;
  // The failure leaves an entry on this thread's OpenSSL error queue; do not let it
  // confuse whoever reads the queue next.
  ERR_clear_error();
  if (!usable) return fmt::format("OpenSSL selects no cipher from \"{}\"", ciphers);
  return std::nullopt;
}

std::optional<std::string> checkCipherSuites(const std::string& ciphersuites) {
  SslCtxPtr context = newContext();
  if (!context) return std::string("OpenSSL cannot create a TLS context");
  // OpenSSL 3 silently skips unknown TLS 1.3 suite names, so set each one alone and
  // see whether it shows up in the context's cipher list.
  std::string_view rest = ciphersuites;
  while (true) {
    const size_t colon = rest.find(':');
    const std::string name(rest.substr(0, colon));
    const bool known = !name.empty() && SSL_CTX_set_ciphersuites(context.get(), name.c_str()) == 1 &&
                       contextHasCipher(context.get(), name);
    ERR_clear_error();
    if (!known) return fmt::format("unknown TLS 1.3 cipher suite \"{}\"", name);
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

}  // namespace fulcrum::config
