// The metrics of INTERFACE.md ("Metrics") as collected from a Topology
// (lb/metrics/metric_families.h) and serialized by prometheus::TextSerializer.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <prometheus/text_serializer.h>

#include <memory>
#include <string>

#include "lb/config/loader.h"
#include "lb/metrics/metric_families.h"
#include "lb/runtime/server.h"
#include "test/support/admin_sample_config.h"
#include "test/support/http_metrics_scrape.h"

namespace fulcrum {
namespace {

using test::MetricSamples;

std::shared_ptr<const Topology> makeTopology() {
  config::LoadResult loaded = config::parseConfig(test::kAdminSampleConfig, "metrics_test.toml");
  REQUIRE(loaded.ok());
  return buildTopology(*loaded.config, 1);
}

MetricSamples scrape(const Topology& topology, ReloadCounters reloads = {}) {
  const std::string text = prometheus::TextSerializer().Serialize(collectMetricFamilies(topology, reloads, "9.9.9"));
  std::optional<MetricSamples> samples = test::parseExposition(text);
  REQUIRE(samples);
  return *samples;
}

double valueOf(const MetricSamples& samples, const std::string& series) {
  INFO("series " << series);
  const std::optional<double> value = samples.value(series);
  REQUIRE(value);
  return *value;
}

TEST_CASE("listener counters are exported with the listener label", "[metrics]") {
  const auto topology = makeTopology();
  ListenerState& web = *topology->findListener("web");
  web.counters().connections_total = 7;
  web.counters().rejected_max_connections = 2;
  web.counters().rejected_no_backend = 3;
  REQUIRE(web.tryAdmit());

  const MetricSamples samples = scrape(*topology);
  CHECK(valueOf(samples, R"(fulcrum_listener_connections_total{listener="web"})") == 7);
  CHECK(valueOf(samples, R"(fulcrum_listener_active_connections{listener="web"})") == 1);
  CHECK(valueOf(samples, R"(fulcrum_listener_rejected_total{listener="web",reason="max_connections"})") == 2);
  CHECK(valueOf(samples, R"(fulcrum_listener_rejected_total{listener="web",reason="no_backend"})") == 3);
  CHECK(valueOf(samples, R"(fulcrum_listener_connections_total{listener="dns"})") == 0);
  CHECK(samples.seriesCount("fulcrum_listener_connections_total") == 2);
  CHECK(samples.seriesCount("fulcrum_listener_rejected_total") == 4);
  web.leave();
}

TEST_CASE("backend counters are exported with pool and backend labels", "[metrics]") {
  const auto topology = makeTopology();
  Backend& backend = *topology->findPool("blue")->findBackend("[::1]:9002");
  backend.counters().connections_total = 11;
  backend.counters().connect_failures_total = 4;
  backend.counters().bytes_to_backend = 1234;
  backend.counters().bytes_to_client = 98765;
  backend.counters().health_successes = 5;
  backend.counters().health_failures = 6;
  backend.addActive(2);

  const MetricSamples samples = scrape(*topology);
  const std::string labels = R"(pool="blue",backend="[::1]:9002")";
  CHECK(valueOf(samples, fmt::format("fulcrum_backend_connections_total{{{}}}", labels)) == 11);
  CHECK(valueOf(samples, fmt::format("fulcrum_backend_connect_failures_total{{{}}}", labels)) == 4);
  CHECK(valueOf(samples, fmt::format("fulcrum_backend_active_connections{{{}}}", labels)) == 2);
  CHECK(valueOf(samples, fmt::format(R"(fulcrum_backend_bytes_total{{{},direction="to_backend"}})", labels)) == 1234);
  CHECK(valueOf(samples, fmt::format(R"(fulcrum_backend_bytes_total{{{},direction="to_client"}})", labels)) == 98765);
  CHECK(valueOf(samples, fmt::format(R"(fulcrum_health_checks_total{{{},result="success"}})", labels)) == 5);
  CHECK(valueOf(samples, fmt::format(R"(fulcrum_health_checks_total{{{},result="failure"}})", labels)) == 6);
  CHECK(valueOf(samples, R"(fulcrum_backend_connections_total{pool="green",backend="127.0.0.1:9003"})") == 0);
  CHECK(samples.seriesCount("fulcrum_backend_connections_total") == 3);
  CHECK(samples.seriesCount("fulcrum_backend_bytes_total") == 6);
  CHECK(samples.seriesCount("fulcrum_health_checks_total") == 6);
  backend.addActive(-2);
}

TEST_CASE("backend_state has one series per state with 1 for the current one", "[metrics]") {
  const auto topology = makeTopology();
  Backend& checked = *topology->findPool("green")->findBackend("127.0.0.1:9003");
  const std::string labels = R"(pool="green",backend="127.0.0.1:9003")";
  const auto stateOf = [&](const MetricSamples& samples, const char* state) {
    return valueOf(samples, fmt::format(R"(fulcrum_backend_state{{{},state="{}"}})", labels, state));
  };
  const auto upOf = [&](const MetricSamples& samples) {
    return valueOf(samples, fmt::format("fulcrum_backend_up{{{}}}", labels));
  };

  MetricSamples samples = scrape(*topology);
  CHECK(stateOf(samples, "unknown") == 1);
  CHECK(stateOf(samples, "up") == 0);
  CHECK(stateOf(samples, "down") == 0);
  CHECK(stateOf(samples, "draining") == 0);
  CHECK(upOf(samples) == 0);  // unknown is not up (it still takes traffic; see reported_state.h)

  checked.setHealth(HealthState::kUp);
  samples = scrape(*topology);
  CHECK(stateOf(samples, "up") == 1);
  CHECK(stateOf(samples, "unknown") == 0);
  CHECK(upOf(samples) == 1);

  checked.setHealth(HealthState::kDown);
  samples = scrape(*topology);
  CHECK(stateOf(samples, "down") == 1);
  CHECK(stateOf(samples, "up") == 0);
  CHECK(upOf(samples) == 0);

  checked.setHealth(HealthState::kUp);
  checked.setDraining(true);
  samples = scrape(*topology);
  CHECK(stateOf(samples, "draining") == 1);
  CHECK(stateOf(samples, "up") == 0);
  CHECK(upOf(samples) == 0);
  CHECK(samples.seriesCount("fulcrum_backend_state") == 12);
}

TEST_CASE("a backend of a pool without health checks is up", "[metrics]") {
  const auto topology = makeTopology();
  const MetricSamples samples = scrape(*topology);
  CHECK(valueOf(samples, R"(fulcrum_backend_up{pool="blue",backend="127.0.0.1:9001"})") == 1);
  CHECK(valueOf(samples, R"(fulcrum_backend_state{pool="blue",backend="127.0.0.1:9001",state="up"})") == 1);
}

TEST_CASE("the connect histogram has cumulative buckets, +Inf equal to the count, and the sum", "[metrics]") {
  const auto topology = makeTopology();
  LatencyHistogram& histogram = topology->findPool("blue")->connectLatency();
  histogram.observeNanoseconds(200'000);        // 0.2 ms
  histogram.observeNanoseconds(3'000'000);      // 3 ms
  histogram.observeNanoseconds(3'000'000);      // 3 ms
  histogram.observeNanoseconds(7'000'000'000);  // 7 s: only +Inf

  const MetricSamples samples = scrape(*topology);
  const auto bucket = [&](const char* le) {
    return valueOf(samples, fmt::format(R"(fulcrum_backend_connect_seconds_bucket{{pool="blue",le="{}"}})", le));
  };
  CHECK(bucket("0.0005") == 1);
  CHECK(bucket("0.001") == 1);
  CHECK(bucket("0.0025") == 1);
  CHECK(bucket("0.005") == 3);
  CHECK(bucket("5") == 3);
  CHECK(bucket("+Inf") == 4);
  CHECK(valueOf(samples, R"(fulcrum_backend_connect_seconds_count{pool="blue"})") == 4);
  CHECK(valueOf(samples, R"(fulcrum_backend_connect_seconds_sum{pool="blue"})") == Approx(7.0062));
  CHECK(valueOf(samples, R"(fulcrum_backend_connect_seconds_count{pool="green"})") == 0);
  CHECK(samples.seriesCount("fulcrum_backend_connect_seconds_bucket") == 2 * 14);
}

TEST_CASE("udp series exist for udp listeners only", "[metrics]") {
  const auto topology = makeTopology();
  ListenerCounters& dns = topology->findListener("dns")->counters();
  dns.udp_datagrams_to_backend = 10;
  dns.udp_datagrams_to_client = 9;
  dns.udp_sessions_active = 3;

  const MetricSamples samples = scrape(*topology);
  CHECK(valueOf(samples, R"(fulcrum_udp_sessions_active{listener="dns"})") == 3);
  CHECK(valueOf(samples, R"(fulcrum_udp_datagrams_total{listener="dns",direction="to_backend"})") == 10);
  CHECK(valueOf(samples, R"(fulcrum_udp_datagrams_total{listener="dns",direction="to_client"})") == 9);
  CHECK(samples.seriesCount("fulcrum_udp_sessions_active") == 1);
  CHECK(samples.seriesCount("fulcrum_udp_datagrams_total") == 2);
}

TEST_CASE("build info and reload counters", "[metrics]") {
  const auto topology = makeTopology();
  const MetricSamples samples = scrape(*topology, ReloadCounters{5, 2});
  CHECK(valueOf(samples, R"(fulcrum_build_info{version="9.9.9"})") == 1);
  CHECK(valueOf(samples, R"(fulcrum_config_reloads_total{result="success"})") == 5);
  CHECK(valueOf(samples, R"(fulcrum_config_reloads_total{result="failure"})") == 2);
}

TEST_CASE("every family has HELP and the type the contract names", "[metrics]") {
  const auto topology = makeTopology();
  const std::string text =
      prometheus::TextSerializer().Serialize(collectMetricFamilies(*topology, ReloadCounters{}, "1.0.0"));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"fulcrum_build_info", "gauge"},
      {"fulcrum_listener_connections_total", "counter"},
      {"fulcrum_listener_active_connections", "gauge"},
      {"fulcrum_listener_rejected_total", "counter"},
      {"fulcrum_backend_connections_total", "counter"},
      {"fulcrum_backend_active_connections", "gauge"},
      {"fulcrum_backend_connect_failures_total", "counter"},
      {"fulcrum_backend_bytes_total", "counter"},
      {"fulcrum_backend_up", "gauge"},
      {"fulcrum_backend_state", "gauge"},
      {"fulcrum_health_checks_total", "counter"},
      {"fulcrum_backend_connect_seconds", "histogram"},
      {"fulcrum_udp_sessions_active", "gauge"},
      {"fulcrum_udp_datagrams_total", "counter"},
      {"fulcrum_config_reloads_total", "counter"},
  };
  for (const auto& [name, type] : expected) {
    INFO(name);
    CHECK(text.find(fmt::format("# HELP {} ", name)) != std::string::npos);
    CHECK(text.find(fmt::format("# TYPE {} {}\n", name, type)) != std::string::npos);
  }
}

TEST_CASE("without udp listeners the udp families are left out", "[metrics]") {
  Topology topology;
  const MetricSamples samples = scrape(topology);
  CHECK(samples.seriesCount("fulcrum_udp_sessions_active") == 0);
  CHECK(samples.text.find("fulcrum_udp") == std::string::npos);
  CHECK(valueOf(samples, R"(fulcrum_build_info{version="9.9.9"})") == 1);
}

}  // namespace
}  // namespace fulcrum
