// Fault: a backend flapping every 100 ms for 10 s under load (issue #10, "Fault tests").
// fulcrum must not crash, must log the health transitions, and must send no connection
// to the backend while it is marked down, beyond the detection window.
#include <ctime>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "test/support/backends.h"
#include "test/support/flapping_backend.h"
#include "test/support/fulcrum_process.h"
#include "test/support/health_config.h"
#include "test/support/ports.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;
using WallClock = FlappingBackend::WallClock;

constexpr Millis kFlapPeriod(100);
constexpr Millis kFlapDuration(10'000);
// How long after the "-> down" line a connection may still reach the backend: the
// verdict travels to the workers through an atomic and the balancer rebuilds its table
// off the data path, and a connect already in flight completes.
constexpr Millis kDetectionWindow(100);
constexpr int kClientThreads = 2;

struct Transition {
  WallClock::time_point at;
  bool down = false;
};

// The log's RFC 3339 timestamp at the start of `line` ("2026-01-31T12:00:00.123Z").
std::optional<WallClock::time_point> lineTime(const std::string& line) {
  std::tm utc{};
  int millis = 0;
  if (std::sscanf(line.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &utc.tm_year, &utc.tm_mon, &utc.tm_mday, &utc.tm_hour,
                  &utc.tm_min, &utc.tm_sec, &millis) != 7) {
    return std::nullopt;
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  return WallClock::from_time_t(::timegm(&utc)) + Millis(millis);
}

// The backend's health transitions in the log, in order.
std::vector<Transition> transitionsOf(const std::string& log, uint16_t port) {
  std::vector<Transition> transitions;
  std::istringstream lines(log);
  std::string line;
  const std::string backend = fmt::format("backend 127.0.0.1:{} ", port);
  while (std::getline(lines, line)) {
    if (line.find("health:") == std::string::npos || line.find(backend) == std::string::npos) continue;
    const bool down = line.find("-> down") != std::string::npos;
    if (!down && line.find("-> up") == std::string::npos) continue;
    if (const auto at = lineTime(line)) transitions.push_back({*at, down});
  }
  return transitions;
}

TEST_CASE("fault: a backend flapping every 100 ms under load is avoided while down and fulcrum survives",
          "[fault][health]") {
  EchoServer stable;
  const uint16_t flapping_port = freeTcpPort();
  const uint16_t port = freeTcpPort();
  HealthCheckSpec check;
  check.interval = "50ms";
  check.timeout = "50ms";
  check.rise = 1;
  check.fall = 1;
  FulcrumProcess fulcrum(healthProxyConfig({.listeners = {{.port = port}},
                                            .pools = {{.backend_ports = {flapping_port, stable.port()},
                                                       .health_check = check}},
                                            .connect_timeout = "200ms",
                                            .retries = 1}));
  REQUIRE(fulcrum.waitForTcpPort(port, 10s));

  std::atomic<bool> flapping_over{false};
  std::atomic<int> verified{0};
  std::atomic<int> failed{0};
  FlappingBackend flapping(flapping_port, kFlapPeriod, kFlapDuration);
  std::vector<std::thread> clients;
  for (int t = 0; t < kClientThreads; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 1'000'000 && !flapping_over; ++i) {
        const std::string message = fmt::format("{}-{}", t, i);
        UniqueFd client = connectTcp(port, 1s);
        const bool ok = client && sendAll(client.get(), message, 1s) &&
                        recvExact(client.get(), message.size(), 1s) == std::optional<std::string>(message);
        (ok ? verified : failed).fetch_add(1);
      }
    });
  }
  flapping.join();
  flapping_over = true;
  for (std::thread& client : clients) client.join();
  std::this_thread::sleep_for(200ms);  // the last transition's line

  const std::vector<Transition> transitions = transitionsOf(fulcrum.log(), flapping_port);
  const std::vector<WallClock::time_point> accepts = flapping.dataAccepts();
  size_t downs = 0;
  size_t late_accepts = 0;
  Millis latest(0);
  for (size_t i = 0; i < transitions.size(); ++i) {
    if (!transitions[i].down) continue;
    ++downs;
    const WallClock::time_point from = transitions[i].at + kDetectionWindow;
    const WallClock::time_point until = i + 1 < transitions.size() ? transitions[i + 1].at : WallClock::time_point::max();
    for (const WallClock::time_point accepted : accepts) {
      if (accepted >= transitions[i].at && accepted < until) {
        latest = std::max(latest, std::chrono::duration_cast<Millis>(accepted - transitions[i].at));
      }
      if (accepted >= from && accepted < until) ++late_accepts;
    }
  }
  std::cout << "[fault flapping] " << flapping.phases() << " phases of " << kFlapPeriod.count() << " ms; "
            << transitions.size() << " transitions logged (" << downs << " to down); " << verified
            << " client connections verified, " << failed << " failed; " << accepts.size()
            << " reached the flapping backend, " << late_accepts << " of them while marked down beyond "
            << kDetectionWindow.count() << " ms (latest after a down verdict: " << latest.count() << " ms)\n";
  CHECK(downs >= 5);
  CHECK(late_accepts == 0);
  CHECK(verified > 0);
  CHECK(failed <= verified / 10);
  CHECK(fulcrum.running());

  // Still serving.
  UniqueFd client = connectTcp(port, 2s);
  REQUIRE(client);
  REQUIRE(sendAll(client.get(), "after", 1s));
  CHECK(recvExact(client.get(), 5, 2s) == std::optional<std::string>("after"));
  client.reset();
  CHECK(fulcrum.stop().exitedWith(0));
}

}  // namespace
}  // namespace fulcrum::test
