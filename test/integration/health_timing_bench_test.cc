// Figures, not run by default (tag [.health_bench]; run with
// `integration_tests "[health_bench]" -s`): how long the health checker takes to mark a
// backend down after it dies and up after it returns, with interval 1s, rise 2, fall 3,
// the median of 5 tries; without traffic (active checks only) and with one client
// arriving right after the death (passive signal).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

#include "test/support/fulcrum_process.h"
#include "test/support/health_config.h"
#include "test/support/health_servers.h"
#include "test/support/health_traffic.h"
#include "test/support/ports.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

constexpr int kTries = 5;
const HealthCheckSpec kCheck{.type = "tcp", .interval = "1s", .timeout = "1s", .rise = 2, .fall = 3};

Millis median(std::vector<Millis> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::string describe(const std::vector<Millis>& values) {
  std::string text;
  for (const Millis value : values) text += fmt::format("{}{}", text.empty() ? "" : " ", value.count());
  return text;
}

Millis since(Clock::time_point start) { return std::chrono::duration_cast<Millis>(Clock::now() - start); }

struct Figures {
  std::vector<Millis> to_down;
  std::vector<Millis> to_up;
};

// Kills and restarts backend A kTries times; with `with_traffic` one client connects
// right after each death.
Figures measure(bool with_traffic) {
  auto alpha = std::make_unique<RestartableIdServer>("A");
  RestartableIdServer beta("B");
  const uint16_t alpha_port = alpha->port();
  const uint16_t listen_port = freeTcpPort();
  FulcrumProcess fulcrum(
      healthProxyConfig({.listeners = {{.port = listen_port}},
                         .pools = {{.backend_ports = {alpha_port, beta.port()}, .health_check = kCheck}},
                         .retries = 1}));
  REQUIRE(fulcrum.waitForLog(healthTransition(alpha_port, "unknown", "up"), 5s));
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> phase_ms(0, 999);
  Figures figures;
  for (int attempt = 1; attempt <= kTries; ++attempt) {
    // A random point of the check cycle.
    std::this_thread::sleep_for(Millis(phase_ms(random)));
    const auto killed_at = Clock::now();
    alpha->stop();
    if (with_traffic) {
      // Round robin over two workers: a few clients are enough for one to try A.
      for (int client = 0; client < 4; ++client) CHECK(backendIdVia(listen_port, 1, 3s).has_value());
    }
    REQUIRE(waitForLogCount(fulcrum, healthTransition(alpha_port, "up", "down"), attempt, 10s));
    figures.to_down.push_back(since(killed_at));
    alpha = std::make_unique<RestartableIdServer>("A", alpha_port);
    const auto restarted_at = Clock::now();
    REQUIRE(waitForLogCount(fulcrum, healthTransition(alpha_port, "down", "up"), attempt, 10s));
    figures.to_up.push_back(since(restarted_at));
  }
  CHECK(fulcrum.stop().exitedWith(0));
  return figures;
}

TEST_CASE("figure: death to down and return to up, interval 1s, rise 2, fall 3", "[.health_bench]") {
  const Figures figures = measure(false);
  fmt::print("health timing, no traffic: death->down median {} ms (tries: {}), return->up median {} ms (tries: {})\n",
             median(figures.to_down).count(), describe(figures.to_down), median(figures.to_up).count(),
             describe(figures.to_up));
  // fall x interval (+5% jitter), plus a check's own time and log polling.
  CHECK(median(figures.to_down) < 3150ms + 300ms);
  CHECK(median(figures.to_up) < 2100ms + 300ms);
}

TEST_CASE("figure: death to down with traffic (passive signal), interval 1s, rise 2, fall 3", "[.health_bench]") {
  const Figures figures = measure(true);
  fmt::print("health timing, with traffic: death->down median {} ms (tries: {}), return->up median {} ms (tries: {})\n",
             median(figures.to_down).count(), describe(figures.to_down), median(figures.to_up).count(),
             describe(figures.to_up));
  CHECK(median(figures.to_down) < 1000ms);
}

}  // namespace
}  // namespace fulcrum::test
