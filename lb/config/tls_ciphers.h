#pragma once
// Checks TLS cipher settings against the linked OpenSSL at load time, so that
// `fulcrum --check` catches a typo instead of the listener failing at startup.
#include <optional>
#include <string>

namespace fulcrum::config {

// `ciphers` is an OpenSSL cipher list for TLS 1.2 and below (ciphers(1) syntax).
// Returns a reason when OpenSSL selects no cipher from it, nullopt when it is usable.
std::optional<std::string> checkCipherList(const std::string& ciphers);

// `ciphersuites` is a colon-separated list of TLS 1.3 suite names. Returns a reason
// naming the first suite OpenSSL does not know, nullopt when all are known.
std::optional<std::string> checkCipherSuites(const std::string& ciphersuites);

}  // namespace fulcrum::config
