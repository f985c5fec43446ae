// GET /metrics after real traffic: every metric and label set of INTERFACE.md
// ("Metrics") is present, the values match what the test did, and promtool accepts
// the text.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/http_admin.h"
#include "test/support/http_metrics_scrape.h"
#include "test/support/ports.h"
#include "test/support/proxy_config.h"
#include "test/support/random_bytes.h"
#include "test/support/run_command.h"
#include "test/support/tcp_client.h"
#include "test/support/temp_dir.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;

// Four listeners: alpha (max_connections 2) on pool one (health-checked, one echo
// backend); beta on pool two (an echo backend and a port where nothing listens);
// gamma on pool zero (its only backend has weight 0: every client is refused); delta,
// a udp listener. Pool watch is health-checked and has only a dead backend. One worker,
// so that round robin over pool two is one sequence.
struct Setup {
  uint16_t admin = freeTcpPort();
  uint16_t alpha = freeTcpPort();
  uint16_t beta = freeTcpPort();
  uint16_t gamma = freeTcpPort();
  uint16_t delta = freeUdpPort();
  uint16_t dead = freeTcpPort();
  uint16_t dead_checked = freeTcpPort();
  EchoServer echo_one;
  EchoServer echo_two;
  EchoServer echo_zero;

  std::string config() const {
    return fmt::format(R"(
[runtime]
workers = 1
shutdown_grace = "2s"

[admin]
bind = "127.0.0.1:{admin}"

[[listeners]]
name = "alpha"
bind = "127.0.0.1:{alpha}"
pool = "one"
max_connections = 2

[[listeners]]
name = "beta"
bind = "127.0.0.1:{beta}"
pool = "two"
retries = 2

[[listeners]]
name = "gamma"
bind = "127.0.0.1:{gamma}"
pool = "zero"

[[listeners]]
name = "delta"
bind = "127.0.0.1:{delta}"
protocol = "udp"
pool = "two"

[[pools]]
name = "one"
  [pools.health_check]
  type = "tcp"
  interval = "100ms"
  timeout = "500ms"
  rise = 1
  fall = 1
  [[pools.backends]]
  address = "127.0.0.1:{one}"

[[pools]]
name = "two"
  [[pools.backends]]
  address = "127.0.0.1:{two}"
  [[pools.backends]]
  address = "127.0.0.1:{dead}"

[[pools]]
name = "zero"
  [[pools.backends]]
  address = "127.0.0.1:{zero}"
  weight = 0

[[pools]]
name = "watch"
  [pools.health_check]
  type = "tcp"
  interval = "100ms"
  timeout = "500ms"
  rise = 1
  fall = 1
  [[pools.backends]]
  address = "127.0.0.1:{dead_checked}"
)",
                       fmt::arg("admin", admin), fmt::arg("alpha", alpha), fmt::arg("beta", beta),
                       fmt::arg("gamma", gamma), fmt::arg("delta", delta), fmt::arg("one", echo_one.port()),
                       fmt::arg("two", echo_two.port()), fmt::arg("dead", dead), fmt::arg("zero", echo_zero.port()),
                       fmt::arg("dead_checked", dead_checked));
  }
};

// Sends `payload` through the proxy, expects it echoed, then closes cleanly (both FINs).
bool echoAndClose(uint16_t port, const std::string& payload) {
  UniqueFd client = connectTcp(port, 2s);
  if (!client) return false;
  if (sendWhileReceiving(client.get(), payload, payload.size(), 5s) != std::optional<std::string>(payload)) {
    return false;
  }
  shutdownWrite(client.get());
  return recvUntilEof(client.get(), 5s).end == StreamEnd::kEof;
}

UniqueFd openEchoed(uint16_t port, const std::string& message) {
  UniqueFd client = connectTcp(port, 2s);
  if (!client || !sendAll(client.get(), message, 2s)) return UniqueFd();
  if (recvExact(client.get(), message.size(), 2s) != std::optional<std::string>(message)) return UniqueFd();
  return client;
}

bool closeEchoed(UniqueFd client) {
  shutdownWrite(client.get());
  return recvUntilEof(client.get(), 5s).end == StreamEnd::kEof;
}

// The proxy closed the client at once without a byte (the reset may even come before
// the connect is seen complete).
bool isRefused(uint16_t port) {
  ConnectResult attempt = tryConnectTcp(port, 2s);
  if (attempt.outcome == ConnectOutcome::kRefused || attempt.outcome == ConnectOutcome::kReset) return true;
  if (attempt.outcome != ConnectOutcome::kConnected) return false;
  std::string received;
  return isClosedByPeer(attempt.fd.get(), 2s, &received) && received.empty();
}

double valueOf(const MetricSamples& samples, const std::string& series) {
  INFO("series " << series);
  const std::optional<double> value = samples.value(series);
  REQUIRE(value);
  return *value;
}

std::string backendLabels(const char* pool, uint16_t port) {
  return fmt::format(R"(pool="{}",backend="127.0.0.1:{}")", pool, port);
}

TEST_CASE("after traffic through two listeners every contract metric is present with matching values",
          "[metrics]") {
  Setup setup;
  FulcrumProcess fulcrum(setup.config());
  REQUIRE(fulcrum.waitForTcpPort(setup.alpha, 10s));
  REQUIRE(waitForAdmin(setup.admin, 10s));

  // alpha: three echoed connections of different sizes, then two held open, a third
  // refused over max_connections, and the two closed.
  uint64_t alpha_bytes = 0;
  for (size_t i = 0; i < 3; ++i) {
    const std::string payload = randomBytes(1000 + 4096 * i, i);
    REQUIRE(echoAndClose(setup.alpha, payload));
    alpha_bytes += payload.size();
  }
  UniqueFd held_first = openEchoed(setup.alpha, "held-1");
  UniqueFd held_second = openEchoed(setup.alpha, "held-22");
  REQUIRE(held_first);
  REQUIRE(held_second);
  alpha_bytes += 6 + 7;
  CHECK(isRefused(setup.alpha));
  // While they are open, the gauges count them.
  std::optional<MetricSamples> during = scrapeMetrics(setup.admin);
  REQUIRE(during);
  CHECK(valueOf(*during, R"(fulcrum_listener_active_connections{listener="alpha"})") == 2);
  CHECK(valueOf(*during, fmt::format("fulcrum_backend_active_connections{{{}}}",
                                     backendLabels("one", setup.echo_one.port()))) == 2);
  REQUIRE(closeEchoed(std::move(held_first)));
  REQUIRE(closeEchoed(std::move(held_second)));

  // beta: four echoed connections; round robin sends some first to the dead backend,
  // and the retry reaches the echo backend.
  for (size_t i = 0; i < 4; ++i) REQUIRE(echoAndClose(setup.beta, randomBytes(500, 100 + i)));
  // gamma: no eligible backend.
  CHECK(isRefused(setup.gamma));

  // Gauges drop back to 0 once the proxy has finished its side of each close.
  std::optional<MetricSamples> samples;
  const auto allClosed = [&] {
    samples = scrapeMetrics(setup.admin);
    if (!samples) return false;
    for (const char* listener : {"alpha", "beta", "gamma", "delta"}) {
      if (samples->value(fmt::format(R"(fulcrum_listener_active_connections{{listener="{}"}})", listener)) !=
          std::optional<double>(0)) {
        return false;
      }
    }
    for (const auto& labels : {backendLabels("one", setup.echo_one.port()), backendLabels("two", setup.echo_two.port()),
                               backendLabels("two", setup.dead), backendLabels("zero", setup.echo_zero.port())}) {
      if (samples->value(fmt::format("fulcrum_backend_active_connections{{{}}}", labels)) !=
          std::optional<double>(0)) {
        return false;
      }
    }
    return true;
  };
  REQUIRE(eventually(5s, allClosed, 50ms));
  const MetricSamples& m = *samples;
  INFO(m.text);

  {  // build info and reloads
    CHECK(valueOf(m, fmt::format(R"(fulcrum_build_info{{version="{}"}})", FULCRUM_VERSION)) == 1);
    CHECK(m.seriesCount("fulcrum_build_info") == 1);
    CHECK(valueOf(m, R"(fulcrum_config_reloads_total{result="success"})") == 0);
    CHECK(valueOf(m, R"(fulcrum_config_reloads_total{result="failure"})") == 0);
    CHECK(m.seriesCount("fulcrum_config_reloads_total") == 2);
  }

  {  // listener series count connections and rejections
    // Refused clients are accepted first, so they count as connections too.
    CHECK(valueOf(m, R"(fulcrum_listener_connections_total{listener="alpha"})") == 6);
    CHECK(valueOf(m, R"(fulcrum_listener_connections_total{listener="beta"})") == 4);
    CHECK(valueOf(m, R"(fulcrum_listener_connections_total{listener="gamma"})") == 1);
    CHECK(valueOf(m, R"(fulcrum_listener_connections_total{listener="delta"})") == 0);
    CHECK(valueOf(m, R"(fulcrum_listener_rejected_total{listener="alpha",reason="max_connections"})") == 1);
    CHECK(valueOf(m, R"(fulcrum_listener_rejected_total{listener="alpha",reason="no_backend"})") == 0);
    CHECK(valueOf(m, R"(fulcrum_listener_rejected_total{listener="beta",reason="max_connections"})") == 0);
    CHECK(valueOf(m, R"(fulcrum_listener_rejected_total{listener="beta",reason="no_backend"})") == 0);
    CHECK(valueOf(m, R"(fulcrum_listener_rejected_total{listener="gamma",reason="no_backend"})") == 1);
    CHECK(valueOf(m, R"(fulcrum_listener_rejected_total{listener="gamma",reason="max_connections"})") == 0);
    CHECK(m.seriesCount("fulcrum_listener_connections_total") == 4);
    CHECK(m.seriesCount("fulcrum_listener_active_connections") == 4);
    CHECK(m.seriesCount("fulcrum_listener_rejected_total") == 8);
  }

  {  // backend series count connections, failures and bytes in both directions exactly
    const std::string one = backendLabels("one", setup.echo_one.port());
    const std::string two = backendLabels("two", setup.echo_two.port());
    const std::string dead = backendLabels("two", setup.dead);
    const std::string zero = backendLabels("zero", setup.echo_zero.port());
    CHECK(valueOf(m, fmt::format("fulcrum_backend_connections_total{{{}}}", one)) == 5);
    CHECK(valueOf(m, fmt::format("fulcrum_backend_connect_failures_total{{{}}}", one)) == 0);
    CHECK(valueOf(m, fmt::format(R"(fulcrum_backend_bytes_total{{{},direction="to_backend"}})", one)) == alpha_bytes);
    CHECK(valueOf(m, fmt::format(R"(fulcrum_backend_bytes_total{{{},direction="to_client"}})", one)) == alpha_bytes);

    CHECK(valueOf(m, fmt::format("fulcrum_backend_connections_total{{{}}}", two)) == 4);
    CHECK(valueOf(m, fmt::format(R"(fulcrum_backend_bytes_total{{{},direction="to_backend"}})", two)) == 2000);
    CHECK(valueOf(m, fmt::format(R"(fulcrum_backend_bytes_total{{{},direction="to_client"}})", two)) == 2000);
    const double dead_failures = valueOf(m, fmt::format("fulcrum_backend_connect_failures_total{{{}}}", dead));
    CHECK(dead_failures >= 1);
    CHECK(valueOf(m, fmt::format("fulcrum_backend_connections_total{{{}}}", dead)) == dead_failures);
    CHECK(valueOf(m, fmt::format(R"(fulcrum_backend_bytes_total{{{},direction="to_backend"}})", dead)) == 0);

    CHECK(valueOf(m, fmt::format("fulcrum_backend_connections_total{{{}}}", zero)) == 0);
    CHECK(setup.echo_zero.acceptedConnections() == 0);

    for (const char* name : {"fulcrum_backend_connections_total", "fulcrum_backend_active_connections",
                             "fulcrum_backend_connect_failures_total", "fulcrum_backend_up"}) {
      INFO(name);
      CHECK(m.seriesCount(name) == 5);
    }
    CHECK(m.seriesCount("fulcrum_backend_bytes_total") == 10);
  }

  {  // the connect histogram counts every successful connect per pool
    CHECK(valueOf(m, R"(fulcrum_backend_connect_seconds_count{pool="one"})") == 5);
    CHECK(valueOf(m, R"(fulcrum_backend_connect_seconds_bucket{pool="one",le="+Inf"})") == 5);
    CHECK(valueOf(m, R"(fulcrum_backend_connect_seconds_count{pool="two"})") == 4);
    CHECK(valueOf(m, R"(fulcrum_backend_connect_seconds_count{pool="zero"})") == 0);
    CHECK(valueOf(m, R"(fulcrum_backend_connect_seconds_sum{pool="one"})") > 0);
    // Loopback connects finish within 5 s: the last finite bucket holds them all.
    CHECK(valueOf(m, R"(fulcrum_backend_connect_seconds_bucket{pool="one",le="5"})") == 5);
    CHECK(m.seriesCount("fulcrum_backend_connect_seconds_bucket") == 4 * 14);
  }

  {  // udp series exist for the udp listener
    CHECK(valueOf(m, R"(fulcrum_udp_sessions_active{listener="delta"})") == 0);
    CHECK(valueOf(m, R"(fulcrum_udp_datagrams_total{listener="delta",direction="to_backend"})") == 0);
    CHECK(valueOf(m, R"(fulcrum_udp_datagrams_total{listener="delta",direction="to_client"})") == 0);
    CHECK(m.seriesCount("fulcrum_udp_sessions_active") == 1);
    CHECK(m.seriesCount("fulcrum_udp_datagrams_total") == 2);
  }

  {  // state series: unchecked pools are up, health checks decide the others
    const auto stateOf = [&](const MetricSamples& samples, const std::string& labels, const char* state) {
      return valueOf(samples, fmt::format(R"(fulcrum_backend_state{{{},state="{}"}})", labels, state));
    };
    const std::string two = backendLabels("two", setup.echo_two.port());
    CHECK(stateOf(m, two, "up") == 1);
    CHECK(stateOf(m, two, "down") + stateOf(m, two, "unknown") + stateOf(m, two, "draining") == 0);
    CHECK(valueOf(m, fmt::format("fulcrum_backend_up{{{}}}", two)) == 1);
    CHECK(m.seriesCount("fulcrum_backend_state") == 5 * 4);

    // The checker marks the echo backend up and the dead one down (rise = fall = 1).
    const std::string one = backendLabels("one", setup.echo_one.port());
    const std::string watched = backendLabels("watch", setup.dead_checked);
    std::optional<MetricSamples> checked;
    CHECK(eventually(5s, [&] {
      checked = scrapeMetrics(setup.admin);
      return checked && checked->value(fmt::format("fulcrum_backend_up{{{}}}", one)) == std::optional<double>(1) &&
             checked->value(fmt::format(R"(fulcrum_backend_state{{{},state="down"}})", watched)) ==
                 std::optional<double>(1);
    }, 50ms));
    REQUIRE(checked);
    CHECK(stateOf(*checked, one, "up") == 1);
    CHECK(stateOf(*checked, one, "unknown") == 0);
    CHECK(valueOf(*checked, fmt::format("fulcrum_backend_up{{{}}}", watched)) == 0);
  }

  {  // health check counters rise
    const std::string one = backendLabels("one", setup.echo_one.port());
    const std::string watched = backendLabels("watch", setup.dead_checked);
    const std::string one_success = fmt::format(R"(fulcrum_health_checks_total{{{},result="success"}})", one);
    const std::string watched_failure = fmt::format(R"(fulcrum_health_checks_total{{{},result="failure"}})", watched);
    CHECK(m.seriesCount("fulcrum_health_checks_total") == 5 * 2);
    const double first_success = valueOf(m, one_success);
    const double first_failure = valueOf(m, watched_failure);
    CHECK(eventually(5s, [&] {
      const std::optional<MetricSamples> later = scrapeMetrics(setup.admin);
      return later && later->value(one_success) > first_success && later->value(watched_failure) > first_failure;
    }, 50ms));
    CHECK(valueOf(m, fmt::format(R"(fulcrum_health_checks_total{{{},result="failure"}})", one)) == 0);
    CHECK(valueOf(m, fmt::format(R"(fulcrum_health_checks_total{{{},result="success"}})", watched)) == 0);
    // Pools without checks never count any.
    const std::string two = backendLabels("two", setup.echo_two.port());
    CHECK(valueOf(m, fmt::format(R"(fulcrum_health_checks_total{{{},result="success"}})", two)) == 0);
  }

  {  // promtool check metrics accepts the exposition
    TempDir dir;
    writeFile(dir.file("metrics.txt"), m.text);
    // promtool reads the exposition from stdin. A missing promtool fails (exit 127):
    // scripts/setup installs it (Debian package prometheus).
    const CommandResult result =
        runCommand({"/bin/sh", "-c", fmt::format("promtool check metrics < '{}'", dir.file("metrics.txt"))}, 30s);
    INFO("promtool stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exitCode() == 0);
  }
}

TEST_CASE("metrics are served with the exposition content type and answer HEAD", "[metrics]") {
  const uint16_t admin = freeTcpPort();
  const uint16_t listen = freeTcpPort();
  EchoServer echo;
  FulcrumProcess fulcrum(
      tcpProxyConfig({.listen_port = listen, .backend_ports = {echo.port()}, .workers = 1, .admin_port = admin}));
  REQUIRE(waitForAdmin(admin, 10s));
  const std::optional<HttpResponse> get = httpGet(admin, "/metrics");
  REQUIRE(get);
  CHECK(get->status == 200);
  CHECK(get->header("Content-Type") == std::optional<std::string>("text/plain; version=0.0.4; charset=utf-8"));
  CHECK(get->body.find("# TYPE fulcrum_backend_connect_seconds histogram\n") != std::string::npos);

  HttpRequest head;
  head.method = "HEAD";
  head.target = "/metrics";
  const std::optional<HttpResponse> head_response = httpRequest(admin, head);
  REQUIRE(head_response);
  CHECK(head_response->status == 200);
  CHECK(head_response->body.empty());
}

}  // namespace
}  // namespace fulcrum::test
