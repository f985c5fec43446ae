// Bad input: a flood of datagrams from many source ports (each one a new session) must
// leave fulcrum serving, with memory bounded by the sessions it keeps and everything
// released once they expire.
#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/loopback_address.h"
#include "test/support/ports.h"
#include "test/support/udp_client.h"
#include "test/support/udp_echo_server.h"
#include "test/support/udp_metrics.h"
#include "test/support/udp_proxy_config.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

constexpr size_t kSourcePorts = 10000;
constexpr size_t kDatagramsPerPort = 10;
// About 0.5 KiB per session is expected (5 MiB for 10,000); 3.2 KiB per session would
// be as much as HAProxy holds per idle TCP connection.
constexpr size_t kMaxRssGrowth = 32 * 1024 * 1024;

// Sockets bound to 127.0.0.1 with distinct ephemeral ports, all open at once.
std::vector<UniqueFd> openSources(size_t count) {
  std::vector<UniqueFd> sources;
  sources.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in address = loopbackAddress();
    if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) break;
    sources.push_back(std::move(fd));
  }
  return sources;
}

// Round r sends datagram r from every source, with a short pause every 500 datagrams
// so that most reach fulcrum instead of overflowing its socket buffer. Bounded by
// `budget`. Returns how many datagrams the kernel took.
size_t flood(const std::vector<UniqueFd>& sources, uint16_t port, Millis budget) {
  const Deadline deadline(budget);
  sockaddr_in target = loopbackAddress(port);
  const std::string payload(64, 'f');
  size_t sent = 0;
  for (size_t round = 0; round < kDatagramsPerPort && !deadline.expired(); ++round) {
    for (size_t i = 0; i < sources.size() && !deadline.expired(); ++i) {
      if (::sendto(sources[i].get(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&target),
                   sizeof(target)) == static_cast<ssize_t>(payload.size())) {
        ++sent;
      }
      if (sent % 500 == 0) std::this_thread::sleep_for(1ms);
    }
  }
  return sent;
}

TEST_CASE("udp: a flood from 10000 source ports leaves fulcrum serving with bounded memory", "[udp]") {
  UdpEchoServer echo("A");
  const uint16_t port = freeUdpPort();
  const uint16_t admin = freeTcpPort();
  FulcrumProcess fulcrum(udpProxyConfig(
      {.listen_port = port, .backends = {{echo.port()}}, .workers = 2, .idle_timeout = "2s", .admin_port = admin}));
  REQUIRE(waitForUdpPort(port, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  UdpClient regular;
  REQUIRE(regular.roundTrip(port, "before", 2s));
  const std::optional<size_t> rss_before = fulcrum.rssBytes();
  const std::optional<size_t> fds_before = fulcrum.openFdCount();
  REQUIRE(rss_before);
  REQUIRE(fds_before);

  {
    const std::vector<UniqueFd> sources = openSources(kSourcePorts);
    REQUIRE(sources.size() == kSourcePorts);
    const size_t sent = flood(sources, port, 8s);
    CHECK(sent == kSourcePorts * kDatagramsPerPort);

    // Still serving: the regular client's session and a brand-new client both get
    // answers (retried, since a datagram may still meet a full socket buffer).
    CHECK(eventually(5s, [&] { return regular.roundTrip(port, "during", 200ms).has_value(); }));
    UdpClient newcomer;
    CHECK(eventually(5s, [&] { return newcomer.roundTrip(port, "new", 200ms).has_value(); }));
    CHECK(fulcrum.running());

    const std::optional<double> sessions = metricValue(admin, udpListenerSeries("fulcrum_udp_sessions_active"));
    REQUIRE(sessions);
    CHECK(*sessions >= kSourcePorts / 2);  // the flood did reach fulcrum
    CHECK(*sessions <= kSourcePorts + 2);
    const std::optional<size_t> rss_after = fulcrum.rssBytes();
    REQUIRE(rss_after);
    CHECK(*rss_after < *rss_before + kMaxRssGrowth);
  }

  // Once idle, every session expires and its socket is closed.
  CHECK(waitForMetric(admin, udpListenerSeries("fulcrum_udp_sessions_active"), 0, 6s));
  CHECK(eventually(2s, [&] { return fulcrum.openFdCount().value_or(SIZE_MAX) <= *fds_before - 1; }));
  CHECK(regular.roundTrip(port, "after", 2s));
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
