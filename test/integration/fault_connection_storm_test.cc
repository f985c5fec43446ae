// Fault: 10,000 misbehaving connections — clients that reset at once (SO_LINGER 0),
// half-open clients that never send, and slowloris clients on the admin port (issue #10,
// "Fault tests"). Afterwards fulcrum must hold exactly the descriptors it held before.
#include <sys/socket.h>

#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "test/support/connection_batch.h"
#include "test/support/forked_echo_server.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/settled_fd_count.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

constexpr int kResetClients = 4000;
constexpr int kHalfOpenBatches = 4;
constexpr int kHalfOpenBatch = 1000;
constexpr int kSlowlorisBatches = 10;
constexpr int kSlowlorisBatch = 200;
constexpr Millis kIdleTimeout(1000);

TEST_CASE("fault: 10000 reset and half-open and slowloris connections leave no descriptor behind", "[fault][tcp]") {
  ForkedEchoServer backend;
  const uint16_t port = freeTcpPort();
  const uint16_t admin_port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig(
      {.listen_port = port, .backend_ports = {backend.port()}, .idle_timeout = "1s", .admin_port = admin_port}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  REQUIRE(waitForAdmin(admin_port, 10s));
  {
    UniqueFd warm_up = connectTcp(port, 2s);
    REQUIRE(warm_up);
    REQUIRE(sendAll(warm_up.get(), "warm", 1s));
    REQUIRE(recvExact(warm_up.get(), 4, 2s) == std::optional<std::string>("warm"));
  }
  const std::optional<size_t> baseline = settledFdCount(fulcrum);
  REQUIRE(baseline.has_value());
  int opened = 0;

  // Reset at once: the RST may reach fulcrum before, during or after its backend connect.
  int reset_connected = 0;
  for (int i = 0; i < kResetClients; ++i) {
    UniqueFd client = connectTcp(port, 2s);
    if (!client) continue;
    ++reset_connected;
    resetConnection(std::move(client));
  }
  opened += reset_connected;
  CHECK(reset_connected == kResetClients);

  // Half-open: connect and never send. The client leaves for the first batches; the last
  // batch stays until fulcrum's idle timeout closes it.
  size_t idled_out = 0;
  for (int batch = 0; batch < kHalfOpenBatches; ++batch) {
    std::vector<UniqueFd> idle = connectMany(port, kHalfOpenBatch);
    opened += static_cast<int>(idle.size());
    CHECK(idle.size() == static_cast<size_t>(kHalfOpenBatch));
    if (batch + 1 < kHalfOpenBatches) {
      std::this_thread::sleep_for(100ms);
      closeAlternately(idle);
    } else {
      idled_out = closedByPeerWithin(idle, kIdleTimeout + 5s);
      CHECK(idled_out == idle.size());
      idle.clear();
    }
  }

  // Slowloris on the admin port: a request line trickling in one byte at a time, then
  // the client gives up.
  for (int batch = 0; batch < kSlowlorisBatches; ++batch) {
    std::vector<UniqueFd> slow = connectMany(admin_port, kSlowlorisBatch);
    opened += static_cast<int>(slow.size());
    CHECK(slow.size() == static_cast<size_t>(kSlowlorisBatch));
    for (const char byte : std::string("GET")) {
      for (const UniqueFd& fd : slow) ::send(fd.get(), &byte, 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(20ms);
    }
    closeAlternately(slow);
  }

  const std::optional<size_t> after = fdCountBackTo(fulcrum, *baseline, 15s);
  std::cout << "[fault connection storm] " << opened << " connections (" << reset_connected << " reset at once, "
            << kHalfOpenBatches * kHalfOpenBatch << " half-open of which " << idled_out << " closed by idle_timeout, "
            << kSlowlorisBatches * kSlowlorisBatch << " admin slowloris); fulcrum fds before " << *baseline
            << ", after " << (after ? std::to_string(*after) : "unsettled") << "\n";
  CHECK(opened == 10000);
  CHECK(after == baseline);

  // Still serving, on both ports.
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "still", 1s));
  CHECK(recvExact(client.get(), 5, 2s) == std::optional<std::string>("still"));
  client.reset();
  CHECK(waitForAdmin(admin_port, 5s));
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
