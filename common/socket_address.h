#pragma once
// "HOST:PORT" endpoints (IPv4, [IPv6] or a DNS name) and the socket address they
// resolve to.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fulcrum {

struct HostPort {
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
};

// Splits "HOST:PORT" / "[V6]:PORT". nullopt when the shape is wrong, the port is not
// 1..65535 (0 allowed when allow_zero_port, for ephemeral binds), or the host is empty.
std::optional<HostPort> parseHostPort(std::string_view text, bool allow_zero_port = false);

class SocketAddress {
 public:
  SocketAddress() = default;
  static SocketAddress fromSockaddr(const sockaddr* addr, socklen_t len);
  // Numeric literals only; no DNS.
  static std::optional<SocketAddress> fromNumeric(const std::string& host, uint16_t port);

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t length() const { return length_; }
  int family() const { return storage_.ss_family; }
  bool empty() const { return length_ == 0; }
  uint16_t port() const;
  // "1.2.3.4:80" or "[::1]:80".
  std::string toString() const;
  // The IP address bytes (4 or 16) without the port, for hashing and PROXY headers.
  std::string_view ipBytes() const;

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

// Resolves host (literal or DNS name, via getaddrinfo) to its first address.
// On failure returns nullopt and sets *error to a readable reason.
std::optional<SocketAddress> resolve(const HostPort& endpoint, std::string* error);

}  // namespace fulcrum
