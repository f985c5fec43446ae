// Idle proxied connections cost little memory (issue "Performance": ≤ 2 KiB RSS per
// idle connection): a connection holds its read buffer only during a read, so after
// traffic in both directions an idle one is just its small object and libuv handles.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "test/support/fulcrum_process.h"
#include "test/support/loopback_address.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer's redzones and shadow memory inflate every allocation; the bound
// still catches a per-connection 64 KiB buffer.
constexpr size_t kMaxBytesPerIdleConnection = 8 * 1024;
#else
constexpr size_t kMaxBytesPerIdleConnection = 2 * 1024;
#endif
constexpr int kWarmUpConnections = 200;
constexpr int kIdleConnections = 2000;

// A backend the test drives by hand: it accepts when asked, so every proxied connection
// has its backend end in the test (no server thread per connection).
class ManualBackend {
 public:
  ManualBackend() : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address = loopbackAddress();
    socklen_t length = sizeof(address);
    if (!listener_ || ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener_.get(), 4096) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("ManualBackend: cannot listen");
    }
    port_ = ntohs(address.sin_port);
  }

  uint16_t port() const { return port_; }

  // The next connection, or an invalid fd when none arrives within `timeout`.
  UniqueFd accept(Millis timeout) {
    pollfd ready{listener_.get(), POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1) return UniqueFd();
    return UniqueFd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  }

 private:
  UniqueFd listener_;
  uint16_t port_ = 0;
};

struct ProxiedPair {
  UniqueFd client;
  UniqueFd backend;
};

// Opens one proxied connection and sends a byte each way through it, so both
// directions have read (and so taken and given back a buffer) at least once.
std::optional<ProxiedPair> openExercisedConnection(uint16_t port, ManualBackend& backend) {
  ProxiedPair pair;
  pair.client = connectTcp(port, 2s);
  if (!pair.client || !sendAll(pair.client.get(), "q", 1s)) return std::nullopt;
  pair.backend = backend.accept(2s);
  if (!pair.backend || recvExact(pair.backend.get(), 1, 2s) != std::optional<std::string>("q")) return std::nullopt;
  if (!sendAll(pair.backend.get(), "a", 1s)) return std::nullopt;
  if (recvExact(pair.client.get(), 1, 2s) != std::optional<std::string>("a")) return std::nullopt;
  return pair;
}

TEST_CASE("an idle proxied connection costs at most 2 KiB of fulcrum's resident memory", "[tcp][memory]") {
  ManualBackend backend;
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {backend.port()}, .workers = 1}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  // Warm-up connections stay open: the buffer pool, the loop's descriptor tables and
  // the connection list have grown once before the baseline.
  std::vector<ProxiedPair> open;
  open.reserve(kWarmUpConnections + kIdleConnections);
  for (int i = 0; i < kWarmUpConnections; ++i) {
    auto pair = openExercisedConnection(port, backend);
    REQUIRE(pair.has_value());
    open.push_back(std::move(*pair));
  }
  const std::optional<size_t> baseline = fulcrum.rssBytes();
  REQUIRE(baseline.has_value());

  for (int i = 0; i < kIdleConnections; ++i) {
    auto pair = openExercisedConnection(port, backend);
    REQUIRE(pair.has_value());
    open.push_back(std::move(*pair));
  }
  const std::optional<size_t> loaded = fulcrum.rssBytes();
  REQUIRE(loaded.has_value());
  const size_t growth = *loaded > *baseline ? *loaded - *baseline : 0;
  const size_t per_connection = growth / kIdleConnections;
  INFO("RSS " << *baseline << " -> " << *loaded << " bytes: " << per_connection << " bytes per idle connection");
  CHECK(per_connection <= kMaxBytesPerIdleConnection);
}

}  // namespace
}  // namespace fulcrum::test
