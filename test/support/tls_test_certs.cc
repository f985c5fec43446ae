#include "test/support/tls_test_certs.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

namespace fulcrum::test {
namespace {

struct OpensslFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* certificate) const { X509_free(certificate); }
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
  void operator()(BIO* bio) const { BIO_free(bio); }
};
template <typename T>
using Owned = std::unique_ptr<T, OpensslFree>;

constexpr long kOneHour = 60 * 60;
constexpr long kThirtyDays = 30 * 24 * kOneHour;

[[noreturn]] void fail(const std::string& what) {
  char reason[256] = "no OpenSSL error";
  if (const unsigned long error = ERR_get_error()) ERR_error_string_n(error, reason, sizeof(reason));
  ERR_clear_error();
  throw std::runtime_error("writeSelfSignedCert: " + what + ": " + reason);
}

std::string fileStem(const std::string& common_name) {
  std::string stem = common_name;
  for (char& c : stem) {
    const bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!plain) c = '_';
  }
  return stem;
}

void setRandomSerial(X509* certificate) {
  uint64_t serial = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof(serial)) != 1) fail("cannot draw a serial");
  // Positive and non-zero (RFC 5280 section 4.1.2.2); random so that two certificates
  // for one name differ.
  serial = (serial >> 1) | 1;
  if (ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), serial) != 1) fail("cannot set the serial");
}

void addSubjectAltName(X509* certificate, const std::string& dns_name) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  const std::string value = "DNS:" + dns_name;
  Owned<X509_EXTENSION> extension(X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, value.c_str()));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) fail("cannot add subjectAltName");
}

}  // namespace

CertificateFiles writeSelfSignedCert(const std::string& directory, const std::string& common_name) {
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate a P-256 key");

  Owned<X509> owned_certificate(X509_new());
  X509* certificate = owned_certificate.get();
  if (certificate == nullptr) fail("cannot allocate a certificate");
  if (X509_set_version(certificate, X509_VERSION_3) != 1) fail("cannot set the version");
  setRandomSerial(certificate);
  // Back-dated an hour so that small clock differences between processes do not matter.
  if (X509_gmtime_adj(X509_getm_notBefore(certificate), -kOneHour) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(certificate), kThirtyDays) == nullptr) {
    fail("cannot set the validity");
  }
  X509_NAME* name = X509_get_subject_name(certificate);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                 -1, -1, 0) != 1) {
    fail("cannot set the common name");
  }
  if (X509_set_issuer_name(certificate, name) != 1) fail("cannot set the issuer");
  if (X509_set_pubkey(certificate, key.get()) != 1) fail("cannot set the public key");
  addSubjectAltName(certificate, common_name);
  if (X509_sign(certificate, key.get(), EVP_sha256()) == 0) fail("cannot sign the certificate");

  const std::string stem = directory + "/" + fileStem(common_name);
  CertificateFiles files{stem + ".cert.pem", stem + ".key.pem"};
  Owned<BIO> cert_file(BIO_new_file(files.cert_path.c_str(), "w"));
  if (!cert_file || PEM_write_bio_X509(cert_file.get(), certificate) != 1) fail("cannot write " + files.cert_path);
  Owned<BIO> key_file(BIO_new_file(files.key_path.c_str(), "w"));
  if (!key_file || PEM_write_bio_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("cannot write " + files.key_path);
  }
  return files;
}

}  // namespace fulcrum::test
