// A real Prometheus server (Debian package `prometheus`) scraping fulcrum on loopback
// (issue "Operator experience"): the target is up, and after test traffic every PromQL
// expression of conf/grafana/fulcrum.json returns data, so the dashboard cannot refer to
// a series that fulcrum does not produce.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "test/support/backends.h"
#include "test/support/fulcrum_process.h"
#include "test/support/grafana_dashboard.h"
#include "test/support/http_admin.h"
#include "test/support/http_client.h"
#include "test/support/ports.h"
#include "test/support/spawn.h"
#include "test/support/tcp_client.h"
#include "test/support/temp_dir.h"
#include "test/support/udp_client.h"
#include "test/support/udp_echo_server.h"
#include "test/support/unique_fd.h"

namespace fulcrum::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kPrometheusBinary = "/usr/bin/prometheus";
// Wide enough to hold several 1 s scrapes, so that every rate() has two samples.
constexpr std::string_view kRateInterval = "30s";

// Prometheus on 127.0.0.1:port scraping 127.0.0.1:admin_port every second, with its
// storage in a scratch directory. Stopped by PID (SIGTERM, then SIGKILL) on destruction.
class PrometheusProcess {
 public:
  PrometheusProcess(uint16_t port, uint16_t admin_port) {
    writeFile(dir_.file("prometheus.yml"), fmt::format(R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: fulcrum
    static_configs:
      - targets: ["127.0.0.1:{}"]
)",
                                                          admin_port));
    UniqueFd log(::open(dir_.file("prometheus.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    pid_ = spawnProcess({kPrometheusBinary, "--config.file=" + dir_.file("prometheus.yml"),
                         "--storage.tsdb.path=" + dir_.file("data"),
                         fmt::format("--web.listen-address=127.0.0.1:{}", port), "--log.level=warn"},
                        log.get(), log.get());
  }
  ~PrometheusProcess() {
    ::kill(pid_, SIGTERM);
    const bool exited = eventually(5s, [&] { return ::waitpid(pid_, nullptr, WNOHANG) == pid_; }, 20ms);
    if (!exited) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  PrometheusProcess(const PrometheusProcess&) = delete;
  PrometheusProcess& operator=(const PrometheusProcess&) = delete;

  std::string log() const { return readFile(dir_.file("prometheus.log")); }

 private:
  TempDir dir_;  // outlives the process: removed after it stopped
  pid_t pid_ = -1;
};

// GET `path` from Prometheus's HTTP API; a discarded JSON value when it did not answer 200.
json prometheusApi(uint16_t port, const std::string& path) {
  const std::optional<HttpResponse> response = httpGet(port, path, 2s);
  if (!response || response->status != 200) return json(json::value_t::discarded);
  return json::parse(response->body, nullptr, false);
}

std::string targetHealth(uint16_t port) {
  const json targets = prometheusApi(port, "/api/v1/targets");
  const json::json_pointer path("/data/activeTargets");
  if (!targets.is_object() || !targets.contains(path)) return "";
  const json& active = targets.at(path);
  if (!active.is_array() || active.size() != 1) return "";
  return active[0].value("health", "");
}

// How many series the instant query `expr` returns; -1 when Prometheus refused it.
int seriesCount(uint16_t port, const std::string& expr) {
  const json answer = prometheusApi(port, "/api/v1/query?query=" + percentEncode(expr));
  const json::json_pointer path("/data/result");
  if (!answer.is_object() || answer.value("status", "") != "success" || !answer.contains(path)) return -1;
  return static_cast<int>(answer.at(path).size());
}

// The value of the single series `expr` returns; nullopt unless there is exactly one.
std::optional<double> singleValue(uint16_t port, const std::string& expr) {
  const json answer = prometheusApi(port, "/api/v1/query?query=" + percentEncode(expr));
  const json::json_pointer path("/data/result");
  if (!answer.is_object() || !answer.contains(path) || answer.at(path).size() != 1) return std::nullopt;
  return std::stod(answer.at(path)[0]["value"][1].get<std::string>());
}

std::string scrapeConfig(uint16_t admin, uint16_t tcp_listen, uint16_t udp_listen, uint16_t echo_port,
                         uint16_t dead_port, uint16_t udp_backend_port) {
  return fmt::format(R"(
[runtime]
workers = 1
shutdown_grace = "1s"

[admin]
bind = "127.0.0.1:{}"

[[listeners]]
name = "web"
bind = "127.0.0.1:{}"
pool = "blue"

[[listeners]]
name = "dns"
bind = "127.0.0.1:{}"
protocol = "udp"
pool = "udp"

[[pools]]
name = "blue"
  [pools.health_check]
  type = "tcp"
  interval = "200ms"
  timeout = "200ms"
  rise = 1
  fall = 1
  [[pools.backends]]
  address = "127.0.0.1:{}"
  [[pools.backends]]
  address = "127.0.0.1:{}"

[[pools]]
name = "udp"
  [[pools.backends]]
  address = "127.0.0.1:{}"
)",
                     admin, tcp_listen, udp_listen, echo_port, dead_port, udp_backend_port);
}

TEST_CASE("Prometheus scrapes fulcrum and every dashboard query returns data", "[prometheus]") {
  if (::access(kPrometheusBinary, X_OK) != 0) {
    FAIL(kPrometheusBinary << " is missing: install the Debian package `prometheus` (scripts/setup does)");
  }
  EchoServer echo;
  UdpEchoServer udp_backend("udp");
  const uint16_t dead_port = freeTcpPort();  // nothing listens: its health checks fail
  const uint16_t admin = freeTcpPort();
  const uint16_t tcp_listen = freeTcpPort();
  const uint16_t udp_listen = freeUdpPort();
  FulcrumProcess fulcrum(scrapeConfig(admin, tcp_listen, udp_listen, echo.port(), dead_port, udp_backend.port()));
  REQUIRE(fulcrum.waitForTcpPort(tcp_listen, 10s));
  REQUIRE(waitForAdmin(admin, 10s));

  const uint16_t prometheus_port = freeTcpPort();
  PrometheusProcess prometheus(prometheus_port, admin);

  // Traffic for every panel: TCP connections with bytes both ways, UDP datagrams both
  // ways, failing health checks of the dead backend, and a reload.
  for (int i = 0; i < 5; ++i) {
    UniqueFd client = connectTcp(tcp_listen, 2s);
    REQUIRE(client);
    REQUIRE(sendAll(client.get(), "hello", 2s));
    REQUIRE(recvExact(client.get(), 5, 2s) == std::optional<std::string>("hello"));
  }
  UdpClient udp;
  for (int i = 0; i < 5; ++i) REQUIRE(udp.roundTrip(udp_listen, "ping", 2s));
  REQUIRE(adminCall(admin, "POST", "/api/v1/reload")->status == 200);

  INFO("prometheus log:\n" << prometheus.log());
  REQUIRE(eventually(20s, [&] { return targetHealth(prometheus_port) == "up"; }, 200ms));

  const Deadline deadline(20s);
  for (const DashboardPanel& panel : dashboardPanels(loadDashboard())) {
    for (const std::string& expr : panel.exprs) {
      const std::string query = substituteDashboardVariables(expr, kRateInterval);
      INFO("panel \"" << panel.title << "\": " << query);
      int series = -1;
      eventually(deadline.remaining(), [&] { return (series = seriesCount(prometheus_port, query)) > 0; }, 250ms);
      CHECK(series > 0);
    }
  }

  // The traffic itself reached Prometheus, not just zero-valued series.
  const auto reaches = [&](const std::string& expr, double at_least) {
    INFO(expr);
    std::optional<double> value;
    eventually(deadline.remaining(), [&] {
      value = singleValue(prometheus_port, expr);
      return value && *value >= at_least;
    }, 250ms);
    CHECK(value.value_or(-1) >= at_least);
  };
  reaches(R"(sum(fulcrum_listener_connections_total{listener="web"}))", 5);
  reaches(R"(sum(fulcrum_udp_datagrams_total{listener="dns"}))", 10);
  reaches(R"(sum(fulcrum_health_checks_total{result="failure"}))", 1);
  reaches(R"(sum(fulcrum_config_reloads_total{result="success"}))", 1);
}

}  // namespace
}  // namespace fulcrum::test
