#include "common/socket_address.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace fulcrum {

std::optional<HostPort> parseHostPort(std::string_view text, bool allow_zero_port) {
  HostPort result;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    result.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    result.host = std::string(text.substr(0, colon));
    // An unbracketed IPv6 literal is ambiguous; the contract asks for [IPv6].
    if (result.host.find(':') != std::string::npos) return std::nullopt;
    port_text = text.substr(colon + 1);
  }
  if (result.host.empty() || port_text.empty() || port_text.size() > 5) return std::nullopt;
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size()) return std::nullopt;
  if (port > 65535 || (port == 0 && !allow_zero_port)) return std::nullopt;
  result.port = static_cast<uint16_t>(port);
  return result;
}

SocketAddress SocketAddress::fromSockaddr(const sockaddr* addr, socklen_t len) {
  SocketAddress result;
  if (len > sizeof(result.storage_)) len = sizeof(result.storage_);
  std::memcpy(&result.storage_, addr, len);
  result.length_ = len;
  return result;
}

std::optional<SocketAddress> SocketAddress::fromNumeric(const std::string& host, uint16_t port) {
  sockaddr_in v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    return fromSockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof(v4));
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    return fromSockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof(v6));
  }
  return std::nullopt;
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string_view SocketAddress::ipBytes() const {
  if (family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage_);
    return {reinterpret_cast<const char*>(&in->sin_addr), 4};
  }
  if (family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    return {reinterpret_cast<const char*>(&in6->sin6_addr), 16};
  }
  return {};
}

std::string SocketAddress::toString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, text, sizeof(text));
    return fmt::format("{}:{}", text, port());
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, text, sizeof(text));
    return fmt::format("[{}]:{}", text, port());
  }
  return "unknown";
}

std::optional<SocketAddress> resolve(const HostPort& endpoint, std::string* error) {
  if (auto numeric = SocketAddress::fromNumeric(endpoint.host, endpoint.port)) return numeric;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(endpoint.host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) {
    if (error) *error = fmt::format("cannot resolve \"{}\": {}", endpoint.host, gai_strerror(rc));
    return std::nullopt;
  }
  SocketAddress result = SocketAddress::fromSockaddr(found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  if (result.family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(result.get())->sin_port = htons(endpoint.port);
  } else if (result.family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(result.get())->sin6_port = htons(endpoint.port);
  }
  return result;
}

}  // namespace fulcrum
