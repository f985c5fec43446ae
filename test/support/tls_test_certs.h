#pragma once
// Throw-away TLS certificates for tests, made at test time with the OpenSSL API so no
// private key is ever committed.
#include <string>

namespace fulcrum::test {

struct CertificateFiles {
  std::string cert_path;  // PEM certificate
  std::string key_path;   // PEM private key (PKCS#8, unencrypted)
};

// Writes a fresh ECDSA P-256 key and a self-signed certificate for it (subject and
// issuer CN=`common_name`, subjectAltName DNS:`common_name`, valid from an hour ago for
// 30 days, SHA-256) into `directory` as "<name>.cert.pem" and "<name>.key.pem", where
// <name> is common_name with every character outside [A-Za-z0-9.-] replaced by '_'.
// Throws std::runtime_error when OpenSSL or the file system fails.
CertificateFiles writeSelfSignedCert(const std::string& directory, const std::string& common_name);

}  // namespace fulcrum::test
