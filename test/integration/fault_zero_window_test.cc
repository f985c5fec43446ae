// Fault: a backend that accepts and never reads (its receive window goes to zero)
// (issue #10, "Fault tests"). fulcrum's backpressure must stall the client instead of
// buffering, its memory must stay flat, and idle_timeout must end the connection.
#include <poll.h>
#include <sys/socket.h>

#include <iostream>
#include <vector>

#include <catch2/catch.hpp>

#include "test/support/fulcrum_process.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/tcp_client.h"
#include "test/support/tcp_test_server.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

constexpr size_t kAttemptBytes = size_t{256} << 20;
constexpr size_t kRssBound = size_t{16} << 20;
constexpr Millis kStallQuiet(700);  // no send progress this long = stalled
constexpr Millis kIdleTimeout(3000);

TEST_CASE("fault: a backend that never reads stalls the client and keeps memory flat until idle timeout",
          "[fault][tcp]") {
  TcpTestServer never_reads([](ServerConnection& connection) { connection.sleepFor(60s); });
  const uint16_t port = freeTcpPort();
  FulcrumProcess fulcrum(tcpProxyConfig({.listen_port = port, .backend_ports = {never_reads.port()}, .idle_timeout = "3s"}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));
  const std::optional<size_t> rss_before = fulcrum.rssBytes();
  REQUIRE(rss_before.has_value());

  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  std::vector<char> chunk(64 * 1024, 'z');
  size_t pushed = 0;
  size_t rss_peak = *rss_before;
  Clock::time_point last_progress = Clock::now();
  const Deadline push_deadline(20s);
  while (pushed < kAttemptBytes && !push_deadline.expired()) {
    pollfd entry{client.get(), POLLOUT, 0};
    if (::poll(&entry, 1, 50) > 0 && (entry.revents & POLLOUT) != 0) {
      const ssize_t written = ::send(client.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
      REQUIRE((written > 0 || errno == EAGAIN));
      if (written > 0) {
        pushed += static_cast<size_t>(written);
        last_progress = Clock::now();
      }
    }
    rss_peak = std::max(rss_peak, fulcrum.rssBytes().value_or(0));
    if (Clock::now() - last_progress >= kStallQuiet) break;
  }
  const Clock::time_point stalled_since = last_progress;
  rss_peak = std::max(rss_peak, fulcrum.rssBytes().value_or(0));
  std::cout << "[fault zero window] client pushed " << pushed << " of " << kAttemptBytes
            << " bytes before stalling; fulcrum RSS " << *rss_before / 1024 << " KiB before, peak "
            << rss_peak / 1024 << " KiB (bound +" << kRssBound / 1024 << " KiB)\n";
  CHECK(pushed < kAttemptBytes / 8);
  CHECK(rss_peak - *rss_before < kRssBound);
  CHECK(never_reads.acceptedConnections() == 1);

  // Nothing moves either way now, so idle_timeout closes the connection.
  REQUIRE(isClosedByPeer(client.get(), kIdleTimeout + 5s));
  const auto closed_after = std::chrono::duration_cast<Millis>(Clock::now() - stalled_since);
  std::cout << "[fault zero window] closed " << closed_after.count() << " ms after the last progress (idle_timeout "
            << kIdleTimeout.count() << " ms)\n";
  CHECK(closed_after >= kIdleTimeout - 1000ms);
  client.reset();

  // Still serving: the next client is accepted and connected to the backend.
  UniqueFd next = connectTcp(port, 2s);
  REQUIRE(next);
  CHECK(sendAll(next.get(), "x", 1s));
  CHECK(eventually(3s, [&] { return never_reads.acceptedConnections() == 2; }));
  next.reset();
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
