// SIGHUP applies a new config without refusing, resetting or corrupting a connection
// (INTERFACE.md, "Reload (SIGHUP)").
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <signal.h>

#include <atomic>
#include <thread>

#include "test/support/backends.h"
#include "test/support/deadline.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/http_metrics_scrape.h"
#include "test/support/ports.h"
#include "test/support/reload_config.h"
#include "test/support/tcp_client.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

struct LoopResult {
  size_t completed = 0;
  size_t failed = 0;
  std::string first_failure;
};

// Opens a connection, echoes 64 bytes through it, closes it; again and again until
// `stop`, or for at most `limit`.
LoopResult connectLoop(uint16_t port, const std::atomic<bool>& stop, Millis limit) {
  LoopResult result;
  const std::string message(64, 'r');
  const Deadline deadline(limit);
  while (!stop.load() && !deadline.expired()) {
    ConnectResult connected = tryConnectTcp(port, 2s);
    std::string failure;
    if (connected.outcome != ConnectOutcome::kConnected) {
      failure = fmt::format("connect: {}", toString(connected.outcome));
    } else if (!sendAll(connected.fd.get(), message, 2s)) {
      failure = "send failed";
    } else if (recvExact(connected.fd.get(), message.size(), 2s) != std::optional<std::string>(message)) {
      failure = "echo missing or wrong";
    }
    if (failure.empty()) {
      ++result.completed;
    } else {
      if (result.failed++ == 0) result.first_failure = failure;
    }
  }
  return result;
}

TEST_CASE("20 reloads under a connect loop refuse, reset and lose nothing", "[reload]") {
  EchoServer first;
  EchoServer second;
  ReloadSpec one_backend{freeTcpPort(), freeTcpPort(), "blue", 2, {{"blue", {first.port()}}}};
  ReloadSpec two_backends = one_backend;
  two_backends.pools[0].backend_ports.push_back(second.port());
  FulcrumProcess fulcrum(reloadConfig(one_backend));
  REQUIRE(fulcrum.waitForTcpPort(one_backend.listen_port, 5s));
  REQUIRE(waitForAdmin(one_backend.admin_port, 5s));

  // Without reloads first, for the figure: connections per second either way.
  std::atomic<bool> stop{false};
  const auto quiet_started = std::chrono::steady_clock::now();
  std::thread quiet_timer([&] {
    std::this_thread::sleep_for(1500ms);
    stop = true;
  });
  const LoopResult quiet = connectLoop(one_backend.listen_port, stop, 5s);
  quiet_timer.join();
  const double quiet_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - quiet_started).count();

  stop = false;
  LoopResult busy;
  const auto busy_started = std::chrono::steady_clock::now();
  std::thread client([&] { busy = connectLoop(one_backend.listen_port, stop, 20s); });
  for (int reload = 0; reload < 20; ++reload) {
    fulcrum.rewriteConfig(reloadConfig(reload % 2 == 0 ? two_backends : one_backend));
    fulcrum.signal(SIGHUP);
    std::this_thread::sleep_for(75ms);
  }
  stop = true;
  client.join();
  const double busy_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - busy_started).count();

  CHECK(quiet.failed == 0);
  INFO("first failure: " << busy.first_failure);
  CHECK(busy.failed == 0);
  CHECK(busy.completed > 20);
  CHECK(second.acceptedConnections() > 0);  // the added backend really took traffic
  const std::optional<MetricSamples> metrics = scrapeMetrics(one_backend.admin_port);
  REQUIRE(metrics);
  CHECK(metrics->value("fulcrum_config_reloads_total{result=\"success\"}") == 20.0);
  CHECK(metrics->value("fulcrum_config_reloads_total{result=\"failure\"}") == 0.0);
  fmt::print("reload figure: {:.0f} connections/s without reloads, {:.0f} connections/s during 20 reloads\n",
             quiet.completed / quiet_seconds, busy.completed / busy_seconds);
  CHECK(fulcrum.stop().exitedWith(0));
}

TEST_CASE("an invalid file keeps the old config serving and counts a failure", "[reload]") {
  EchoServer backend;
  ReloadSpec spec{freeTcpPort(), freeTcpPort(), "blue", 1, {{"blue", {backend.port()}}}};
  FulcrumProcess fulcrum(reloadConfig(spec));
  REQUIRE(fulcrum.waitForTcpPort(spec.listen_port, 5s));
  REQUIRE(waitForAdmin(spec.admin_port, 5s));

  // Line 11 of the file gets an unknown key.
  std::string broken = reloadConfig(spec);
  broken.insert(broken.find("pool = \"blue\""), "pol = \"blue\"\n");
  fulcrum.rewriteConfig(broken);
  fulcrum.signal(SIGHUP);
  REQUIRE(fulcrum.waitForLog("reload of", 5s));
  CHECK(fulcrum.waitForLog(fmt::format("{}:11:1: error: unknown key \"listeners[0].pol\"", fulcrum.configPath()), 2s));

  UniqueFd client = connectTcp(spec.listen_port, 2s);
  REQUIRE(client);
  CHECK(sendAll(client.get(), "still here", 2s));
  CHECK(recvExact(client.get(), 10, 2s) == std::optional<std::string>("still here"));
  const std::optional<MetricSamples> metrics = scrapeMetrics(spec.admin_port);
  REQUIRE(metrics);
  CHECK(metrics->value("fulcrum_config_reloads_total{result=\"failure\"}") == 1.0);
  CHECK(metrics->value("fulcrum_config_reloads_total{result=\"success\"}") == 0.0);
}

TEST_CASE("a reload adds a listener and closes a removed one", "[reload]") {
  EchoServer backend;
  ReloadSpec spec{freeTcpPort(), freeTcpPort(), "blue", 2, {{"blue", {backend.port()}}}};
  FulcrumProcess fulcrum(reloadConfig(spec));
  REQUIRE(fulcrum.waitForTcpPort(spec.listen_port, 5s));

  const uint16_t moved_port = freeTcpPort();
  ReloadSpec moved = spec;
  moved.listen_port = moved_port;
  fulcrum.rewriteConfig(reloadConfig(moved));
  fulcrum.signal(SIGHUP);
  REQUIRE(fulcrum.waitForTcpPort(moved_port, 5s));
  CHECK(fulcrum.waitForTcpPortClosed(spec.listen_port, 5s));
  UniqueFd client = connectTcp(moved_port, 2s);
  REQUIRE(client);
  CHECK(sendAll(client.get(), "moved", 2s));
  CHECK(recvExact(client.get(), 5, 2s) == std::optional<std::string>("moved"));
}

}  // namespace
}  // namespace fulcrum::test
