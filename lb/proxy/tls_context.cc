#include "lb/proxy/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <strings.h>

#include <fmt/format.h>

#include "lb/config/tls_ciphers.h"

namespace fulcrum {
namespace {

// TLS 1.2 ciphers when `ciphers` is not set: forward secrecy (ECDHE) and AEAD only, as
// in Mozilla's "intermediate" server profile (https://wiki.mozilla.org/Security/Server_Side_TLS)
// without its finite-field DHE suites, whose parameters we would have to provision.
constexpr const char* kDefaultTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Session IDs and tickets are only accepted by contexts with the same ID context.
constexpr unsigned char kSessionIdContext[] = "fulcrum";

// A passphrase-protected key must fail to load instead of OpenSSL's default of asking
// on the terminal, which would hang a daemon.
int refusePassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return -1; }

class ErrorList {
 public:
  explicit ErrorList(std::vector<std::string>* errors) : errors_(errors) {}
  void add(std::string message) {
    ++count_;
    if (errors_ != nullptr) errors_->push_back(std::move(message));
  }
  bool any() const { return count_ != 0; }

 private:
  std::vector<std::string>* errors_;
  size_t count_ = 0;
};

// 0 when the text is not a version we accept. Never below TLS 1.2: TLS 1.0 and 1.1
// are deprecated (RFC 8996).
int minimumVersion(const std::string& min_version) {
  if (min_version == "1.2") return TLS1_2_VERSION;
  if (min_version == "1.3") return TLS1_3_VERSION;
  return 0;
}

// The settings that do not depend on files, checked once for all contexts.
bool checkSettings(const config::TlsConfig& config, ErrorList& errors) {
  bool usable = true;
  if (minimumVersion(config.min_version) == 0) {
    errors.add(fmt::format("tls: error: min_version must be \"1.2\" or \"1.3\", not \"{}\"", config.min_version));
    usable = false;
  }
  if (!config.ciphers.empty()) {
    if (auto problem = config::checkCipherList(config.ciphers)) {
      errors.add(fmt::format("tls: error: ciphers: {}", *problem));
      usable = false;
    }
  }
  if (!config.ciphersuites.empty()) {
    if (auto problem = config::checkCipherSuites(config.ciphersuites)) {
      errors.add(fmt::format("tls: error: ciphersuites: {}", *problem));
      usable = false;
    }
  }
  return usable;
}

// A server context with our fixed defaults. When `settings_usable`, the configured
// version and cipher settings are applied too (checkSettings() has vetted them);
// otherwise the context only serves to check the certificate files.
//
// Every context gets the same settings: after the SNI callback switches a connection's
// SSL_CTX, the certificate comes from the new context while options, versions and
// ciphers stay those the connection started with (SSL_set_SSL_CTX(3)), and this keeps
// the contexts interchangeable.
SslCtxPtr newServerContext(const config::TlsConfig& config, bool settings_usable, ErrorList& errors) {
  SslCtxPtr context(SSL_CTX_new(TLS_server_method()));
  if (!context) {
    errors.add("tls: error: cannot create an OpenSSL context: " + takeOpensslError());
    return nullptr;
  }
  SSL_CTX* raw = context.get();
  // No renegotiation (a client-triggered CPU cost and the source of several attacks,
  // RFC 5746), no TLS compression (CRIME). The server's cipher order wins: ours lists
  // only strong ciphers, best first.
  SSL_CTX_set_options(raw, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle connections give back their 16 KiB+ read and write buffers.
  SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_default_passwd_cb(raw, refusePassphrase);
  // Resumption by stateless session tickets only: the server-side session cache is a
  // locked table shared by all worker threads, and tickets need no server state. The
  // ticket keys are random per context, so after a reload older tickets fall back to
  // a full handshake.
  SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_session_id_context(raw, kSessionIdContext, sizeof(kSessionIdContext) - 1);
  if (!settings_usable) return context;

  SSL_CTX_set_min_proto_version(raw, minimumVersion(config.min_version));
  const char* ciphers = config.ciphers.empty() ? kDefaultTls12Ciphers : config.ciphers.c_str();
  if (SSL_CTX_set_cipher_list(raw, ciphers) != 1) {
    errors.add(fmt::format("tls: error: ciphers \"{}\": {}", ciphers, takeOpensslError()));
    return nullptr;
  }
  if (!config.ciphersuites.empty() && SSL_CTX_set_ciphersuites(raw, config.ciphersuites.c_str()) != 1) {
    errors.add(fmt::format("tls: error: ciphersuites \"{}\": {}", config.ciphersuites, takeOpensslError()));
    return nullptr;
  }
  return context;
}

EvpPkeyPtr readPrivateKey(const std::string& path) {
  BioPtr file(BIO_new_file(path.c_str(), "r"));
  if (!file) return nullptr;
  return EvpPkeyPtr(PEM_read_bio_PrivateKey(file.get(), nullptr, refusePassphrase, nullptr));
}

// Loads the certificate chain and the key into `context` and checks that they belong
// together. Reports every problem found.
bool loadCertificateAndKey(SSL_CTX* context, const std::string& cert_path, const std::string& key_path,
                           ErrorList& errors) {
  ERR_clear_error();
  // The file holds the leaf certificate first, then its intermediates.
  const bool have_cert = SSL_CTX_use_certificate_chain_file(context, cert_path.c_str()) == 1;
  if (!have_cert) {
    errors.add(fmt::format("{}: error: cannot read certificate: {}", cert_path, takeOpensslError()));
  }
  EvpPkeyPtr key = readPrivateKey(key_path);
  if (!key) {
    errors.add(fmt::format("{}: error: cannot read private key: {}", key_path, takeOpensslError()));
  }
  if (!have_cert || !key) return false;
  if (X509_check_private_key(SSL_CTX_get0_certificate(context), key.get()) != 1) {
    ERR_clear_error();
    errors.add(fmt::format("{}: error: key does not match certificate", key_path));
    return false;
  }
  if (SSL_CTX_use_PrivateKey(context, key.get()) != 1 || SSL_CTX_check_private_key(context) != 1) {
    errors.add(fmt::format("{}: error: cannot use private key: {}", key_path, takeOpensslError()));
    return false;
  }
  return true;
}

SslCtxPtr buildContext(const config::TlsConfig& config, bool settings_usable, const std::string& cert_path,
                       const std::string& key_path, ErrorList& errors) {
  SslCtxPtr context = newServerContext(config, settings_usable, errors);
  if (!context) return nullptr;
  // Certificate problems are reported even when the settings were bad, so that one
  // `fulcrum --check` run shows everything.
  const bool loaded = loadCertificateAndKey(context.get(), cert_path, key_path, errors);
  return loaded && settings_usable ? std::move(context) : nullptr;
}

}  // namespace

std::shared_ptr<const TlsContext> TlsContext::create(const config::TlsConfig& config,
                                                     std::vector<std::string>* errors) {
  ErrorList problems(errors);
  std::shared_ptr<TlsContext> result(new TlsContext());
  result->handshake_timeout_ = config.handshake_timeout;
  const bool settings_usable = checkSettings(config, problems);
  result->default_ = buildContext(config, settings_usable, config.cert, config.key, problems);
  for (const config::TlsSniConfig& entry : config.sni) {
    SslCtxPtr context = buildContext(config, settings_usable, entry.cert, entry.key, problems);
    if (context) result->sni_.push_back(SniEntry{entry.server_name, std::move(context)});
  }
  if (problems.any()) return nullptr;
  if (!result->sni_.empty()) {
    // The callback gets the TlsContext, which outlives every SSL made from it: each
    // TlsSession holds a reference.
    SSL_CTX_set_tlsext_servername_callback(result->default_.get(), &TlsContext::onServerName);
    SSL_CTX_set_tlsext_servername_arg(result->default_.get(), result.get());
  }
  return result;
}

TlsContext::~TlsContext() = default;

int TlsContext::onServerName(SSL* ssl, int* alert, void* arg) {
  const auto* self = static_cast<const TlsContext*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_OK;
  for (const SniEntry& entry : self->sni_) {
    // Host names compare case-insensitively (RFC 4343); a name that matches no entry
    // gets the default certificate.
    if (strcasecmp(entry.server_name.c_str(), name) != 0) continue;
    if (SSL_set_SSL_CTX(ssl, entry.context.get()) == nullptr) {
      *alert = SSL_AD_INTERNAL_ERROR;
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_OK;
}

std::vector<std::string> validateTlsConfig(const config::TlsConfig& config) {
  std::vector<std::string> errors;
  TlsContext::create(config, &errors);
  return errors;
}

}  // namespace fulcrum
