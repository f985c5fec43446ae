#pragma once
// A backend for PROXY protocol tests: it parses the PROXY header at the start of each
// connection (HAProxy's proxy-protocol.txt, via parseProxyHeader), records what it
// said, then echoes every byte that follows it.
// Header-only because parseProxyHeader lives in fulcrum_core, which
// fulcrum_test_support does not link.
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "lb/proxy/proxy_protocol.h"
#include "test/support/tcp_test_server.h"

namespace fulcrum::test {

class ProxyHeaderServer {
 public:
  ProxyHeaderServer()
      : server_([this](ServerConnection& connection) {
          using namespace std::chrono_literals;
          std::string received;
          ProxyParseResult parsed;
          while (true) {
            if (connection.read(&received, 4096, 3000ms) != IoStatus::kData) return;
            parsed = parseProxyHeader(std::span<const char>(received.data(), received.size()));
            if (parsed.status != ProxyParseStatus::kIncomplete) break;
          }
          {
            std::lock_guard lock(mutex_);
            headers_.push_back(parsed);
            raw_.push_back(received.substr(0, parsed.status == ProxyParseStatus::kComplete ? parsed.header.length : 0));
          }
          if (parsed.status != ProxyParseStatus::kComplete) return;
          std::string rest = received.substr(parsed.header.length);
          while (true) {
            if (!rest.empty() && !connection.writeAll(rest)) return;
            rest.clear();
            if (connection.read(&rest, 65536, 3000ms) != IoStatus::kData) return;
          }
        }) {}

  uint16_t port() const { return server_.port(); }
  // One parse result per accepted connection, in order.
  std::vector<ProxyParseResult> headers() const {
    std::lock_guard lock(mutex_);
    return headers_;
  }
  // The header bytes exactly as received (empty when the header was invalid).
  std::vector<std::string> raw() const {
    std::lock_guard lock(mutex_);
    return raw_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ProxyParseResult> headers_;
  std::vector<std::string> raw_;
  TcpTestServer server_;
};

}  // namespace fulcrum::test
