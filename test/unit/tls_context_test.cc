// TlsContext: building a listener's TLS settings, and the errors `fulcrum --check`
// shows for bad certificate and key files.
#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <vector>

#include "lb/proxy/tls_context.h"
#include "test/support/temp_dir.h"
#include "test/support/tls_test_certs.h"

namespace fulcrum {
namespace {

using Catch::Matchers::StartsWith;

struct TlsFiles {
  test::TempDir directory;
  test::CertificateFiles primary = test::writeSelfSignedCert(directory.path(), "primary.test");
  test::CertificateFiles other = test::writeSelfSignedCert(directory.path(), "other.test");

  config::TlsConfig config() const {
    config::TlsConfig tls;
    tls.cert = primary.cert_path;
    tls.key = primary.key_path;
    return tls;
  }
};

std::vector<std::string> errorsOf(const config::TlsConfig& config) {
  std::vector<std::string> errors;
  const std::shared_ptr<const TlsContext> context = TlsContext::create(config, &errors);
  CHECK((context == nullptr) == !errors.empty());
  return errors;
}

TEST_CASE("tls context: a matching certificate and key build a context", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.handshake_timeout = std::chrono::milliseconds(2500);
  std::vector<std::string> errors;
  const std::shared_ptr<const TlsContext> context = TlsContext::create(config, &errors);
  REQUIRE(context);
  CHECK(errors.empty());
  CHECK(context->sslContext() != nullptr);
  CHECK(context->handshakeTimeout() == std::chrono::milliseconds(2500));
  CHECK(SSL_CTX_get_min_proto_version(context->sslContext()) == TLS1_2_VERSION);
  CHECK((SSL_CTX_get_options(context->sslContext()) & SSL_OP_NO_RENEGOTIATION) != 0);
  CHECK((SSL_CTX_get_options(context->sslContext()) & SSL_OP_NO_COMPRESSION) != 0);
  CHECK((SSL_CTX_get_mode(context->sslContext()) & SSL_MODE_RELEASE_BUFFERS) != 0);
  CHECK(validateTlsConfig(config).empty());
}

TEST_CASE("tls context: min_version 1.3 is applied", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.min_version = "1.3";
  const std::shared_ptr<const TlsContext> context = TlsContext::create(config, nullptr);
  REQUIRE(context);
  CHECK(SSL_CTX_get_min_proto_version(context->sslContext()) == TLS1_3_VERSION);
}

TEST_CASE("tls context: a missing certificate file is named with the system's reason", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.cert = files.directory.file("missing.pem");
  CHECK(errorsOf(config) ==
        std::vector<std::string>{config.cert + ": error: cannot read certificate: No such file or directory"});
}

TEST_CASE("tls context: a missing key file is named with the system's reason", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.key = files.directory.file("missing.key");
  CHECK(errorsOf(config) ==
        std::vector<std::string>{config.key + ": error: cannot read private key: No such file or directory"});
}

TEST_CASE("tls context: a key of another certificate is a mismatch", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.key = files.other.key_path;
  CHECK(errorsOf(config) == std::vector<std::string>{config.key + ": error: key does not match certificate"});
}

TEST_CASE("tls context: a file without PEM content is not a certificate", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.cert = files.directory.file("not-a-cert.pem");
  test::writeFile(config.cert, "hello\n");
  CHECK(errorsOf(config) == std::vector<std::string>{config.cert + ": error: cannot read certificate: no start line"});
}

TEST_CASE("tls context: a certificate given as the key is not a private key", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.key = files.primary.cert_path;
  const std::vector<std::string> errors = errorsOf(config);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], StartsWith(config.key + ": error: cannot read private key: "));
}

TEST_CASE("tls context: a passphrase-protected key fails instead of prompting", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.key = files.directory.file("encrypted.key.pem");
  {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new_file(config.key.c_str(), "w"), &BIO_free);
    REQUIRE(key);
    REQUIRE(out);
    const char passphrase[] = "secret";
    REQUIRE(PEM_write_bio_PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(),
                                     reinterpret_cast<const unsigned char*>(passphrase), sizeof(passphrase) - 1,
                                     nullptr, nullptr) == 1);
  }
  const std::vector<std::string> errors = errorsOf(config);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], StartsWith(config.key + ": error: cannot read private key: "));
}

TEST_CASE("tls context: min_version below 1.2 is refused", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.min_version = "1.1";
  CHECK(errorsOf(config) ==
        std::vector<std::string>{"tls: error: min_version must be \"1.2\" or \"1.3\", not \"1.1\""});
}

TEST_CASE("tls context: unusable cipher settings are errors", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.ciphers = "NO-SUCH-CIPHER";
  CHECK(errorsOf(config) ==
        std::vector<std::string>{"tls: error: ciphers: OpenSSL selects no cipher from \"NO-SUCH-CIPHER\""});
  config.ciphers.clear();
  config.ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_NO_SUCH_SUITE";
  CHECK(errorsOf(config) ==
        std::vector<std::string>{"tls: error: ciphersuites: unknown TLS 1.3 cipher suite \"TLS_NO_SUCH_SUITE\""});
}

TEST_CASE("tls context: SNI entries' files are checked like the default's", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.sni.push_back({"good.test", files.other.cert_path, files.other.key_path});
  config.sni.push_back({"bad.test", files.other.cert_path, files.primary.key_path});
  CHECK(errorsOf(config) ==
        std::vector<std::string>{files.primary.key_path + ": error: key does not match certificate"});
}

TEST_CASE("tls context: validateTlsConfig reports every problem at once", "[tls]") {
  TlsFiles files;
  config::TlsConfig config = files.config();
  config.min_version = "1.0";
  config.cert = files.directory.file("missing.pem");
  config.sni.push_back({"sni.test", files.primary.cert_path, files.other.key_path});
  CHECK(validateTlsConfig(config) ==
        std::vector<std::string>{
            "tls: error: min_version must be \"1.2\" or \"1.3\", not \"1.0\"",
            config.cert + ": error: cannot read certificate: No such file or directory",
            files.other.key_path + ": error: key does not match certificate",
        });
}

}  // namespace
}  // namespace fulcrum
